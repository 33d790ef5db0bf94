#include "ncnnnet.h"

#include "util/error.h"

#include <nlohmann/json.hpp>

#include <array>
#include <charconv>
#include <cstring>
#include <unordered_map>

namespace nodus {

// Generated from core/formats/ncnn/ncnn-ops.json by nodus_embed_file().
extern const unsigned char kNcnnOpMetadata[];
extern const std::size_t kNcnnOpMetadataSize;

namespace {

constexpr std::array<std::string_view, 99> kLayerTypes = { "AbsVal", "ArgMax", "BatchNorm", "Bias", "BNLL", "Concat",
    "Convolution", "Crop", "Deconvolution", "Dropout", "Eltwise", "ELU", "Embed", "Exp", "Flatten", "InnerProduct",
    "Input", "Log", "LRN", "MemoryData", "MVN", "Pooling", "Power", "PReLU", "Proposal", "Reduction", "ReLU", "Reshape",
    "ROIPooling", "Scale", "Sigmoid", "Slice", "Softmax", "Split", "SPP", "TanH", "Threshold", "Tile", "RNN", "LSTM",
    "BinaryOp", "UnaryOp", "ConvolutionDepthWise", "Padding", "Squeeze", "ExpandDims", "Normalize", "Permute",
    "PriorBox", "DetectionOutput", "Interp", "DeconvolutionDepthWise", "ShuffleChannel", "InstanceNorm", "Clip",
    "Reorg", "YoloDetectionOutput", "Quantize", "Dequantize", "Yolov3DetectionOutput", "PSROIPooling", "ROIAlign",
    "Packing", "Requantize", "Cast", "HardSigmoid", "SELU", "HardSwish", "Noop", "PixelShuffle", "DeepCopy", "Mish",
    "StatisticsPooling", "Swish", "Gemm", "GroupNorm", "LayerNorm", "Softplus", "GRU", "MultiHeadAttention", "GELU",
    "Convolution1D", "Pooling1D", "ConvolutionDepthWise1D", "Convolution3D", "ConvolutionDepthWise3D", "Pooling3D",
    "MatMul", "Deconvolution1D", "DeconvolutionDepthWise1D", "Deconvolution3D", "DeconvolutionDepthWise3D", "Einsum",
    "DeformableConv2D", "GLU", "Fold", "Unfold", "GridSample", "CumulativeSum" };

struct OpTable {
    std::unordered_map<std::string, std::vector<NcnnParamInfo>> byType;
};

const OpTable& opTable()
{
    static const OpTable table = [] {
        OpTable t;
        const auto doc = nlohmann::json::parse(
            std::string_view(reinterpret_cast<const char*>(kNcnnOpMetadata), kNcnnOpMetadataSize));
        for (const auto& op : doc) {
            auto& params = t.byType[op.at("name").get<std::string>()];
            for (const auto& a : op.at("attributes")) {
                NcnnParamInfo info;
                info.id = a.at("id").get<int>();
                info.name = a.at("name").get<std::string>();
                const auto type = a.at("type").get<std::string>();
                info.isFloat = type == "float" || type == "floats";
                info.array = type == "ints" || type == "floats";
                params.push_back(std::move(info));
            }
        }
        return t;
    }();
    return table;
}

bool looksFloat(std::string_view s)
{
    return s.find_first_of(".eE") != std::string_view::npos || s == "nan" || s == "inf" || s == "-inf";
}

bool parseInt(std::string_view s, std::int32_t& out)
{
    if (s.empty())
        return false;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parseFloat(std::string_view s, float& out)
{
    if (s.empty())
        return false;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

std::vector<std::string_view> splitWords(std::string_view line)
{
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
            ++i;
        const std::size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
            ++i;
        if (i > start)
            words.push_back(line.substr(start, i - start));
    }
    return words;
}

// Tuple-aware: a pnnx value such as "(1,2)" never holds a blank, but a
// string value may; ncnn's own values never do.
NcnnParam parseValue(int id, bool array, std::string_view text, const std::string& where)
{
    NcnnParam p;
    p.id = id;
    p.array = array;
    std::vector<std::string_view> items;
    if (array) {
        std::size_t comma = text.find(',');
        std::int32_t n = 0;
        if (!parseInt(text.substr(0, comma), n) || n < 0)
            throw Error(where + ": bad array length in '" + std::string(text) + "'");
        std::string_view rest = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
        while (!rest.empty()) {
            comma = rest.find(',');
            items.push_back(rest.substr(0, comma));
            rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        }
        if (items.size() != static_cast<std::size_t>(n))
            throw Error(
                where + ": array declares " + std::to_string(n) + " values but has " + std::to_string(items.size()));
    } else {
        items.push_back(text);
    }
    for (const auto item : items)
        if (looksFloat(item))
            p.isFloat = true;
    for (const auto item : items) {
        float f = 0;
        std::int32_t i = 0;
        if (p.isFloat) {
            if (!parseFloat(item, f))
                throw Error(where + ": '" + std::string(item) + "' is not a number");
            p.floats.push_back(f);
        } else {
            if (!parseInt(item, i))
                throw Error(where + ": '" + std::string(item) + "' is not a number");
            p.ints.push_back(i);
        }
    }
    return p;
}

} // namespace

const NcnnParam* NcnnLayer::param(int id) const
{
    for (const auto& p : params)
        if (p.id == id)
            return &p;
    return nullptr;
}

std::int32_t NcnnLayer::intParam(int id, std::int32_t fallback) const
{
    const NcnnParam* p = param(id);
    if (!p || p->array)
        return fallback;
    if (!p->isFloat)
        return p->i();
    // A float where an int belongs: only a value an int can hold (a damaged
    // file may hold NaN or 1e30).
    const double f = p->f();
    if (!(f >= -2147483648.0 && f < 2147483648.0))
        return fallback;
    return static_cast<std::int32_t>(f);
}

std::string_view ncnnLayerTypeName(std::int32_t index)
{
    if (index < 0 || static_cast<std::size_t>(index) >= kLayerTypes.size())
        return {};
    return kLayerTypes[static_cast<std::size_t>(index)];
}

const NcnnParamInfo* ncnnParamInfo(std::string_view type, int id)
{
    const auto& t = opTable().byType;
    const auto it = t.find(std::string(type));
    if (it == t.end())
        return nullptr;
    for (const auto& p : it->second)
        if (p.id == id)
            return &p;
    return nullptr;
}

const NcnnParamInfo* ncnnParamInfo(std::string_view type, std::string_view name)
{
    const auto& t = opTable().byType;
    const auto it = t.find(std::string(type));
    if (it == t.end())
        return nullptr;
    for (const auto& p : it->second)
        if (p.name == name)
            return &p;
    return nullptr;
}

NcnnNet parseNcnnTextParam(std::string_view text, const std::string& fileName)
{
    std::vector<std::string_view> lines;
    for (std::size_t pos = 0; pos < text.size();) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos)
            end = text.size();
        const auto line = text.substr(pos, end - pos);
        if (!splitWords(line).empty())
            lines.push_back(line);
        pos = end + 1;
    }
    if (lines.empty() || splitWords(lines[0]) != std::vector<std::string_view> { "7767517" })
        throw Error(fileName + ": not an ncnn param file (the first line is not the magic number 7767517)");
    if (lines.size() < 2)
        throw Error(fileName + ": the layer and blob counts are missing");
    const auto counts = splitWords(lines[1]);
    std::int32_t layerCount = 0, blobCount = 0;
    if (counts.size() != 2 || !parseInt(counts[0], layerCount) || !parseInt(counts[1], blobCount) || layerCount < 0
        || blobCount < 0)
        throw Error(fileName + ": line 2 must hold the layer count and the blob count");
    if (static_cast<std::size_t>(layerCount) != lines.size() - 2)
        throw Error(fileName + ": declares " + std::to_string(layerCount) + " layers but has "
            + std::to_string(lines.size() - 2) + " layer lines");
    NcnnNet net;
    net.blobCount = static_cast<std::size_t>(blobCount);
    for (std::size_t l = 2; l < lines.size(); ++l) {
        const std::string where
            = fileName + ": layer " + std::to_string(l - 2) + " (line " + std::to_string(l + 1) + ")";
        const auto words = splitWords(lines[l]);
        std::int32_t bottomCount = 0, topCount = 0;
        if (words.size() < 4 || !parseInt(words[2], bottomCount) || !parseInt(words[3], topCount) || bottomCount < 0
            || topCount < 0)
            throw Error(where + ": expected 'type name bottom_count top_count ...'");
        const std::size_t blobs = static_cast<std::size_t>(bottomCount) + static_cast<std::size_t>(topCount);
        if (words.size() < 4 + blobs)
            throw Error(where + ": lists fewer blob names than its counts say");
        NcnnLayer layer;
        layer.type = std::string(words[0]);
        layer.name = std::string(words[1]);
        for (std::size_t k = 0; k < blobs; ++k)
            (k < static_cast<std::size_t>(bottomCount) ? layer.bottoms : layer.tops).emplace_back(words[4 + k]);
        for (std::size_t k = 4 + blobs; k < words.size(); ++k) {
            const auto word = words[k];
            const auto eq = word.find('=');
            if (eq == std::string_view::npos || eq == 0)
                throw Error(where + ": '" + std::string(word) + "' is not a key=value param");
            const auto key = word.substr(0, eq);
            const auto value = word.substr(eq + 1);
            std::int32_t id = 0;
            if (parseInt(key, id)) {
                // ncnn marks arrays with ids at or below -23300 (-23300 - id).
                const bool array = id <= -23300;
                if (array)
                    id = -(id + 23300); // not -id - 23300: -INT_MIN overflows
                if (id < 0 || id >= 32)
                    throw Error(where + ": param id " + std::string(key) + " is outside 0..31");
                layer.params.push_back(parseValue(id, array, value, where));
            } else if (key[0] == '@') {
                net.pnnx = true;
                layer.pnnxWeights.push_back({ std::string(key.substr(1)), std::string(value) });
            } else if (key[0] == '#') {
                net.pnnx = true;
                layer.pnnxShapes.push_back({ std::string(key.substr(1)), std::string(value) });
            } else {
                net.pnnx = true;
                layer.pnnxParams.push_back({ std::string(key), std::string(value) });
            }
        }
        if (layer.type.find('.') != std::string::npos)
            net.pnnx = true;
        net.layers.push_back(std::move(layer));
    }
    return net;
}

NcnnNet parseNcnnBinaryParam(std::span<const std::byte> bytes, const std::string& fileName)
{
    std::size_t pos = 0;
    auto next = [&](const char* what) {
        if (bytes.size() - pos < 4)
            throw Error(fileName + ": truncated while reading " + what + " at byte " + std::to_string(pos));
        std::int32_t v;
        std::memcpy(&v, bytes.data() + pos, 4);
        pos += 4;
        return v;
    };
    if (next("the magic number") != kNcnnMagic)
        throw Error(fileName + ": not an ncnn binary param file (no magic number 7767517)");
    const std::int32_t layerCount = next("the layer count");
    const std::int32_t blobCount = next("the blob count");
    // Each layer takes at least four ints (type, two counts, the -233 end).
    if (layerCount < 0 || blobCount < 0 || static_cast<std::uint64_t>(layerCount) * 16 > bytes.size() - pos)
        throw Error(fileName + ": layer count " + std::to_string(layerCount) + " does not fit the file");
    NcnnNet net;
    net.binary = true;
    net.blobCount = static_cast<std::size_t>(blobCount);
    auto blobName = [&](std::int32_t index, const std::string& where) {
        if (index < 0 || index >= blobCount)
            throw Error(
                where + ": blob index " + std::to_string(index) + " is outside 0.." + std::to_string(blobCount - 1));
        return std::to_string(index);
    };
    for (std::int32_t l = 0; l < layerCount; ++l) {
        const std::string where = fileName + ": layer " + std::to_string(l);
        NcnnLayer layer;
        const std::int32_t typeIndex = next("a layer type");
        const std::string_view type = ncnnLayerTypeName(typeIndex);
        if (type.empty())
            throw Error(where + ": unknown layer type index " + std::to_string(typeIndex)
                + " (custom layers have no name in a binary param)");
        layer.type = std::string(type);
        layer.name = layer.type + "_" + std::to_string(l);
        const std::int32_t bottomCount = next("a bottom count");
        const std::int32_t topCount = next("a top count");
        if (bottomCount < 0 || topCount < 0
            || (static_cast<std::uint64_t>(bottomCount) + static_cast<std::uint64_t>(topCount)) * 4
                > bytes.size() - pos)
            throw Error(where + ": blob counts do not fit the file");
        for (std::int32_t k = 0; k < bottomCount; ++k)
            layer.bottoms.push_back(blobName(next("a bottom index"), where));
        for (std::int32_t k = 0; k < topCount; ++k)
            layer.tops.push_back(blobName(next("a top index"), where));
        for (;;) {
            std::int32_t id = next("a param id");
            if (id == -233)
                break;
            const bool array = id <= -23300;
            if (array)
                id = -(id + 23300); // not -id - 23300: -INT_MIN overflows
            if (id < 0 || id >= 32)
                throw Error(where + ": param id " + std::to_string(id) + " is outside 0..31");
            const NcnnParamInfo* info = ncnnParamInfo(layer.type, id);
            NcnnParam p;
            p.id = id;
            p.array = array;
            p.isFloat = info && info->isFloat;
            std::int32_t n = 1;
            if (array) {
                n = next("an array length");
                if (n < 0 || static_cast<std::uint64_t>(n) * 4 > bytes.size() - pos)
                    throw Error(where + ": array length " + std::to_string(n) + " does not fit the file");
            }
            for (std::int32_t k = 0; k < n; ++k) {
                const std::int32_t raw = next("a param value");
                if (p.isFloat) {
                    float f;
                    std::memcpy(&f, &raw, 4);
                    p.floats.push_back(f);
                } else {
                    p.ints.push_back(raw);
                }
            }
            layer.params.push_back(std::move(p));
        }
        net.layers.push_back(std::move(layer));
    }
    return net;
}

} // namespace nodus
