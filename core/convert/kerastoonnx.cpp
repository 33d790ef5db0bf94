// Keras -> ONNX. Tensors keep Keras's layout in the ONNX graph (channels
// last, NHWC): ops that ONNX defines on NCHW (Conv, pooling) are wrapped in
// a Transpose pair, and the kernels are transposed in the graph (HWIO ->
// OIHW), so Flatten, Reshape, Dense and Concatenate see exactly the layout
// Keras computes with. "same" padding is ONNX's SAME_UPPER (the extra
// element at the end, as TensorFlow pads).
#include "converters.h"
#include "onnxconverter.h"

#include "ir/graph.h"
#include "ir/model.h"

#include <nlohmann/json.hpp>

#include <unordered_map>

namespace nodus {

namespace {

class KerasToOnnx final : public OnnxConverter {
public:
    KerasToOnnx(const Model& model, OnnxBuilder& b, OnnxExportReport& report, bool partial)
        : OnnxConverter(model, b, report, partial, "keras")
    {
        auto pass = [this](const Node& n) -> std::vector<std::string> { return { data(n, 0) }; };
        table_ = {
            { "Dense", [this](const Node& n) { return dense(n); } },
            { "Conv1D", [this](const Node& n) { return conv(n, 1, false); } },
            { "Conv2D", [this](const Node& n) { return conv(n, 2, false); } },
            { "DepthwiseConv2D", [this](const Node& n) { return conv(n, 2, true); } },
            { "MaxPooling2D", [this](const Node& n) { return pool(n, "MaxPool"); } },
            { "AveragePooling2D", [this](const Node& n) { return pool(n, "AveragePool"); } },
            { "MaxPooling1D", [this](const Node& n) { return pool(n, "MaxPool"); } },
            { "AveragePooling1D", [this](const Node& n) { return pool(n, "AveragePool"); } },
            { "GlobalAveragePooling2D", [this](const Node& n) { return globalPool(n, "ReduceMean", 2); } },
            { "GlobalMaxPooling2D", [this](const Node& n) { return globalPool(n, "ReduceMax", 2); } },
            { "GlobalAveragePooling1D", [this](const Node& n) { return globalPool(n, "ReduceMean", 1); } },
            { "GlobalMaxPooling1D", [this](const Node& n) { return globalPool(n, "ReduceMax", 1); } },
            { "Flatten", [this](const Node& n) { return flatten(n); } },
            { "Reshape", [this](const Node& n) { return reshape(n); } },
            { "Permute", [this](const Node& n) { return permute(n); } },
            { "Activation",
                [this](const Node& n) {
                    return std::vector<std::string> { activation(
                        n, data(n, 0), stringAttr(n, "activation", "linear")) };
                } },
            { "ReLU", [this](const Node& n) { return relu(n); } },
            { "LeakyReLU", [this](const Node& n) { return leakyRelu(n); } },
            { "ELU", [this](const Node& n) { return elu(n); } },
            { "Softmax", [this](const Node& n) { return softmax(n); } },
            { "BatchNormalization", [this](const Node& n) { return batchNorm(n); } },
            { "Dropout", pass },
            { "SpatialDropout1D", pass },
            { "SpatialDropout2D", pass },
            { "GaussianNoise", pass },
            { "GaussianDropout", pass },
            { "AlphaDropout", pass },
            { "ActivityRegularization", pass },
            { "Add", [this](const Node& n) { return variadic(n, "Sum"); } },
            { "Maximum", [this](const Node& n) { return variadic(n, "Max"); } },
            { "Minimum", [this](const Node& n) { return variadic(n, "Min"); } },
            { "Average", [this](const Node& n) { return variadic(n, "Mean"); } },
            { "Multiply", [this](const Node& n) { return chain(n, "Mul"); } },
            { "Subtract", [this](const Node& n) { return chain(n, "Sub"); } },
            { "Concatenate", [this](const Node& n) { return concat(n); } },
            { "ZeroPadding2D", [this](const Node& n) { return zeroPad(n); } },
            { "Embedding", [this](const Node& n) { return embedding(n); } },
        };
    }

    void run() override
    {
        const Graph& g = *model_.graph;
        for (const Value* in : g.inputs) {
            std::vector<Dim> dims;
            for (std::size_t k = 0; k < in->type.shape.dims.size(); ++k) {
                const Dim& d = in->type.shape.dims[k];
                dims.push_back(d.isKnown() ? d : Dim::symbolic(k == 0 ? "N" : in->name() + "_" + std::to_string(k)));
            }
            const DataType type = in->type.elementType == DataType::Undefined ? DataType::Float : in->type.elementType;
            const std::string onnxName = b_.fresh(in->name());
            b_.addInput(onnxName, type, dims, in->type.shape.rankKnown);
            bind(in, onnxName);
        }
        if (std::any_of(g.nodes().begin(), g.nodes().end(), [](const auto& n) {
                return n->opType.find("Conv") != std::string::npos || n->opType.find("Pooling") != std::string::npos;
            }))
            note("tensors keep Keras's channels-last layout; Conv and pooling run between Transpose pairs");
        convertNodes(g);
        std::unordered_set<std::string> done;
        for (const Value* out : g.outputs) {
            std::string n = name(out);
            const bool isInput = std::any_of(
                b_.graph().input().begin(), b_.graph().input().end(), [&](const auto& vi) { return vi.name() == n; });
            if (isInput || done.count(n))
                n = b_.op("Identity", { n }, out->name());
            done.insert(n);
            b_.addOutput(n);
        }
    }

private:
    const Handler* handlerFor(const Node& n) const override
    {
        const auto it = table_.find(n.opType);
        return it == table_.end() ? nullptr : &it->second;
    }

    // Data inputs come first, weights (values with a stored tensor) after.
    std::string data(const Node& n, std::size_t k)
    {
        std::size_t seen = 0;
        for (std::size_t i = 0; i < n.inputs().size(); ++i)
            if (n.inputs()[i] && !n.inputs()[i]->initializer && seen++ == k)
                return input(n, i);
        throw UnsupportedOp { "input " + std::to_string(k) + " is missing" };
    }
    std::size_t dataCount(const Node& n) const
    {
        return std::count_if(n.inputs().begin(), n.inputs().end(), [](const Value* v) { return v && !v->initializer; });
    }
    const Value* weightValue(const Node& n, std::size_t k) const
    {
        std::size_t seen = 0;
        for (const Value* v : n.inputs())
            if (v && v->initializer && seen++ == k)
                return v;
        return nullptr;
    }
    std::string weight(const Node& n, std::size_t k, const char* what)
    {
        const Value* v = weightValue(n, k);
        if (!v)
            throw UnsupportedOp { std::string("the layer has no ") + what + " weight" };
        return name(v);
    }
    const Tensor& weightTensor(const Node& n, std::size_t k, const char* what) const
    {
        const Value* v = weightValue(n, k);
        if (!v)
            throw UnsupportedOp { std::string("the layer has no ") + what + " weight" };
        return *v->initializer;
    }

    std::string activation(const Node& n, const std::string& x, const std::string& act)
    {
        static const std::unordered_map<std::string, std::string> unary
            = { { "relu", "Relu" }, { "sigmoid", "Sigmoid" }, { "tanh", "Tanh" }, { "softplus", "Softplus" },
                  { "softsign", "Softsign" }, { "elu", "Elu" }, { "selu", "Selu" }, { "exponential", "Exp" } };
        if (act == "linear" || act.empty())
            return x;
        if (const auto it = unary.find(act); it != unary.end())
            return b_.op(it->second, { x }, hint(n) + "_" + act);
        if (act == "softmax") {
            onnx::NodeProto* node = nullptr;
            auto y = b_.op("Softmax", { x }, hint(n) + "_softmax", &node);
            OnnxBuilder::setAttr(*node, "axis", std::int64_t(-1));
            return y;
        }
        if (act == "relu6") {
            return b_.op("Clip", { x, b_.scalar(DataType::Float, 0, "zero"), b_.scalar(DataType::Float, 6, "six") },
                hint(n) + "_relu6");
        }
        if (act == "swish" || act == "silu")
            return b_.op("Mul", { x, b_.op("Sigmoid", { x }, hint(n) + "_sigmoid") }, hint(n) + "_swish");
        throw UnsupportedOp { "activation '" + act + "' has no ONNX mapping here" };
    }

    void requireChannelsLast(const Node& n)
    {
        const std::string format = stringAttr(n, "data_format", "channels_last");
        if (format != "channels_last")
            throw UnsupportedOp { "data_format '" + format + "' (only channels_last is converted)" };
    }
    std::vector<std::int64_t> toFirst(int spatial) const
    {
        return spatial == 1 ? std::vector<std::int64_t> { 0, 2, 1 } : std::vector<std::int64_t> { 0, 3, 1, 2 };
    }
    std::vector<std::int64_t> toLast(int spatial) const
    {
        return spatial == 1 ? std::vector<std::int64_t> { 0, 2, 1 } : std::vector<std::int64_t> { 0, 2, 3, 1 };
    }
    std::string transpose(const std::string& x, const std::vector<std::int64_t>& perm, const std::string& hintText)
    {
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("Transpose", { x }, hintText, &node);
        OnnxBuilder::setAttr(*node, "perm", perm);
        return y;
    }
    std::vector<std::int64_t> window(const Node& n, const char* name, int spatial, std::vector<std::int64_t> fallback)
    {
        auto v = intsAttr(n, name);
        if (v.empty()) {
            if (const Attribute* a = n.attribute(name); a && a->type == AttributeType::Int)
                v.assign(spatial, a->i);
        }
        if (v.empty())
            return fallback;
        if (v.size() == 1 && spatial > 1)
            v.assign(spatial, v[0]);
        if (static_cast<int>(v.size()) != spatial)
            throw UnsupportedOp { std::string(name) + " does not have " + std::to_string(spatial) + " values" };
        return v;
    }
    // "same" is SAME_UPPER where onnxruntime accepts it; with dilation it
    // does not, so the pads are spelled out from the static input size.
    void padding(const Node& n, onnx::NodeProto& node, const std::string& x, const std::vector<std::int64_t>& kernel,
        const std::vector<std::int64_t>& strides, const std::vector<std::int64_t>& dilations)
    {
        const std::string p = stringAttr(n, "padding", "valid");
        if (p == "valid")
            return;
        if (p != "same")
            throw UnsupportedOp { "padding '" + p + "' (only valid and same are converted)" };
        if (std::all_of(dilations.begin(), dilations.end(), [](std::int64_t d) { return d == 1; })) {
            OnnxBuilder::setAttr(node, "auto_pad", std::string("SAME_UPPER"));
            return;
        }
        const auto t = b_.type(x);
        const std::size_t spatial = kernel.size();
        if (!t || t->dims.size() != spatial + 2)
            throw UnsupportedOp { "dilated 'same' padding needs the input's spatial size" };
        std::vector<std::int64_t> begin, end;
        for (std::size_t k = 0; k < spatial; ++k) {
            const std::int64_t in = t->dims[k + 2];
            if (in < 0)
                throw UnsupportedOp { "dilated 'same' padding needs the input's spatial size" };
            const std::int64_t out = (in + strides[k] - 1) / strides[k];
            const std::int64_t total
                = std::max<std::int64_t>((out - 1) * strides[k] + (kernel[k] - 1) * dilations[k] + 1 - in, 0);
            begin.push_back(total / 2);
            end.push_back(total - total / 2);
        }
        begin.insert(begin.end(), end.begin(), end.end());
        OnnxBuilder::setAttr(node, "pads", begin);
    }

    std::vector<std::string> dense(const Node& n)
    {
        const std::string x = data(n, 0);
        std::string y = b_.op("MatMul", { x, weight(n, 0, "kernel") }, hint(n) + "_matmul");
        if (intAttr(n, "use_bias", 1))
            y = b_.op("Add", { y, weight(n, 1, "bias") }, hint(n) + "_bias");
        return { activation(n, y, stringAttr(n, "activation", "linear")) };
    }

    std::vector<std::string> conv(const Node& n, int spatial, bool depthwise)
    {
        requireChannelsLast(n);
        const std::string x = transpose(data(n, 0), toFirst(spatial), hint(n) + "_nchw");
        const Tensor& k = weightTensor(n, 0, "kernel");
        if (static_cast<int>(k.dims.size()) != spatial + 2)
            throw UnsupportedOp { "the kernel does not have rank " + std::to_string(spatial + 2) };
        std::string w;
        std::int64_t group = 1;
        if (depthwise) {
            // (kh, kw, C, M) -> (C, M, kh, kw) -> (C*M, 1, kh, kw): output c*M + m as Keras orders it.
            const std::string t = transpose(weight(n, 0, "kernel"), { 2, 3, 0, 1 }, hint(n) + "_kernel");
            w = b_.op("Reshape", { t, b_.ints({ k.dims[2] * k.dims[3], 1, k.dims[0], k.dims[1] }, hint(n) + "_shape") },
                hint(n) + "_weights");
            group = k.dims[2];
        } else {
            std::vector<std::int64_t> perm
                = spatial == 1 ? std::vector<std::int64_t> { 2, 1, 0 } : std::vector<std::int64_t> { 3, 2, 0, 1 };
            w = transpose(weight(n, 0, "kernel"), perm, hint(n) + "_weights");
            if (intAttr(n, "groups", 1) != 1)
                throw UnsupportedOp { "grouped convolution" };
        }
        std::vector<std::string> inputs = { x, w };
        if (intAttr(n, "use_bias", 1))
            inputs.push_back(weight(n, 1, "bias"));
        onnx::NodeProto* node = nullptr;
        std::string y = b_.op("Conv", inputs, hint(n) + "_conv", &node);
        const std::vector<std::int64_t> kernelShape(k.dims.begin(), k.dims.begin() + spatial);
        const auto strides = window(n, "strides", spatial, std::vector<std::int64_t>(spatial, 1));
        const auto dilations = window(n, "dilation_rate", spatial, std::vector<std::int64_t>(spatial, 1));
        OnnxBuilder::setAttr(*node, "kernel_shape", kernelShape);
        OnnxBuilder::setAttr(*node, "strides", strides);
        OnnxBuilder::setAttr(*node, "dilations", dilations);
        if (group != 1)
            OnnxBuilder::setAttr(*node, "group", group);
        padding(n, *node, x, kernelShape, strides, dilations);
        y = transpose(y, toLast(spatial), hint(n) + "_nhwc");
        return { activation(n, y, stringAttr(n, "activation", "linear")) };
    }

    std::vector<std::string> pool(const Node& n, const char* op)
    {
        requireChannelsLast(n);
        const int spatial = n.opType.find("1D") != std::string::npos ? 1 : 2;
        const auto size = window(n, "pool_size", spatial, std::vector<std::int64_t>(spatial, 2));
        const std::string x = transpose(data(n, 0), toFirst(spatial), hint(n) + "_nchw");
        onnx::NodeProto* node = nullptr;
        std::string y = b_.op(op, { x }, hint(n) + "_pool", &node);
        OnnxBuilder::setAttr(*node, "kernel_shape", size);
        const auto strides = window(n, "strides", spatial, size);
        OnnxBuilder::setAttr(*node, "strides", strides);
        padding(n, *node, x, size, strides, std::vector<std::int64_t>(spatial, 1));
        return { transpose(y, toLast(spatial), hint(n)) };
    }

    std::vector<std::string> globalPool(const Node& n, const char* op, int spatial)
    {
        requireChannelsLast(n);
        const std::vector<std::int64_t> axes
            = spatial == 1 ? std::vector<std::int64_t> { 1 } : std::vector<std::int64_t> { 1, 2 };
        const std::int64_t keep = intAttr(n, "keepdims", 0);
        onnx::NodeProto* node = nullptr;
        std::string y;
        // ReduceMean/ReduceMax take axes as an input from opset 18.
        if (b_.opset() >= 18) {
            y = b_.op(op, { data(n, 0), b_.ints(axes, hint(n) + "_axes") }, hint(n), &node);
        } else {
            y = b_.op(op, { data(n, 0) }, hint(n), &node);
            OnnxBuilder::setAttr(*node, "axes", axes);
        }
        OnnxBuilder::setAttr(*node, "keepdims", keep);
        return { y };
    }

    std::vector<std::string> flatten(const Node& n)
    {
        requireChannelsLast(n);
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("Flatten", { data(n, 0) }, hint(n), &node);
        OnnxBuilder::setAttr(*node, "axis", std::int64_t(1));
        return { y };
    }

    std::vector<std::string> reshape(const Node& n)
    {
        std::vector<std::int64_t> shape = { 0 }; // the batch stays
        const auto target = intsAttr(n, "target_shape");
        if (target.empty())
            throw UnsupportedOp { "no target_shape" };
        shape.insert(shape.end(), target.begin(), target.end());
        return { b_.op("Reshape", { data(n, 0), b_.ints(shape, hint(n) + "_shape") }, hint(n)) };
    }

    std::vector<std::string> permute(const Node& n)
    {
        std::vector<std::int64_t> perm = { 0 };
        for (auto d : intsAttr(n, "dims"))
            perm.push_back(d);
        return { transpose(data(n, 0), perm, hint(n)) };
    }

    std::vector<std::string> relu(const Node& n)
    {
        const std::string x = data(n, 0);
        const double slope = floatAttr(n, "negative_slope", 0.0);
        const double threshold = floatAttr(n, "threshold", 0.0);
        if (threshold != 0.0)
            throw UnsupportedOp { "ReLU with a threshold" };
        std::string y;
        if (slope != 0.0) {
            onnx::NodeProto* node = nullptr;
            y = b_.op("LeakyRelu", { x }, hint(n) + "_leaky", &node);
            OnnxBuilder::setAttr(*node, "alpha", static_cast<float>(slope));
        } else {
            y = b_.op("Relu", { x }, hint(n) + "_relu");
        }
        if (const Attribute* max = n.attribute("max_value")) {
            const double v = max->type == AttributeType::Int ? double(max->i) : max->f;
            if (slope != 0.0)
                throw UnsupportedOp { "ReLU with both a negative slope and a max_value" };
            y = b_.op("Clip", { y, b_.scalar(DataType::Float, 0, "zero"), b_.scalar(DataType::Float, v, "max") },
                hint(n) + "_clip");
        }
        return { y };
    }

    std::vector<std::string> leakyRelu(const Node& n)
    {
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("LeakyRelu", { data(n, 0) }, hint(n), &node);
        // Keras 2 calls the slope alpha (default 0.3), Keras 3 negative_slope.
        const double alpha
            = n.attribute("negative_slope") ? floatAttr(n, "negative_slope", 0.3) : floatAttr(n, "alpha", 0.3);
        OnnxBuilder::setAttr(*node, "alpha", static_cast<float>(alpha));
        return { y };
    }

    std::vector<std::string> elu(const Node& n)
    {
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("Elu", { data(n, 0) }, hint(n), &node);
        OnnxBuilder::setAttr(*node, "alpha", static_cast<float>(floatAttr(n, "alpha", 1.0)));
        return { y };
    }

    std::vector<std::string> softmax(const Node& n)
    {
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("Softmax", { data(n, 0) }, hint(n), &node);
        std::int64_t axis = -1;
        if (const Attribute* a = n.attribute("axis")) {
            if (a->type == AttributeType::Int)
                axis = a->i;
            else if (a->type == AttributeType::Ints && a->ints.size() == 1)
                axis = a->ints[0];
            else
                throw UnsupportedOp { "softmax over several axes" };
        }
        OnnxBuilder::setAttr(*node, "axis", axis);
        return { y };
    }

    // y = x * gamma / sqrt(var + eps) + (beta - mean * gamma / sqrt(var + eps)),
    // broadcast over the last axis (the channel axis of channels_last data).
    std::vector<std::string> batchNorm(const Node& n)
    {
        const std::string x = data(n, 0);
        std::int64_t axis = -1;
        if (const Attribute* a = n.attribute("axis")) {
            if (a->type == AttributeType::Int)
                axis = a->i;
            else if (a->type == AttributeType::Ints && a->ints.size() == 1)
                axis = a->ints[0];
            else
                throw UnsupportedOp { "normalization over several axes" };
        }
        const auto rank = b_.rank(x);
        if (axis != -1 && (!rank || axis != *rank - 1))
            throw UnsupportedOp { "batch normalization over axis " + std::to_string(axis)
                + " (only the last axis is converted)" };
        const bool scale = intAttr(n, "scale", 1), center = intAttr(n, "center", 1);
        std::size_t k = 0;
        const std::string gamma = scale ? weight(n, k++, "gamma") : std::string();
        const std::string beta = center ? weight(n, k++, "beta") : std::string();
        const std::string mean = weight(n, k++, "moving_mean");
        const std::string var = weight(n, k++, "moving_variance");
        const std::string h = hint(n);
        const auto eps = b_.scalar(DataType::Float, floatAttr(n, "epsilon", 0.001), h + "_epsilon");
        std::string factor = b_.op(
            "Reciprocal", { b_.op("Sqrt", { b_.op("Add", { var, eps }, h + "_var") }, h + "_std") }, h + "_inv_std");
        if (scale)
            factor = b_.op("Mul", { factor, gamma }, h + "_scale");
        std::string shift = b_.op("Neg", { b_.op("Mul", { mean, factor }, h + "_mean_scaled") }, h + "_neg_mean");
        if (center)
            shift = b_.op("Add", { shift, beta }, h + "_shift");
        return { b_.op("Add", { b_.op("Mul", { x, factor }, h + "_scaled"), shift }, h) };
    }

    std::vector<std::string> variadic(const Node& n, const char* op)
    {
        std::vector<std::string> in;
        for (std::size_t k = 0; k < dataCount(n); ++k)
            in.push_back(data(n, k));
        if (in.empty())
            throw UnsupportedOp { "no inputs" };
        return { b_.op(op, in, hint(n)) };
    }

    std::vector<std::string> chain(const Node& n, const char* op)
    {
        std::string y = data(n, 0);
        for (std::size_t k = 1; k < dataCount(n); ++k)
            y = b_.op(op, { y, data(n, k) }, hint(n));
        return { y };
    }

    std::vector<std::string> concat(const Node& n)
    {
        std::vector<std::string> in;
        for (std::size_t k = 0; k < dataCount(n); ++k)
            in.push_back(data(n, k));
        onnx::NodeProto* node = nullptr;
        auto y = b_.op("Concat", in, hint(n), &node);
        OnnxBuilder::setAttr(*node, "axis", intAttr(n, "axis", -1));
        return { y };
    }

    std::vector<std::string> zeroPad(const Node& n)
    {
        requireChannelsLast(n);
        std::int64_t t = 1, bo = 1, l = 1, r = 1;
        if (const Attribute* a = n.attribute("padding")) {
            if (a->type == AttributeType::Int) {
                t = bo = l = r = a->i;
            } else if (a->type == AttributeType::Ints && a->ints.size() == 2) {
                t = bo = a->ints[0];
                l = r = a->ints[1];
            } else if (a->type == AttributeType::String) {
                // ((top, bottom), (left, right)), kept as JSON text.
                const auto j = nlohmann::json::parse(a->s, nullptr, false);
                auto pair = [&](const nlohmann::json& p, std::int64_t& x, std::int64_t& y) {
                    if (p.is_number_integer())
                        x = y = p.get<std::int64_t>();
                    else if (p.is_array() && p.size() == 2 && p[0].is_number_integer() && p[1].is_number_integer()) {
                        x = p[0].get<std::int64_t>();
                        y = p[1].get<std::int64_t>();
                    } else
                        throw UnsupportedOp { "padding " + a->s + " is not ((top, bottom), (left, right))" };
                };
                if (!j.is_array() || j.size() != 2)
                    throw UnsupportedOp { "padding " + a->s + " is not ((top, bottom), (left, right))" };
                pair(j[0], t, bo);
                pair(j[1], l, r);
            } else {
                throw UnsupportedOp { "padding '" + a->valueText() + "' is not understood" };
            }
        }
        return { b_.op("Pad", { data(n, 0), b_.ints({ 0, t, l, 0, 0, bo, r, 0 }, hint(n) + "_pads") }, hint(n)) };
    }

    std::vector<std::string> embedding(const Node& n)
    {
        onnx::NodeProto* cast = nullptr;
        auto idx = b_.op("Cast", { data(n, 0) }, hint(n) + "_indices", &cast);
        OnnxBuilder::setAttr(*cast, "to", static_cast<std::int64_t>(DataType::Int64));
        return { b_.op("Gather", { weight(n, 0, "embeddings"), idx }, hint(n)) };
    }

    std::unordered_map<std::string, Handler> table_;
};

} // namespace

std::unique_ptr<OnnxConverter> makeKerasToOnnx(
    const Model& model, OnnxBuilder& b, OnnxExportReport& report, bool partial)
{
    return std::make_unique<KerasToOnnx>(model, b, report, partial);
}

} // namespace nodus
