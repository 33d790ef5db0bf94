#include "onnxconverter.h"

#include "ir/graph.h"
#include "ir/model.h"
#include "ir/ownedtensordata.h"
#include "ir/tensorvalues.h"

#include <algorithm>
#include <cstring>

namespace nodus {

OnnxConverter::OnnxConverter(
    const Model& model, OnnxBuilder& builder, OnnxExportReport& report, bool partial, std::string customDomain)
    : model_(model)
    , b_(builder)
    , report_(report)
    , partial_(partial)
    , customDomain_(std::move(customDomain))
{
}

std::vector<bool> OnnxConverter::liveNodes(const Graph& graph)
{
    // Backwards from the outputs; nodes nothing reads are not converted.
    std::unordered_map<const Node*, std::size_t> index;
    for (std::size_t k = 0; k < graph.nodes().size(); ++k)
        index[graph.nodes()[k].get()] = k;
    std::vector<bool> live(graph.nodes().size(), false);
    std::vector<const Node*> stack;
    for (const Value* out : graph.outputs)
        if (out && out->producer())
            stack.push_back(out->producer());
    while (!stack.empty()) {
        const Node* n = stack.back();
        stack.pop_back();
        auto it = index.find(n);
        if (it == index.end() || live[it->second])
            continue;
        live[it->second] = true;
        for (const Value* in : n->inputs())
            if (in && in->producer())
                stack.push_back(in->producer());
    }
    return live;
}

void OnnxConverter::convertNodes(const Graph& graph)
{
    const auto live = liveNodes(graph);
    std::size_t dead = 0;
    for (std::size_t index = 0; index < graph.nodes().size(); ++index) {
        const Node& n = *graph.nodes()[index];
        if (!live[index]) {
            ++dead;
            continue;
        }
        ++report_.nodesIn;
        bool downstream = false;
        for (const Value* in : n.inputs())
            if (in && bound(in) && tainted_.count(names_.at(in)))
                downstream = true;
        const Handler* h = handlerFor(n);
        std::string reason;
        if (!h) {
            reason = "no ONNX mapping for this op";
        } else {
            try {
                auto outs = (*h)(n);
                for (std::size_t k = 0; k < n.outputs().size() && k < outs.size(); ++k)
                    if (n.outputs()[k] && !outs[k].empty()) {
                        bind(n.outputs()[k], outs[k]);
                        if (downstream)
                            tainted_.insert(outs[k]);
                    }
                continue;
            } catch (const UnsupportedOp& e) {
                reason = e.reason;
            }
        }
        // An op with a mapping that failed only because an input comes from
        // an op kept as a custom one is a consequence, not a blocker.
        if (!h || !downstream)
            report_.unsupported.push_back({ n.opType, n.name, reason });
        customNode(n);
    }
    if (dead)
        note(std::to_string(dead) + (dead == 1 ? " node" : " nodes") + " that no output depends on "
            + (dead == 1 ? "was" : "were") + " left out");
}

bool OnnxConverter::bound(const Value* v) const
{
    return names_.count(v) != 0;
}

std::string OnnxConverter::name(const Value* v)
{
    if (auto it = names_.find(v); it != names_.end())
        return it->second;
    std::string n = materialize(v);
    names_[v] = n;
    return n;
}

std::string OnnxConverter::materialize(const Value* v)
{
    if (v->initializer)
        return b_.initializer(*v->initializer, v->name());
    // A value captured from an enclosing graph: the same name there.
    for (const Graph* g = v->graph() ? v->graph()->parent() : nullptr; g; g = g->parent())
        if (const Value* outer = g->findValue(v->name()))
            return name(outer);
    throw UnsupportedOp { "its input '" + v->name() + "' has no producer the converter knows" };
}

std::string OnnxConverter::input(const Node& n, std::size_t k)
{
    if (k >= n.inputs().size() || !n.inputs()[k])
        throw UnsupportedOp { "input " + std::to_string(k) + " is missing" };
    return name(n.inputs()[k]);
}

void OnnxConverter::customNode(const Node& n)
{
    std::vector<std::string> ins;
    for (const Value* v : n.inputs()) {
        if (!v) {
            ins.emplace_back();
            continue;
        }
        try {
            ins.push_back(name(v));
        } catch (const UnsupportedOp&) {
            // Not produced yet: a recurrence's back edge. ONNX graphs have
            // no cycles, so the edge is cut and the value becomes an input.
            const std::string cut = b_.fresh(v->name() + "_previous");
            const auto t = declaredType(v).value_or(OnnxValueType { DataType::Float, false, {} });
            std::vector<Dim> dims;
            for (auto d : t.dims)
                dims.push_back(d >= 0 ? Dim::known(d) : Dim::symbolic("N"));
            b_.addInput(cut, t.elementType, dims, true);
            note("the recurrent edge from '" + v->name() + "' into " + n.opType + " '" + n.name
                + "' is cut: it is the graph input '" + cut + "'");
            ins.push_back(cut);
        }
    }
    std::vector<std::string> outs;
    for (const Value* v : n.outputs()) {
        outs.push_back(b_.fresh(v ? v->name() : "out"));
        tainted_.insert(outs.back());
        if (v) {
            bind(v, outs.back());
            auto t = declaredType(v);
            if (!t && keepsInputType(n) && !n.inputs().empty() && n.inputs()[0])
                t = declaredType(n.inputs()[0]);
            if (t)
                b_.declare(outs.back(), *t);
        }
    }
    auto& node = b_.node(n.opType.empty() ? "Unknown" : n.opType, ins, outs, hint(n));
    node.set_domain(customDomain_);
    b_.useDomain(customDomain_);
    for (const auto& a : n.attributes) {
        switch (a.type) {
        case AttributeType::Int:
            OnnxBuilder::setAttr(node, a.name, a.i);
            break;
        case AttributeType::Float:
            OnnxBuilder::setAttr(node, a.name, static_cast<float>(a.f));
            break;
        case AttributeType::String:
            OnnxBuilder::setAttr(node, a.name, a.s);
            break;
        case AttributeType::Ints:
            OnnxBuilder::setAttr(node, a.name, a.ints);
            break;
        case AttributeType::Floats:
            OnnxBuilder::setAttr(node, a.name, std::vector<float>(a.floats.begin(), a.floats.end()));
            break;
        default:
            break; // tensors and graphs stay with the source file
        }
    }
}

std::optional<OnnxValueType> OnnxConverter::declaredType(const Value* v)
{
    if (!v->type.isTensor() || v->type.elementType == DataType::Undefined || !v->type.shape.rankKnown)
        return std::nullopt;
    OnnxValueType t;
    t.elementType = v->type.elementType;
    t.rankKnown = true;
    for (const Dim& d : v->type.shape.dims)
        t.dims.push_back(d.value.value_or(-1));
    return t;
}

void OnnxConverter::note(const std::string& text)
{
    if (std::find(report_.notes.begin(), report_.notes.end(), text) == report_.notes.end())
        report_.notes.push_back(text);
}

std::int64_t OnnxConverter::intAttr(const Node& n, std::string_view name, std::int64_t fallback)
{
    const Attribute* a = n.attribute(name);
    if (!a)
        return fallback;
    if (a->type == AttributeType::Int)
        return a->i;
    if (a->type == AttributeType::Float)
        return static_cast<std::int64_t>(a->f);
    if (a->type == AttributeType::Ints && a->ints.size() == 1)
        return a->ints[0];
    return fallback;
}

double OnnxConverter::floatAttr(const Node& n, std::string_view name, double fallback)
{
    const Attribute* a = n.attribute(name);
    if (!a)
        return fallback;
    if (a->type == AttributeType::Float)
        return a->f;
    if (a->type == AttributeType::Int)
        return static_cast<double>(a->i);
    return fallback;
}

std::string OnnxConverter::stringAttr(const Node& n, std::string_view name, const std::string& fallback)
{
    const Attribute* a = n.attribute(name);
    return a && a->type == AttributeType::String ? a->s : fallback;
}

std::vector<std::int64_t> OnnxConverter::intsAttr(const Node& n, std::string_view name)
{
    const Attribute* a = n.attribute(name);
    if (!a)
        return {};
    if (a->type == AttributeType::Ints)
        return a->ints;
    if (a->type == AttributeType::Int)
        return { a->i };
    return {};
}

std::string OnnxConverter::hint(const Node& n)
{
    return n.name.empty() ? n.opType : n.name;
}

std::pair<std::int64_t, std::int64_t> OnnxConverter::samePads(
    std::int64_t in, std::int64_t kernel, std::int64_t stride, std::int64_t dilation, bool centred)
{
    stride = std::max<std::int64_t>(stride, 1);
    const std::int64_t window = (kernel - 1) * std::max<std::int64_t>(dilation, 1) + 1;
    const std::int64_t out = (in + stride - 1) / stride;
    const std::int64_t total = std::max<std::int64_t>(0, (out - 1) * stride + window - in);
    std::int64_t begin = centred ? std::min(total, (window - 1) / 2) : total / 2;
    return { begin, total - begin };
}

std::vector<const Tensor*> OnnxConverter::weights(const Node& n)
{
    std::vector<const Tensor*> w;
    for (const Value* v : n.inputs())
        if (v && v->initializer)
            w.push_back(v->initializer.get());
    return w;
}

std::vector<std::string> OnnxConverter::dataInputs(const Node& n)
{
    std::vector<std::string> ins;
    for (std::size_t k = 0; k < n.inputs().size(); ++k)
        if (n.inputs()[k] && !n.inputs()[k]->initializer)
            ins.push_back(input(n, k));
    return ins;
}

std::string OnnxConverter::data(const Node& n)
{
    for (std::size_t k = 0; k < n.inputs().size(); ++k)
        if (n.inputs()[k] && !n.inputs()[k]->initializer)
            return input(n, k);
    throw UnsupportedOp { "it has no data input" };
}

std::vector<float> OnnxConverter::floats(const Tensor& t)
{
    if (!t.data)
        throw UnsupportedOp { "weight '" + t.name + "' has no data" };
    const auto b = t.data->bytes();
    std::vector<float> v;
    if (t.dataType == DataType::Float) {
        v.resize(b.size() / 4);
        std::memcpy(v.data(), b.data(), v.size() * 4);
    } else if (t.dataType == DataType::Float16) {
        v.resize(b.size() / 2);
        for (std::size_t k = 0; k < v.size(); ++k) {
            std::uint16_t bits = 0;
            std::memcpy(&bits, b.data() + 2 * k, 2);
            v[k] = float16ToFloat(bits);
        }
    } else {
        throw UnsupportedOp { "weight '" + t.name + "' is " + std::string(dataTypeName(t.dataType))
            + ", not float32 or float16" };
    }
    if (const auto count = t.elementCount(); count && *count != v.size())
        throw UnsupportedOp { "weight '" + t.name + "' holds fewer values than its shape says" };
    return v;
}

std::string OnnxConverter::constant(
    const std::vector<float>& v, const std::vector<std::int64_t>& dims, const std::string& hint)
{
    Tensor t;
    t.name = hint;
    t.dataType = DataType::Float;
    t.dims = dims;
    std::vector<std::byte> bytes(v.size() * 4);
    std::memcpy(bytes.data(), v.data(), bytes.size());
    t.data = std::make_shared<OwnedTensorData>(std::move(bytes));
    return b_.initializer(t, hint);
}

} // namespace nodus
