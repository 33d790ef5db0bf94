// nodus-opmetagen: writes Nodus's ONNX op metadata from libonnx's own schema
// registry, so the docs, attributes and defaults the GUI shows are exactly the
// ones of the ONNX version we build against, for every opset version.
//
// Usage: nodus-opmetagen <onnx-metadata.json> <onnxopmetadata_data.cpp>
//
// Runs at build time on the build host. It must not link nodus_core: the
// generated source is part of nodus_core.

#include <onnx/common/version.h>
#include <onnx/defs/schema.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <vector>

namespace {

using nlohmann::ordered_json;

// The colour group of each op in the graph view. Netron's onnx-metadata
// categories are the reference users know; ops not listed are plain arithmetic
// or bookkeeping and get no category (drawn in the neutral colour).
const std::map<std::string_view, std::string_view>& categoryTable()
{
    static const std::map<std::string_view, std::string_view> table = [] {
        std::map<std::string_view, std::string_view> t;
        auto put = [&t](std::string_view category, std::initializer_list<std::string_view> names) {
            for (auto name : names)
                t.emplace(name, category);
        };
        put("Layer",
            { "Conv", "ConvTranspose", "Gemm", "MatMul", "LSTM", "GRU", "RNN", "Attention", "Einsum", "FusedConv",
                "FusedGemm", "DeformConv", "Col2Im" });
        put("Activation",
            { "Relu", "Sigmoid", "Tanh", "LeakyRelu", "Elu", "Selu", "Gelu", "FastGelu", "Softmax", "LogSoftmax",
                "Hardmax", "HardSigmoid", "HardSwish", "Softplus", "Softsign", "PRelu", "Mish", "Clip",
                "ThresholdedRelu", "Celu", "Swish", "ScaledTanh", "ParametricSoftplus", "Affine",
                "SoftmaxCrossEntropyLoss", "NegativeLogLikelihoodLoss" });
        put("Pool",
            { "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool", "LpPool", "MaxRoiPool",
                "RoiAlign", "MaxUnpool" });
        put("Normalization",
            { "BatchNormalization", "LayerNormalization", "InstanceNormalization", "GroupNormalization",
                "LpNormalization", "LRN", "MeanVarianceNormalization", "RMSNormalization", "SkipLayerNormalization",
                "SimplifiedLayerNormalization", "Normalizer" });
        put("Dropout", { "Dropout" });
        put("Shape", { "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Shape", "Size", "Expand" });
        put("Tensor",
            { "Concat", "ConcatFromSequence", "Split", "SplitToSequence", "Slice", "Gather", "GatherElements",
                "GatherND", "Scatter", "ScatterElements", "ScatterND", "Tile", "Pad", "Transpose", "Identity", "Cast",
                "CastLike", "Where", "ConstantOfShape", "Range", "OneHot", "Compress", "DepthToSpace", "SpaceToDepth",
                "Resize", "Upsample", "Crop", "ImageScaler", "ReverseSequence", "Trilu", "EyeLike", "Unique", "NonZero",
                "TopK", "CenterCropPad", "GridSample" });
        put("Data", { "Constant" });
        put("Quantization",
            { "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "QLinearConv", "QLinearMatMul",
                "QLinearAdd", "QLinearMul", "QLinearSigmoid", "QLinearLeakyRelu", "QLinearAveragePool",
                "QLinearGlobalAveragePool", "QLinearConcat", "QLinearSoftmax", "MatMulInteger", "ConvInteger" });
        put("Control", { "If", "Loop", "Scan", "SequenceMap" });
        put("Logic",
            { "And", "Or", "Not", "Xor", "Equal", "Greater", "GreaterOrEqual", "Less", "LessOrEqual", "IsNaN", "IsInf",
                "BitShift", "BitwiseAnd", "BitwiseOr", "BitwiseXor", "BitwiseNot" });
        return t;
    }();
    return table;
}

// Same spelling as nodus::attributeTypeName (core/ir/attribute.cpp), so the
// GUI compares a node's attribute type with the schema's without a mapping.
// (The generator cannot link nodus_core, hence the copy.)
std::string attributeTypeName(onnx::AttributeProto::AttributeType type)
{
    using A = onnx::AttributeProto;
    switch (type) {
    case A::FLOAT:
        return "float";
    case A::INT:
        return "int";
    case A::STRING:
        return "string";
    case A::TENSOR:
        return "tensor";
    case A::GRAPH:
        return "graph";
    case A::SPARSE_TENSOR:
        return "sparse_tensor";
    case A::TYPE_PROTO:
        return "type";
    case A::FLOATS:
        return "floats";
    case A::INTS:
        return "ints";
    case A::STRINGS:
        return "strings";
    case A::TENSORS:
        return "tensors";
    case A::GRAPHS:
        return "graphs";
    case A::SPARSE_TENSORS:
        return "sparse_tensors";
    case A::TYPE_PROTOS:
        return "types";
    default:
        return "undefined";
    }
}

// Attribute floats are float32 in the file; print the shortest decimal that
// reads back as the same float, so the JSON says 1e-05 and not
// 9.999999747378752e-06.
double shortestFloat(float value)
{
    char buffer[64];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
    if (ec != std::errc())
        return value;
    *end = '\0';
    return std::strtod(buffer, nullptr);
}

// Null where the schema gives no default, or one JSON cannot carry (tensor,
// graph): those are shown as "no default" rather than invented.
ordered_json defaultValue(const onnx::OpSchema::Attribute& attribute)
{
    const auto& v = attribute.default_value;
    using A = onnx::AttributeProto;
    if (attribute.required || v.type() == A::UNDEFINED)
        return nullptr;
    switch (v.type()) {
    case A::FLOAT:
        return v.has_f() ? ordered_json(shortestFloat(v.f())) : ordered_json(nullptr);
    case A::INT:
        return v.has_i() ? ordered_json(v.i()) : ordered_json(nullptr);
    case A::STRING:
        return v.has_s() ? ordered_json(v.s()) : ordered_json(nullptr);
    case A::FLOATS: {
        auto list = ordered_json::array();
        for (float f : v.floats())
            list.push_back(shortestFloat(f));
        return list;
    }
    case A::INTS: {
        auto list = ordered_json::array();
        for (auto i : v.ints())
            list.push_back(i);
        return list;
    }
    case A::STRINGS: {
        auto list = ordered_json::array();
        for (const auto& s : v.strings())
            list.push_back(s);
        return list;
    }
    default:
        return nullptr;
    }
}

std::string optionName(onnx::OpSchema::FormalParameterOption option)
{
    switch (option) {
    case onnx::OpSchema::Single:
        return "single";
    case onnx::OpSchema::Optional:
        return "optional";
    case onnx::OpSchema::Variadic:
        return "variadic";
    }
    return "single";
}

// ONNX doc strings start with a newline and end with indentation left over
// from the C++ raw strings they are written in.
std::string trimmed(const char* text)
{
    if (!text)
        return {};
    std::string_view s(text);
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos)
        return {};
    const auto last = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(first, last - first + 1));
}

ordered_json ports(const std::vector<onnx::OpSchema::FormalParameter>& params)
{
    auto list = ordered_json::array();
    for (const auto& p : params) {
        ordered_json port;
        port["name"] = p.GetName();
        port["type"] = p.GetTypeStr();
        port["option"] = optionName(p.GetOption());
        port["description"] = trimmed(p.GetDescription().c_str());
        list.push_back(std::move(port));
    }
    return list;
}

ordered_json opJson(const onnx::OpSchema& schema)
{
    ordered_json op;
    op["domain"] = schema.domain();
    op["name"] = schema.Name();
    op["since_version"] = schema.SinceVersion();
    const auto& categories = categoryTable();
    const auto category = categories.find(schema.Name());
    op["category"] = category == categories.end() ? std::string() : std::string(category->second);
    op["description"] = trimmed(schema.doc());
    op["deprecated"] = schema.Deprecated();

    auto attributes = ordered_json::array();
    for (const auto& [name, attribute] : schema.attributes()) { // std::map: sorted by name
        ordered_json a;
        a["name"] = name;
        a["type"] = attributeTypeName(attribute.type);
        a["required"] = attribute.required;
        if (auto d = defaultValue(attribute); !d.is_null())
            a["default"] = std::move(d);
        a["description"] = trimmed(attribute.description.c_str());
        attributes.push_back(std::move(a));
    }
    op["attributes"] = std::move(attributes);
    op["inputs"] = ports(schema.inputs());
    op["outputs"] = ports(schema.outputs());
    op["min_input"] = schema.min_input();
    op["max_input"] = schema.max_input();
    op["min_output"] = schema.min_output();
    op["max_output"] = schema.max_output();

    auto constraints = ordered_json::array();
    for (const auto& c : schema.typeConstraintParams()) {
        ordered_json t;
        t["name"] = c.type_param_str;
        t["allowed"] = c.allowed_type_strs;
        t["description"] = trimmed(c.description.c_str());
        constraints.push_back(std::move(t));
    }
    op["type_constraints"] = std::move(constraints);
    return op;
}

// Numbers rather than a string literal: no escaping rules, and no compiler
// limit on string literal length (MSVC's is 64 KiB). 32 bytes a line keeps the
// file at a few MB and its compile at a few seconds.
std::string byteArraySource(const std::string& bytes)
{
    std::string out;
    out.reserve(bytes.size() * 4 + 1024);
    out += "// Generated by nodus-opmetagen from libonnx ";
    out += onnx::LAST_RELEASE_VERSION;
    out += ". Do not edit: tools/opmetagen/opmetagen.cpp writes it at build time.\n"
           "#include <cstddef>\n\n"
           "namespace nodus {\n\n"
           "extern const unsigned char kOnnxOpMetadata[];\n"
           "extern const std::size_t kOnnxOpMetadataSize;\n\n"
           "const unsigned char kOnnxOpMetadata[] = {\n";
    for (std::size_t k = 0; k < bytes.size(); ++k) {
        out += std::to_string(static_cast<unsigned char>(bytes[k]));
        out += ',';
        if (k % 32 == 31)
            out += '\n';
    }
    out += "\n};\n\n"
           "const std::size_t kOnnxOpMetadataSize = sizeof(kOnnxOpMetadata);\n\n"
           "} // namespace nodus\n";
    return out;
}

// Written beside the target and renamed, so a failed run never leaves a
// truncated output that looks newer than the generator to the build tool.
void writeFile(const std::filesystem::path& path, const std::string& content)
{
    auto temp = path;
    temp += ".tmp";
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        out.close();
        if (!out)
            throw std::runtime_error("cannot write " + temp.string());
    }
    std::filesystem::rename(temp, path);
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::cerr << "usage: nodus-opmetagen <onnx-metadata.json> <onnxopmetadata_data.cpp>\n";
        return 2;
    }
    try {
        auto schemas = onnx::OpSchemaRegistry::get_all_schemas_with_history();
        if (schemas.empty())
            throw std::runtime_error("libonnx's schema registry is empty");
        // Newest first within each (domain, name), so a reader scanning the
        // file sees the current definition before its history.
        std::sort(schemas.begin(), schemas.end(), [](const onnx::OpSchema& a, const onnx::OpSchema& b) {
            return std::forward_as_tuple(a.domain(), a.Name(), b.SinceVersion())
                < std::forward_as_tuple(b.domain(), b.Name(), a.SinceVersion());
        });

        auto ops = ordered_json::array();
        std::map<std::string, std::size_t> perDomain;
        for (const auto& schema : schemas) {
            ops.push_back(opJson(schema));
            ++perDomain[schema.domain()];
        }
        const std::string json = ops.dump();

        writeFile(argv[1], json + "\n");
        writeFile(argv[2], byteArraySource(json));

        std::cout << "nodus-opmetagen: " << schemas.size() << " schemas, " << json.size() << " bytes";
        for (const auto& [domain, count] : perDomain)
            std::cout << ", " << (domain.empty() ? "ai.onnx" : domain) << ": " << count;
        std::cout << '\n';
    } catch (const std::exception& e) {
        std::cerr << "nodus-opmetagen: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
