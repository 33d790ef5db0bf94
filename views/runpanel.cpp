#include "runpanel.h"

#include "graphcanvas.h"
#include "graphview.h"
#include "tensorview.h"

#include "ir/graph.h"
#include "ir/model.h"
#include "ir/node.h"
#include "ir/tensor.h"
#include "ir/tensorvalues.h"
#include "ir/value.h"
#include "runtime/runtimeerror.h"
#include "runtime/session.h"
#include "util/npy.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollBar>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace nodus {

namespace {

using Source = RunInputSpec::Source;

QString qs(std::string_view s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

QString numberText(double v)
{
    if (std::isnan(v))
        return QStringLiteral("NaN");
    if (std::isinf(v))
        return v > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
    if (v == std::trunc(v) && std::abs(v) < 1e15)
        return QString::number(qint64(v));
    return QString::number(v, 'g', 6);
}

// "1 node", "3 nodes": without a translation loaded, tr()'s %n leaves "(s)" as it is.
QString counted(qint64 n, const QString& one, const QString& many)
{
    return QStringLiteral("%1 %2").arg(n).arg(n == 1 ? one : many);
}

QString msText(double ms)
{
    if (ms >= 100)
        return QStringLiteral("%1 ms").arg(ms, 0, 'f', 0);
    if (ms >= 10)
        return QStringLiteral("%1 ms").arg(ms, 0, 'f', 1);
    return QStringLiteral("%1 ms").arg(ms, 0, 'f', 2);
}

QString sourceName(Source s)
{
    switch (s) {
    case Source::Random:
        return RunPanel::tr("Random");
    case Source::Zeros:
        return RunPanel::tr("Zeros");
    case Source::Ones:
        return RunPanel::tr("Ones");
    case Source::Npy:
        return RunPanel::tr(".npy file");
    case Source::Image:
        return RunPanel::tr("Image");
    }
    return {};
}

// Numeric cells sort by their number, not their text.
class NumberItem : public QTableWidgetItem {
public:
    NumberItem(const QString& text, double value)
        : QTableWidgetItem(text)
    {
        setData(RunPanel::ValueRole, value);
        setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
    bool operator<(const QTableWidgetItem& other) const override
    {
        return data(RunPanel::ValueRole).toDouble() < other.data(RunPanel::ValueRole).toDouble();
    }
};

QTableWidgetItem* textItem(const QString& text)
{
    auto* item = new QTableWidgetItem(text);
    item->setFlags(item->flags() & ~Qt::ItemIsEditable);
    item->setToolTip(text);
    return item;
}

QTableWidgetItem* numberItem(double v)
{
    auto* item = new NumberItem(numberText(v), v);
    item->setFlags(item->flags() & ~Qt::ItemIsEditable);
    return item;
}

QTableWidget* makeTable(const QStringList& headers, QWidget* parent)
{
    auto* t = new QTableWidget(0, int(headers.size()), parent);
    t->setHorizontalHeaderLabels(headers);
    t->verticalHeader()->hide();
    t->verticalHeader()->setDefaultSectionSize(t->fontMetrics().height() + 8);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setSelectionMode(QAbstractItemView::SingleSelection);
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->horizontalHeader()->setHighlightSections(false);
    t->setWordWrap(false);
    return t;
}

// The height that shows `rows` rows (within the bounds) and no more, so
// short lists leave the room to what follows them.
int heightForRows(const QTableWidget* t, int minRows, int maxRows, bool scrollBar)
{
    const int rows = std::clamp(t->rowCount(), minRows, maxRows);
    return t->horizontalHeader()->sizeHint().height() + rows * t->verticalHeader()->defaultSectionSize()
        + 2 * t->frameWidth() + (scrollBar ? t->horizontalScrollBar()->sizeHint().height() : 0);
}

// Heat from pale yellow (cheap) to red (the slowest node), translucent so
// a table cell's text stays readable over it.
QColor heatColor(double f)
{
    f = std::clamp(f, 0.0, 1.0);
    QColor c = QColor::fromHsvF(float(0.16 * (1 - f)), float(0.35 + 0.6 * f), 1.0f);
    c.setAlphaF(float(0.1 + 0.45 * f));
    return c;
}

// A value name as a file name: "/features.0/Conv_output_0" -> "_features.0_Conv_output_0".
QString fileBase(const std::string& name, const QString& fallback)
{
    QString base = qs(name);
    base.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9_.-]")), QStringLiteral("_"));
    return base.isEmpty() ? fallback : base;
}

std::filesystem::path fsPath(const QString& path)
{
    return std::filesystem::path(QFile::encodeName(path).toStdString());
}

// The devices, asked once: creating a Vulkan instance takes a while, and
// the set does not change while the application runs.
struct DeviceList {
    std::vector<rt::DeviceInfo> devices;
    QString error;
};

const DeviceList& deviceList()
{
    static const DeviceList list = [] {
        DeviceList l;
        try {
            l.devices = rt::listDevices();
            if (l.devices.empty())
                l.error = RunPanel::tr("No Vulkan device was found.");
        } catch (const std::exception& e) {
            l.error = RunPanel::tr("Vulkan is not available: %1").arg(QString::fromUtf8(e.what()));
        }
        return l;
    }();
    return list;
}

} // namespace

struct RunPanel::InputRow {
    std::string name;
    ValueType type;
    QString problem; // why it cannot be fed; empty when it can
    QComboBox* source = nullptr;
    QStackedWidget* value = nullptr; // pages: seed, nothing, file
    QSpinBox* seed = nullptr;
    QLineEdit* path = nullptr;
    QTableWidgetItem* shape = nullptr;
};

struct RunPanel::Progress {
    std::atomic<int> done { 0 };
    std::atomic<int> total { -1 }; // -1: preparing (inputs, session)
};

struct RunPanel::Outcome {
    std::shared_ptr<rt::Session> session;
    rt::RunResult run;
    std::vector<std::pair<std::string, std::shared_ptr<const Tensor>>> fed;
    std::vector<TensorStatistics> stats;
    std::vector<QString> statsErrors;
    QString error;
    bool cancelled = false;
    double prepareMs = 0;
    QString device;
};

struct RunPanel::Result {
    std::vector<std::string> outputNames;
    std::vector<std::shared_ptr<const Tensor>> outputs;
    std::vector<TensorStatistics> stats;
    std::vector<QString> statsErrors;
    // Every tensor of the run by value name: inputs fed, intermediates, outputs.
    std::map<std::string, std::shared_ptr<const Tensor>> tensors;
    std::vector<rt::NodeTiming> timings;
    std::vector<Id> timingNodes; // the node of each timing, 0 when unknown
    double wallMs = 0;
    double prepareMs = 0;
    std::uint64_t dispatches = 0;
    std::uint64_t submits = 0;
    QString device;
    bool kept = false;
};

namespace {

struct Job {
    std::shared_ptr<const Model> model;
    std::shared_ptr<rt::Session> session; // null: prepare one
    rt::SessionOptions options;
    std::vector<std::pair<RunInputSpec, Shape>> inputs;
    std::shared_ptr<std::atomic<bool>> cancel;
};

} // namespace

RunPanel::RunPanel(QWidget* parent)
    : QWidget(parent)
    , progressTimer_(new QTimer(this))
{
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(4, 4, 4, 4);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->setChildrenCollapsible(false);
    outer->addWidget(split);

    // Setup: device, options, inputs, Run.
    auto* setup = new QWidget(split);
    auto* setupLayout = new QVBoxLayout(setup);
    setupLayout->setContentsMargins(0, 0, 0, 0);

    auto* deviceRow = new QHBoxLayout;
    auto* deviceLabel = new QLabel(tr("&Device:"), setup);
    device_ = new QComboBox(setup);
    device_->setObjectName(QStringLiteral("runDevice"));
    device_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    device_->setMinimumContentsLength(16);
    deviceLabel->setBuddy(device_);
    deviceRow->addWidget(deviceLabel);
    deviceRow->addWidget(device_, 1);
    setupLayout->addLayout(deviceRow);

    auto* optionsRow = new QHBoxLayout;
    profile_ = new QCheckBox(tr("&Profile"), setup);
    profile_->setObjectName(QStringLiteral("runProfile"));
    profile_->setChecked(true);
    profile_->setToolTip(tr("Measure each node's device time (shown on the graph and under Nodes)."));
    keep_ = new QCheckBox(tr("&Keep intermediate tensors"), setup);
    keep_->setObjectName(QStringLiteral("runKeep"));
    keep_->setChecked(true);
    keep_->setToolTip(tr("Read back every tensor, so clicking an edge shows its values."));
    half_ = new QCheckBox(tr("Float&16 weights"), setup);
    half_->setObjectName(QStringLiteral("runHalfWeights"));
    optionsRow->addWidget(profile_);
    optionsRow->addWidget(keep_);
    optionsRow->addWidget(half_);
    optionsRow->addStretch(1);
    setupLayout->addLayout(optionsRow);

    inputsTable_ = makeTable({ tr("Input"), tr("Type"), tr("Shape"), tr("Source"), tr("Value") }, setup);
    inputsTable_->setObjectName(QStringLiteral("runInputs"));
    inputsTable_->setSelectionMode(QAbstractItemView::NoSelection);
    inputsTable_->setEditTriggers(QAbstractItemView::AllEditTriggers);
    inputsTable_->verticalHeader()->setDefaultSectionSize(inputsTable_->fontMetrics().height() + 14);
    inputsTable_->horizontalHeader()->setSectionResizeMode(InputName, QHeaderView::Interactive);
    inputsTable_->horizontalHeader()->setSectionResizeMode(InputValue, QHeaderView::Stretch);
    setupLayout->addWidget(inputsTable_);
    connect(inputsTable_, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
        if (item->column() != InputShape)
            return;
        QString error;
        const bool ok = inputSpec(item->row(), &error).has_value();
        item->setForeground(ok ? palette().text() : QBrush(Qt::red));
        item->setToolTip(ok ? tr("Dims as fed; edit the open ones") : error);
    });

    imageOptions_ = new QWidget(setup);
    auto* imageRow = new QHBoxLayout(imageOptions_);
    imageRow->setContentsMargins(0, 0, 0, 0);
    mean_ = new QLineEdit(QStringLiteral("0.485, 0.456, 0.406"), imageOptions_);
    mean_->setObjectName(QStringLiteral("runImageMean"));
    std_ = new QLineEdit(QStringLiteral("0.229, 0.224, 0.225"), imageOptions_);
    std_->setObjectName(QStringLiteral("runImageStd"));
    const QString normalizeTip
        = tr("Image inputs get (pixel / 255 - mean) / std per RGB channel (ImageNet's by default).");
    mean_->setToolTip(normalizeTip);
    std_->setToolTip(normalizeTip);
    imageRow->addWidget(new QLabel(tr("Image mean:"), imageOptions_));
    imageRow->addWidget(mean_, 1);
    imageRow->addWidget(new QLabel(tr("std:"), imageOptions_));
    imageRow->addWidget(std_, 1);
    imageOptions_->hide();
    setupLayout->addWidget(imageOptions_);

    unsupportedBox_ = new QWidget(setup);
    auto* unsupportedLayout = new QVBoxLayout(unsupportedBox_);
    unsupportedLayout->setContentsMargins(0, 0, 0, 0);
    unsupportedTitle_ = new QLabel(unsupportedBox_);
    unsupportedTitle_->setWordWrap(true);
    unsupportedTitle_->setStyleSheet(QStringLiteral("color: #c0392b; font-weight: bold;"));
    unsupportedList_ = new QListWidget(unsupportedBox_);
    unsupportedList_->setObjectName(QStringLiteral("runUnsupported"));
    unsupportedList_->setMaximumHeight(110);
    unsupportedLayout->addWidget(unsupportedTitle_);
    unsupportedLayout->addWidget(unsupportedList_);
    unsupportedBox_->hide();
    setupLayout->addWidget(unsupportedBox_);

    auto* runRow = new QHBoxLayout;
    runButton_ = new QPushButton(tr("&Run"), setup);
    runButton_->setObjectName(QStringLiteral("runButton"));
    runButton_->setDefault(true);
    runButton_->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
    cancelButton_ = new QPushButton(tr("Cancel"), setup);
    cancelButton_->setObjectName(QStringLiteral("runCancel"));
    cancelButton_->setEnabled(false);
    progress_ = new QProgressBar(setup);
    progress_->setObjectName(QStringLiteral("runProgress"));
    progress_->setRange(0, 1);
    progress_->setValue(0);
    progress_->setTextVisible(true);
    runRow->addWidget(runButton_);
    runRow->addWidget(cancelButton_);
    runRow->addWidget(progress_, 1);
    setupLayout->addLayout(runRow);
    connect(runButton_, &QPushButton::clicked, this, &RunPanel::run);
    connect(cancelButton_, &QPushButton::clicked, this, &RunPanel::cancel);

    status_ = new QLabel(setup);
    status_->setObjectName(QStringLiteral("runStatus"));
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    setupLayout->addWidget(status_);

    // Results: outputs (with top-5 and the values), per-node times.
    tabs_ = new QTabWidget(split);
    tabs_->setObjectName(QStringLiteral("runResults"));

    auto* outputsPage = new QWidget(tabs_);
    auto* outputsLayout = new QVBoxLayout(outputsPage);
    outputsLayout->setContentsMargins(2, 2, 2, 2);
    auto* outputsSplit = new QSplitter(Qt::Vertical, outputsPage);
    outputsSplit->setChildrenCollapsible(false);
    outputsTable_ = makeTable(
        { tr("Output"), tr("Type"), tr("Shape"), tr("Min"), tr("Max"), tr("Mean"), tr("Std"), tr("NaN"), tr("Inf") },
        outputsSplit);
    outputsTable_->setObjectName(QStringLiteral("runOutputs"));
    outputsTable_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    connect(outputsTable_, &QTableWidget::currentCellChanged, this, [this](int row, int, int previous, int) {
        if (row != previous)
            showOutput(row);
    });

    topBox_ = new QWidget(outputsSplit);
    auto* topLayout = new QVBoxLayout(topBox_);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topTitle_ = new QLabel(topBox_);
    topTable_ = makeTable({ tr("#"), tr("Index"), tr("Value"), tr("Probability") }, topBox_);
    topTable_->setObjectName(QStringLiteral("runTop"));
    topTable_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    topTable_->setFixedHeight(heightForRows(topTable_, 5, 5, false));
    topTable_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    topLayout->addWidget(topTitle_);
    topLayout->addWidget(topTable_);
    // Never taller than its five rows: the tensor view below wants the room.
    topBox_->setMaximumHeight(topBox_->sizeHint().height());
    topBox_->hide();

    tensorView_ = new TensorView(outputsSplit);
    tensorView_->setObjectName(QStringLiteral("runTensorView"));
    // Run results are not the model's to edit; exporting is all it offers.
    connect(tensorView_, &TensorView::actionRequested, this, [this](TensorView::Action action) {
        const auto& t = tensorView_->tensor();
        if (action != TensorView::Action::Export || !t)
            return;
        const QString path = QFileDialog::getSaveFileName(this, tr("Export Tensor"),
            fileBase(t->name, QStringLiteral("tensor")) + QStringLiteral(".npy"), tr("NumPy array (*.npy)"));
        if (path.isEmpty())
            return;
        try {
            writeNpy(*t, fsPath(path));
            status_->setText(tr("Exported '%1' to %2").arg(qs(t->name), QDir::toNativeSeparators(path)));
        } catch (const std::exception& e) {
            status_->setText(QString::fromUtf8(e.what()));
        }
    });
    outputsSplit->setStretchFactor(0, 1);
    outputsSplit->setStretchFactor(1, 1);
    outputsSplit->setStretchFactor(2, 3);
    outputsLayout->addWidget(outputsSplit, 1);
    auto* saveRow = new QHBoxLayout;
    saveButton_ = new QPushButton(tr("&Save Outputs as .npy..."), outputsPage);
    saveButton_->setObjectName(QStringLiteral("runSaveOutputs"));
    saveButton_->setEnabled(false);
    saveRow->addStretch(1);
    saveRow->addWidget(saveButton_);
    outputsLayout->addLayout(saveRow);
    connect(saveButton_, &QPushButton::clicked, this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, tr("Save Outputs as .npy"));
        if (folder.isEmpty())
            return;
        const QString error = saveOutputs(folder);
        status_->setText(error.isEmpty()
                ? tr("Saved %1 outputs to %2").arg(result_->outputs.size()).arg(QDir::toNativeSeparators(folder))
                : error);
    });
    tabs_->addTab(outputsPage, tr("Outputs"));

    auto* nodesPage = new QWidget(tabs_);
    auto* nodesLayout = new QVBoxLayout(nodesPage);
    nodesLayout->setContentsMargins(2, 2, 2, 2);
    timingSummary_ = new QLabel(tr("Run with Profile on to see the time each node takes."), nodesPage);
    timingSummary_->setWordWrap(true);
    auto* nodesOptions = new QHBoxLayout;
    byOpType_ = new QCheckBox(tr("By op type"), nodesPage);
    byOpType_->setObjectName(QStringLiteral("runByOpType"));
    overlay_ = new QCheckBox(tr("Show times on the graph"), nodesPage);
    overlay_->setObjectName(QStringLiteral("runOverlay"));
    overlay_->setChecked(true);
    nodesOptions->addWidget(byOpType_);
    nodesOptions->addWidget(overlay_);
    nodesOptions->addStretch(1);
    timingTable_ = makeTable({ tr("Node"), tr("Op"), tr("Time"), tr("Share") }, nodesPage);
    timingTable_->setObjectName(QStringLiteral("runTimings"));
    timingTable_->horizontalHeader()->setSectionResizeMode(TimeNode, QHeaderView::Stretch);
    timingTable_->horizontalHeader()->setSectionResizeMode(TimeOp, QHeaderView::ResizeToContents);
    timingTable_->horizontalHeader()->setSectionResizeMode(TimeMs, QHeaderView::ResizeToContents);
    timingTable_->horizontalHeader()->setSectionResizeMode(TimeShare, QHeaderView::ResizeToContents);
    timingTable_->setSortingEnabled(true);
    nodesLayout->addWidget(timingSummary_);
    nodesLayout->addLayout(nodesOptions);
    nodesLayout->addWidget(timingTable_, 1);
    connect(byOpType_, &QCheckBox::toggled, this, &RunPanel::fillTimings);
    connect(overlay_, &QCheckBox::toggled, this, &RunPanel::applyAnnotations);
    connect(timingTable_, &QTableWidget::cellClicked, this, [this](int row, int) { onTimingActivated(row); });
    connect(timingTable_, &QTableWidget::cellActivated, this, [this](int row, int) { onTimingActivated(row); });
    tabs_->addTab(nodesPage, tr("Nodes"));

    split->addWidget(setup);
    split->addWidget(tabs_);
    // Setup takes what it needs; the results get the rest.
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 1);

    progressTimer_->setInterval(50);
    connect(progressTimer_, &QTimer::timeout, this, &RunPanel::pollProgress);
    connect(&watcher_, &QFutureWatcherBase::finished, this, &RunPanel::onFinished);
    // A session is made for one device and one set of options: a change
    // only takes effect at the next run, which prepares a new one.
    connect(device_, &QComboBox::currentIndexChanged, this, &RunPanel::updateDeviceOptions);

    fillDevices();
    clear();
}

RunPanel::~RunPanel()
{
    // A run in flight reads the model: stop it and wait before anything goes.
    if (cancel_)
        cancel_->store(true);
    watcher_.waitForFinished();
    if (graphView_ && graphView_->canvas())
        graphView_->canvas()->setNodeAnnotations({});
}

// Profiling stays off on devices without timestamps, float16 weights on
// devices that cannot read them.
void RunPanel::updateDeviceOptions()
{
    const auto& devices = deviceList().devices;
    const int i = device_->currentIndex();
    const rt::DeviceInfo* d = i >= 0 && std::size_t(i) < devices.size() ? &devices[std::size_t(i)] : nullptr;
    const bool timestamps = d && d->timestamps;
    profile_->setEnabled(timestamps);
    profile_->setToolTip(timestamps ? tr("Measure each node's device time (shown on the graph and under Nodes).")
                                    : tr("This device cannot time its work (no compute timestamps)."));
    const bool half = d && d->halfWeights;
    half_->setEnabled(half);
    half_->setToolTip(half ? tr("Keep Conv, MatMul and Gemm weights on the device as float16: half the memory and "
                                "bandwidth, results within about 0.1 % (arithmetic stays float32).")
                           : tr("This device cannot read float16 weights (no float16 texel buffers)."));
}

void RunPanel::fillDevices()
{
    const DeviceList& list = deviceList();
    device_->clear();
    deviceProblem_ = list.error;
    for (const auto& d : list.devices) {
        device_->addItem(QStringLiteral("%1 (%2)").arg(qs(d.name), qs(d.kind)), QString::number(d.index));
        const int i = device_->count() - 1;
        device_->setItemData(i,
            tr("%1\nDriver: %2\nMemory: %3 MiB\nfp16: %4, int64: %5, timestamps: %6")
                .arg(qs(d.name), qs(d.driver))
                .arg(d.memoryBytes >> 20)
                .arg(
                    d.fp16 ? tr("yes") : tr("no"), d.int64 ? tr("yes") : tr("no"), d.timestamps ? tr("yes") : tr("no")),
            Qt::ToolTipRole);
    }
    device_->setEnabled(!list.devices.empty());
    if (!list.devices.empty())
        device_->setCurrentIndex(0);
    else
        device_->addItem(tr("No Vulkan device"));
    updateDeviceOptions();
}

void RunPanel::setGraphView(GraphView* view)
{
    if (graphView_ && graphView_ != view && graphView_->canvas())
        graphView_->canvas()->setNodeAnnotations({});
    graphView_ = view;
    applyAnnotations();
}

void RunPanel::setModel(std::shared_ptr<const Model> model)
{
    if (running_ && cancel_)
        cancel_->store(true); // its result is dropped when it comes back
    ++generation_;
    model_ = std::move(model);
    session_.reset();
    sessionKey_.clear();
    clearResults();
    buildInputs(false);
    checkOps();
    lastError_.clear();
    status_->setText(model_ ? QString() : tr("Open a model to run it."));
    updateRunState();
}

void RunPanel::modelEdited()
{
    if (!model_)
        return;
    // Weights, attributes or shapes may differ: the next run prepares anew.
    session_.reset();
    sessionKey_.clear();
    buildInputs(true);
    checkOps();
    if (result_ && !resultStale_) {
        resultStale_ = true;
        status_->setText(status_->text() + QLatin1Char('\n') + tr("The model has changed since this run."));
    }
    updateRunState();
}

void RunPanel::clear()
{
    setModel(nullptr);
}

void RunPanel::clearResults()
{
    result_.reset();
    resultStale_ = false;
    outputsTable_->setRowCount(0);
    topBox_->hide();
    topTable_->setRowCount(0);
    tensorView_->clear();
    timingTable_->setRowCount(0);
    timingSummary_->setText(tr("Run with Profile on to see the time each node takes."));
    saveButton_->setEnabled(false);
    progress_->setRange(0, 1);
    progress_->setValue(0);
    progress_->setFormat(QString());
    applyAnnotations();
}

void RunPanel::buildInputs(bool keepChoices)
{
    struct Choice {
        int source = 0;
        int seed = 0;
        QString path;
        QString dims;
    };
    std::map<std::string, Choice> kept;
    if (keepChoices)
        for (const auto& row : inputs_)
            kept[row->name] = { row->source->currentIndex(), row->seed->value(), row->path->text(),
                row->shape ? row->shape->text() : QString() };

    inputsTable_->setRowCount(0);
    inputs_.clear();
    inputProblem_.clear();
    const Graph* graph = model_ ? model_->graph.get() : nullptr;
    if (!graph)
        return;
    for (const Value* v : graph->realInputs()) {
        InputRow row;
        row.name = v->name();
        row.type = v->type;
        if (!v->type.isTensor())
            row.problem
                = tr("input '%1' is %2: only tensors can be fed")
                      .arg(qs(v->name()),
                          v->type.kind == ValueType::Kind::Unknown ? tr("of unknown type") : qs(v->type.toString()));
        else if (v->type.elementType == DataType::String || dataTypeBits(v->type.elementType) == 0)
            row.problem = tr("input '%1' holds %2, which the runtime does not take")
                              .arg(qs(v->name()), qs(dataTypeName(v->type.elementType)));
        addInputRow(std::move(row));
        const int r = inputCount() - 1;
        InputRow& added = *inputs_.back();
        if (auto it = kept.find(added.name); it != kept.end()) {
            if (it->second.source < added.source->count())
                added.source->setCurrentIndex(it->second.source);
            added.seed->setValue(it->second.seed);
            added.path->setText(it->second.path);
            if (added.shape && (added.shape->flags() & Qt::ItemIsEditable)) {
                // Only when the kept dims still fit the (maybe edited) declared shape.
                const QString old = added.shape->text();
                added.shape->setText(it->second.dims);
                if (!inputSpec(r))
                    added.shape->setText(old);
            }
        }
        if (!added.problem.isEmpty() && inputProblem_.isEmpty())
            inputProblem_ = added.problem;
        updateRowWidgets(r);
    }
    inputsTable_->resizeColumnToContents(InputName);
    inputsTable_->resizeColumnToContents(InputType);
    inputsTable_->resizeColumnToContents(InputShape);
    inputsTable_->resizeColumnToContents(InputSource);
    inputsTable_->setFixedHeight(heightForRows(inputsTable_, 1, 6, true));
}

void RunPanel::addInputRow(InputRow input)
{
    const int r = inputsTable_->rowCount();
    inputsTable_->insertRow(r);
    const QSignalBlocker block(inputsTable_);
    auto row = std::make_unique<InputRow>(std::move(input));

    inputsTable_->setItem(r, InputName, textItem(qs(row->name)));
    const QString typeText = row->type.isTensor() ? qs(dataTypeName(row->type.elementType)) : qs(row->type.toString());
    auto* type = textItem(typeText);
    type->setToolTip(qs(row->type.toString()));
    inputsTable_->setItem(r, InputType, type);

    const Shape& shape = row->type.shape;
    row->shape = new QTableWidgetItem(dimsText(defaultDims(shape)));
    if (row->type.isTensor() && shape.isFullyKnown()) {
        row->shape->setFlags(row->shape->flags() & ~Qt::ItemIsEditable);
        row->shape->setToolTip(tr("Declared %1").arg(qs(shape.toString())));
    } else {
        // Open dims start at 1; the declared shape says which they were.
        row->shape->setToolTip(tr("Declared %1: edit the open dims").arg(qs(shape.toString())));
        QFont f = row->shape->font();
        f.setUnderline(true);
        row->shape->setFont(f);
    }
    inputsTable_->setItem(r, InputShape, row->shape);

    row->source = new QComboBox(inputsTable_);
    row->source->setObjectName(QStringLiteral("runSource_%1").arg(r));
    for (Source s : { Source::Random, Source::Zeros, Source::Ones, Source::Npy })
        row->source->addItem(sourceName(s), int(s));
    if (acceptsImage(row->type))
        row->source->addItem(sourceName(Source::Image), int(Source::Image));
    inputsTable_->setCellWidget(r, InputSource, row->source);

    row->value = new QStackedWidget(inputsTable_);
    row->seed = new QSpinBox(row->value);
    row->seed->setRange(0, 1 << 30);
    row->seed->setPrefix(tr("seed "));
    row->seed->setToolTip(tr("The same seed gives the same values."));
    row->value->addWidget(row->seed);
    row->value->addWidget(new QWidget(row->value));
    auto* file = new QWidget(row->value);
    auto* fileLayout = new QHBoxLayout(file);
    fileLayout->setContentsMargins(0, 0, 0, 0);
    fileLayout->setSpacing(2);
    row->path = new QLineEdit(file);
    row->path->setPlaceholderText(tr("file"));
    auto* browse = new QToolButton(file);
    browse->setText(QStringLiteral("…"));
    browse->setToolTip(tr("Choose a file"));
    fileLayout->addWidget(row->path, 1);
    fileLayout->addWidget(browse);
    row->value->addWidget(file);
    inputsTable_->setCellWidget(r, InputValue, row->value);

    if (!row->problem.isEmpty()) {
        row->source->setEnabled(false);
        row->value->setEnabled(false);
        for (int c : { int(InputName), int(InputType) })
            inputsTable_->item(r, c)->setForeground(Qt::red);
        inputsTable_->item(r, InputName)->setToolTip(row->problem);
    }

    connect(row->source, &QComboBox::currentIndexChanged, this, [this, r] { updateRowWidgets(r); });
    connect(browse, &QToolButton::clicked, this, [this, r] { chooseFile(r); });
    inputs_.push_back(std::move(row));
}

void RunPanel::updateRowWidgets(int r)
{
    if (r < 0 || r >= inputCount())
        return;
    const InputRow& row = *inputs_[std::size_t(r)];
    const auto source = Source(row.source->currentData().toInt());
    row.value->setCurrentIndex(source == Source::Random ? 0 : source == Source::Npy || source == Source::Image ? 2 : 1);
    row.path->setPlaceholderText(source == Source::Image ? tr("image file") : tr(".npy file"));
    bool anyImage = false;
    for (const auto& in : inputs_)
        anyImage = anyImage || Source(in->source->currentData().toInt()) == Source::Image;
    imageOptions_->setVisible(anyImage);
}

void RunPanel::chooseFile(int r)
{
    if (r < 0 || r >= inputCount())
        return;
    InputRow& row = *inputs_[std::size_t(r)];
    const bool image = Source(row.source->currentData().toInt()) == Source::Image;
    const QString dir = row.path->text().isEmpty() ? QString() : QFileInfo(row.path->text()).absolutePath();
    const QString path = QFileDialog::getOpenFileName(this, tr("Values for '%1'").arg(qs(row.name)), dir,
        image ? tr("Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.ppm *.pgm);;All files (*)")
              : tr("NumPy arrays (*.npy);;All files (*)"));
    if (!path.isEmpty())
        row.path->setText(path);
}

void RunPanel::setInputSource(int r, RunInputSpec::Source source, const QString& path)
{
    if (r < 0 || r >= inputCount())
        return;
    InputRow& row = *inputs_[std::size_t(r)];
    const int i = row.source->findData(int(source));
    if (i >= 0)
        row.source->setCurrentIndex(i);
    if (!path.isEmpty())
        row.path->setText(path);
}

void RunPanel::setInputSeed(int r, int seed)
{
    if (r >= 0 && r < inputCount())
        inputs_[std::size_t(r)]->seed->setValue(seed);
}

void RunPanel::setInputDims(int r, const QString& text)
{
    if (r >= 0 && r < inputCount() && (inputs_[std::size_t(r)]->shape->flags() & Qt::ItemIsEditable))
        inputs_[std::size_t(r)]->shape->setText(text);
}

std::optional<RunInputSpec> RunPanel::inputSpec(int r, QString* error) const
{
    const auto fail = [error](const QString& message) -> std::optional<RunInputSpec> {
        if (error)
            *error = message;
        return std::nullopt;
    };
    if (r < 0 || r >= inputCount())
        return fail(tr("no input %1").arg(r));
    const InputRow& row = *inputs_[std::size_t(r)];
    if (!row.problem.isEmpty())
        return fail(row.problem);
    RunInputSpec spec;
    spec.name = row.name;
    spec.type = row.type.elementType;
    spec.source = Source(row.source->currentData().toInt());
    spec.seed = std::uint64_t(row.seed->value());
    spec.path = row.path->text().trimmed();
    const auto dims = parseDimsText(row.shape->text());
    if (!dims)
        return fail(
            tr("input '%1': '%2' is not a shape (sizes separated by commas)").arg(qs(row.name), row.shape->text()));
    const Shape& declared = row.type.shape;
    if (declared.rankKnown) {
        if (dims->size() != declared.rank())
            return fail(
                tr("input '%1': %2 dims given, it has %3").arg(qs(row.name)).arg(dims->size()).arg(declared.rank()));
        for (std::size_t i = 0; i < dims->size(); ++i)
            if (declared.dims[i].isKnown() && *declared.dims[i].value != (*dims)[i])
                return fail(
                    tr("input '%1': dim %2 is fixed at %3").arg(qs(row.name)).arg(i).arg(*declared.dims[i].value));
    }
    spec.dims = *dims;
    if (spec.source == Source::Image) {
        const auto mean = parseTriple(mean_->text());
        const auto sd = parseTriple(std_->text());
        if (!mean || !sd)
            return fail(tr("image mean and std are three numbers each, e.g. 0.485, 0.456, 0.406"));
        spec.mean = *mean;
        spec.std = *sd;
    }
    if ((spec.source == Source::Npy || spec.source == Source::Image) && spec.path.isEmpty())
        return fail(tr("input '%1': choose a file").arg(qs(row.name)));
    return spec;
}

void RunPanel::checkOps()
{
    unsupported_.clear();
    unsupportedList_->clear();
    if (model_ && model_->graph) {
        try {
            for (const auto& line : rt::unsupportedOps(*model_))
                unsupported_ << qs(line);
        } catch (const std::exception& e) {
            unsupported_ << QString::fromUtf8(e.what());
        }
    }
    unsupportedList_->addItems(unsupported_);
    unsupportedTitle_->setText(
        tr("The runtime cannot run %1 of this model:").arg(counted(unsupported_.size(), tr("op"), tr("ops"))));
    unsupportedBox_->setVisible(!unsupported_.isEmpty());
}

bool RunPanel::canRun() const
{
    return model_ && model_->graph && !running_ && unsupported_.isEmpty() && inputProblem_.isEmpty()
        && deviceProblem_.isEmpty();
}

void RunPanel::updateRunState()
{
    runButton_->setEnabled(canRun());
    cancelButton_->setEnabled(running_ && cancel_ && !cancel_->load());
    QString why;
    if (!model_)
        why = tr("Open a model to run it.");
    else if (!deviceProblem_.isEmpty())
        why = deviceProblem_;
    else if (!unsupported_.isEmpty())
        why = tr("Run is off: the ops listed above have no kernel in the runtime.");
    else if (!inputProblem_.isEmpty())
        why = tr("Run is off: %1.").arg(inputProblem_);
    runButton_->setToolTip(why.isEmpty() ? tr("Run the model (inputs as set above)") : why);
    if (!why.isEmpty() && !running_)
        status_->setText(why);
}

void RunPanel::setRunning(bool running)
{
    running_ = running;
    for (QWidget* w : std::initializer_list<QWidget*> { inputsTable_, device_, profile_, keep_, half_, imageOptions_ })
        w->setEnabled(!running);
    if (!running && deviceProblem_.isEmpty() == false)
        device_->setEnabled(false);
    if (!running)
        updateDeviceOptions();
    if (running)
        progressTimer_->start();
    else
        progressTimer_->stop();
    updateRunState();
    emit runningChanged(running);
}

void RunPanel::run()
{
    if (!canRun())
        return;
    std::vector<std::pair<RunInputSpec, Shape>> inputs;
    for (int r = 0; r < inputCount(); ++r) {
        QString error;
        auto spec = inputSpec(r, &error);
        if (!spec) {
            lastError_ = error;
            status_->setText(tr("Cannot run: %1").arg(error));
            emit runFinished(false, lastError_);
            return;
        }
        inputs.emplace_back(std::move(*spec), inputs_[std::size_t(r)]->type.shape);
    }

    Job job;
    job.model = model_;
    job.options.device = device_->currentData().toString().toStdString();
    job.options.keepIntermediates = keep_->isChecked();
    job.options.profile = profile_->isChecked() && profile_->isEnabled();
    job.options.halfWeights = half_->isChecked() && half_->isEnabled();
    job.inputs = std::move(inputs);
    const QString key = QStringLiteral("%1|%2|%3|%4")
                            .arg(qs(job.options.device))
                            .arg(job.options.keepIntermediates)
                            .arg(job.options.profile)
                            .arg(job.options.halfWeights);
    if (key != sessionKey_)
        session_.reset();
    job.session = session_;
    sessionKey_ = key;
    cancel_ = std::make_shared<std::atomic<bool>>(false);
    job.cancel = cancel_;
    progressState_ = std::make_shared<Progress>();
    const auto progress = progressState_;
    const QString deviceName = device_->currentText();

    progress_->setRange(0, 0);
    progress_->setFormat(tr("%v / %m nodes"));
    status_->setText(session_ ? tr("Running…") : tr("Preparing the model for %1…").arg(deviceName));
    lastError_.clear();
    setRunning(true);

    // Tagged with the model it runs, so a model swapped meanwhile drops it.
    watcher_.setProperty("generation", generation_);
    watcher_.setFuture(QtConcurrent::run([job = std::move(job), progress, deviceName]() mutable {
        auto out = std::make_shared<Outcome>();
        out->device = deviceName;
        try {
            QElapsedTimer timer;
            timer.start();
            std::vector<std::pair<std::string, std::shared_ptr<const Tensor>>> fed;
            for (const auto& [spec, declared] : job.inputs)
                fed.emplace_back(spec.name, makeRunInput(spec, declared));
            if (job.cancel->load())
                throw rt::RunCancelled();
            if (!job.session)
                job.session = std::make_shared<rt::Session>(job.model, job.options);
            out->session = job.session;
            out->prepareMs = double(timer.nsecsElapsed()) / 1e6;
            if (job.cancel->load())
                throw rt::RunCancelled();
            rt::RunOptions options;
            options.cancel = job.cancel.get();
            options.progress = [progress](int done, int total) {
                progress->total.store(total);
                progress->done.store(done);
            };
            out->run = job.session->run(fed, options);
            out->fed = std::move(fed);
            // Statistics here, off the GUI thread: outputs may be large.
            for (const auto& t : out->run.outputs) {
                TensorStatistics stats;
                QString error;
                try {
                    if (t)
                        stats = computeStatistics(*t, job.cancel.get());
                } catch (const std::exception& e) {
                    error = QString::fromUtf8(e.what());
                }
                out->stats.push_back(stats);
                out->statsErrors.push_back(error);
            }
            if (job.cancel->load())
                throw rt::RunCancelled();
        } catch (const rt::RunCancelled&) {
            out->cancelled = true;
            out->error = tr("Cancelled.");
        } catch (const std::bad_alloc&) {
            out->error = tr("Not enough memory for this run.");
        } catch (const std::exception& e) {
            out->error = QString::fromUtf8(e.what());
        }
        return out;
    }));
}

void RunPanel::cancel()
{
    if (!running_ || !cancel_)
        return;
    cancel_->store(true);
    status_->setText(tr("Cancelling…"));
    updateRunState();
}

void RunPanel::pollProgress()
{
    if (!progressState_)
        return;
    const int total = progressState_->total.load();
    if (total < 0) {
        progress_->setRange(0, 0);
        return;
    }
    if (progress_->maximum() != std::max(1, total)) {
        progress_->setRange(0, std::max(1, total));
        if (!cancel_ || !cancel_->load())
            status_->setText(tr("Running…"));
    }
    progress_->setValue(std::min(progressState_->done.load(), std::max(1, total)));
}

void RunPanel::onFinished()
{
    const std::shared_ptr<Outcome> out = watcher_.result();
    const bool current = watcher_.property("generation").toULongLong() == generation_;
    pollProgress(); // where it stopped, for a run that failed half way
    const int total = progressState_ ? progressState_->total.load() : -1;
    progressState_.reset();
    setRunning(false);
    if (!current || !out)
        return; // a model that is no longer shown
    if (out->session)
        session_ = out->session;
    else
        session_.reset();
    // Full when it went through, else where it stopped.
    progress_->setRange(0, std::max(1, total));
    if (out->error.isEmpty())
        progress_->setValue(progress_->maximum());
    else if (total < 0)
        progress_->setFormat(QString()); // stopped before the first node
    if (!out->error.isEmpty()) {
        lastError_ = out->error;
        status_->setText(out->cancelled ? tr("Cancelled.") : tr("The run failed: %1").arg(out->error));
        emit runFinished(false, lastError_);
        return;
    }

    auto result = std::make_shared<Result>();
    const Graph& graph = *model_->graph;
    const auto name = [](std::shared_ptr<Tensor> t, const std::string& n) -> std::shared_ptr<const Tensor> {
        if (t && t->name.empty())
            t->name = n;
        return t;
    };
    for (const auto& [n, t] : out->fed)
        result->tensors[n] = t;
    for (auto& [n, t] : out->run.intermediates)
        result->tensors[n] = name(t, n);
    for (std::size_t i = 0; i < out->run.outputs.size(); ++i) {
        const std::string n
            = i < graph.outputs.size() && graph.outputs[i] ? graph.outputs[i]->name() : "output " + std::to_string(i);
        auto t = name(out->run.outputs[i], n);
        result->outputNames.push_back(n);
        result->outputs.push_back(t);
        if (t)
            result->tensors[n] = t;
    }
    result->stats = std::move(out->stats);
    result->statsErrors = std::move(out->statsErrors);
    result->timings = std::move(out->run.timings);
    for (const auto& t : result->timings) {
        Id id = 0;
        // Timings name the node by its place in the main graph.
        if (t.index < graph.nodes().size()) {
            const Node& node = *graph.nodes()[t.index];
            if (node.name == t.node || node.name.empty())
                id = node.id();
        }
        if (!id)
            if (const Node* node = graph.findNode(t.node))
                id = node->id();
        result->timingNodes.push_back(id);
    }
    result->wallMs = out->run.wallMs;
    result->prepareMs = out->prepareMs;
    result->dispatches = out->run.dispatches;
    result->submits = out->run.submits;
    result->device = out->device;
    result->kept = !out->run.intermediates.empty();
    result_ = std::move(result);
    resultStale_ = false;
    lastError_.clear();
    showResult();
    emit runFinished(true, status_->text());
}

void RunPanel::showResult()
{
    const Result& r = *result_;
    QString text = tr("Ran in %1 on %2").arg(msText(r.wallMs), r.device);
    if (r.prepareMs >= 1)
        text += tr(" (preparing took %1)").arg(msText(r.prepareMs));
    text += QStringLiteral("; %1, %2.")
                .arg(counted(qint64(r.dispatches), tr("dispatch"), tr("dispatches")),
                    counted(qint64(r.submits), tr("submit"), tr("submits")));
    if (r.kept)
        text += tr(" Click an edge to see its tensor.");
    status_->setText(text);

    outputsTable_->setSortingEnabled(false);
    outputsTable_->setRowCount(int(r.outputs.size()));
    for (int i = 0; i < int(r.outputs.size()); ++i) {
        const auto& t = r.outputs[std::size_t(i)];
        outputsTable_->setItem(i, OutName, textItem(qs(r.outputNames[std::size_t(i)])));
        outputsTable_->setItem(i, OutType, textItem(t ? qs(dataTypeName(t->dataType)) : tr("(none)")));
        outputsTable_->setItem(i, OutShape, textItem(t ? QStringLiteral("[%1]").arg(dimsText(t->dims)) : QString()));
        const TensorStatistics& s = r.stats[std::size_t(i)];
        const QString& error = r.statsErrors[std::size_t(i)];
        const bool has = t && error.isEmpty() && s.finite > 0;
        for (const auto& [column, value] : { std::pair { OutMin, s.min }, std::pair { OutMax, s.max },
                 std::pair { OutMean, s.mean }, std::pair { OutStd, s.std } }) {
            auto* item = has ? numberItem(value) : textItem(error.isEmpty() ? QStringLiteral("—") : error);
            outputsTable_->setItem(i, column, item);
        }
        outputsTable_->setItem(i, OutNaN, numberItem(double(s.nans)));
        outputsTable_->setItem(i, OutInf, numberItem(double(s.infs)));
        for (int c : { int(OutNaN), int(OutInf) })
            if (outputsTable_->item(i, c)->data(ValueRole).toDouble() > 0)
                outputsTable_->item(i, c)->setForeground(Qt::red);
    }
    outputsTable_->setMaximumHeight(heightForRows(outputsTable_, 1, 8, true));
    saveButton_->setEnabled(!r.outputs.empty());
    if (!r.outputs.empty()) {
        outputsTable_->setCurrentCell(0, 0);
        showOutput(0);
    }
    fillTimings();
    applyAnnotations();
}

void RunPanel::showOutput(int row)
{
    if (!result_ || row < 0 || std::size_t(row) >= result_->outputs.size()) {
        topBox_->hide();
        return;
    }
    const auto& t = result_->outputs[std::size_t(row)];
    if (!t) {
        tensorView_->clear();
        topBox_->hide();
        return;
    }
    tensorView_->setTensor(t);
    showTop(*t);
}

void RunPanel::showTop(const Tensor& t)
{
    // Classifier-like: scores along the last dim of a vector or a batch of vectors.
    const std::size_t rank = t.dims.size();
    const bool numeric = t.dataType != DataType::String && dataTypeBits(t.dataType) > 0 && t.data;
    if (rank < 1 || rank > 2 || t.dims.back() <= 1 || !numeric || t.elementCount().value_or(0) == 0) {
        topBox_->hide();
        return;
    }
    const std::size_t n = std::size_t(t.dims.back());
    std::vector<double> v(n);
    decodeElements(t.dataType, t.data->bytes(), 0, n, v.data());
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    const auto key = [&v](std::size_t i) { return std::isnan(v[i]) ? -INFINITY : v[i]; };
    const std::size_t k = std::min<std::size_t>(5, n);
    std::partial_sort(order.begin(), order.begin() + std::ptrdiff_t(k), order.end(),
        [&](std::size_t a, std::size_t b) { return key(a) > key(b) || (key(a) == key(b) && a < b); });
    double top = -INFINITY;
    for (double x : v)
        if (std::isfinite(x))
            top = std::max(top, x);
    double sum = 0;
    for (double x : v)
        if (std::isfinite(x))
            sum += std::exp(x - top);

    topTitle_->setText(rank == 2 && t.dims[0] > 1
            ? tr("Top %1 of '%2' (batch item 0, probabilities by softmax):").arg(k).arg(qs(t.name))
            : tr("Top %1 of '%2' (probabilities by softmax):").arg(k).arg(qs(t.name)));
    topTable_->setRowCount(int(k));
    for (std::size_t i = 0; i < k; ++i) {
        const std::size_t idx = order[i];
        const double p = std::isfinite(v[idx]) && sum > 0 ? std::exp(v[idx] - top) / sum : 0;
        topTable_->setItem(int(i), 0, numberItem(double(i + 1)));
        topTable_->setItem(int(i), 1, numberItem(double(idx)));
        topTable_->setItem(int(i), 2, numberItem(v[idx]));
        auto* prob = new NumberItem(QStringLiteral("%1 %").arg(p * 100, 0, 'f', 2), p);
        prob->setFlags(prob->flags() & ~Qt::ItemIsEditable);
        topTable_->setItem(int(i), 3, prob);
    }
    topBox_->show();
}

void RunPanel::fillTimings()
{
    timingTable_->setSortingEnabled(false);
    timingTable_->setRowCount(0);
    if (!result_ || result_->timings.empty()) {
        timingSummary_->setText(result_ ? tr("This run was not profiled: run with Profile on to see node times.")
                                        : tr("Run with Profile on to see the time each node takes."));
        return;
    }
    const auto& timings = result_->timings;
    double total = 0;
    for (const auto& t : timings)
        total += t.ms;
    timingSummary_->setText(
        tr("%1 of device time over %2; the run took %3 in all.")
            .arg(msText(total), counted(qint64(timings.size()), tr("node"), tr("nodes")), msText(result_->wallMs)));

    struct Row {
        QString node;
        QString op;
        double ms = 0;
        Id id = 0;
        QString kernels; // the shaders the node's dispatches ran
    };
    std::vector<Row> rows;
    if (byOpType_->isChecked()) {
        std::map<std::string, std::pair<double, int>> byType;
        for (const auto& t : timings) {
            auto& [ms, count] = byType[t.opType];
            ms += t.ms;
            ++count;
        }
        for (const auto& [op, entry] : byType)
            rows.push_back({ counted(entry.second, tr("node"), tr("nodes")), qs(op), entry.first, 0, {} });
    } else {
        for (std::size_t i = 0; i < timings.size(); ++i)
            rows.push_back({ qs(timings[i].node), qs(timings[i].opType), timings[i].ms, result_->timingNodes[i],
                qs(timings[i].kernelList()) });
    }
    timingTable_->setRowCount(int(rows.size()));
    for (int i = 0; i < int(rows.size()); ++i) {
        const Row& row = rows[std::size_t(i)];
        auto* node = textItem(row.node);
        node->setData(NodeIdRole, QVariant::fromValue<qulonglong>(row.id));
        timingTable_->setItem(i, TimeNode, node);
        auto* op = textItem(row.op);
        if (!row.kernels.isEmpty())
            op->setToolTip(tr("Shaders: %1").arg(row.kernels));
        timingTable_->setItem(i, TimeOp, op);
        auto* ms = new NumberItem(msText(row.ms), row.ms);
        ms->setFlags(ms->flags() & ~Qt::ItemIsEditable);
        timingTable_->setItem(i, TimeMs, ms);
        const double share = total > 0 ? row.ms / total : 0;
        auto* shareItem = new NumberItem(QStringLiteral("%1 %").arg(share * 100, 0, 'f', 1), share);
        shareItem->setFlags(shareItem->flags() & ~Qt::ItemIsEditable);
        shareItem->setBackground(heatColor(share > 0 ? std::sqrt(share) : 0));
        timingTable_->setItem(i, TimeShare, shareItem);
    }
    timingTable_->setSortingEnabled(true);
    timingTable_->sortByColumn(TimeMs, Qt::DescendingOrder);
}

void RunPanel::applyAnnotations()
{
    if (!graphView_ || !graphView_->canvas())
        return;
    std::unordered_map<Id, NodeAnnotation> notes;
    if (result_ && overlay_->isChecked() && !result_->timings.empty()) {
        // Scaled to the slowest node rather than to the total: with hundreds
        // of nodes every share is small and the picture would be flat.
        double slowest = 0;
        for (const auto& t : result_->timings)
            slowest = std::max(slowest, t.ms);
        for (std::size_t i = 0; i < result_->timings.size(); ++i) {
            const Id id = result_->timingNodes[i];
            if (!id)
                continue;
            const double ms = result_->timings[i].ms;
            const double level = slowest > 0 ? ms / slowest : 0;
            notes[id] = { msText(ms), heatColor(level), level };
        }
    }
    graphView_->canvas()->setNodeAnnotations(std::move(notes));
}

void RunPanel::onTimingActivated(int row)
{
    const QTableWidgetItem* item = timingTable_->item(row, TimeNode);
    if (!item || !graphView_ || !model_ || !model_->graph)
        return;
    const Id id = item->data(NodeIdRole).toULongLong();
    if (id && model_->graph->nodeById(id))
        graphView_->revealNode(model_->graph.get(), id);
}

std::shared_ptr<const Tensor> RunPanel::resultTensor(const std::string& valueName) const
{
    if (!result_)
        return nullptr;
    auto it = result_->tensors.find(valueName);
    return it == result_->tensors.end() ? nullptr : it->second;
}

QString RunPanel::resultNote() const
{
    if (!result_)
        return {};
    return resultStale_ ? tr("From the last run on %1 (the model has changed since).").arg(result_->device)
                        : tr("From the last run on %1.").arg(result_->device);
}

QString RunPanel::saveOutputs(const QString& folder)
{
    if (!result_)
        return tr("Run the model first.");
    QStringList errors;
    const QDir dir(folder);
    for (std::size_t i = 0; i < result_->outputs.size(); ++i) {
        if (!result_->outputs[i])
            continue;
        const QString base = fileBase(result_->outputNames[i], QStringLiteral("output_%1").arg(i));
        const QString path = dir.filePath(base + QStringLiteral(".npy"));
        try {
            writeNpy(*result_->outputs[i], fsPath(path));
        } catch (const std::exception& e) {
            errors << QString::fromUtf8(e.what());
        }
    }
    return errors.join(QLatin1Char('\n'));
}

} // namespace nodus
