#include "converters.h"

#include "onnxconverter.h"

#include "ir/model.h"
#include "ir/tensor.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

namespace nodus {

namespace {

std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// MindIR -> ONNX. MindSpore graphs are NCHW like ONNX; the differences are
// tuples (MakeTuple / TupleGetItem, ops with tuple results), constants as
// Constant nodes feeding ops (shapes, axes, permutations), and attributes
// that are 4-tuples where ONNX has spatial pairs.
class MindirToOnnx final : public OnnxConverter {
public:
    MindirToOnnx(const Model& model, OnnxBuilder& b, OnnxExportReport& report, bool partial)
        : OnnxConverter(model, b, report, partial, "mindspore")
    {
        for (auto [ms, onnx] : std::initializer_list<std::pair<const char*, const char*>> { { "Add", "Add" },
                 { "Sub", "Sub" }, { "Mul", "Mul" }, { "RealDiv", "Div" }, { "Div", "Div" }, { "Maximum", "Max" },
                 { "Minimum", "Min" }, { "Pow", "Pow" }, { "Equal", "Equal" }, { "Less", "Less" },
                 { "Greater", "Greater" }, { "LessEqual", "LessOrEqual" }, { "GreaterEqual", "GreaterOrEqual" },
                 { "LogicalAnd", "And" }, { "LogicalOr", "Or" } })
            table_[ms] = binary(onnx);
        for (auto [ms, onnx] : std::initializer_list<std::pair<const char*, const char*>> { { "Neg", "Neg" },
                 { "Abs", "Abs" }, { "Exp", "Exp" }, { "Log", "Log" }, { "Sqrt", "Sqrt" },
                 { "Reciprocal", "Reciprocal" }, { "Floor", "Floor" }, { "Ceil", "Ceil" }, { "Sin", "Sin" },
                 { "Cos", "Cos" }, { "ReLU", "Relu" }, { "Sigmoid", "Sigmoid" }, { "Tanh", "Tanh" }, { "Erf", "Erf" },
                 { "Softplus", "Softplus" }, { "Elu", "Elu" }, { "LogicalNot", "Not" }, { "Sign", "Sign" } })
            table_[ms] = unary(onnx);
        for (const char* alias : { "Identity", "Depend", "Load", "Dropout2D" })
            table_[alias] = [this](const Node& n) { return passThrough(n); };
        table_["UpdateState"] = [](const Node&) { return std::vector<std::string> { "" }; };
        table_["Constant"] = [this](const Node& n) { return constant(n); };
        table_["MakeTuple"] = [this](const Node& n) { return makeTuple(n); };
        table_["TupleGetItem"] = [this](const Node& n) { return tupleGetItem(n); };
        table_["Rsqrt"] = [this](const Node& n) { return rsqrt(n); };
        table_["Square"] = [this](const Node& n) { return square(n); };
        table_["ReLU6"] = [this](const Node& n) { return relu6(n); };
        table_["GeLU"] = table_["GELU"] = [this](const Node& n) { return gelu(n); };
        table_["Softmax"] = [this](const Node& n) { return softmax(n, "Softmax"); };
        table_["LogSoftmax"] = [this](const Node& n) { return softmax(n, "LogSoftmax"); };
        table_["MatMul"] = table_["BatchMatMul"] = [this](const Node& n) { return matmul(n); };
        table_["BiasAdd"] = [this](const Node& n) { return biasAdd(n); };
        table_["Conv2D"] = [this](const Node& n) { return conv2d(n); };
        table_["MaxPool"] = [this](const Node& n) { return pool(n, "MaxPool"); };
        table_["AvgPool"] = [this](const Node& n) { return pool(n, "AveragePool"); };
        table_["BatchNorm"] = [this](const Node& n) { return batchNorm(n); };
        table_["Reshape"] = [this](const Node& n) { return reshape(n); };
        table_["Transpose"] = [this](const Node& n) { return transpose(n); };
        table_["Flatten"] = [this](const Node& n) { return flatten(n); };
        table_["Squeeze"] = [this](const Node& n) { return squeeze(n); };
        table_["ExpandDims"] = [this](const Node& n) { return expandDims(n); };
        table_["Concat"] = [this](const Node& n) { return concat(n); };
        table_["Gather"] = table_["GatherV2"] = [this](const Node& n) { return gather(n); };
        for (auto [ms, onnx] : std::initializer_list<std::pair<const char*, const char*>> {
                 { "ReduceMean", "ReduceMean" }, { "ReduceSum", "ReduceSum" }, { "ReduceMax", "ReduceMax" },
                 { "ReduceMin", "ReduceMin" }, { "ReduceProd", "ReduceProd" } })
            table_[ms] = [this, onnx = std::string(onnx)](const Node& n) { return reduce(n, onnx); };
        table_["Dropout"] = [this](const Node& n) { return dropout(n); };
        table_["ZerosLike"] = table_["hyper_map[zeros_like_leaf]"] = [this](const Node& n) { return filled(n, 0); };
        table_["OnesLike"] = table_["hyper_map[ones_like_leaf]"] = [this](const Node& n) { return filled(n, 1); };
        table_["ReluGrad"] = [this](const Node& n) { return reluGrad(n); };
        table_["DropoutDoMask"] = [this](const Node& n) { return dropoutDoMask(n); };
    }

    void run() override
    {
        const Graph& g = *model_.graph;
        // Ops that fix the type of an untyped input (bprop graphs store none).
        std::unordered_map<const Value*, DataType> hints;
        for (const auto& n : g.nodes())
            if (n->opType == "DropoutDoMask" && n->inputs().size() >= 3) {
                if (n->inputs()[1])
                    hints.emplace(n->inputs()[1], DataType::UInt8);
                if (n->inputs()[2])
                    hints.emplace(n->inputs()[2], DataType::Float);
            }
        for (const Value* in : g.inputs) {
            if (in->initializer)
                continue;
            DataType type = in->type.elementType;
            std::vector<Dim> dims = in->type.shape.dims;
            const std::string onnxName = b_.fresh(shortName(in->name()));
            if (in->type.kind != ValueType::Kind::Tensor || type == DataType::Undefined || !in->type.shape.rankKnown) {
                // ONNX inputs need a type and a rank; the file gives neither.
                auto h = hints.find(in);
                if (type == DataType::Undefined)
                    type = h != hints.end() ? h->second : DataType::Float;
                dims = { Dim::symbolic(onnxName + "_size") };
                note("inputs the file leaves untyped become 1-D tensors of any length, of the element type their "
                     "use implies (float32 otherwise)");
            }
            b_.addInput(onnxName, type, dims, true);
            bind(in, onnxName);
        }
        convertNodes(g);
        for (const Value* out : g.outputs) {
            std::vector<std::string> flat;
            flatten(out, flat);
            for (auto& name : flat)
                b_.addOutput(outputName(name, out->name()));
        }
    }

private:
    // An element of a tuple: an IR value (kept lazy: constants stay
    // constants) or an ONNX value an op produced.
    struct Elem {
        const Value* value = nullptr;
        std::string onnx;
    };

    // "graph.1:x" -> "x": MindIR prefixes names with their graph.
    static std::string shortName(const std::string& name)
    {
        const auto at = name.rfind(':');
        return at == std::string::npos || at + 1 == name.size() ? name : name.substr(at + 1);
    }

    std::string outputName(const std::string& n, const std::string& irName)
    {
        bool producedByNode = false;
        for (const auto& node : b_.graph().node())
            for (const auto& o : node.output())
                producedByNode = producedByNode || o == n;
        if (producedByNode && !outputs_.count(n)) {
            outputs_.insert(n);
            return n;
        }
        auto id = b_.op("Identity", { n }, shortName(irName));
        outputs_.insert(id);
        return id;
    }

    void flatten(const Value* v, std::vector<std::string>& out, int depth = 0)
    {
        if (depth > 64)
            throw UnsupportedOp { "tuples nested too deep" };
        if (auto it = tuples_.find(v); it != tuples_.end()) {
            for (const auto& e : it->second) {
                if (e.value)
                    flatten(e.value, out, depth + 1);
                else
                    out.push_back(e.onnx);
            }
            return;
        }
        out.push_back(name(v));
    }

    const Handler* handlerFor(const Node& n) const override
    {
        auto it = table_.find(n.opType);
        if (it != table_.end())
            return &it->second;
        for (const auto& f : model_.functions)
            if (f.name == n.opType
                || (n.opType == "Call" && !n.inputs().empty() && n.inputs()[0] && n.inputs()[0]->name() == f.name))
                return &callHandler_;
        return nullptr;
    }

    std::string materialize(const Value* v) override
    {
        if (auto it = literals_.find(v); it != literals_.end())
            return literalTensor(*it->second, DataType::Undefined, v->name());
        if (tuples_.count(v))
            throw UnsupportedOp { "a tuple is used where a tensor is expected" };
        return OnnxConverter::materialize(v);
    }

    // A Constant's value as an ONNX tensor; numbers take `like`'s type.
    std::string literalTensor(const Attribute& a, DataType like, const std::string& hintName)
    {
        switch (a.type) {
        case AttributeType::Tensor:
            if (!a.tensors.empty() && a.tensors.front())
                return b_.initializer(*a.tensors.front(), shortName(hintName));
            break;
        case AttributeType::Int:
            return b_.scalar(
                like == DataType::Undefined ? DataType::Int64 : like, static_cast<double>(a.i), shortName(hintName));
        case AttributeType::Float:
            return b_.scalar(like == DataType::Undefined ? DataType::Float : like, a.f, shortName(hintName));
        case AttributeType::Ints:
            return b_.ints(a.ints, shortName(hintName));
        default:
            break;
        }
        throw UnsupportedOp { "a constant " + std::string(attributeTypeName(a.type)) + " (" + a.valueText()
            + ") used as a tensor" };
    }

    const Attribute* literal(const Node& n, std::size_t k) const
    {
        if (k >= n.inputs().size() || !n.inputs()[k])
            return nullptr;
        auto it = literals_.find(n.inputs()[k]);
        return it == literals_.end() ? nullptr : it->second;
    }

    std::vector<std::int64_t> literalInts(const Node& n, std::size_t k, const char* what) const
    {
        const Attribute* a = literal(n, k);
        if (!a)
            throw UnsupportedOp { "its " + std::string(what) + " is computed, not a constant" };
        if (a->type == AttributeType::Ints)
            return a->ints;
        if (a->type == AttributeType::Int)
            return { a->i };
        if (a->type == AttributeType::Tensor && !a->tensors.empty() && a->tensors.front()->data) {
            const Tensor& t = *a->tensors.front();
            const auto bytes = t.data->bytes();
            std::vector<std::int64_t> out;
            if (t.dataType == DataType::Int64)
                for (std::size_t i = 0; i + 8 <= bytes.size(); i += 8) {
                    std::int64_t v;
                    std::memcpy(&v, bytes.data() + i, 8);
                    out.push_back(v);
                }
            else if (t.dataType == DataType::Int32)
                for (std::size_t i = 0; i + 4 <= bytes.size(); i += 4) {
                    std::int32_t v;
                    std::memcpy(&v, bytes.data() + i, 4);
                    out.push_back(v);
                }
            else
                throw UnsupportedOp { "its " + std::string(what) + " is a " + std::string(dataTypeName(t.dataType))
                    + " tensor" };
            return out;
        }
        throw UnsupportedOp { "its " + std::string(what) + " is " + a->valueText() };
    }

    // An operand that may be a Constant: numbers take the other operand's type.
    std::string operand(const Node& n, std::size_t k, const std::string& other)
    {
        if (const Attribute* a = literal(n, k); a && (a->type == AttributeType::Int || a->type == AttributeType::Float))
            return literalTensor(
                *a, other.empty() ? DataType::Undefined : b_.elementType(other), n.inputs()[k]->name());
        return input(n, k);
    }

    Handler unary(std::string op)
    {
        return
            [this, op](const Node& n) -> std::vector<std::string> { return { b_.op(op, { input(n, 0) }, hint(n)) }; };
    }

    Handler binary(std::string op)
    {
        return [this, op](const Node& n) -> std::vector<std::string> {
            const bool firstLiteral = literal(n, 0) != nullptr;
            std::string a, c;
            if (firstLiteral) {
                c = input(n, 1);
                a = operand(n, 0, c);
            } else {
                a = input(n, 0);
                c = operand(n, 1, a);
            }
            return { b_.op(op, { a, c }, hint(n)) };
        };
    }

    std::vector<std::string> passThrough(const Node& n)
    {
        if (n.inputs().empty() || !n.inputs()[0])
            throw UnsupportedOp { "it has no input" };
        const Value* x = n.inputs()[0];
        if (tuples_.count(x) && !n.outputs().empty() && n.outputs()[0]) {
            tuples_[n.outputs()[0]] = tuples_[x];
            return { "" };
        }
        if (literals_.count(x) && !n.outputs().empty() && n.outputs()[0]) {
            literals_[n.outputs()[0]] = literals_[x];
            return { "" };
        }
        return { input(n, 0) };
    }

    std::vector<std::string> constant(const Node& n)
    {
        const Attribute* a = n.attribute("value");
        if (!a || n.outputs().empty() || !n.outputs()[0])
            throw UnsupportedOp { "a constant without a value" };
        if (a->type == AttributeType::String || a->type == AttributeType::Strings)
            throw UnsupportedOp { "a Python name (" + a->valueText() + "), not a tensor" };
        literals_[n.outputs()[0]] = a;
        return { "" };
    }

    std::vector<std::string> makeTuple(const Node& n)
    {
        std::vector<Elem> elems;
        for (const Value* v : n.inputs())
            elems.push_back({ v, {} });
        if (!n.outputs().empty() && n.outputs()[0])
            tuples_[n.outputs()[0]] = std::move(elems);
        return { "" };
    }

    std::vector<std::string> tupleGetItem(const Node& n)
    {
        const auto idx = literalInts(n, 1, "index");
        if (n.inputs().empty() || !n.inputs()[0] || idx.size() != 1)
            throw UnsupportedOp { "an index that is not one number" };
        auto it = tuples_.find(n.inputs()[0]);
        if (it == tuples_.end())
            throw UnsupportedOp { "its input is not a tuple the converter built" };
        const auto& elems = it->second;
        const std::int64_t k = idx[0] < 0 ? idx[0] + static_cast<std::int64_t>(elems.size()) : idx[0];
        if (k < 0 || k >= static_cast<std::int64_t>(elems.size()))
            throw UnsupportedOp { "index " + std::to_string(idx[0]) + " outside a tuple of "
                + std::to_string(elems.size()) };
        const Elem& e = elems[static_cast<std::size_t>(k)];
        if (!e.value)
            return { e.onnx };
        const Value* out = n.outputs().empty() ? nullptr : n.outputs()[0];
        if (out && tuples_.count(e.value)) {
            tuples_[out] = tuples_[e.value];
            return { "" };
        }
        if (out && literals_.count(e.value)) {
            literals_[out] = literals_[e.value];
            return { "" };
        }
        return { name(e.value) };
    }

    std::vector<std::string> rsqrt(const Node& n)
    {
        auto s = b_.op("Sqrt", { input(n, 0) }, hint(n) + "_sqrt");
        return { b_.op("Reciprocal", { s }, hint(n)) };
    }

    std::vector<std::string> square(const Node& n)
    {
        const auto x = input(n, 0);
        return { b_.op("Mul", { x, x }, hint(n)) };
    }

    std::vector<std::string> relu6(const Node& n)
    {
        const auto x = input(n, 0);
        const DataType t = b_.elementType(x);
        return { b_.op("Clip", { x, b_.scalar(t, 0, hint(n) + "_min"), b_.scalar(t, 6, hint(n) + "_max") }, hint(n)) };
    }

    std::vector<std::string> gelu(const Node& n)
    {
        // 0.5 * x * (1 + erf(x / sqrt(2)))
        const auto x = input(n, 0);
        const DataType t = b_.elementType(x);
        const std::string h = hint(n);
        auto scaled = b_.op("Div", { x, b_.scalar(t, std::sqrt(2.0), h + "_sqrt2") }, h + "_scaled");
        auto e = b_.op("Erf", { scaled }, h + "_erf");
        auto one = b_.op("Add", { e, b_.scalar(t, 1.0, h + "_one") }, h + "_plus1");
        auto half = b_.op("Mul", { x, b_.scalar(t, 0.5, h + "_half") }, h + "_halfx");
        return { b_.op("Mul", { half, one }, h) };
    }

    std::int64_t axisOf(const Node& n, std::int64_t fallback)
    {
        const auto axes = intsAttr(n, "axis");
        if (axes.empty())
            return fallback;
        if (axes.size() != 1)
            throw UnsupportedOp { "more than one axis" };
        return axes[0];
    }

    std::vector<std::string> softmax(const Node& n, const char* op)
    {
        onnx::NodeProto* node = nullptr;
        auto y = b_.op(op, { input(n, 0) }, hint(n), &node);
        OnnxBuilder::setAttr(*node, "axis", axisOf(n, -1));
        return { y };
    }

    std::string swapLastTwo(const std::string& x, const std::string& h)
    {
        const auto r = b_.rank(x);
        if (!r || *r < 2)
            throw UnsupportedOp { "a transposed operand of unknown rank" };
        std::vector<std::int64_t> perm(*r);
        for (int k = 0; k < *r; ++k)
            perm[k] = k;
        std::swap(perm[*r - 1], perm[*r - 2]);
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("Transpose", { x }, h, &node);
        OnnxBuilder::setAttr(*node, "perm", perm);
        return y;
    }

    std::vector<std::string> matmul(const Node& n)
    {
        auto a = input(n, 0), c = input(n, 1);
        const std::string h = hint(n);
        if (intAttr(n, "transpose_a", intAttr(n, "transpose_x1", 0)))
            a = swapLastTwo(a, h + "_aT");
        if (intAttr(n, "transpose_b", intAttr(n, "transpose_x2", 0)))
            c = swapLastTwo(c, h + "_bT");
        return { b_.op("MatMul", { a, c }, h) };
    }

    bool channelsLast(const Node& n) const
    {
        const std::string f = stringAttr(n, "format", stringAttr(n, "data_format", "NCHW"));
        return f == "NHWC";
    }

    std::vector<std::string> biasAdd(const Node& n)
    {
        const auto x = input(n, 0), bias = input(n, 1);
        const std::string h = hint(n);
        if (channelsLast(n))
            return { b_.op("Add", { x, bias }, h) };
        const auto r = b_.rank(x);
        if (!r)
            throw UnsupportedOp { "its input's rank is not known" };
        if (*r <= 2)
            return { b_.op("Add", { x, bias }, h) };
        std::vector<std::int64_t> shape { -1 };
        shape.resize(static_cast<std::size_t>(*r - 1), 1);
        auto b2 = b_.op("Reshape", { bias, b_.ints(shape, h + "_bias_shape") }, h + "_bias");
        return { b_.op("Add", { x, b2 }, h) };
    }

    // "same", "valid", "pad" as text, or MindSpore's PadMode numbers.
    std::string padMode(const Node& n) const
    {
        const Attribute* a = n.attribute("pad_mode");
        if (!a)
            return "valid";
        if (a->type == AttributeType::String)
            return lower(a->s);
        if (a->type == AttributeType::Int)
            return a->i == 0 ? "pad" : a->i == 1 ? "same" : "valid";
        return "valid";
    }

    static std::vector<std::int64_t> spatialPair(std::vector<std::int64_t> v, std::int64_t fallback)
    {
        if (v.empty())
            return { fallback, fallback };
        if (v.size() == 1)
            return { v[0], v[0] };
        return { v[v.size() - 2], v[v.size() - 1] };
    }

    void setPadding(const Node& n, onnx::NodeProto& node)
    {
        const std::string mode = padMode(n);
        if (mode == "same") {
            OnnxBuilder::setAttr(node, "auto_pad", std::string("SAME_UPPER"));
        } else if (mode == "pad") {
            auto p = intsAttr(n, "pad_list");
            if (p.empty())
                p = intsAttr(n, "pad");
            if (p.size() == 1)
                p.assign(4, p[0]);
            if (p.size() != 4)
                throw UnsupportedOp { "padding of " + std::to_string(p.size()) + " numbers" };
            // MindSpore: top, bottom, left, right; ONNX: begins then ends.
            OnnxBuilder::setAttr(node, "pads", std::vector<std::int64_t> { p[0], p[2], p[1], p[3] });
        } else if (mode != "valid") {
            throw UnsupportedOp { "pad mode '" + mode + "'" };
        }
    }

    std::vector<std::string> conv2d(const Node& n)
    {
        if (channelsLast(n))
            throw UnsupportedOp { "NHWC convolution" };
        const auto x = input(n, 0), w = input(n, 1);
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("Conv", { x, w }, hint(n), &node);
        if (auto k = intsAttr(n, "kernel_size"); !k.empty())
            OnnxBuilder::setAttr(*node, "kernel_shape", spatialPair(k, 1));
        OnnxBuilder::setAttr(*node, "strides", spatialPair(intsAttr(n, "stride"), 1));
        OnnxBuilder::setAttr(*node, "dilations", spatialPair(intsAttr(n, "dilation"), 1));
        OnnxBuilder::setAttr(*node, "group", intAttr(n, "group", intAttr(n, "groups", 1)));
        setPadding(n, *node);
        return { y };
    }

    std::vector<std::string> pool(const Node& n, const char* op)
    {
        if (channelsLast(n))
            throw UnsupportedOp { "NHWC pooling" };
        onnx::NodeProto* node = nullptr;
        auto y = b_.op(op, { input(n, 0) }, hint(n), &node);
        OnnxBuilder::setAttr(*node, "kernel_shape", spatialPair(intsAttr(n, "kernel_size"), 1));
        OnnxBuilder::setAttr(*node, "strides", spatialPair(intsAttr(n, "strides"), 1));
        setPadding(n, *node);
        return { y };
    }

    std::vector<std::string> batchNorm(const Node& n)
    {
        if (intAttr(n, "is_training", 0))
            note("BatchNorm nodes saved in training mode are converted with their moving statistics");
        std::vector<std::string> in;
        for (std::size_t k = 0; k < 5; ++k)
            in.push_back(input(n, k));
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("BatchNormalization", in, hint(n), &node);
        OnnxBuilder::setAttr(*node, "epsilon", static_cast<float>(floatAttr(n, "epsilon", 1e-5)));
        // MindSpore's BatchNorm gives (y, mean, variance, reserve, reserve).
        if (!n.outputs().empty() && n.outputs()[0])
            tuples_[n.outputs()[0]]
                = { { nullptr, y }, { nullptr, in[3] }, { nullptr, in[4] }, { nullptr, in[3] }, { nullptr, in[4] } };
        return { "" };
    }

    std::vector<std::string> reshape(const Node& n)
    {
        const auto x = input(n, 0);
        std::string shape;
        if (literal(n, 1)) {
            shape = b_.ints(literalInts(n, 1, "shape"), hint(n) + "_shape");
        } else {
            onnx::NodeProto* cast = nullptr;
            shape = b_.op("Cast", { input(n, 1) }, hint(n) + "_shape", &cast);
            OnnxBuilder::setAttr(*cast, "to", static_cast<std::int64_t>(DataType::Int64));
        }
        return { b_.op("Reshape", { x, shape }, hint(n)) };
    }

    std::vector<std::string> transpose(const Node& n)
    {
        const auto x = input(n, 0);
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("Transpose", { x }, hint(n), &node);
        OnnxBuilder::setAttr(*node, "perm", literalInts(n, 1, "permutation"));
        return { y };
    }

    std::vector<std::string> flatten(const Node& n)
    {
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("Flatten", { input(n, 0) }, hint(n), &node);
        OnnxBuilder::setAttr(*node, "axis", std::int64_t { 1 });
        return { y };
    }

    std::vector<std::string> squeeze(const Node& n)
    {
        const auto axes = intsAttr(n, "axis");
        if (axes.empty())
            return { b_.op("Squeeze", { input(n, 0) }, hint(n)) };
        return { b_.op("Squeeze", { input(n, 0), b_.ints(axes, hint(n) + "_axes") }, hint(n)) };
    }

    std::vector<std::string> expandDims(const Node& n)
    {
        const auto axis = literalInts(n, 1, "axis");
        return { b_.op("Unsqueeze", { input(n, 0), b_.ints(axis, hint(n) + "_axes") }, hint(n)) };
    }

    std::vector<std::string> concat(const Node& n)
    {
        std::vector<std::string> parts;
        if (n.inputs().size() == 1 && n.inputs()[0] && tuples_.count(n.inputs()[0]))
            flatten(n.inputs()[0], parts);
        else
            for (std::size_t k = 0; k < n.inputs().size(); ++k)
                parts.push_back(input(n, k));
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("Concat", parts, hint(n), &node);
        OnnxBuilder::setAttr(*node, "axis", axisOf(n, 0));
        return { y };
    }

    std::vector<std::string> gather(const Node& n)
    {
        const auto axis = n.inputs().size() > 2 ? literalInts(n, 2, "axis") : std::vector<std::int64_t> { 0 };
        if (axis.size() != 1)
            throw UnsupportedOp { "an axis that is not one number" };
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("Gather", { input(n, 0), input(n, 1) }, hint(n), &node);
        OnnxBuilder::setAttr(*node, "axis", axis[0]);
        return { y };
    }

    std::vector<std::string> reduce(const Node& n, const std::string& op)
    {
        const auto x = input(n, 0);
        std::vector<std::int64_t> axes;
        if (n.inputs().size() > 1)
            axes = literalInts(n, 1, "axis");
        else
            axes = intsAttr(n, "axis");
        const std::int64_t keep = intAttr(n, "keep_dims", 0) ? 1 : 0;
        onnx::NodeProto* node = nullptr;
        std::string y;
        if (op == "ReduceSum") {
            std::vector<std::string> ins { x };
            if (!axes.empty())
                ins.push_back(b_.ints(axes, hint(n) + "_axes"));
            y = b_.op(op, ins, hint(n), &node);
        } else {
            y = b_.op(op, { x }, hint(n), &node);
            if (!axes.empty())
                OnnxBuilder::setAttr(*node, "axes", axes);
        }
        OnnxBuilder::setAttr(*node, "keepdims", keep);
        return { y };
    }

    std::vector<std::string> dropout(const Node& n)
    {
        note("Dropout is removed: the ONNX model is for inference");
        const auto x = input(n, 0);
        if (!n.outputs().empty() && n.outputs()[0])
            tuples_[n.outputs()[0]] = { { nullptr, x }, { nullptr, filledLike(x, 1, hint(n) + "_mask") } };
        return { "" };
    }

    std::string filledLike(const std::string& x, double value, const std::string& h)
    {
        DataType t = b_.elementType(x);
        if (t == DataType::Undefined)
            t = DataType::Float;
        auto shape = b_.op("Shape", { x }, h + "_shape");
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("ConstantOfShape", { shape }, h, &node);
        auto* a = node->add_attribute();
        a->set_name("value");
        a->set_type(onnx::AttributeProto::TENSOR);
        *a->mutable_t() = OnnxBuilder::scalarTensor(t, value);
        a->mutable_t()->add_dims(1);
        return y;
    }

    std::vector<std::string> filled(const Node& n, double value)
    {
        if (n.inputs().size() == 1 && n.inputs()[0] && literals_.count(n.inputs()[0]))
            throw UnsupportedOp { "zeros or ones like a constant" };
        return { filledLike(input(n, 0), value, hint(n)) };
    }

    // dx = dy where y > 0, else 0.
    std::vector<std::string> reluGrad(const Node& n)
    {
        const auto dy = input(n, 0), y = input(n, 1);
        const std::string h = hint(n);
        const DataType t = b_.elementType(y);
        auto positive = b_.op("Greater", { y, b_.scalar(t, 0, h + "_zero") }, h + "_positive");
        return { b_.op("Where", { positive, dy, b_.scalar(b_.elementType(dy), 0, h + "_dzero") }, h) };
    }

    // x * bit(mask, i) / keep_prob: the mask holds one bit per element of x,
    // little-endian within each byte.
    std::vector<std::string> dropoutDoMask(const Node& n)
    {
        const auto x = input(n, 0), mask = input(n, 1), keep = input(n, 2);
        const std::string h = hint(n);
        if (b_.elementType(mask) != DataType::UInt8)
            throw UnsupportedOp { "a mask that is not uint8 bytes" };
        auto flat = b_.op("Reshape", { x, b_.ints({ -1 }, h + "_flat_shape") }, h + "_flat");
        auto count = b_.op("Shape", { flat }, h + "_count_1d");
        auto countScalar = b_.op("Squeeze", { count, b_.ints({ 0 }, h + "_axis0") }, h + "_count");
        auto index = b_.op("Range",
            { b_.scalar(DataType::Int64, 0, h + "_start"), countScalar, b_.scalar(DataType::Int64, 1, h + "_delta") },
            h + "_index");
        auto byteIndex = b_.op("Div", { index, b_.scalar(DataType::Int64, 8, h + "_eight") }, h + "_byte_index");
        auto maskFlat = b_.op("Reshape", { mask, b_.ints({ -1 }, h + "_mask_shape") }, h + "_mask_flat");
        auto bytes = b_.op("Gather", { maskFlat, byteIndex }, h + "_bytes");
        auto bit = b_.op("Mod", { index, b_.scalar(DataType::Int64, 8, h + "_eight2") }, h + "_bit_index");
        onnx::NodeProto* cast = nullptr;
        auto bitU8 = b_.op("Cast", { bit }, h + "_bit_u8", &cast);
        OnnxBuilder::setAttr(*cast, "to", static_cast<std::int64_t>(DataType::UInt8));
        onnx::NodeProto* shiftNode = nullptr;
        auto shifted = b_.op("BitShift", { bytes, bitU8 }, h + "_shifted", &shiftNode);
        OnnxBuilder::setAttr(*shiftNode, "direction", std::string("RIGHT"));
        auto kept = b_.op("Mod", { shifted, b_.scalar(DataType::UInt8, 2, h + "_two") }, h + "_kept_u8");
        DataType t = b_.elementType(x);
        if (t == DataType::Undefined)
            t = DataType::Float;
        onnx::NodeProto* toX = nullptr;
        auto keptX = b_.op("Cast", { kept }, h + "_kept", &toX);
        OnnxBuilder::setAttr(*toX, "to", static_cast<std::int64_t>(t));
        auto masked = b_.op("Mul", { flat, keptX }, h + "_masked");
        auto scaled = b_.op("Div", { masked, keep }, h + "_scaled");
        auto shape = b_.op("Shape", { x }, h + "_shape");
        return { b_.op("Reshape", { scaled, shape }, h) };
    }

    std::unordered_map<std::string, Handler> table_;
    Handler callHandler_ = [](const Node& n) -> std::vector<std::string> {
        throw UnsupportedOp { "calls the function graph '" + n.opType
            + "'; MindSpore's graph calls (Switch, Call, partial application) are not converted" };
    };
    std::unordered_map<const Value*, const Attribute*> literals_;
    std::unordered_map<const Value*, std::vector<Elem>> tuples_;
    std::unordered_set<std::string> outputs_;
};

} // namespace

std::unique_ptr<OnnxConverter> makeMindirToOnnx(
    const Model& model, OnnxBuilder& b, OnnxExportReport& report, bool partial)
{
    return std::make_unique<MindirToOnnx>(model, b, report, partial);
}

} // namespace nodus
