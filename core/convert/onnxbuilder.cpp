#include "onnxbuilder.h"

#include "ir/tensor.h"
#include "ir/tensorencode.h"
#include "util/error.h"

#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include <cstring>

namespace nodus {

namespace {

// Initializers larger than this are not copied into the graph that shape
// inference reads: it needs their types, not their bytes.
constexpr int kMaxInferenceBytes = 4096;

OnnxValueType fromTypeProto(const onnx::TypeProto& t)
{
    OnnxValueType v;
    if (!t.has_tensor_type())
        return v;
    v.elementType = static_cast<DataType>(t.tensor_type().elem_type());
    if (t.tensor_type().has_shape()) {
        v.rankKnown = true;
        for (const auto& d : t.tensor_type().shape().dim())
            v.dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
    }
    return v;
}

template <typename T> void appendRaw(std::string& raw, T v)
{
    char bytes[sizeof(T)];
    std::memcpy(bytes, &v, sizeof(T));
    raw.append(bytes, sizeof(T));
}

} // namespace

OnnxBuilder::OnnxBuilder(onnx::ModelProto& model, int opset)
    : model_(model)
    , graph_(model.mutable_graph())
    , opset_(opset)
{
}

std::string OnnxBuilder::fresh(std::string_view base)
{
    std::string b = base.empty() ? std::string("v") : std::string(base);
    if (used_.insert(b).second)
        return b;
    for (int k = 1;; ++k) {
        std::string candidate = b + "_" + std::to_string(k);
        if (used_.insert(candidate).second)
            return candidate;
    }
}

onnx::NodeProto& OnnxBuilder::node(std::string_view op, const std::vector<std::string>& inputs,
    const std::vector<std::string>& outputs, std::string_view name)
{
    onnx::NodeProto& n = *graph_->add_node();
    n.set_op_type(std::string(op));
    if (!name.empty())
        n.set_name(fresh(name));
    for (const auto& i : inputs)
        n.add_input(i);
    for (const auto& o : outputs)
        n.add_output(o);
    return n;
}

std::string OnnxBuilder::op(
    std::string_view op, const std::vector<std::string>& inputs, std::string_view hint, onnx::NodeProto** created)
{
    std::string out = fresh(hint);
    onnx::NodeProto& n = node(op, inputs, { out }, hint);
    if (created)
        *created = &n;
    return out;
}

void OnnxBuilder::setAttr(onnx::NodeProto& n, const std::string& name, std::int64_t v)
{
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
}

void OnnxBuilder::setAttr(onnx::NodeProto& n, const std::string& name, float v)
{
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
}

void OnnxBuilder::setAttr(onnx::NodeProto& n, const std::string& name, const std::string& v)
{
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(v);
}

void OnnxBuilder::setAttr(onnx::NodeProto& n, const std::string& name, const std::vector<std::int64_t>& v)
{
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (auto x : v)
        a->add_ints(x);
}

void OnnxBuilder::setAttr(onnx::NodeProto& n, const std::string& name, const std::vector<float>& v)
{
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOATS);
    for (auto x : v)
        a->add_floats(x);
}

std::string OnnxBuilder::initializer(const Tensor& tensor, std::string_view hint)
{
    return initializer(tensor, hint, tensor.dims);
}

std::string OnnxBuilder::initializer(const Tensor& tensor, std::string_view hint, const std::vector<std::int64_t>& dims)
{
    if (tensor.isSparse())
        throw Error("tensor '" + tensor.name + "' is sparse; ONNX initializers here are dense");
    const std::string name = fresh(hint);
    onnx::TensorProto& t = *graph_->add_initializer();
    t.set_name(name);
    t.set_data_type(static_cast<int>(tensor.dataType));
    for (auto d : dims)
        t.add_dims(d);
    if (tensor.dataType == DataType::String) {
        for (const auto& s : tensor.strings)
            t.add_string_data(s);
    } else if (tensor.data) {
        const auto bytes = tensor.data->bytes();
        t.set_raw_data(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    }
    OnnxValueType v;
    v.elementType = tensor.dataType;
    v.rankKnown = true;
    v.dims = dims;
    known_[name] = v;
    return name;
}

std::string OnnxBuilder::ints(const std::vector<std::int64_t>& values, std::string_view hint, bool scalar)
{
    const std::string name = fresh(hint);
    onnx::TensorProto& t = *graph_->add_initializer();
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::INT64);
    if (!scalar)
        t.add_dims(static_cast<std::int64_t>(values.size()));
    std::string raw;
    for (auto v : values)
        appendRaw(raw, v);
    t.set_raw_data(raw);
    OnnxValueType v;
    v.elementType = DataType::Int64;
    v.rankKnown = true;
    if (!scalar)
        v.dims = { static_cast<std::int64_t>(values.size()) };
    known_[name] = v;
    return name;
}

onnx::TensorProto OnnxBuilder::scalarTensor(DataType type, double value)
{
    if (type == DataType::Undefined)
        type = DataType::Float;
    const auto size = storageBytes(type, 1);
    if (!size || *size == 0 || dataTypeBits(type) < 8)
        throw Error("no scalar constant of type " + std::string(dataTypeName(type)));
    std::vector<std::byte> bytes(*size);
    encodeElement(type, bytes, 0, value);
    onnx::TensorProto t;
    t.set_data_type(static_cast<int>(type));
    t.set_raw_data(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return t;
}

std::string OnnxBuilder::scalar(DataType type, double value, std::string_view hint)
{
    onnx::TensorProto t = scalarTensor(type, value);
    const std::string name = fresh(hint);
    t.set_name(name);
    OnnxValueType v;
    v.elementType = static_cast<DataType>(t.data_type());
    v.rankKnown = true;
    known_[name] = v;
    *graph_->add_initializer() = std::move(t);
    return name;
}

void OnnxBuilder::addInput(const std::string& name, DataType type, const std::vector<Dim>& dims, bool rankKnown)
{
    auto* vi = graph_->add_input();
    vi->set_name(name);
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(static_cast<int>(type));
    OnnxValueType v;
    v.elementType = type;
    v.rankKnown = rankKnown;
    if (rankKnown) {
        auto* shape = tt->mutable_shape();
        for (const auto& d : dims) {
            auto* dim = shape->add_dim();
            if (d.value)
                dim->set_dim_value(*d.value);
            else if (!d.symbol.empty())
                dim->set_dim_param(d.symbol);
            v.dims.push_back(d.value.value_or(-1));
        }
    }
    known_[name] = v;
    used_.insert(name);
}

void OnnxBuilder::addOutput(const std::string& name, DataType fallback)
{
    auto* vi = graph_->add_output();
    vi->set_name(name);
    infer();
    // Inference wrote what it knows into value_info; take the full type.
    for (const auto& info : graph_->value_info())
        if (info.name() == name && info.has_type() && info.type().tensor_type().has_shape()) {
            *vi->mutable_type() = info.type();
            return;
        }
    const auto t = type(name);
    if (!t || !t->rankKnown)
        throw Error("the type of output '" + name + "' is unknown (ONNX needs at least its rank)");
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(static_cast<int>(t && t->elementType != DataType::Undefined ? t->elementType : fallback));
    if (t && t->rankKnown) {
        auto* shape = tt->mutable_shape();
        for (auto d : t->dims) {
            auto* dim = shape->add_dim();
            if (d >= 0)
                dim->set_dim_value(d);
        }
    }
}

void OnnxBuilder::useDomain(const std::string& domain)
{
    for (const auto& o : model_.opset_import())
        if (o.domain() == domain)
            return;
    auto* o = model_.add_opset_import();
    o->set_domain(domain);
    o->set_version(1);
}

void OnnxBuilder::declare(const std::string& name, const OnnxValueType& t)
{
    known_[name] = t;
    onnx::ValueInfoProto vi;
    vi.set_name(name);
    auto* tt = vi.mutable_type()->mutable_tensor_type();
    tt->set_elem_type(static_cast<int>(t.elementType));
    if (t.rankKnown) {
        auto* shape = tt->mutable_shape();
        for (auto d : t.dims) {
            auto* dim = shape->add_dim();
            if (d >= 0)
                dim->set_dim_value(d);
        }
    }
    declared_.push_back(vi);
    *graph_->add_value_info() = std::move(vi);
}

void OnnxBuilder::infer()
{
    if (inferredAt_ == graph_->node_size())
        return;
    inferredAt_ = graph_->node_size();
    onnx::ModelProto copy;
    copy.set_ir_version(model_.ir_version());
    *copy.mutable_opset_import() = model_.opset_import();
    auto* g = copy.mutable_graph();
    *g->mutable_node() = graph_->node();
    *g->mutable_input() = graph_->input();
    for (const auto& vi : declared_)
        *g->add_value_info() = vi;
    for (const auto& init : graph_->initializer()) {
        if (static_cast<int>(init.raw_data().size()) <= kMaxInferenceBytes) {
            *g->add_initializer() = init;
            continue;
        }
        // Large: its type stands in for it.
        auto* vi = g->add_input();
        vi->set_name(init.name());
        auto* tt = vi->mutable_type()->mutable_tensor_type();
        tt->set_elem_type(init.data_type());
        auto* shape = tt->mutable_shape();
        for (auto d : init.dims())
            shape->add_dim()->set_dim_value(d);
    }
    try {
        onnx::ShapeInferenceOptions options(false, 0, true);
        onnx::shape_inference::InferShapes(copy, onnx::OpSchemaRegistry::Instance(), options);
    } catch (const std::exception&) {
        return; // what inference could not follow stays unknown
    }
    graph_->clear_value_info();
    for (const auto& vi : g->value_info()) {
        if (!known_.count(vi.name()))
            known_[vi.name()] = fromTypeProto(vi.type());
        *graph_->add_value_info() = vi;
    }
}

std::optional<OnnxValueType> OnnxBuilder::type(const std::string& name)
{
    auto it = known_.find(name);
    if (it == known_.end()) {
        infer();
        it = known_.find(name);
        if (it == known_.end())
            return std::nullopt;
    }
    return it->second;
}

std::optional<std::vector<std::int64_t>> OnnxBuilder::staticDims(const std::string& name)
{
    const auto t = type(name);
    if (!t || !t->rankKnown)
        return std::nullopt;
    for (auto d : t->dims)
        if (d < 0)
            return std::nullopt;
    return t->dims;
}

std::optional<int> OnnxBuilder::rank(const std::string& name)
{
    const auto t = type(name);
    if (!t || !t->rankKnown)
        return std::nullopt;
    return t->rank();
}

DataType OnnxBuilder::elementType(const std::string& name)
{
    const auto t = type(name);
    return t ? t->elementType : DataType::Undefined;
}

} // namespace nodus
