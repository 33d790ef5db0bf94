#include "onnxsync.h"

#include "onnxdocument.h"
#include "onnximporter.h"

#include "ir/model.h"
#include "util/error.h"

#include <algorithm>
#include <unordered_set>

namespace nodus {

namespace {

using google::protobuf::RepeatedPtrField;

template <typename T>
void setIfDifferent(
    T& proto, const std::string& current, const std::string& wanted, void (T::*setter)(const std::string&))
{
    if (current != wanted)
        (proto.*setter)(wanted);
}

// Puts `wanted` (pointers owned by `field` now or kept in `detached`) into
// `field` in that order; what leaves goes to `detached`. Untouched when the
// order is already right, so an unedited model stays byte-identical.
template <typename M>
void reorder(RepeatedPtrField<M>& field, const std::vector<M*>& wanted,
    std::vector<std::unique_ptr<google::protobuf::Message>>& detached)
{
    bool same = static_cast<int>(wanted.size()) == field.size();
    for (int k = 0; same && k < field.size(); ++k)
        same = field.Mutable(k) == wanted[static_cast<std::size_t>(k)];
    if (same)
        return;
    std::unordered_set<M*> keep(wanted.begin(), wanted.end());
    // A proto wanted twice would be owned twice by the field (freed twice).
    if (keep.size() != wanted.size())
        throw Error("internal error: one " + M::descriptor()->name() + " is wanted twice in the saved model");
    std::vector<M*> current(static_cast<std::size_t>(field.size()));
    field.ExtractSubrange(0, field.size(), current.data());
    // Take back into ownership everything wanted that was detached earlier.
    for (auto& d : detached)
        if (auto* m = dynamic_cast<M*>(d.get()); m && keep.count(m))
            (void)d.release();
    std::erase_if(detached, [](const auto& d) { return !d; });
    for (M* m : current)
        if (!keep.count(m))
            detached.emplace_back(m);
    for (M* m : wanted)
        field.AddAllocated(m);
}

bool sameStrings(const RepeatedPtrField<std::string>& a, const std::vector<std::string>& b)
{
    if (a.size() != static_cast<int>(b.size()))
        return false;
    for (int k = 0; k < a.size(); ++k)
        if (a.Get(k) != b[static_cast<std::size_t>(k)])
            return false;
    return true;
}

void setStrings(RepeatedPtrField<std::string>& field, const std::vector<std::string>& values)
{
    if (sameStrings(field, values))
        return;
    field.Clear();
    for (const auto& v : values)
        *field.Add() = v;
}

std::vector<std::string> valueNames(const std::vector<Value*>& values)
{
    std::vector<std::string> out;
    out.reserve(values.size());
    for (const Value* v : values)
        out.push_back(v ? v->name() : std::string());
    return out;
}

void writeAttributeValue(const Attribute& a, ::onnx::AttributeProto& p)
{
    using AP = ::onnx::AttributeProto;
    switch (a.type) {
    case AttributeType::Int:
        if (p.type() != AP::INT || p.i() != a.i) {
            p.set_type(AP::INT);
            p.set_i(a.i);
        }
        return;
    case AttributeType::Float:
        if (p.type() != AP::FLOAT || p.f() != static_cast<float>(a.f)) {
            p.set_type(AP::FLOAT);
            p.set_f(static_cast<float>(a.f));
        }
        return;
    case AttributeType::String:
        if (p.type() != AP::STRING || p.s() != a.s) {
            p.set_type(AP::STRING);
            p.set_s(a.s);
        }
        return;
    case AttributeType::Ints:
        if (p.type() != AP::INTS || !std::equal(p.ints().begin(), p.ints().end(), a.ints.begin(), a.ints.end())) {
            p.set_type(AP::INTS);
            p.clear_ints();
            for (auto v : a.ints)
                p.add_ints(v);
        }
        return;
    case AttributeType::Floats: {
        bool same = p.type() == AP::FLOATS && p.floats_size() == static_cast<int>(a.floats.size());
        for (int k = 0; same && k < p.floats_size(); ++k)
            same = p.floats(k) == static_cast<float>(a.floats[static_cast<std::size_t>(k)]);
        if (!same) {
            p.set_type(AP::FLOATS);
            p.clear_floats();
            for (auto v : a.floats)
                p.add_floats(static_cast<float>(v));
        }
        return;
    }
    case AttributeType::Strings:
        if (p.type() != AP::STRINGS || !sameStrings(p.strings(), a.strings)) {
            p.set_type(AP::STRINGS);
            setStrings(*p.mutable_strings(), a.strings);
        }
        return;
    default:
        // Tensors, graphs and types are edited through their own objects
        // (the tensor data is synced by the writer); the proto stays.
        if (p.name().empty())
            throw Error("attribute '" + a.name + "' of type " + std::string(attributeTypeName(a.type))
                + " cannot be added by an edit");
        return;
    }
}

void syncAttributes(const Node& n, ::onnx::NodeProto& p, OnnxDocument& doc)
{
    std::vector<::onnx::AttributeProto*> wanted;
    // Each attribute takes a proto of its name that no earlier one took: a
    // file may repeat a name (the checker refuses it, readers keep both),
    // and one proto wanted twice would be owned twice by the field.
    std::unordered_set<const ::onnx::AttributeProto*> taken;
    for (const Attribute& a : n.attributes) {
        ::onnx::AttributeProto* found = nullptr;
        for (auto& pa : *p.mutable_attribute())
            if (pa.name() == a.name && !taken.count(&pa)) {
                found = &pa;
                break;
            }
        if (!found) {
            // This node's own, detached earlier (removed, then restored by an undo)?
            for (auto& d : doc.detached)
                if (auto* pa = dynamic_cast<::onnx::AttributeProto*>(d.get());
                    pa && pa->name() == a.name && !taken.count(pa)) {
                    auto owner = doc.attributeOwners.find(pa);
                    if (owner != doc.attributeOwners.end() && owner->second == &p) {
                        found = pa;
                        break;
                    }
                }
        }
        if (!found) {
            auto fresh = std::make_unique<::onnx::AttributeProto>();
            writeAttributeValue(a, *fresh); // throws before any change for unsupported types
            fresh->set_name(a.name);
            found = fresh.get();
            doc.detached.push_back(std::move(fresh));
        } else {
            writeAttributeValue(a, *found);
        }
        taken.insert(found);
        wanted.push_back(found);
    }
    for (auto& pa : *p.mutable_attribute())
        doc.attributeOwners[&pa] = &p;
    reorder(*p.mutable_attribute(), wanted, doc.detached);
}

void syncNode(const Node& n, ::onnx::NodeProto& p, OnnxDocument& doc)
{
    setIfDifferent(p, p.name(), n.name, &::onnx::NodeProto::set_name);
    setIfDifferent(p, p.op_type(), n.opType, &::onnx::NodeProto::set_op_type);
    setIfDifferent(p, p.domain(), n.domain, &::onnx::NodeProto::set_domain);
    setStrings(*p.mutable_input(), valueNames(n.inputs()));
    setStrings(*p.mutable_output(), valueNames(n.outputs()));
    syncAttributes(n, p, doc);
}

// The tensor shape of an edited graph input or output.
void syncType(const Value& v, ::onnx::ValueInfoProto& p)
{
    if (v.typeInferred || v.type.kind != ValueType::Kind::Tensor)
        return;
    if (p.has_type() && OnnxImporter::valueType(p.type()) == v.type)
        return;
    auto* tt = p.mutable_type()->mutable_tensor_type();
    tt->set_elem_type(static_cast<int>(v.type.elementType));
    if (!v.type.shape.rankKnown) {
        tt->clear_shape();
        return;
    }
    auto* shape = tt->mutable_shape();
    // Keep the dimension messages (denotations) where the rank is unchanged.
    while (shape->dim_size() > static_cast<int>(v.type.shape.dims.size()))
        shape->mutable_dim()->RemoveLast();
    while (shape->dim_size() < static_cast<int>(v.type.shape.dims.size()))
        shape->add_dim();
    for (std::size_t k = 0; k < v.type.shape.dims.size(); ++k) {
        const Dim& d = v.type.shape.dims[k];
        auto* dim = shape->mutable_dim(static_cast<int>(k));
        if (d.value)
            dim->set_dim_value(*d.value);
        else if (!d.symbol.empty())
            dim->set_dim_param(d.symbol);
        else
            dim->clear_value();
    }
}

void syncValueInfos(
    const std::vector<Value*>& values, RepeatedPtrField<::onnx::ValueInfoProto>& field, OnnxDocument& doc)
{
    std::unordered_map<const Value*, ::onnx::ValueInfoProto*> byValue;
    for (auto& vi : field)
        if (auto it = doc.valueInfos.find(&vi); it != doc.valueInfos.end())
            byValue.emplace(it->second, &vi);
    for (auto& d : doc.detached)
        if (auto* vi = dynamic_cast<::onnx::ValueInfoProto*>(d.get()))
            if (auto it = doc.valueInfos.find(vi); it != doc.valueInfos.end())
                byValue.emplace(it->second, vi);
    std::vector<::onnx::ValueInfoProto*> wanted;
    for (const Value* v : values) {
        ::onnx::ValueInfoProto* p = nullptr;
        if (auto it = byValue.find(v);
            it != byValue.end() && std::find(wanted.begin(), wanted.end(), it->second) == wanted.end())
            p = it->second;
        if (!p) {
            auto fresh = std::make_unique<::onnx::ValueInfoProto>();
            p = fresh.get();
            doc.valueInfos[p] = v;
            doc.detached.push_back(std::move(fresh));
        }
        setIfDifferent(*p, p->name(), v->name(), &::onnx::ValueInfoProto::set_name);
        syncType(*v, *p);
        wanted.push_back(p);
    }
    reorder(field, wanted, doc.detached);
}

void syncGraph(const Graph& g, ::onnx::GraphProto& p, OnnxDocument& doc)
{
    std::vector<::onnx::NodeProto*> nodes;
    for (const auto& n : g.nodes()) {
        ::onnx::NodeProto* np = nullptr;
        if (auto it = doc.nodes.find(n.get()); it != doc.nodes.end())
            np = it->second;
        if (!np) {
            auto fresh = std::make_unique<::onnx::NodeProto>();
            np = fresh.get();
            doc.nodes[n.get()] = np;
            doc.detached.push_back(std::move(fresh));
        }
        syncNode(*n, *np, doc);
        nodes.push_back(np);
    }
    reorder(*p.mutable_node(), nodes, doc.detached);

    syncValueInfos(g.inputs, *p.mutable_input(), doc);
    syncValueInfos(g.outputs, *p.mutable_output(), doc);
    // value_info follows renames; entries an edit made stale (an input
    // shape changed) are left out, they would contradict the graph.
    std::vector<::onnx::ValueInfoProto*> infos;
    for (auto& vi : *p.mutable_value_info()) {
        auto it = doc.valueInfos.find(&vi);
        if (it != doc.valueInfos.end()) {
            if (it->second->typeStale)
                continue;
            setIfDifferent(vi, vi.name(), it->second->name(), &::onnx::ValueInfoProto::set_name);
            syncType(*it->second, vi);
        }
        infos.push_back(&vi);
    }
    for (auto& d : doc.detached)
        if (auto* vi = dynamic_cast<::onnx::ValueInfoProto*>(d.get()))
            if (auto it = doc.valueInfos.find(vi); it != doc.valueInfos.end() && doc.valueInfoOwners[vi] == &p
                && !it->second->typeStale && !g.isInput(it->second) && !g.isOutput(it->second)) {
                setIfDifferent(*vi, vi->name(), it->second->name(), &::onnx::ValueInfoProto::set_name);
                infos.push_back(vi);
            }
    for (auto* vi : infos)
        doc.valueInfoOwners[vi] = &p;
    for (auto& vi : *p.mutable_value_info())
        doc.valueInfoOwners[&vi] = &p;
    reorder(*p.mutable_value_info(), infos, doc.detached);

    // Dense initializers: the stored tensors the IR graph still has.
    std::unordered_map<const Tensor*, ::onnx::TensorProto*> protoOf;
    for (auto& [proto, tensor] : doc.tensors)
        protoOf.emplace(tensor.get(), const_cast<::onnx::TensorProto*>(proto));
    std::unordered_set<const ::onnx::TensorProto*> own;
    for (auto& t : *p.mutable_initializer())
        own.insert(&t);
    for (auto& d : doc.detached)
        if (auto* t = dynamic_cast<::onnx::TensorProto*>(d.get()))
            own.insert(t);
    std::vector<::onnx::TensorProto*> wanted;
    for (const auto& t : g.initializers) {
        if (t->isSparse())
            continue;
        auto it = protoOf.find(t.get());
        if (it != protoOf.end() && own.count(it->second))
            wanted.push_back(it->second);
    }
    std::vector<::onnx::TensorProto*> current;
    for (auto& t : *p.mutable_initializer())
        current.push_back(&t);
    reorder(*p.mutable_initializer(), wanted, doc.detached);
    // The writer leaves out tensors no graph holds any more.
    for (auto* t : current)
        doc.detachedTensors.insert(t);
    for (auto* t : wanted)
        doc.detachedTensors.erase(t);
}

void syncModel(const Model& m, ::onnx::ModelProto& p)
{
    setIfDifferent(p, p.producer_name(), m.producerName, &::onnx::ModelProto::set_producer_name);
    setIfDifferent(p, p.producer_version(), m.producerVersion, &::onnx::ModelProto::set_producer_version);
    setIfDifferent(p, p.doc_string(), m.docString, &::onnx::ModelProto::set_doc_string);
    setIfDifferent(p, p.domain(), m.domain, &::onnx::ModelProto::set_domain);
    bool same = p.metadata_props_size() == static_cast<int>(m.metadata.size());
    for (int k = 0; same && k < p.metadata_props_size(); ++k)
        same = p.metadata_props(k).key() == m.metadata[static_cast<std::size_t>(k)].first
            && p.metadata_props(k).value() == m.metadata[static_cast<std::size_t>(k)].second;
    if (!same) {
        p.clear_metadata_props();
        for (const auto& [k, v] : m.metadata) {
            auto* e = p.add_metadata_props();
            e->set_key(k);
            e->set_value(v);
        }
    }
}

} // namespace

void syncOnnxDocument(const Model& model)
{
    if (!model.native || model.native->formatName() != "onnx")
        return;
    auto& doc = static_cast<OnnxDocument&>(*model.native);
    syncModel(model, doc.proto);
    if (!model.graph)
        return;
    std::vector<const Graph*> graphs { model.graph.get() };
    model.graph->forEachSubgraph([&](Graph& g) { graphs.push_back(&g); });
    for (const Graph* g : graphs)
        if (auto it = doc.graphs.find(g); it != doc.graphs.end())
            syncGraph(*g, *it->second, doc);
}

} // namespace nodus
