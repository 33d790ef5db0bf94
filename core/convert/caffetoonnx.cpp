// Caffe -> ONNX. Caffe blobs are NCHW like ONNX, so most layers map one to
// one; what differs: in-place layers (already versioned by the importer),
// BatchNorm's stored scale factor, Scale/PReLU's per-channel blobs (reshaped
// to broadcast), InnerProduct over the flattened trailing axes (Flatten +
// Gemm), and Pooling's default ceil rounding.
#include "converters.h"
#include "onnxconverter.h"

#include "ir/model.h"
#include "ir/ownedtensordata.h"

#include <cstring>
#include <unordered_map>

namespace nodus {

namespace {

class CaffeToOnnx final : public OnnxConverter {
public:
    CaffeToOnnx(const Model& model, OnnxBuilder& b, OnnxExportReport& report, bool partial)
        : OnnxConverter(model, b, report, partial, "caffe")
    {
        table_ = {
            { "Input", [this](const Node& n) { return inputLayer(n); } },
            { "Convolution", [this](const Node& n) { return convolution(n); } },
            { "Pooling", [this](const Node& n) { return pooling(n); } },
            { "ReLU", [this](const Node& n) { return relu(n); } },
            { "Sigmoid", [this](const Node& n) { return unary(n, "Sigmoid"); } },
            { "TanH", [this](const Node& n) { return unary(n, "Tanh"); } },
            { "AbsVal", [this](const Node& n) { return unary(n, "Abs"); } },
            { "Dropout", [this](const Node& n) { return unary(n, "Identity"); } },
            { "Softmax", [this](const Node& n) { return softmax(n); } },
            { "InnerProduct", [this](const Node& n) { return innerProduct(n); } },
            { "Concat", [this](const Node& n) { return concat(n); } },
            { "Split", [this](const Node& n) { return split(n); } },
            { "Eltwise", [this](const Node& n) { return eltwise(n); } },
            { "BatchNorm", [this](const Node& n) { return batchNorm(n); } },
            { "Scale", [this](const Node& n) { return scale(n); } },
            { "PReLU", [this](const Node& n) { return prelu(n); } },
            { "Flatten", [this](const Node& n) { return flatten(n); } },
            { "Reshape", [this](const Node& n) { return reshape(n); } },
            { "LRN", [this](const Node& n) { return lrn(n); } },
        };
    }

    void run() override
    {
        const Graph& g = *model_.graph;
        for (const Value* in : g.inputs) {
            std::vector<Dim> dims;
            for (const Dim& d : in->type.shape.dims)
                dims.push_back(d);
            const std::string n = b_.fresh(in->name());
            b_.addInput(n, DataType::Float, dims, in->type.shape.rankKnown);
            bind(in, n);
        }
        convertNodes(g);
        for (const Value* out : g.outputs)
            b_.addOutput(b_.op("Identity", { name(out) }, out->name()));
    }

private:
    const Handler* handlerFor(const Node& n) const override
    {
        const auto it = table_.find(n.opType);
        return it == table_.end() ? nullptr : &it->second;
    }

    // A per-channel blob shaped to broadcast over NC...: [C, 1, ..., 1].
    std::string channelwise(const Tensor& t, const std::string& x, const std::string& hint)
    {
        const auto rank = b_.rank(x);
        if (!rank || *rank < 2)
            throw UnsupportedOp { "the rank of its input is not known" };
        const auto count = t.elementCount().value_or(0);
        std::vector<std::int64_t> dims = { static_cast<std::int64_t>(count) };
        for (int k = 2; k < *rank; ++k)
            dims.push_back(1);
        return b_.initializer(t, hint, dims);
    }

    std::vector<std::int64_t> spatial(const Node& n, const char* both, const char* h, const char* w, std::int64_t def)
    {
        const auto list = intsAttr(n, both);
        std::int64_t vh = def, vw = def;
        if (list.size() == 1)
            vh = vw = list[0];
        else if (list.size() >= 2)
            vh = list[0], vw = list[1];
        else if (const Attribute* a = n.attribute(both); a && a->type == AttributeType::Int)
            vh = vw = a->i;
        vh = intAttr(n, h, vh);
        vw = intAttr(n, w, vw);
        return { vh, vw };
    }

    std::vector<std::string> inputLayer(const Node& n)
    {
        const auto shape = intsAttr(n, "shape");
        if (shape.empty())
            throw UnsupportedOp { "an Input layer without a shape" };
        std::vector<Dim> dims;
        for (const auto d : shape)
            dims.push_back(Dim::known(d));
        const std::string name = b_.fresh(n.outputs()[0]->name());
        b_.addInput(name, DataType::Float, dims, true);
        return { name };
    }

    std::vector<std::string> convolution(const Node& n)
    {
        const auto w = weights(n);
        if (w.empty())
            throw UnsupportedOp { "the layer has no weights (open the .prototxt with its .caffemodel)" };
        if (w[0]->dims.size() != 4)
            throw UnsupportedOp { "only 2-D convolutions are converted" };
        const auto kernel = spatial(n, "kernel_size", "kernel_h", "kernel_w", 0);
        const auto stride = spatial(n, "stride", "stride_h", "stride_w", 1);
        const auto pad = spatial(n, "pad", "pad_h", "pad_w", 0);
        const auto dilation = spatial(n, "dilation", "dilation_h", "dilation_w", 1);
        if (kernel[0] && (kernel[0] != w[0]->dims[2] || kernel[1] != w[0]->dims[3]))
            throw UnsupportedOp { "kernel_size does not match the weight's shape" };
        onnx::NodeProto* node = nullptr;
        std::vector<std::string> ins = { data(n), name(n.inputs()[1]) };
        if (w.size() > 1)
            ins.push_back(name(n.inputs()[2]));
        const std::string y = b_.op("Conv", ins, n.name, &node);
        OnnxBuilder::setAttr(*node, "kernel_shape", std::vector<std::int64_t> { w[0]->dims[2], w[0]->dims[3] });
        OnnxBuilder::setAttr(*node, "strides", stride);
        OnnxBuilder::setAttr(*node, "pads", std::vector<std::int64_t> { pad[0], pad[1], pad[0], pad[1] });
        OnnxBuilder::setAttr(*node, "dilations", dilation);
        OnnxBuilder::setAttr(*node, "group", intAttr(n, "group", 1));
        return { y };
    }

    std::vector<std::string> pooling(const Node& n)
    {
        const std::string x = data(n);
        const std::string method = stringAttr(n, "pool", "MAX");
        if (method != "MAX" && method != "AVE")
            throw UnsupportedOp { method + " pooling has no ONNX equivalent" };
        if (intAttr(n, "global_pooling", 0))
            return { b_.op(method == "MAX" ? "GlobalMaxPool" : "GlobalAveragePool", { x }, n.name) };
        const auto kernel = spatial(n, "kernel_size", "kernel_h", "kernel_w", 0);
        const auto stride = spatial(n, "stride", "stride_h", "stride_w", 1);
        const auto pad = spatial(n, "pad", "pad_h", "pad_w", 0);
        if (!kernel[0] || !kernel[1])
            throw UnsupportedOp { "the pooling kernel size is not set" };
        if (method == "AVE" && (pad[0] || pad[1]))
            throw UnsupportedOp { "padded average pooling divides by a clipped window in Caffe" };
        // Caffe rounds the output size up unless told to round down; a last
        // window that would start in the padding is dropped, which ONNX's
        // ceil_mode does not do: refused when it would matter.
        const bool ceil = stringAttr(n, "round_mode", "CEIL") == "CEIL";
        if (ceil && (pad[0] || pad[1])) {
            const auto dims = b_.staticDims(x);
            if (!dims || dims->size() != 4)
                throw UnsupportedOp { "ceil-mode padded pooling needs a known input shape" };
            for (int a = 0; a < 2; ++a) {
                const std::int64_t in = (*dims)[2 + a];
                const std::int64_t out = (in + 2 * pad[a] - kernel[a] + stride[a] - 1) / stride[a] + 1;
                if ((out - 1) * stride[a] >= in + pad[a])
                    throw UnsupportedOp { "Caffe drops a last pooling window that ONNX keeps" };
            }
        }
        onnx::NodeProto* node = nullptr;
        const std::string y = b_.op(method == "MAX" ? "MaxPool" : "AveragePool", { x }, n.name, &node);
        OnnxBuilder::setAttr(*node, "kernel_shape", kernel);
        OnnxBuilder::setAttr(*node, "strides", stride);
        OnnxBuilder::setAttr(*node, "pads", std::vector<std::int64_t> { pad[0], pad[1], pad[0], pad[1] });
        if (ceil)
            OnnxBuilder::setAttr(*node, "ceil_mode", std::int64_t(1));
        return { y };
    }

    std::vector<std::string> relu(const Node& n)
    {
        const double slope = floatAttr(n, "negative_slope", 0);
        if (slope == 0)
            return unary(n, "Relu");
        onnx::NodeProto* node = nullptr;
        const std::string y = b_.op("LeakyRelu", { data(n) }, n.name, &node);
        OnnxBuilder::setAttr(*node, "alpha", static_cast<float>(slope));
        return { y };
    }

    std::vector<std::string> unary(const Node& n, const char* op) { return { b_.op(op, { data(n) }, n.name) }; }

    std::vector<std::string> softmax(const Node& n)
    {
        if (b_.opset() < 13)
            throw UnsupportedOp { "Softmax over one axis needs opset 13" };
        onnx::NodeProto* node = nullptr;
        const std::string y = b_.op("Softmax", { data(n) }, n.name, &node);
        OnnxBuilder::setAttr(*node, "axis", intAttr(n, "axis", 1));
        return { y };
    }

    std::vector<std::string> innerProduct(const Node& n)
    {
        const auto w = weights(n);
        if (w.empty())
            throw UnsupportedOp { "the layer has no weights (open the .prototxt with its .caffemodel)" };
        if (w[0]->dims.size() != 2 && w[0]->dims.size() != 4)
            throw UnsupportedOp { "unexpected weight shape" };
        const std::int64_t numOutput = w[0]->dims[w[0]->dims.size() == 4 ? 2 : 0];
        const std::int64_t count = static_cast<std::int64_t>(w[0]->elementCount().value_or(0));
        const bool transpose = intAttr(n, "transpose", 0) != 0;
        onnx::NodeProto* flat = nullptr;
        const std::string x = b_.op("Flatten", { data(n) }, n.name + "_flat", &flat);
        OnnxBuilder::setAttr(*flat, "axis", intAttr(n, "axis", 1));
        const std::int64_t k = numOutput ? count / numOutput : 0;
        // V1 blobs are [1, 1, N, K]: the same bytes as [N, K].
        std::vector<std::string> ins = { x,
            b_.initializer(*w[0], w[0]->name,
                transpose ? std::vector<std::int64_t> { k, numOutput } : std::vector<std::int64_t> { numOutput, k }) };
        if (w.size() > 1)
            ins.push_back(b_.initializer(*w[1], w[1]->name, { numOutput }));
        onnx::NodeProto* node = nullptr;
        const std::string y = b_.op("Gemm", ins, n.name, &node);
        if (!transpose)
            OnnxBuilder::setAttr(*node, "transB", std::int64_t(1));
        return { y };
    }

    std::vector<std::string> concat(const Node& n)
    {
        std::vector<std::string> ins;
        for (std::size_t k = 0; k < n.inputs().size(); ++k)
            ins.push_back(input(n, k));
        onnx::NodeProto* node = nullptr;
        const std::string y = b_.op("Concat", ins, n.name, &node);
        OnnxBuilder::setAttr(*node, "axis", intAttr(n, "axis", 1));
        return { y };
    }

    std::vector<std::string> split(const Node& n) { return std::vector<std::string>(n.outputs().size(), data(n)); }

    std::vector<std::string> eltwise(const Node& n)
    {
        std::vector<std::string> ins;
        for (std::size_t k = 0; k < n.inputs().size(); ++k)
            ins.push_back(input(n, k));
        const std::string op = stringAttr(n, "operation", "SUM");
        if (op == "PROD")
            return { b_.op("Mul", ins, n.name) };
        if (op == "MAX")
            return { b_.op("Max", ins, n.name) };
        const auto coeff = n.attribute("coeff");
        if (coeff && !coeff->floats.empty()) {
            if (coeff->floats.size() != ins.size())
                throw UnsupportedOp { "coeff does not list one factor per input" };
            for (std::size_t k = 0; k < ins.size(); ++k)
                if (coeff->floats[k] != 1.0)
                    ins[k] = b_.op("Mul", { ins[k], b_.scalar(DataType::Float, coeff->floats[k], "coeff") }, n.name);
        }
        return { b_.op("Sum", ins, n.name) };
    }

    std::vector<std::string> batchNorm(const Node& n)
    {
        const auto w = weights(n);
        if (w.size() < 2)
            throw UnsupportedOp { "the layer has no mean and variance (open the .prototxt with its .caffemodel)" };
        auto mean = floats(*w[0]);
        auto var = floats(*w[1]);
        float factor = w.size() > 2 && !floats(*w[2]).empty() ? floats(*w[2])[0] : 1.f;
        // Caffe stores running sums; the factor divides them (0: all zero).
        const float inv = factor == 0 ? 0.f : 1.f / factor;
        for (auto& m : mean)
            m *= inv;
        for (auto& v : var)
            v *= inv;
        const auto c = static_cast<std::int64_t>(mean.size());
        if (var.size() != mean.size())
            throw UnsupportedOp { "mean and variance differ in size" };
        onnx::NodeProto* node = nullptr;
        const std::string y = b_.op("BatchNormalization",
            { data(n), constant(std::vector<float>(mean.size(), 1.f), { c }, n.name + "_scale"),
                constant(std::vector<float>(mean.size(), 0.f), { c }, n.name + "_bias"),
                constant(mean, { c }, n.name + "_mean"), constant(var, { c }, n.name + "_var") },
            n.name, &node);
        OnnxBuilder::setAttr(*node, "epsilon", static_cast<float>(floatAttr(n, "eps", 1e-5)));
        return { y };
    }

    std::vector<std::string> scale(const Node& n)
    {
        const auto w = weights(n);
        if (w.empty())
            throw UnsupportedOp { "a Scale without stored weights (a second input) is not converted" };
        if (intAttr(n, "axis", 1) != 1 || intAttr(n, "num_axes", 1) != 1)
            throw UnsupportedOp { "only per-channel Scale (axis 1, num_axes 1) is converted" };
        const std::string x = data(n);
        std::string y = b_.op("Mul", { x, channelwise(*w[0], x, w[0]->name) }, n.name);
        if (w.size() > 1)
            y = b_.op("Add", { y, channelwise(*w[1], x, w[1]->name) }, n.name);
        return { y };
    }

    std::vector<std::string> prelu(const Node& n)
    {
        const auto w = weights(n);
        if (w.empty())
            throw UnsupportedOp { "the layer has no slopes" };
        const std::string x = data(n);
        return { b_.op("PRelu", { x, channelwise(*w[0], x, w[0]->name) }, n.name) };
    }

    std::vector<std::string> flatten(const Node& n)
    {
        if (intAttr(n, "end_axis", -1) != -1)
            throw UnsupportedOp { "Flatten with an end_axis is not converted" };
        onnx::NodeProto* node = nullptr;
        const std::string y = b_.op("Flatten", { data(n) }, n.name, &node);
        OnnxBuilder::setAttr(*node, "axis", intAttr(n, "axis", 1));
        return { y };
    }

    std::vector<std::string> reshape(const Node& n)
    {
        if (intAttr(n, "axis", 0) != 0 || intAttr(n, "num_axes", -1) != -1)
            throw UnsupportedOp { "partial Reshape (axis, num_axes) is not converted" };
        const auto shape = intsAttr(n, "shape");
        if (shape.empty())
            throw UnsupportedOp { "Reshape without a target shape" };
        // Caffe's 0 (copy) and -1 (infer) mean what ONNX's do.
        return { b_.op("Reshape", { data(n), b_.ints(shape, n.name + "_shape") }, n.name) };
    }

    std::vector<std::string> lrn(const Node& n)
    {
        if (stringAttr(n, "norm_region", "ACROSS_CHANNELS") != "ACROSS_CHANNELS")
            throw UnsupportedOp { "LRN within a channel has no ONNX equivalent" };
        onnx::NodeProto* node = nullptr;
        const std::string y = b_.op("LRN", { data(n) }, n.name, &node);
        OnnxBuilder::setAttr(*node, "size", intAttr(n, "local_size", 5));
        OnnxBuilder::setAttr(*node, "alpha", static_cast<float>(floatAttr(n, "alpha", 1.0)));
        OnnxBuilder::setAttr(*node, "beta", static_cast<float>(floatAttr(n, "beta", 0.75)));
        OnnxBuilder::setAttr(*node, "bias", static_cast<float>(floatAttr(n, "k", 1.0)));
        return { y };
    }

    std::unordered_map<std::string, Handler> table_;
};

} // namespace

std::unique_ptr<OnnxConverter> makeCaffeToOnnx(
    const Model& model, OnnxBuilder& b, OnnxExportReport& report, bool partial)
{
    return std::make_unique<CaffeToOnnx>(model, b, report, partial);
}

} // namespace nodus
