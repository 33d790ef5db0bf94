#include "mindirimporter.h"

#include "mindsporedatatype.h"

#include "ir/mappedtensordata.h"
#include "ir/ownedtensordata.h"
#include "util/error.h"
#include "util/externalfiles.h"
#include "util/mappedfile.h"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace nodus {

namespace fs = std::filesystem;

namespace {

using AP = mindir::AttributeProto;

constexpr int kMaxDepth = 64;
// Nested tuples are shown as text; deeper than this they are elided.
constexpr int kMaxTextDepth = 16;
constexpr std::string_view kRefPrefix = "REF::";
constexpr std::string_view kSignaturePrefix = "S-Prim-";
constexpr std::string_view kMetaPrefix = "MetaFuncGraph::";

// "S-Prim-MakeTuple" is MakeTuple behind MindSpore's signature wrapper
// (implicit casts); the op is what a reader looks for.
std::string displayOpType(std::string_view op)
{
    if (op.starts_with(kSignaturePrefix))
        op.remove_prefix(kSignaturePrefix.size());
    return std::string(op);
}

bool isIntegerType(int t)
{
    switch (t) {
    case AP::UINT8:
    case AP::INT8:
    case AP::UINT16:
    case AP::INT16:
    case AP::INT32:
    case AP::INT64:
    case AP::UINT32:
    case AP::UINT64:
    case AP::BOOL:
        return true;
    default:
        return false;
    }
}

bool isFloatType(int t)
{
    return t == AP::FLOAT || t == AP::DOUBLE || t == AP::FLOAT16 || t == AP::BFLOAT16;
}

bool isStringType(int t)
{
    return t == AP::STRING || t == AP::NAME_SPACE || t == AP::SYMBOL || t == AP::CLASS_TYPE;
}

// The 1.x format spells lists in ref_attr_name ("scalar:List[value1,value2,],").
bool spelledAsList(const AP& a)
{
    const auto& r = a.ref_attr_name();
    return r.find("List[") != std::string::npos || r.find("Tuple[") != std::string::npos;
}

std::string numberText(double v)
{
    std::ostringstream s;
    s << v;
    return s.str();
}

std::string quoted(const std::string& s)
{
    return "'" + s + "'";
}

ValueType tensorValueType(const mindir::TensorProto& t)
{
    ValueType vt;
    vt.kind = ValueType::Kind::Tensor;
    vt.elementType = dataTypeFromMindir(t.data_type()).value_or(DataType::Undefined);
    vt.shape.rankKnown = true;
    for (auto d : t.dims())
        vt.shape.dims.push_back(d >= 0 ? Dim::known(d) : Dim {});
    return vt;
}

// Element bytes of the typed repeated fields, which MindSpore itself does
// not write but other producers of the format may.
std::optional<std::vector<std::byte>> typedFieldBytes(const mindir::TensorProto& p, DataType type)
{
    const int bits = dataTypeBits(type);
    const std::size_t width = bits >= 8 ? static_cast<std::size_t>(bits / 8) : 1;
    std::vector<std::byte> out;
    auto putInteger = [&](std::uint64_t v) {
        for (std::size_t k = 0; k < width; ++k)
            out.push_back(static_cast<std::byte>((v >> (8 * k)) & 0xff));
    };
    auto putRaw = [&](const void* v, std::size_t n) {
        const auto* b = static_cast<const std::byte*>(v);
        out.insert(out.end(), b, b + n);
    };
    if (p.float_data_size()) {
        for (float f : p.float_data())
            putRaw(&f, sizeof f);
    } else if (p.double_data_size()) {
        for (double d : p.double_data())
            putRaw(&d, sizeof d);
    } else if (p.int32_data_size()) {
        for (auto v : p.int32_data())
            putInteger(static_cast<std::uint64_t>(static_cast<std::int64_t>(v)));
    } else if (p.int64_data_size()) {
        for (auto v : p.int64_data())
            putInteger(static_cast<std::uint64_t>(v));
    } else if (p.uint64_data_size()) {
        for (auto v : p.uint64_data())
            putInteger(v);
    } else {
        return std::nullopt;
    }
    return out;
}


} // namespace

MindirImporter::MindirImporter(std::shared_ptr<MindirDocument> doc)
    : doc_(std::move(doc))
    , external_(doc_->file->path(), doc_->folder)
{
}

void MindirImporter::fail(const std::string& what) const
{
    throw Error(doc_->file->path().string() + ": " + what);
}

std::unique_ptr<Model> MindirImporter::import()
{
    const auto& p = doc_->proto;
    if (!p.has_graph())
        fail("not a MindIR model: it has no graph");
    auto model = std::make_unique<Model>();
    model->format = "mindir";
    model->sourcePath = doc_->file->path();
    model->producerName = p.producer_name();
    // MindSpore leaves producer_version empty and puts its own version in
    // model_version (a string, where Model keeps an integer).
    model->producerVersion = p.producer_version().empty() ? p.model_version() : p.producer_version();
    model->domain = p.domain();
    model->docString = p.doc_string();
    // ir_version is a dotted string ("0.1.1"); Model's is ONNX's integer.
    if (p.has_ir_version())
        model->metadata.emplace_back("ir_version", p.ir_version());
    if (p.has_model_version())
        model->metadata.emplace_back("model_version", p.model_version());
    if (p.has_mind_ir_version())
        model->metadata.emplace_back("mind_ir_version", std::to_string(p.mind_ir_version()));
    if (p.has_little_endian())
        model->metadata.emplace_back("little_endian", p.little_endian() ? "true" : "false");
    for (const auto& [key, value] : p.user_info())
        model->metadata.emplace_back("user_info." + key, value);
    if (doc_->encryption)
        model->metadata.emplace_back(
            "encryption", std::string(MindSporeCipher::modeName(doc_->encryption->layout.mode)));

    for (const auto& prim : p.primitives())
        primitives_.emplace(prim.name(), &prim);
    auto collect = [this](const mindir::GraphProto& g) {
        functionNames_.insert(g.name());
        for (const auto& n : g.node())
            for (const auto& o : n.output())
                definedNames_.insert(o);
        for (const auto& i : g.input())
            definedNames_.insert(i.name());
        for (const auto& t : g.parameter())
            definedNames_.insert(t.name());
    };
    collect(p.graph());
    functionNames_.clear(); // the main graph is not called by name
    for (const auto& f : p.functions())
        collect(f);

    importGraph(p.graph(), *model->graph, 0);
    for (const auto& f : p.functions()) {
        Function fn;
        fn.name = f.name();
        fn.docString = f.doc_string();
        fn.graph = std::make_shared<Graph>(f.name());
        importGraph(f, *fn.graph, 1);
        model->functions.push_back(std::move(fn));
    }
    model->native = doc_;
    return model;
}

void MindirImporter::importGraph(const mindir::GraphProto& proto, Graph& graph, int depth)
{
    if (depth > kMaxDepth)
        fail("graphs nested more than " + std::to_string(kMaxDepth) + " deep");
    graph.name = proto.name();
    graph.docString = proto.doc_string();
    for (const auto& t : proto.parameter())
        graph.addInitializer(importTensor(t));
    for (const auto& m : proto.map_parameter()) {
        // A MapParameter's three parts, named after it.
        auto part = [&](const mindir::TensorProto& t, const char* suffix) {
            auto tensor = importTensor(t);
            if (tensor->name.empty())
                tensor->name = m.name() + suffix;
            graph.addInitializer(tensor);
        };
        if (m.has_key_tensor())
            part(m.key_tensor(), ".key");
        if (m.has_value_tensor())
            part(m.value_tensor(), ".value");
        if (m.has_status_tensor())
            part(m.status_tensor(), ".status");
    }
    for (const auto& vi : proto.input()) {
        Value* v = graph.value(vi.name());
        if (vi.tensor_size() > 0)
            v->type = tensorValueType(vi.tensor(0));
        v->docString = vi.doc_string();
        graph.inputs.push_back(v);
    }
    for (const auto& n : proto.node())
        importNode(n, graph, depth);
    for (const auto& vi : proto.output()) {
        Value* v = graph.value(vi.name());
        if (vi.tensor_size() > 0 && v->type.kind == ValueType::Kind::Unknown)
            v->type = tensorValueType(vi.tensor(0));
        graph.outputs.push_back(v);
    }

    for (const auto& v : graph.values()) {
        if (v->producer() || v->initializer || graph.isInput(v.get()))
            continue;
        if (functionNames_.count(v->name())) {
            // A graph passed as a value (Switch branches, partials).
            v->type.kind = ValueType::Kind::Opaque;
            v->type.opaqueName = "mindspore.FuncGraph";
        } else if (definedNames_.count(v->name())) {
            // A free variable: defined by an enclosing graph.
            v->fromOuterScope = true;
        }
    }
}

void MindirImporter::importNode(const mindir::NodeProto& proto, Graph& graph, int depth)
{
    const std::string& raw = proto.op_type();
    std::string opType;
    std::string callee;
    const mindir::PrimitiveProto* primitive = nullptr;
    if (std::string_view(raw).starts_with(kRefPrefix)) {
        const std::string target = raw.substr(kRefPrefix.size());
        if (auto it = primitives_.find(target); it != primitives_.end()) {
            primitive = it->second;
            opType = displayOpType(primitive->op_type().empty() ? primitive->name() : primitive->op_type());
        } else if (functionNames_.count(target)) {
            opType = target;
        } else if (std::string_view(target).starts_with(kMetaPrefix)) {
            opType = target.substr(kMetaPrefix.size());
        } else if (definedNames_.count(target)) {
            opType = "Call";
            callee = target;
        } else {
            opType = target;
        }
    } else {
        opType = displayOpType(raw);
    }

    // The scope path ("Default/network/conv1-Conv2d/Conv2D-op5") is what
    // groups a MindSpore graph; the node's own name is an internal id.
    Node* node = graph.addNode(opType, proto.domain().empty() ? proto.name() : proto.domain());
    node->docString = proto.doc_string();
    if (opType != raw)
        node->metadata.emplace_back("op_type", raw);
    if (!proto.domain().empty() && proto.name() != proto.domain())
        node->metadata.emplace_back("name", proto.name());
    if (primitive && !primitive->instance_name().empty())
        node->metadata.emplace_back("instance_name", primitive->instance_name());

    if (!callee.empty())
        graph.addInput(node, graph.value(callee));
    for (const auto& name : proto.input())
        graph.addInput(node, name.empty() ? nullptr : graph.value(name));
    for (const auto& name : proto.output())
        graph.addOutput(node, name.empty() ? nullptr : graph.value(name));

    if (primitive)
        for (const auto& a : primitive->attribute())
            node->attributes.push_back(importAttribute(a, graph, depth));
    for (const auto& a : proto.attribute()) {
        // The 1.x format stores the output's abstract as an unnamed
        // attribute "shape:shape1,": it types the output, it is no attribute.
        if (a.name().empty() && std::string_view(a.ref_attr_name()).starts_with("shape:")) {
            if (a.tensors_size() == 1 && node->outputs().size() == 1 && node->outputs().front())
                node->outputs().front()->type = tensorValueType(a.tensors(0));
            continue;
        }
        node->attributes.push_back(importAttribute(a, graph, depth));
        if (node->attributes.back().name.empty())
            node->attributes.back().name = "abstract";
    }
    for (const auto& a : proto.node_attr())
        node->metadata.emplace_back("node_attr." + a.name(), valueText(a, 0));
    for (const auto& a : proto.primal_attr())
        node->metadata.emplace_back("primal_attr." + a.name(), valueText(a, 0));
}

Attribute MindirImporter::importAttribute(const mindir::AttributeProto& a, Graph& graph, int depth)
{
    if (depth > kMaxDepth)
        fail("attributes nested more than " + std::to_string(kMaxDepth) + " deep");
    Attribute attr;
    attr.name = a.name();
    attr.docString = a.doc_string();
    const int t = a.has_type() ? a.type() : AP::UNDEFINED;

    auto asInts = [&](const auto& values) {
        attr.type = AttributeType::Ints;
        for (const auto& v : values)
            attr.ints.push_back(v.i());
    };
    auto subgraph = [&](const mindir::GraphProto& g) {
        auto sub = std::make_shared<Graph>(g.name(), &graph);
        importGraph(g, *sub, depth + 1);
        return sub;
    };

    if (isIntegerType(t) || isFloatType(t) || isStringType(t)) {
        const bool list = spelledAsList(a)
            || (!a.has_i() && !a.has_f() && !a.has_d() && !a.has_s()
                && (a.ints_size() || a.floats_size() || a.doubles_size() || a.strings_size()));
        if (isIntegerType(t)) {
            if (list) {
                attr.type = AttributeType::Ints;
                attr.ints.assign(a.ints().begin(), a.ints().end());
            } else {
                attr.type = AttributeType::Int;
                attr.i = a.i();
            }
        } else if (isFloatType(t)) {
            if (list) {
                attr.type = AttributeType::Floats;
                attr.floats.assign(a.floats().begin(), a.floats().end());
                attr.floats.insert(attr.floats.end(), a.doubles().begin(), a.doubles().end());
            } else {
                attr.type = AttributeType::Float;
                attr.f = a.has_d() ? a.d() : a.f();
            }
        } else if (list) {
            attr.type = AttributeType::Strings;
            attr.strings.assign(a.strings().begin(), a.strings().end());
        } else {
            attr.type = AttributeType::String;
            attr.s = a.s();
        }
        return attr;
    }

    switch (t) {
    case AP::TENSOR:
        attr.type = AttributeType::Tensor;
        if (a.has_t())
            attr.tensors.push_back(importTensor(a.t()));
        else if (a.tensors_size())
            attr.tensors.push_back(importTensor(a.tensors(0)));
        return attr;
    case AP::TENSORS:
        attr.type = AttributeType::Tensors;
        for (const auto& x : a.tensors())
            attr.tensors.push_back(importTensor(x));
        return attr;
    case AP::GRAPH:
        if (a.has_g()) {
            attr.type = AttributeType::Graph;
            attr.graphs.push_back(subgraph(a.g()));
            return attr;
        }
        break;
    case AP::TUPLE:
    case AP::LIST: {
        const auto& values = a.values();
        auto all = [&](auto pred) { return std::all_of(values.begin(), values.end(), pred); };
        if (values.empty()) {
            // 1.x lists keep their elements in the repeated fields.
            if (a.floats_size() || a.doubles_size()) {
                attr.type = AttributeType::Floats;
                attr.floats.assign(a.floats().begin(), a.floats().end());
                attr.floats.insert(attr.floats.end(), a.doubles().begin(), a.doubles().end());
            } else if (a.strings_size()) {
                attr.type = AttributeType::Strings;
                attr.strings.assign(a.strings().begin(), a.strings().end());
            } else if (a.tensors_size()) {
                attr.type = AttributeType::Tensors;
                for (const auto& x : a.tensors())
                    attr.tensors.push_back(importTensor(x));
            } else {
                attr.type = AttributeType::Ints;
                attr.ints.assign(a.ints().begin(), a.ints().end());
            }
            return attr;
        }
        if (all([](const AP& v) { return isIntegerType(v.type()) && !spelledAsList(v) && v.values_size() == 0; })) {
            asInts(values);
            return attr;
        }
        if (all([](const AP& v) { return isFloatType(v.type()) && v.values_size() == 0; })) {
            attr.type = AttributeType::Floats;
            for (const auto& v : values)
                attr.floats.push_back(v.has_d() ? v.d() : v.f());
            return attr;
        }
        if (all([](const AP& v) { return isStringType(v.type()) && v.values_size() == 0; })) {
            attr.type = AttributeType::Strings;
            for (const auto& v : values)
                attr.strings.push_back(v.has_s() ? v.s() : v.strings_size() ? v.strings(0) : std::string());
            return attr;
        }
        if (all([](const AP& v) { return v.type() == AP::TENSOR && (v.has_t() || v.tensors_size() == 1); })) {
            attr.type = AttributeType::Tensors;
            for (const auto& v : values)
                attr.tensors.push_back(importTensor(v.has_t() ? v.t() : v.tensors(0)));
            return attr;
        }
        break;
    }
    case AP::UNDEFINED:
        // Files that leave the type out: go by what is set.
        if (a.has_f() || a.has_d()) {
            attr.type = AttributeType::Float;
            attr.f = a.has_d() ? a.d() : a.f();
        } else if (a.has_i()) {
            attr.type = AttributeType::Int;
            attr.i = a.i();
        } else if (a.has_s()) {
            attr.type = AttributeType::String;
            attr.s = a.s();
        } else if (a.has_t()) {
            attr.type = AttributeType::Tensor;
            attr.tensors.push_back(importTensor(a.t()));
        } else if (a.has_g()) {
            attr.type = AttributeType::Graph;
            attr.graphs.push_back(subgraph(a.g()));
        } else if (a.floats_size() || a.doubles_size()) {
            attr.type = AttributeType::Floats;
            attr.floats.assign(a.floats().begin(), a.floats().end());
            attr.floats.insert(attr.floats.end(), a.doubles().begin(), a.doubles().end());
        } else if (a.ints_size()) {
            attr.type = AttributeType::Ints;
            attr.ints.assign(a.ints().begin(), a.ints().end());
        } else if (a.strings_size()) {
            attr.type = AttributeType::Strings;
            attr.strings.assign(a.strings().begin(), a.strings().end());
        } else if (a.tensors_size()) {
            attr.type = AttributeType::Tensors;
            for (const auto& x : a.tensors())
                attr.tensors.push_back(importTensor(x));
        } else if (a.graphs_size()) {
            attr.type = AttributeType::Graphs;
            for (const auto& g : a.graphs())
                attr.graphs.push_back(subgraph(g));
        } else if (a.values_size()) {
            break;
        }
        return attr;
    default:
        break;
    }
    // Everything else (mixed tuples, dicts, None, monads, closures, sparse
    // tensors, functors) has no IR attribute type: it is shown as text,
    // written in Python's spelling. The file keeps the real value.
    attr.type = AttributeType::String;
    attr.s = valueText(a, 0);
    // Tensors inside are still registered, so their bytes can be inspected.
    for (const auto& v : a.values())
        if (v.has_t())
            attr.tensors.push_back(importTensor(v.t()));
    return attr;
}

std::string MindirImporter::valueText(const mindir::AttributeProto& a, int depth) const
{
    if (depth > kMaxTextDepth)
        return "...";
    auto join = [&](const char* open, const char* close, bool tuple) {
        std::string s = open;
        for (int k = 0; k < a.values_size(); ++k) {
            if (k)
                s += ", ";
            const auto& v = a.values(k);
            if (a.type() == AP::DICT && !v.name().empty())
                s += quoted(v.name()) + ": ";
            s += valueText(v, depth + 1);
        }
        if (tuple && a.values_size() == 1)
            s += ",";
        return s + close;
    };
    auto tensorText = [](const mindir::TensorProto& t) {
        std::string s = "Tensor("
            + std::string(dataTypeName(dataTypeFromMindir(t.data_type()).value_or(DataType::Undefined))) + "[";
        for (int k = 0; k < t.dims_size(); ++k)
            s += (k ? "," : "") + std::to_string(t.dims(k));
        return s + "])";
    };
    const int t = a.type();
    if (isIntegerType(t) && !spelledAsList(a) && a.ints_size() == 0)
        return t == AP::BOOL ? (a.i() ? "True" : "False") : std::to_string(a.i());
    if (isFloatType(t) && a.floats_size() == 0 && a.doubles_size() == 0)
        return numberText(a.has_d() ? a.d() : a.f());
    if (isStringType(t) && a.strings_size() == 0)
        return quoted(a.s());
    switch (t) {
    case AP::TUPLE:
        return join("(", ")", true);
    case AP::LIST:
        return join("[", "]", false);
    case AP::DICT:
        return join("{", "}", false);
    case AP::NONE:
    case AP::TYPE_NULL:
        return "None";
    case AP::UMONAD:
        return "UMonad";
    case AP::IOMONAD:
        return "IOMonad";
    case AP::TENSOR:
        return a.has_t() ? tensorText(a.t()) : "Tensor";
    case AP::GRAPH:
        return "<graph " + (a.has_g() ? a.g().name() : std::string()) + ">";
    case AP::FUNCTOR:
        return "Functor(" + (a.has_functor() ? a.functor().name() : std::string()) + ")";
    case AP::PRIMITIVECLOSURE:
    case AP::FUNCGRAPHCLOSURE:
    case AP::PARTIALCLOSURE:
    case AP::UNIONFUNCCLOSURE:
        return "<" + std::string(AP::AttributeType_Name(static_cast<AP::AttributeType>(t))) + " "
            + (a.s().empty() ? a.name() : a.s()) + ">";
    default:
        break;
    }
    // Repeated scalar fields (the 1.x list spelling) and anything untyped.
    std::vector<std::string> items;
    for (auto v : a.ints())
        items.push_back(std::to_string(v));
    for (auto v : a.floats())
        items.push_back(numberText(v));
    for (auto v : a.doubles())
        items.push_back(numberText(v));
    for (const auto& v : a.strings())
        items.push_back(quoted(v));
    for (const auto& v : a.tensors())
        items.push_back(tensorText(v));
    for (const auto& v : a.values())
        items.push_back(valueText(v, depth + 1));
    if (items.empty()) {
        if (a.has_i())
            return std::to_string(a.i());
        if (a.has_f() || a.has_d())
            return numberText(a.has_d() ? a.d() : a.f());
        if (a.has_s())
            return quoted(a.s());
        return "None";
    }
    std::string s = "[";
    for (std::size_t k = 0; k < items.size(); ++k)
        s += (k ? ", " : "") + items[k];
    return s + "]";
}

std::shared_ptr<Tensor> MindirImporter::importTensor(const mindir::TensorProto& proto)
{
    // A primitive's tensor attribute is met once per node that uses the
    // primitive: all of them share one IR tensor, as they share the proto.
    if (auto it = doc_->tensors.find(&proto); it != doc_->tensors.end())
        return it->second;
    auto t = std::make_shared<Tensor>();
    t->name = proto.name();
    t->docString = proto.doc_string();
    const auto type = dataTypeFromMindir(proto.data_type());
    t->dataType = type.value_or(DataType::Undefined);
    t->dims.assign(proto.dims().begin(), proto.dims().end());

    if (proto.compression_type() != mindir::TensorProto::NO_COMPRESSION) {
        // FSE/bit-packed weights of MindSpore Lite's converter: what the
        // bytes decode to is not documented; show the shape, not values.
        t->docString += (t->docString.empty() ? "" : "\n") + std::string("stored compressed (")
            + mindir::TensorProto::CompressionType_Name(proto.compression_type()) + "): values are not shown";
    } else if (proto.has_external_data()) {
        t->data = externalData(proto, *t);
    } else if (auto it = doc_->payloads.find(&proto); it != doc_->payloads.end()) {
        t->data = std::make_shared<MappedTensorData>(FileRegion { doc_->file, it->second.offset, it->second.length });
    } else if (t->dataType == DataType::String) {
        t->strings.assign(proto.string_data().begin(), proto.string_data().end());
    } else if (auto bytes = typedFieldBytes(proto, t->dataType)) {
        t->data = std::make_shared<OwnedTensorData>(std::move(*bytes));
    }
    if (!type && proto.data_type() != 0)
        t->docString += (t->docString.empty() ? "" : "\n") + std::string("unknown MindIR data type ")
            + std::to_string(proto.data_type());
    doc_->tensors[&proto] = t;
    doc_->originalData[&proto] = t->data;
    return t;
}

std::shared_ptr<const TensorData> MindirImporter::externalData(const mindir::TensorProto& proto, Tensor& tensor)
{
    const auto& ext = proto.external_data();
    const std::string& location = ext.location();
    tensor.externalLocation = location;
    auto file = external_.map(location, "tensor '" + proto.name() + "': external data location '" + location + "'");
    if (ext.offset() < 0 || static_cast<std::uint64_t>(ext.offset()) > file->size())
        fail("tensor '" + proto.name() + "': external data offset " + std::to_string(ext.offset()) + " is outside "
            + location);
    const auto offset = static_cast<std::uint64_t>(ext.offset());
    std::uint64_t length = file->size() - offset;
    if (ext.has_length()) {
        if (ext.length() < 0 || static_cast<std::uint64_t>(ext.length()) > file->size() - offset)
            fail("tensor '" + proto.name() + "': external data range runs past the end of " + location);
        length = static_cast<std::uint64_t>(ext.length());
    }
    return std::make_shared<MappedTensorData>(FileRegion { file, offset, length });
}


} // namespace nodus
