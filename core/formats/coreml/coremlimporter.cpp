#include "coremlimporter.h"

#include "ir/mappedtensordata.h"
#include "ir/ownedtensordata.h"
#include "ir/shape.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <algorithm>
#include <cstring>

namespace nodus {

namespace {

// Pipelines and networks nested deeper than this are refused: a damaged
// file could nest thousands and exhaust the stack.
constexpr int kMaxDepth = 32;

float asFloat(std::uint64_t bits)
{
    const auto b = static_cast<std::uint32_t>(bits);
    float f;
    std::memcpy(&f, &b, 4);
    return f;
}

double asDouble(std::uint64_t bits)
{
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
}

const WireField* find(const std::vector<WireField>& fields, std::uint32_t number)
{
    for (const auto& f : fields)
        if (f.number == number)
            return &f;
    return nullptr;
}

std::string colorSpaceName(std::uint64_t v)
{
    switch (v) {
    case 10:
        return "GRAYSCALE";
    case 20:
        return "RGB";
    case 30:
        return "BGR";
    case 40:
        return "GRAYSCALE_FLOAT16";
    default:
        return std::to_string(v);
    }
}

} // namespace

CoremlImporter::CoremlImporter(std::shared_ptr<const MappedFile> file)
    : doc_(std::make_shared<CoremlDocument>())
    , path_(file->path().string())
{
    // Bounds the fields visited, so lists that repeat cannot blow up the walk.
    budget_ = std::max<std::uint64_t>(std::uint64_t(1) << 20, file->size() * 2);
    doc_->file = std::move(file);
}

CoremlImporter::Fields CoremlImporter::fields(Bytes message, const std::string& what)
{
    Fields out;
    const bool ok = scanProtoFields(message, [&](const WireField& f) {
        if (++visited_ > budget_)
            return false;
        out.push_back(f);
        return true;
    });
    if (visited_ > budget_)
        throw Error(path_ + ": damaged Core ML file: more fields than a file of this size can hold");
    if (!ok)
        throw Error(path_ + ": damaged Core ML file: " + what + " is not a well-formed protobuf message");
    return out;
}

std::uint64_t CoremlImporter::offsetOf(Bytes bytes) const
{
    return static_cast<std::uint64_t>(bytes.data() - doc_->file->bytes().data());
}

std::unique_ptr<Model> CoremlImporter::import()
{
    const auto bytes = doc_->file->bytes();
    if (bytes.empty())
        throw Error(path_ + ": the file is empty");
    auto out = std::make_unique<Model>();
    out->native = doc_;
    out->producerName = "Core ML";
    out->graph = std::make_shared<Graph>("main");
    importModel(bytes, *out->graph, 0, "the model", out.get());
    return out;
}

void CoremlImporter::importModel(Bytes message, Graph& graph, int depth, const std::string& where, Model* top)
{
    using namespace coreml;
    if (depth > kMaxDepth)
        throw Error(path_ + ": damaged Core ML file: models nested more than " + std::to_string(kMaxDepth) + " deep");
    const Fields f = fields(message, where);
    const WireField* version = find(f, model::SpecificationVersion);
    const WireField* description = find(f, model::Description);
    const WireField* type = nullptr;
    for (const auto& field : f)
        if (field.number >= 200 && field.wireType == 2)
            type = &field;
    if (depth == 0 && (!version || version->wireType != 0 || !type))
        throw Error(path_ + ": not a Core ML model (no specification version and model type)");
    if (!type)
        throw Error(path_ + ": damaged Core ML file: " + where + " has no model type");

    if (description && description->wireType == 2) {
        const Fields d = fields(description->bytes, "the description of " + where);
        readFeatures(d, description::Input, graph, true);
        if (top) {
            for (const auto& field : d)
                if (field.number == description::Metadata && field.wireType == 2)
                    for (const auto& m : fields(field.bytes, "the metadata")) {
                        if (m.wireType != 2)
                            continue;
                        switch (m.number) {
                        case metadata::ShortDescription:
                            top->docString = text(m.bytes);
                            break;
                        case metadata::VersionString:
                            top->metadata.emplace_back("version", text(m.bytes));
                            break;
                        case metadata::Author:
                            top->metadata.emplace_back("author", text(m.bytes));
                            break;
                        case metadata::License:
                            top->metadata.emplace_back("license", text(m.bytes));
                            break;
                        case metadata::UserDefined: {
                            const Fields kv = fields(m.bytes, "a user-defined metadata entry");
                            const WireField* k = find(kv, 1);
                            const WireField* v = find(kv, 2);
                            if (k && k->wireType == 2)
                                top->metadata.emplace_back(
                                    text(k->bytes), v && v->wireType == 2 ? text(v->bytes) : std::string());
                            break;
                        }
                        default:
                            break;
                        }
                    }
                else if ((field.number == description::PredictedFeatureName
                             || field.number == description::PredictedProbabilitiesName)
                    && field.wireType == 2)
                    top->metadata.emplace_back(field.number == description::PredictedFeatureName
                            ? "predicted_feature"
                            : "predicted_probabilities",
                        text(field.bytes));
        }
    }
    if (top) {
        top->metadata.emplace_back("specification_version", std::to_string(version->varint));
        top->modelVersion = static_cast<std::int64_t>(version->varint);
        const std::string_view typeName = modelTypeName(type->number);
        top->metadata.emplace_back(
            "model_type", typeName.empty() ? "field " + std::to_string(type->number) : std::string(typeName));
        if (const WireField* u = find(f, model::IsUpdatable); u && u->varint)
            top->metadata.emplace_back("updatable", "yes");
    }

    switch (type->number) {
    case model::NeuralNetwork:
    case model::NeuralNetworkClassifier:
    case model::NeuralNetworkRegressor:
        importNetwork(type->bytes, graph, depth, where);
        break;
    case model::Pipeline:
        importPipeline(type->bytes, graph, depth, where);
        break;
    case model::PipelineClassifier:
    case model::PipelineRegressor:
        for (const auto& p : fields(type->bytes, "the pipeline of " + where))
            if (p.number == pipeline::Models && p.wireType == 2)
                importPipeline(p.bytes, graph, depth, where);
        break;
    default: {
        // Any other model is one node from the described inputs to outputs.
        const std::string_view typeName = modelTypeName(type->number);
        Node* node = graph.addNode(typeName.empty() ? "Model" + std::to_string(type->number) : std::string(typeName),
            typeName.empty() ? "model" : std::string(typeName));
        for (Value* v : graph.inputs)
            graph.addInput(node, v);
        if (typeName.empty())
            node->docString = "A model type (field " + std::to_string(type->number)
                + ") this version of Nodus does not know; its parameters are not shown.";
        else if (type->number == model::MlProgram)
            node->docString = "An ML Program (MIL): its functions and operations are not decoded by this version of "
                              "Nodus, and its weights live in the .mlpackage beside it.";
        else
            decodeParams(type->bytes, modelParams(type->number), *node, graph, 0,
                typeName.empty() ? where : std::string(typeName));
        if (description && description->wireType == 2) {
            const Fields d = fields(description->bytes, "the description of " + where);
            for (const auto& o : d)
                if (o.number == description::Output && o.wireType == 2) {
                    const Fields feature = fields(o.bytes, "an output feature");
                    const WireField* name = find(feature, feature::Name);
                    graph.addOutput(node, produce(graph, name && name->wireType == 2 ? text(name->bytes) : "output"));
                }
        }
        break;
    }
    }

    if (description && description->wireType == 2) {
        const Fields d = fields(description->bytes, "the description of " + where);
        readFeatures(d, description::Output, graph, false);
    }
}

void CoremlImporter::readFeatures(const Fields& description, std::uint32_t field, Graph& graph, bool inputs)
{
    for (const auto& f : description) {
        if (f.number != field || f.wireType != 2)
            continue;
        const Fields feature = fields(f.bytes, inputs ? "an input feature" : "an output feature");
        const WireField* name = find(feature, coreml::feature::Name);
        if (!name || name->wireType != 2)
            throw Error(path_ + ": damaged Core ML file: a feature has no name");
        const std::string n = text(name->bytes);
        std::string doc;
        if (const WireField* d = find(feature, coreml::feature::ShortDescription); d && d->wireType == 2)
            doc = text(d->bytes);
        ValueType type;
        if (const WireField* t = find(feature, coreml::feature::Type); t && t->wireType == 2)
            type = featureType(t->bytes, doc, "feature '" + n + "'");
        Value* v = inputs ? produce(graph, n) : use(graph, n);
        v->type = type;
        if (!doc.empty())
            v->docString = doc;
        (inputs ? graph.inputs : graph.outputs).push_back(v);
    }
}

ValueType CoremlImporter::featureType(Bytes bytes, std::string& doc, const std::string& where)
{
    using namespace coreml;
    ValueType out;
    auto add = [&](const std::string& s) { doc += (doc.empty() ? "" : "\n\n") + s; };
    auto scalar = [](DataType t) { return ValueType::tensor(t, Shape::of({})); };
    for (const auto& f : fields(bytes, "the type of " + where)) {
        if (f.number == featuretype::IsOptional && f.wireType == 0 && f.varint) {
            add("Optional.");
            continue;
        }
        if (f.wireType != 2)
            continue;
        switch (f.number) {
        case featuretype::Int64:
            out = scalar(DataType::Int64);
            break;
        case featuretype::Double:
            out = scalar(DataType::Double);
            break;
        case featuretype::String:
            out = scalar(DataType::String);
            break;
        case featuretype::Image: {
            std::uint64_t w = 0, h = 0, space = 0;
            for (const auto& i : fields(f.bytes, "the image type of " + where)) {
                if (i.wireType != 0)
                    continue;
                if (i.number == imagetype::Width)
                    w = i.varint;
                else if (i.number == imagetype::Height)
                    h = i.varint;
                else if (i.number == imagetype::ColorSpace)
                    space = i.varint;
            }
            out.kind = ValueType::Kind::Opaque;
            out.opaqueName = "coreml.Image";
            add("**Image**: " + std::to_string(w) + " × " + std::to_string(h) + ", " + colorSpaceName(space));
            break;
        }
        case featuretype::MultiArray: {
            std::vector<std::int64_t> shape;
            std::uint64_t code = 0;
            for (const auto& a : fields(f.bytes, "the array type of " + where)) {
                if (a.number == arraytype::DataType && a.wireType == 0)
                    code = a.varint;
                else if (a.number == arraytype::Shape && a.wireType == 0)
                    shape.push_back(static_cast<std::int64_t>(a.varint));
                else if (a.number == arraytype::Shape && a.wireType == 2) {
                    // packed int64: a run of varints
                    std::size_t pos = 0;
                    while (pos < a.bytes.size()) {
                        std::uint64_t v = 0;
                        int shift = 0;
                        for (;;) {
                            if (pos >= a.bytes.size() || shift >= 64)
                                throw Error(path_ + ": damaged Core ML file: the shape of " + where + " is cut short");
                            const auto b = static_cast<std::uint8_t>(a.bytes[pos++]);
                            v |= std::uint64_t(b & 0x7f) << shift;
                            shift += 7;
                            if (!(b & 0x80))
                                break;
                        }
                        if (++visited_ > budget_)
                            throw Error(path_ + ": damaged Core ML file: a shape longer than the file can hold");
                        shape.push_back(static_cast<std::int64_t>(v));
                    }
                }
            }
            const auto type = arrayDataType(code);
            Shape s;
            if (!shape.empty())
                s = Shape::of(shape);
            if (type) {
                out = ValueType::tensor(*type, std::move(s));
            } else {
                out.kind = ValueType::Kind::Opaque;
                out.opaqueName = "coreml.MultiArray" + std::to_string(code);
            }
            break;
        }
        case featuretype::Dictionary: {
            out.kind = ValueType::Kind::Map;
            out.elementType = DataType::String;
            for (const auto& k : fields(f.bytes, "the dictionary type of " + where))
                if (k.number == 1)
                    out.elementType = DataType::Int64;
            out.element = std::make_shared<const ValueType>(scalar(DataType::Double));
            break;
        }
        case featuretype::Sequence: {
            out.kind = ValueType::Kind::Sequence;
            DataType element = DataType::Undefined;
            for (const auto& k : fields(f.bytes, "the sequence type of " + where))
                if (k.number == 1)
                    element = DataType::Int64;
                else if (k.number == 3)
                    element = DataType::String;
            out.element = std::make_shared<const ValueType>(scalar(element));
            break;
        }
        case featuretype::State:
            out.kind = ValueType::Kind::Opaque;
            out.opaqueName = "coreml.State";
            break;
        default:
            break;
        }
    }
    return out;
}

Value* CoremlImporter::use(Graph& graph, const std::string& name)
{
    auto& names = current_[&graph];
    if (auto it = names.find(name); it != names.end())
        return it->second;
    Value* v = graph.value(name);
    names[name] = v;
    return v;
}

Value* CoremlImporter::produce(Graph& graph, const std::string& name)
{
    auto& names = current_[&graph];
    auto it = names.find(name);
    if (it == names.end() || (!it->second->producer() && !graph.isInput(it->second) && it->second->users().empty())) {
        Value* v = it == names.end() ? graph.value(name) : it->second;
        names[name] = v;
        return v;
    }
    // The name is written again: a new value, and later readers see it.
    std::string unique = name + "_1";
    for (int k = 2; graph.findValue(unique); ++k)
        unique = name + "_" + std::to_string(k);
    Value* v = graph.value(unique);
    v->docString = "Core ML name '" + name + "', written again here.";
    names[name] = v;
    return v;
}

void CoremlImporter::importPipeline(Bytes pipeline, Graph& graph, int depth, const std::string& where)
{
    using namespace coreml;
    const Fields p = fields(pipeline, "the pipeline of " + where);
    std::vector<std::string> names;
    for (const auto& f : p)
        if (f.number == pipeline::Names && f.wireType == 2)
            names.push_back(text(f.bytes));
    std::size_t index = 0;
    for (const auto& f : p) {
        if (f.number != pipeline::Models || f.wireType != 2)
            continue;
        const std::size_t k = index++;
        const std::string what = "model " + std::to_string(k) + " of the pipeline of " + where;
        const Fields m = fields(f.bytes, what);
        const WireField* type = nullptr;
        for (const auto& field : m)
            if (field.number >= 200 && field.wireType == 2)
                type = &field;
        if (!type)
            throw Error(path_ + ": damaged Core ML file: " + what + " has no model type");
        const std::string_view typeName = modelTypeName(type->number);
        const std::string opType = typeName.empty() ? "Model" + std::to_string(type->number) : std::string(typeName);
        Node* node = graph.addNode(
            opType, k < names.size() && !names[k].empty() ? names[k] : opType + "_" + std::to_string(k));

        // Wired by the feature names of its own description.
        std::vector<std::string> ins, outs;
        if (const WireField* d = find(m, model::Description); d && d->wireType == 2)
            for (const auto& feature : fields(d->bytes, "the description of " + what))
                if ((feature.number == description::Input || feature.number == description::Output)
                    && feature.wireType == 2) {
                    const Fields fd = fields(feature.bytes, "a feature of " + what);
                    if (const WireField* n = find(fd, feature::Name); n && n->wireType == 2)
                        (feature.number == description::Input ? ins : outs).push_back(text(n->bytes));
                }
        for (const auto& n : ins)
            graph.addInput(node, use(graph, n));

        // A model with a graph of its own hangs off its node.
        const bool nested = type->number == model::NeuralNetwork || type->number == model::NeuralNetworkClassifier
            || type->number == model::NeuralNetworkRegressor || type->number == model::Pipeline
            || type->number == model::PipelineClassifier || type->number == model::PipelineRegressor;
        if (nested) {
            auto sub = std::make_shared<Graph>(node->name, &graph);
            importModel(f.bytes, *sub, depth + 1, what, nullptr);
            Attribute a;
            a.name = "model";
            a.type = AttributeType::Graph;
            a.graphs.push_back(std::move(sub));
            node->attributes.push_back(std::move(a));
        } else if (typeName.empty()) {
            node->docString = "A model type (field " + std::to_string(type->number)
                + ") this version of Nodus does not know; its parameters are not shown.";
        } else {
            decodeParams(type->bytes, modelParams(type->number), *node, graph, 0, what);
        }
        for (const auto& n : outs)
            graph.addOutput(node, produce(graph, n));
    }
}

void CoremlImporter::importNetwork(Bytes network, Graph& graph, int depth, const std::string& where)
{
    using namespace coreml;
    if (depth > kMaxDepth)
        throw Error(path_ + ": damaged Core ML file: networks nested more than " + std::to_string(kMaxDepth) + " deep");
    const Fields n = fields(network, "the neural network of " + where);
    std::size_t index = 0;
    std::vector<std::string> labels;
    for (const auto& f : n) {
        if (f.number == network::Layers && f.wireType == 2)
            importLayer(f.bytes, graph, depth, where, index++);
        else if (f.number == network::StringClassLabels && f.wireType == 2)
            for (const auto& s : fields(f.bytes, "the class labels"))
                if (s.number == 1 && s.wireType == 2 && labels.size() < 16)
                    labels.push_back(text(s.bytes));
    }
    if (!labels.empty()) {
        std::string list;
        for (const auto& l : labels)
            list += (list.empty() ? "" : ", ") + l;
        graph.docString = "Class labels: " + list;
    }
}

void CoremlImporter::importLayer(Bytes layer, Graph& graph, int depth, const std::string& where, std::size_t index)
{
    using namespace coreml;
    const std::string what = "layer " + std::to_string(index) + " of " + where;
    const Fields l = fields(layer, what);
    std::string name;
    std::vector<std::string> ins, outs;
    const WireField* params = nullptr;
    for (const auto& f : l) {
        if (f.wireType == 2 && f.number == layer::Name)
            name = text(f.bytes);
        else if (f.wireType == 2 && f.number == layer::Input)
            ins.push_back(text(f.bytes));
        else if (f.wireType == 2 && f.number == layer::Output)
            outs.push_back(text(f.bytes));
        else if (f.wireType == 2 && f.number >= layer::FirstParams)
            params = &f;
    }
    const std::uint32_t type = params ? params->number : 0;
    const std::string_view typeName = layerTypeName(type);
    std::string opType
        = typeName.empty() ? (type ? "Layer" + std::to_string(type) : std::string("Unknown")) : std::string(typeName);
    if (name.empty())
        name = opType + "_" + std::to_string(index);
    Node* node = graph.addNode(opType, name);
    for (const auto& i : ins)
        graph.addInput(node, use(graph, i));
    if (!params) {
        node->docString = "The layer names no layer type.";
    } else if (typeName.empty()) {
        node->docString = "A layer type (field " + std::to_string(type)
            + ") this version of Nodus does not know; its parameters are not shown.";
    } else if (type == 130) {
        // ActivationParams: a oneof of nonlinearities, alpha/beta inside.
        for (const auto& a : fields(params->bytes, "the activation of " + what)) {
            if (a.wireType != 2)
                continue;
            const std::string_view act = activationName(a.number);
            Attribute t;
            t.name = "type";
            t.type = AttributeType::String;
            t.s = act.empty() ? std::to_string(a.number) : std::string(act);
            node->attributes.push_back(std::move(t));
            static constexpr ParamField kFloats[]
                = { { 1, "alpha", FieldKind::Float }, { 2, "beta", FieldKind::Float } };
            static constexpr ParamField kWeights[]
                = { { 1, "alpha", FieldKind::Weights }, { 2, "beta", FieldKind::Weights } };
            const bool weighted = a.number == 25 || a.number == 71; // PReLU, parametricSoftplus
            decodeParams(a.bytes,
                weighted ? std::span<const ParamField>(kWeights) : std::span<const ParamField>(kFloats), *node, graph,
                type, what);
        }
    } else if (type == 605 || type == 615) {
        // Branch (ifBranch 1, elseBranch 2) and Loop (conditionNetwork 3, bodyNetwork 4).
        for (const auto& b : fields(params->bytes, "the parameters of " + what)) {
            if (b.wireType == 0 && type == 615 && b.number == 1) {
                Attribute a;
                a.name = "maxLoopIterations";
                a.type = AttributeType::Int;
                a.i = static_cast<std::int64_t>(b.varint);
                node->attributes.push_back(std::move(a));
                continue;
            }
            if (b.wireType != 2)
                continue;
            if (type == 615 && b.number == 2) {
                Attribute a;
                a.name = "conditionVar";
                a.type = AttributeType::String;
                a.s = text(b.bytes);
                node->attributes.push_back(std::move(a));
                continue;
            }
            const char* attrName = type == 605 ? (b.number == 1 ? "ifBranch"
                                           : b.number == 2      ? "elseBranch"
                                                                : nullptr)
                                               : (b.number == 3        ? "conditionNetwork"
                                                       : b.number == 4 ? "bodyNetwork"
                                                                       : nullptr);
            if (!attrName)
                continue;
            auto sub = std::make_shared<Graph>(name + "/" + attrName, &graph);
            importNetwork(b.bytes, *sub, depth + 1, std::string(attrName) + " of " + what);
            Attribute a;
            a.name = attrName;
            a.type = AttributeType::Graph;
            a.graphs.push_back(std::move(sub));
            node->attributes.push_back(std::move(a));
        }
    } else {
        decodeParams(params->bytes, layerParams(type), *node, graph, type, what);
    }
    for (const auto& o : outs)
        graph.addOutput(node, produce(graph, o));
}

void CoremlImporter::decodeParams(Bytes params, std::span<const coreml::ParamField> table, Node& node, Graph& graph,
    std::uint32_t layerField, const std::string& where)
{
    using namespace coreml;
    const Fields p = fields(params, "the parameters of " + where);
    auto uintOf = [&](std::uint32_t number, std::int64_t def) {
        const WireField* f = find(p, number);
        return f && f->wireType == 0 ? static_cast<std::int64_t>(f->varint) : def;
    };
    auto uintsOf = [&](std::uint32_t number) {
        std::vector<std::int64_t> out;
        for (const auto& f : p)
            if (f.number == number && f.wireType == 0)
                out.push_back(static_cast<std::int64_t>(f.varint));
            else if (f.number == number && f.wireType == 2)
                for (std::size_t pos = 0; pos < f.bytes.size();) {
                    std::uint64_t v = 0;
                    for (int shift = 0;; shift += 7) {
                        if (pos >= f.bytes.size() || shift >= 64)
                            throw Error(path_ + ": damaged Core ML file: a list in " + where + " is cut short");
                        const auto b = static_cast<std::uint8_t>(f.bytes[pos++]);
                        v |= std::uint64_t(b & 0x7f) << shift;
                        if (!(b & 0x80))
                            break;
                    }
                    if (++visited_ > budget_)
                        throw Error(path_ + ": damaged Core ML file: a list longer than the file can hold");
                    out.push_back(static_cast<std::int64_t>(v));
                }
        return out;
    };
    // The shape each weight has by the layer's own parameters.
    auto weightDims = [&](std::string_view name) -> std::vector<std::int64_t> {
        switch (layerField) {
        case 100: { // convolution
            auto k = uintsOf(20);
            if (k.empty())
                k = { 3, 3 };
            const std::int64_t out = uintOf(1, 0), in = uintOf(2, 0), groups = std::max<std::int64_t>(uintOf(10, 1), 1);
            if (name == "bias")
                return { out };
            std::vector<std::int64_t> d = uintOf(60, 0) ? std::vector<std::int64_t> { in, out / groups }
                                                        : std::vector<std::int64_t> { out, in };
            d.insert(d.end(), k.begin(), k.end());
            return d;
        }
        case 140: // innerProduct
            return name == "bias" ? std::vector<std::int64_t> { uintOf(2, 0) }
                                  : std::vector<std::int64_t> { uintOf(2, 0), uintOf(1, 0) };
        case 150: // embedding
            return name == "bias" ? std::vector<std::int64_t> { uintOf(2, 0) }
                                  : std::vector<std::int64_t> { uintOf(2, 0), uintOf(1, 0) };
        case 160: // batchnorm
            return { uintOf(1, 0) };
        case 245: // scale
            return name == "bias" ? uintsOf(4) : uintsOf(1);
        case 250: // bias
        case 290: // loadConstant
        case 1070: // loadConstantND
            return uintsOf(1);
        case 1040: // embeddingND
            return name == "bias" ? std::vector<std::int64_t> { uintOf(2, 0) }
                                  : std::vector<std::int64_t> { uintOf(2, 0), uintOf(1, 0) };
        case 1045: // batchedMatmul
            return name == "bias" ? std::vector<std::int64_t> { uintOf(6, 0) }
                                  : std::vector<std::int64_t> { uintOf(6, 0), uintOf(5, 0) };
        case 1350: // layerNormalization
            return uintsOf(1);
        default:
            return {};
        }
    };

    std::size_t unknown = 0;
    for (const auto& f : p)
        if (std::none_of(table.begin(), table.end(), [&](const ParamField& pf) { return pf.number == f.number; }))
            ++unknown;
    if (unknown > 0 && !table.empty())
        node.docString
            = std::to_string(unknown) + " further parameter field(s) are not decoded by this version of Nodus.";
    else if (table.empty() && !p.empty())
        node.docString = "The parameters of " + node.opType + " are not decoded by this version of Nodus.";

    std::size_t weightCount = 0;
    for (const ParamField& pf : table) {
        Attribute a;
        a.name = std::string(pf.name);
        bool set = false;
        for (const auto& f : p) {
            if (f.number != pf.number)
                continue;
            switch (pf.kind) {
            case FieldKind::UInt:
            case FieldKind::Int:
            case FieldKind::Bool:
                if (f.wireType != 0)
                    break;
                a.type = AttributeType::Int;
                a.i = pf.kind == FieldKind::Bool ? (f.varint != 0) : static_cast<std::int64_t>(f.varint);
                set = true;
                break;
            case FieldKind::Enum:
                if (f.wireType != 0)
                    break;
                a.type = AttributeType::String;
                a.s = f.varint < pf.names.size() ? std::string(pf.names[f.varint]) : std::to_string(f.varint);
                set = true;
                break;
            case FieldKind::Float:
                if (f.wireType != 5)
                    break;
                a.type = AttributeType::Float;
                a.f = asFloat(f.varint);
                set = true;
                break;
            case FieldKind::Double:
                if (f.wireType != 1)
                    break;
                a.type = AttributeType::Float;
                a.f = asDouble(f.varint);
                set = true;
                break;
            case FieldKind::UInts:
            case FieldKind::Ints:
                a.type = AttributeType::Ints;
                a.ints = uintsOf(pf.number);
                set = true;
                break;
            case FieldKind::Floats:
            case FieldKind::Doubles: {
                const std::size_t width = pf.kind == FieldKind::Floats ? 4 : 8;
                a.type = AttributeType::Floats;
                if (f.wireType == 2) {
                    if (f.bytes.size() % width)
                        throw Error(path_ + ": damaged Core ML file: " + a.name + " of " + where + " is cut short");
                    for (std::size_t k = 0; k < f.bytes.size(); k += width) {
                        std::uint64_t bits = 0;
                        std::memcpy(&bits, f.bytes.data() + k, width);
                        a.floats.push_back(width == 4 ? asFloat(bits) : asDouble(bits));
                    }
                } else if (f.wireType == (width == 4 ? 5 : 1)) {
                    a.floats.push_back(width == 4 ? asFloat(f.varint) : asDouble(f.varint));
                }
                set = true;
                break;
            }
            case FieldKind::String:
                if (f.wireType != 2)
                    break;
                a.type = AttributeType::String;
                a.s = text(f.bytes);
                set = true;
                break;
            case FieldKind::Strings:
                if (f.wireType != 2)
                    break;
                a.type = AttributeType::Strings;
                a.strings.push_back(text(f.bytes));
                set = true;
                break;
            case FieldKind::StringVector:
            case FieldKind::Int64Vector:
            case FieldKind::DoubleVector:
                if (f.wireType != 2)
                    break;
                for (const auto& e : fields(f.bytes, a.name + " of " + where)) {
                    if (e.number != 1)
                        continue;
                    if (pf.kind == FieldKind::StringVector && e.wireType == 2) {
                        a.type = AttributeType::Strings;
                        a.strings.push_back(text(e.bytes));
                    } else if (pf.kind == FieldKind::Int64Vector && e.wireType == 0) {
                        a.type = AttributeType::Ints;
                        a.ints.push_back(static_cast<std::int64_t>(e.varint));
                    } else if (pf.kind == FieldKind::Int64Vector && e.wireType == 2) {
                        a.type = AttributeType::Ints;
                        for (std::size_t pos = 0; pos < e.bytes.size();) {
                            std::uint64_t v = 0;
                            for (int shift = 0;; shift += 7) {
                                if (pos >= e.bytes.size() || shift >= 64)
                                    throw Error(
                                        path_ + ": damaged Core ML file: " + a.name + " of " + where + " is cut short");
                                const auto b = static_cast<std::uint8_t>(e.bytes[pos++]);
                                v |= std::uint64_t(b & 0x7f) << shift;
                                if (!(b & 0x80))
                                    break;
                            }
                            if (++visited_ > budget_)
                                throw Error(path_ + ": damaged Core ML file: a list longer than the file can hold");
                            a.ints.push_back(static_cast<std::int64_t>(v));
                        }
                    } else if (pf.kind == FieldKind::DoubleVector && e.wireType == 2 && e.bytes.size() % 8 == 0) {
                        a.type = AttributeType::Floats;
                        for (std::size_t k = 0; k < e.bytes.size(); k += 8) {
                            std::uint64_t bits = 0;
                            std::memcpy(&bits, e.bytes.data() + k, 8);
                            a.floats.push_back(asDouble(bits));
                        }
                    }
                }
                if (a.type == AttributeType::Undefined)
                    a.type = pf.kind == FieldKind::StringVector ? AttributeType::Strings
                        : pf.kind == FieldKind::Int64Vector     ? AttributeType::Ints
                                                                : AttributeType::Floats;
                set = true;
                break;
            case FieldKind::Present:
                a.type = AttributeType::String;
                a.s = pf.names.empty() ? std::string("yes") : std::string(pf.names[0]);
                set = true;
                break;
            case FieldKind::Weights: {
                if (f.wireType != 2)
                    break;
                const std::string tensorName = node.name + "/" + a.name
                    + (pf.number == 20 && layerField == 500 ? "_" + std::to_string(weightCount) : "");
                ++weightCount;
                if (auto t = weightTensor(f.bytes, tensorName, weightDims(pf.name), where)) {
                    Tensor* stored = graph.addInitializer(std::move(t));
                    graph.addInput(&node, graph.findValue(stored->name));
                }
                break;
            }
            }
            if (pf.kind == FieldKind::UInts || pf.kind == FieldKind::Ints)
                break; // gathered over all occurrences at once
        }
        if (set && pf.kind != FieldKind::Weights) {
            // Present fields share one attribute name ("padding"): the last wins.
            auto it = std::find_if(
                node.attributes.begin(), node.attributes.end(), [&](const Attribute& x) { return x.name == a.name; });
            if (it != node.attributes.end())
                *it = std::move(a);
            else
                node.attributes.push_back(std::move(a));
        }
    }
}

std::shared_ptr<Tensor> CoremlImporter::weightTensor(
    Bytes weights, const std::string& name, const std::vector<std::int64_t>& dims, const std::string& where)
{
    using namespace coreml;
    const Fields w = fields(weights, "the weights '" + name + "' of " + where);
    auto t = std::make_shared<Tensor>();
    t->name = name;
    const WireField* quantization = find(w, weights::Quantization);
    std::vector<std::byte> unpacked;
    Bytes data;
    for (const auto& f : w) {
        if (f.number == weights::FloatValue && f.wireType == 5) {
            // Unpacked repeated floats: gathered into memory.
            const auto bits = static_cast<std::uint32_t>(f.varint);
            const auto* b = reinterpret_cast<const std::byte*>(&bits);
            unpacked.insert(unpacked.end(), b, b + 4);
            t->dataType = DataType::Float;
        } else if (f.wireType == 2 && !f.bytes.empty() && data.empty() && unpacked.empty()) {
            switch (f.number) {
            case weights::FloatValue:
                t->dataType = DataType::Float;
                break;
            case weights::Float16Value:
                t->dataType = DataType::Float16;
                break;
            case weights::Int8RawValue:
                t->dataType = DataType::Int8;
                break;
            case weights::RawValue:
                t->dataType = DataType::UInt8;
                break;
            default:
                continue;
            }
            data = f.bytes;
        }
    }
    if (data.empty() && unpacked.empty())
        return nullptr;
    const std::uint64_t size = unpacked.empty() ? data.size() : unpacked.size();
    const auto expected = elementCount(dims);
    if (t->dataType == DataType::UInt8 && !quantization && expected && *expected > 0) {
        // rawValue without quantization holds floats (or halves) of the shape.
        if (size == *expected * 4)
            t->dataType = DataType::Float;
        else if (size == *expected * 2)
            t->dataType = DataType::Float16;
    }
    const int bits = dataTypeBits(t->dataType);
    if ((size * 8) % bits != 0)
        throw Error(path_ + ": damaged Core ML file: the weights '" + name + "' of " + where + " hold "
            + std::to_string(size) + " bytes, not a whole number of " + std::string(dataTypeName(t->dataType))
            + " values");
    const std::uint64_t count = size * 8 / bits;
    if (expected && *expected == count && !dims.empty())
        t->dims = dims;
    else
        t->dims = { static_cast<std::int64_t>(count) };
    if (quantization)
        t->docString = "Quantized weights: the stored bytes (" + std::to_string(size)
            + "); Core ML dequantizes them with the layer's quantization parameters.";
    if (t->dims.size() == 1 && !dims.empty() && !(expected && *expected == count))
        t->docString += (t->docString.empty() ? "" : " ")
            + std::string("Stored flat: the layer's parameters do not give its shape.");
    if (unpacked.empty()) {
        t->data = std::make_shared<MappedTensorData>(FileRegion { doc_->file, offsetOf(data), data.size() });
        doc_->tensors.push_back({ t, t->data, t->dataType, t->dims, offsetOf(data), data.size(), true });
    } else {
        t->data = std::make_shared<OwnedTensorData>(std::move(unpacked));
        doc_->tensors.push_back({ t, t->data, t->dataType, t->dims, 0, size, false });
    }
    return t;
}

} // namespace nodus
