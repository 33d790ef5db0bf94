#include "caffeimporter.h"

#include "caffedocument.h"

#include "ir/model.h"
#include "ir/ownedtensordata.h"
#include "util/error.h"
#include "util/mappedfile.h"
#include "util/protowire.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <cstring>
#include <map>
#include <set>

namespace nodus {

namespace fs = std::filesystem;
namespace pb = google::protobuf;

namespace {

// Collects the text parser's complaints instead of printing them.
class ErrorCollector final : public pb::io::ErrorCollector {
public:
    void AddError(int line, pb::io::ColumnNumber column, const std::string& message) override
    {
        if (first.empty())
            first = "line " + std::to_string(line + 1) + ", column " + std::to_string(column + 1) + ": " + message;
    }
    void AddWarning(int, pb::io::ColumnNumber, const std::string&) override { }
    std::string first;
};

bool parseText(std::string_view text, pb::Message& message, std::string& error)
{
    pb::TextFormat::Parser parser;
    ErrorCollector errors;
    parser.RecordErrorsTo(&errors);
    // Caffe forks add their own layer params: skip what our schema lacks.
    parser.AllowUnknownField(true);
    parser.AllowUnknownExtension(true);
    const bool ok = parser.ParseFromString(std::string(text), &message);
    error = errors.first;
    return ok;
}

// The V1 layer type enum as the type names of today's layers.
std::string v1TypeName(int type)
{
    static const std::map<int, std::string> names = { { 35, "AbsVal" }, { 1, "Accuracy" }, { 30, "ArgMax" },
        { 2, "BNLL" }, { 3, "Concat" }, { 37, "ContrastiveLoss" }, { 4, "Convolution" }, { 5, "Data" },
        { 39, "Deconvolution" }, { 6, "Dropout" }, { 32, "DummyData" }, { 7, "EuclideanLoss" }, { 25, "Eltwise" },
        { 38, "Exp" }, { 8, "Flatten" }, { 9, "HDF5Data" }, { 10, "HDF5Output" }, { 28, "HingeLoss" }, { 11, "Im2col" },
        { 12, "ImageData" }, { 13, "InfogainLoss" }, { 14, "InnerProduct" }, { 15, "LRN" }, { 29, "MemoryData" },
        { 16, "MultinomialLogisticLoss" }, { 34, "MVN" }, { 17, "Pooling" }, { 26, "Power" }, { 18, "ReLU" },
        { 19, "Sigmoid" }, { 27, "SigmoidCrossEntropyLoss" }, { 36, "Silence" }, { 20, "Softmax" },
        { 21, "SoftmaxWithLoss" }, { 22, "Split" }, { 33, "Slice" }, { 23, "TanH" }, { 24, "WindowData" },
        { 31, "Threshold" } };
    const auto it = names.find(type);
    return it == names.end() ? "V1Layer" + std::to_string(type) : it->second;
}

// One layer, new or V1, seen the same way.
struct LayerView {
    std::string name;
    std::string type;
    std::vector<std::string> bottoms;
    std::vector<std::string> tops;
    const pb::RepeatedPtrField<caffe::BlobProto>* blobs = nullptr;
    const pb::Message* message = nullptr;
    int phase = -1;
};

std::vector<LayerView> layersOf(const caffe::NetParameter& net)
{
    std::vector<LayerView> out;
    for (const auto& l : net.layer()) {
        LayerView v { l.name(), l.type(), { l.bottom().begin(), l.bottom().end() }, { l.top().begin(), l.top().end() },
            &l.blobs(), &l, -1 };
        if (l.include_size() == 1 && l.include(0).has_phase())
            v.phase = l.include(0).phase();
        else if (l.has_phase())
            v.phase = l.phase();
        out.push_back(std::move(v));
    }
    for (const auto& l : net.layers()) {
        LayerView v { l.name(), v1TypeName(l.type()), { l.bottom().begin(), l.bottom().end() },
            { l.top().begin(), l.top().end() }, &l.blobs(), &l, -1 };
        if (l.include_size() == 1 && l.include(0).has_phase())
            v.phase = l.include(0).phase();
        out.push_back(std::move(v));
    }
    return out;
}

std::vector<std::int64_t> blobDims(const caffe::BlobProto& b)
{
    if (b.has_shape())
        return { b.shape().dim().begin(), b.shape().dim().end() };
    if (b.has_num() || b.has_channels() || b.has_height() || b.has_width())
        return { b.num(), b.channels(), b.height(), b.width() };
    return { static_cast<std::int64_t>(b.data_size() ? b.data_size() : b.double_data_size()) };
}

std::string blobRole(const std::string& type, int index)
{
    static const std::map<std::string, std::vector<std::string>> roles = { { "Convolution", { "weight", "bias" } },
        { "Deconvolution", { "weight", "bias" } }, { "InnerProduct", { "weight", "bias" } },
        { "Embed", { "weight", "bias" } }, { "BatchNorm", { "mean", "variance", "scale_factor" } },
        { "Scale", { "scale", "bias" } }, { "PReLU", { "slope" } }, { "Bias", { "bias" } } };
    const auto it = roles.find(type);
    if (it != roles.end() && static_cast<std::size_t>(index) < it->second.size())
        return it->second[static_cast<std::size_t>(index)];
    return "blob" + std::to_string(index);
}

std::shared_ptr<Tensor> tensorOf(const caffe::BlobProto& b, const std::string& name, const std::string& where)
{
    auto t = std::make_shared<Tensor>();
    t->name = name;
    t->dims = blobDims(b);
    for (const auto d : t->dims)
        if (d < 0)
            throw Error(where + ": blob '" + name + "' has a negative dimension");
    std::vector<std::byte> bytes;
    std::uint64_t count = 0;
    if (b.double_data_size() > 0) {
        t->dataType = DataType::Double;
        count = static_cast<std::uint64_t>(b.double_data_size());
        bytes.resize(count * 8);
        std::memcpy(bytes.data(), b.double_data().data(), bytes.size());
    } else {
        t->dataType = DataType::Float;
        count = static_cast<std::uint64_t>(b.data_size());
        bytes.resize(count * 4);
        if (count)
            std::memcpy(bytes.data(), b.data().data(), bytes.size());
    }
    const auto expected = t->elementCount();
    if (!expected || *expected != count)
        throw Error(where + ": blob '" + name + "' holds " + std::to_string(count) + " values but its shape "
            + Shape::of(t->dims).toString() + " calls for " + (expected ? std::to_string(*expected) : "?"));
    t->data = std::make_shared<OwnedTensorData>(std::move(bytes));
    return t;
}

// A layer's *_param messages as attributes: scalars, lists, enum names;
// shapes as int lists; nested messages (fillers) as their text.
void addAttributes(Node& node, const pb::Message& layer)
{
    const auto* refl = layer.GetReflection();
    std::vector<const pb::FieldDescriptor*> fields;
    refl->ListFields(layer, &fields);
    for (const auto* f : fields) {
        if (f->type() != pb::FieldDescriptor::TYPE_MESSAGE || !f->name().ends_with("_param") || f->is_repeated())
            continue;
        const pb::Message& param = refl->GetMessage(layer, f);
        const auto* pr = param.GetReflection();
        std::vector<const pb::FieldDescriptor*> pfields;
        pr->ListFields(param, &pfields);
        for (const auto* p : pfields) {
            Attribute a;
            a.name = p->name();
            using FD = pb::FieldDescriptor;
            if (p->is_repeated()) {
                const int n = pr->FieldSize(param, p);
                switch (p->cpp_type()) {
                case FD::CPPTYPE_INT32:
                case FD::CPPTYPE_UINT32:
                case FD::CPPTYPE_INT64:
                case FD::CPPTYPE_BOOL:
                    a.type = AttributeType::Ints;
                    for (int k = 0; k < n; ++k)
                        a.ints.push_back(p->cpp_type() == FD::CPPTYPE_INT32 ? pr->GetRepeatedInt32(param, p, k)
                                : p->cpp_type() == FD::CPPTYPE_UINT32       ? pr->GetRepeatedUInt32(param, p, k)
                                : p->cpp_type() == FD::CPPTYPE_BOOL         ? pr->GetRepeatedBool(param, p, k)
                                                                            : pr->GetRepeatedInt64(param, p, k));
                    break;
                case FD::CPPTYPE_FLOAT:
                    a.type = AttributeType::Floats;
                    for (int k = 0; k < n; ++k)
                        a.floats.push_back(pr->GetRepeatedFloat(param, p, k));
                    break;
                case FD::CPPTYPE_MESSAGE:
                    // InputParameter.shape: one int list per shape.
                    for (int k = 0; k < n; ++k) {
                        const auto& m = pr->GetRepeatedMessage(param, p, k);
                        if (const auto* s = dynamic_cast<const caffe::BlobShape*>(&m)) {
                            Attribute shape;
                            shape.name = n == 1 ? a.name : a.name + std::to_string(k);
                            shape.type = AttributeType::Ints;
                            shape.ints.assign(s->dim().begin(), s->dim().end());
                            node.attributes.push_back(std::move(shape));
                        }
                    }
                    continue;
                default:
                    a.type = AttributeType::Strings;
                    for (int k = 0; k < n; ++k)
                        a.strings.push_back(pr->GetRepeatedString(param, p, k));
                }
            } else {
                switch (p->cpp_type()) {
                case FD::CPPTYPE_INT32:
                    a.type = AttributeType::Int, a.i = pr->GetInt32(param, p);
                    break;
                case FD::CPPTYPE_UINT32:
                    a.type = AttributeType::Int, a.i = pr->GetUInt32(param, p);
                    break;
                case FD::CPPTYPE_INT64:
                    a.type = AttributeType::Int, a.i = pr->GetInt64(param, p);
                    break;
                case FD::CPPTYPE_BOOL:
                    a.type = AttributeType::Int, a.i = pr->GetBool(param, p) ? 1 : 0;
                    break;
                case FD::CPPTYPE_FLOAT:
                    a.type = AttributeType::Float, a.f = pr->GetFloat(param, p);
                    break;
                case FD::CPPTYPE_DOUBLE:
                    a.type = AttributeType::Float, a.f = pr->GetDouble(param, p);
                    break;
                case FD::CPPTYPE_ENUM:
                    a.type = AttributeType::String, a.s = pr->GetEnum(param, p)->name();
                    break;
                case FD::CPPTYPE_STRING:
                    a.type = AttributeType::String, a.s = pr->GetString(param, p);
                    break;
                case FD::CPPTYPE_MESSAGE: {
                    const auto& m = pr->GetMessage(param, p);
                    if (const auto* s = dynamic_cast<const caffe::BlobShape*>(&m)) {
                        a.type = AttributeType::Ints;
                        a.ints.assign(s->dim().begin(), s->dim().end());
                    } else {
                        a.type = AttributeType::String;
                        a.s = m.ShortDebugString();
                    }
                    break;
                }
                default:
                    continue;
                }
            }
            node.attributes.push_back(std::move(a));
        }
    }
}

// "is a Caffe solver": its net named when it has one.
void refuseSolver(std::string_view text, const std::string& fileName)
{
    caffe::SolverParameter solver;
    std::string error;
    if (!parseText(text, solver, error))
        return;
    if (!solver.has_net() && !solver.has_train_net() && !solver.has_net_param() && !solver.has_base_lr()
        && solver.test_net_size() == 0)
        return;
    std::string net = solver.has_net() ? solver.net() : solver.has_train_net() ? solver.train_net() : "";
    throw Error(fileName + ": is a Caffe solver, not a network; "
        + (net.empty() ? std::string("it names no net file") : "its net is " + net));
}

} // namespace

int sniffCaffe(std::span<const std::byte> bytes)
{
    if (bytes.empty())
        return 0;
    const std::string_view text(
        reinterpret_cast<const char*>(bytes.data()), std::min<std::size_t>(bytes.size(), 1 << 16));
    // Text: the first key (after comments) is a NetParameter's or a solver's.
    std::size_t pos = 0;
    while (pos < text.size()) {
        while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos])))
            ++pos;
        if (pos < text.size() && text[pos] == '#') {
            while (pos < text.size() && text[pos] != '\n')
                ++pos;
            continue;
        }
        break;
    }
    std::size_t end = pos;
    while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_'))
        ++end;
    const std::string_view key = text.substr(pos, end - pos);
    if (!key.empty()) {
        static const std::set<std::string_view> netKeys
            = { "name", "layer", "layers", "input", "input_dim", "input_shape", "force_backward", "state" };
        static const std::set<std::string_view> solverKeys = { "net", "train_net", "test_iter", "test_interval",
            "base_lr", "display", "max_iter", "lr_policy", "momentum", "weight_decay", "solver_mode", "snapshot" };
        const bool hasLayer = text.find("layer {") != std::string_view::npos
            || text.find("layer{") != std::string_view::npos || text.find("layers {") != std::string_view::npos;
        if (netKeys.count(key) && hasLayer && (text.find("type:") != std::string_view::npos))
            return 80;
        if (solverKeys.count(key) && text.find("base_lr") != std::string_view::npos)
            return 60;
        if ((key == "input" || key == "name") && text.find("input_dim") != std::string_view::npos)
            return 40;
        return 0;
    }
    // Binary: every top-level field one of NetParameter's, with its wire
    // type, and at least one layer whose first field is a name or a bottom.
    bool sawLayer = false;
    bool ok = scanProtoFields(bytes, [&](const WireField& f) {
        switch (f.number) {
        case 1:
        case 3:
        case 6:
        case 8:
            return f.wireType == 2;
        case 4:
            // input_dim as plain varints: a GraphDef's field 4 (versions) is a message.
            return f.wireType == 0;
        case 5:
        case 7:
            return f.wireType == 0;
        case 2:
        case 100: {
            if (f.wireType != 2)
                return false;
            bool first = true, named = false;
            scanProtoFields(f.bytes, [&](const WireField& g) {
                if (first)
                    named = g.wireType == 2 && g.number >= 1 && g.number <= 4;
                first = false;
                return false;
            });
            sawLayer = sawLayer || named;
            return named;
        }
        default:
            return false;
        }
    });
    return ok && sawLayer ? 60 : 0;
}

std::unique_ptr<Model> importCaffe(const Probe& probe)
{
    const std::string fileName = probe.path.string();
    if (!probe.file)
        throw Error(fileName + ": a Caffe model is a file, not a folder");
    const auto bytes = probe.file->bytes();
    auto doc = std::make_shared<CaffeDocument>();
    bool binary = false;
    {
        // Text when the first byte after blanks and comments is a key.
        std::size_t k = 0;
        const auto* c = reinterpret_cast<const unsigned char*>(bytes.data());
        while (k < bytes.size() && (std::isspace(c[k]) || c[k] == '#')) {
            if (c[k] == '#')
                while (k < bytes.size() && c[k] != '\n')
                    ++k;
            else
                ++k;
        }
        binary = k < bytes.size() && !std::isalpha(c[k]);
        if (bytes.empty())
            throw Error(fileName + ": the file is empty");
    }
    if (binary) {
        if (bytes.size() > static_cast<std::size_t>(INT32_MAX)
            || !doc->net.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
            throw Error(fileName + ": not a Caffe model (not a binary NetParameter)");
    } else {
        const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        refuseSolver(text, fileName);
        std::string error;
        if (!parseText(text, doc->net, error))
            throw Error(fileName + ": not a Caffe prototxt: " + error);
    }
    if (doc->net.layer_size() == 0 && doc->net.layers_size() == 0)
        throw Error(fileName + ": the Caffe network has no layers");

    auto model = std::make_unique<Model>();
    model->producerName = "caffe";
    std::vector<std::string> notes;

    // A .prototxt takes the weights of the .caffemodel of the same stem.
    if (!binary && !probe.file->isInMemory()) {
        fs::path weights = probe.path;
        weights.replace_extension(".caffemodel");
        std::error_code ec;
        if (fs::is_regular_file(weights, ec)) {
            const auto file = MappedFile::open(weights);
            caffe::NetParameter trained;
            if (file->size() > static_cast<std::uint64_t>(INT32_MAX)
                || !trained.ParseFromArray(file->data(), static_cast<int>(file->size())))
                throw Error(weights.string() + ": not a Caffe model (not a binary NetParameter)");
            std::map<std::string, const pb::RepeatedPtrField<caffe::BlobProto>*> byName;
            for (const auto& l : trained.layer())
                byName[l.name()] = &l.blobs();
            for (const auto& l : trained.layers())
                byName[l.name()] = &l.blobs();
            int attached = 0;
            auto attach = [&](auto& layer) {
                const auto it = byName.find(layer.name());
                if (it != byName.end() && it->second->size() > 0) {
                    *layer.mutable_blobs() = *it->second;
                    ++attached;
                }
            };
            for (auto& l : *doc->net.mutable_layer())
                attach(l);
            for (auto& l : *doc->net.mutable_layers())
                attach(l);
            model->metadata.emplace_back("weights", weights.filename().string());
            notes.push_back("weights of " + std::to_string(attached) + " layers from " + weights.filename().string());
        }
    }

    auto& g = *model->graph;
    g.name = doc->net.name();
    std::map<std::string, Value*> current;
    std::set<std::string> layerNames;
    auto bottomValue = [&](const std::string& name) {
        const auto it = current.find(name);
        if (it != current.end())
            return it->second;
        Value* v = g.value(name);
        current[name] = v;
        return v;
    };
    // Network-level inputs with their shapes.
    for (int k = 0; k < doc->net.input_size(); ++k) {
        Value* v = bottomValue(doc->net.input(k));
        std::vector<std::int64_t> dims;
        if (k < doc->net.input_shape_size())
            dims.assign(doc->net.input_shape(k).dim().begin(), doc->net.input_shape(k).dim().end());
        else if (doc->net.input_size() == 1 && doc->net.input_dim_size() > 0)
            dims.assign(doc->net.input_dim().begin(), doc->net.input_dim().end());
        if (!dims.empty())
            v->type = ValueType::tensor(DataType::Float, Shape::of(dims));
        g.inputs.push_back(v);
    }

    const auto layers = layersOf(doc->net);
    const bool v1 = doc->net.layers_size() > 0 && doc->net.layer_size() == 0;
    for (std::size_t li = 0; li < layers.size(); ++li) {
        const auto& layer = layers[li];
        const std::string where = fileName + ": layer '" + layer.name + "'";
        std::string nodeName = layer.name;
        if (!layerNames.insert(nodeName).second)
            nodeName = layer.name + ":" + std::to_string(li);
        Node* node = g.addNode(layer.type.empty() ? "Unknown" : layer.type, nodeName);
        if (layer.phase >= 0)
            node->metadata.emplace_back("phase", layer.phase == 0 ? "TRAIN" : "TEST");
        addAttributes(*node, *layer.message);
        for (const auto& b : layer.bottoms)
            g.addInput(node, bottomValue(b));
        for (int k = 0; k < layer.blobs->size(); ++k) {
            const std::string name = nodeName + "." + blobRole(layer.type, k);
            if (g.findValue(name))
                throw Error(where + ": weight name '" + name + "' is taken");
            Tensor* t = g.addInitializer(tensorOf(layer.blobs->Get(k), name, where));
            g.addInput(node, g.value(t->name));
            // "layer" entries come first in layersOf, then the V1 "layers".
            const bool fromV1 = li >= static_cast<std::size_t>(doc->net.layer_size());
            const auto index = static_cast<int>(fromV1 ? li - static_cast<std::size_t>(doc->net.layer_size()) : li);
            doc->blobs.push_back({ name, index, k, fromV1 });
        }
        for (const auto& top : layer.tops) {
            // In-place layers (ReLU on "conv1") write a new version of the blob.
            std::string name = top;
            for (int n = 0; g.findValue(name); ++n)
                name = top + ":" + nodeName + (n ? "#" + std::to_string(n) : "");
            Value* v = g.value(name);
            g.addOutput(node, v);
            current[top] = v;
        }
        if (layer.type == "Input" && layer.tops.size() == 1) {
            for (const auto& a : node->attributes)
                if (a.name == "shape" && a.type == AttributeType::Ints)
                    node->outputs()[0]->type = ValueType::tensor(DataType::Float, Shape::of(a.ints));
        }
    }
    for (const auto& v : g.values())
        if (!v->initializer && !v->producer() && !g.isInput(v.get()))
            g.inputs.push_back(v.get());
    for (const auto& v : g.values())
        if (!v->initializer && v->producer() && v->users().empty())
            g.outputs.push_back(v.get());

    model->metadata.emplace_back("format", binary ? "caffemodel (binary)" : "prototxt (text)");
    model->metadata.emplace_back("layers", v1 ? "V1 (layers)" : "layer");
    for (const auto& n : notes)
        model->metadata.emplace_back("note", n);
    model->native = doc;
    return model;
}

} // namespace nodus
