#include "tensorflowimporter.h"

#include "tensorbundle.h"
#include "tensorflowdocument.h"
#include "tensorflowtypes.h"

#include "ir/model.h"
#include "util/error.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

namespace nodus {

namespace {

// Ops with no data outputs; every other node shows at least output 0.
const std::set<std::string, std::less<>> kNoOutputOps = { "NoOp", "SaveV2", "Save", "SaveSlices", "MergeV2Checkpoints",
    "AssignVariableOp", "AssignAddVariableOp", "AssignSubVariableOp", "_Retval", "ControlTrigger" };

std::string outputName(const std::string& node, std::uint64_t index)
{
    return node + ":" + std::to_string(index);
}

// "name:k" -> (name, k); "name" -> (name, 0).
std::pair<std::string, std::uint64_t> splitInput(const std::string& input)
{
    const auto colon = input.rfind(':');
    if (colon == std::string::npos || colon + 1 == input.size() || colon + 10 < input.size())
        return { input, 0 };
    std::uint64_t k = 0;
    for (std::size_t p = colon + 1; p < input.size(); ++p) {
        if (input[p] < '0' || input[p] > '9')
            return { input, 0 };
        k = k * 10 + std::uint64_t(input[p] - '0');
    }
    return { input.substr(0, colon), k };
}

std::string shapeText(const tf::TensorShapeProto& shape)
{
    return shapeFromProto(shape).toString();
}

} // namespace

TensorflowImporter::TensorflowImporter(std::shared_ptr<TensorflowDocument> document, std::string name)
    : doc_(std::move(document))
    , name_(std::move(name))
{
}

namespace {

struct AttrContext {
    TensorflowDocument& doc;
    std::shared_ptr<const void> keepAlive;
    int function = -1;
    int node = 0;
    std::string what;
    std::string nodeName;
};

Attribute convertAttr(const std::string& key, const tf::AttrValue& v, AttrContext& ctx)
{
    Attribute a;
    a.name = key;
    switch (v.value_case()) {
    case tf::AttrValue::kS:
        a.type = AttributeType::String;
        a.s = v.s();
        break;
    case tf::AttrValue::kI:
        a.type = AttributeType::Int;
        a.i = v.i();
        break;
    case tf::AttrValue::kF:
        a.type = AttributeType::Float;
        a.f = v.f();
        break;
    case tf::AttrValue::kB:
        a.type = AttributeType::Int;
        a.i = v.b() ? 1 : 0;
        a.docString = "bool";
        break;
    case tf::AttrValue::kType:
        a.type = AttributeType::String;
        a.s = tfDataTypeName(v.type());
        break;
    case tf::AttrValue::kShape:
        a.type = AttributeType::String;
        a.s = shapeText(v.shape());
        break;
    case tf::AttrValue::kPlaceholder:
        a.type = AttributeType::String;
        a.s = "$" + v.placeholder();
        a.refAttrName = v.placeholder();
        break;
    case tf::AttrValue::kFunc:
        a.type = AttributeType::String;
        a.s = v.func().name();
        a.docString = "function";
        break;
    case tf::AttrValue::kTensor: {
        a.type = AttributeType::Tensor;
        auto t = tensorFromProto(
            v.tensor(), ctx.nodeName + "/" + key, ctx.keepAlive, ctx.what + " attribute '" + key + "'");
        ctx.doc.constants.push_back({ t, t->data, ctx.function, ctx.node, key });
        a.tensors.push_back(std::move(t));
        break;
    }
    case tf::AttrValue::kList: {
        const auto& l = v.list();
        if (l.s_size()) {
            a.type = AttributeType::Strings;
            a.strings.assign(l.s().begin(), l.s().end());
        } else if (l.f_size()) {
            a.type = AttributeType::Floats;
            a.floats.assign(l.f().begin(), l.f().end());
        } else if (l.type_size()) {
            a.type = AttributeType::Strings;
            for (const int t : l.type())
                a.strings.push_back(tfDataTypeName(t));
        } else if (l.shape_size()) {
            a.type = AttributeType::Strings;
            for (const auto& s : l.shape())
                a.strings.push_back(shapeText(s));
        } else if (l.func_size()) {
            a.type = AttributeType::Strings;
            for (const auto& f : l.func())
                a.strings.push_back(f.name());
        } else if (l.tensor_size()) {
            // Shown, but not among the tensors a save writes back.
            a.type = AttributeType::Tensors;
            for (int k = 0; k < l.tensor_size(); ++k)
                a.tensors.push_back(tensorFromProto(l.tensor(k), ctx.nodeName + "/" + key + "/" + std::to_string(k),
                    ctx.keepAlive, ctx.what + " attribute '" + key + "'"));
        } else {
            a.type = AttributeType::Ints;
            a.ints.assign(l.i().begin(), l.i().end());
            for (const bool b : l.b())
                a.ints.push_back(b ? 1 : 0);
        }
        break;
    }
    default:
        a.type = AttributeType::String;
        break;
    }
    return a;
}

ValueType placeholderType(const tf::NodeDef& node)
{
    ValueType t;
    t.kind = ValueType::Kind::Tensor;
    for (const auto& a : node.attr()) {
        if (a.key() == "dtype" && a.value().value_case() == tf::AttrValue::kType)
            t.elementType = fromTfDataType(a.value().type());
        if (a.key() == "shape" && a.value().value_case() == tf::AttrValue::kShape)
            t.shape = shapeFromProto(a.value().shape());
    }
    return t;
}

} // namespace

void TensorflowImporter::importGraph(Model& model, Graph& graph)
{
    const tf::GraphDef& def = *doc_->graph;
    const std::shared_ptr<const void> keepAlive = doc_->root;
    std::unordered_map<std::string, int> byName;
    for (int k = 0; k < def.node_size(); ++k) {
        const auto& n = def.node(k);
        if (n.name().empty())
            throw Error(name_ + ": node " + std::to_string(k) + " has no name");
        if (n.op().empty())
            throw Error(name_ + ": node '" + n.name() + "' has no op");
        if (!byName.emplace(n.name(), k).second)
            throw Error(name_ + ": two nodes are named '" + n.name() + "'");
    }
    // How many outputs each node shows: as many as its consumers use.
    std::vector<std::uint64_t> outputs(def.node_size(), 0);
    std::vector<bool> used(def.node_size(), false);
    for (const auto& n : def.node())
        for (const auto& in : n.input()) {
            if (in.empty())
                throw Error(name_ + ": node '" + n.name() + "' has an empty input name");
            if (in[0] == '^') {
                if (!byName.count(in.substr(1)))
                    throw Error(name_ + ": node '" + n.name() + "' has a control input from '" + in.substr(1)
                        + "', which is not a node of the graph");
                continue;
            }
            const auto [src, k] = splitInput(in);
            const auto it = byName.find(src);
            if (it == byName.end())
                throw Error(name_ + ": node '" + n.name() + "' reads '" + in + "', which is not a node of the graph");
            if (k >= 100000)
                throw Error(
                    name_ + ": node '" + n.name() + "' reads output " + std::to_string(k) + " of '" + src + "'");
            outputs[it->second] = std::max(outputs[it->second], k + 1);
            used[it->second] = true;
        }
    for (int k = 0; k < def.node_size(); ++k) {
        const auto& n = def.node(k);
        const bool inputFree = n.input_size() == 0;
        if (n.op() == "Placeholder" && inputFree) {
            Value* v = graph.value(outputName(n.name(), 0));
            v->type = placeholderType(n);
            graph.inputs.push_back(v);
            continue;
        }
        AttrContext ctx { *doc_, keepAlive, -1, k, name_ + ": node '" + n.name() + "'", n.name() };
        if (n.op() == "Const" && inputFree) {
            const tf::AttrValue* value = nullptr;
            for (const auto& a : n.attr())
                if (a.key() == "value" && a.value().value_case() == tf::AttrValue::kTensor)
                    value = &a.value();
            if (value) {
                auto t = tensorFromProto(value->tensor(), outputName(n.name(), 0), keepAlive,
                    name_ + ": node '" + n.name() + "' attribute 'value'");
                doc_->constants.push_back({ t, t->data, -1, k, "value" });
                Value* v = graph.value(t->name);
                v->type = ValueType::tensor(t->dataType, Shape::of(t->dims));
                graph.addInitializer(std::move(t));
                continue;
            }
        }
        Node* node = graph.addNode(n.op(), n.name());
        std::vector<std::string> control;
        for (const auto& in : n.input()) {
            if (in[0] == '^') {
                control.push_back(in.substr(1));
                continue;
            }
            const auto [src, idx] = splitInput(in);
            graph.addInput(node, graph.value(outputName(src, idx)));
        }
        for (const auto& a : n.attr())
            node->attributes.push_back(convertAttr(a.key(), a.value(), ctx));
        if (!control.empty()) {
            Attribute a;
            a.name = "_control_inputs";
            a.type = AttributeType::Strings;
            a.docString = "nodes that must run before this one (control dependencies)";
            a.strings = std::move(control);
            node->attributes.push_back(std::move(a));
        }
        if (!n.device().empty())
            node->metadata.emplace_back("device", n.device());
        const std::uint64_t count = std::max<std::uint64_t>(outputs[k], kNoOutputOps.count(n.op()) ? 0 : 1);
        for (std::uint64_t o = 0; o < count; ++o)
            graph.addOutput(node, graph.value(outputName(n.name(), o)));
    }
    (void)model;
}

std::unique_ptr<Model> TensorflowImporter::import()
{
    auto model = std::make_unique<Model>();
    model->native = doc_;
    model->producerName = "TensorFlow";
    model->graph->name = "graph";
    const tf::GraphDef& def = *doc_->graph;
    if (def.has_versions())
        model->metadata.emplace_back("graph_def_version", std::to_string(def.versions().producer()));
    importGraph(*model, *model->graph);
    if (doc_->kind != TensorflowDocument::Kind::GraphDef)
        importMetaGraph(*model);
    importFunctions(*model);
    importVariables(*model);
    // Without a signature, what nobody consumes is what the graph computes.
    if (model->graph->outputs.empty())
        for (const auto& node : model->graph->nodes())
            if (!node->outputs().empty() && node->outputs()[0]->users().empty())
                model->graph->outputs.push_back(node->outputs()[0]);
    return model;
}

void TensorflowImporter::importMetaGraph(Model& model)
{
    const tf::MetaGraphDef* meta = nullptr;
    if (doc_->kind == TensorflowDocument::Kind::MetaGraph) {
        meta = static_cast<const tf::MetaGraphDef*>(doc_->root.get());
    } else {
        const auto& saved = static_cast<const tf::SavedModel&>(*doc_->root);
        model.metadata.emplace_back("saved_model_schema_version", std::to_string(saved.saved_model_schema_version()));
        for (const auto& m : saved.meta_graphs())
            if (&m.graph_def() == doc_->graph)
                meta = &m;
    }
    if (!meta)
        return;
    const auto& info = meta->meta_info_def();
    if (!info.tensorflow_version().empty())
        model.producerVersion = info.tensorflow_version();
    if (info.tags_size()) {
        std::string tags;
        for (const auto& t : info.tags())
            tags += (tags.empty() ? "" : ",") + t;
        model.metadata.emplace_back("tags", tags);
    }
    if (!info.tensorflow_git_version().empty())
        model.metadata.emplace_back("tensorflow_git_version", info.tensorflow_git_version());
    Graph& graph = *model.graph;
    const tf::SignatureDef* chosen = nullptr;
    for (const auto& s : meta->signature_def()) {
        std::string text = s.value().method_name().empty() ? std::string() : s.value().method_name() + "; ";
        text += "inputs:";
        for (const auto& in : s.value().inputs())
            text += " " + in.key() + "=" + in.value().name();
        text += "; outputs:";
        for (const auto& out : s.value().outputs())
            text += " " + out.key() + "=" + out.value().name();
        model.metadata.emplace_back("signature." + s.key(), text);
        if (!chosen || s.key() == "serving_default")
            chosen = &s.value();
    }
    if (!chosen)
        return;
    // The signature's outputs are the graph's; its inputs, which are
    // Placeholders already, take the signature's order.
    std::vector<Value*> ordered;
    for (const auto& in : chosen->inputs())
        if (Value* v = graph.findValue(in.value().name()); v && graph.isInput(v))
            ordered.push_back(v);
    for (Value* v : graph.inputs)
        if (std::find(ordered.begin(), ordered.end(), v) == ordered.end())
            ordered.push_back(v);
    graph.inputs = ordered;
    for (const auto& out : chosen->outputs()) {
        const auto [src, k] = splitInput(out.value().name());
        Value* v = graph.findValue(outputName(src, k));
        if (!v)
            throw Error(name_ + ": signature output '" + out.key() + "' names '" + out.value().name()
                + "', which no node produces");
        if (!graph.isOutput(v))
            graph.outputs.push_back(v);
    }
}

void TensorflowImporter::importFunctions(Model& model)
{
    const tf::GraphDef& def = *doc_->graph;
    const std::shared_ptr<const void> keepAlive = doc_->root;
    for (int fi = 0; fi < def.library().function_size(); ++fi) {
        const auto& fn = def.library().function(fi);
        const std::string fname = fn.signature().name();
        if (fname.empty())
            throw Error(name_ + ": library function " + std::to_string(fi) + " has no name");
        Function f;
        f.name = fname;
        f.docString = fn.signature().summary();
        f.graph = std::make_shared<Graph>(fname);
        Graph& g = *f.graph;
        for (const auto& arg : fn.signature().input_arg()) {
            Value* v = g.value(arg.name());
            v->type.kind = ValueType::Kind::Tensor;
            if (arg.type() != tf::DT_INVALID)
                v->type.elementType = fromTfDataType(arg.type());
            g.inputs.push_back(v);
        }
        for (const auto& a : fn.signature().attr())
            f.attributeNames.push_back(a.name());
        // Inside a function, inputs read "arg", "node:out_arg:k" or "^node";
        // a node's outputs are the names its consumers and the returns use.
        std::map<std::string, std::set<std::string>> produced;
        auto note = [&](const std::string& ref) {
            const auto colon = ref.find(':');
            if (colon != std::string::npos)
                produced[ref.substr(0, colon)].insert(ref);
        };
        for (const auto& n : fn.node_def())
            for (const auto& in : n.input())
                if (!in.empty() && in[0] != '^')
                    note(in);
        for (const auto& r : fn.ret())
            note(r.value());
        std::set<std::string> nodeNames;
        for (const auto& n : fn.node_def())
            if (!nodeNames.insert(n.name()).second || n.name().empty())
                throw Error(name_ + ": function '" + fname + "' has two nodes named '" + n.name() + "'");
        for (int k = 0; k < fn.node_def_size(); ++k) {
            const auto& n = fn.node_def(k);
            Node* node = g.addNode(n.op(), n.name());
            std::vector<std::string> control;
            for (const auto& in : n.input()) {
                if (in.empty())
                    throw Error(name_ + ": function '" + fname + "' node '" + n.name() + "' has an empty input");
                if (in[0] == '^')
                    control.push_back(in.substr(1));
                else
                    g.addInput(node, g.value(in));
            }
            AttrContext ctx { *doc_, keepAlive, fi, k, name_ + ": function '" + fname + "' node '" + n.name() + "'",
                fname + "/" + n.name() };
            for (const auto& a : n.attr())
                node->attributes.push_back(convertAttr(a.key(), a.value(), ctx));
            if (!control.empty()) {
                Attribute a;
                a.name = "_control_inputs";
                a.type = AttributeType::Strings;
                a.strings = std::move(control);
                node->attributes.push_back(std::move(a));
            }
            if (const auto it = produced.find(n.name()); it != produced.end())
                for (const auto& out : it->second)
                    g.addOutput(node, g.value(out));
        }
        for (const auto& r : fn.ret())
            g.outputs.push_back(g.value(r.value()));
        model.functions.push_back(std::move(f));
    }
}

void TensorflowImporter::importVariables(Model& model)
{
    if (doc_->bundlePrefix.empty())
        return;
    const TensorBundle bundle = TensorBundle::read(doc_->bundlePrefix);
    Graph& graph = *model.graph;
    std::unordered_map<std::string, Node*> variableNodes;
    for (const auto& node : graph.nodes()) {
        if (node->opType != "VariableV2" && node->opType != "VarHandleOp" && node->opType != "Variable")
            continue;
        std::string key = node->name;
        if (const Attribute* shared = node->attribute("shared_name"); shared && !shared->s.empty())
            key = shared->s;
        variableNodes.emplace(key, node.get());
        variableNodes.emplace(node->name, node.get());
    }
    for (auto& t : bundle.tensors()) {
        doc_->variables.push_back({ t, t->data });
        if (graph.findValue(t->name)) {
            // A name taken by an output; the tensor is still listed, unwired.
            graph.initializers.push_back(t);
            continue;
        }
        graph.addInitializer(t);
        Value* v = graph.findValue(t->name);
        v->type = ValueType::tensor(t->dataType, Shape::of(t->dims));
        if (const auto it = variableNodes.find(t->name); it != variableNodes.end())
            graph.addInput(it->second, v);
    }
}

} // namespace nodus
