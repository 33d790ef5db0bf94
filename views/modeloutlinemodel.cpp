#include "modeloutlinemodel.h"

#include "ir/model.h"

#include <QApplication>
#include <QFont>
#include <QLocale>
#include <QPalette>

#include <cstdint>

namespace nodus {

namespace {

// An index's internal id says where its row lives, so parent() needs no
// per-row objects:
//   bits 62-63  level: 1 group, 2 member of a group, 3 child of a node
//   bits 56-57  group (level 2)
//   bits 32-55  row under the node (level 3)
//   bits  0-31  row in the group (level 2) or the node's row (level 3)
static_assert(sizeof(quintptr) == 8, "the outline packs tree positions into 64-bit internal ids");

enum Level : quintptr { GroupLevel = 1, MemberLevel = 2, NodeChildLevel = 3 };

constexpr quintptr groupId(int group)
{
    return (quintptr(GroupLevel) << 62) | quintptr(group);
}
constexpr quintptr memberId(int group, int row)
{
    return (quintptr(MemberLevel) << 62) | (quintptr(group) << 56) | quintptr(row);
}
constexpr quintptr nodeChildId(int nodeRow, int childRow)
{
    return (quintptr(NodeChildLevel) << 62) | (quintptr(childRow) << 32) | quintptr(nodeRow);
}
constexpr Level levelOf(quintptr id)
{
    return Level(id >> 62);
}
constexpr int groupOf(quintptr id)
{
    return levelOf(id) == GroupLevel ? int(id & 0x3) : int((id >> 56) & 0x3);
}
constexpr int lowRow(quintptr id)
{
    return int(id & 0xffffffffu);
}
constexpr int childRowOf(quintptr id)
{
    return int((id >> 32) & 0xffffffu);
}

constexpr int kMaxNodeChildren = 0xffffff;

QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}

QString dimsText(const std::vector<std::int64_t>& dims)
{
    QString out = QStringLiteral("[");
    for (std::size_t i = 0; i < dims.size(); ++i) {
        if (i)
            out += QLatin1Char(',');
        out += QString::number(dims[i]);
    }
    return out + QLatin1Char(']');
}

// Element type and shape apart, so the columns line up for tensors and values.
std::pair<QString, QString> typeAndShape(const Value* value)
{
    if (value->type.kind == ValueType::Kind::Tensor || value->type.kind == ValueType::Kind::SparseTensor)
        return { qs(std::string(dataTypeName(value->type.elementType))), qs(value->type.shape.toString()) };
    if (value->type.kind != ValueType::Kind::Unknown)
        return { qs(value->type.toString()), {} };
    if (value->initializer)
        return { qs(std::string(dataTypeName(value->initializer->dataType))), dimsText(value->initializer->dims) };
    return {};
}

QVariant muted()
{
    return QVariant::fromValue(QApplication::palette().brush(QPalette::Disabled, QPalette::Text));
}

} // namespace

ModelOutlineModel::ModelOutlineModel(QObject* parent)
    : QAbstractItemModel(parent)
{
}

ModelOutlineModel::~ModelOutlineModel() = default;

void ModelOutlineModel::setModel(std::shared_ptr<const Model> model)
{
    beginResetModel();
    model_ = std::move(model);
    inputs_.clear();
    if (model_ && model_->graph)
        inputs_ = model_->graph->realInputs();
    endResetModel();
}

QModelIndex ModelOutlineModel::groupIndex(Group group) const
{
    return index(group, 0);
}

int ModelOutlineModel::groupSize(Group group) const
{
    const Graph* g = model_ ? model_->graph.get() : nullptr;
    if (!g)
        return 0;
    switch (group) {
    case Inputs:
        return int(inputs_.size());
    case Outputs:
        return int(g->outputs.size());
    case Nodes:
        return int(g->nodes().size());
    case Tensors:
        return int(g->initializers.size());
    case GroupCount:
        break;
    }
    return 0;
}

QModelIndex ModelOutlineModel::index(int row, int column, const QModelIndex& parent) const
{
    if (!hasIndex(row, column, parent))
        return {};
    if (!parent.isValid())
        return createIndex(row, column, groupId(row));
    const quintptr pid = parent.internalId();
    switch (levelOf(pid)) {
    case GroupLevel:
        return createIndex(row, column, memberId(groupOf(pid), row));
    case MemberLevel:
        return createIndex(row, column, nodeChildId(lowRow(pid), row));
    case NodeChildLevel:
        break;
    }
    return {};
}

QModelIndex ModelOutlineModel::parent(const QModelIndex& child) const
{
    if (!child.isValid())
        return {};
    const quintptr id = child.internalId();
    switch (levelOf(id)) {
    case GroupLevel:
        return {};
    case MemberLevel:
        return createIndex(groupOf(id), 0, groupId(groupOf(id)));
    case NodeChildLevel:
        return createIndex(lowRow(id), 0, memberId(Nodes, lowRow(id)));
    }
    return {};
}

int ModelOutlineModel::rowCount(const QModelIndex& parent) const
{
    if (!model_)
        return 0;
    if (!parent.isValid())
        return GroupCount;
    if (parent.column() != 0)
        return 0;
    const quintptr id = parent.internalId();
    switch (levelOf(id)) {
    case GroupLevel:
        return groupSize(Group(groupOf(id)));
    case MemberLevel: {
        if (groupOf(id) != Nodes)
            return 0;
        const Node& n = *model_->graph->nodes()[lowRow(id)];
        const std::size_t children = n.inputs().size() + n.outputs().size() + n.attributes.size();
        return int(std::min<std::size_t>(children, kMaxNodeChildren));
    }
    case NodeChildLevel:
        break;
    }
    return 0;
}

int ModelOutlineModel::columnCount(const QModelIndex&) const
{
    return ColumnCount;
}

QVariant ModelOutlineModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Name");
    case TypeColumn:
        return tr("Type");
    case DetailColumn:
        return tr("Shape / Domain / Value");
    }
    return {};
}

QVariant ModelOutlineModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || !model_ || !model_->graph)
        return {};
    const quintptr id = index.internalId();
    const Graph& g = *model_->graph;
    const int column = index.column();
    switch (levelOf(id)) {
    case GroupLevel:
        return groupData(Group(groupOf(id)), column, role);
    case MemberLevel:
        switch (Group(groupOf(id))) {
        case Inputs:
            return valueData(inputs_[lowRow(id)], column, role);
        case Outputs:
            return valueData(g.outputs[lowRow(id)], column, role);
        case Nodes:
            return nodeData(lowRow(id), column, role);
        case Tensors:
            return tensorData(*g.initializers[lowRow(id)], column, role);
        case GroupCount:
            break;
        }
        break;
    case NodeChildLevel:
        return nodeChildData(lowRow(id), childRowOf(id), column, role);
    }
    return {};
}

QVariant ModelOutlineModel::groupData(Group group, int column, int role) const
{
    static const char* const names[] = {
        QT_TR_NOOP("Inputs"),
        QT_TR_NOOP("Outputs"),
        QT_TR_NOOP("Nodes"),
        QT_TR_NOOP("Tensors"),
    };
    if (role == Qt::DisplayRole) {
        if (column == NameColumn)
            return tr(names[group]);
        if (column == DetailColumn)
            return QLocale().toString(groupSize(group));
        return {};
    }
    if (role == Qt::FontRole) {
        QFont f;
        f.setBold(true);
        return f;
    }
    return {};
}

QVariant ModelOutlineModel::valueData(const Value* value, int column, int role) const
{
    if (!value)
        return {};
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
        if (column == NameColumn)
            return role == Qt::ToolTipRole && !value->docString.empty() ? qs(value->name() + "\n" + value->docString)
                                                                        : qs(value->name());
        const auto [type, shape] = typeAndShape(value);
        return column == TypeColumn ? type : shape;
    }
    if (role == IdRole)
        return QVariant::fromValue<quint64>(value->id());
    return {};
}

QVariant ModelOutlineModel::nodeData(int row, int column, int role) const
{
    const Node& n = *model_->graph->nodes()[row];
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
        switch (column) {
        case NameColumn:
            // Exporters leave some nodes unnamed; the position still tells them apart.
            if (n.name.empty())
                return tr("(unnamed #%1)").arg(row);
            if (role == Qt::ToolTipRole && !n.docString.empty())
                return qs(n.name + "\n" + n.docString);
            return qs(n.name);
        case TypeColumn:
            return qs(n.opType);
        case DetailColumn:
            return n.domain.empty() ? QStringLiteral("ai.onnx") : qs(n.domain);
        }
        return {};
    }
    if (role == Qt::ForegroundRole
        && ((column == NameColumn && n.name.empty()) || (column == DetailColumn && n.domain.empty())))
        return muted();
    if (role == IdRole)
        return QVariant::fromValue<quint64>(n.id());
    return {};
}

QVariant ModelOutlineModel::tensorData(const Tensor& t, int column, int role) const
{
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
        switch (column) {
        case NameColumn:
            return qs(t.name);
        case TypeColumn:
            return t.isSparse() ? tr("sparse %1").arg(qs(std::string(dataTypeName(t.dataType))))
                                : qs(std::string(dataTypeName(t.dataType)));
        case DetailColumn:
            return dimsText(t.dims);
        }
        return {};
    }
    if (role == IdRole)
        return QVariant::fromValue<quint64>(t.id);
    return {};
}

QVariant ModelOutlineModel::nodeChildData(int nodeRow, int childRow, int column, int role) const
{
    const Node& n = *model_->graph->nodes()[nodeRow];
    const int nIn = int(n.inputs().size());
    const int nOut = int(n.outputs().size());

    if (childRow < nIn + nOut) {
        const bool isInput = childRow < nIn;
        const int slot = isInput ? childRow : childRow - nIn;
        const Value* v = isInput ? n.inputs()[slot] : n.outputs()[slot];
        if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
            switch (column) {
            case NameColumn:
                // An optional input left out: keep the slot so positions match the op's signature.
                return v ? qs(v->name()) : tr("(none)");
            case TypeColumn:
                return isInput ? tr("input %1").arg(slot) : tr("output %1").arg(slot);
            case DetailColumn: {
                if (!v)
                    return {};
                const auto [type, shape] = typeAndShape(v);
                return shape.isEmpty() ? type : type + shape;
            }
            }
            return {};
        }
        if (role == Qt::ForegroundRole && (column == TypeColumn || !v))
            return muted();
        if (role == IdRole && v)
            return QVariant::fromValue<quint64>(v->id());
        return {};
    }

    const Attribute& a = n.attributes[childRow - nIn - nOut];
    if (role == Qt::DisplayRole) {
        switch (column) {
        case NameColumn:
            return qs(a.name);
        case TypeColumn:
            return tr("attribute");
        case DetailColumn:
            return qs(a.valueText());
        }
        return {};
    }
    if (role == Qt::ToolTipRole) {
        // The longer form, so a clipped list can still be read in full.
        QString tip = qs(a.name + " = " + a.valueText(256));
        if (!a.docString.empty())
            tip += QLatin1Char('\n') + qs(a.docString);
        return tip;
    }
    if (role == Qt::ForegroundRole && column == TypeColumn)
        return muted();
    return {};
}

} // namespace nodus
