#include "convertpanel.h"

#include "convert/batchconvert.h"
#include "convert/onnxexport.h"
#include "formats/formatregistry.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDesktopServices>
#include <QDir>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTreeWidget>
#include <QUrl>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace nodus {

namespace {

const char* const kOutputDirKey = "convert/outputDir";
const char* const kOpsetKey = "convert/opset";

QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}

QString defaultOutputDir()
{
    return QDir(QDir::homePath()).filePath(QStringLiteral("Converted models"));
}

// The dashed box files are dropped on.
class DropZone : public QFrame {
public:
    explicit DropZone(ConvertPanel* panel)
        : QFrame(panel)
        , panel_(panel)
    {
        setObjectName(QStringLiteral("convertDropZone"));
        setAcceptDrops(true);
        setMinimumHeight(64);
    }

protected:
    void paintEvent(QPaintEvent*) override
    {
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing);
        const QColor accent = palette().color(QPalette::Highlight);
        QPen pen(hover_ ? accent : palette().color(QPalette::Mid), 2, Qt::DashLine);
        p.setPen(pen);
        p.setBrush(hover_ ? QBrush(QColor(accent.red(), accent.green(), accent.blue(), 40)) : QBrush(Qt::NoBrush));
        p.drawRoundedRect(QRectF(rect()).adjusted(2, 2, -2, -2), 8, 8);
        p.setPen(palette().color(QPalette::WindowText));
        p.drawText(rect().adjusted(8, 4, -8, -4), Qt::AlignCenter | Qt::TextWordWrap,
            ConvertPanel::tr("Drop model files or folders here\n%1").arg(panel_->targetText()));
    }
    void dragEnterEvent(QDragEnterEvent* e) override
    {
        if (!ConvertPanel::acceptsDrop(e->mimeData()))
            return;
        e->acceptProposedAction();
        hover_ = true;
        update();
    }
    void dragLeaveEvent(QDragLeaveEvent*) override
    {
        hover_ = false;
        update();
    }
    void dropEvent(QDropEvent* e) override
    {
        hover_ = false;
        update();
        const QStringList paths = ConvertPanel::localPaths(e->mimeData());
        if (paths.isEmpty())
            return;
        e->acceptProposedAction();
        panel_->convertPaths(paths);
    }

private:
    ConvertPanel* panel_;
    bool hover_ = false;
};

} // namespace

struct ConvertPanel::Job {
    std::atomic<bool> cancel { false };
    int converted = 0;
    int failed = 0;
};

ConvertPanel::ConvertPanel(QWidget* parent)
    : QWidget(parent)
    , format_(new QComboBox(this))
    , opset_(new QSpinBox(this))
    , partial_(new QCheckBox(tr("Keep ops without a mapping as custom ops"), this))
    , external_(new QCheckBox(tr("Tensors in an external data file"), this))
    , outputDir_(new QLineEdit(this))
    , dropZone_(new DropZone(this))
    , status_(new QLabel(this))
    , progress_(new QProgressBar(this))
    , cancel_(new QPushButton(tr("Cancel"), this))
    , list_(new QTreeWidget(this))
    , details_(new QLabel(this))
{
    setObjectName(QStringLiteral("convertPanel"));
    QSettings settings;
    for (const Format* f : FormatRegistry::instance().formats())
        if (f->can(Format::ConvertTarget))
            format_->addItem(qs(std::string(f->displayName())), qs(std::string(f->name())));
    format_->setObjectName(QStringLiteral("convertFormat"));
    opset_->setObjectName(QStringLiteral("convertOpset"));
    opset_->setRange(kMinOnnxExportOpset, maxOnnxExportOpset());
    opset_->setValue(settings.value(kOpsetKey, kDefaultOnnxExportOpset).toInt());
    partial_->setObjectName(QStringLiteral("convertPartial"));
    partial_->setToolTip(tr("Without this, a model with an op that has no ONNX mapping is not converted, "
                            "and the op is named in the result."));
    external_->setObjectName(QStringLiteral("convertExternalData"));
    outputDir_->setObjectName(QStringLiteral("convertOutputDir"));
    outputDir_->setText(settings.value(kOutputDirKey, defaultOutputDir()).toString());
    auto* browse = new QPushButton(tr("Choose..."), this);
    connect(browse, &QPushButton::clicked, this, &ConvertPanel::chooseOutputDir);
    auto* reveal = new QPushButton(tr("Show"), this);
    reveal->setToolTip(tr("Open the output folder in the file manager"));
    connect(reveal, &QPushButton::clicked, this,
        [this] { QDesktopServices::openUrl(QUrl::fromLocalFile(outputDir())); });
    auto* dirRow = new QHBoxLayout;
    dirRow->addWidget(outputDir_, 1);
    dirRow->addWidget(browse);
    dirRow->addWidget(reveal);

    auto* form = new QFormLayout;
    form->addRow(tr("Format:"), format_);
    form->addRow(tr("Opset:"), opset_);
    form->addRow(tr("Into:"), dirRow);
    form->addRow(QString(), partial_);
    form->addRow(QString(), external_);

    progress_->setObjectName(QStringLiteral("convertProgress"));
    cancel_->setObjectName(QStringLiteral("convertCancel"));
    connect(cancel_, &QPushButton::clicked, this, &ConvertPanel::cancel);
    auto* progressRow = new QHBoxLayout;
    progressRow->addWidget(progress_, 1);
    progressRow->addWidget(cancel_);

    list_->setObjectName(QStringLiteral("convertResults"));
    list_->setColumnCount(2);
    list_->setHeaderLabels({ tr("File"), tr("Result") });
    list_->setRootIsDecorated(false);
    list_->setUniformRowHeights(true);
    list_->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    list_->header()->setStretchLastSection(true);
    // The whole story of the selected file: where it went, or why it failed.
    details_->setObjectName(QStringLiteral("convertDetails"));
    details_->setWordWrap(true);
    details_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    details_->setMinimumHeight(details_->fontMetrics().lineSpacing() * 3);
    details_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    connect(list_, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
        const int row = item ? list_->indexOfTopLevelItem(item) : -1;
        if (row < 0 || row >= results_.size()) {
            details_->clear();
            return;
        }
        const Result& r = results_[row];
        QString text = QDir::toNativeSeparators(r.source) + QStringLiteral("\n");
        text += r.ok ? tr("converted to %1").arg(QDir::toNativeSeparators(r.output)) : tr("failed: %1").arg(r.message);
        if (r.ok && !r.message.isEmpty())
            text += QStringLiteral("\n") + r.message;
        if (!r.unsupportedOps.isEmpty())
            text += QStringLiteral("\n") + tr("Ops without a mapping: %1").arg(r.unsupportedOps.join(QStringLiteral(", ")));
        details_->setText(text);
    });
    connect(list_, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item) {
        const int row = list_->indexOfTopLevelItem(item);
        if (row < 0 || row >= results_.size())
            return;
        const Result& r = results_[row];
        emit openRequested({ r.ok ? r.output : r.source });
    });
    auto* clear = new QPushButton(tr("Clear"), this);
    connect(clear, &QPushButton::clicked, this, &ConvertPanel::clearResults);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(dropZone_);
    layout->addLayout(progressRow);
    layout->addWidget(status_);
    layout->addWidget(list_, 1);
    layout->addWidget(details_);
    auto* bottom = new QHBoxLayout;
    bottom->addStretch(1);
    bottom->addWidget(clear);
    layout->addLayout(bottom);

    const auto remember = [this] {
        QSettings s;
        s.setValue(kOutputDirKey, outputDir());
        s.setValue(kOpsetKey, opset());
        dropZone_->update();
    };
    connect(outputDir_, &QLineEdit::editingFinished, this, remember);
    connect(opset_, &QSpinBox::valueChanged, this, remember);
    updateState();
}

ConvertPanel::~ConvertPanel()
{
    // The worker posts to this panel: it must be done before the panel goes.
    if (job_)
        job_->cancel = true;
    future_.waitForFinished();
}

QString ConvertPanel::outputDir() const
{
    return outputDir_->text().trimmed();
}

void ConvertPanel::setOutputDir(const QString& dir)
{
    outputDir_->setText(dir);
    dropZone_->update();
}

int ConvertPanel::opset() const
{
    return opset_->value();
}

void ConvertPanel::setOpset(int opset)
{
    opset_->setValue(opset);
}

QString ConvertPanel::targetFormat() const
{
    return format_->currentData().toString();
}

void ConvertPanel::setPartial(bool keepUnmappedOps)
{
    partial_->setChecked(keepUnmappedOps);
}

QString ConvertPanel::targetText() const
{
    return tr("to convert to %1 (opset %2) into %3")
        .arg(format_->currentText(), QString::number(opset()), QDir::toNativeSeparators(outputDir()));
}

bool ConvertPanel::acceptsDrop(const QMimeData* mime)
{
    return !localPaths(mime).isEmpty();
}

QStringList ConvertPanel::localPaths(const QMimeData* mime)
{
    QStringList paths;
    if (!mime)
        return paths;
    for (const QUrl& url : mime->urls())
        if (url.isLocalFile())
            paths << url.toLocalFile();
    return paths;
}

bool ConvertPanel::isRunning() const
{
    return job_ != nullptr;
}

void ConvertPanel::cancel()
{
    pending_.clear();
    if (job_)
        job_->cancel = true;
    updateState();
}

void ConvertPanel::clearResults()
{
    results_.clear();
    list_->clear();
    details_->clear();
    if (!isRunning())
        status_->clear();
}

void ConvertPanel::chooseOutputDir()
{
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Convert Into"), outputDir());
    if (dir.isEmpty())
        return;
    setOutputDir(dir);
    QSettings().setValue(kOutputDirKey, dir);
}

void ConvertPanel::convertPaths(const QStringList& paths)
{
    if (paths.isEmpty())
        return;
    pending_.append(paths);
    if (!isRunning())
        startNext();
    updateState();
}

void ConvertPanel::startNext()
{
    if (pending_.isEmpty())
        return;
    const QStringList paths = pending_.takeFirst();
    BatchConvertOptions options;
    options.format = targetFormat().toStdString();
    options.onnxOpset = opset();
    options.partial = partial_->isChecked();
    options.externalData = external_->isChecked();
    options.outputDir = outputDir().toStdString();
    std::vector<std::filesystem::path> inputs;
    for (const QString& p : paths)
        inputs.emplace_back(p.toStdString());

    job_ = std::make_shared<Job>();
    auto job = job_;
    progress_->setRange(0, 0);
    status_->setText(tr("Looking for models…"));
    future_ = QtConcurrent::run([this, job, options, inputs] {
        const BatchCollection found = collectBatchSources(inputs);
        const int total = static_cast<int>(found.sources.size());
        QMetaObject::invokeMethod(this, [this, total] { progress_->setRange(0, std::max(total, 1)); progress_->setValue(0); },
            Qt::QueuedConnection);
        BatchConverter converter(options);
        converter.convertAll(
            found.sources,
            [this, total](std::size_t index, const BatchResult& b) {
                Result r;
                r.source = qs(b.source.string());
                r.output = qs(b.output.string());
                r.ok = b.ok;
                r.message = qs(b.message);
                for (const auto& op : b.unsupportedOps)
                    r.unsupportedOps << qs(op);
                const int done = static_cast<int>(index) + 1;
                QMetaObject::invokeMethod(this, [this, r, done, total] {
                    addResult(r);
                    progress_->setValue(done);
                    status_->setText(tr("%1 of %2").arg(done).arg(total));
                }, Qt::QueuedConnection);
            },
            &job->cancel);
        const bool cancelled = job->cancel.load();
        const auto ignored = found.ignored;
        QMetaObject::invokeMethod(this, [this, cancelled, ignored, total] {
            onBatchDone(cancelled);
            if (total == 0)
                status_->setText(tr("No model files found (%n other file(s) left alone).", nullptr, int(ignored)));
        }, Qt::QueuedConnection);
    });
}

void ConvertPanel::addResult(const Result& r)
{
    results_.append(r);
    if (job_)
        (r.ok ? job_->converted : job_->failed)++;
    auto* item = new QTreeWidgetItem(list_);
    item->setText(0, QFileInfo(r.source).fileName());
    item->setToolTip(0, QDir::toNativeSeparators(r.source));
    const QStyle::StandardPixmap icon = r.ok ? QStyle::SP_DialogApplyButton : QStyle::SP_MessageBoxWarning;
    item->setIcon(0, style()->standardIcon(icon));
    if (r.ok) {
        // The folder is the panel's; the full path is in the tooltip and details.
        item->setText(1, tr("→ %1").arg(QFileInfo(r.output).fileName()));
        item->setToolTip(1, QDir::toNativeSeparators(r.output));
    } else {
        // The ops that stopped it say more than the first line of the reason.
        item->setText(1, r.unsupportedOps.isEmpty()
                ? r.message.section(QLatin1Char('\n'), 0, 0)
                : tr("no mapping for %1").arg(r.unsupportedOps.join(QStringLiteral(", "))));
        item->setToolTip(1, r.message);
        item->setForeground(1, QColor(0xc6, 0x28, 0x28));
    }
    list_->scrollToItem(item);
}

void ConvertPanel::onBatchDone(bool cancelled)
{
    const int converted = job_ ? job_->converted : 0;
    const int failed = job_ ? job_->failed : 0;
    job_.reset();
    // The line sums up the whole list, not only the last drop.
    const auto ok = std::count_if(results_.begin(), results_.end(), [](const Result& r) { return r.ok; });
    const QString totals = tr("%1 converted, %2 failed.").arg(ok).arg(results_.size() - ok);
    status_->setText(cancelled ? tr("Cancelled. %1").arg(totals) : totals);
    if (progress_->maximum() == 0)
        progress_->setRange(0, 1);
    emit batchFinished(converted, failed);
    if (!cancelled)
        startNext();
    updateState();
}

void ConvertPanel::updateState()
{
    cancel_->setEnabled(isRunning());
    progress_->setVisible(isRunning());
}

} // namespace nodus
