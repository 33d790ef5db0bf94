#include "ncnnweights.h"

#include <set>

namespace nodus {

namespace {

bool isConvolution(std::string_view t)
{
    return t.starts_with("Convolution") || t.starts_with("Deconvolution");
}

int spatialRank(std::string_view t)
{
    if (t.ends_with("1D"))
        return 1;
    if (t.ends_with("3D"))
        return 3;
    return 2;
}

// Layers whose load_model() reads nothing.
const std::set<std::string_view>& weightless()
{
    static const std::set<std::string_view> s = { "AbsVal", "ArgMax", "BNLL", "Concat", "Crop", "Dropout", "Eltwise",
        "ELU", "Exp", "Flatten", "Input", "Log", "LRN", "MVN", "Pooling", "Pooling1D", "Pooling3D", "Power", "Proposal",
        "Reduction", "ReLU", "Reshape", "ROIPooling", "Sigmoid", "Slice", "Softmax", "Split", "SPP", "TanH",
        "Threshold", "Tile", "BinaryOp", "UnaryOp", "Squeeze", "ExpandDims", "Permute", "PriorBox", "DetectionOutput",
        "Interp", "ShuffleChannel", "Clip", "Reorg", "YoloDetectionOutput", "Yolov3DetectionOutput", "PSROIPooling",
        "ROIAlign", "Packing", "Cast", "HardSigmoid", "SELU", "HardSwish", "Noop", "PixelShuffle", "DeepCopy", "Mish",
        "StatisticsPooling", "Swish", "Softplus", "GELU", "MatMul", "Einsum", "GLU", "Fold", "Unfold", "GridSample",
        "CumulativeSum" };
    return s;
}

std::vector<std::int64_t> flat(std::int64_t n)
{
    return { n };
}

} // namespace

std::optional<std::vector<NcnnWeightSpec>> ncnnWeightLayout(const NcnnLayer& layer, std::string& why)
{
    const std::string_view t = layer.type;
    std::vector<NcnnWeightSpec> out;
    auto raw = [&](std::string suffix, std::int64_t n) { out.push_back({ std::move(suffix), n, false, flat(n) }); };
    if (weightless().count(t))
        return out;
    if (isConvolution(t)) {
        const bool deconv = t.starts_with("Deconvolution");
        if (!deconv && layer.intParam(8, 0) != 0) {
            why = "int8 quantized convolution weights are not interpreted";
            return std::nullopt;
        }
        const int rank = spatialRank(t);
        if (layer.intParam(deconv ? 28 : 19, 0) != 0 && rank == 2)
            return out; // dynamic weights come from inputs
        const std::int64_t numOutput = layer.intParam(0, 0);
        const std::int64_t kw = layer.intParam(1, 0);
        const std::int64_t kh = rank >= 2 ? layer.intParam(11, static_cast<std::int32_t>(kw)) : 1;
        const std::int64_t kd = rank == 3 ? layer.intParam(21, static_cast<std::int32_t>(kw)) : 1;
        const std::int64_t size = layer.intParam(6, 0);
        NcnnWeightSpec w { "weight", size, true, flat(size) };
        const std::int64_t k = kw * kh * kd;
        if (numOutput > 0 && k > 0 && size > 0 && size % (numOutput * k) == 0) {
            w.dims = { numOutput, size / (numOutput * k) };
            if (rank == 3)
                w.dims.push_back(kd);
            if (rank >= 2)
                w.dims.push_back(kh);
            w.dims.push_back(kw);
        }
        out.push_back(std::move(w));
        if (layer.intParam(5, 0) != 0)
            raw("bias", numOutput);
        return out;
    }
    if (t == "InnerProduct") {
        if (layer.intParam(8, 0) != 0) {
            why = "int8 quantized inner product weights are not interpreted";
            return std::nullopt;
        }
        const std::int64_t numOutput = layer.intParam(0, 0);
        const std::int64_t size = layer.intParam(2, 0);
        NcnnWeightSpec w { "weight", size, true, flat(size) };
        if (numOutput > 0 && size % numOutput == 0)
            w.dims = { numOutput, size / numOutput };
        out.push_back(std::move(w));
        if (layer.intParam(1, 0) != 0)
            raw("bias", numOutput);
        return out;
    }
    if (t == "BatchNorm") {
        const std::int64_t c = layer.intParam(0, 0);
        for (const char* s : { "slope", "mean", "variance", "bias" })
            raw(s, c);
        return out;
    }
    if (t == "Scale") {
        const std::int64_t n = layer.intParam(0, 0);
        if (n == -233)
            return out; // the scale is the second input
        raw("scale", n);
        if (layer.intParam(1, 0) != 0)
            raw("bias", n);
        return out;
    }
    if (t == "PReLU") {
        raw("slope", layer.intParam(0, 0));
        return out;
    }
    if (t == "Bias") {
        raw("bias", layer.intParam(0, 0));
        return out;
    }
    if (t == "Normalize") {
        raw("scale", layer.intParam(3, 0));
        return out;
    }
    if (t == "Padding") {
        if (const std::int64_t n = layer.intParam(6, 0); n > 0)
            raw("pad_value", n);
        return out;
    }
    if (t == "InstanceNorm" || t == "LayerNorm" || t == "GroupNorm") {
        const std::int64_t n = layer.intParam(t == "GroupNorm" ? 1 : 0, 0);
        if (layer.intParam(t == "GroupNorm" ? 3 : 2, 1) != 0) {
            raw("gamma", n);
            raw("beta", n);
        }
        return out;
    }
    if (t == "Embed") {
        const std::int64_t numOutput = layer.intParam(0, 0);
        const std::int64_t inputDim = layer.intParam(1, 0);
        const std::int64_t size = layer.intParam(3, 0);
        NcnnWeightSpec w { "weight", size, true, flat(size) };
        if (numOutput > 0 && inputDim > 0 && size == numOutput * inputDim)
            w.dims = { inputDim, numOutput };
        out.push_back(std::move(w));
        if (layer.intParam(2, 0) != 0)
            raw("bias", numOutput);
        return out;
    }
    if (t == "MemoryData") {
        std::vector<std::int64_t> dims;
        for (const int id : { 2, 11, 1, 0 })
            if (const std::int64_t d = layer.intParam(id, 0); d != 0)
                dims.push_back(d);
        std::int64_t n = 1;
        for (const auto d : dims)
            n = d > 0 && n <= (std::int64_t(1) << 40) / d ? n * d : -1;
        if (dims.empty())
            dims = { 1 };
        out.push_back({ "data", n, layer.intParam(21, 1) == 0, dims });
        return out;
    }
    why = "the weight layout of layer type " + layer.type + " is not known to Nodus";
    return std::nullopt;
}

} // namespace nodus
