#include "onnximporter.h"

#include "onnxtypeddata.h"

#include "ir/lazytensordata.h"
#include "ir/mappedtensordata.h"
#include "ir/ownedtensordata.h"
#include "util/error.h"
#include "util/externalfiles.h"
#include "util/mappedfile.h"

#include <charconv>

namespace nodus {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxDepth = 64;

Shape shapeOf(const ::onnx::TensorShapeProto& proto)
{
    Shape s;
    s.rankKnown = true;
    for (const auto& d : proto.dim()) {
        if (d.has_dim_value())
            s.dims.push_back(Dim::known(d.dim_value()));
        else
            s.dims.push_back(Dim::symbolic(d.dim_param()));
    }
    return s;
}

AttributeType attributeType(const ::onnx::AttributeProto& a)
{
    using AP = ::onnx::AttributeProto;
    switch (a.type()) {
    case AP::FLOAT: return AttributeType::Float;
    case AP::INT: return AttributeType::Int;
    case AP::STRING: return AttributeType::String;
    case AP::TENSOR: return AttributeType::Tensor;
    case AP::GRAPH: return AttributeType::Graph;
    case AP::SPARSE_TENSOR: return AttributeType::SparseTensor;
    case AP::TYPE_PROTO: return AttributeType::Type;
    case AP::FLOATS: return AttributeType::Floats;
    case AP::INTS: return AttributeType::Ints;
    case AP::STRINGS: return AttributeType::Strings;
    case AP::TENSORS: return AttributeType::Tensors;
    case AP::GRAPHS: return AttributeType::Graphs;
    case AP::SPARSE_TENSORS: return AttributeType::SparseTensors;
    case AP::TYPE_PROTOS: return AttributeType::Types;
    default: break;
    }
    // Files from before the type field existed: infer from what is set.
    if (a.has_f()) return AttributeType::Float;
    if (a.has_i()) return AttributeType::Int;
    if (a.has_s()) return AttributeType::String;
    if (a.has_t()) return AttributeType::Tensor;
    if (a.has_g()) return AttributeType::Graph;
    if (a.floats_size()) return AttributeType::Floats;
    if (a.ints_size()) return AttributeType::Ints;
    if (a.strings_size()) return AttributeType::Strings;
    if (a.tensors_size()) return AttributeType::Tensors;
    if (a.graphs_size()) return AttributeType::Graphs;
    return AttributeType::Undefined;
}


bool parseUnsigned(const std::string& text, std::uint64_t& out)
{
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc() && ptr == end && !text.empty();
}

} // namespace

OnnxImporter::OnnxImporter(std::shared_ptr<OnnxDocument> doc)
    : doc_(std::move(doc))
    , external_(doc_->file->path(),
                doc_->file->isInMemory() ? fs::path()
                : doc_->file->path().parent_path().empty() ? fs::path(".")
                                                           : doc_->file->path().parent_path())
{
}

void OnnxImporter::fail(const std::string& what) const
{
    throw Error(doc_->file->path().string() + ": " + what);
}

ValueType OnnxImporter::valueType(const ::onnx::TypeProto& type)
{
    ValueType t;
    switch (type.value_case()) {
    case ::onnx::TypeProto::kTensorType:
        t.kind = ValueType::Kind::Tensor;
        t.elementType = static_cast<DataType>(type.tensor_type().elem_type());
        if (type.tensor_type().has_shape())
            t.shape = shapeOf(type.tensor_type().shape());
        break;
    case ::onnx::TypeProto::kSparseTensorType:
        t.kind = ValueType::Kind::SparseTensor;
        t.elementType = static_cast<DataType>(type.sparse_tensor_type().elem_type());
        if (type.sparse_tensor_type().has_shape())
            t.shape = shapeOf(type.sparse_tensor_type().shape());
        break;
    case ::onnx::TypeProto::kSequenceType:
        t.kind = ValueType::Kind::Sequence;
        t.element = std::make_shared<ValueType>(valueType(type.sequence_type().elem_type()));
        break;
    case ::onnx::TypeProto::kOptionalType:
        t.kind = ValueType::Kind::Optional;
        t.element = std::make_shared<ValueType>(valueType(type.optional_type().elem_type()));
        break;
    case ::onnx::TypeProto::kMapType:
        t.kind = ValueType::Kind::Map;
        t.elementType = static_cast<DataType>(type.map_type().key_type());
        t.element = std::make_shared<ValueType>(valueType(type.map_type().value_type()));
        break;
    case ::onnx::TypeProto::kOpaqueType:
        t.kind = ValueType::Kind::Opaque;
        t.opaqueName = type.opaque_type().domain().empty()
            ? type.opaque_type().name()
            : type.opaque_type().domain() + "." + type.opaque_type().name();
        break;
    default:
        break;
    }
    return t;
}

std::unique_ptr<Model> OnnxImporter::import()
{
    const auto& p = doc_->proto;
    if (!p.has_graph())
        fail("not an ONNX model: it has no graph");
    auto model = std::make_unique<Model>();
    model->format = "onnx";
    model->sourcePath = doc_->file->path();
    model->producerName = p.producer_name();
    model->producerVersion = p.producer_version();
    model->domain = p.domain();
    model->docString = p.doc_string();
    if (p.has_ir_version())
        model->irVersion = p.ir_version();
    if (p.has_model_version())
        model->modelVersion = p.model_version();
    for (const auto& o : p.opset_import())
        model->opsets.emplace_back(o.domain(), o.version());
    for (const auto& m : p.metadata_props())
        model->metadata.emplace_back(m.key(), m.value());

    importGraph(p.graph(), *model->graph, 0);

    for (const auto& f : p.functions()) {
        Function fn;
        fn.name = f.name();
        fn.domain = f.domain();
        fn.docString = f.doc_string();
        fn.attributeNames.assign(f.attribute().begin(), f.attribute().end());
        for (const auto& o : f.opset_import())
            fn.opsets.emplace_back(o.domain(), o.version());
        fn.graph = std::make_shared<Graph>(f.name());
        Graph& g = *fn.graph;
        for (const auto& name : f.input())
            g.inputs.push_back(g.value(name));
        for (const auto& node : f.node())
            importNode(node, g, 1);
        for (const auto& name : f.output())
            g.outputs.push_back(g.value(name));
        model->functions.push_back(std::move(fn));
    }
    model->native = doc_;
    return model;
}

void OnnxImporter::importGraph(const ::onnx::GraphProto& proto, Graph& graph, int depth)
{
    if (depth > kMaxDepth)
        fail("graphs nested more than " + std::to_string(kMaxDepth) + " deep");
    graph.name = proto.name();
    graph.docString = proto.doc_string();
    doc_->graphs[&graph] = const_cast<::onnx::GraphProto*>(&proto);
    for (const auto& t : proto.initializer())
        graph.addInitializer(importTensor(t));
    for (const auto& t : proto.sparse_initializer())
        graph.addInitializer(importSparse(t));
    auto describe = [&graph, this](const ::onnx::ValueInfoProto& vi) {
        Value* v = graph.value(vi.name());
        doc_->valueInfos[&vi] = v;
        if (vi.has_type())
            v->type = valueType(vi.type());
        if (!vi.doc_string().empty())
            v->docString = vi.doc_string();
        return v;
    };
    for (const auto& vi : proto.input())
        graph.inputs.push_back(describe(vi));
    for (const auto& vi : proto.output())
        graph.outputs.push_back(describe(vi));
    for (const auto& vi : proto.value_info())
        describe(vi);
    for (const auto& n : proto.node())
        importNode(n, graph, depth);

    if (graph.parent()) {
        for (const auto& v : graph.values())
            if (!v->producer() && !v->initializer && !graph.isInput(v.get()))
                v->fromOuterScope = true;
    }
}

void OnnxImporter::importNode(const ::onnx::NodeProto& proto, Graph& graph, int depth)
{
    Node* node = graph.addNode(proto.op_type(), proto.name());
    doc_->nodes[node] = const_cast<::onnx::NodeProto*>(&proto);
    node->domain = proto.domain();
    node->docString = proto.doc_string();
    for (const auto& name : proto.input())
        graph.addInput(node, name.empty() ? nullptr : graph.value(name));
    for (const auto& name : proto.output())
        graph.addOutput(node, name.empty() ? nullptr : graph.value(name));
    node->attributes.reserve(proto.attribute_size());
    for (const auto& a : proto.attribute())
        node->attributes.push_back(importAttribute(a, graph, depth));
}

Attribute OnnxImporter::importAttribute(const ::onnx::AttributeProto& a, Graph& graph, int depth)
{
    Attribute attr;
    attr.name = a.name();
    attr.type = attributeType(a);
    attr.docString = a.doc_string();
    attr.refAttrName = a.ref_attr_name();
    attr.f = a.f();
    attr.i = a.i();
    attr.s = a.s();
    attr.floats.assign(a.floats().begin(), a.floats().end());
    attr.ints.assign(a.ints().begin(), a.ints().end());
    attr.strings.assign(a.strings().begin(), a.strings().end());
    if (a.has_t())
        attr.tensors.push_back(importTensor(a.t()));
    for (const auto& t : a.tensors())
        attr.tensors.push_back(importTensor(t));
    if (a.has_sparse_tensor())
        attr.tensors.push_back(importSparse(a.sparse_tensor()));
    for (const auto& t : a.sparse_tensors())
        attr.tensors.push_back(importSparse(t));
    auto subgraph = [&](const ::onnx::GraphProto& g) {
        auto sub = std::make_shared<Graph>(g.name(), &graph);
        importGraph(g, *sub, depth + 1);
        return sub;
    };
    if (a.has_g())
        attr.graphs.push_back(subgraph(a.g()));
    for (const auto& g : a.graphs())
        attr.graphs.push_back(subgraph(g));
    if (a.has_tp())
        attr.types.push_back(valueType(a.tp()));
    for (const auto& t : a.type_protos())
        attr.types.push_back(valueType(t));
    return attr;
}

std::shared_ptr<Tensor> OnnxImporter::importTensor(const ::onnx::TensorProto& proto)
{
    auto t = importTensorData(proto);
    doc_->tensors[&proto] = t;
    doc_->originalData[&proto] = t->data;
    return t;
}

std::shared_ptr<Tensor> OnnxImporter::importTensorData(const ::onnx::TensorProto& proto)
{
    auto t = std::make_shared<Tensor>();
    t->name = proto.name();
    t->dataType = static_cast<DataType>(proto.data_type());
    t->dims.assign(proto.dims().begin(), proto.dims().end());
    t->docString = proto.doc_string();

    if (proto.data_location() == ::onnx::TensorProto::EXTERNAL) {
        t->data = externalData(proto, *t);
        return t;
    }
    if (auto it = doc_->payloads.find(&proto); it != doc_->payloads.end()) {
        t->data = std::make_shared<MappedTensorData>(FileRegion{doc_->file, it->second.offset, it->second.length});
        return t;
    }
    if (t->dataType == DataType::String) {
        t->strings.assign(proto.string_data().begin(), proto.string_data().end());
        return t;
    }
    if (auto bytes = onnxTypedDataBytes(proto)) {
        // Decoded on first use; the weak pointer avoids a tensor<->document cycle.
        std::weak_ptr<const OnnxDocument> weak = doc_;
        const auto* source = &proto;
        t->data = std::make_shared<LazyTensorData>(*bytes, [weak, source] {
            auto doc = weak.lock();
            if (!doc)
                throw Error("tensor '" + source->name() + "': its model has been closed");
            return decodeOnnxTypedData(*source);
        });
        return t;
    }
    t->data = std::make_shared<OwnedTensorData>(std::vector<std::byte>{});
    return t;
}

std::shared_ptr<Tensor> OnnxImporter::importSparse(const ::onnx::SparseTensorProto& proto)
{
    auto t = std::make_shared<Tensor>();
    t->sparse = std::make_shared<Tensor::Sparse>();
    t->sparse->values = importTensor(proto.values());
    t->sparse->indices = importTensor(proto.indices());
    t->name = proto.values().name();
    t->dataType = t->sparse->values->dataType;
    t->dims.assign(proto.dims().begin(), proto.dims().end());
    return t;
}

std::shared_ptr<const TensorData> OnnxImporter::externalData(const ::onnx::TensorProto& proto, Tensor& tensor)
{
    std::string location;
    std::uint64_t offset = 0;
    std::optional<std::uint64_t> length;
    for (const auto& kv : proto.external_data()) {
        std::uint64_t n = 0;
        if (kv.key() == "location") {
            location = kv.value();
        } else if (kv.key() == "offset") {
            if (!parseUnsigned(kv.value(), n))
                fail("tensor '" + proto.name() + "': external data offset '" + kv.value() + "' is not a number");
            offset = n;
        } else if (kv.key() == "length") {
            if (!parseUnsigned(kv.value(), n))
                fail("tensor '" + proto.name() + "': external data length '" + kv.value() + "' is not a number");
            length = n;
        }
    }
    tensor.externalLocation = location;
    auto file = external_.map(location, "tensor '" + proto.name() + "': external data location '" + location + "'");
    if (offset > file->size())
        fail("tensor '" + proto.name() + "': external data offset " + std::to_string(offset) + " is past the end of "
             + location);
    const std::uint64_t len = length.value_or(file->size() - offset);
    if (len > file->size() - offset)
        fail("tensor '" + proto.name() + "': external data range runs past the end of " + location);
    return std::make_shared<MappedTensorData>(FileRegion{file, offset, len});
}


} // namespace nodus
