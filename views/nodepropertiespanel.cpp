#include "nodepropertiespanel.h"

#include "editablelabel.h"

#include "ir/graph.h"
#include "ir/node.h"
#include "ir/opmetadata.h"
#include "ir/tensor.h"
#include "ir/value.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QRegularExpression>
#include <QScrollArea>
#include <QStyledItemDelegate>
#include <QTableWidget>
#include <QTextBrowser>
#include <QTextDocument>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace nodus {

namespace {

// Starts editors from EditTextRole and hands what was typed to `commit`
// instead of writing it into the table: the table changes when the edit has
// been applied to the model and the panel is shown again.
class CellEditDelegate : public QStyledItemDelegate {
public:
    CellEditDelegate(std::function<void(const QModelIndex&, const QString&)> commit, QObject* parent)
        : QStyledItemDelegate(parent)
        , commit_(std::move(commit))
    {
    }

    void setEditorData(QWidget* editor, const QModelIndex& index) const override
    {
        auto* line = qobject_cast<QLineEdit*>(editor);
        const QVariant full = index.data(NodePropertiesPanel::EditTextRole);
        if (line && full.isValid())
            line->setText(full.toString());
        else
            QStyledItemDelegate::setEditorData(editor, index);
    }

    void setModelData(QWidget* editor, QAbstractItemModel*, const QModelIndex& index) const override
    {
        if (auto* line = qobject_cast<QLineEdit*>(editor))
            commit_(index, line->text());
    }

private:
    std::function<void(const QModelIndex&, const QString&)> commit_;
};

bool isTextAttribute(AttributeType type)
{
    switch (type) {
    case AttributeType::Float:
    case AttributeType::Int:
    case AttributeType::String:
    case AttributeType::Floats:
    case AttributeType::Ints:
    case AttributeType::Strings:
        return true;
    default:
        return false;
    }
}

QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}

QString tensorTypeText(const Tensor& t)
{
    QString out = qs(std::string(dataTypeName(t.dataType))) + QLatin1Char('[');
    for (std::size_t k = 0; k < t.dims.size(); ++k)
        out += (k ? QStringLiteral(",") : QString()) + QString::number(t.dims[k]);
    return out + QLatin1Char(']');
}

QString valueTypeText(const Value& v)
{
    if (v.type.kind == ValueType::Kind::Unknown && v.initializer)
        return tensorTypeText(*v.initializer);
    return qs(v.type.toString());
}

// Tooltips render rich text, and the schema's descriptions are markdown.
QString markdownTip(const std::string& markdown)
{
    if (markdown.empty())
        return {};
    QTextDocument doc;
    doc.setMarkdown(qs(markdown));
    return doc.toHtml();
}

// The schema's name for port `index`; variadic last ports number their
// members ("inputs[2]"), ops without a schema get positions.
QString portName(const OpInfo* op, bool inputs, std::size_t index)
{
    if (!op)
        return (inputs ? QStringLiteral("input %1") : QStringLiteral("output %1")).arg(index);
    const auto& ports = inputs ? op->inputs : op->outputs;
    if (ports.empty())
        return (inputs ? QStringLiteral("input %1") : QStringLiteral("output %1")).arg(index);
    if (index + 1 < ports.size() || (index < ports.size() && ports[index].option != OpPortOption::Variadic))
        return qs(ports[index].name);
    if (ports.back().option == OpPortOption::Variadic)
        return QStringLiteral("%1[%2]").arg(qs(ports.back().name)).arg(index - (ports.size() - 1));
    return (inputs ? QStringLiteral("input %1") : QStringLiteral("output %1")).arg(index);
}

const OpPortInfo* portInfo(const OpInfo* op, bool inputs, std::size_t index)
{
    if (!op)
        return nullptr;
    const auto& ports = inputs ? op->inputs : op->outputs;
    if (index < ports.size())
        return &ports[index];
    if (!ports.empty() && ports.back().option == OpPortOption::Variadic)
        return &ports.back();
    return nullptr;
}

QString nodeLabel(const Node& node)
{
    return node.name.empty() ? QStringLiteral("(unnamed %1)").arg(qs(node.opType)) : qs(node.name);
}

QTableWidget* makeTable(const QStringList& headers, QWidget* parent)
{
    auto* table = new QTableWidget(0, int(headers.size()), parent);
    table->setHorizontalHeaderLabels(headers);
    table->verticalHeader()->hide();
    table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 8);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    table->setShowGrid(false);
    table->setAlternatingRowColors(true);
    table->setWordWrap(false);
    table->setTextElideMode(Qt::ElideMiddle);
    // The whole panel scrolls; each table is as tall as its rows.
    table->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    table->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    table->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    auto* header = table->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    header->setSectionResizeMode(1, QHeaderView::Stretch);
    header->setSectionResizeMode(headers.size() - 1, QHeaderView::ResizeToContents);
    header->setHighlightSections(false);
    return table;
}

void fitHeight(QTableWidget* table)
{
    const int rows = table->verticalHeader()->length();
    table->setFixedHeight(table->horizontalHeader()->sizeHint().height() + rows + 2 * table->frameWidth());
}

QLabel* sectionLabel(const QString& text, QWidget* parent)
{
    auto* label = new QLabel(text, parent);
    QFont f = label->font();
    f.setBold(true);
    label->setFont(f);
    return label;
}

} // namespace

NodePropertiesPanel::NodePropertiesPanel(QWidget* parent)
    : QWidget(parent)
    , placeholder_(new QLabel(tr("Select a node or an edge to see its properties"), this))
    , content_(new QWidget)
    , title_(new EditableLabel(content_))
    , name_(new EditableLabel(content_))
    , subtitle_(new QLabel(content_))
    , shapeRow_(new QWidget(content_))
    , shape_(new EditableLabel(shapeRow_))
    , docsToggle_(new QToolButton(content_))
    , docs_(new QTextBrowser(content_))
    , attributesSection_(new QWidget(content_))
    , showDefaults_(new QCheckBox(tr("Show defaults"), attributesSection_))
    , attributes_(makeTable({ tr("Name"), tr("Value"), tr("Type") }, attributesSection_))
    , inputsLabel_(sectionLabel(tr("Inputs"), content_))
    , inputs_(makeTable({ tr("Port"), tr("Value"), tr("Type") }, content_))
    , outputsLabel_(sectionLabel(tr("Outputs"), content_))
    , outputs_(makeTable({ tr("Port"), tr("Value"), tr("Type") }, content_))
{
    placeholder_->setAlignment(Qt::AlignCenter);
    placeholder_->setWordWrap(true);
    placeholder_->setEnabled(false);

    title_->setObjectName(QStringLiteral("opType"));
    QFont big = title_->font();
    big.setPointSizeF(big.pointSizeF() * 1.6);
    big.setBold(true);
    title_->setFont(big);
    title_->setWordWrap(true);
    name_->setObjectName(QStringLiteral("nodeName"));
    name_->setWordWrap(true);
    shape_->setObjectName(QStringLiteral("inputShape"));
    auto* shapeLayout = new QHBoxLayout(shapeRow_);
    shapeLayout->setContentsMargins(0, 0, 0, 0);
    shapeLayout->addWidget(new QLabel(tr("Shape:"), shapeRow_));
    shapeLayout->addWidget(shape_, 1);
    shapeRow_->hide();
    connect(title_, &EditableLabel::edited, this, [this](const QString& text) {
        if (!node_ && shownValue_)
            emit renameValueRequested(valueName_, text);
    });
    connect(name_, &EditableLabel::edited, this, [this](const QString& text) {
        if (node_)
            emit renameNodeRequested(QString::fromStdString(node_->name), text);
    });
    connect(shape_, &EditableLabel::edited, this, [this](const QString& text) {
        if (!node_ && shownValue_)
            emit inputShapeEditRequested(valueName_, text);
    });
    subtitle_->setObjectName(QStringLiteral("subtitle"));
    subtitle_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    subtitle_->setWordWrap(true);
    subtitle_->setForegroundRole(QPalette::PlaceholderText);

    docsToggle_->setObjectName(QStringLiteral("documentationToggle"));
    docsToggle_->setText(tr("Documentation"));
    docsToggle_->setToolTip(tr("Show or hide the op's documentation"));
    docsToggle_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    docsToggle_->setAutoRaise(true);
    docs_->setObjectName(QStringLiteral("documentation"));
    docs_->setOpenExternalLinks(true);
    connect(docsToggle_, &QToolButton::clicked, this, [this] { setDocsExpanded(!docsExpanded_); });
    setDocsExpanded(false);

    attributes_->setObjectName(QStringLiteral("attributes"));
    inputs_->setObjectName(QStringLiteral("inputs"));
    outputs_->setObjectName(QStringLiteral("outputs"));
    showDefaults_->setObjectName(QStringLiteral("showDefaults"));
    showDefaults_->setToolTip(tr("Also list attributes that have their default value, and unset ones"));
    connect(showDefaults_, &QCheckBox::toggled, this, [this] { fillAttributes(); });

    auto* attributesHeader = new QHBoxLayout;
    attributesHeader->setContentsMargins(0, 0, 0, 0);
    attributesHeader->addWidget(sectionLabel(tr("Attributes"), attributesSection_));
    attributesHeader->addStretch(1);
    attributesHeader->addWidget(showDefaults_);
    auto* attributesLayout = new QVBoxLayout(attributesSection_);
    attributesLayout->setContentsMargins(0, 0, 0, 0);
    attributesLayout->addLayout(attributesHeader);
    attributesLayout->addWidget(attributes_);

    auto* layout = new QVBoxLayout(content_);
    layout->addWidget(title_);
    layout->addWidget(name_);
    layout->addWidget(subtitle_);
    layout->addWidget(shapeRow_);
    layout->addWidget(docsToggle_);
    layout->addWidget(docs_);
    layout->addSpacing(4);
    layout->addWidget(attributesSection_);
    layout->addSpacing(4);
    layout->addWidget(inputsLabel_);
    layout->addWidget(inputs_);
    layout->addSpacing(4);
    layout->addWidget(outputsLabel_);
    layout->addWidget(outputs_);
    layout->addStretch(1);

    auto* scroll = new QScrollArea(this);
    scroll->setWidget(content_);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll_ = scroll;

    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(placeholder_);
    outer->addWidget(scroll);

    connect(attributes_, &QTableWidget::cellClicked, this, [this](int row) { activate(attributes_, row); });
    connect(inputs_, &QTableWidget::cellClicked, this, [this](int row) { activate(inputs_, row); });
    connect(outputs_, &QTableWidget::cellClicked, this, [this](int row) { activate(outputs_, row); });

    for (QTableWidget* table : { attributes_, inputs_, outputs_ }) {
        // Queued: applying the edit refills this table, which must not
        // happen while the table is still closing the editor.
        table->setItemDelegate(new CellEditDelegate(
            [this, table](const QModelIndex& index, const QString& text) {
                QMetaObject::invokeMethod(
                    this, [this, table, row = index.row(), text] { onCellEdited(table, row, text); },
                    Qt::QueuedConnection);
            },
            table));
        table->setContextMenuPolicy(Qt::CustomContextMenu);
    }
    connect(attributes_, &QWidget::customContextMenuRequested, this, &NodePropertiesPanel::showAttributeMenu);
    connect(
        inputs_, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) { showPortMenu(inputs_, pos); });
    connect(outputs_, &QWidget::customContextMenuRequested, this,
        [this](const QPoint& pos) { showPortMenu(outputs_, pos); });

    clear();
}

Id NodePropertiesPanel::shownNode() const
{
    return node_ ? node_->id() : 0;
}

void NodePropertiesPanel::setEditing(const Editing& editing)
{
    editing_ = editing;
    updateEditability();
}

bool NodePropertiesPanel::canEditAttributes() const
{
    return node_ && editing_.attributes && node_->graph() == editing_.graph && !node_->name.empty();
}

bool NodePropertiesPanel::isEditableAttributeRow(int row) const
{
    if (!canEditAttributes() || row < 0 || row >= attributes_->rowCount() || !attributes_->item(row, 0))
        return false;
    const std::string name = attributes_->item(row, 0)->text().toStdString();
    if (const Attribute* a = node_->attribute(name))
        return isTextAttribute(a->type);
    const OpAttributeInfo* info = op_ ? op_->attribute(name) : nullptr;
    return info && isTextAttribute(info->type);
}

bool NodePropertiesPanel::isEditableValueRow(QTableWidget* table, int row) const
{
    const auto& names = table == inputs_ ? inputNames_ : outputNames_;
    return node_ && editing_.names && node_->graph() == editing_.graph && (table == inputs_ || table == outputs_)
        && row >= 0 && std::size_t(row) < names.size() && !names[std::size_t(row)].isEmpty();
}

void NodePropertiesPanel::updateEditability()
{
    const auto triggers = QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed;
    attributes_->setEditTriggers(canEditAttributes() ? triggers : QAbstractItemView::NoEditTriggers);
    for (int r = 0; r < attributes_->rowCount(); ++r) {
        const bool editable = isEditableAttributeRow(r);
        for (int c = 0; c < attributes_->columnCount(); ++c)
            if (QTableWidgetItem* item = attributes_->item(r, c))
                item->setFlags(
                    c == 1 && editable ? item->flags() | Qt::ItemIsEditable : item->flags() & ~Qt::ItemIsEditable);
    }
    // A click on a port goes to its value, so only F2 (or the context
    // menu) edits a port's value name.
    for (QTableWidget* table : { inputs_, outputs_ }) {
        table->setEditTriggers(
            node_ && editing_.names ? QAbstractItemView::EditKeyPressed : QAbstractItemView::NoEditTriggers);
        for (int r = 0; r < table->rowCount(); ++r) {
            const bool editable = isEditableValueRow(table, r);
            for (int c = 0; c < table->columnCount(); ++c)
                if (QTableWidgetItem* item = table->item(r, c))
                    item->setFlags(
                        c == 1 && editable ? item->flags() | Qt::ItemIsEditable : item->flags() & ~Qt::ItemIsEditable);
        }
    }
    const bool mainGraph = shownGraph_ && shownGraph_ == editing_.graph;
    name_->setEditable(node_ && mainGraph && editing_.names && !node_->name.empty());
    title_->setEditable(!node_ && shownValue_ && mainGraph && editing_.names && !valueName_.isEmpty());
    shape_->setEditable(!node_ && shownValue_ && mainGraph && editing_.inputShapes && valueIsInput_);
}

bool NodePropertiesPanel::editAttribute(const QString& name)
{
    for (int r = 0; r < attributes_->rowCount(); ++r)
        if (attributes_->item(r, 0) && attributes_->item(r, 0)->text() == name) {
            if (!isEditableAttributeRow(r))
                return false;
            attributes_->setCurrentCell(r, 1);
            attributes_->editItem(attributes_->item(r, 1));
            return true;
        }
    return false;
}

void NodePropertiesPanel::onCellEdited(QTableWidget* table, int row, const QString& text)
{
    if (!node_)
        return;
    const QString nodeName = QString::fromStdString(node_->name);
    if (table == attributes_) {
        if (!isEditableAttributeRow(row))
            return;
        const QTableWidgetItem* value = attributes_->item(row, 1);
        const bool isSet = node_->attribute(attributes_->item(row, 0)->text().toStdString()) != nullptr;
        if (isSet && value && text == value->data(EditTextRole).toString())
            return;
        emit attributeEditRequested(nodeName, attributes_->item(row, 0)->text(), text.trimmed());
        return;
    }
    if (!isEditableValueRow(table, row))
        return;
    const QString& from = (table == inputs_ ? inputNames_ : outputNames_)[std::size_t(row)];
    if (text.trimmed() != from)
        emit renameValueRequested(from, text.trimmed());
}

void NodePropertiesPanel::showAttributeMenu(const QPoint& pos)
{
    if (!canEditAttributes())
        return;
    const int row = attributes_->rowAt(pos.y());
    QMenu menu(this);
    if (isEditableAttributeRow(row))
        menu.addAction(tr("Edit Value"), this, [this, row] {
            attributes_->setCurrentCell(row, 1);
            attributes_->editItem(attributes_->item(row, 1));
        });
    if (row >= 0 && attributes_->item(row, 0)) {
        const QString name = attributes_->item(row, 0)->text();
        if (node_->attribute(name.toStdString()))
            menu.addAction(tr("Remove Attribute '%1'").arg(name), this,
                [this, name] { emit attributeRemoveRequested(QString::fromStdString(node_->name), name); });
    }
    if (!menu.isEmpty())
        menu.addSeparator();
    menu.addAction(
        tr("Add Attribute…"), this, [this] { emit attributeAddRequested(QString::fromStdString(node_->name)); });
    menu.exec(attributes_->viewport()->mapToGlobal(pos));
}

void NodePropertiesPanel::showPortMenu(QTableWidget* table, const QPoint& pos)
{
    const int row = table->rowAt(pos.y());
    if (!isEditableValueRow(table, row))
        return;
    QMenu menu(this);
    menu.addAction(tr("Rename Value '%1'").arg((table == inputs_ ? inputNames_ : outputNames_)[std::size_t(row)]), this,
        [table, row] {
            table->setCurrentCell(row, 1);
            table->editItem(table->item(row, 1));
        });
    menu.exec(table->viewport()->mapToGlobal(pos));
}

std::optional<std::vector<Dim>> NodePropertiesPanel::parseDims(const QString& text, QString* error)
{
    QString body = text.trimmed();
    if (body.startsWith(QLatin1Char('[')) && body.endsWith(QLatin1Char(']')))
        body = body.mid(1, body.size() - 2);
    else if (body.startsWith(QLatin1Char('(')) && body.endsWith(QLatin1Char(')')))
        body = body.mid(1, body.size() - 2);
    std::vector<Dim> dims;
    if (body.trimmed().isEmpty())
        return dims; // a scalar
    static const QRegularExpression symbol(QStringLiteral("^[A-Za-z_][A-Za-z0-9_./:-]*$"));
    const QStringList parts = body.split(QLatin1Char(','));
    for (qsizetype k = 0; k < parts.size(); ++k) {
        const QString part = parts[k].trimmed();
        bool ok = false;
        const qlonglong n = part.toLongLong(&ok);
        if (ok && n >= 0) {
            dims.push_back(Dim::known(n));
        } else if (part == QLatin1String("?")) {
            dims.push_back(Dim {});
        } else if (!ok && symbol.match(part).hasMatch()) {
            dims.push_back(Dim::symbolic(part.toStdString()));
        } else {
            if (error)
                *error = part.isEmpty()
                    ? tr("dimension %1 of '%2' is empty (use ? for an unknown size)").arg(k).arg(text)
                    : tr("dimension %1 of '%2', '%3', is not a size, a name or ?").arg(k).arg(text, part);
            return std::nullopt;
        }
    }
    return dims;
}

void NodePropertiesPanel::showContent(bool show)
{
    placeholder_->setVisible(!show);
    scroll_->setVisible(show);
}

void NodePropertiesPanel::clear()
{
    node_ = nullptr;
    op_ = nullptr;
    shownValue_ = 0;
    shownGraph_ = nullptr;
    valueName_.clear();
    valueIsInput_ = false;
    inputNames_.clear();
    outputNames_.clear();
    shapeRow_->hide();
    updateEditability();
    attributes_->setRowCount(0);
    inputs_->setRowCount(0);
    outputs_->setRowCount(0);
    inputTargets_.clear();
    outputTargets_.clear();
    attributeTargets_.clear();
    docs_->clear();
    showContent(false);
}

bool NodePropertiesPanel::showDefaults() const
{
    return showDefaults_->isChecked();
}

void NodePropertiesPanel::setShowDefaults(bool show)
{
    showDefaults_->setChecked(show);
}

QString NodePropertiesPanel::titleText() const
{
    return title_->text();
}

void NodePropertiesPanel::setDocsExpanded(bool expanded)
{
    // Remembered across nodes: someone reading docs wants them for the next
    // node too.
    docsExpanded_ = expanded;
    docsToggle_->setArrowType(expanded ? Qt::DownArrow : Qt::RightArrow);
    docs_->setVisible(expanded && docsToggle_->isEnabled());
    fitDocsHeight();
}

void NodePropertiesPanel::fitDocsHeight()
{
    if (docs_->isHidden())
        return;
    // As tall as the text up to a limit: a one-line description should not
    // sit in a box that pushes the attributes off screen, a long one scrolls.
    const int width = docs_->viewport()->width() > 50 ? docs_->viewport()->width() : content_->width() - 40;
    QTextDocument* doc = docs_->document();
    doc->setTextWidth(std::max(100, width));
    const int height = int(doc->size().height()) + 2 * docs_->frameWidth() + 4;
    docs_->setFixedHeight(std::clamp(height, fontMetrics().height() * 2, 320));
}

void NodePropertiesPanel::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    fitDocsHeight();
}

void NodePropertiesPanel::setNode(const Node* node, std::int64_t opsetVersion)
{
    if (!node) {
        clear();
        return;
    }
    node_ = node;
    shownValue_ = 0;
    shownGraph_ = node->graph();
    valueName_.clear();
    valueIsInput_ = false;
    op_ = metadata_->find(node->domain, node->opType, opsetVersion);

    title_->setText(qs(node->opType));
    name_->setText(node->name.empty() ? tr("unnamed node") : qs(node->name));
    name_->show();
    shapeRow_->hide();
    QStringList facts;
    QString domain = node->domain.empty() ? QStringLiteral("ai.onnx") : qs(node->domain);
    if (op_)
        domain += tr(", version %1").arg(op_->sinceVersion);
    facts << tr("domain %1").arg(domain);
    if (op_ && op_->deprecated)
        facts << tr("deprecated");
    if (node->graph() && node->graph()->parent())
        facts << tr("in subgraph %1").arg(qs(node->graph()->name));
    subtitle_->setText(facts.join(QStringLiteral(" · ")));

    // Documentation: the schema's text, then whatever the file says about
    // this particular node.
    QString markdown;
    if (op_)
        markdown = qs(op_->description);
    if (!node->docString.empty())
        markdown += QStringLiteral("\n\n---\n\n**%1**\n\n%2").arg(tr("Node documentation"), qs(node->docString));
    docsToggle_->setEnabled(!markdown.trimmed().isEmpty());
    docsToggle_->show();
    docsToggle_->setText(
        docsToggle_->isEnabled() ? tr("Documentation") : tr("No documentation for %1").arg(qs(node->opType)));
    docs_->setMarkdown(markdown);
    setDocsExpanded(docsExpanded_);

    attributesSection_->show();
    fillAttributes();

    inputsLabel_->setText(tr("Inputs"));
    outputsLabel_->setText(tr("Outputs"));
    inputs_->setHorizontalHeaderLabels({ tr("Port"), tr("Value"), tr("Type") });
    outputs_->setHorizontalHeaderLabels({ tr("Port"), tr("Value"), tr("Type") });
    fillPorts(inputs_, node->inputs(), true);
    fillPorts(outputs_, node->outputs(), false);
    updateEditability();
    showContent(true);
}

void NodePropertiesPanel::fillAttributes()
{
    attributes_->setRowCount(0);
    attributeTargets_.clear();
    if (!node_)
        return;
    const QColor grey = palette().color(QPalette::Disabled, QPalette::Text);

    const auto addRow = [&](const QString& name, const QString& value, const QString& type, const QString& tip,
                            bool isDefault, Target target, const QString& editText) {
        const int row = attributes_->rowCount();
        attributes_->insertRow(row);
        const QString cells[] = { name, value, type };
        for (int c = 0; c < 3; ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            item->setData(DefaultRole, isDefault);
            if (isDefault)
                item->setForeground(grey);
            if (c == 0 && !tip.isEmpty())
                item->setToolTip(tip);
            attributes_->setItem(row, c, item);
        }
        attributes_->item(row, 1)->setToolTip(value);
        attributes_->item(row, 1)->setData(EditTextRole, editText);
        if (target.kind == Target::ToTensor)
            attributes_->item(row, 1)->setForeground(palette().color(QPalette::Link));
        attributeTargets_.push_back(std::move(target));
    };

    const bool all = showDefaults_->isChecked();
    int hidden = 0;
    for (const auto& attr : node_->attributes) {
        const OpAttributeInfo* info = op_ ? op_->attribute(attr.name) : nullptr;
        const std::string text = attr.valueText();
        const bool isDefault = info && info->hasDefault && info->defaultText == text;
        if (isDefault && !all) {
            ++hidden;
            continue;
        }
        Target target;
        if ((attr.type == AttributeType::Tensor || attr.type == AttributeType::SparseTensor) && !attr.tensors.empty()
            && attr.tensors.front()) {
            target.kind = Target::ToTensor;
            target.tensor = attr.tensors.front();
        }
        QString value = qs(text);
        addRow(qs(attr.name), value, qs(std::string(attributeTypeName(attr.type))),
            info ? markdownTip(info->description) : QString(), isDefault, std::move(target),
            qs(attr.valueText(std::size_t(-1))));
        // The table elides; the tooltip holds the long form of long lists.
        if (value.endsWith(QLatin1String(" items)]")))
            attributes_->item(attributes_->rowCount() - 1, 1)->setToolTip(qs(attr.valueText(4096)));
    }
    int unset = 0;
    if (op_) {
        for (const auto& info : op_->attributes) {
            if (node_->attribute(info.name))
                continue;
            ++unset;
            if (!all)
                continue;
            const QString value = info.hasDefault ? qs(info.defaultText)
                                                  : (info.required ? tr("(required, not set)") : tr("(not set)"));
            addRow(qs(info.name), value, qs(std::string(attributeTypeName(info.type))), markdownTip(info.description),
                true, {}, info.hasDefault ? qs(info.defaultText) : QString());
        }
    }
    showDefaults_->setText(
        all || (hidden + unset) == 0 ? tr("Show defaults") : tr("Show defaults (%1 more)").arg(hidden + unset));
    attributes_->setVisible(attributes_->rowCount() > 0 || canEditAttributes());
    fitHeight(attributes_);
    updateEditability();
}

void NodePropertiesPanel::addPortRow(QTableWidget* table, const QString& port, const QString& name, const QString& type,
    const QString& tip, Target target)
{
    const int row = table->rowCount();
    table->insertRow(row);
    const QString cells[] = { port, name, type };
    for (int c = 0; c < 3; ++c) {
        auto* item = new QTableWidgetItem(cells[c]);
        item->setToolTip(c == 0 && !tip.isEmpty() ? tip : cells[c]);
        table->setItem(row, c, item);
    }
    // Rows that lead somewhere read like links.
    if (target.kind != Target::None)
        table->item(row, 1)->setForeground(palette().color(QPalette::Link));
    else
        table->item(row, 1)->setForeground(palette().color(QPalette::Disabled, QPalette::Text));
    (table == inputs_ ? inputTargets_ : outputTargets_).push_back(std::move(target));
}

void NodePropertiesPanel::fillPorts(QTableWidget* table, const std::vector<Value*>& values, bool inputs)
{
    table->setRowCount(0);
    (table == inputs_ ? inputTargets_ : outputTargets_).clear();
    auto& names = table == inputs_ ? inputNames_ : outputNames_;
    names.clear();
    for (const Value* v : values)
        names.push_back(v ? qs(v->name()) : QString());
    for (std::size_t k = 0; k < values.size(); ++k) {
        const Value* v = values[k];
        const OpPortInfo* info = portInfo(op_, inputs, k);
        QString tip;
        if (info) {
            tip = markdownTip(info->description);
            if (!info->type.empty())
                tip += QStringLiteral("<p>%1</p>").arg(tr("Type: %1").arg(qs(info->type).toHtmlEscaped()));
        }
        if (!v) {
            addPortRow(table, portName(op_, inputs, k), tr("(omitted)"), QString(), tip, {});
            continue;
        }
        Target target;
        QString type = valueTypeText(*v);
        if (v->initializer) {
            target.kind = Target::ToTensor;
            target.tensor = v->initializer;
            type = tr("weights: %1").arg(tensorTypeText(*v->initializer));
        } else {
            target.kind = Target::ToValue;
            target.id = v->id();
        }
        addPortRow(table, portName(op_, inputs, k), qs(v->name()), type, tip, std::move(target));
    }
    if (values.empty())
        addPortRow(table, tr("(none)"), QString(), QString(), QString(), {});
    fitHeight(table);
}

void NodePropertiesPanel::showValue(const Value* value)
{
    if (!value) {
        clear();
        return;
    }
    node_ = nullptr;
    op_ = nullptr;
    shownValue_ = value->id();
    shownGraph_ = value->graph();
    valueName_ = qs(value->name());
    inputNames_.clear();
    outputNames_.clear();
    title_->setText(value->name().empty() ? tr("(unnamed value)") : qs(value->name()));
    name_->hide();
    QStringList facts;
    facts << valueTypeText(*value);
    const Graph* graph = value->graph();
    valueIsInput_ = graph && graph->isInput(value) && !value->initializer;
    shapeRow_->setVisible(valueIsInput_ && value->type.kind == ValueType::Kind::Tensor);
    if (valueIsInput_) {
        QStringList dims;
        for (const Dim& d : value->type.shape.dims)
            dims << qs(d.toString());
        shape_->setText(value->type.shape.rankKnown || !dims.isEmpty() ? dims.join(QLatin1Char(',')) : tr("?"));
    }
    if (graph && graph->isInput(value))
        facts << tr("graph input");
    if (graph && graph->isOutput(value))
        facts << tr("graph output");
    if (value->initializer)
        facts << tr("weights");
    if (value->fromOuterScope)
        facts << tr("from the enclosing graph");
    subtitle_->setText(facts.join(QStringLiteral(" · ")));

    // Few values carry a doc string; a disabled toggle on every edge is noise.
    docsToggle_->setEnabled(!value->docString.empty());
    docsToggle_->setVisible(!value->docString.empty());
    docsToggle_->setText(tr("Documentation"));
    docs_->setMarkdown(qs(value->docString));
    setDocsExpanded(docsExpanded_);
    attributesSection_->hide();
    attributes_->setRowCount(0);
    attributeTargets_.clear();

    inputsLabel_->setText(tr("Producer"));
    outputsLabel_->setText(tr("Users"));
    inputs_->setHorizontalHeaderLabels({ tr("Port"), tr("Node"), tr("Op") });
    outputs_->setHorizontalHeaderLabels({ tr("Port"), tr("Node"), tr("Op") });
    inputs_->setRowCount(0);
    outputs_->setRowCount(0);
    inputTargets_.clear();
    outputTargets_.clear();

    const OpMetadata& meta = *metadata_;
    if (const Node* producer = value->producer()) {
        const OpInfo* op = meta.find(producer->domain, producer->opType);
        addPortRow(inputs_, portName(op, false, std::size_t(std::max(0, value->producerIndex()))), nodeLabel(*producer),
            qs(producer->opType), QString(), { Target::ToNode, producer->id(), nullptr });
    } else if (value->initializer) {
        addPortRow(inputs_, tr("weights"), qs(value->initializer->name), tensorTypeText(*value->initializer), QString(),
            { Target::ToTensor, 0, value->initializer });
    } else {
        const QString source = graph && graph->isInput(value) ? tr("graph input")
            : value->fromOuterScope                           ? tr("enclosing graph")
                                                              : tr("(no producer)");
        addPortRow(inputs_, source, QString(), QString(), QString(), {});
    }
    if (value->producer() && value->initializer)
        addPortRow(inputs_, tr("weights"), qs(value->initializer->name), tensorTypeText(*value->initializer), QString(),
            { Target::ToTensor, 0, value->initializer });

    for (const Use& use : value->users()) {
        if (!use.node)
            continue;
        const OpInfo* op = meta.find(use.node->domain, use.node->opType);
        addPortRow(outputs_, portName(op, true, std::size_t(std::max(0, use.index))), nodeLabel(*use.node),
            qs(use.node->opType), QString(), { Target::ToNode, use.node->id(), nullptr });
    }
    if (graph && graph->isOutput(value))
        addPortRow(outputs_, tr("graph output"), QString(), QString(), QString(), {});
    if (outputs_->rowCount() == 0)
        addPortRow(outputs_, tr("(unused)"), QString(), QString(), QString(), {});
    fitHeight(inputs_);
    fitHeight(outputs_);
    updateEditability();
    showContent(true);
}

void NodePropertiesPanel::activate(QTableWidget* table, int row)
{
    const auto& targets = table == inputs_ ? inputTargets_ : table == outputs_ ? outputTargets_ : attributeTargets_;
    if (row < 0 || std::size_t(row) >= targets.size())
        return;
    const Target& t = targets[std::size_t(row)];
    switch (t.kind) {
    case Target::ToValue:
        emit valueActivated(t.id);
        break;
    case Target::ToNode:
        emit nodeActivated(t.id);
        break;
    case Target::ToTensor:
        emit tensorActivated(t.tensor);
        break;
    case Target::None:
        break;
    }
}

} // namespace nodus
