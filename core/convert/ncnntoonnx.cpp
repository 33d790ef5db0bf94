// ncnn -> ONNX. An ncnn blob has no batch axis: a 1-D blob (w) becomes
// [1, w], a 2-D blob (w, h) [1, h, w], a 3-D blob (w, h, c) [1, c, h, w] and
// a 4-D blob (w, h, d, c) [1, c, d, h, w]; an ncnn axis k >= 0 (counted from
// the outermost dim) is ONNX axis k + 1, negative axes count from the end in
// both. Input shapes come from the Input layer's w/h/d/c params; an Input
// without them takes its rank and channels from the convolution reading it,
// with symbolic spatial dims, and is refused otherwise. Fused activations
// (activation_type) become ONNX ops after the layer; fp16 weights are
// widened to float32, int8 ones are refused.
#include "converters.h"
#include "onnxconverter.h"

#include "formats/ncnn/ncnnnet.h"
#include "ir/model.h"
#include "ir/ownedtensordata.h"
#include "ir/tensorvalues.h"

#include <cfloat>
#include <cmath>
#include <cstring>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

namespace nodus {

namespace {

bool isConvolution(std::string_view t)
{
    return t.starts_with("Convolution") || t.starts_with("Deconvolution");
}

int spatialRank(std::string_view t)
{
    return t.ends_with("1D") ? 1 : t.ends_with("3D") ? 3 : 2;
}

// ncnn axis -> ONNX axis over the same blob with its leading batch of 1.
std::int64_t onnxAxis(std::int64_t ncnnAxis)
{
    return ncnnAxis >= 0 ? ncnnAxis + 1 : ncnnAxis;
}

class NcnnToOnnx final : public OnnxConverter {
public:
    NcnnToOnnx(const Model& model, OnnxBuilder& b, OnnxExportReport& report, bool partial)
        : OnnxConverter(model, b, report, partial, "ncnn")
    {
        const auto conv = [this](const Node& n) { return convolution(n); };
        for (const char* t : { "Convolution", "ConvolutionDepthWise", "Convolution1D", "ConvolutionDepthWise1D",
                 "Convolution3D", "ConvolutionDepthWise3D", "Deconvolution", "DeconvolutionDepthWise",
                 "Deconvolution1D", "DeconvolutionDepthWise1D", "Deconvolution3D", "DeconvolutionDepthWise3D" })
            table_[t] = conv;
        table_["Input"] = [this](const Node& n) { return inputLayer(n); };
        table_["Pooling"] = [this](const Node& n) { return pooling(n); };
        table_["ReLU"] = [this](const Node& n) { return relu(n); };
        table_["Clip"] = [this](const Node& n) { return clip(n); };
        table_["Sigmoid"] = [this](const Node& n) { return unary(n, "Sigmoid"); };
        table_["TanH"] = [this](const Node& n) { return unary(n, "Tanh"); };
        table_["AbsVal"] = [this](const Node& n) { return unary(n, "Abs"); };
        table_["HardSigmoid"] = [this](const Node& n) { return hardSigmoid(n, false); };
        table_["HardSwish"] = [this](const Node& n) { return hardSigmoid(n, true); };
        table_["Swish"] = [this](const Node& n) { return swish(n); };
        table_["Mish"] = [this](const Node& n) { return std::vector<std::string> { mish(data(n), n.name) }; };
        table_["ELU"] = [this](const Node& n) { return elu(n); };
        table_["PReLU"] = [this](const Node& n) { return prelu(n); };
        table_["InnerProduct"] = [this](const Node& n) { return innerProduct(n); };
        table_["Softmax"] = [this](const Node& n) { return softmax(n); };
        table_["Concat"] = [this](const Node& n) { return concat(n); };
        table_["Split"] = [this](const Node& n) { return std::vector<std::string>(n.outputs().size(), data(n)); };
        table_["Slice"] = [this](const Node& n) { return slice(n); };
        table_["Eltwise"] = [this](const Node& n) { return eltwise(n); };
        table_["BinaryOp"] = [this](const Node& n) { return binaryOp(n); };
        table_["UnaryOp"] = [this](const Node& n) { return unaryOp(n); };
        table_["BatchNorm"] = [this](const Node& n) { return batchNorm(n); };
        table_["Scale"] = [this](const Node& n) { return scale(n); };
        table_["Dropout"] = [this](const Node& n) { return dropout(n); };
        table_["Flatten"] = [this](const Node& n) { return flatten(n); };
        table_["Reshape"] = [this](const Node& n) { return reshape(n); };
        table_["Permute"] = [this](const Node& n) { return permute(n); };
        table_["Padding"] = [this](const Node& n) { return padding(n); };
        table_["Interp"] = [this](const Node& n) { return interp(n); };
        table_["Noop"] = [this](const Node& n) { return noop(n); };
        table_["MemoryData"] = [this](const Node& n) { return memoryData(n); };
    }

    void run() override
    {
        const Graph& g = *model_.graph;
        requireWeights(g);
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

    // The importer states ncnn's own dims (no batch axis); ONNX sees [1, ...].
    std::optional<OnnxValueType> declaredType(const Value* v) override
    {
        auto t = OnnxConverter::declaredType(v);
        if (t)
            t->dims.insert(t->dims.begin(), 1);
        return t;
    }

    // Layers without a mapping whose output has their input's shape, so a
    // partial export can still type what follows them.
    bool keepsInputType(const Node& n) const override
    {
        static const std::unordered_set<std::string> same
            = { "ShuffleChannel", "LRN", "MVN", "Normalize", "InstanceNorm", "LayerNorm", "GroupNorm", "GELU",
                  "Softplus", "Power", "Exp", "Log", "Threshold", "BNLL", "SELU", "Bias", "Mish" };
        return same.count(n.opType) != 0;
    }

    // A param file opened without its .bin converts nothing that computes:
    // one clear refusal instead of one per weighted layer.
    void requireWeights(const Graph& g)
    {
        bool hasWeights = false;
        std::string why;
        for (const auto& [key, value] : model_.metadata) {
            if (key == "weights")
                hasWeights = true;
            if (key == "note" && value.starts_with("no weights"))
                why = value;
        }
        if (hasWeights)
            return;
        std::size_t weighted = 0;
        std::string example;
        for (const auto& n : g.nodes())
            if (isConvolution(n->opType) || n->opType == "InnerProduct" || n->opType == "BatchNorm"
                || n->opType == "PReLU" || n->opType == "MemoryData"
                || (n->opType == "Scale" && intParam(*n, 0, 0) != -233)) {
                if (example.empty())
                    example = n->opType + " '" + n->name + "'";
                ++weighted;
            }
        if (weighted)
            throw UnsupportedOp { (why.empty() ? std::string("no weights file was read") : why) + "; "
                + std::to_string(weighted) + " layers need their weights (" + example + " is the first)" };
    }

    // Param access by ncnn's numeric id; the importer names an attribute
    // after the op table's name for the id, or the id itself when unknown.
    static std::string paramName(const Node& n, int id)
    {
        const NcnnParamInfo* info = ncnnParamInfo(n.opType, id);
        return info ? info->name : std::to_string(id);
    }
    static std::int64_t intParam(const Node& n, int id, std::int64_t fallback)
    {
        return intAttr(n, paramName(n, id), fallback);
    }
    static double floatParam(const Node& n, int id, double fallback)
    {
        return floatAttr(n, paramName(n, id), fallback);
    }
    static bool hasParam(const Node& n, int id) { return n.attribute(paramName(n, id)) != nullptr; }
    static std::vector<double> arrayParam(const Node& n, int id)
    {
        std::vector<double> out;
        if (const Attribute* a = n.attribute(paramName(n, id))) {
            for (const auto f : a->floats)
                out.push_back(static_cast<double>(f));
            for (const auto i : a->ints)
                out.push_back(static_cast<double>(i));
            if (a->type == AttributeType::Float)
                out.push_back(a->f);
            if (a->type == AttributeType::Int)
                out.push_back(static_cast<double>(a->i));
        }
        return out;
    }

    // int8 weights carry scales that are not applied here: refused by name
    // before the base class would call them an unsupported type.
    static std::vector<float> floats(const Tensor& t)
    {
        if (t.dataType == DataType::Int8)
            throw UnsupportedOp { "weight '" + t.name
                + "' is int8 quantized (storage tag 0x000D4B38) and its scales are not applied by Nodus" };
        return OnnxConverter::floats(t);
    }

    // A per-channel vector shaped to broadcast over [1, C, ...] of `rank`.
    std::string channelwise(const std::vector<float>& v, int rank, const std::string& hint)
    {
        if (rank < 2)
            throw UnsupportedOp { "its input's rank is not known" };
        std::vector<std::int64_t> dims = { static_cast<std::int64_t>(v.size()) };
        for (int k = 2; k < rank; ++k)
            dims.push_back(1);
        return constant(v, dims, hint);
    }

    int rankOf(const std::string& x)
    {
        const auto r = b_.rank(x);
        if (!r)
            throw UnsupportedOp { "the rank of its input '" + x + "' is not known" };
        return *r;
    }

    std::vector<std::int64_t> staticDims(const std::string& x, const char* why)
    {
        const auto d = b_.staticDims(x);
        if (!d)
            throw UnsupportedOp { std::string(why) + " needs the input's shape, which is not known" };
        return *d;
    }

    std::string scalar(double v, const std::string& hint) { return b_.scalar(DataType::Float, v, hint); }

    std::string mish(const std::string& x, const std::string& hint)
    {
        // Mish(x) = x * tanh(softplus(x)); ONNX has a Mish op only from opset 18.
        const std::string sp = b_.op("Softplus", { x }, hint + "_softplus");
        return b_.op("Mul", { x, b_.op("Tanh", { sp }, hint + "_tanh") }, hint);
    }

    std::string hardSigmoidOf(const std::string& x, double alpha, double beta, const std::string& hint)
    {
        onnx::NodeProto* node = nullptr;
        const std::string y = b_.op("HardSigmoid", { x }, hint, &node);
        OnnxBuilder::setAttr(*node, "alpha", static_cast<float>(alpha));
        OnnxBuilder::setAttr(*node, "beta", static_cast<float>(beta));
        return y;
    }

    // ncnn's fused activation (params 9 and 10) after a layer's output.
    std::string activation(const Node& n, const std::string& y)
    {
        const std::int64_t type = intParam(n, 9, 0);
        const auto p = arrayParam(n, 10);
        const std::string h = n.name + "_act";
        switch (type) {
        case 0:
            return y;
        case 1:
            return b_.op("Relu", { y }, h);
        case 2: {
            onnx::NodeProto* node = nullptr;
            const std::string r = b_.op("LeakyRelu", { y }, h, &node);
            OnnxBuilder::setAttr(*node, "alpha", static_cast<float>(p.empty() ? 0.0 : p[0]));
            return r;
        }
        case 3:
            if (p.size() < 2)
                throw UnsupportedOp { "its clip activation lacks its min and max" };
            return b_.op("Clip", { y, scalar(p[0], h + "_min"), scalar(p[1], h + "_max") }, h);
        case 4:
            return b_.op("Sigmoid", { y }, h);
        case 5:
            return mish(y, h);
        case 6:
            return b_.op(
                "Mul", { y, hardSigmoidOf(y, p.size() > 0 ? p[0] : 0.2, p.size() > 1 ? p[1] : 0.5, h + "_gate") }, h);
        default:
            throw UnsupportedOp { "fused activation_type " + std::to_string(type) + " is not known" };
        }
    }

    std::vector<std::string> inputLayer(const Node& n)
    {
        if (n.outputs().size() != 1 || !n.outputs()[0])
            throw UnsupportedOp { "an Input layer has one output" };
        const Value* v = n.outputs()[0];
        std::vector<Dim> dims = { Dim::known(1) };
        if (v->type.shape.rankKnown && !v->type.shape.dims.empty()) {
            for (const Dim& d : v->type.shape.dims)
                dims.push_back(d);
        } else {
            dims = shapeFromReader(*v);
            if (dims.empty())
                throw UnsupportedOp { "the input '" + v->name()
                    + "' states no shape (Input params 0=w 1=h 11=d 2=c) and no convolution reading it fixes its"
                      " rank; ONNX needs the rank of every input" };
        }
        const std::string name = b_.fresh(v->name());
        b_.addInput(name, DataType::Float, dims, true);
        return { name };
    }

    // [1, C, spatial...] from the first convolution that reads `v`: its
    // weights say the channels, its type the spatial rank.
    std::vector<Dim> shapeFromReader(const Value& v)
    {
        for (const Use& u : v.users()) {
            const Node* c = u.node;
            if (!c || !isConvolution(c->opType))
                continue;
            const auto w = weights(*c);
            if (w.empty())
                continue;
            const int r = spatialRank(c->opType);
            const std::int64_t kw = intParam(*c, 1, 0);
            const std::int64_t k = kw * (r >= 2 ? intParam(*c, 11, kw) : 1) * (r == 3 ? intParam(*c, 21, kw) : 1);
            const std::int64_t numOutput = intParam(*c, 0, 0);
            const std::int64_t group = c->opType.find("DepthWise") != std::string::npos ? intParam(*c, 7, 1) : 1;
            const auto count = static_cast<std::int64_t>(w[0]->elementCount().value_or(0));
            if (numOutput <= 0 || k <= 0 || group <= 0 || count <= 0 || count % (numOutput * k) != 0)
                continue;
            std::vector<Dim> dims = { Dim::known(1), Dim::known(count / (numOutput * k) * group) };
            static const char* names[] = { "depth", "height", "width" };
            for (int a = 3 - r; a < 3; ++a)
                dims.push_back(Dim::symbolic(names[a]));
            note("the Input '" + v.name() + "' states no shape: its rank and channels are taken from " + c->opType
                + " '" + c->name + "', its spatial sizes are left open");
            return dims;
        }
        return {};
    }

    std::vector<std::string> convolution(const Node& n)
    {
        const std::string& t = n.opType;
        const bool deconv = t.starts_with("Deconvolution");
        const bool depthwise = t.find("DepthWise") != std::string::npos;
        const int r = spatialRank(t);
        if (!deconv && intParam(n, 8, 0) != 0)
            throw UnsupportedOp { "int8 quantized convolutions (int8_scale_term) are not converted" };
        if (r == 2 && intParam(n, deconv ? 28 : 19, 0) != 0)
            throw UnsupportedOp { "weights given as an input (dynamic_weight) are not converted" };
        const auto w = weights(n);
        if (w.empty())
            throw UnsupportedOp { "the layer has no weights" };
        const std::string x = data(n);
        const auto wv = floats(*w[0]);

        const std::int64_t numOutput = intParam(n, 0, 0);
        const std::int64_t group = depthwise ? intParam(n, 7, 1) : 1;
        const std::int64_t kw = intParam(n, 1, 0);
        const std::int64_t kh = r >= 2 ? intParam(n, 11, kw) : 1;
        const std::int64_t kd = r == 3 ? intParam(n, 21, kw) : 1;
        const std::int64_t dw = intParam(n, 2, 1);
        const std::int64_t sw = intParam(n, 3, 1);
        const std::int64_t left = intParam(n, 4, 0);
        const std::int64_t right = intParam(n, 15, left);
        const std::int64_t top = intParam(n, 14, left);
        const std::int64_t bottom = intParam(n, 16, top);
        const std::int64_t front = intParam(n, 24, left);
        const std::int64_t behind = intParam(n, 17, front);
        const std::int64_t k = kw * kh * kd;
        if (numOutput <= 0 || k <= 0 || group <= 0 || numOutput % group != 0)
            throw UnsupportedOp { "num_output " + std::to_string(numOutput) + ", kernel " + std::to_string(k)
                + " and group " + std::to_string(group) + " do not describe a convolution" };
        if (wv.size() % static_cast<std::size_t>(numOutput * k) != 0)
            throw UnsupportedOp { "its " + std::to_string(wv.size())
                + " weights are not num_output x kernel x inputs" };
        const std::int64_t inPerGroup = static_cast<std::int64_t>(wv.size()) / (numOutput * k);

        auto spatial = [&](std::int64_t d, std::int64_t h, std::int64_t w_) {
            std::vector<std::int64_t> v;
            if (r == 3)
                v.push_back(d);
            if (r >= 2)
                v.push_back(h);
            v.push_back(w_);
            return v;
        };
        const auto kernel = spatial(kd, kh, kw);
        const auto dilation = spatial(r == 3 ? intParam(n, 22, dw) : 1, r >= 2 ? intParam(n, 12, dw) : 1, dw);
        const auto stride = spatial(r == 3 ? intParam(n, 23, sw) : 1, r >= 2 ? intParam(n, 13, sw) : 1, sw);
        auto padsBegin = spatial(front, top, left);
        auto padsEnd = spatial(behind, bottom, right);
        std::string autoPad;
        bool anyPad = false;
        for (std::size_t a = 0; a < padsBegin.size(); ++a) {
            for (const std::int64_t p : { padsBegin[a], padsEnd[a] }) {
                if (p == -233 || p == -234) {
                    if (deconv)
                        throw UnsupportedOp { "automatic padding (-233/-234) of a deconvolution is not converted" };
                    const std::string mode = p == -233 ? "SAME_UPPER" : "SAME_LOWER";
                    if (!autoPad.empty() && autoPad != mode)
                        throw UnsupportedOp { "it mixes -233 and -234 pads" };
                    autoPad = mode;
                } else if (p < 0) {
                    throw UnsupportedOp { "pad " + std::to_string(p) + " has no ONNX equivalent" };
                } else if (p > 0) {
                    anyPad = true;
                }
            }
        }
        if (!autoPad.empty() && anyPad)
            throw UnsupportedOp { "it mixes automatic and explicit pads" };

        std::string in = x;
        const double padValue = deconv ? 0.0 : floatParam(n, 18, 0.0);
        if (padValue != 0 && !autoPad.empty())
            throw UnsupportedOp { "automatic padding with pad_value " + std::to_string(padValue)
                + " is not converted" };
        if (padValue != 0 && anyPad) {
            // ONNX Conv pads with zeros only: pad first, then convolve unpadded.
            std::vector<std::int64_t> pads = { 0, 0 };
            pads.insert(pads.end(), padsBegin.begin(), padsBegin.end());
            pads.push_back(0);
            pads.push_back(0);
            pads.insert(pads.end(), padsEnd.begin(), padsEnd.end());
            in = b_.op("Pad", { x, b_.ints(pads, n.name + "_pads"), scalar(padValue, n.name + "_pad_value") },
                n.name + "_pad");
            std::fill(padsBegin.begin(), padsBegin.end(), 0);
            std::fill(padsEnd.begin(), padsEnd.end(), 0);
        }

        std::vector<std::int64_t> wdims;
        std::vector<float> wdata;
        if (!deconv) {
            wdims = { numOutput, inPerGroup };
            wdata = wv;
        } else {
            // ncnn keeps [group][out/group][in/group][k], ONNX ConvTranspose
            // [group * in/group][out/group][k]: swap the middle two per group.
            const std::int64_t outPerGroup = numOutput / group;
            wdims = { group * inPerGroup, outPerGroup };
            wdata.resize(wv.size());
            for (std::int64_t g = 0; g < group; ++g)
                for (std::int64_t o = 0; o < outPerGroup; ++o)
                    for (std::int64_t i = 0; i < inPerGroup; ++i)
                        std::memcpy(&wdata[static_cast<std::size_t>(((g * inPerGroup + i) * outPerGroup + o) * k)],
                            &wv[static_cast<std::size_t>(((g * outPerGroup + o) * inPerGroup + i) * k)],
                            static_cast<std::size_t>(k) * sizeof(float));
        }
        wdims.insert(wdims.end(), kernel.begin(), kernel.end());
        std::vector<std::string> ins = { in, constant(wdata, wdims, w[0]->name) };
        if (w.size() > 1) {
            const auto bias = floats(*w[1]);
            if (bias.size() != static_cast<std::size_t>(numOutput))
                throw UnsupportedOp { "its bias does not have num_output values" };
            ins.push_back(constant(bias, { numOutput }, w[1]->name));
        }
        if (deconv && intParam(n, r == 3 ? 25 : 20, 0) > 0)
            throw UnsupportedOp { "a fixed output size (output_w) is not converted" };

        onnx::NodeProto* node = nullptr;
        const std::string y = b_.op(deconv ? "ConvTranspose" : "Conv", ins, n.name, &node);
        OnnxBuilder::setAttr(*node, "kernel_shape", kernel);
        OnnxBuilder::setAttr(*node, "strides", stride);
        OnnxBuilder::setAttr(*node, "dilations", dilation);
        OnnxBuilder::setAttr(*node, "group", group);
        if (!autoPad.empty()) {
            OnnxBuilder::setAttr(*node, "auto_pad", autoPad);
        } else {
            std::vector<std::int64_t> pads = padsBegin;
            pads.insert(pads.end(), padsEnd.begin(), padsEnd.end());
            OnnxBuilder::setAttr(*node, "pads", pads);
        }
        if (deconv) {
            const std::int64_t opw = intParam(n, 18, 0);
            const std::int64_t oph = r >= 2 ? intParam(n, 19, opw) : 0;
            const std::int64_t opd = r == 3 ? intParam(n, 20, opw) : 0;
            if (opw || oph || opd)
                OnnxBuilder::setAttr(*node, "output_padding", spatial(opd, oph, opw));
        }
        return { activation(n, y) };
    }

    std::vector<std::string> pooling(const Node& n)
    {
        const std::string x = data(n);
        const std::int64_t type = intParam(n, 0, 0);
        if (type != 0 && type != 1)
            throw UnsupportedOp { "pooling_type " + std::to_string(type) + " is neither max (0) nor average (1)" };
        const bool max = type == 0;
        if (rankOf(x) != 4)
            throw UnsupportedOp { "2-D pooling of a blob that is not 3-D" };
        bool global = intParam(n, 4, 0) != 0;
        if (!global && intParam(n, 7, 0) != 0) {
            const std::int64_t ow = intParam(n, 8, 0);
            if (ow != 1 || intParam(n, 18, ow) != 1)
                throw UnsupportedOp { "adaptive pooling to a size other than 1x1 is not converted" };
            global = true;
        }
        if (global) {
            // ncnn's global pooling gives a 1-D blob: [1, C] here.
            const std::string p = b_.op(max ? "GlobalMaxPool" : "GlobalAveragePool", { x }, n.name + "_global");
            onnx::NodeProto* node = nullptr;
            const std::string y = b_.op("Flatten", { p }, n.name, &node);
            OnnxBuilder::setAttr(*node, "axis", std::int64_t(1));
            return { y };
        }
        const std::int64_t kw = intParam(n, 1, 0);
        const std::int64_t kh = intParam(n, 11, kw);
        const std::int64_t sw = intParam(n, 2, 1);
        const std::int64_t sh = intParam(n, 12, sw);
        std::int64_t left = intParam(n, 3, 0);
        std::int64_t top = intParam(n, 13, left);
        std::int64_t right = intParam(n, 14, left);
        std::int64_t bottom = intParam(n, 15, top);
        const std::int64_t mode = intParam(n, 5, 0);
        if (kw <= 0 || kh <= 0 || sw <= 0 || sh <= 0)
            throw UnsupportedOp { "its kernel or stride is not positive" };
        if (left < 0 || top < 0 || right < 0 || bottom < 0)
            throw UnsupportedOp { "negative pooling pads are not converted" };
        if (mode == 0 || mode == 2 || mode == 3) {
            const auto dims = staticDims(x, mode == 0 ? "full-padding pooling" : "same-padding pooling");
            const std::int64_t h = dims[2], w = dims[3];
            if (mode == 0) {
                // "Full": extra padding at the end so the last window fits.
                const std::int64_t wt = (w + left + right - kw) % sw, ht = (h + top + bottom - kh) % sh;
                right += wt > 0 ? sw - wt : 0;
                bottom += ht > 0 ? sh - ht : 0;
            } else {
                const std::int64_t wpad = std::max<std::int64_t>(0, kw + (w - 1) / sw * sw - w);
                const std::int64_t hpad = std::max<std::int64_t>(0, kh + (h - 1) / sh * sh - h);
                left = mode == 2 ? wpad / 2 : wpad - wpad / 2;
                right = wpad - left;
                top = mode == 2 ? hpad / 2 : hpad - hpad / 2;
                bottom = hpad - top;
            }
        } else if (mode != 1) {
            throw UnsupportedOp { "pad_mode " + std::to_string(mode) + " is not known" };
        }
        onnx::NodeProto* node = nullptr;
        const std::string y = b_.op(max ? "MaxPool" : "AveragePool", { x }, n.name, &node);
        OnnxBuilder::setAttr(*node, "kernel_shape", std::vector<std::int64_t> { kh, kw });
        OnnxBuilder::setAttr(*node, "strides", std::vector<std::int64_t> { sh, sw });
        OnnxBuilder::setAttr(*node, "pads", std::vector<std::int64_t> { top, left, bottom, right });
        if (!max)
            OnnxBuilder::setAttr(
                *node, "count_include_pad", intParam(n, 6, 0) != 0 ? std::int64_t(1) : std::int64_t(0));
        return { y };
    }

    std::vector<std::string> unary(const Node& n, const char* op) { return { b_.op(op, { data(n) }, n.name) }; }

    std::vector<std::string> relu(const Node& n)
    {
        const double slope = floatParam(n, 0, 0);
        if (slope == 0)
            return unary(n, "Relu");
        onnx::NodeProto* node = nullptr;
        const std::string y = b_.op("LeakyRelu", { data(n) }, n.name, &node);
        OnnxBuilder::setAttr(*node, "alpha", static_cast<float>(slope));
        return { y };
    }

    std::vector<std::string> clip(const Node& n)
    {
        return { b_.op("Clip",
            { data(n), scalar(floatParam(n, 0, -FLT_MAX), n.name + "_min"),
                scalar(floatParam(n, 1, FLT_MAX), n.name + "_max") },
            n.name) };
    }

    std::vector<std::string> hardSigmoid(const Node& n, bool swish)
    {
        const std::string x = data(n);
        const double alpha = floatParam(n, 0, 0.2), beta = floatParam(n, 1, 0.5);
        if (!swish)
            return { hardSigmoidOf(x, alpha, beta, n.name) };
        return { b_.op("Mul", { x, hardSigmoidOf(x, alpha, beta, n.name + "_gate") }, n.name) };
    }

    std::vector<std::string> swish(const Node& n)
    {
        const std::string x = data(n);
        return { b_.op("Mul", { x, b_.op("Sigmoid", { x }, n.name + "_gate") }, n.name) };
    }

    std::vector<std::string> elu(const Node& n)
    {
        onnx::NodeProto* node = nullptr;
        const std::string y = b_.op("Elu", { data(n) }, n.name, &node);
        OnnxBuilder::setAttr(*node, "alpha", static_cast<float>(floatParam(n, 0, 0.1)));
        return { y };
    }

    std::vector<std::string> prelu(const Node& n)
    {
        const auto w = weights(n);
        if (w.empty())
            throw UnsupportedOp { "the layer has no slopes" };
        const std::string x = data(n);
        const auto slopes = floats(*w[0]);
        if (slopes.size() == 1)
            return { b_.op("PRelu", { x, constant(slopes, { 1 }, w[0]->name) }, n.name) };
        return { b_.op("PRelu", { x, channelwise(slopes, rankOf(x), w[0]->name) }, n.name) };
    }

    std::vector<std::string> innerProduct(const Node& n)
    {
        if (intParam(n, 8, 0) != 0)
            throw UnsupportedOp { "int8 quantized inner products (int8_scale_term) are not converted" };
        const auto w = weights(n);
        if (w.empty())
            throw UnsupportedOp { "the layer has no weights" };
        const std::string x = data(n);
        const std::int64_t numOutput = intParam(n, 0, 0);
        const auto wv = floats(*w[0]);
        if (numOutput <= 0 || wv.empty() || wv.size() % static_cast<std::size_t>(numOutput) != 0)
            throw UnsupportedOp { "its weights are not num_output x inputs" };
        const std::int64_t inputs = static_cast<std::int64_t>(wv.size()) / numOutput;
        std::vector<float> bias;
        if (w.size() > 1) {
            bias = floats(*w[1]);
            if (bias.size() != static_cast<std::size_t>(numOutput))
                throw UnsupportedOp { "its bias does not have num_output values" };
        }
        // A 2-D blob whose rows have the input width: ncnn applies the layer
        // to each row.
        const auto dims = b_.staticDims(x);
        if (dims && dims->size() == 3 && (*dims)[2] == inputs && (*dims)[1] > 1) {
            std::vector<float> transposed(wv.size());
            for (std::int64_t o = 0; o < numOutput; ++o)
                for (std::int64_t i = 0; i < inputs; ++i)
                    transposed[static_cast<std::size_t>(i * numOutput + o)]
                        = wv[static_cast<std::size_t>(o * inputs + i)];
            std::string y
                = b_.op("MatMul", { x, constant(transposed, { inputs, numOutput }, w[0]->name) }, n.name + "_matmul");
            if (!bias.empty())
                y = b_.op("Add", { y, constant(bias, { numOutput }, w[1]->name) }, n.name);
            return { activation(n, y) };
        }
        onnx::NodeProto* flat = nullptr;
        const std::string f = b_.op("Flatten", { x }, n.name + "_flat", &flat);
        OnnxBuilder::setAttr(*flat, "axis", std::int64_t(1));
        std::vector<std::string> ins = { f, constant(wv, { numOutput, inputs }, w[0]->name) };
        if (!bias.empty())
            ins.push_back(constant(bias, { numOutput }, w[1]->name));
        onnx::NodeProto* node = nullptr;
        const std::string y = b_.op("Gemm", ins, n.name, &node);
        OnnxBuilder::setAttr(*node, "transB", std::int64_t(1));
        return { activation(n, y) };
    }

    std::vector<std::string> softmax(const Node& n)
    {
        const std::int64_t axis = intParam(n, 0, 0);
        if (intParam(n, 1, 0) == 0 && axis != 0)
            throw UnsupportedOp { "the param predates ncnn's softmax axis fix (1=fixbug0 is unset), so ncnn itself "
                                  "refuses it: regenerate the param" };
        onnx::NodeProto* node = nullptr;
        const std::string y = b_.op("Softmax", { data(n) }, n.name, &node);
        OnnxBuilder::setAttr(*node, "axis", onnxAxis(axis));
        return { y };
    }

    std::vector<std::string> concat(const Node& n)
    {
        onnx::NodeProto* node = nullptr;
        const std::string y = b_.op("Concat", dataInputs(n), n.name, &node);
        OnnxBuilder::setAttr(*node, "axis", onnxAxis(intParam(n, 0, 0)));
        return { y };
    }

    std::vector<std::string> slice(const Node& n)
    {
        if (hasParam(n, 2))
            throw UnsupportedOp { "Slice by indices (param 2) is not converted" };
        const std::string x = data(n);
        const auto slices = arrayParam(n, 0);
        const std::size_t parts = n.outputs().size();
        if (slices.size() != parts)
            throw UnsupportedOp { "it lists " + std::to_string(slices.size()) + " slices for " + std::to_string(parts)
                + " outputs" };
        const auto dims = staticDims(x, "Slice");
        std::int64_t axis = onnxAxis(intParam(n, 1, 0));
        if (axis < 0)
            axis += static_cast<std::int64_t>(dims.size());
        if (axis <= 0 || axis >= static_cast<std::int64_t>(dims.size()))
            throw UnsupportedOp { "its axis is outside the blob" };
        const std::int64_t total = dims[static_cast<std::size_t>(axis)];
        std::vector<std::int64_t> sizes;
        std::int64_t q = 0;
        for (std::size_t i = 0; i < parts; ++i) {
            auto s = static_cast<std::int64_t>(slices[i]);
            if (s == -233)
                s = (total - q) / static_cast<std::int64_t>(parts - i);
            if (s < 0)
                throw UnsupportedOp { "slice size " + std::to_string(s) + " is not converted" };
            sizes.push_back(s);
            q += s;
        }
        if (q != total)
            throw UnsupportedOp { "its slices add up to " + std::to_string(q) + ", not the axis size "
                + std::to_string(total) };
        std::vector<std::string> outs;
        for (const Value* o : n.outputs())
            outs.push_back(b_.fresh(o ? o->name() : n.name));
        auto& node = b_.node("Split", { x, b_.ints(sizes, n.name + "_sizes") }, outs, n.name);
        OnnxBuilder::setAttr(node, "axis", axis);
        return outs;
    }

    std::vector<std::string> eltwise(const Node& n)
    {
        auto ins = dataInputs(n);
        if (ins.empty())
            throw UnsupportedOp { "it has no inputs" };
        const std::int64_t op = intParam(n, 0, 0);
        if (op == 0) {
            std::string y = ins[0];
            for (std::size_t k = 1; k < ins.size(); ++k)
                y = b_.op("Mul", { y, ins[k] }, n.name);
            return { ins.size() == 1 ? b_.op("Identity", { y }, n.name) : y };
        }
        if (op == 2)
            return { b_.op("Max", ins, n.name) };
        if (op != 1)
            throw UnsupportedOp { "op_type " + std::to_string(op) + " is not prod (0), sum (1) or max (2)" };
        const auto coeffs = arrayParam(n, 1);
        if (!coeffs.empty()) {
            if (coeffs.size() != ins.size())
                throw UnsupportedOp { "coeffs does not list one factor per input" };
            for (std::size_t k = 0; k < ins.size(); ++k)
                if (coeffs[k] != 1.0)
                    ins[k] = b_.op("Mul", { ins[k], scalar(coeffs[k], n.name + "_coeff") }, n.name + "_scaled");
        }
        return { b_.op("Sum", ins, n.name) };
    }

    // ncnn broadcasts a 1-D blob over the channels of a 3-D or 4-D one;
    // ONNX would align it with the last axis, so it is reshaped to [1, C, 1, ...].
    void matchBroadcast(std::string& a, std::string& b, const std::string& hint)
    {
        const int ra = rankOf(a), rb = rankOf(b);
        if (ra == rb)
            return;
        std::string& low = ra < rb ? a : b;
        const std::string& high = ra < rb ? b : a;
        const auto lowDims = staticDims(low, "broadcasting blobs of different ranks");
        const auto highDims = staticDims(high, "broadcasting blobs of different ranks");
        std::int64_t count = 1;
        for (const auto d : lowDims)
            count *= d;
        if (count == 1)
            return;
        if (lowDims.size() == 2 && highDims.size() >= 3 && highDims[1] == lowDims[1]) {
            std::vector<std::int64_t> shape = { 1, lowDims[1] };
            while (shape.size() < highDims.size())
                shape.push_back(1);
            low = b_.op("Reshape", { low, b_.ints(shape, hint + "_shape") }, hint + "_channels");
            return;
        }
        throw UnsupportedOp { "broadcasting a " + std::to_string(lowDims.size() - 1) + "-D blob over a "
            + std::to_string(highDims.size() - 1) + "-D one other than per channel is not converted" };
    }

    std::vector<std::string> binaryOp(const Node& n)
    {
        const std::int64_t op = intParam(n, 0, 0);
        const auto ins = dataInputs(n);
        if (ins.empty())
            throw UnsupportedOp { "it has no inputs" };
        std::string a = ins[0], b;
        if (intParam(n, 1, 0) != 0) {
            b = scalar(floatParam(n, 2, 0.0), n.name + "_b");
        } else {
            if (ins.size() < 2)
                throw UnsupportedOp { "it has one input and no scalar (with_scalar=0)" };
            b = ins[1];
            matchBroadcast(a, b, n.name);
        }
        static const char* ops[] = { "Add", "Sub", "Mul", "Div", "Max", "Min", "Pow", "Sub", "Div", "Pow" };
        if (op < 0 || op > 9)
            throw UnsupportedOp { "op_type " + std::to_string(op) + " (atan2 and later) has no ONNX mapping" };
        if (op >= 7)
            std::swap(a, b); // rsub, rdiv, rpow
        return { b_.op(ops[op], { a, b }, n.name) };
    }

    std::vector<std::string> unaryOp(const Node& n)
    {
        const std::string x = data(n);
        const std::int64_t op = intParam(n, 0, 0);
        static const char* direct[] = { "Abs", "Neg", "Floor", "Ceil", nullptr, "Sqrt", nullptr, "Exp", "Log", "Sin",
            "Cos", "Tan", "Asin", "Acos", "Atan", "Reciprocal", "Tanh", nullptr, "Round", nullptr };
        if (op < 0 || op > 19)
            throw UnsupportedOp { "op_type " + std::to_string(op) + " is not known" };
        if (direct[op])
            return { b_.op(direct[op], { x }, n.name) };
        switch (op) {
        case 4:
            return { b_.op("Mul", { x, x }, n.name) };
        case 6:
            return { b_.op("Reciprocal", { b_.op("Sqrt", { x }, n.name + "_sqrt") }, n.name) };
        case 17:
            return { b_.op(
                "Div", { b_.op("Log", { x }, n.name + "_ln"), scalar(std::log(10.0), n.name + "_ln10") }, n.name) };
        default: {
            // trunc: floor of |x| with x's sign.
            const std::string f = b_.op("Floor", { b_.op("Abs", { x }, n.name + "_abs") }, n.name + "_floor");
            return { b_.op("Mul", { f, b_.op("Sign", { x }, n.name + "_sign") }, n.name) };
        }
        }
    }

    std::vector<std::string> batchNorm(const Node& n)
    {
        const auto w = weights(n);
        if (w.size() != 4)
            throw UnsupportedOp { "the layer does not have its slope, mean, variance and bias" };
        const std::string x = data(n);
        std::vector<std::string> ins = { x };
        const auto c = static_cast<std::int64_t>(w[0]->elementCount().value_or(0));
        for (const std::size_t k : { 0, 3, 1, 2 }) {
            const auto v = floats(*w[k]);
            if (static_cast<std::int64_t>(v.size()) != c)
                throw UnsupportedOp { "its four blobs differ in size" };
            ins.push_back(constant(v, { c }, w[k]->name));
        }
        onnx::NodeProto* node = nullptr;
        const std::string y = b_.op("BatchNormalization", ins, n.name, &node);
        OnnxBuilder::setAttr(*node, "epsilon", static_cast<float>(floatParam(n, 1, 0.0)));
        return { y };
    }

    std::vector<std::string> scale(const Node& n)
    {
        const std::string x = data(n);
        const int r = rankOf(x);
        if (intParam(n, 0, 0) == -233) {
            const auto ins = dataInputs(n);
            if (ins.size() < 2)
                throw UnsupportedOp { "scale_data_size -233 takes the scale from a second input, which is missing" };
            std::string a = ins[0], s = ins[1];
            matchBroadcast(a, s, n.name);
            return { b_.op("Mul", { a, s }, n.name) };
        }
        const auto w = weights(n);
        if (w.empty())
            throw UnsupportedOp { "the layer has no scale" };
        std::string y = b_.op("Mul", { x, channelwise(floats(*w[0]), r, w[0]->name) }, n.name);
        if (w.size() > 1)
            y = b_.op("Add", { y, channelwise(floats(*w[1]), r, w[1]->name) }, n.name);
        return { y };
    }

    std::vector<std::string> dropout(const Node& n)
    {
        const double s = floatParam(n, 0, 1.0);
        if (s == 1.0)
            return unary(n, "Identity");
        return { b_.op("Mul", { data(n), scalar(s, n.name + "_scale") }, n.name) };
    }

    std::vector<std::string> flatten(const Node& n)
    {
        onnx::NodeProto* node = nullptr;
        const std::string y = b_.op("Flatten", { data(n) }, n.name, &node);
        OnnxBuilder::setAttr(*node, "axis", std::int64_t(1));
        return { y };
    }

    std::vector<std::string> reshape(const Node& n)
    {
        if (intParam(n, 3, 0) != 0)
            throw UnsupportedOp { "Reshape with permute=1 (channels-last order) is not converted" };
        const std::string x = data(n);
        const std::int64_t w = intParam(n, 0, -233), h = intParam(n, 1, -233), d = intParam(n, 11, -233),
                           c = intParam(n, 2, -233);
        std::vector<std::int64_t> target; // ncnn outer-first: c, d, h, w
        std::vector<int> names; // 'c', 'd', 'h', 'w' for 0 = "copy that dim"
        if (h == -233) {
            target = { w }, names = { 'w' };
        } else if (c == -233) {
            target = { h, w }, names = { 'h', 'w' };
        } else if (d == -233) {
            target = { c, h, w }, names = { 'c', 'h', 'w' };
        } else {
            target = { c, d, h, w }, names = { 'c', 'd', 'h', 'w' };
        }
        int unknown = 0;
        for (std::size_t k = 0; k < target.size(); ++k) {
            if (target[k] == -1)
                ++unknown;
            else if (target[k] == 0) {
                // ncnn copies the input's dim of the same name.
                const auto dims = staticDims(x, "Reshape with a 0 (copied) dim");
                static const std::string order3 = "chw", order4 = "cdhw", order2 = "hw", order1 = "w";
                const std::size_t rank = dims.size() - 1;
                const std::string& order = rank == 4 ? order4 : rank == 3 ? order3 : rank == 2 ? order2 : order1;
                const auto at = order.find(static_cast<char>(names[k]));
                if (at == std::string::npos)
                    throw UnsupportedOp { "its 0 copies a dim the input does not have" };
                target[k] = dims[1 + at];
            } else if (target[k] < 0) {
                throw UnsupportedOp { "target dim " + std::to_string(target[k]) + " is not converted" };
            }
        }
        if (unknown > 1)
            throw UnsupportedOp { "more than one -1 dim" };
        target.insert(target.begin(), 1);
        return { b_.op("Reshape", { x, b_.ints(target, n.name + "_shape") }, n.name) };
    }

    std::vector<std::string> permute(const Node& n)
    {
        const std::string x = data(n);
        const std::int64_t order = intParam(n, 0, 0);
        const int r = rankOf(x);
        std::vector<std::int64_t> perm;
        if (r == 3 && (order == 0 || order == 1)) {
            perm = order == 0 ? std::vector<std::int64_t> { 0, 1, 2 } : std::vector<std::int64_t> { 0, 2, 1 };
        } else if (r == 4 && order >= 0 && order <= 5) {
            // ncnn names each order innermost first (w h c = 0); ONNX lists
            // outermost first.
            static const std::int64_t table[6][4]
                = { { 0, 1, 2, 3 }, { 0, 1, 3, 2 }, { 0, 2, 1, 3 }, { 0, 2, 3, 1 }, { 0, 3, 1, 2 }, { 0, 3, 2, 1 } };
            perm.assign(table[order], table[order] + 4);
        } else {
            throw UnsupportedOp { "order_type " + std::to_string(order) + " over a rank-" + std::to_string(r)
                + " blob is not converted" };
        }
        onnx::NodeProto* node = nullptr;
        const std::string y = b_.op("Transpose", { x }, n.name, &node);
        OnnxBuilder::setAttr(*node, "perm", perm);
        return { y };
    }

    std::vector<std::string> padding(const Node& n)
    {
        if (intParam(n, 6, 0) > 0)
            throw UnsupportedOp { "per-channel pad values are not converted" };
        const std::string x = data(n);
        const std::int64_t top = intParam(n, 0, 0), bottom = intParam(n, 1, 0), left = intParam(n, 2, 0),
                           right = intParam(n, 3, 0), front = intParam(n, 7, 0), behind = intParam(n, 8, 0);
        for (const auto p : { top, bottom, left, right, front, behind })
            if (p < 0)
                throw UnsupportedOp { "negative pads are not converted" };
        const int r = rankOf(x);
        std::vector<std::int64_t> pads;
        if (r == 2)
            pads = { 0, left, 0, right };
        else if (r == 3)
            pads = { 0, top, left, 0, bottom, right };
        else if (r == 4)
            pads = { 0, front, top, left, 0, behind, bottom, right };
        else
            throw UnsupportedOp { "padding a rank-" + std::to_string(r) + " blob is not converted" };
        if ((r < 4 && (front || behind)) || (r < 3 && (top || bottom)))
            throw UnsupportedOp { "it pads a dim the blob does not have" };
        const std::int64_t type = intParam(n, 4, 0);
        static const char* modes[] = { "constant", "edge", "reflect" };
        if (type < 0 || type > 2)
            throw UnsupportedOp { "pad type " + std::to_string(type) + " is not known" };
        onnx::NodeProto* node = nullptr;
        std::vector<std::string> ins = { x, b_.ints(pads, n.name + "_pads") };
        if (type == 0)
            ins.push_back(scalar(floatParam(n, 5, 0.0), n.name + "_value"));
        const std::string y = b_.op("Pad", ins, n.name, &node);
        OnnxBuilder::setAttr(*node, "mode", std::string(modes[type]));
        return { y };
    }

    std::vector<std::string> interp(const Node& n)
    {
        const std::int64_t type = intParam(n, 0, 0);
        if (type != 1 && type != 2)
            throw UnsupportedOp { "resize_type " + std::to_string(type) + " is not nearest (1) or bilinear (2)" };
        if (intParam(n, 5, 0) != 0)
            throw UnsupportedOp { "a target size from a second input (dynamic_target_size) is not converted" };
        const std::string x = data(n);
        if (rankOf(x) != 4)
            throw UnsupportedOp { "resizing a blob that is not 3-D is not converted" };
        const std::int64_t oh = intParam(n, 3, 0), ow = intParam(n, 4, 0);
        std::vector<std::string> ins = { x, "" };
        if (oh > 0 && ow > 0) {
            const auto dims = staticDims(x, "Interp to a fixed size");
            ins.push_back("");
            ins.push_back(b_.ints({ dims[0], dims[1], oh, ow }, n.name + "_sizes"));
        } else {
            const float hs = static_cast<float>(floatParam(n, 1, 1.0)), ws = static_cast<float>(floatParam(n, 2, 1.0));
            if (!(hs > 0) || !(ws > 0))
                throw UnsupportedOp { "its scales are not positive" };
            ins.push_back(constant({ 1.f, 1.f, hs, ws }, { 4 }, n.name + "_scales"));
        }
        onnx::NodeProto* node = nullptr;
        const std::string y = b_.op("Resize", ins, n.name, &node);
        if (type == 1) {
            // ncnn picks floor(x * in / out): asymmetric, rounded down.
            OnnxBuilder::setAttr(*node, "mode", std::string("nearest"));
            OnnxBuilder::setAttr(*node, "coordinate_transformation_mode", std::string("asymmetric"));
            OnnxBuilder::setAttr(*node, "nearest_mode", std::string("floor"));
        } else {
            OnnxBuilder::setAttr(*node, "mode", std::string("linear"));
            OnnxBuilder::setAttr(*node, "coordinate_transformation_mode",
                std::string(intParam(n, 6, 0) ? "align_corners" : "half_pixel"));
        }
        return { y };
    }

    std::vector<std::string> noop(const Node& n)
    {
        const auto ins = dataInputs(n);
        std::vector<std::string> outs;
        for (std::size_t k = 0; k < n.outputs().size(); ++k) {
            if (k >= ins.size())
                throw UnsupportedOp { "it has more outputs than inputs" };
            outs.push_back(ins[k]);
        }
        return outs;
    }

    std::vector<std::string> memoryData(const Node& n)
    {
        const auto w = weights(n);
        if (w.empty())
            throw UnsupportedOp { "the layer has no data" };
        std::vector<std::int64_t> dims = { 1 };
        dims.insert(dims.end(), w[0]->dims.begin(), w[0]->dims.end());
        const auto v = floats(*w[0]);
        std::int64_t count = 1;
        for (const auto d : dims)
            count *= d;
        if (count != static_cast<std::int64_t>(v.size()))
            throw UnsupportedOp { "its data does not match its w/h/d/c" };
        return { constant(v, dims, w[0]->name) };
    }

    std::unordered_map<std::string, Handler> table_;
};

} // namespace

std::unique_ptr<OnnxConverter> makeNcnnToOnnx(
    const Model& model, OnnxBuilder& b, OnnxExportReport& report, bool partial)
{
    return std::make_unique<NcnnToOnnx>(model, b, report, partial);
}

} // namespace nodus
