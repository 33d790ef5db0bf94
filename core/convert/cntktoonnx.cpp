#include "converters.h"

#include "onnxconverter.h"

#include "ir/model.h"
#include "ir/tensor.h"

#include <limits>
#include <numeric>

namespace nodus {

namespace {

// CNTK -> ONNX. A CNTK value is a sample of a static shape carried along
// dynamic axes (batch "#", sequence "*"). Every op in a model without
// recurrence acts sample by sample, so the dynamic axes become one leading
// ONNX dimension "N" and each static shape follows it, row-major as the
// importer shows it. Parameters and constants have no dynamic axis. CNTK
// counts static axes column-major: axis a of a value of static rank R is
// ONNX axis (batched ? 1 : 0) + R - 1 - a.
class CntkToOnnx final : public OnnxConverter {
public:
    CntkToOnnx(const Model& model, OnnxBuilder& b, OnnxExportReport& report, bool partial)
        : OnnxConverter(model, b, report, partial, "com.microsoft.cntk")
    {
        table_ = {
            { "Plus", binary("Add") },
            { "Minus", binary("Sub") },
            { "ElementTimes", binary("Mul") },
            { "ElementDivide", binary("Div") },
            { "Pow", binary("Pow") },
            { "ElementMax", binary("Max") },
            { "ElementMin", binary("Min") },
            { "Equal", comparison("Equal") },
            { "NotEqual", comparison("Equal", true) },
            { "Less", comparison("Less") },
            { "LessEqual", comparison("LessOrEqual") },
            { "Greater", comparison("Greater") },
            { "GreaterEqual", comparison("GreaterOrEqual") },
            { "ReLU", unary("Relu") },
            { "RectifiedLinear", unary("Relu") },
            { "Sigmoid", unary("Sigmoid") },
            { "Tanh", unary("Tanh") },
            { "Exp", unary("Exp") },
            { "Log", unary("Log") },
            { "Sqrt", unary("Sqrt") },
            { "Abs", unary("Abs") },
            { "Negate", unary("Neg") },
            { "Reciprocal", unary("Reciprocal") },
            { "Floor", unary("Floor") },
            { "Ceil", unary("Ceil") },
            { "Sin", unary("Sin") },
            { "Cos", unary("Cos") },
            { "ELU", unary("Elu") },
            { "SELU", unary("Selu") },
            { "Softplus", unary("Softplus") },
            { "Round", [this](const Node& n) { return round(n); } },
            { "LeakyReLU", [this](const Node& n) { return leakyRelu(n); } },
            { "LogPlus", [this](const Node& n) { return logPlus(n); } },
            { "Pass", passThrough() },
            { "NoOp", passThrough() },
            { "StopGradient", passThrough() },
            { "Alias", passThrough() },
            { "Dropout", [this](const Node& n) { return dropout(n); } },
            { "Combine", [this](const Node& n) { return combine(n); } },
            { "Times", [this](const Node& n) { return times(n); } },
            { "Convolution", [this](const Node& n) { return convolution(n); } },
            { "Pooling", [this](const Node& n) { return pooling(n); } },
            { "BatchNormalization", [this](const Node& n) { return batchNorm(n); } },
            { "Reshape", [this](const Node& n) { return reshape(n); } },
            { "Splice", [this](const Node& n) { return splice(n); } },
            { "Slice", [this](const Node& n) { return slice(n); } },
            { "TransposeAxes", [this](const Node& n) { return transposeAxes(n); } },
            { "Softmax", [this](const Node& n) { return softmax(n, "Softmax"); } },
            { "LogSoftmax", [this](const Node& n) { return softmax(n, "LogSoftmax"); } },
            { "ReduceElements", [this](const Node& n) { return reduce(n); } },
            { "Clip", [this](const Node& n) { return clip(n); } },
        };
    }

    void run() override
    {
        const Graph& g = *model_.graph;
        for (const Value* in : g.inputs) {
            if (in->initializer)
                continue;
            const ValueType& t = in->type;
            std::vector<Dim> dims;
            bool batched = false;
            for (const Dim& d : t.shape.dims) {
                if (!d.isKnown()) {
                    batched = true; // dynamic axes lead; all become one
                    continue;
                }
                dims.push_back(d);
            }
            if (batched)
                dims.insert(dims.begin(), Dim::symbolic("N"));
            if (t.kind == ValueType::Kind::SparseTensor)
                note("sparse input '" + in->name() + "' is a dense tensor in ONNX");
            // The user's name for the input ("features") when it has one.
            const std::string onnxName = b_.fresh(!in->docString.empty() ? in->docString : in->name());
            DataType type = t.elementType == DataType::Undefined ? DataType::Float : t.elementType;
            b_.addInput(onnxName, type, dims, t.shape.rankKnown);
            bind(in, onnxName);
            if (batched)
                batched_.insert(onnxName);
        }
        if (hasDynamicAxes(g))
            note("CNTK's dynamic axes (batch and sequence) are one leading ONNX dimension 'N'");
        convertNodes(g);
        finishOutputs(g);
    }

private:
    const Handler* handlerFor(const Node& n) const override
    {
        if (n.attribute("block"))
            return &blockHandler_;
        auto it = table_.find(n.opType);
        if (it != table_.end())
            return &it->second;
        if (n.opType == "PastValue" || n.opType == "FutureValue") {
            static const Handler recurrence = [](const Node&) -> std::vector<std::string> {
                throw UnsupportedOp { "recurrence over the sequence axis; ONNX would need a Scan or Loop body" };
            };
            return &recurrence;
        }
        return nullptr;
    }

    bool keepsInputType(const Node& n) const override { return n.opType == "PastValue" || n.opType == "FutureValue"; }

    // Dynamic axes fold into the one leading "N".
    std::optional<OnnxValueType> declaredType(const Value* v) override
    {
        if (v->type.kind != ValueType::Kind::Tensor && v->type.kind != ValueType::Kind::SparseTensor)
            return std::nullopt;
        if (v->type.elementType == DataType::Undefined || !v->type.shape.rankKnown)
            return std::nullopt;
        OnnxValueType t;
        t.elementType = v->type.elementType;
        t.rankKnown = true;
        bool dynamic = false;
        for (const Dim& d : v->type.shape.dims) {
            if (d.isKnown())
                t.dims.push_back(*d.value);
            else
                dynamic = true;
        }
        if (dynamic)
            t.dims.insert(t.dims.begin(), -1);
        return t;
    }

    static bool hasDynamicAxes(const Graph& g)
    {
        for (const Value* in : g.inputs)
            for (const Dim& d : in->type.shape.dims)
                if (!d.isKnown())
                    return true;
        return false;
    }

    void finishOutputs(const Graph& g)
    {
        std::unordered_set<std::string> done;
        for (const Value* out : g.outputs) {
            std::string n = name(out);
            // Outputs that are inputs, initializers or repeated get a node.
            const bool isInput = std::any_of(
                b_.graph().input().begin(), b_.graph().input().end(), [&](const auto& vi) { return vi.name() == n; });
            const bool isInit = std::any_of(b_.graph().initializer().begin(), b_.graph().initializer().end(),
                [&](const auto& t) { return t.name() == n; });
            if (isInput || isInit || done.count(n))
                n = b_.op("Identity", { n }, out->name());
            done.insert(n);
            b_.addOutput(n);
        }
    }

    // --- helpers -------------------------------------------------------

    bool batched(const std::string& onnx) const { return batched_.count(onnx) != 0; }

    std::string out(const std::string& name, bool isBatched)
    {
        if (isBatched)
            batched_.insert(name);
        return name;
    }

    int staticRank(const std::string& v)
    {
        auto r = b_.rank(v);
        if (!r)
            throw UnsupportedOp { "the rank of '" + v + "' is not known" };
        return *r - (batched(v) ? 1 : 0);
    }

    std::vector<std::int64_t> staticShape(const std::string& v)
    {
        auto d = b_.staticDims(v);
        if (!d) {
            // Only the batch dim may be unknown.
            auto t = b_.type(v);
            if (!t || !t->rankKnown)
                throw UnsupportedOp { "the shape of '" + v + "' is not known" };
            std::vector<std::int64_t> dims(t->dims.begin() + (batched(v) ? 1 : 0), t->dims.end());
            for (auto x : dims)
                if (x < 0)
                    throw UnsupportedOp { "the shape of '" + v + "' is not fully known" };
            return dims;
        }
        return { d->begin() + (batched(v) ? 1 : 0), d->end() };
    }

    int onnxAxis(const Node& n, const std::string& v, std::int64_t cntkAxis)
    {
        const int r = staticRank(v);
        if (cntkAxis < 0 || cntkAxis >= r)
            throw UnsupportedOp { "axis " + std::to_string(cntkAxis) + " is not a static axis of a rank-"
                + std::to_string(r) + " value" };
        (void)n;
        return (batched(v) ? 1 : 0) + r - 1 - static_cast<int>(cntkAxis);
    }

    static std::int64_t cntkAxisAttr(const Node& n, std::string_view name)
    {
        const Attribute* a = n.attribute(name);
        if (!a)
            throw UnsupportedOp { "it has no '" + std::string(name) + "' attribute" };
        if (a->type != AttributeType::Int)
            throw UnsupportedOp { "its axis is a dynamic axis (" + a->valueText() + ")" };
        return a->i;
    }

    // Column-major entry i of a row-major shape attribute (CNTK repeats the
    // last entry given when a shape is shorter than the rank).
    static std::int64_t columnMajor(const std::vector<std::int64_t>& rowMajor, std::size_t i, std::int64_t fallback)
    {
        if (rowMajor.empty())
            return fallback;
        const std::size_t k = std::min(i, rowMajor.size() - 1);
        return rowMajor[rowMajor.size() - 1 - k];
    }

    // Vectors of flags (autoPadding, sharing) are kept in CNTK's own order.
    static bool flagColumnMajor(const std::vector<std::int64_t>& flags, std::size_t i, bool fallback)
    {
        if (flags.empty())
            return fallback;
        return flags[std::min(i, flags.size() - 1)] != 0;
    }

    Handler unary(std::string op)
    {
        return [this, op](const Node& n) -> std::vector<std::string> {
            const std::string x = input(n, 0);
            onnx::NodeProto* node = nullptr;
            auto y = b_.op(op, { x }, hint(n), &node);
            if (op == "Elu")
                OnnxBuilder::setAttr(*node, "alpha", static_cast<float>(floatAttr(n, "alpha", 1.0)));
            if (op == "Selu") {
                OnnxBuilder::setAttr(*node, "alpha", static_cast<float>(floatAttr(n, "alpha", 1.6732632423543772)));
                OnnxBuilder::setAttr(*node, "gamma", static_cast<float>(floatAttr(n, "gamma", 1.0507009873554805)));
            }
            return { out(y, batched(x)) };
        };
    }

    Handler binary(std::string op)
    {
        return [this, op](const Node& n) -> std::vector<std::string> {
            const std::string a = input(n, 0), c = input(n, 1);
            return { out(b_.op(op, { a, c }, hint(n)), batched(a) || batched(c)) };
        };
    }

    // CNTK comparisons give 0/1 in the operands' type.
    Handler comparison(std::string op, bool negate = false)
    {
        return [this, op, negate](const Node& n) -> std::vector<std::string> {
            const std::string a = input(n, 0), c = input(n, 1);
            std::string r = b_.op(op, { a, c }, hint(n) + "_bool");
            if (negate)
                r = b_.op("Not", { r }, hint(n) + "_not");
            onnx::NodeProto* cast = nullptr;
            auto y = b_.op("Cast", { r }, hint(n), &cast);
            const DataType t = b_.elementType(a);
            OnnxBuilder::setAttr(
                *cast, "to", static_cast<std::int64_t>(t == DataType::Undefined ? DataType::Float : t));
            return { out(y, batched(a) || batched(c)) };
        };
    }

    Handler passThrough()
    {
        return [this](const Node& n) -> std::vector<std::string> { return { input(n, 0) }; };
    }

    std::vector<std::string> dropout(const Node& n)
    {
        note("Dropout is removed: the ONNX model is for inference");
        return { input(n, 0) };
    }

    std::vector<std::string> combine(const Node& n)
    {
        std::vector<std::string> outs;
        for (std::size_t k = 0; k < n.inputs().size(); ++k)
            outs.push_back(input(n, k));
        return outs;
    }

    std::vector<std::string> round(const Node& n)
    {
        // CNTK rounds halves up: floor(x + 0.5).
        const std::string x = input(n, 0);
        auto half = b_.scalar(b_.elementType(x), 0.5, hint(n) + "_half");
        auto sum = b_.op("Add", { x, half }, hint(n) + "_plus_half");
        return { out(b_.op("Floor", { sum }, hint(n)), batched(x)) };
    }

    std::vector<std::string> leakyRelu(const Node& n)
    {
        const std::string x = input(n, 0);
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("LeakyRelu", { x }, hint(n), &node);
        OnnxBuilder::setAttr(*node, "alpha", static_cast<float>(floatAttr(n, "alpha", 0.01)));
        return { out(y, batched(x)) };
    }

    std::vector<std::string> logPlus(const Node& n)
    {
        // log(exp(a) + exp(b)) = max(a, b) + log(1 + exp(-|a - b|)), without overflow.
        const std::string a = input(n, 0), c = input(n, 1);
        const std::string h = hint(n);
        auto m = b_.op("Max", { a, c }, h + "_max");
        auto d = b_.op("Sub", { a, c }, h + "_diff");
        auto ad = b_.op("Abs", { d }, h + "_abs");
        auto neg = b_.op("Neg", { ad }, h + "_neg");
        auto e = b_.op("Exp", { neg }, h + "_exp");
        auto one = b_.scalar(b_.elementType(a), 1.0, h + "_one");
        auto s = b_.op("Add", { e, one }, h + "_sum");
        auto l = b_.op("Log", { s }, h + "_log");
        return { out(b_.op("Add", { m, l }, h), batched(a) || batched(c)) };
    }

    std::vector<std::string> clip(const Node& n)
    {
        const std::string x = input(n, 0), lo = input(n, 1), hi = input(n, 2);
        if (b_.rank(lo).value_or(1) != 0 || b_.rank(hi).value_or(1) != 0)
            throw UnsupportedOp { "clip bounds that are not scalars" };
        return { out(b_.op("Clip", { x, lo, hi }, hint(n)), batched(x)) };
    }

    // Times(W, x): W is [I..., O...] row-major with outputRank O dims; the
    // trailing I dims of x are reduced.
    std::vector<std::string> times(const Node& n)
    {
        const std::string w = input(n, 0), x = input(n, 1);
        const std::int64_t outputRank = intAttr(n, "outputRank", 1);
        const std::int64_t inferRank = intAttr(n, "inferInputRankToMap", -1);
        // -1 and 0 both reduce every axis the weight has input dims for
        // (0 is what Dense layers save); k > 0 keeps x's first k axes.
        if (inferRank > 0)
            throw UnsupportedOp { "inferInputRankToMap " + std::to_string(inferRank) + " is not supported" };
        if (batched(w))
            throw UnsupportedOp { "its left operand has dynamic axes" };
        const auto wd = staticShape(w);
        const int wr = static_cast<int>(wd.size());
        if (outputRank < 0 || outputRank > wr)
            throw UnsupportedOp { "outputRank " + std::to_string(outputRank) + " exceeds the weight's rank" };
        const int reduced = wr - static_cast<int>(outputRank);
        const int xr = staticRank(x);
        if (reduced > xr)
            throw UnsupportedOp { "the weight reduces more axes than its right operand has" };
        const std::string h = hint(n);
        if (reduced == 1 && outputRank == 1)
            return { out(b_.op("MatMul", { x, w }, h), batched(x)) };
        const auto xd = staticShape(x);
        std::int64_t in = 1, o = 1;
        for (int k = 0; k < reduced; ++k)
            in *= wd[k];
        for (int k = reduced; k < wr; ++k)
            o *= wd[k];
        for (int k = 0; k < reduced; ++k)
            if (xd[xr - reduced + k] != wd[k])
                throw UnsupportedOp { "the operands' reduced dimensions differ" };
        const int lead = (batched(x) ? 1 : 0) + xr - reduced;
        std::vector<std::int64_t> flatX(lead, 0);
        for (int k = batched(x) ? 1 : 0, j = 0; k < lead; ++k, ++j)
            flatX[k] = xd[j];
        flatX.push_back(in);
        auto x2 = b_.op("Reshape", { x, b_.ints(flatX, h + "_xshape") }, h + "_x2d");
        auto w2 = b_.op("Reshape", { w, b_.ints({ in, o }, h + "_wshape") }, h + "_w2d");
        auto y2 = b_.op("MatMul", { x2, w2 }, h + "_2d");
        std::vector<std::int64_t> shape(flatX.begin(), flatX.end() - 1);
        shape.insert(shape.end(), wd.begin() + reduced, wd.end());
        return { out(b_.op("Reshape", { y2, b_.ints(shape, h + "_shape") }, h), batched(x)) };
    }

    std::vector<std::string> convolution(const Node& n)
    {
        if (intAttr(n, "transpose", 0) != 0)
            throw UnsupportedOp { "transposed convolution is not converted" };
        const std::string w = input(n, 0), x = input(n, 1);
        const auto wd = staticShape(w);
        const int spatial = static_cast<int>(wd.size()) - 2;
        const int xr = staticRank(x);
        if (spatial < 1 || xr != spatial + 1)
            throw UnsupportedOp { "a kernel of rank " + std::to_string(wd.size()) + " over an input of rank "
                + std::to_string(xr) + " (ONNX wants [C, spatial...])" };
        if (!batched(x))
            throw UnsupportedOp { "its input has no batch axis" };
        const auto xd = staticShape(x);
        const auto strides = intsAttr(n, "strides"), dilation = intsAttr(n, "dilation");
        const auto lower = intsAttr(n, "lowerPad"), upper = intsAttr(n, "upperPad");
        const auto autoPad = intsAttr(n, "autoPadding");
        std::vector<std::int64_t> st, dl, pb, pe;
        for (int j = 0; j < spatial; ++j) {
            const auto i = static_cast<std::size_t>(spatial - 1 - j); // column-major axis
            st.push_back(columnMajor(strides, i, 1));
            dl.push_back(columnMajor(dilation, i, 1));
            if (flagColumnMajor(autoPad, i, false)) {
                auto [lo, hi] = samePads(xd[1 + j], wd[2 + j], st.back(), dl.back(), true);
                pb.push_back(lo);
                pe.push_back(hi);
            } else {
                pb.push_back(columnMajor(lower, i, 0));
                pe.push_back(columnMajor(upper, i, 0));
            }
        }
        if (wd[1] <= 0 || xd[0] % wd[1] != 0)
            throw UnsupportedOp { "kernel channels do not divide the input's" };
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("Conv", { x, w }, hint(n), &node);
        OnnxBuilder::setAttr(*node, "kernel_shape", std::vector<std::int64_t>(wd.begin() + 2, wd.end()));
        OnnxBuilder::setAttr(*node, "strides", st);
        OnnxBuilder::setAttr(*node, "dilations", dl);
        pb.insert(pb.end(), pe.begin(), pe.end());
        OnnxBuilder::setAttr(*node, "pads", pb);
        OnnxBuilder::setAttr(*node, "group", xd[0] / wd[1]);
        return { out(y, true) };
    }

    std::vector<std::string> pooling(const Node& n)
    {
        const std::string x = input(n, 0);
        if (!batched(x))
            throw UnsupportedOp { "its input has no batch axis" };
        const auto xd = staticShape(x);
        auto window = intsAttr(n, "poolingWindowShape");
        const int spatial = static_cast<int>(xd.size()) - 1;
        if (static_cast<int>(window.size()) == spatial + 1 && window.front() == 1)
            window.erase(window.begin());
        if (spatial < 1 || static_cast<int>(window.size()) != spatial)
            throw UnsupportedOp { "a pooling window of rank " + std::to_string(window.size())
                + " over an input of rank " + std::to_string(xd.size()) };
        const auto type = intAttr(n, "poolingType", 0);
        if (type != 0 && type != 1)
            throw UnsupportedOp { "pooling type " + std::to_string(type) };
        const auto strides = intsAttr(n, "strides");
        const auto lower = intsAttr(n, "lowerPad"), upper = intsAttr(n, "upperPad");
        const auto autoPad = intsAttr(n, "autoPadding");
        std::vector<std::int64_t> st, pb, pe;
        for (int j = 0; j < spatial; ++j) {
            const auto i = static_cast<std::size_t>(spatial - 1 - j);
            st.push_back(columnMajor(strides, i, 1));
            if (flagColumnMajor(autoPad, i, false)) {
                auto [lo, hi] = samePads(xd[1 + j], window[j], st.back(), 1, true);
                pb.push_back(lo);
                pe.push_back(hi);
            } else {
                pb.push_back(columnMajor(lower, i, 0));
                pe.push_back(columnMajor(upper, i, 0));
            }
        }
        onnx::NodeProto* node = nullptr;
        auto y = b_.op(type == 0 ? "MaxPool" : "AveragePool", { x }, hint(n), &node);
        OnnxBuilder::setAttr(*node, "kernel_shape", window);
        OnnxBuilder::setAttr(*node, "strides", st);
        pb.insert(pb.end(), pe.begin(), pe.end());
        OnnxBuilder::setAttr(*node, "pads", pb);
        if (intAttr(n, "ceilOutDim", 0))
            OnnxBuilder::setAttr(*node, "ceil_mode", std::int64_t { 1 });
        if (type == 1)
            OnnxBuilder::setAttr(*node, "count_include_pad", intAttr(n, "includePad", 0) ? std::int64_t { 1 } : 0);
        return { out(y, true) };
    }

    // BatchNormalization(x, scale, bias, mean, variance[, count]) at inference.
    std::vector<std::string> batchNorm(const Node& n)
    {
        const std::string x = input(n, 0);
        const double eps = floatAttr(n, "epsilon", 1e-5);
        const std::string h = hint(n);
        std::vector<std::string> p;
        for (std::size_t k = 1; k <= 4; ++k)
            p.push_back(input(n, k));
        if (intAttr(n, "spatial", 0) != 0) {
            if (!batched(x))
                throw UnsupportedOp { "its input has no batch axis" };
            const auto xd = staticShape(x);
            for (auto& v : p) {
                const auto d = staticShape(v);
                std::int64_t count = 1;
                for (auto e : d)
                    count *= e;
                if (count != xd[0])
                    throw UnsupportedOp { "spatial parameters of " + std::to_string(count) + " elements for "
                        + std::to_string(xd[0]) + " channels" };
                if (d.size() != 1)
                    v = b_.op("Reshape", { v, b_.ints({ count }, h + "_c") }, h + "_param");
            }
            onnx::NodeProto* node = nullptr;
            auto y = b_.op("BatchNormalization", { x, p[0], p[1], p[2], p[3] }, h, &node);
            OnnxBuilder::setAttr(*node, "epsilon", static_cast<float>(eps));
            return { out(y, true) };
        }
        // Per activation: (x - mean) / sqrt(var + eps) * scale + bias.
        auto epsilon = b_.scalar(b_.elementType(x), eps, h + "_eps");
        auto var = b_.op("Add", { p[3], epsilon }, h + "_var_eps");
        auto sd = b_.op("Sqrt", { var }, h + "_sd");
        auto centred = b_.op("Sub", { x, p[2] }, h + "_centred");
        auto normed = b_.op("Div", { centred, sd }, h + "_normed");
        auto scaled = b_.op("Mul", { normed, p[0] }, h + "_scaled");
        return { out(b_.op("Add", { scaled, p[1] }, h), batched(x)) };
    }

    // Reshape of the static axes [beginAxis, endAxis) (column-major) into newShape.
    std::vector<std::string> reshape(const Node& n)
    {
        const std::string x = input(n, 0);
        const auto xd = staticShape(x);
        const int r = static_cast<int>(xd.size());
        std::int64_t begin = intAttr(n, "beginAxis", 0);
        std::int64_t end = intAttr(n, "endAxis", r);
        if (end <= 0 || end > r)
            end = r;
        if (begin < 0 || begin > end)
            throw UnsupportedOp { "axes " + std::to_string(begin) + ".." + std::to_string(end) };
        const auto newShape = intsAttr(n, "newShape");
        // Row-major positions of the replaced axes: [r - end, r - begin).
        std::vector<std::int64_t> shape(xd.begin(), xd.begin() + (r - end));
        int inferred = 0;
        for (auto d : newShape) {
            if (d < 0) {
                ++inferred;
                shape.push_back(-1);
            } else {
                shape.push_back(d);
            }
        }
        shape.insert(shape.end(), xd.begin() + (r - begin), xd.end());
        if (inferred > 1)
            throw UnsupportedOp { "more than one inferred dimension in its new shape" };
        if (batched(x))
            shape.insert(shape.begin(), 0); // ONNX: copy the batch dimension
        return { out(b_.op("Reshape", { x, b_.ints(shape, hint(n) + "_shape") }, hint(n)), batched(x)) };
    }

    std::vector<std::string> splice(const Node& n)
    {
        std::vector<std::string> ins;
        bool anyB = false;
        for (std::size_t k = 0; k < n.inputs().size(); ++k) {
            ins.push_back(input(n, k));
            anyB = anyB || batched(ins.back());
        }
        if (anyB)
            for (const auto& i : ins)
                if (!batched(i))
                    throw UnsupportedOp { "splicing a value with dynamic axes and one without" };
        const std::int64_t axis = cntkAxisAttr(n, "axis");
        // Splicing along a new axis (one past the rank) stacks the inputs.
        const int r = staticRank(ins[0]);
        if (axis == r) {
            std::vector<std::string> expanded;
            for (const auto& i : ins)
                expanded.push_back(
                    b_.op("Unsqueeze", { i, b_.ints({ anyB ? 1 : 0 }, hint(n) + "_axis") }, hint(n) + "_expanded"));
            onnx::NodeProto* node = nullptr;
            auto y = b_.op("Concat", expanded, hint(n), &node);
            OnnxBuilder::setAttr(*node, "axis", static_cast<std::int64_t>(anyB ? 1 : 0));
            return { out(y, anyB) };
        }
        onnx::NodeProto* node = nullptr;
        const int onnxAx = onnxAxis(n, ins[0], axis);
        auto y = b_.op("Concat", ins, hint(n), &node);
        OnnxBuilder::setAttr(*node, "axis", static_cast<std::int64_t>(onnxAx));
        return { out(y, anyB) };
    }

    std::vector<std::string> slice(const Node& n)
    {
        const std::string x = input(n, 0);
        std::vector<std::int64_t> axes, begins, ends, steps;
        if (n.attribute("axisVec")) {
            axes = intsAttr(n, "axisVec");
            begins = intsAttr(n, "beginIndexVec");
            ends = intsAttr(n, "endIndexVec");
            steps = intsAttr(n, "sliceStridesVec");
        } else {
            axes = { cntkAxisAttr(n, "axis") };
            begins = { intAttr(n, "beginIndex", 0) };
            ends = { intAttr(n, "endIndex", 0) };
            if (n.attribute("sliceStrides"))
                steps = { intAttr(n, "sliceStrides", 1) };
        }
        if (begins.size() != axes.size() || ends.size() != axes.size())
            throw UnsupportedOp { "its axes and indices differ in number" };
        if (steps.empty())
            steps.assign(axes.size(), 1);
        std::vector<std::int64_t> onnxAxes;
        for (std::size_t k = 0; k < axes.size(); ++k) {
            onnxAxes.push_back(onnxAxis(n, x, axes[k]));
            // CNTK: an end index of 0 means "to the end" (end + dim for any end <= 0).
            if (steps[k] <= 0)
                throw UnsupportedOp { "a slice with a step of " + std::to_string(steps[k]) };
            if (ends[k] == 0)
                ends[k] = std::numeric_limits<std::int64_t>::max();
        }
        const std::string h = hint(n);
        auto y = b_.op("Slice",
            { x, b_.ints(begins, h + "_starts"), b_.ints(ends, h + "_ends"), b_.ints(onnxAxes, h + "_axes"),
                b_.ints(steps, h + "_steps") },
            h);
        return { out(y, batched(x)) };
    }

    std::vector<std::string> transposeAxes(const Node& n)
    {
        const std::string x = input(n, 0);
        const int rank = (batched(x) ? 1 : 0) + staticRank(x);
        std::vector<std::int64_t> perm(rank);
        std::iota(perm.begin(), perm.end(), 0);
        std::swap(perm[onnxAxis(n, x, cntkAxisAttr(n, "axis1"))], perm[onnxAxis(n, x, cntkAxisAttr(n, "axis2"))]);
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("Transpose", { x }, hint(n), &node);
        OnnxBuilder::setAttr(*node, "perm", perm);
        return { out(y, batched(x)) };
    }

    std::vector<std::string> softmax(const Node& n, const char* op)
    {
        const std::string x = input(n, 0);
        const int r = staticRank(x);
        const std::string h = hint(n);
        onnx::NodeProto* node = nullptr;
        if (n.attribute("axis") || r <= 1) {
            const int axis = n.attribute("axis") ? onnxAxis(n, x, cntkAxisAttr(n, "axis")) : -1;
            auto y = b_.op(op, { x }, h, &node);
            OnnxBuilder::setAttr(*node, "axis", static_cast<std::int64_t>(axis));
            return { out(y, batched(x)) };
        }
        // Over all static axes: flatten them, normalize, restore.
        const int lead = batched(x) ? 1 : 0;
        std::vector<std::int64_t> flat(lead, 0);
        flat.push_back(-1);
        auto f = b_.op("Reshape", { x, b_.ints(flat, h + "_flat_shape") }, h + "_flat");
        auto s = b_.op(op, { f }, h + "_flat_out", &node);
        OnnxBuilder::setAttr(*node, "axis", std::int64_t { -1 });
        auto shape = b_.op("Shape", { x }, h + "_shape");
        return { out(b_.op("Reshape", { s, shape }, h), batched(x)) };
    }

    std::vector<std::string> reduce(const Node& n)
    {
        static const std::unordered_map<std::string, std::string> ops = {
            { "Sum", "ReduceSum" },
            { "Mean", "ReduceMean" },
            { "Max", "ReduceMax" },
            { "Min", "ReduceMin" },
            { "Prod", "ReduceProd" },
            { "LogSum", "ReduceLogSumExp" },
        };
        const std::string x = input(n, 0);
        const std::string which = stringAttr(n, "reductionOpName");
        auto it = ops.find(which);
        if (it == ops.end())
            throw UnsupportedOp { "reduction '" + which + "'" };
        std::vector<std::int64_t> axes;
        if (n.attribute("axisVec"))
            for (auto a : intsAttr(n, "axisVec"))
                axes.push_back(onnxAxis(n, x, a));
        else
            axes.push_back(onnxAxis(n, x, cntkAxisAttr(n, "axis")));
        const std::int64_t keep = intAttr(n, "reductionKeepDimensions", 1) ? 1 : 0;
        const std::string h = hint(n);
        onnx::NodeProto* node = nullptr;
        std::string y;
        if (it->second == "ReduceSum") {
            y = b_.op("ReduceSum", { x, b_.ints(axes, h + "_axes") }, h, &node);
        } else {
            y = b_.op(it->second, { x }, h, &node);
            OnnxBuilder::setAttr(*node, "axes", axes);
        }
        OnnxBuilder::setAttr(*node, "keepdims", keep);
        return { out(y, batched(x)) };
    }

    // A Block (Dense, LSTM, user functions): its body, inlined, with each
    // placeholder bound to the value the block passes for it.
    std::vector<std::string> block(const Node& n)
    {
        const Attribute* a = n.attribute("block");
        if (!a || a->graphs.empty())
            throw UnsupportedOp { "the block has no body" };
        const Graph& body = *a->graphs.front();
        std::unordered_map<std::string, std::string> arguments;
        for (const auto& [key, value] : n.metadata)
            if (key.starts_with("argument "))
                arguments[key.substr(9)] = value;
        for (const Value* placeholder : body.inputs) {
            auto it = arguments.find(placeholder->name());
            if (it == arguments.end())
                throw UnsupportedOp { "its placeholder '" + placeholder->name() + "' is not bound" };
            const Value* outer = nullptr;
            for (const Value* in : n.inputs())
                if (in && in->name() == it->second)
                    outer = in;
            if (!outer)
                outer = n.graph()->findValue(it->second);
            if (!outer)
                throw UnsupportedOp { "its argument '" + it->second + "' is not among its inputs" };
            bind(placeholder, name(outer));
        }
        convertNodes(body);
        std::vector<std::string> outs;
        for (const Value* o : body.outputs)
            outs.push_back(name(o));
        return outs;
    }

    std::unordered_map<std::string, Handler> table_;
    Handler blockHandler_ = [this](const Node& n) { return block(n); };
    std::unordered_set<std::string> batched_;
};

} // namespace

std::unique_ptr<OnnxConverter> makeCntkToOnnx(
    const Model& model, OnnxBuilder& b, OnnxExportReport& report, bool partial)
{
    return std::make_unique<CntkToOnnx>(model, b, report, partial);
}

} // namespace nodus
