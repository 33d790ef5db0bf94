#include "attribute.h"

#include "graph.h"
#include "tensor.h"

#include <charconv>
#include <sstream>

namespace nodus {

std::string_view attributeTypeName(AttributeType type)
{
    switch (type) {
    case AttributeType::Undefined: return "undefined";
    case AttributeType::Float: return "float";
    case AttributeType::Int: return "int";
    case AttributeType::String: return "string";
    case AttributeType::Tensor: return "tensor";
    case AttributeType::Graph: return "graph";
    case AttributeType::SparseTensor: return "sparse_tensor";
    case AttributeType::Type: return "type";
    case AttributeType::Floats: return "floats";
    case AttributeType::Ints: return "ints";
    case AttributeType::Strings: return "strings";
    case AttributeType::Tensors: return "tensors";
    case AttributeType::Graphs: return "graphs";
    case AttributeType::SparseTensors: return "sparse_tensors";
    case AttributeType::Types: return "types";
    }
    return "undefined";
}

namespace {

template <typename T, typename F>
std::string listText(const std::vector<T>& items, std::size_t maxItems, F&& format)
{
    std::ostringstream out;
    out << '[';
    for (std::size_t k = 0; k < items.size() && k < maxItems; ++k) {
        if (k)
            out << ", ";
        out << format(items[k]);
    }
    if (items.size() > maxItems)
        out << ", ... (" << items.size() << " items)";
    out << ']';
    return out.str();
}

std::string tensorText(const std::shared_ptr<Tensor>& t)
{
    if (!t)
        return "<tensor>";
    std::ostringstream out;
    out << (t->isSparse() ? "sparse " : "") << dataTypeName(t->dataType) << '[';
    for (std::size_t k = 0; k < t->dims.size(); ++k)
        out << (k ? "," : "") << t->dims[k];
    out << ']';
    return out.str();
}

// Shortest text that reads back to the same value; values that are exactly
// a float32 (every ONNX float attribute) print as that float: 1e-05, not
// 9.99999975e-06.
std::string numberText(double v)
{
    char buf[64];
    const float f = static_cast<float>(v);
    const auto r = static_cast<double>(f) == v ? std::to_chars(buf, buf + sizeof buf, f)
                                               : std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

} // namespace

std::string Attribute::valueText(std::size_t maxItems) const
{
    switch (type) {
    case AttributeType::Float: return numberText(f);
    case AttributeType::Int: return std::to_string(i);
    case AttributeType::String: return "'" + s + "'";
    case AttributeType::Floats: return listText(floats, maxItems, numberText);
    case AttributeType::Ints: return listText(ints, maxItems, [](auto v) { return std::to_string(v); });
    case AttributeType::Strings: return listText(strings, maxItems, [](const auto& v) { return "'" + v + "'"; });
    case AttributeType::Tensor:
    case AttributeType::SparseTensor:
        return tensors.empty() ? "<tensor>" : tensorText(tensors.front());
    case AttributeType::Tensors:
    case AttributeType::SparseTensors:
        return listText(tensors, maxItems, tensorText);
    case AttributeType::Graph:
        return "<graph " + (graphs.empty() || !graphs.front() ? std::string() : graphs.front()->name) + ">";
    case AttributeType::Graphs:
        return listText(graphs, maxItems, [](const auto& g) { return "<graph " + (g ? g->name : std::string()) + ">"; });
    case AttributeType::Type:
        return types.empty() ? "?" : types.front().toString();
    case AttributeType::Types:
        return listText(types, maxItems, [](const auto& t) { return t.toString(); });
    case AttributeType::Undefined:
        break;
    }
    return refAttrName.empty() ? std::string("?") : "@" + refAttrName;
}

} // namespace nodus
