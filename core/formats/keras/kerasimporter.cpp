#include "kerasimporter.h"

#include "hdf5file.h"
#include "kerasdocument.h"

#include "ir/mappedtensordata.h"
#include "ir/model.h"
#include "ir/ownedtensordata.h"
#include "util/error.h"
#include "util/mappedfile.h"
#include "util/zipreader.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace nodus {

namespace {

using Json = nlohmann::json;

constexpr int kMaxJsonDepth = 64;
constexpr int kMaxGroupDepth = 16;
constexpr std::size_t kMaxTensors = 1000000;

// Keras 3 names a layer's weights group after its class in snake case
// ("Conv2D" -> "conv2d", "ReLU" -> "re_lu"), numbered when repeated.
std::string snakeCase(const std::string& name)
{
    std::string a;
    // (.)([A-Z][a-z]+) -> \1_\2
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (i > 0 && std::isupper(static_cast<unsigned char>(name[i])) && i + 1 < name.size()
            && std::islower(static_cast<unsigned char>(name[i + 1])))
            a += '_';
        a += name[i];
    }
    std::string b;
    // ([a-z])([A-Z]) -> \1_\2
    for (std::size_t i = 0; i < a.size(); ++i) {
        b += a[i];
        if (std::islower(static_cast<unsigned char>(a[i])) && i + 1 < a.size()
            && std::isupper(static_cast<unsigned char>(a[i + 1])))
            b += '_';
    }
    std::transform(b.begin(), b.end(), b.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return b;
}

struct TensorRef {
    std::string layer;
    std::int64_t node = 0;
    std::int64_t tensor = 0;
};

class Importer {
public:
    Importer(std::shared_ptr<const MappedFile> file, std::string name)
        : file_(std::move(file))
        , name_(std::move(name))
        , doc_(std::make_shared<KerasDocument>())
        , model_(std::make_unique<Model>())
    {
        doc_->file = file_;
        model_->format = "keras";
        model_->sourcePath = file_->path();
        model_->native = doc_;
    }

    std::unique_ptr<Model> h5();
    std::unique_ptr<Model> archive();

private:
    [[noreturn]] void fail(const std::string& what) const { throw Error(name_ + ": " + what); }
    Json parseJson(const std::string& text, const std::string& what) const;
    void buildGraph(const Json& config);
    void sequential(const Json& layers);
    void functional(const Json& config);
    Node* layerNode(const Json& layer, const std::string& name, int call);
    Value* inputValue(const Json& layer, const std::string& name);
    std::string valueName(const TensorRef& ref) const;
    void collectRefs(const Json& j, std::vector<TensorRef>& out, int depth) const;
    std::vector<std::vector<TensorRef>> inboundCalls(const Json& layer) const;
    TensorRef outputRef(const Json& j) const;
    void attachWeights(const Hdf5File& h5, std::span<const std::byte> bytes, std::uint64_t base);
    void legacyWeights(const Hdf5File& h5, const Hdf5File::Object& group, std::uint64_t base);
    void keras3Weights(const Hdf5File& h5, std::uint64_t base);
    void allDatasets(const Hdf5File& h5, const Hdf5File::Object& group, const std::string& prefix, int depth,
        std::uint64_t base, const std::string& layer);
    std::shared_ptr<Tensor> tensorOf(const Hdf5File::Object& object, const std::string& name, std::uint64_t base);
    void addWeight(const std::string& layer, std::shared_ptr<Tensor> t);

    std::shared_ptr<const MappedFile> file_;
    std::string name_;
    std::shared_ptr<KerasDocument> doc_;
    std::unique_ptr<Model> model_;
    // Layers in config order, and the nodes of each (one per call).
    std::vector<std::pair<std::string, std::string>> layers_; // name, class
    std::map<std::string, std::vector<Node*>> nodesOf_;
    std::map<std::pair<std::string, std::int64_t>, std::int64_t> outputsOf_; // (layer, call) -> outputs
    // For files without a model config: weights of a layer with no node.
    bool weightSet_ = false;
    std::set<std::uint64_t> visitedGroups_;
    // Bytes the HDF5 offsets refer to, and where they start in the file.
    std::span<const std::byte> h5Bytes_;
};

Json Importer::parseJson(const std::string& text, const std::string& what) const
{
    try {
        return Json::parse(text, [&](int depth, Json::parse_event_t event, Json&) {
            if ((event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start)
                && depth >= kMaxJsonDepth)
                throw Error("nested too deeply");
            return true;
        });
    } catch (const Error& e) {
        fail(what + " is not valid: " + e.what());
    } catch (const nlohmann::json::exception& e) {
        std::string why = e.what();
        if (const auto close = why.find("] "); close != std::string::npos)
            why = why.substr(close + 2);
        fail(what + " is not valid JSON: " + why);
    }
}

std::string Importer::valueName(const TensorRef& ref) const
{
    std::string s = ref.layer;
    if (ref.node != 0)
        s += "#" + std::to_string(ref.node);
    if (ref.tensor != 0)
        s += ":" + std::to_string(ref.tensor);
    return s;
}

// Config values as attributes: numbers, strings, booleans and flat lists
// directly; anything nested (initializers, sub-layers) as its JSON text.
void addAttribute(Node& node, const std::string& key, const Json& v)
{
    Attribute a;
    a.name = key;
    if (v.is_null())
        return;
    if (v.is_boolean()) {
        a.type = AttributeType::Int;
        a.i = v.get<bool>();
    } else if (v.is_number_integer()) {
        a.type = AttributeType::Int;
        a.i = v.get<std::int64_t>();
    } else if (v.is_number()) {
        a.type = AttributeType::Float;
        a.f = v.get<double>();
    } else if (v.is_string()) {
        a.type = AttributeType::String;
        a.s = v.get<std::string>();
    } else if (v.is_array() && !v.empty()
        && std::all_of(v.begin(), v.end(), [](const Json& e) { return e.is_number_integer() || e.is_null(); })) {
        a.type = AttributeType::Ints;
        for (const auto& e : v)
            a.ints.push_back(e.is_null() ? -1 : e.get<std::int64_t>());
    } else if (v.is_array() && !v.empty()
        && std::all_of(v.begin(), v.end(), [](const Json& e) { return e.is_number(); })) {
        a.type = AttributeType::Floats;
        for (const auto& e : v)
            a.floats.push_back(e.get<double>());
    } else if (v.is_array() && !v.empty()
        && std::all_of(v.begin(), v.end(), [](const Json& e) { return e.is_string(); })) {
        a.type = AttributeType::Strings;
        for (const auto& e : v)
            a.strings.push_back(e.get<std::string>());
    } else {
        a.type = AttributeType::String;
        a.s = v.dump();
    }
    node.attributes.push_back(std::move(a));
}

std::optional<DataType> dataTypeOf(const std::string& dtype)
{
    static const std::map<std::string, DataType> types
        = { { "float32", DataType::Float }, { "float16", DataType::Float16 }, { "float64", DataType::Double },
              { "bfloat16", DataType::BFloat16 }, { "int8", DataType::Int8 }, { "int16", DataType::Int16 },
              { "int32", DataType::Int32 }, { "int64", DataType::Int64 }, { "uint8", DataType::UInt8 },
              { "uint16", DataType::UInt16 }, { "uint32", DataType::UInt32 }, { "uint64", DataType::UInt64 },
              { "bool", DataType::Bool }, { "string", DataType::String } };
    const auto it = types.find(dtype);
    return it == types.end() ? std::nullopt : std::optional<DataType>(it->second);
}

Value* Importer::inputValue(const Json& layer, const std::string& name)
{
    Graph& g = *model_->graph;
    Value* v = g.value(name);
    const Json& config = layer.contains("config") && layer["config"].is_object() ? layer["config"] : layer;
    const Json* shape = nullptr;
    for (const char* key : { "batch_input_shape", "batch_shape" })
        if (config.contains(key) && config[key].is_array())
            shape = &config[key];
    DataType type = DataType::Float;
    if (config.contains("dtype") && config["dtype"].is_string())
        type = dataTypeOf(config["dtype"].get<std::string>()).value_or(DataType::Float);
    if (shape) {
        Shape s;
        s.rankKnown = true;
        for (const auto& d : *shape)
            s.dims.push_back(d.is_number_integer() ? Dim::known(d.get<std::int64_t>()) : Dim::symbolic("?"));
        v->type = ValueType::tensor(type, std::move(s));
    }
    if (!g.isInput(v))
        g.inputs.push_back(v);
    return v;
}

Node* Importer::layerNode(const Json& layer, const std::string& name, int call)
{
    const std::string cls = layer.value("class_name", std::string());
    Node* node = model_->graph->addNode(
        cls.empty() ? std::string("Layer") : cls, call == 0 ? name : name + "#" + std::to_string(call));
    if (layer.contains("config") && layer["config"].is_object())
        for (const auto& [key, value] : layer["config"].items())
            if (key != "name")
                addAttribute(*node, key, value);
    nodesOf_[name].push_back(node);
    return node;
}

// Keras 3 arguments: tensors are {"class_name": "__keras_tensor__",
// "config": {"keras_history": [layer, node, tensor]}} anywhere in args/kwargs.
void Importer::collectRefs(const Json& j, std::vector<TensorRef>& out, int depth) const
{
    if (depth > kMaxJsonDepth)
        return;
    if (j.is_object()) {
        if (j.value("class_name", std::string()) == "__keras_tensor__" && j.contains("config")
            && j["config"].is_object() && j["config"].contains("keras_history")) {
            out.push_back(outputRef(j["config"]["keras_history"]));
            return;
        }
        for (const auto& [k, v] : j.items())
            collectRefs(v, out, depth + 1);
    } else if (j.is_array()) {
        for (const auto& v : j)
            collectRefs(v, out, depth + 1);
    }
}

TensorRef Importer::outputRef(const Json& j) const
{
    if (!j.is_array() || j.size() < 3 || !j[0].is_string() || !j[1].is_number_integer() || !j[2].is_number_integer())
        fail("model config: " + j.dump() + " is not a [layer, node, tensor] reference");
    TensorRef r { j[0].get<std::string>(), j[1].get<std::int64_t>(), j[2].get<std::int64_t>() };
    if (r.node < 0 || r.tensor < 0 || r.node > 100000 || r.tensor > 100000)
        fail("model config: reference " + j.dump() + " has an out-of-range index");
    return r;
}

std::vector<std::vector<TensorRef>> Importer::inboundCalls(const Json& layer) const
{
    std::vector<std::vector<TensorRef>> calls;
    if (!layer.contains("inbound_nodes"))
        return calls;
    const Json& inbound = layer["inbound_nodes"];
    if (!inbound.is_array())
        fail("model config: layer " + layer.value("name", std::string("?")) + ": inbound_nodes is not a list");
    for (const auto& call : inbound) {
        std::vector<TensorRef> refs;
        if (call.is_object()) { // Keras 3
            if (call.contains("args"))
                collectRefs(call["args"], refs, 0);
            if (call.contains("kwargs"))
                collectRefs(call["kwargs"], refs, 0);
        } else if (call.is_array()) { // Keras 2: [[layer, node, tensor, kwargs], ...]
            for (const auto& r : call)
                refs.push_back(outputRef(r));
        } else {
            fail("model config: an inbound node of layer " + layer.value("name", std::string("?"))
                + " is neither a list nor an object");
        }
        calls.push_back(std::move(refs));
    }
    return calls;
}

void Importer::sequential(const Json& layers)
{
    Graph& g = *model_->graph;
    Value* previous = nullptr;
    std::set<std::string> names;
    for (const auto& layer : layers) {
        if (!layer.is_object())
            fail("model config: a Sequential layer is not an object");
        const std::string cls = layer.value("class_name", std::string());
        const Json& config = layer.contains("config") && layer["config"].is_object() ? layer["config"] : layer;
        std::string name = config.value("name", layer.value("name", cls));
        if (!names.insert(name).second)
            fail("model config: two layers are named '" + name + "'");
        layers_.emplace_back(name, cls);
        if (cls == "InputLayer") {
            previous = inputValue(layer, name);
            continue;
        }
        if (!previous && (config.contains("batch_input_shape") || config.contains("batch_shape")))
            previous = inputValue(layer, name + "_input");
        Node* node = layerNode(layer, name, 0);
        if (previous)
            g.addInput(node, previous);
        Value* out = g.value(name);
        g.addOutput(node, out);
        previous = out;
    }
    if (previous)
        g.outputs.push_back(previous);
}

void Importer::functional(const Json& config)
{
    Graph& g = *model_->graph;
    const Json& layers = config["layers"];
    // How many outputs each call has: the highest tensor index anyone uses.
    std::vector<std::vector<std::vector<TensorRef>>> calls;
    for (const auto& layer : layers) {
        if (!layer.is_object())
            fail("model config: a layer is not an object");
        calls.push_back(inboundCalls(layer));
        for (const auto& call : calls.back())
            for (const auto& r : call)
                outputsOf_[{ r.layer, r.node }] = std::max(outputsOf_[{ r.layer, r.node }], r.tensor + 1);
    }
    std::vector<TensorRef> outputs;
    if (config.contains("output_layers")) {
        const Json& o = config["output_layers"];
        if (o.is_array() && !o.empty() && o[0].is_string())
            outputs.push_back(outputRef(o));
        else if (o.is_array())
            for (const auto& r : o)
                outputs.push_back(outputRef(r));
    }
    for (const auto& r : outputs)
        outputsOf_[{ r.layer, r.node }] = std::max(outputsOf_[{ r.layer, r.node }], r.tensor + 1);

    std::set<std::string> names;
    for (std::size_t k = 0; k < layers.size(); ++k) {
        const Json& layer = layers[k];
        const std::string cls = layer.value("class_name", std::string());
        const Json& lc = layer.contains("config") && layer["config"].is_object() ? layer["config"] : layer;
        const std::string name = layer.contains("name") && layer["name"].is_string() ? layer["name"].get<std::string>()
                                                                                     : lc.value("name", cls);
        if (!names.insert(name).second)
            fail("model config: two layers are named '" + name + "'");
        layers_.emplace_back(name, cls);
        if (cls == "InputLayer") {
            inputValue(layer, name);
            continue;
        }
        const auto& layerCalls = calls[k];
        const std::size_t count = std::max<std::size_t>(layerCalls.size(), 1);
        for (std::size_t c = 0; c < count; ++c) {
            Node* node = layerNode(layer, name, static_cast<int>(c));
            if (c < layerCalls.size())
                for (const auto& r : layerCalls[c])
                    g.addInput(node, g.value(valueName(r)));
            const auto it = outputsOf_.find({ name, static_cast<std::int64_t>(c) });
            const std::int64_t n = it == outputsOf_.end() ? 1 : std::max<std::int64_t>(it->second, 1);
            for (std::int64_t t = 0; t < n; ++t)
                g.addOutput(node, g.value(valueName({ name, static_cast<std::int64_t>(c), t })));
        }
    }
    for (const auto& r : outputs) {
        Value* v = g.findValue(valueName(r));
        if (!v)
            fail("model config: output " + valueName(r) + " is not produced by any layer");
        g.outputs.push_back(v);
    }
}

void Importer::buildGraph(const Json& root)
{
    if (!root.is_object())
        fail("the model config is not a JSON object");
    const std::string cls = root.value("class_name", std::string());
    if (!root.contains("config"))
        fail("the model config has no 'config'");
    const Json& config = root["config"];
    model_->graph->name = config.is_object() ? config.value("name", std::string()) : std::string();
    model_->producerName = "Keras";
    if (cls == "Sequential") {
        // Keras < 2.2.3 wrote the layer list as the config itself.
        const Json& layers = config.is_array() ? config : config.value("layers", Json::array());
        if (!layers.is_array())
            fail("model config: Sequential 'layers' is not a list");
        sequential(layers);
    } else if (cls == "Model" || cls == "Functional") {
        if (!config.is_object() || !config.contains("layers") || !config["layers"].is_array())
            fail("model config: the functional model has no 'layers' list");
        functional(config);
    } else {
        fail("model config: models of class '" + cls + "' are not supported (only Sequential and functional models)");
    }
}

std::shared_ptr<Tensor> Importer::tensorOf(const Hdf5File::Object& object, const std::string& name, std::uint64_t base)
{
    const auto& d = *object.dataset;
    if (!d.unsupported.empty())
        fail("weight '" + name + "': " + d.unsupported);
    std::optional<DataType> type;
    if (d.type.cls == Hdf5File::Type::Float) {
        type = d.type.size == 2 ? DataType::Float16
            : d.type.size == 4  ? DataType::Float
            : d.type.size == 8  ? DataType::Double
                                : std::optional<DataType>();
    } else if (d.type.cls == Hdf5File::Type::Integer) {
        static const DataType s[] = { DataType::Int8, DataType::Int16, DataType::Int32, DataType::Int64 };
        static const DataType u[] = { DataType::UInt8, DataType::UInt16, DataType::UInt32, DataType::UInt64 };
        const int k = d.type.size == 1 ? 0 : d.type.size == 2 ? 1 : d.type.size == 4 ? 2 : d.type.size == 8 ? 3 : -1;
        if (k >= 0)
            type = d.type.isSigned ? s[k] : u[k];
    }
    if (!type)
        fail("weight '" + name + "': elements of type " + d.type.description + " are not supported");
    auto t = std::make_shared<Tensor>();
    t->name = name;
    t->dataType = *type;
    for (auto dim : d.dims) {
        if (dim > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            fail("weight '" + name + "': a dimension is too large");
        t->dims.push_back(static_cast<std::int64_t>(dim));
    }
    if (!d.allocated) {
        // h5py leaves storage unallocated for datasets never written: all zeros.
        const auto expected = t->expectedBytes();
        if (!expected || *expected > (std::uint64_t(1) << 20))
            fail("weight '" + name + "' has no stored data and is too large to fill");
        t->data = std::make_shared<OwnedTensorData>(std::vector<std::byte>(*expected));
    } else if (d.type.bigEndian && d.type.size > 1) {
        std::vector<std::byte> swapped(h5Bytes_.begin() + d.offset, h5Bytes_.begin() + d.offset + d.size);
        for (std::size_t i = 0; i + d.type.size <= swapped.size(); i += d.type.size)
            std::reverse(swapped.begin() + i, swapped.begin() + i + d.type.size);
        t->data = std::make_shared<OwnedTensorData>(std::move(swapped));
    } else {
        t->data = std::make_shared<MappedTensorData>(FileRegion { file_, base + d.offset, d.size });
    }
    if (d.allocated) {
        KerasDocument::Entry e;
        e.tensor = t;
        e.data = t->data;
        e.dataType = t->dataType;
        e.dims = t->dims;
        e.offset = d.offset;
        e.size = d.size;
        e.bigEndian = d.type.bigEndian && d.type.size > 1;
        doc_->entries.push_back(std::move(e));
    }
    if (doc_->entries.size() > kMaxTensors)
        fail("too many weights");
    return t;
}

void Importer::addWeight(const std::string& layer, std::shared_ptr<Tensor> t)
{
    Graph& g = *model_->graph;
    if (g.findValue(t->name) && g.findValue(t->name)->initializer)
        fail("weight '" + t->name + "' is stored twice");
    Tensor* stored = g.addInitializer(std::move(t));
    Value* v = g.findValue(stored->name);
    if (!v)
        return;
    const auto it = nodesOf_.find(layer);
    if (it != nodesOf_.end())
        for (Node* node : it->second)
            g.addInput(node, v);
}

// Keras 2 layout (also Keras 3's legacy .h5): group/<layer> with
// weight_names, each a path below the layer's group.
void Importer::legacyWeights(const Hdf5File& h5, const Hdf5File::Object& group, std::uint64_t base)
{
    std::vector<std::string> layerNames;
    if (const auto* a = group.attribute("layer_names"))
        layerNames = a->strings;
    // Large files split the list: layer_names0, layer_names1, ...
    for (int chunk = 0;; ++chunk) {
        const auto* a = group.attribute("layer_names" + std::to_string(chunk));
        if (!a)
            break;
        layerNames.insert(layerNames.end(), a->strings.begin(), a->strings.end());
    }
    for (const auto& layer : layerNames) {
        const auto lg = h5.find(group, layer);
        if (!lg)
            fail("weights group '" + layer + "' listed in layer_names is missing");
        std::vector<std::string> weightNames;
        if (const auto* a = lg->attribute("weight_names"))
            weightNames = a->strings;
        for (int chunk = 0;; ++chunk) {
            const auto* a = lg->attribute("weight_names" + std::to_string(chunk));
            if (!a)
                break;
            weightNames.insert(weightNames.end(), a->strings.begin(), a->strings.end());
        }
        for (const auto& w : weightNames) {
            const auto d = h5.find(*lg, w);
            if (!d || !d->dataset)
                fail("weight '" + w + "' of layer '" + layer + "' is missing from the file");
            addWeight(layer, tensorOf(*d, w, base));
        }
    }
}

void Importer::allDatasets(const Hdf5File& h5, const Hdf5File::Object& group, const std::string& prefix, int depth,
    std::uint64_t base, const std::string& layer)
{
    if (depth > kMaxGroupDepth)
        fail("HDF5 groups are nested too deeply below '" + prefix + "'");
    // A group linked from several places (or from itself) is read once.
    if (!visitedGroups_.insert(group.address).second)
        return;
    auto links = group.links;
    // vars/0, vars/1, ..., vars/10 in numeric order.
    std::stable_sort(links.begin(), links.end(), [](const auto& a, const auto& b) {
        const bool an = !a.first.empty() && std::all_of(a.first.begin(), a.first.end(), ::isdigit);
        const bool bn = !b.first.empty() && std::all_of(b.first.begin(), b.first.end(), ::isdigit);
        if (an && bn)
            return a.first.size() != b.first.size() ? a.first.size() < b.first.size() : a.first < b.first;
        return false;
    });
    for (const auto& [name, address] : links) {
        const auto o = h5.object(address, depth + 1);
        const std::string path = prefix.empty() ? name : prefix + "/" + name;
        if (o.dataset)
            addWeight(layer, tensorOf(o, path, base));
        else if (o.isGroup)
            allDatasets(h5, o, path, depth + 1, base, layer);
    }
}

// Keras 3 layout: layers/<snake_case class name, numbered>/vars/<i>.
void Importer::keras3Weights(const Hdf5File& h5, std::uint64_t base)
{
    const auto layersGroup = h5.find(h5.root(), "layers");
    if (!layersGroup || !layersGroup->isGroup)
        return;
    std::map<std::string, int> used;
    std::set<std::string> claimed;
    for (const auto& [layer, cls] : layers_) {
        if (cls == "InputLayer")
            continue;
        std::string key = snakeCase(cls);
        if (auto it = used.find(key); it != used.end())
            key += "_" + std::to_string(++it->second);
        else
            used[key] = 0;
        std::optional<Hdf5File::Object> g = h5.find(*layersGroup, key);
        std::string groupName = key;
        if (!g) {
            g = h5.find(*layersGroup, layer);
            groupName = layer;
        }
        if (!g || !g->isGroup)
            continue;
        claimed.insert(groupName);
        allDatasets(h5, *g, layer, 1, base, layer);
    }
    for (const auto& [name, address] : layersGroup->links)
        if (!claimed.count(name)) {
            const auto o = h5.object(address, 1);
            if (o.isGroup)
                allDatasets(h5, o, "layers/" + name, 1, base, {});
        }
}

void Importer::attachWeights(const Hdf5File& h5, std::span<const std::byte> bytes, std::uint64_t base)
{
    h5Bytes_ = bytes;
    const auto& root = h5.root();
    if (const auto mw = h5.find(root, "model_weights"); mw && mw->isGroup) {
        legacyWeights(h5, *mw, base);
    } else if (root.attribute("layer_names") || root.attribute("layer_names0")) {
        legacyWeights(h5, root, base);
    } else if (!layers_.empty()) {
        keras3Weights(h5, base);
    } else {
        allDatasets(h5, root, {}, 0, base, {});
    }
}

std::unique_ptr<Model> Importer::h5()
{
    const auto bytes = file_->bytes();
    Hdf5File h5(bytes, name_);
    const auto& root = h5.root();
    for (const char* key : { "keras_version", "backend" })
        if (const auto* a = root.attribute(key); a && a->strings.size() == 1)
            model_->metadata.emplace_back(key, a->strings[0]);
    if (const auto* a = root.attribute("keras_version"); a && a->strings.size() == 1) {
        model_->producerName = "Keras";
        model_->producerVersion = a->strings[0];
    }
    if (const auto* a = root.attribute("model_config")) {
        if (a->strings.size() != 1)
            fail("the model_config attribute is not one string");
        buildGraph(parseJson(a->strings[0], "the model_config attribute"));
    } else {
        weightSet_ = true;
    }
    if (const auto* a = root.attribute("training_config"); a && a->strings.size() == 1)
        model_->metadata.emplace_back("training_config", a->strings[0]);
    attachWeights(h5, bytes, 0);
    if (weightSet_ && model_->graph->initializers.empty())
        fail("an HDF5 file without a Keras model config or any weights");
    return std::move(model_);
}

std::unique_ptr<Model> Importer::archive()
{
    doc_->archive = true;
    ZipReader zip(file_->bytes(), name_, { .allowZip64 = true, .kind = "Keras archive" });
    const auto* config = zip.find("config.json");
    if (!config)
        fail("a .keras archive without config.json");
    const auto configBytes = zip.extract(*config);
    buildGraph(
        parseJson(std::string(reinterpret_cast<const char*>(configBytes.data()), configBytes.size()), "config.json"));
    if (const auto* meta = zip.find("metadata.json")) {
        const auto m = zip.extract(*meta);
        const Json j = parseJson(std::string(reinterpret_cast<const char*>(m.data()), m.size()), "metadata.json");
        if (j.is_object())
            for (const auto& [k, v] : j.items())
                if (v.is_string()) {
                    model_->metadata.emplace_back(k, v.get<std::string>());
                    if (k == "keras_version")
                        model_->producerVersion = v.get<std::string>();
                }
    }
    const auto* weights = zip.find("model.weights.h5");
    if (!weights)
        return std::move(model_); // a model saved without weights
    doc_->weightsMember = weights->name;
    if (weights->method == 0) {
        const auto member = zip.storedBytes(*weights);
        Hdf5File h5(member, zip.memberName(*weights));
        attachWeights(h5, member, weights->dataOffset);
    } else {
        // Deflated: inflate into an in-memory file the tensors can view.
        const auto inflated = zip.extract(*weights);
        auto memory = MappedFile::fromBytes(inflated, file_->path());
        const auto member = memory->bytes();
        Hdf5File h5(member, zip.memberName(*weights));
        file_ = memory;
        attachWeights(h5, member, 0);
    }
    return std::move(model_);
}

} // namespace

std::unique_ptr<Model> importKerasH5(std::shared_ptr<const MappedFile> file)
{
    const std::string name = file->path().string();
    return Importer(std::move(file), name).h5();
}

std::unique_ptr<Model> importKerasArchive(std::shared_ptr<const MappedFile> file)
{
    const std::string name = file->path().string();
    return Importer(std::move(file), name).archive();
}

} // namespace nodus
