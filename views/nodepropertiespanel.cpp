#include "nodepropertiespanel.h"

#include "ir/graph.h"
#include "ir/node.h"
#include "ir/opmetadata.h"
#include "ir/tensor.h"
#include "ir/value.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QScrollArea>
#include <QTableWidget>
#include <QTextBrowser>
#include <QTextDocument>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace nodus {

namespace {

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
    , title_(new QLabel(content_))
    , subtitle_(new QLabel(content_))
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
    title_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    title_->setWordWrap(true);
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
    layout->addWidget(subtitle_);
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

    clear();
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
    op_ = metadata_->find(node->domain, node->opType, opsetVersion);

    title_->setText(qs(node->opType));
    QStringList facts;
    facts << (node->name.empty() ? tr("unnamed node") : qs(node->name));
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
                            bool isDefault, Target target) {
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
            info ? markdownTip(info->description) : QString(), isDefault, std::move(target));
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
                true, {});
        }
    }
    showDefaults_->setText(
        all || (hidden + unset) == 0 ? tr("Show defaults") : tr("Show defaults (%1 more)").arg(hidden + unset));
    attributes_->setVisible(attributes_->rowCount() > 0);
    fitHeight(attributes_);
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
    title_->setText(value->name().empty() ? tr("(unnamed value)") : qs(value->name()));
    QStringList facts;
    facts << valueTypeText(*value);
    const Graph* graph = value->graph();
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
