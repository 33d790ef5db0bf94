#include "findpanel.h"

#include "ir/graph.h"
#include "util/error.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPainter>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace nodus {

namespace {

constexpr std::size_t kLimit = 1000;

QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}

// A lettered badge per kind, drawn rather than shipped: three icons do not
// justify resource files, and the letters read in any theme.
QIcon kindIcon(SearchHit::Kind kind)
{
    QIcon icon;
    static const struct {
        QChar letter;
        QColor colour;
    } styles[] = { { QLatin1Char('N'), QColor(0x3b, 0x6e, 0xc4) }, { QLatin1Char('V'), QColor(0x3f, 0x8f, 0x4f) },
        { QLatin1Char('T'), QColor(0xc2, 0x7a, 0x1e) } };
    for (int size : { 16, 32 }) {
        QPixmap pixmap(size, size);
        pixmap.fill(Qt::transparent);
        QPainter p(&pixmap);
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(Qt::NoPen);
        p.setBrush(styles[kind].colour);
        p.drawRoundedRect(QRectF(0.5, 0.5, size - 1, size - 1), size / 5.0, size / 5.0);
        QFont f;
        f.setPixelSize(size * 11 / 16);
        f.setBold(true);
        p.setFont(f);
        p.setPen(Qt::white);
        p.drawText(QRect(0, 0, size, size), Qt::AlignCenter, QString(styles[kind].letter));
        p.end();
        icon.addPixmap(pixmap);
    }
    return icon;
}

QString kindName(SearchHit::Kind kind)
{
    switch (kind) {
    case SearchHit::Node:
        return FindPanel::tr("Node");
    case SearchHit::Value:
        return FindPanel::tr("Value");
    case SearchHit::Tensor:
        return FindPanel::tr("Tensor");
    }
    return {};
}

} // namespace

FindPanel::FindPanel(QWidget* parent)
    : QWidget(parent)
    , edit_(new QLineEdit(this))
    , modeBox_(new QComboBox(this))
    , error_(new QLabel(this))
    , status_(new QLabel(this))
    , results_(new QTreeWidget(this))
    , debounce_(new QTimer(this))
{
    for (auto kind : { SearchHit::Node, SearchHit::Value, SearchHit::Tensor })
        kindIcons_[std::size_t(kind)] = kindIcon(kind);

    edit_->setObjectName(QStringLiteral("findText"));
    edit_->setPlaceholderText(tr("Find nodes, values, tensors"));
    edit_->setClearButtonEnabled(true);
    edit_->installEventFilter(this);

    modeBox_->setObjectName(QStringLiteral("findMode"));
    modeBox_->addItem(tr("Text"), int(SearchMode::Text));
    modeBox_->addItem(tr("Op type"), int(SearchMode::OpType));
    modeBox_->addItem(tr("Regex"), int(SearchMode::Regex));
    modeBox_->setToolTip(tr("Text: part of a name or op type\nOp type: the exact op type\n"
                            "Regex: a regular expression over names and op types"));

    error_->setObjectName(QStringLiteral("findError"));
    error_->setWordWrap(true);
    QPalette errorPalette = error_->palette();
    errorPalette.setColor(QPalette::WindowText, QColor(0xc0, 0x30, 0x30));
    error_->setPalette(errorPalette);
    error_->hide();
    status_->setObjectName(QStringLiteral("findStatus"));
    status_->setForegroundRole(QPalette::PlaceholderText);

    results_->setObjectName(QStringLiteral("findResults"));
    results_->setColumnCount(3);
    results_->setHeaderLabels({ tr("Name"), tr("Type"), tr("Graph") });
    results_->setRootIsDecorated(false);
    results_->setUniformRowHeights(true);
    results_->setAllColumnsShowFocus(true);
    results_->setTextElideMode(Qt::ElideMiddle);
    results_->setIconSize(QSize(16, 16));
    results_->header()->setStretchLastSection(false);
    results_->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    results_->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    results_->header()->setSectionResizeMode(2, QHeaderView::ResizeToContents);

    debounce_->setSingleShot(true);
    debounce_->setInterval(kDebounceMs);
    connect(debounce_, &QTimer::timeout, this, &FindPanel::search);
    connect(edit_, &QLineEdit::textChanged, debounce_, qOverload<>(&QTimer::start));
    connect(modeBox_, &QComboBox::currentIndexChanged, this, &FindPanel::search);
    connect(edit_, &QLineEdit::returnPressed, this, [this] {
        if (debounce_->isActive()) {
            debounce_->stop();
            search();
        }
        activateRow(currentRow() >= 0 ? currentRow() : 0);
    });
    // itemActivated covers double-click and Enter in the list alike.
    connect(results_, &QTreeWidget::itemActivated, this,
        [this](QTreeWidgetItem* item) { activateRow(results_->indexOfTopLevelItem(item)); });

    auto* top = new QHBoxLayout;
    top->setContentsMargins(0, 0, 0, 0);
    top->addWidget(edit_, 1);
    top->addWidget(modeBox_);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(error_);
    layout->addWidget(status_);
    layout->addWidget(results_, 1);
    search();
}

void FindPanel::setGraph(const Graph* graph)
{
    graph_ = graph;
    debounce_->stop();
    search();
}

void FindPanel::focusSearch()
{
    edit_->setFocus(Qt::ShortcutFocusReason);
    edit_->selectAll();
}

void FindPanel::setQuery(const QString& text)
{
    edit_->setText(text);
    debounce_->stop();
    search();
}

QString FindPanel::query() const
{
    return edit_->text();
}

void FindPanel::setMode(SearchMode mode)
{
    modeBox_->setCurrentIndex(modeBox_->findData(int(mode)));
}

SearchMode FindPanel::mode() const
{
    return SearchMode(modeBox_->currentData().toInt());
}

QString FindPanel::errorText() const
{
    return error_->isHidden() ? QString() : error_->text();
}

void FindPanel::search()
{
    results_->clear();
    results_->setColumnHidden(2, true);
    hits_.clear();
    error_->hide();
    const QString text = edit_->text();
    if (!graph_ || text.trimmed().isEmpty()) {
        status_->setText(graph_ ? QString() : tr("No model open"));
        status_->setVisible(!graph_);
        return;
    }
    try {
        hits_ = searchGraph(*graph_, text.toStdString(), mode(), kLimit + 1);
    } catch (const Error& e) {
        // Half-typed patterns are the norm while typing a regex: say what is
        // wrong where the user is looking, never in a dialog.
        error_->setText(QString::fromUtf8(e.what()));
        error_->show();
        status_->hide();
        return;
    }
    const bool more = hits_.size() > kLimit;
    if (more)
        hits_.resize(kLimit);

    const QColor secondary = palette().color(QPalette::PlaceholderText);
    bool anyPath = false;
    QList<QTreeWidgetItem*> items;
    items.reserve(qsizetype(hits_.size()));
    for (const auto& hit : hits_) {
        auto* item = new QTreeWidgetItem;
        item->setIcon(0, kindIcons_[std::size_t(hit.kind)]);
        item->setText(0, hit.name.empty() ? tr("(unnamed)") : qs(hit.name));
        if (hit.name.empty())
            item->setForeground(0, secondary);
        item->setText(1, qs(hit.detail));
        item->setForeground(1, secondary);
        item->setText(2, qs(hit.graphPath));
        item->setForeground(2, secondary);
        anyPath = anyPath || !hit.graphPath.empty();
        const QString tip
            = QStringLiteral("%1: %2\n%3%4")
                  .arg(kindName(hit.kind), item->text(0), qs(hit.detail),
                      hit.graphPath.empty() ? QString() : QStringLiteral("\n") + tr("in %1").arg(qs(hit.graphPath)));
        for (int c = 0; c < 3; ++c)
            item->setToolTip(c, tip);
        items << item;
    }
    // One insert, not a thousand: each insert would relayout the view.
    results_->addTopLevelItems(items);
    results_->setColumnHidden(2, !anyPath);
    if (!hits_.empty())
        results_->setCurrentItem(results_->topLevelItem(0));

    const QLocale locale;
    if (hits_.empty())
        status_->setText(tr("No matches"));
    else if (more)
        status_->setText(tr("First %1 matches").arg(locale.toString(qulonglong(kLimit))));
    else
        status_->setText(
            hits_.size() == 1 ? tr("1 match") : tr("%1 matches").arg(locale.toString(qulonglong(hits_.size()))));
    status_->show();
}

int FindPanel::currentRow() const
{
    return results_->currentItem() ? results_->indexOfTopLevelItem(results_->currentItem()) : -1;
}

void FindPanel::activateRow(int row)
{
    if (row < 0 || std::size_t(row) >= hits_.size())
        return;
    emit hitActivated(hits_[std::size_t(row)]);
}

bool FindPanel::eventFilter(QObject* watched, QEvent* event)
{
    // Arrows move through the results while the caret stays in the field,
    // so typing, choosing and Enter need no mouse.
    if (watched == edit_ && event->type() == QEvent::KeyPress) {
        const auto* key = static_cast<QKeyEvent*>(event);
        const int n = results_->topLevelItemCount();
        if (n > 0
            && (key->key() == Qt::Key_Down || key->key() == Qt::Key_Up || key->key() == Qt::Key_PageDown
                || key->key() == Qt::Key_PageUp)) {
            const int rowHeight = std::max(1, results_->visualItemRect(results_->topLevelItem(0)).height());
            const int page = std::max(1, results_->viewport()->height() / rowHeight);
            int row = currentRow();
            switch (key->key()) {
            case Qt::Key_Down:
                row = row + 1;
                break;
            case Qt::Key_Up:
                row = row - 1;
                break;
            case Qt::Key_PageDown:
                row = row + page;
                break;
            default:
                row = row - page;
                break;
            }
            results_->setCurrentItem(results_->topLevelItem(std::clamp(row, 0, n - 1)));
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace nodus
