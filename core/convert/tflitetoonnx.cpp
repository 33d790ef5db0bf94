#include "converters.h"

#include "onnxconverter.h"

#include "formats/tflite/tflitedocument.h"
#include "ir/model.h"
#include "ir/ownedtensordata.h"
#include "ir/tensor.h"
#include "ir/tensorencode.h"
#include "ir/tensorvalues.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace nodus {

namespace {

// TFLite -> ONNX.
//
// Layout: TFLite's image ops work on NHWC activations and OHWI kernels, ONNX's
// on NCHW and OIHW. The ONNX graph keeps TFLite's shapes at its boundary
// (inputs and outputs are NHWC, as the .tflite states them) and each value is
// kept in whichever layout its producer made: convolutions and pools take
// NCHW and give NCHW, elementwise ops, activations, concatenations, pads and
// means follow their input's layout, and ops whose meaning depends on the
// memory order (reshape, fully connected, squeeze, slices, ...) see NHWC. A
// Transpose is inserted only where a value changes layout, so a chain of
// convolutions runs with one Transpose at the input and one at the output.
// Constant kernels are re-laid out at conversion (OHWI -> OIHW), not by a
// Transpose in the graph.
//
// Quantization: an integer tensor with scale and zero point is dequantized
// (DequantizeLinear) where an op reads it, the op runs in float, and an
// output the file stores quantized is quantized again (QuantizeLinear) with
// its own scale and zero point; QUANTIZE and DEQUANTIZE are those two steps.
class TfliteToOnnx final : public OnnxConverter {
public:
    TfliteToOnnx(const Model& model, OnnxBuilder& b, OnnxExportReport& report, bool partial)
        : OnnxConverter(model, b, report, partial, "org.tensorflow.lite")
        , doc_(dynamic_cast<const TfliteDocument*>(model.native.get()))
    {
        auto add = [this](std::string op, Handler h) {
            table_[std::move(op)] = [this, h](const Node& n) { return quantizeOutputs(n, h(n)); };
        };
        add("Conv2D", [this](const Node& n) { return conv(n, false); });
        add("DepthwiseConv2D", [this](const Node& n) { return conv(n, true); });
        add("AveragePool2D", [this](const Node& n) { return pool(n, "AveragePool"); });
        add("MaxPool2D", [this](const Node& n) { return pool(n, "MaxPool"); });
        add("FullyConnected", [this](const Node& n) { return fullyConnected(n); });
        for (const auto& [tfl, onnxOp] : { std::pair { "Add", "Add" }, { "Sub", "Sub" }, { "Mul", "Mul" },
                 { "Div", "Div" }, { "Maximum", "Max" }, { "Minimum", "Min" }, { "Pow", "Pow" } })
            add(tfl, [this, o = std::string(onnxOp)](const Node& n) { return binary(n, o); });
        for (const auto& [tfl, onnxOp] : { std::pair { "Logistic", "Sigmoid" }, { "Tanh", "Tanh" }, { "Relu", "Relu" },
                 { "Exp", "Exp" }, { "Log", "Log" }, { "Abs", "Abs" }, { "Neg", "Neg" }, { "Sqrt", "Sqrt" },
                 { "Floor", "Floor" }, { "Ceil", "Ceil" }, { "Sin", "Sin" }, { "Cos", "Cos" }, { "Elu", "Elu" } })
            add(tfl, [this, o = std::string(onnxOp)](const Node& n) { return unary(n, o); });
        add("Relu6", [this](const Node& n) { return std::vector { clip(value(n, 0), 0, 6, hint(n)) }; });
        add("ReluN1To1", [this](const Node& n) { return std::vector { clip(value(n, 0), -1, 1, hint(n)) }; });
        add("Rsqrt", [this](const Node& n) { return rsqrt(n); });
        add("LeakyRelu", [this](const Node& n) { return leakyRelu(n); });
        add("HardSwish", [this](const Node& n) { return hardSwish(n); });
        add("Reshape", [this](const Node& n) { return reshape(n); });
        add("Softmax", [this](const Node& n) { return softmax(n); });
        add("Concatenation", [this](const Node& n) { return concatenation(n); });
        add("Mean", [this](const Node& n) { return reduce(n, "ReduceMean"); });
        add("Sum", [this](const Node& n) { return reduce(n, "ReduceSum"); });
        add("ReduceMax", [this](const Node& n) { return reduce(n, "ReduceMax"); });
        add("ReduceMin", [this](const Node& n) { return reduce(n, "ReduceMin"); });
        add("ReduceProd", [this](const Node& n) { return reduce(n, "ReduceProd"); });
        add("Pad", [this](const Node& n) { return pad(n); });
        add("PadV2", [this](const Node& n) { return pad(n); });
        add("Squeeze", [this](const Node& n) { return squeeze(n); });
        add("Transpose", [this](const Node& n) { return transpose(n); });
        add("StridedSlice", [this](const Node& n) { return stridedSlice(n); });
        add("Split", [this](const Node& n) { return split(n, 1, 0); });
        add("SplitV", [this](const Node& n) { return split(n, 0, 2); });
        add("OneHot", [this](const Node& n) { return oneHot(n); });
        add("TopKV2", [this](const Node& n) { return topK(n); });
        add("Gather", [this](const Node& n) { return gather(n); });
        add("Cast", [this](const Node& n) { return cast(n); });
        // The dequantizing and quantizing happen around every op; these two
        // ops are only those steps.
        add("Quantize", [this](const Node& n) { return std::vector { value(n, 0) }; });
        add("Dequantize", [this](const Node& n) { return dequantizeOp(n); });
    }

    void run() override
    {
        const Graph& g = *model_.graph;
        for (const Value* in : g.inputs) {
            if (in->initializer)
                continue;
            const ValueType& t = in->type;
            if (!t.isTensor() || t.elementType == DataType::Undefined)
                throw UnsupportedOp { "the graph input '" + in->name() + "' is not a tensor of a type ONNX has" };
            std::vector<Dim> dims;
            for (std::size_t k = 0; k < t.shape.dims.size(); ++k) {
                const Dim& d = t.shape.dims[k];
                dims.push_back(d.isKnown() ? d : Dim::symbolic(k == 0 ? "N" : "d" + std::to_string(k)));
            }
            const std::string onnxName = b_.fresh(in->name());
            b_.addInput(onnxName, t.elementType, dims, t.shape.rankKnown);
            bind(in, onnxName);
        }
        convertNodes(g);
        finishOutputs(g);
        if (!nchw_.empty())
            note("NHWC image ops run as NCHW in ONNX: Transposes stand where a value changes layout, and "
                 "convolution kernels are stored re-laid out (OIHW)");
    }

private:
    const Handler* handlerFor(const Node& n) const override
    {
        auto it = table_.find(n.opType);
        return it == table_.end() ? nullptr : &it->second;
    }

    // Custom ops keep TFLite's layout and raw (quantized) tensors.
    void customNode(const Node& n) override
    {
        for (const Value* v : n.inputs())
            if (v && bound(v) && nchw_.count(name(v)))
                bind(v, nhwc(name(v)));
        OnnxConverter::customNode(n);
    }

    void finishOutputs(const Graph& g)
    {
        std::unordered_set<std::string> done;
        for (const Value* out : g.outputs) {
            std::string n = name(out);
            if (nchw_.count(n))
                n = nhwc(n, out->name());
            const bool isInput = std::any_of(
                b_.graph().input().begin(), b_.graph().input().end(), [&](const auto& vi) { return vi.name() == n; });
            const bool isInit = std::any_of(b_.graph().initializer().begin(), b_.graph().initializer().end(),
                [&](const auto& t) { return t.name() == n; });
            if (isInput || isInit || done.count(n))
                n = b_.op("Identity", { n }, out->name());
            done.insert(n);
            b_.addOutput(n, out->type.elementType == DataType::Undefined ? DataType::Float : out->type.elementType);
            // The file states each output's shape; inference cannot always
            // tell it (OneHot's depth, TopK's k are values, not shapes).
            auto* shape = b_.graph()
                              .mutable_output(b_.graph().output_size() - 1)
                              ->mutable_type()
                              ->mutable_tensor_type()
                              ->mutable_shape();
            if (out->type.shape.rankKnown
                && (shape->dim_size() == 0 || shape->dim_size() == static_cast<int>(out->type.shape.dims.size())))
                for (std::size_t k = 0; k < out->type.shape.dims.size(); ++k) {
                    auto* d = k < static_cast<std::size_t>(shape->dim_size()) ? shape->mutable_dim(static_cast<int>(k))
                                                                              : shape->add_dim();
                    if (out->type.shape.dims[k].value && !d->has_dim_value())
                        d->set_dim_value(*out->type.shape.dims[k].value);
                }
        }
    }

    // --- values, layouts, quantization ----------------------------------

    const Value* in(const Node& n, std::size_t k) const
    {
        if (k >= n.inputs().size() || !n.inputs()[k])
            throw UnsupportedOp { "input " + std::to_string(k) + " is missing" };
        return n.inputs()[k];
    }

    bool hasInput(const Node& n, std::size_t k) const { return k < n.inputs().size() && n.inputs()[k]; }

    const TfliteDocument::Quantization* quantization(const Value* v) const
    {
        if (!doc_ || !v)
            return nullptr;
        const DataType t = v->type.elementType;
        if (t != DataType::UInt8 && t != DataType::Int8 && t != DataType::Int16 && t != DataType::Int32)
            return nullptr;
        auto it = doc_->quantization.find(v->id());
        return it == doc_->quantization.end() ? nullptr : &it->second;
    }

    // The source's static dims (-1 where unknown); throws when the rank is not stated.
    static std::vector<std::int64_t> dims(const Value* v)
    {
        if (!v->type.shape.rankKnown)
            throw UnsupportedOp { "the rank of '" + v->name() + "' is not known" };
        std::vector<std::int64_t> d;
        for (const Dim& x : v->type.shape.dims)
            d.push_back(x.value.value_or(-1));
        return d;
    }

    static int rank(const Value* v) { return static_cast<int>(dims(v).size()); }

    // Input k as ONNX sees it: dequantized to float when the file stores it
    // quantized, in whatever layout it was made in.
    std::string value(const Node& n, std::size_t k)
    {
        const Value* v = in(n, k);
        const std::string raw = name(v);
        const auto* q = quantization(v);
        if (!q)
            return raw;
        if (auto it = dequantized_.find(raw); it != dequantized_.end())
            return it->second;
        int axis = q->axis;
        if (q->scale.size() > 1 && nchw_.count(raw))
            axis = toNchwAxis(axis);
        const std::string y = dequantize(raw, *q, v->type.elementType, axis, v->name());
        if (nchw_.count(raw))
            nchw_.insert(y);
        dequantized_[raw] = y;
        return y;
    }

    std::string dequantize(
        const std::string& x, const TfliteDocument::Quantization& q, DataType type, int axis, const std::string& h)
    {
        if (type == DataType::Int16 && b_.opset() < 21)
            throw UnsupportedOp { "int16 quantized tensors need ONNX opset 21 (DequantizeLinear of int16)" };
        std::vector<std::string> inputs { x, scales(q, h), zeroPoints(q, type, h) };
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("DequantizeLinear", inputs, h + "_dequantized", &node);
        if (q.scale.size() > 1)
            OnnxBuilder::setAttr(*node, "axis", static_cast<std::int64_t>(axis));
        return y;
    }

    std::string scales(const TfliteDocument::Quantization& q, const std::string& h)
    {
        auto t = std::make_shared<Tensor>();
        t->dataType = DataType::Float;
        std::vector<std::byte> bytes(q.scale.size() * 4);
        std::memcpy(bytes.data(), q.scale.data(), bytes.size());
        t->data = std::make_shared<OwnedTensorData>(std::move(bytes));
        if (q.scale.size() == 1)
            return b_.initializer(*t, h + "_scale", {});
        return b_.initializer(*t, h + "_scale", { static_cast<std::int64_t>(q.scale.size()) });
    }

    std::string zeroPoints(const TfliteDocument::Quantization& q, DataType type, const std::string& h)
    {
        const std::size_t count = q.scale.size();
        if (!q.zeroPoint.empty() && q.zeroPoint.size() != count)
            throw UnsupportedOp { "'" + h + "' has " + std::to_string(count) + " scales but "
                + std::to_string(q.zeroPoint.size()) + " zero points" };
        auto t = std::make_shared<Tensor>();
        t->dataType = type;
        const auto size = storageBytes(type, count);
        std::vector<std::byte> bytes(size.value_or(0));
        for (std::size_t k = 0; k < count; ++k)
            encodeElement(type, bytes, k, static_cast<double>(q.zeroPoint.empty() ? 0 : q.zeroPoint[k]));
        t->data = std::make_shared<OwnedTensorData>(std::move(bytes));
        if (count == 1)
            return b_.initializer(*t, h + "_zero_point", {});
        return b_.initializer(*t, h + "_zero_point", { static_cast<std::int64_t>(count) });
    }

    // Outputs the file stores quantized get QuantizeLinear with their own
    // scale and zero point.
    std::vector<std::string> quantizeOutputs(const Node& n, std::vector<std::string> outs)
    {
        for (std::size_t k = 0; k < outs.size() && k < n.outputs().size(); ++k) {
            const Value* v = n.outputs()[k];
            const auto* q = quantization(v);
            if (!q || outs[k].empty())
                continue;
            const DataType type = v->type.elementType;
            if (type != DataType::UInt8 && type != DataType::Int8)
                throw UnsupportedOp { "its output '" + v->name() + "' is quantized to "
                    + std::string(dataTypeName(type)) + " (QuantizeLinear writes uint8 and int8)" };
            if (q->scale.size() != 1)
                throw UnsupportedOp { "its output '" + v->name() + "' is quantized per channel" };
            onnx::NodeProto* node = nullptr;
            const std::string y = b_.op("QuantizeLinear",
                { outs[k], scales(*q, v->name()), zeroPoints(*q, type, v->name()) }, v->name() + "_quantized", &node);
            if (nchw_.count(outs[k]))
                nchw_.insert(y);
            outs[k] = y;
        }
        return outs;
    }

    static int toNchwAxis(int nhwcAxis)
    {
        static constexpr int map[] = { 0, 2, 3, 1 };
        return nhwcAxis >= 0 && nhwcAxis < 4 ? map[nhwcAxis] : nhwcAxis;
    }

    std::string transposed(const std::string& x, const std::vector<std::int64_t>& perm, const std::string& h)
    {
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("Transpose", { x }, h, &node);
        OnnxBuilder::setAttr(*node, "perm", perm);
        return y;
    }

    // `x` in TFLite's own order (NHWC for images).
    std::string nhwc(const std::string& x, const std::string& h = {})
    {
        if (!nchw_.count(x))
            return x;
        if (auto it = toNhwc_.find(x); it != toNhwc_.end())
            return it->second;
        auto y = transposed(x, { 0, 2, 3, 1 }, h.empty() ? x + "_nhwc" : h);
        toNhwc_[x] = y;
        toNchw_[y] = x;
        return y;
    }

    // `x`, a rank-4 NHWC value, as NCHW.
    std::string nchw(const std::string& x)
    {
        if (nchw_.count(x))
            return x;
        if (auto it = toNchw_.find(x); it != toNchw_.end())
            return it->second;
        auto y = transposed(x, { 0, 3, 1, 2 }, x + "_nchw");
        nchw_.insert(y);
        toNchw_[x] = y;
        toNhwc_[y] = x;
        return y;
    }

    std::string valueNhwc(const Node& n, std::size_t k) { return nhwc(value(n, k)); }

    // A value of rank `r` < 4 broadcast against NCHW ones: NHWC broadcasting
    // lines it up with the trailing axes, so it becomes rank 4 and NCHW too.
    std::string broadcastNchw(const std::string& x, const Value* v)
    {
        if (nchw_.count(x))
            return x;
        const auto d = dims(v);
        if (d.size() == 4)
            return nchw(x);
        if (d.empty())
            return x;
        std::vector<std::int64_t> full(4 - d.size(), 1);
        full.insert(full.end(), d.begin(), d.end());
        if (std::count(full.begin(), full.end(), -1) > 0)
            throw UnsupportedOp { "'" + v->name() + "' broadcasts against an image but its shape is not fixed" };
        auto r = b_.op("Reshape", { x, b_.ints(full, x + "_rank4") }, x + "_rank4");
        auto y = transposed(r, { 0, 3, 1, 2 }, x + "_nchw");
        nchw_.insert(y);
        return y;
    }

    std::string markNchw(const std::string& y)
    {
        nchw_.insert(y);
        return y;
    }

    // The same layout as `like`.
    std::string sameLayout(const std::string& like, const std::string& y)
    {
        if (nchw_.count(like))
            nchw_.insert(y);
        return y;
    }

    // --- constants --------------------------------------------------------

    static std::vector<std::int64_t> constInts(const Value* v, const std::string& what)
    {
        if (!v->initializer || !v->initializer->data)
            throw UnsupportedOp { what + " '" + v->name()
                + "' is computed at run time; only constant ones are converted" };
        const Tensor& t = *v->initializer;
        if (t.dataType != DataType::Int32 && t.dataType != DataType::Int64)
            throw UnsupportedOp { what + " '" + v->name() + "' is " + std::string(dataTypeName(t.dataType))
                + ", not int32 or int64" };
        const auto bytes = t.data->bytes();
        const std::size_t count = bytes.size() / (t.dataType == DataType::Int32 ? 4 : 8);
        std::vector<std::int64_t> out;
        out.reserve(count);
        for (std::size_t k = 0; k < count; ++k)
            out.push_back(static_cast<std::int64_t>(elementAsDouble(t.dataType, bytes, k)));
        return out;
    }

    static double constScalar(const Value* v, const std::string& what)
    {
        if (!v->initializer || !v->initializer->data || v->initializer->data->size() == 0)
            throw UnsupportedOp { what + " '" + v->name()
                + "' is computed at run time; only constant ones are converted" };
        return elementAsDouble(v->initializer->dataType, v->initializer->data->bytes(), 0);
    }

    // A constant kernel with its axes permuted (stored that way), or a
    // Transpose when the kernel is computed. Quantized kernels are permuted
    // as stored, then dequantized along their moved channel axis.
    std::string kernel(const Node& n, std::size_t k, const std::vector<std::int64_t>& perm)
    {
        const Value* v = in(n, k);
        if (!v->initializer || !v->initializer->data || bound(v))
            return transposed(value(n, k), perm, v->name() + "_transposed");
        const Tensor& t = *v->initializer;
        const int bits = dataTypeBits(t.dataType);
        if (bits < 8 || t.dims.size() != perm.size())
            throw UnsupportedOp { "its kernel '" + v->name() + "' is not a rank-" + std::to_string(perm.size())
                + " tensor of whole bytes" };
        const std::size_t size = static_cast<std::size_t>(bits / 8);
        const auto bytes = t.data->bytes();
        const auto count = t.elementCount();
        if (!count || *count * size != bytes.size())
            throw UnsupportedOp { "its kernel '" + v->name() + "' has the wrong number of bytes" };
        const std::size_t r = perm.size();
        std::vector<std::int64_t> outDims(r), inStrides(r, 1);
        for (std::size_t a = r - 1; a > 0; --a)
            inStrides[a - 1] = inStrides[a] * t.dims[a];
        for (std::size_t a = 0; a < r; ++a)
            outDims[a] = t.dims[static_cast<std::size_t>(perm[a])];
        std::vector<std::byte> out(bytes.size());
        std::vector<std::int64_t> index(r, 0);
        for (std::uint64_t e = 0; e < *count; ++e) {
            std::int64_t from = 0;
            for (std::size_t a = 0; a < r; ++a)
                from += index[a] * inStrides[static_cast<std::size_t>(perm[a])];
            std::memcpy(out.data() + e * size, bytes.data() + from * size, size);
            for (std::size_t a = r; a-- > 0;) {
                if (++index[a] < outDims[a])
                    break;
                index[a] = 0;
            }
        }
        Tensor moved;
        moved.dataType = t.dataType;
        moved.dims = outDims;
        moved.data = std::make_shared<OwnedTensorData>(std::move(out));
        const std::string stored = b_.initializer(moved, v->name());
        const auto* q = quantization(v);
        if (!q)
            return stored;
        int axis = 0;
        for (std::size_t a = 0; a < r; ++a)
            if (perm[a] == q->axis)
                axis = static_cast<int>(a);
        return dequantize(stored, *q, t.dataType, axis, v->name());
    }

    // --- ops ----------------------------------------------------------------

    std::string clip(const std::string& x, double lo, double hi, const std::string& h)
    {
        const DataType t = DataType::Float;
        return sameLayout(x, b_.op("Clip", { x, b_.scalar(t, lo, h + "_min"), b_.scalar(t, hi, h + "_max") }, h));
    }

    std::string activation(const Node& n, const std::string& y)
    {
        const std::string f = stringAttr(n, "fused_activation_function", "NONE");
        const std::string h = hint(n);
        if (f == "NONE")
            return y;
        if (f == "RELU")
            return sameLayout(y, b_.op("Relu", { y }, h + "_relu"));
        if (f == "RELU6")
            return clip(y, 0, 6, h + "_relu6");
        if (f == "RELU_N1_TO_1")
            return clip(y, -1, 1, h + "_relu_n1_to_1");
        if (f == "TANH")
            return sameLayout(y, b_.op("Tanh", { y }, h + "_tanh"));
        throw UnsupportedOp { "the fused activation " + f + " has no ONNX mapping" };
    }

    std::pair<std::int64_t, std::int64_t> pads(
        const Node& n, std::int64_t in, std::int64_t kernel, std::int64_t stride, std::int64_t dilation)
    {
        const std::string padding = stringAttr(n, "padding", "SAME");
        if (padding == "VALID")
            return { 0, 0 };
        if (padding != "SAME")
            throw UnsupportedOp { "padding " + padding + " is not SAME or VALID" };
        if (in < 0)
            throw UnsupportedOp { "SAME padding over an input of unknown size" };
        // TensorFlow puts the odd element of padding at the end.
        return samePads(in, kernel, stride, dilation, false);
    }

    std::vector<std::string> conv(const Node& n, bool depthwise)
    {
        const auto xd = dims(in(n, 0)), wd = dims(in(n, 1));
        if (xd.size() != 4 || wd.size() != 4)
            throw UnsupportedOp { "a 2-D convolution needs rank-4 input and kernel" };
        const std::string x = nchw(value(n, 0));
        // OHWI -> OIHW; depthwise [1, H, W, C*M] -> [C*M, 1, H, W].
        const std::string w = depthwise ? kernel(n, 1, { 3, 0, 1, 2 }) : kernel(n, 1, { 0, 3, 1, 2 });
        const std::int64_t sh = intAttr(n, "stride_h", 1), sw = intAttr(n, "stride_w", 1);
        const std::int64_t dh = intAttr(n, "dilation_h_factor", 1), dw = intAttr(n, "dilation_w_factor", 1);
        const auto [top, bottom] = pads(n, xd[1], wd[1], sh, dh);
        const auto [left, right] = pads(n, xd[2], wd[2], sw, dw);
        std::vector<std::string> inputs { x, w };
        if (hasInput(n, 2))
            inputs.push_back(value(n, 2));
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("Conv", inputs, hint(n) + "_conv", &node);
        OnnxBuilder::setAttr(*node, "kernel_shape", std::vector<std::int64_t> { wd[1], wd[2] });
        OnnxBuilder::setAttr(*node, "strides", std::vector<std::int64_t> { sh, sw });
        OnnxBuilder::setAttr(*node, "dilations", std::vector<std::int64_t> { dh, dw });
        OnnxBuilder::setAttr(*node, "pads", std::vector<std::int64_t> { top, left, bottom, right });
        if (depthwise) {
            const std::int64_t channels = xd[3];
            if (channels <= 0 || wd[3] % channels != 0)
                throw UnsupportedOp { "its kernel's " + std::to_string(wd[3]) + " channels are not a multiple of the "
                    + "input's " + std::to_string(channels) };
            OnnxBuilder::setAttr(*node, "group", channels);
        } else if (xd[3] > 0 && wd[3] > 0 && xd[3] != wd[3]) {
            if (xd[3] % wd[3] != 0)
                throw UnsupportedOp { "its input's channels are not a multiple of its kernel's" };
            OnnxBuilder::setAttr(*node, "group", xd[3] / wd[3]);
        }
        return { activation(n, markNchw(y)) };
    }

    std::vector<std::string> pool(const Node& n, const std::string& op)
    {
        const auto xd = dims(in(n, 0));
        if (xd.size() != 4)
            throw UnsupportedOp { "a 2-D pool needs a rank-4 input" };
        const std::string x = nchw(value(n, 0));
        const std::int64_t fh = intAttr(n, "filter_height", 1), fw = intAttr(n, "filter_width", 1);
        const std::int64_t sh = intAttr(n, "stride_h", 1), sw = intAttr(n, "stride_w", 1);
        const auto [top, bottom] = pads(n, xd[1], fh, sh, 1);
        const auto [left, right] = pads(n, xd[2], fw, sw, 1);
        onnx::NodeProto* node = nullptr;
        auto y = b_.op(op, { x }, hint(n) + "_pool", &node);
        OnnxBuilder::setAttr(*node, "kernel_shape", std::vector<std::int64_t> { fh, fw });
        OnnxBuilder::setAttr(*node, "strides", std::vector<std::int64_t> { sh, sw });
        OnnxBuilder::setAttr(*node, "pads", std::vector<std::int64_t> { top, left, bottom, right });
        // TFLite averages over the elements inside the input only, as ONNX's
        // default count_include_pad = 0 does.
        return { activation(n, markNchw(y)) };
    }

    std::vector<std::string> fullyConnected(const Node& n)
    {
        const std::string format = stringAttr(n, "weights_format", "DEFAULT");
        if (format != "DEFAULT")
            throw UnsupportedOp { "weights format " + format + " (shuffled int8 weights) is not converted" };
        const auto wd = dims(in(n, 1));
        if (wd.size() != 2 || wd[1] <= 0)
            throw UnsupportedOp { "its weights are not a [outputs, inputs] matrix of known size" };
        const std::string h = hint(n);
        const std::string x = valueNhwc(n, 0);
        auto x2 = b_.op("Reshape", { x, b_.ints({ -1, wd[1] }, h + "_shape2d") }, h + "_2d");
        std::vector<std::string> inputs { x2, value(n, 1) };
        if (hasInput(n, 2))
            inputs.push_back(value(n, 2));
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("Gemm", inputs, h + "_gemm", &node);
        OnnxBuilder::setAttr(*node, "transB", std::int64_t { 1 });
        if (intAttr(n, "keep_num_dims", 0) != 0) {
            auto od = dims(n.outputs().at(0));
            if (std::count(od.begin(), od.end(), -1) > 1)
                throw UnsupportedOp { "keep_num_dims with more than one unknown dimension" };
            y = b_.op("Reshape", { y, b_.ints(od, h + "_shape") }, h + "_keep_dims");
        }
        return { activation(n, y) };
    }

    std::vector<std::string> binary(const Node& n, const std::string& op)
    {
        std::string a = value(n, 0), c = value(n, 1);
        const bool channelsFirst = nchw_.count(a) || nchw_.count(c);
        if (channelsFirst) {
            a = broadcastNchw(a, in(n, 0));
            c = broadcastNchw(c, in(n, 1));
        }
        auto y = b_.op(
            op, { a, c }, hint(n) + (stringAttr(n, "fused_activation_function", "NONE") == "NONE" ? "" : "_pre"));
        if (channelsFirst)
            markNchw(y);
        return { activation(n, y) };
    }

    std::vector<std::string> unary(const Node& n, const std::string& op)
    {
        const std::string x = value(n, 0);
        return { sameLayout(x, b_.op(op, { x }, hint(n))) };
    }

    std::vector<std::string> rsqrt(const Node& n)
    {
        const std::string x = value(n, 0);
        auto s = sameLayout(x, b_.op("Sqrt", { x }, hint(n) + "_sqrt"));
        return { sameLayout(x, b_.op("Reciprocal", { s }, hint(n))) };
    }

    std::vector<std::string> leakyRelu(const Node& n)
    {
        const std::string x = value(n, 0);
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("LeakyRelu", { x }, hint(n), &node);
        OnnxBuilder::setAttr(*node, "alpha", static_cast<float>(floatAttr(n, "alpha", 0.2)));
        return { sameLayout(x, y) };
    }

    std::vector<std::string> hardSwish(const Node& n)
    {
        const std::string x = value(n, 0);
        if (b_.opset() >= 14)
            return { sameLayout(x, b_.op("HardSwish", { x }, hint(n))) };
        // x * relu6(x + 3) / 6, as HardSigmoid(alpha 1/6, beta 1/2) times x.
        onnx::NodeProto* node = nullptr;
        auto s = b_.op("HardSigmoid", { x }, hint(n) + "_gate", &node);
        OnnxBuilder::setAttr(*node, "alpha", 1.0f / 6.0f);
        OnnxBuilder::setAttr(*node, "beta", 0.5f);
        return { sameLayout(x, b_.op("Mul", { x, s }, hint(n))) };
    }

    std::vector<std::string> reshape(const Node& n)
    {
        const std::string x = valueNhwc(n, 0);
        const std::string h = hint(n);
        std::string shape;
        std::vector<std::int64_t> fixed;
        bool isFixed = false;
        if (hasInput(n, 1) && in(n, 1)->initializer) {
            fixed = constInts(in(n, 1), "the shape");
            isFixed = true;
        } else if (hasInput(n, 1)) {
            onnx::NodeProto* node = nullptr;
            shape = b_.op("Cast", { value(n, 1) }, h + "_shape", &node);
            OnnxBuilder::setAttr(*node, "to", static_cast<std::int64_t>(DataType::Int64));
        } else if (n.attribute("new_shape")) {
            fixed = intsAttr(n, "new_shape");
            isFixed = true;
        } else {
            fixed = dims(n.outputs().at(0));
            isFixed = true;
        }
        onnx::NodeProto* node = nullptr;
        if (isFixed) {
            // TFLite's 0 is a zero-size dimension; ONNX's copies the input's
            // unless allowzero (opset 14) says otherwise.
            const bool zero = std::count(fixed.begin(), fixed.end(), 0) > 0;
            if (zero && b_.opset() < 14)
                throw UnsupportedOp { "a zero-size dimension in the new shape needs opset 14 (allowzero)" };
            auto y = b_.op("Reshape", { x, b_.ints(fixed, h + "_shape") }, h, &node);
            if (zero)
                OnnxBuilder::setAttr(*node, "allowzero", std::int64_t { 1 });
            return { y };
        }
        return { b_.op("Reshape", { x, shape }, h) };
    }

    std::vector<std::string> softmax(const Node& n)
    {
        std::string x = valueNhwc(n, 0);
        const double beta = floatAttr(n, "beta", 1.0);
        if (beta != 1.0)
            x = b_.op("Mul", { x, b_.scalar(DataType::Float, beta, hint(n) + "_beta") }, hint(n) + "_scaled");
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("Softmax", { x }, hint(n), &node);
        OnnxBuilder::setAttr(*node, "axis", std::int64_t { -1 });
        return { y };
    }

    std::vector<std::string> concatenation(const Node& n)
    {
        const int r = rank(n.outputs().at(0));
        std::int64_t axis = intAttr(n, "axis", 0);
        if (axis < 0)
            axis += r;
        if (axis < 0 || axis >= r)
            throw UnsupportedOp { "axis " + std::to_string(intAttr(n, "axis", 0)) + " of a rank-" + std::to_string(r)
                + " result" };
        std::vector<std::string> inputs;
        bool channelsFirst = false;
        for (std::size_t k = 0; k < n.inputs().size(); ++k) {
            inputs.push_back(value(n, k));
            channelsFirst = channelsFirst || nchw_.count(inputs.back());
        }
        channelsFirst = channelsFirst && r == 4;
        for (auto& x : inputs)
            x = channelsFirst ? nchw(x) : nhwc(x);
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("Concat", inputs, hint(n), &node);
        OnnxBuilder::setAttr(
            *node, "axis", channelsFirst ? static_cast<std::int64_t>(toNchwAxis(static_cast<int>(axis))) : axis);
        if (channelsFirst)
            markNchw(y);
        return { activation(n, y) };
    }

    std::vector<std::string> reduce(const Node& n, const std::string& op)
    {
        const int r = rank(in(n, 0));
        std::vector<std::int64_t> axes = constInts(in(n, 1), "the axes");
        for (auto& a : axes) {
            if (a < 0)
                a += r;
            if (a < 0 || a >= r)
                throw UnsupportedOp { "axis " + std::to_string(a) + " of a rank-" + std::to_string(r) + " input" };
        }
        std::sort(axes.begin(), axes.end());
        axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
        const bool keep = intAttr(n, "keep_dims", 0) != 0;
        std::string x = value(n, 0);
        // Reducing H and W leaves N and C in the same order either way, so an
        // NCHW input needs no Transpose then; otherwise it does.
        const bool spatial = std::count(axes.begin(), axes.end(), 1) && std::count(axes.begin(), axes.end(), 2);
        bool channelsFirst = nchw_.count(x) && r == 4 && (keep || spatial);
        std::vector<std::int64_t> onnxAxes = axes;
        if (channelsFirst) {
            for (auto& a : onnxAxes)
                a = toNchwAxis(static_cast<int>(a));
            std::sort(onnxAxes.begin(), onnxAxes.end());
        } else {
            x = nhwc(x);
        }
        const std::string h = hint(n);
        onnx::NodeProto* node = nullptr;
        std::string y;
        const bool axesInput = op == "ReduceSum" || b_.opset() >= 18;
        if (axes.empty()) {
            // TFLite reduces nothing for an empty list; ONNX would reduce all.
            y = b_.op("Identity", { x }, h);
        } else if (axesInput) {
            y = b_.op(op, { x, b_.ints(onnxAxes, h + "_axes") }, h, &node);
        } else {
            y = b_.op(op, { x }, h, &node);
            OnnxBuilder::setAttr(*node, "axes", onnxAxes);
        }
        if (node)
            OnnxBuilder::setAttr(*node, "keepdims", static_cast<std::int64_t>(keep ? 1 : 0));
        if (channelsFirst && keep)
            markNchw(y);
        return { y };
    }

    std::vector<std::string> pad(const Node& n)
    {
        const int r = rank(in(n, 0));
        const auto p = constInts(in(n, 1), "the paddings");
        if (p.size() != static_cast<std::size_t>(2 * r))
            throw UnsupportedOp { "its paddings are not a [" + std::to_string(r) + ", 2] list" };
        std::string x = value(n, 0);
        const bool channelsFirst = nchw_.count(x) && r == 4;
        std::vector<std::int64_t> onnxPads(2 * r);
        static constexpr int fromNchw[] = { 0, 3, 1, 2 };
        for (int a = 0; a < r; ++a) {
            const int src = channelsFirst ? fromNchw[a] : a;
            onnxPads[a] = p[2 * src];
            onnxPads[a + r] = p[2 * src + 1];
        }
        if (!channelsFirst)
            x = nhwc(x);
        std::vector<std::string> inputs { x, b_.ints(onnxPads, hint(n) + "_pads") };
        if (hasInput(n, 2))
            inputs.push_back(value(n, 2));
        auto y = b_.op("Pad", inputs, hint(n));
        if (channelsFirst)
            markNchw(y);
        return { y };
    }

    std::vector<std::string> squeeze(const Node& n)
    {
        const auto d = dims(in(n, 0));
        const int r = static_cast<int>(d.size());
        std::vector<std::int64_t> axes = intsAttr(n, "squeeze_dims");
        if (axes.empty())
            for (int a = 0; a < r; ++a)
                if (d[static_cast<std::size_t>(a)] == 1)
                    axes.push_back(a);
        for (auto& a : axes)
            if (a < 0)
                a += r;
        const std::string x = valueNhwc(n, 0);
        if (axes.empty())
            return { b_.op("Identity", { x }, hint(n)) };
        return { b_.op("Squeeze", { x, b_.ints(axes, hint(n) + "_axes") }, hint(n)) };
    }

    std::vector<std::string> transpose(const Node& n)
    {
        const auto perm = constInts(in(n, 1), "the permutation");
        return { transposed(valueNhwc(n, 0), perm, hint(n)) };
    }

    std::vector<std::string> stridedSlice(const Node& n)
    {
        if (intAttr(n, "ellipsis_mask", 0) != 0)
            throw UnsupportedOp { "ellipsis_mask is not converted" };
        if (intAttr(n, "new_axis_mask", 0) != 0)
            throw UnsupportedOp { "new_axis_mask is not converted" };
        if (intAttr(n, "offset", 0) != 0)
            throw UnsupportedOp { "offset (end relative to begin) is not converted" };
        const auto begin = constInts(in(n, 1), "the begin");
        const auto end = constInts(in(n, 2), "the end");
        const auto strides = hasInput(n, 3) ? constInts(in(n, 3), "the strides") : std::vector<std::int64_t>();
        const int r = rank(in(n, 0));
        if (begin.size() != end.size() || (!strides.empty() && strides.size() != begin.size())
            || begin.size() > static_cast<std::size_t>(r))
            throw UnsupportedOp { "its begin, end and strides lists do not match the input's rank" };
        const std::int64_t beginMask = intAttr(n, "begin_mask", 0), endMask = intAttr(n, "end_mask", 0);
        const std::int64_t shrinkMask = intAttr(n, "shrink_axis_mask", 0);
        constexpr auto big = std::numeric_limits<std::int64_t>::max();
        constexpr auto small = std::numeric_limits<std::int64_t>::min();
        std::vector<std::int64_t> starts, ends, axes, steps, shrink;
        for (std::size_t a = 0; a < begin.size(); ++a) {
            const std::int64_t step = strides.empty() ? 1 : strides[a];
            if (step == 0)
                throw UnsupportedOp { "a stride of 0" };
            std::int64_t s = begin[a], e = end[a];
            if (shrinkMask & (std::int64_t { 1 } << a)) {
                // One element: the slice [begin, begin + 1), then that axis goes.
                e = s == -1 ? big : s + 1;
                starts.push_back(s);
                ends.push_back(e);
                steps.push_back(1);
                axes.push_back(static_cast<std::int64_t>(a));
                shrink.push_back(static_cast<std::int64_t>(a));
                continue;
            }
            if (beginMask & (std::int64_t { 1 } << a))
                s = step > 0 ? 0 : big;
            if (endMask & (std::int64_t { 1 } << a))
                e = step > 0 ? big : small;
            starts.push_back(s);
            ends.push_back(e);
            steps.push_back(step);
            axes.push_back(static_cast<std::int64_t>(a));
        }
        const std::string h = hint(n);
        auto y = b_.op("Slice",
            { valueNhwc(n, 0), b_.ints(starts, h + "_starts"), b_.ints(ends, h + "_ends"), b_.ints(axes, h + "_axes"),
                b_.ints(steps, h + "_steps") },
            shrink.empty() ? h : h + "_slice");
        if (!shrink.empty())
            y = b_.op("Squeeze", { y, b_.ints(shrink, h + "_shrink") }, h);
        return { y };
    }

    // SPLIT (axis, input) and SPLIT_V (input, sizes, axis).
    std::vector<std::string> split(const Node& n, std::size_t data, std::size_t axisInput)
    {
        const auto d = dims(in(n, data));
        const int r = static_cast<int>(d.size());
        std::int64_t axis = static_cast<std::int64_t>(constScalar(in(n, axisInput), "the axis"));
        if (axis < 0)
            axis += r;
        if (axis < 0 || axis >= r || d[static_cast<std::size_t>(axis)] < 0)
            throw UnsupportedOp { "its axis is not an axis of known size" };
        const std::int64_t total = d[static_cast<std::size_t>(axis)];
        const std::size_t parts = n.outputs().size();
        std::vector<std::int64_t> sizes;
        if (data == 0) {
            sizes = constInts(in(n, 1), "the sizes");
            std::int64_t known = 0, unknown = -1;
            for (std::size_t k = 0; k < sizes.size(); ++k)
                if (sizes[k] < 0)
                    unknown = static_cast<std::int64_t>(k);
                else
                    known += sizes[k];
            if (unknown >= 0)
                sizes[static_cast<std::size_t>(unknown)] = total - known;
        } else {
            if (parts == 0 || total % static_cast<std::int64_t>(parts) != 0)
                throw UnsupportedOp { "an axis of " + std::to_string(total) + " does not split in "
                    + std::to_string(parts) };
            sizes.assign(parts, total / static_cast<std::int64_t>(parts));
        }
        if (sizes.size() != parts)
            throw UnsupportedOp { "its sizes do not match its outputs" };
        const std::string h = hint(n);
        std::vector<std::string> outs;
        for (const Value* o : n.outputs())
            outs.push_back(b_.fresh(o ? o->name() : h));
        auto& node = b_.node("Split", { valueNhwc(n, data), b_.ints(sizes, h + "_sizes") }, outs, h);
        OnnxBuilder::setAttr(node, "axis", axis);
        return outs;
    }

    std::vector<std::string> oneHot(const Node& n)
    {
        const std::string h = hint(n);
        auto off = b_.op("Reshape", { value(n, 3), b_.ints({ 1 }, h + "_one") }, h + "_off");
        auto on = b_.op("Reshape", { value(n, 2), b_.ints({ 1 }, h + "_one") }, h + "_on");
        onnx::NodeProto* node = nullptr;
        auto values = b_.op("Concat", { off, on }, h + "_values", &node);
        OnnxBuilder::setAttr(*node, "axis", std::int64_t { 0 });
        auto y = b_.op("OneHot", { valueNhwc(n, 0), value(n, 1), values }, h, &node);
        OnnxBuilder::setAttr(*node, "axis", intAttr(n, "axis", -1));
        note("OneHot: TFLite gives all 'off' for a negative index, ONNX counts it from the end");
        return { y };
    }

    std::vector<std::string> topK(const Node& n)
    {
        const std::string h = hint(n);
        onnx::NodeProto* node = nullptr;
        auto k = b_.op("Cast", { value(n, 1) }, h + "_k64", &node);
        OnnxBuilder::setAttr(*node, "to", static_cast<std::int64_t>(DataType::Int64));
        k = b_.op("Reshape", { k, b_.ints({ 1 }, h + "_one") }, h + "_k");
        const std::string values = b_.fresh(n.outputs().at(0) ? n.outputs()[0]->name() : h);
        const std::string indices = b_.fresh(h + "_indices64");
        auto& topk = b_.node("TopK", { valueNhwc(n, 0), k }, { values, indices }, h);
        OnnxBuilder::setAttr(topk, "axis", std::int64_t { -1 });
        std::string idx = indices;
        const Value* iv = n.outputs().size() > 1 ? n.outputs()[1] : nullptr;
        if (iv && iv->type.elementType != DataType::Int64) {
            idx = b_.op("Cast", { indices }, iv->name(), &node);
            OnnxBuilder::setAttr(*node, "to", static_cast<std::int64_t>(iv->type.elementType));
        }
        return { values, idx };
    }

    std::vector<std::string> gather(const Node& n)
    {
        if (intAttr(n, "batch_dims", 0) != 0)
            throw UnsupportedOp { "batch_dims " + std::to_string(intAttr(n, "batch_dims", 0)) + " is not converted" };
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("Gather", { valueNhwc(n, 0), valueNhwc(n, 1) }, hint(n), &node);
        OnnxBuilder::setAttr(*node, "axis", intAttr(n, "axis", 0));
        return { y };
    }

    std::vector<std::string> cast(const Node& n)
    {
        const DataType to = n.outputs().at(0)->type.elementType;
        if (to == DataType::Undefined)
            throw UnsupportedOp { "its output type is not one ONNX has" };
        const std::string x = value(n, 0);
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("Cast", { x }, hint(n), &node);
        OnnxBuilder::setAttr(*node, "to", static_cast<std::int64_t>(to));
        return { sameLayout(x, y) };
    }

    std::vector<std::string> dequantizeOp(const Node& n)
    {
        const std::string x = value(n, 0);
        const Value* v = in(n, 0);
        if (quantization(v) || v->type.elementType == DataType::Float)
            return { x };
        // float16 weights stored for size: DEQUANTIZE widens them.
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("Cast", { x }, hint(n), &node);
        OnnxBuilder::setAttr(*node, "to", static_cast<std::int64_t>(DataType::Float));
        return { sameLayout(x, y) };
    }

    const TfliteDocument* doc_;
    std::unordered_map<std::string, Handler> table_;
    std::unordered_set<std::string> nchw_; // ONNX values laid out NCHW
    std::unordered_map<std::string, std::string> toNhwc_, toNchw_, dequantized_;
};

} // namespace

std::unique_ptr<OnnxConverter> makeTfliteToOnnx(
    const Model& model, OnnxBuilder& b, OnnxExportReport& report, bool partial)
{
    return std::make_unique<TfliteToOnnx>(model, b, report, partial);
}

} // namespace nodus
