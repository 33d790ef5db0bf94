#include "onnxshapeinference.h"

#include "onnxdocument.h"
#include "onnximporter.h"

#include "ir/model.h"
#include "util/mappedfile.h"

#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

namespace nodus {

namespace {

// Shape tensors are small integers; nothing large is copied.
constexpr std::uint64_t kMaxFilled = 4096;

void fillSmall(const OnnxDocument& doc, const ::onnx::TensorProto& original, ::onnx::TensorProto& copy)
{
    auto it = doc.payloads.find(&original);
    if (it == doc.payloads.end() || it->second.length > kMaxFilled)
        return;
    const auto type = original.data_type();
    if (type != ::onnx::TensorProto::INT64 && type != ::onnx::TensorProto::INT32)
        return;
    const auto bytes = doc.file->bytes().subspan(it->second.offset, it->second.length);
    copy.set_raw_data(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

bool unknown(const ValueType& t)
{
    return t.kind == ValueType::Kind::Unknown || (t.kind == ValueType::Kind::Tensor && !t.shape.rankKnown);
}

} // namespace

std::size_t inferOnnxShapes(Model& model)
{
    if (!model.native || model.native->formatName() != "onnx" || !model.graph)
        return 0;
    const auto& doc = static_cast<const OnnxDocument&>(*model.native);
    ::onnx::ModelProto copy = doc.proto;
    auto* g = copy.mutable_graph();
    const auto& og = doc.proto.graph();
    for (int k = 0; k < g->initializer_size() && k < og.initializer_size(); ++k)
        fillSmall(doc, og.initializer(k), *g->mutable_initializer(k));
    for (int n = 0; n < g->node_size() && n < og.node_size(); ++n)
        for (int a = 0; a < g->node(n).attribute_size(); ++a)
            if (g->node(n).attribute(a).has_t())
                fillSmall(doc, og.node(n).attribute(a).t(), *g->mutable_node(n)->mutable_attribute(a)->mutable_t());
    try {
        ::onnx::ShapeInferenceOptions options(false, 0, true);
        ::onnx::shape_inference::InferShapes(copy, ::onnx::OpSchemaRegistry::Instance(), options);
    } catch (const std::exception&) {
        // Inference gives up on models it cannot follow; keep what the file says.
        return 0;
    }
    std::size_t filled = 0;
    auto apply = [&](const ::onnx::ValueInfoProto& vi) {
        Value* v = model.graph->findValue(vi.name());
        if (!v || !unknown(v->type) || !vi.has_type())
            return;
        ValueType t = OnnxImporter::valueType(vi.type());
        if (t.kind == ValueType::Kind::Unknown)
            return;
        v->type = std::move(t);
        v->typeInferred = true;
        ++filled;
    };
    for (const auto& vi : g->value_info())
        apply(vi);
    for (const auto& vi : g->output())
        apply(vi);
    return filled;
}

} // namespace nodus
