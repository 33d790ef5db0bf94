#include "tensorview.h"

#include "histogramwidget.h"
#include "tensortablemodel.h"

#include "ir/graph.h"
#include "ir/lazytensordata.h"
#include "ir/node.h"
#include "ir/tensor.h"
#include "ir/tensorvalues.h"
#include "ir/value.h"
#include "util/npy.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDrag>
#include <QMimeData>
#include <QMouseEvent>
#include <QTemporaryDir>
#include <QUrl>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLocale>
#include <QRegularExpression>
#include <QSpinBox>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <charconv>
#include <cmath>
#include <map>

namespace nodus {

namespace {

QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}

QString shapeText(const std::vector<std::int64_t>& dims)
{
    QStringList parts;
    for (auto d : dims)
        parts << QString::number(d);
    return QLatin1Char('[') + parts.join(QLatin1Char(',')) + QLatin1Char(']');
}

QString storageText(const Tensor& t)
{
    const QLocale locale;
    if (t.isSparse()) {
        const auto nnz = t.sparse->values ? t.sparse->values->elementCount().value_or(0) : 0;
        return QObject::tr("sparse: %1 stored values, %2")
            .arg(locale.toString(qulonglong(nnz)),
                t.sparse->values ? storageText(*t.sparse->values) : QObject::tr("no values"));
    }
    if (t.dataType == DataType::String)
        return QObject::tr("in memory (%1 strings)").arg(locale.toString(qulonglong(t.strings.size())));
    if (!t.data)
        return QObject::tr("no data");
    const FileRegion* region = t.data->region();
    if (!t.externalLocation.empty()) {
        QString text = QObject::tr("external: %1").arg(qs(t.externalLocation));
        if (region)
            text += QObject::tr(" at offset %1").arg(locale.toString(qulonglong(region->offset)));
        return text;
    }
    if (region)
        return QObject::tr("in file at offset %1").arg(locale.toString(qulonglong(region->offset)));
    if (dynamic_cast<const LazyTensorData*>(t.data.get()))
        return QObject::tr("in file, typed fields (decoded when read)");
    return QObject::tr("in memory");
}

QString sizeText(const Tensor& t)
{
    const QLocale locale;
    const Tensor& stored = t.isSparse() && t.sparse->values ? *t.sparse->values : t;
    if (stored.dataType == DataType::String) {
        qulonglong total = 0;
        for (const auto& s : stored.strings)
            total += s.size();
        return QObject::tr("%1 elements, %2 of text")
            .arg(locale.toString(qulonglong(t.elementCount().value_or(0))), locale.formattedDataSize(qint64(total)));
    }
    const std::uint64_t bytes = stored.data ? stored.data->size() : 0;
    QString text
        = QObject::tr("%1 elements, %2 bytes")
              .arg(locale.toString(qulonglong(t.elementCount().value_or(0))), locale.toString(qulonglong(bytes)));
    if (bytes >= 1024)
        text += QStringLiteral(" (%1)").arg(locale.formattedDataSize(qint64(bytes)));
    return text;
}

// An element value as its type would print it: float32 statistics show the
// float's shortest text rather than the double's 17 digits.
QString statValueText(double v, DataType type)
{
    if (std::isnan(v))
        return QStringLiteral("NaN");
    char buf[64];
    std::to_chars_result r;
    if (type == DataType::Double || type == DataType::Complex128 || type == DataType::Int64 || type == DataType::UInt64)
        r = std::to_chars(buf, buf + sizeof buf, v);
    else
        r = std::to_chars(buf, buf + sizeof buf, static_cast<float>(v));
    return QString::fromLatin1(buf, int(r.ptr - buf));
}

QString countText(std::uint64_t n, std::uint64_t total)
{
    const QLocale locale;
    if (n == 0 || total == 0)
        return locale.toString(qulonglong(n));
    return QStringLiteral("%1 (%2%)")
        .arg(locale.toString(qulonglong(n)), locale.toString(100.0 * double(n) / double(total), 'g', 3));
}

// A copy that shares the bytes but not the mutable object, so an edit that
// swaps the tensor's data on the GUI thread cannot race the worker.
std::shared_ptr<Tensor> snapshotOf(const Tensor& t)
{
    auto s = std::make_shared<Tensor>();
    s->id = t.id;
    s->name = t.name;
    s->dataType = t.dataType;
    s->dims = t.dims;
    s->data = t.data;
    if (t.sparse) {
        s->sparse = std::make_shared<Tensor::Sparse>();
        if (t.sparse->values)
            s->sparse->values = snapshotOf(*t.sparse->values);
        if (t.sparse->indices)
            s->sparse->indices = snapshotOf(*t.sparse->indices);
    }
    return s;
}

const char* const kStatFields[] = { "Min", "Max", "Mean", "Std", "Zeros", "NaN", "Inf" };

} // namespace

TensorView::TensorView(QWidget* parent)
    : QWidget(parent)
    , placeholder_(new QLabel(tr("Select weights to see their values"), this))
    , content_(new QWidget(this))
    , title_(new QLabel(content_))
    , facts_(new QFormLayout)
    , sliceBar_(new QWidget(content_))
    , sliceLayout_(new QHBoxLayout(sliceBar_))
    , model_(new TensorTableModel(this))
    , table_(new QTableView(content_))
    , statsStatus_(new QLabel(content_))
    , statsBox_(new QWidget(content_))
    , statsForm_(new QFormLayout)
    , histogram_(new HistogramWidget(content_))
{
    placeholder_->setAlignment(Qt::AlignCenter);
    placeholder_->setWordWrap(true);
    placeholder_->setEnabled(false);

    title_->setObjectName(QStringLiteral("tensorName"));
    QFont big = title_->font();
    big.setPointSizeF(big.pointSizeF() * 1.3);
    big.setBold(true);
    title_->setFont(big);
    title_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    title_->setWordWrap(true);

    facts_->setLabelAlignment(Qt::AlignLeft);
    facts_->setRowWrapPolicy(QFormLayout::DontWrapRows);
    for (const char* field : { "Type", "Shape", "Size", "Storage" }) {
        auto* value = new QLabel(content_);
        value->setObjectName(QString::fromLatin1(field));
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setWordWrap(true);
        facts_->addRow(tr(field) + QLatin1Char(':'), value);
    }

    sliceLayout_->setContentsMargins(0, 0, 0, 0);

    table_->setObjectName(QStringLiteral("values"));
    table_->setModel(model_);
    table_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    // Fixed section sizes keep QHeaderView from measuring a million rows.
    table_->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 6);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    // Wide enough for any float32's shortest text ("-1.2345678e-05").
    table_->horizontalHeader()->setDefaultSectionSize(
        table_->fontMetrics().horizontalAdvance(QStringLiteral("-1.2345678e-05")) + 12);
    table_->setWordWrap(false);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSelectionMode(QAbstractItemView::ContiguousSelection);
    auto* copy = new QAction(tr("Copy"), table_);
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetShortcut);
    table_->addAction(copy);
    table_->setContextMenuPolicy(Qt::ActionsContextMenu);
    connect(copy, &QAction::triggered, this, &TensorView::copySelection);
    createEditActions();
    connect(model_, &TensorTableModel::elementEdited, this, [this](std::uint64_t flat, const QString& text) {
        emit elementsEditRequested({ { flat, text.toStdString() } });
    });

    note_ = new QLabel(content_);
    note_->setObjectName(QStringLiteral("note"));
    note_->setWordWrap(true);
    note_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    note_->hide();

    statsStatus_->setObjectName(QStringLiteral("statisticsStatus"));
    statsStatus_->setWordWrap(true);
    statsForm_->setLabelAlignment(Qt::AlignLeft);
    statsForm_->setContentsMargins(0, 0, 0, 0);
    for (const char* field : kStatFields) {
        auto* value = new QLabel(statsBox_);
        value->setObjectName(QString::fromLatin1(field));
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        statsForm_->addRow(tr(field) + QLatin1Char(':'), value);
    }
    histogram_->setObjectName(QStringLiteral("histogram"));
    auto* statsLayout = new QHBoxLayout(statsBox_);
    statsLayout->setContentsMargins(0, 0, 0, 0);
    statsLayout->addLayout(statsForm_);
    statsLayout->addWidget(histogram_, 1);

    auto* statsTitle = new QLabel(tr("Statistics"), content_);
    QFont bold = statsTitle->font();
    bold.setBold(true);
    statsTitle->setFont(bold);

    auto* layout = new QVBoxLayout(content_);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(title_);
    layout->addLayout(facts_);
    layout->addWidget(sliceBar_);
    layout->addWidget(editBar_);
    layout->addWidget(table_, 1);
    layout->addWidget(note_);
    layout->addWidget(statsTitle);
    layout->addWidget(statsStatus_);
    layout->addWidget(statsBox_);

    auto* outer = new QVBoxLayout(this);
    outer->addWidget(placeholder_);
    outer->addWidget(content_);

    connect(&watcher_, &QFutureWatcher<Result>::finished, this, &TensorView::showStatistics);
    clear();
}

namespace {

// "Drag .npy": pressing on it and moving drags the tensor out as a file.
class DragHandle : public QLabel {
public:
    explicit DragHandle(TensorView* view, QWidget* parent)
        : QLabel(parent)
        , view_(view)
    {
        setObjectName(QStringLiteral("tensorDragHandle"));
        setText(TensorView::tr("⇲ Drag .npy"));
        setToolTip(TensorView::tr("Drag into a file manager or another application to save the tensor as .npy"));
        setCursor(Qt::OpenHandCursor);
        setMargin(3);
        setFrameShape(QFrame::StyledPanel);
    }

protected:
    void mousePressEvent(QMouseEvent* e) override
    {
        if (e->button() == Qt::LeftButton)
            pressed_ = e->position().toPoint();
    }
    void mouseMoveEvent(QMouseEvent* e) override
    {
        if (!(e->buttons() & Qt::LeftButton)
            || (e->position().toPoint() - pressed_).manhattanLength() < QApplication::startDragDistance())
            return;
        QString error;
        QMimeData* mime = view_->createDragData(&error);
        if (!mime) {
            emit view_->editProblem(error);
            return;
        }
        auto* drag = new QDrag(this);
        drag->setMimeData(mime);
        drag->exec(Qt::CopyAction);
    }

private:
    TensorView* view_;
    QPoint pressed_;
};

QString fileNameFor(const std::string& tensorName)
{
    QString name = QString::fromStdString(tensorName);
    name.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]+")), QStringLiteral("_"));
    if (name.isEmpty() || name.startsWith(QLatin1Char('.')))
        name.prepend(QStringLiteral("tensor"));
    return name.left(120) + QStringLiteral(".npy");
}

} // namespace

QMimeData* TensorView::createDragData(QString* error)
{
    const auto& tensor = model_->tensor();
    if (!tensor) {
        if (error)
            *error = tr("No tensor is shown.");
        return nullptr;
    }
    // A fresh folder per drag: the receiver may still be copying the last one.
    dragDir_ = std::make_unique<QTemporaryDir>();
    const QString path = dragDir_->filePath(fileNameFor(tensor->name));
    try {
        if (!dragDir_->isValid())
            throw std::runtime_error(dragDir_->errorString().toStdString());
        writeNpy(*tensor, path.toStdString());
    } catch (const std::exception& e) {
        if (error)
            *error = tr("Cannot drag the tensor out: %1").arg(QString::fromStdString(e.what()));
        return nullptr;
    }
    auto* mime = new QMimeData;
    mime->setUrls({ QUrl::fromLocalFile(path) });
    return mime;
}

TensorView::~TensorView()
{
    // The worker holds its own copies of what it reads; it only needs to
    // know to stop.
    if (cancel_)
        cancel_->store(true);
}

const std::shared_ptr<const Tensor>& TensorView::tensor() const
{
    return model_->tensor();
}

void TensorView::clear()
{
    if (cancel_)
        cancel_->store(true);
    cancel_.reset();
    ++generation_;
    model_->setTensor(nullptr);
    hasStatistics_ = false;
    statistics_ = {};
    histogram_->clear();
    rebuildSliceBar();
    setNote({});
    valuesEditable_ = typeEditable_ = false;
    updateEditActions();
    content_->hide();
    placeholder_->show();
}

void TensorView::setField(const QString& field, const QString& text)
{
    if (auto* label = content_->findChild<QLabel*>(field))
        label->setText(text);
}

QString TensorView::fieldText(const QString& field) const
{
    const auto* label = content_->findChild<QLabel*>(field);
    return label ? label->text() : QString();
}

QString TensorView::statisticsStatus() const
{
    return !statsStatus_->isHidden() || !hasStatistics_ ? statsStatus_->text() : QString();
}

void TensorView::setTensor(std::shared_ptr<const Tensor> tensor)
{
    if (!tensor) {
        clear();
        return;
    }
    placeholder_->hide();
    content_->show();
    // A new tensor is not editable until the window says so.
    valuesEditable_ = typeEditable_ = false;
    setNote({});
    model_->setTensor(tensor);
    showFacts();
    table_->scrollToTop();
    rebuildSliceBar();
    updateEditActions();
    startStatistics();
    emit tensorShown();
}

void TensorView::showFacts()
{
    const auto& tensor = model_->tensor();
    title_->setText(tensor->name.empty() ? tr("(unnamed tensor)") : qs(tensor->name));
    setField(QStringLiteral("Type"), qs(std::string(dataTypeName(tensor->dataType))));
    setField(QStringLiteral("Shape"), shapeText(tensor->dims));
    setField(QStringLiteral("Size"), sizeText(*tensor));
    setField(QStringLiteral("Storage"), storageText(*tensor));
    // Strings read left to right and want the room; numbers line up on the right.
    table_->horizontalHeader()->setStretchLastSection(tensor->dataType == DataType::String);
}

void TensorView::refresh()
{
    const std::shared_ptr<const Tensor> tensor = model_->tensor();
    if (!tensor)
        return;
    const bool hadError = !model_->errorText().isEmpty();
    std::size_t spins = indexSpins_.size();
    if (tensor->dims.size() < 2 ? spins != 0 : spins != tensor->dims.size() - 2) {
        const bool values = valuesEditable_, type = typeEditable_;
        const QString note = noteText();
        setTensor(tensor);
        setEditable(values, type);
        setNote(note);
        return;
    }
    model_->refresh();
    if (hadError || !model_->errorText().isEmpty())
        rebuildSliceBar();
    else
        applySlice(); // a new element type starts the model over at slice 0
    showFacts();
    updateEditActions();
    startStatistics();
}

void TensorView::setEditable(bool values, bool type)
{
    valuesEditable_ = values;
    typeEditable_ = type;
    updateEditActions();
}

bool TensorView::isEditable() const
{
    return model_->isEditable();
}

void TensorView::createEditActions()
{
    const auto make = [this](Action which, const QString& text, const QString& tip) {
        auto* a = new QAction(text, this);
        a->setToolTip(tip);
        a->setObjectName(QStringLiteral("action%1").arg(int(which)));
        connect(a, &QAction::triggered, this, [this, which] { emit actionRequested(which); });
        actions_.push_back(a);
        return a;
    };
    make(Action::Fill, tr("Fill…"), tr("Set every element to one value"));
    make(Action::Scale, tr("Scale…"), tr("Multiply every element by a value"));
    make(Action::Add, tr("Add…"), tr("Add a value to every element"));
    make(Action::Zero, tr("Zero"), tr("Set every element to 0"));
    make(Action::Cast, tr("Cast to…"), tr("Convert the elements to another type"));
    make(Action::Import, tr("Import .npy…"), tr("Replace the values with a NumPy array of the same shape"));
    make(Action::Export, tr("Export .npy…"), tr("Write the values to a NumPy .npy file"));

    pasteAction_ = new QAction(tr("Paste"), table_);
    pasteAction_->setShortcut(QKeySequence::Paste);
    pasteAction_->setShortcutContext(Qt::WidgetShortcut);
    connect(pasteAction_, &QAction::triggered, this, &TensorView::paste);
    table_->addAction(pasteAction_);
    const auto separator = [this] {
        auto* s = new QAction(table_);
        s->setSeparator(true);
        table_->addAction(s);
    };
    separator();
    for (Action a : { Action::Fill, Action::Scale, Action::Add, Action::Zero })
        table_->addAction(action(a));
    separator();
    table_->addAction(action(Action::Cast));
    separator();
    table_->addAction(action(Action::Import));
    table_->addAction(action(Action::Export));

    editBar_ = new QWidget(content_);
    editBar_->setObjectName(QStringLiteral("editBar"));
    auto* bar = new QHBoxLayout(editBar_);
    bar->setContentsMargins(0, 0, 0, 0);
    bar->setSpacing(2);
    const auto button = [this, bar](Action a) {
        auto* b = new QToolButton(editBar_);
        b->setDefaultAction(action(a));
        b->setAutoRaise(true);
        bar->addWidget(b);
    };
    for (Action a : { Action::Fill, Action::Scale, Action::Add, Action::Zero })
        button(a);
    scope_ = new QComboBox(editBar_);
    scope_->setObjectName(QStringLiteral("editScope"));
    scope_->setToolTip(tr("What Fill, Scale, Add and Zero change"));
    scope_->addItem(tr("whole tensor"));
    scope_->addItem(tr("this slice"));
    bar->addWidget(scope_);
    bar->addSpacing(8);
    button(Action::Cast);
    bar->addSpacing(8);
    button(Action::Import);
    button(Action::Export);
    bar->addSpacing(8);
    dragHandle_ = new DragHandle(this, editBar_);
    bar->addWidget(dragHandle_);
    bar->addStretch(1);
}

QAction* TensorView::action(Action which) const
{
    return actions_[std::size_t(which)];
}

void TensorView::updateEditActions()
{
    const auto& tensor = model_->tensor();
    model_->setEditable(valuesEditable_);
    const bool values = model_->isEditable();
    const bool numeric = values && tensor->dataType != DataType::String;
    for (Action a : { Action::Fill, Action::Scale, Action::Add, Action::Zero, Action::Import })
        action(a)->setEnabled(a == Action::Import ? values : numeric);
    action(Action::Cast)->setEnabled(numeric && typeEditable_);
    action(Action::Export)->setEnabled(tensor && !tensor->isSparse() && model_->errorText().isEmpty());
    dragHandle_->setEnabled(action(Action::Export)->isEnabled());
    pasteAction_->setEnabled(values);
    table_->setEditTriggers(values
            ? QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed | QAbstractItemView::AnyKeyPressed
            : QAbstractItemView::NoEditTriggers);
    editBar_->setVisible(tensor != nullptr);
    scope_->setVisible(model_->leadingDims() > 0);
    scope_->setEnabled(numeric);
    if (model_->leadingDims() > 0)
        scope_->setItemText(1, sliceText());
}

TensorSlice TensorView::editScope() const
{
    TensorSlice slice;
    const auto& tensor = model_->tensor();
    if (!tensor || model_->leadingDims() == 0 || scope_->currentIndex() != 1)
        return slice;
    const auto& leading = model_->leadingIndex();
    for (auto i : leading)
        slice.ranges.emplace_back(i, i + 1);
    const std::size_t rank = tensor->dims.size();
    slice.ranges.emplace_back(0, tensor->dims[rank - 2]);
    slice.ranges.emplace_back(0, tensor->dims[rank - 1]);
    return slice;
}

QString TensorView::editScopeText() const
{
    return editScope().ranges.empty() ? tr("the whole tensor") : sliceText();
}

QString TensorView::sliceText() const
{
    QStringList parts;
    for (auto i : model_->leadingIndex())
        parts << QString::number(i);
    parts << QStringLiteral(":") << QStringLiteral(":");
    return tr("slice [%1]").arg(parts.join(QLatin1Char(',')));
}

void TensorView::setSliceScope(bool sliceOnly)
{
    scope_->setCurrentIndex(sliceOnly ? 1 : 0);
}

void TensorView::setNote(const QString& text)
{
    note_->setText(text);
    note_->setVisible(!text.isEmpty());
}

QString TensorView::noteText() const
{
    return note_->text();
}

void TensorView::rebuildSliceBar()
{
    while (QLayoutItem* item = sliceLayout_->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    indexSpins_.clear();
    rowPage_ = columnPage_ = nullptr;
    windowLabel_ = nullptr;

    const auto& tensor = model_->tensor();
    if (!tensor || !model_->errorText().isEmpty()) {
        if (tensor) {
            auto* error = new QLabel(model_->errorText(), sliceBar_);
            error->setWordWrap(true);
            error->setStyleSheet(QStringLiteral("color: palette(link-visited)"));
            sliceLayout_->addWidget(error, 1);
        }
        sliceBar_->setVisible(tensor != nullptr);
        return;
    }

    // numpy-style: t[i, j, :, :] with a spin box per fixed index.
    const auto& dims = tensor->dims;
    const std::size_t lead = model_->leadingDims();
    if (lead > 0) {
        sliceLayout_->addWidget(new QLabel(tr("Slice  ["), sliceBar_));
        for (std::size_t d = 0; d < lead; ++d) {
            auto* spin = new QSpinBox(sliceBar_);
            spin->setObjectName(QStringLiteral("index%1").arg(d));
            spin->setRange(0, int(std::min<std::int64_t>(std::max<std::int64_t>(dims[d] - 1, 0), INT_MAX)));
            spin->setToolTip(tr("Index along dimension %1 (size %2)").arg(d).arg(dims[d]));
            spin->setKeyboardTracking(false);
            connect(spin, &QSpinBox::valueChanged, this, &TensorView::applySlice);
            indexSpins_.push_back(spin);
            sliceLayout_->addWidget(spin);
            sliceLayout_->addWidget(new QLabel(QStringLiteral(","), sliceBar_));
        }
        sliceLayout_->addWidget(new QLabel(QStringLiteral(":, :]"), sliceBar_));
    }
    // Windows over slices too large for one table.
    const auto pages = [](std::int64_t n, std::int64_t per) { return int((n + per - 1) / per); };
    if (model_->sliceRows() > TensorTableModel::kMaxRows) {
        sliceLayout_->addWidget(new QLabel(tr("Rows page"), sliceBar_));
        rowPage_ = new QSpinBox(sliceBar_);
        rowPage_->setObjectName(QStringLiteral("rowPage"));
        rowPage_->setRange(1, pages(model_->sliceRows(), TensorTableModel::kMaxRows));
        connect(rowPage_, &QSpinBox::valueChanged, this, &TensorView::applySlice);
        sliceLayout_->addWidget(rowPage_);
    }
    if (model_->sliceColumns() > TensorTableModel::kMaxColumns) {
        sliceLayout_->addWidget(new QLabel(tr("Columns page"), sliceBar_));
        columnPage_ = new QSpinBox(sliceBar_);
        columnPage_->setObjectName(QStringLiteral("columnPage"));
        columnPage_->setRange(1, pages(model_->sliceColumns(), TensorTableModel::kMaxColumns));
        connect(columnPage_, &QSpinBox::valueChanged, this, &TensorView::applySlice);
        sliceLayout_->addWidget(columnPage_);
    }
    for (QSpinBox* page : { rowPage_, columnPage_ })
        if (page)
            page->setSuffix(tr(" of %1").arg(page->maximum()));
    if (rowPage_ || columnPage_) {
        windowLabel_ = new QLabel(sliceBar_);
        sliceLayout_->addWidget(windowLabel_);
    }
    sliceLayout_->addStretch(1);
    sliceBar_->setVisible(lead > 0 || rowPage_ || columnPage_);
    applySlice();
}

void TensorView::applySlice()
{
    std::vector<std::int64_t> index;
    for (auto* spin : indexSpins_)
        index.push_back(spin->value());
    model_->setLeadingIndex(std::move(index));
    model_->setWindow(rowPage_ ? std::int64_t(rowPage_->value() - 1) * TensorTableModel::kMaxRows : 0,
        columnPage_ ? std::int64_t(columnPage_->value() - 1) * TensorTableModel::kMaxColumns : 0);
    if (scope_ && model_->leadingDims() > 0)
        scope_->setItemText(1, sliceText());
    if (windowLabel_) {
        const QLocale locale;
        QStringList parts;
        if (rowPage_)
            parts << tr("rows %1–%2 of %3")
                         .arg(locale.toString(model_->firstRow()),
                             locale.toString(model_->firstRow() + model_->rowCount() - 1),
                             locale.toString(model_->sliceRows()));
        if (columnPage_)
            parts << tr("columns %1–%2 of %3")
                         .arg(locale.toString(model_->firstColumn()),
                             locale.toString(model_->firstColumn() + model_->columnCount() - 1),
                             locale.toString(model_->sliceColumns()));
        windowLabel_->setText(parts.join(QStringLiteral(", ")));
    }
}

void TensorView::startStatistics()
{
    if (cancel_)
        cancel_->store(true);
    cancel_ = std::make_shared<std::atomic<bool>>(false);
    const quint64 generation = ++generation_;
    hasStatistics_ = false;
    statistics_ = {};
    histogram_->clear();
    statsBox_->hide();
    statsStatus_->show();
    statsStatus_->setText(tr("Computing…"));

    auto snapshot = snapshotOf(*model_->tensor());
    auto cancel = cancel_;
    watcher_.setFuture(QtConcurrent::run([snapshot, cancel, generation]() {
        Result r;
        r.generation = generation;
        try {
            r.stats = computeStatistics(*snapshot, cancel.get());
        } catch (const std::exception& e) {
            r.error = QString::fromUtf8(e.what());
        }
        return r;
    }));
}

void TensorView::showStatistics()
{
    const QFuture<Result> future = watcher_.future();
    if (!future.isValid() || future.resultCount() == 0)
        return;
    const Result r = future.result();
    // A result for a tensor no longer shown, or one cancelled on the way.
    if (r.generation != generation_ || r.stats.cancelled)
        return;
    if (!r.error.isEmpty()) {
        QString message = r.error;
        message[0] = message[0].toUpper();
        statsStatus_->setText(message);
        return;
    }
    const TensorStatistics& s = r.stats;
    statistics_ = s;
    hasStatistics_ = true;
    const auto& tensor = model_->tensor();
    const DataType type = tensor ? tensor->dataType : DataType::Double;
    if (s.finite == 0) {
        for (const char* field : { "Min", "Max", "Mean", "Std" })
            setField(QString::fromLatin1(field), QStringLiteral("–"));
    } else {
        setField(QStringLiteral("Min"), statValueText(s.min, type));
        setField(QStringLiteral("Max"), statValueText(s.max, type));
        setField(QStringLiteral("Mean"), QString::number(s.mean, 'g', 7));
        setField(QStringLiteral("Std"), QString::number(s.std, 'g', 7));
    }
    setField(QStringLiteral("Zeros"), countText(s.zeros, s.count));
    setField(QStringLiteral("NaN"), countText(s.nans, s.count));
    setField(QStringLiteral("Inf"), countText(s.infs, s.count));
    histogram_->setHistogram(s.histogram, s.min, s.max);
    if (s.ofMagnitude) {
        statsStatus_->setText(tr("Of the magnitudes |z|"));
        statsStatus_->show();
    } else {
        statsStatus_->clear();
        statsStatus_->hide();
    }
    statsBox_->show();
    emit statisticsReady();
}

void TensorView::copySelection()
{
    const QItemSelectionModel* selection = table_->selectionModel();
    if (!selection || !selection->hasSelection())
        return;
    // One rectangle (ContiguousSelection); cap it so a select-all on a huge
    // slice does not freeze the window building a gigabyte of text.
    const QItemSelectionRange range = selection->selection().first();
    constexpr qint64 kMaxCells = 1'000'000;
    if (qint64(range.height()) * range.width() > kMaxCells)
        return;
    QString text;
    for (int r = range.top(); r <= range.bottom(); ++r) {
        for (int c = range.left(); c <= range.right(); ++c) {
            if (c > range.left())
                text += QLatin1Char('\t');
            text += model_->cellText(r, c);
        }
        text += QLatin1Char('\n');
    }
    QApplication::clipboard()->setText(text);
}

void TensorView::paste()
{
    if (!model_->isEditable())
        return;
    QString text = QApplication::clipboard()->text();
    text.replace(QLatin1String("\r\n"), QLatin1String("\n"));
    QStringList lines = text.split(QLatin1Char('\n'));
    while (!lines.isEmpty() && lines.back().trimmed().isEmpty())
        lines.removeLast();
    if (lines.isEmpty())
        return;
    // Spreadsheets copy tab-separated rows; people type spaces (or commas).
    static const QRegularExpression spaces(QStringLiteral("[\\s,]+"));
    std::vector<QStringList> rows;
    for (const QString& line : lines)
        rows.push_back(line.contains(QLatin1Char('\t')) ? line.split(QLatin1Char('\t'))
                                                        : line.trimmed().split(spaces, Qt::SkipEmptyParts));

    const QItemSelectionModel* selection = table_->selectionModel();
    QModelIndex anchor = table_->currentIndex();
    QItemSelectionRange range;
    if (selection && selection->hasSelection()) {
        range = selection->selection().first();
        anchor = model_->index(range.top(), range.left());
    }
    if (!anchor.isValid())
        anchor = model_->index(0, 0);
    ElementEdits edits;
    // One value into a selected block fills the block, as spreadsheets do.
    if (rows.size() == 1 && rows.front().size() == 1 && range.isValid() && (range.width() > 1 || range.height() > 1)) {
        constexpr qint64 kMaxCells = 1'000'000;
        if (qint64(range.height()) * range.width() > kMaxCells) {
            emit editProblem(tr("Paste: select at most %1 cells to fill").arg(QLocale().toString(kMaxCells)));
            return;
        }
        const std::string value = rows.front().front().trimmed().toStdString();
        for (int r = range.top(); r <= range.bottom(); ++r)
            for (int c = range.left(); c <= range.right(); ++c)
                edits.emplace_back(model_->flatIndex(r, c), value);
        emit elementsEditRequested(edits);
        return;
    }
    qsizetype width = 0;
    for (const auto& row : rows)
        width = std::max(width, row.size());
    if (anchor.row() + qsizetype(rows.size()) > model_->rowCount() || anchor.column() + width > model_->columnCount()) {
        emit editProblem(tr("Paste: %1 rows of %2 values do not fit from row %3, column %4 of this %5 x %6 slice")
                             .arg(rows.size())
                             .arg(width)
                             .arg(model_->firstRow() + anchor.row())
                             .arg(model_->firstColumn() + anchor.column())
                             .arg(model_->rowCount())
                             .arg(model_->columnCount()));
        return;
    }
    for (std::size_t r = 0; r < rows.size(); ++r)
        for (qsizetype c = 0; c < rows[r].size(); ++c)
            edits.emplace_back(
                model_->flatIndex(anchor.row() + int(r), anchor.column() + int(c)), rows[r][c].trimmed().toStdString());
    emit elementsEditRequested(edits);
}

namespace {

// A few values of a stored tensor ("0.02" or "[0.1, 0.2, … 64 values]").
QString valuesText(const Tensor& t)
{
    const auto count = t.elementCount().value_or(0);
    if (!t.data || count == 0)
        return QObject::tr("(no values)");
    try {
        const auto bytes = t.data->bytes();
        constexpr std::uint64_t kShown = 8;
        QStringList parts;
        for (std::uint64_t k = 0; k < std::min(count, kShown); ++k)
            parts << qs(elementText(t.dataType, bytes, k));
        if (count > kShown)
            parts << QObject::tr("… %1 values").arg(count);
        return t.dims.empty() ? parts.front() : QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
    } catch (const std::exception& e) {
        return QString::fromUtf8(e.what());
    }
}

// What feeds a scale or zero-point input: its stored tensor, a Constant's
// value, or just its name.
QString parameterText(const Value* v)
{
    if (!v)
        return {};
    if (v->initializer)
        return valuesText(*v->initializer);
    if (const Node* p = v->producer(); p && p->opType == "Constant")
        if (const Attribute* a = p->attribute("value"); a && !a->tensors.empty() && a->tensors.front())
            return valuesText(*a->tensors.front());
    return QObject::tr("'%1' (computed)").arg(qs(v->name()));
}

} // namespace

QString TensorView::quantizationText(const Graph& graph, const Tensor& tensor)
{
    switch (tensor.dataType) {
    case DataType::Int8:
    case DataType::UInt8:
    case DataType::Int16:
    case DataType::UInt16:
    case DataType::Int4:
    case DataType::UInt4:
        break;
    default:
        return {};
    }
    const Value* v = graph.findValue(tensor.name);
    if (!v)
        return {};
    const Node* node = nullptr;
    for (const Use& use : v->users())
        if (use.node && use.index == 0 && use.node->opType == "DequantizeLinear") {
            node = use.node;
            break;
        }
    if (!node && v->producer() && v->producer()->opType == "QuantizeLinear")
        node = v->producer();
    if (!node || node->inputs().size() < 2)
        return {};
    const Value* scale = node->inputs()[1];
    const Value* zero = node->inputs().size() > 2 ? node->inputs()[2] : nullptr;
    QString text = tr("Quantization (%1 '%2'): scale = %3, zero point = %4")
                       .arg(qs(node->opType), qs(node->name), parameterText(scale),
                           zero ? parameterText(zero) : tr("0 (default)"));
    const Tensor* scaleTensor = scale && scale->initializer ? scale->initializer.get() : nullptr;
    if (scaleTensor && scaleTensor->elementCount().value_or(0) > 1) {
        const Attribute* axis = node->attribute("axis");
        text += tr(", per axis %1").arg(axis ? axis->i : 1);
    }
    return text;
}

} // namespace nodus
