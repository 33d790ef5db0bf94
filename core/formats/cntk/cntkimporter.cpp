#include "cntkimporter.h"

#include "cntkarrayview.h"
#include "cntkoptypes.h"

#include "ir/lazytensordata.h"
#include "ir/mappedtensordata.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <unordered_set>

namespace nodus {

namespace {

using ::nodus::cntk::Dictionary;
using ::nodus::cntk::DictionaryValue;
using ::nodus::cntk::NDArrayView;
using ::nodus::cntk::Vector;

constexpr int kMaxDepth = 64;
// More outputs than any CNTK op has; guards against "<uid>_Output_99999999".
constexpr std::size_t kMaxOutputs = 1 << 16;

// CNTK's VariableKind.
enum VariableKind : std::uint64_t { Input = 0, Output = 1, Parameter = 2, Constant = 3, Placeholder = 4 };

// Static axis indices CNTK reserves for axes that are not static ones.
constexpr std::int32_t kDynamicAxisIndex = std::numeric_limits<std::int32_t>::max();

// Text fields are bytes in our schema (see cntk.proto); CNTK on Windows
// wrote the legacy code page. Valid UTF-8 passes; anything else is read as
// Latin-1, which maps every byte to some character and never fails.
bool isUtf8(const std::string& s)
{
    std::size_t k = 0;
    while (k < s.size()) {
        const auto c = static_cast<unsigned char>(s[k]);
        const std::size_t extra = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 4;
        if (extra == 4 || s.size() - k - 1 < extra)
            return false;
        for (std::size_t e = 1; e <= extra; ++e)
            if ((static_cast<unsigned char>(s[k + e]) & 0xc0) != 0x80)
                return false;
        k += extra + 1;
    }
    return true;
}

std::string displayText(const std::string& bytes)
{
    const bool valid = isUtf8(bytes);
    if (valid)
        return bytes;
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char ch : bytes) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x80) {
            out.push_back(ch);
        } else {
            out.push_back(static_cast<char>(0xc0 | (c >> 6)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
        }
    }
    return out;
}

// CNTK's Dictionary is a hash map filled by assignment: of two entries with
// one key, the later wins.
const DictionaryValue* find(const Dictionary& dict, std::string_view key)
{
    for (int k = dict.data_size() - 1; k >= 0; --k)
        if (dict.data(k).key() == key)
            return &dict.data(k).value();
    return nullptr;
}

std::optional<std::string> text(const DictionaryValue* v)
{
    if (!v || v->value_case() != DictionaryValue::kStringValue)
        return std::nullopt;
    return displayText(v->string_value());
}

std::optional<std::uint64_t> number(const DictionaryValue* v)
{
    if (!v)
        return std::nullopt;
    switch (v->value_case()) {
    case DictionaryValue::kSizeTValue: return v->size_t_value();
    case DictionaryValue::kBoolValue: return v->bool_value() ? 1 : 0;
    case DictionaryValue::kIntValue:
        if (v->int_value() >= 0)
            return static_cast<std::uint64_t>(v->int_value());
        return std::nullopt;
    default: return std::nullopt;
    }
}

const Vector* list(const DictionaryValue* v)
{
    return v && v->value_case() == DictionaryValue::kVectorValue ? &v->vector_value() : nullptr;
}

const Dictionary* dictionary(const DictionaryValue* v)
{
    return v && v->value_case() == DictionaryValue::kDictionaryValue ? &v->dictionary_value() : nullptr;
}

// How a dynamic axis shows as a dim: CNTK's own notation, "#" for the batch
// axis and "*" for the default sequence axis; other axes by their name.
std::string axisSymbol(const ::nodus::cntk::Axis& axis)
{
    const std::string name = displayText(axis.name());
    if (name == "defaultBatchAxis")
        return "#";
    if (name == "defaultDynamicAxis")
        return "*";
    if (name.empty())
        return axis.is_ordered_dynamic_axis() ? "*" : "#";
    return name;
}

std::string shapeText(const std::vector<std::int64_t>& dims)
{
    std::string s = "[";
    for (std::size_t k = 0; k < dims.size(); ++k)
        s += (k ? "," : "") + std::to_string(dims[k]);
    return s + "]";
}

std::string valueText(const DictionaryValue& v, int depth = 0);

std::string listText(const Vector& vec, int depth)
{
    std::string s = "[";
    for (int k = 0; k < vec.value_size(); ++k) {
        if (k)
            s += ", ";
        if (k == 16) {
            s += "... (" + std::to_string(vec.value_size()) + " items)";
            break;
        }
        s += valueText(vec.value(k), depth + 1);
    }
    return s + "]";
}

// Short text of a value no IR attribute type fits (nested dictionaries,
// mixed vectors); only shown, never written back.
std::string valueText(const DictionaryValue& v, int depth)
{
    if (depth > 8)
        return "...";
    switch (v.value_case()) {
    case DictionaryValue::kBoolValue: return v.bool_value() ? "true" : "false";
    case DictionaryValue::kIntValue: return std::to_string(v.int_value());
    case DictionaryValue::kSizeTValue: return std::to_string(v.size_t_value());
    case DictionaryValue::kFloatValue: return std::to_string(v.float_value());
    case DictionaryValue::kDoubleValue: return std::to_string(v.double_value());
    case DictionaryValue::kStringValue: return "'" + displayText(v.string_value()) + "'";
    case DictionaryValue::kNdShapeValue: return cntkRowMajorShape(v.nd_shape_value()).toString();
    case DictionaryValue::kAxisValue:
        return v.axis_value().static_axis_idx() == kDynamicAxisIndex
            ? axisSymbol(v.axis_value())
            : "axis " + std::to_string(v.axis_value().static_axis_idx());
    case DictionaryValue::kVectorValue: return listText(v.vector_value(), depth);
    case DictionaryValue::kDictionaryValue: {
        std::string s = "{";
        const auto& d = v.dictionary_value();
        for (int k = 0; k < d.data_size(); ++k)
            s += (k ? ", " : "") + displayText(d.data(k).key()) + ": " + valueText(d.data(k).value(), depth + 1);
        return s + "}";
    }
    case DictionaryValue::kNdArrayViewValue: return "<array>";
    case DictionaryValue::VALUE_NOT_SET: break;
    }
    return v.value_type() == DictionaryValue::None ? "None" : "<type " + std::to_string(v.value_type()) + ">";
}

bool isInteger(const DictionaryValue& v)
{
    const auto c = v.value_case();
    return c == DictionaryValue::kBoolValue || c == DictionaryValue::kIntValue || c == DictionaryValue::kSizeTValue;
}

std::int64_t integerOf(const DictionaryValue& v)
{
    switch (v.value_case()) {
    case DictionaryValue::kBoolValue: return v.bool_value() ? 1 : 0;
    case DictionaryValue::kIntValue: return v.int_value();
    // size_t sentinels (SIZE_MAX and below) read as small negatives, as
    // CNTK's own Python API shows them.
    case DictionaryValue::kSizeTValue: return static_cast<std::int64_t>(v.size_t_value());
    default: return 0;
    }
}

bool isStaticAxis(const DictionaryValue& v)
{
    return v.value_case() == DictionaryValue::kAxisValue && v.axis_value().static_axis_idx() >= 0
        && v.axis_value().static_axis_idx() < kDynamicAxisIndex - 8;
}

} // namespace

CntkImporter::CntkImporter(std::shared_ptr<CntkDocument> doc)
    : doc_(std::move(doc))
{
}

void CntkImporter::fail(const std::string& what) const
{
    throw Error(doc_->file->path().string() + ": " + what);
}

void CntkImporter::checkIsModel() const
{
    const Dictionary& root = doc_->proto;
    const auto type = text(find(root, "type"));
    if (type && *type == "CompositeFunction")
        return;
    if (type && (*type == "Learner" || type->find("Learner") != std::string::npos))
        fail("this is a CNTK learner checkpoint, not a model");
    if (type)
        fail("this is a CNTK " + *type + " dictionary, not a model (a model's root is a CompositeFunction)");
    if (find(root, "learners"))
        fail("this is a CNTK trainer checkpoint, not a model (the model is the file of the same name without "
             "the .ckp suffix)");
    std::string keys;
    for (int k = 0; k < root.data_size() && k < 8; ++k)
        keys += (k ? ", " : "") + displayText(root.data(k).key());
    if (root.data_size() > 8)
        keys += ", ...";
    fail("this is a serialized CNTK Dictionary, not a model: it has no \"type\" entry naming a function"
         + (keys.empty() ? std::string(" (it is empty)") : " (its keys: " + keys + ")"));
}

std::unique_ptr<Model> CntkImporter::import()
{
    checkIsModel();
    const Dictionary& root = doc_->proto;
    readVariables();
    readFunctions();
    const auto rootUid = text(find(root, "root"));
    if (!rootUid)
        fail("the model does not name its root function (no \"root\" entry)");
    root_ = *rootUid;
    if (!functionIndex_.count(root_))
        fail("the model's root function '" + root_ + "' is not among its primitive functions");
    resolveOutputs();
    assignOwners();

    auto model = std::make_unique<Model>();
    model->format = "cntk";
    model->sourcePath = doc_->file->path();
    model->producerName = "CNTK";
    const std::string uid = text(find(root, "uid")).value_or("");
    const std::string name = text(find(root, "name")).value_or("");
    if (!uid.empty())
        model->metadata.emplace_back("uid", uid);
    if (auto version = number(find(root, "version")))
        model->metadata.emplace_back("serialization_version", std::to_string(*version));

    Graph& graph = *model->graph;
    graph.name = !name.empty() ? name : uid;
    for (const Variable& v : variables_) {
        if ((v.kind != Parameter && v.kind != Constant) || !v.value)
            continue;
        const std::string doc = std::string(v.kind == Parameter ? "parameter" : "constant")
            + (v.name.empty() ? std::string() : " '" + v.name + "'");
        graph.addInitializer(makeTensor(*v.value, v.uid, doc));
        value(graph, v.uid);
    }
    buildScope(-1, graph, 0);
    model->native = doc_;
    return model;
}

void CntkImporter::readVariables()
{
    const Vector* inputs = list(find(doc_->proto, "inputs"));
    if (!inputs)
        fail("the model has no \"inputs\" list of variables");
    variables_.reserve(inputs->value_size());
    for (int k = 0; k < inputs->value_size(); ++k) {
        const Dictionary* d = dictionary(&inputs->value(k));
        if (!d)
            fail("entry " + std::to_string(k) + " of \"inputs\" is not a variable");
        Variable v;
        const auto uid = text(find(*d, "uid"));
        if (!uid || uid->empty())
            fail("variable " + std::to_string(k) + " of \"inputs\" has no uid");
        v.uid = *uid;
        v.name = text(find(*d, "name")).value_or("");
        v.kind = number(find(*d, "kind")).value_or(Input);
        if (auto t = number(find(*d, "data_type")))
            v.dataType = cntkElementType(*t).value_or(DataType::Undefined);
        if (const auto* s = find(*d, "shape"); s && s->value_case() == DictionaryValue::kNdShapeValue)
            v.shape = &s->nd_shape_value();
        if (const Vector* axes = list(find(*d, "dynamic_axis")))
            for (const auto& a : axes->value())
                if (a.value_case() == DictionaryValue::kAxisValue)
                    v.dynamicAxes.push_back(axisSymbol(a.axis_value()));
        v.sparse = number(find(*d, "is_sparse")).value_or(0) != 0;
        if (const auto* value = find(*d, "value"); value && value->value_case() == DictionaryValue::kNdArrayViewValue)
            v.value = &value->nd_array_view_value();
        if (!variableIndex_.emplace(v.uid, variables_.size()).second)
            fail("two variables share the uid '" + v.uid + "'");
        variables_.push_back(std::move(v));
    }
}

void CntkImporter::readFunctions()
{
    const Vector* fns = list(find(doc_->proto, "primitive_functions"));
    if (!fns)
        fail("the model has no \"primitive_functions\" list");
    functions_.reserve(fns->value_size());
    for (int k = 0; k < fns->value_size(); ++k) {
        const Dictionary* d = dictionary(&fns->value(k));
        if (!d)
            fail("entry " + std::to_string(k) + " of \"primitive_functions\" is not a function");
        Function f;
        const auto uid = text(find(*d, "uid"));
        if (!uid || uid->empty())
            fail("primitive function " + std::to_string(k) + " has no uid");
        f.uid = *uid;
        f.name = text(find(*d, "name")).value_or("");
        if (const auto* op = find(*d, "op")) {
            const auto code = number(op);
            if (!code)
                fail("function '" + f.uid + "': its \"op\" is not an op number");
            f.op = *code;
            f.opType = std::string(cntkPrimitiveOpName(*code));
            if (f.opType.empty())
                f.opType = "PrimitiveOp" + std::to_string(*code);
        } else {
            // A user-defined function (Python or C++ class) has no op number.
            f.opType = text(find(*d, "op_name")).value_or(text(find(*d, "type")).value_or("UserFunction"));
            f.userState = dictionary(find(*d, "user_defined_state"));
        }
        if (const auto* in = find(*d, "inputs")) {
            const Vector* inputs = list(in);
            if (!inputs)
                fail("function '" + f.uid + "': its \"inputs\" is not a list");
            for (int i = 0; i < inputs->value_size(); ++i) {
                auto ref = text(&inputs->value(i));
                if (!ref)
                    fail("function '" + f.uid + "': input " + std::to_string(i) + " is not a variable uid");
                f.inputs.push_back(std::move(*ref));
            }
        }
        f.attributes = dictionary(find(*d, "attributes"));
        if (f.op == cntkop::Block) {
            if (const Dictionary* composite = dictionary(find(*d, "block_function_composite")))
                f.blockRoot = text(find(*composite, "root")).value_or("");
            if (auto opName = text(find(*d, "block_function_op_name")); opName && !opName->empty())
                f.opType = *opName;
            auto strings = [&](const char* key, std::vector<std::string>& out) {
                if (const Vector* v = list(find(*d, key)))
                    for (const auto& item : v->value())
                        out.push_back(text(&item).value_or(""));
            };
            strings("block_function_composite_arguments_map_keys", f.argumentKeys);
            strings("block_function_composite_arguments_map_values", f.argumentValues);
            if (f.argumentKeys.size() != f.argumentValues.size())
                fail("block function '" + f.uid + "': its argument map has " + std::to_string(f.argumentKeys.size())
                     + " keys but " + std::to_string(f.argumentValues.size()) + " values");
            // Files from before the two lists: one dictionary, placeholder -> argument.
            if (f.argumentKeys.empty())
                if (const Dictionary* map = dictionary(find(*d, "block_function_composite_arguments_map")))
                    for (const auto& e : map->data())
                        if (auto v = text(&e.value())) {
                            f.argumentKeys.push_back(displayText(e.key()));
                            f.argumentValues.push_back(*v);
                        }
        }
        if (!functionIndex_.emplace(f.uid, functions_.size()).second)
            fail("two primitive functions share the uid '" + f.uid + "'");
        functions_.push_back(std::move(f));
    }
}

std::optional<std::pair<std::size_t, std::size_t>> CntkImporter::outputReference(const std::string& ref) const
{
    static constexpr std::string_view kSeparator = "_Output_";
    const auto at = ref.rfind(kSeparator);
    if (at == std::string::npos)
        return std::nullopt;
    const auto it = functionIndex_.find(ref.substr(0, at));
    if (it == functionIndex_.end())
        return std::nullopt;
    std::size_t index = 0;
    const char* first = ref.data() + at + kSeparator.size();
    const char* last = ref.data() + ref.size();
    const auto [ptr, ec] = std::from_chars(first, last, index);
    if (ec != std::errc() || ptr != last || first == last || index >= kMaxOutputs)
        return std::nullopt;
    return std::make_pair(it->second, index);
}

void CntkImporter::resolveOutputs()
{
    for (Function& f : functions_) {
        f.producers.reserve(f.inputs.size());
        for (const auto& ref : f.inputs) {
            const auto p = outputReference(ref);
            f.producers.push_back(p ? static_cast<int>(p->first) : -1);
        }
    }
    auto mention = [this](const std::string& ref) {
        if (auto p = outputReference(ref))
            functions_[p->first].outputs = std::max(functions_[p->first].outputs, p->second + 1);
    };
    for (const Function& f : functions_) {
        for (const auto& ref : f.inputs)
            mention(ref);
        for (const auto& ref : f.argumentValues)
            mention(ref);
    }
    // A Combine passes its inputs through, one output each; a Block has the
    // outputs of its body's root. Blocks may nest, so repeat until settled
    // (each round can only raise counts, bounded by kMaxOutputs).
    for (Function& f : functions_)
        if (f.op == cntkop::Combine)
            f.outputs = std::clamp(f.inputs.size(), f.outputs, kMaxOutputs);
    for (int round = 0; round < kMaxDepth; ++round) {
        bool changed = false;
        for (Function& f : functions_) {
            if (f.op != cntkop::Block)
                continue;
            const auto it = functionIndex_.find(f.blockRoot);
            if (it != functionIndex_.end() && functions_[it->second].outputs > f.outputs) {
                f.outputs = functions_[it->second].outputs;
                changed = true;
            }
        }
        if (!changed)
            break;
    }
}

void CntkImporter::assignOwners()
{
    // Blocks in file order; each claims the functions reachable backwards
    // from its body's root that no block has claimed yet, stopping at its
    // own argument placeholders. A Block met on the way is claimed with its
    // inputs followed, not its body, so nested bodies stay with their block.
    std::vector<bool> claimed(functions_.size(), false);
    for (std::size_t b = 0; b < functions_.size(); ++b) {
        const Function& block = functions_[b];
        if (block.op != cntkop::Block)
            continue;
        const std::unordered_set<std::string> arguments(block.argumentKeys.begin(), block.argumentKeys.end());
        std::vector<std::size_t> stack;
        if (auto it = functionIndex_.find(block.blockRoot); it != functionIndex_.end())
            stack.push_back(it->second);
        while (!stack.empty()) {
            const std::size_t u = stack.back();
            stack.pop_back();
            if (u == b || claimed[u])
                continue;
            claimed[u] = true;
            functions_[u].owner = static_cast<int>(b);
            const Function& f = functions_[u];
            for (std::size_t i = 0; i < f.inputs.size(); ++i)
                if (f.producers[i] >= 0 && !arguments.count(f.inputs[i]))
                    stack.push_back(static_cast<std::size_t>(f.producers[i]));
        }
    }
    // The root function is the graph's output: it belongs to the root graph
    // whatever a malformed block claimed.
    functions_[functionIndex_.at(root_)].owner = -1;
    for (std::size_t k = 0; k < functions_.size(); ++k) {
        int owner = functions_[k].owner;
        for (int depth = 0; owner >= 0; ++depth) {
            if (depth > kMaxDepth)
                fail("block functions are nested more than " + std::to_string(kMaxDepth) + " deep");
            if (owner == static_cast<int>(k))
                fail("block function '" + functions_[k].uid + "' contains itself");
            owner = functions_[owner].owner;
        }
    }
}

std::vector<std::size_t> CntkImporter::topologicalOrder(int scope) const
{
    // Depth-first from each member in file order: producers first, file
    // order otherwise. A recurrence (PastValue/FutureValue loop) meets a
    // function still on the stack; that edge is simply not followed.
    std::vector<std::size_t> order;
    std::vector<std::uint8_t> state(functions_.size(), 0); // 0 new, 1 on the stack, 2 placed
    std::vector<std::pair<std::size_t, std::size_t>> stack;
    for (std::size_t m = 0; m < functions_.size(); ++m) {
        if (functions_[m].owner != scope || state[m])
            continue;
        state[m] = 1;
        stack.emplace_back(m, 0);
        while (!stack.empty()) {
            auto& [u, next] = stack.back();
            const Function& f = functions_[u];
            if (next < f.producers.size()) {
                const int p = f.producers[next++];
                if (p >= 0 && functions_[p].owner == scope && state[p] == 0) {
                    state[p] = 1;
                    stack.emplace_back(static_cast<std::size_t>(p), 0);
                }
                continue;
            }
            state[u] = 2;
            order.push_back(u);
            stack.pop_back();
        }
    }
    return order;
}

void CntkImporter::buildScope(int scope, Graph& graph, int depth)
{
    if (depth > kMaxDepth)
        fail("block functions are nested more than " + std::to_string(kMaxDepth) + " deep");
    for (std::size_t index : topologicalOrder(scope))
        buildNode(index, graph, depth);

    const std::string& rootUid = scope < 0 ? root_ : functions_[scope].blockRoot;
    if (auto it = functionIndex_.find(rootUid); it != functionIndex_.end())
        for (std::size_t k = 0; k < functions_[it->second].outputs; ++k)
            graph.outputs.push_back(value(graph, rootUid + "_Output_" + std::to_string(k)));

    if (scope < 0) {
        for (const Variable& v : variables_)
            if (v.kind == Input)
                graph.inputs.push_back(value(graph, v.uid));
        // Placeholders left unbound in a saved composite are what a caller
        // must still supply; those standing for function outputs are not.
        for (const Variable& v : variables_) {
            if (v.kind != Placeholder || outputReference(v.uid))
                continue;
            if (Value* x = graph.findValue(v.uid); x && !x->producer() && !x->users().empty())
                graph.inputs.push_back(x);
        }
        return;
    }
    for (const auto& key : functions_[scope].argumentKeys)
        if (!key.empty())
            graph.inputs.push_back(value(graph, key));
    for (const auto& v : graph.values())
        if (!v->producer() && !v->initializer && !graph.isInput(v.get()))
            v->fromOuterScope = true;
}

void CntkImporter::buildNode(std::size_t index, Graph& graph, int depth)
{
    const Function& f = functions_[index];
    Node* node = graph.addNode(f.opType, f.name.empty() ? f.uid : f.name);
    node->metadata.emplace_back("uid", f.uid);
    for (const auto& ref : f.inputs)
        graph.addInput(node, value(graph, ref));
    for (std::size_t k = 0; k < f.outputs; ++k)
        graph.addOutput(node, value(graph, f.uid + "_Output_" + std::to_string(k)));

    auto addAttributes = [&](const Dictionary* d) {
        if (!d)
            return;
        // Map order on disk is CNTK's hash order: sort for a stable view.
        std::vector<const ::nodus::cntk::Dictionary::Entry*> entries;
        for (const auto& e : d->data())
            entries.push_back(&e);
        std::stable_sort(entries.begin(), entries.end(), [](auto* a, auto* b) { return a->key() < b->key(); });
        for (const auto* e : entries) {
            const std::string name = displayText(e->key());
            if (node->attribute(name))
                continue;
            node->attributes.push_back(makeAttribute(name, e->value(), f.uid + "/" + name));
        }
    };
    addAttributes(f.attributes);
    addAttributes(f.userState);

    if (f.op == cntkop::PastValue || f.op == cntkop::FutureValue) {
        const bool past = f.op == cntkop::PastValue;
        node->metadata.emplace_back("recurrence", past ? "past" : "future");
        node->docString = std::string("Recurrence: reads its first input ") + (past ? "from earlier" : "from later")
            + " steps of the sequence (the second input fills the steps before the sequence "
            + (past ? "starts" : "ends") + "). The edge into it closes a loop in the graph.";
    }
    if (f.op == cntkop::Block) {
        node->metadata.emplace_back("primitive_op", "Block");
        // Which outer value each of the body's placeholders stands for.
        for (std::size_t k = 0; k < f.argumentKeys.size(); ++k)
            node->metadata.emplace_back("argument " + f.argumentKeys[k], f.argumentValues[k]);
        auto body = std::make_shared<Graph>(f.opType.empty() ? f.uid : f.opType, &graph);
        buildScope(static_cast<int>(index), *body, depth + 1);
        Attribute a;
        a.name = "block";
        a.type = AttributeType::Graph;
        a.docString = "The block's body: the composite function it stands for";
        a.graphs.push_back(std::move(body));
        node->attributes.push_back(std::move(a));
    }
}

Value* CntkImporter::value(Graph& graph, const std::string& name) const
{
    Value* v = graph.value(name);
    if (v->type.kind == ValueType::Kind::Unknown) {
        if (auto it = variableIndex_.find(name); it != variableIndex_.end()) {
            const Variable& var = variables_[it->second];
            v->type = variableType(var);
            if (!var.name.empty())
                v->docString = var.name;
        }
    }
    return v;
}

ValueType CntkImporter::variableType(const Variable& v) const
{
    ValueType t;
    t.kind = v.sparse ? ValueType::Kind::SparseTensor : ValueType::Kind::Tensor;
    t.elementType = v.dataType;
    if (!v.shape)
        return t;
    Shape staticShape = cntkRowMajorShape(*v.shape);
    if (!staticShape.rankKnown) {
        t.shape = staticShape;
        return t;
    }
    // Dynamic axes (sequence, batch) are outermost in CNTK's column-major
    // layout, so they lead the row-major shape, in reverse: [#, *, ...].
    for (auto it = v.dynamicAxes.rbegin(); it != v.dynamicAxes.rend(); ++it)
        t.shape.dims.push_back(Dim::symbolic(*it));
    t.shape.dims.insert(t.shape.dims.end(), staticShape.dims.begin(), staticShape.dims.end());
    t.shape.rankKnown = true;
    return t;
}

std::shared_ptr<Tensor> CntkImporter::makeTensor(const NDArrayView& view, const std::string& name,
                                                 const std::string& docString)
{
    auto t = std::make_shared<Tensor>();
    t->name = name;
    t->docString = docString;
    const auto type = cntkElementType(view.data_type());
    if (!type || *type == DataType::UInt8)
        fail("tensor '" + name + "' has element type " + std::to_string(view.data_type())
             + ", which CNTK arrays do not use (1 float, 2 double, 4 float16, 5 int8, 6 int16)");
    t->dataType = *type;
    const auto dims = cntkTensorDims(view.shape());
    if (!dims)
        fail("tensor '" + name + "' has a shape with an undetermined or oversized dimension");
    t->dims = *dims;
    const std::uint64_t count = *elementCount(t->dims);
    const std::uint64_t stored = cntkStoredElementCount(view);
    if (stored != count)
        fail("tensor '" + name + "': its shape " + shapeText(t->dims) + " holds " + std::to_string(count)
             + " elements but the file stores " + std::to_string(stored)
             + (stored == 0 ? " (the elements may follow the protobuf, as CNTK writes models over 2 GB)" : ""));
    using V = NDArrayView;
    const auto expectedField = [&] {
        switch (t->dataType) {
        case DataType::Float:
        case DataType::Float16: return V::kFloatValues;
        case DataType::Double: return V::kDoubleValues;
        case DataType::Int8: return V::kBytesValue;
        default: return V::kSint32Values;
        }
    }();
    if (count > 0 && view.values_case() != expectedField)
        fail("tensor '" + name + "': its " + std::string(dataTypeName(t->dataType))
             + " elements are stored in the field of another element type");
    // CNTK's serializer writes every array's elements densely (it reads them
    // through the dense DataBuffer), so a sparse storage format only says how
    // CNTK held the array in memory: the tensor is shown dense.
    if (view.storage_format() != V::Dense)
        t->docString += std::string(t->docString.empty() ? "" : "; ") + "held sparse ("
            + (view.storage_format() == V::SparseCSC ? "CSC" : "block column") + ") by CNTK, stored dense";

    const std::uint64_t width = static_cast<std::uint64_t>(dataTypeBits(t->dataType) / 8);
    const auto payload = doc_->payloads.find(&view);
    // The document is ours: once a tensor maps its elements straight from
    // the file, the parsed copy is dropped so a model is not held twice.
    auto& mutableView = const_cast<V&>(view);
    if (payload != doc_->payloads.end() && t->dataType != DataType::Int16) {
        const auto& range = payload->second;
        const std::uint64_t wireWidth = t->dataType == DataType::Float16 ? 4 : width;
        if (range.length == count * wireWidth) {
            if (t->dataType == DataType::Float16) {
                auto file = doc_->file;
                const CntkDocument::Range r = range;
                t->data = std::make_shared<LazyTensorData>(count * 2, [file, r, count] {
                    return cntkNarrowFloats(file->bytes().subspan(r.offset, r.length), count);
                });
            } else {
                t->data = std::make_shared<MappedTensorData>(FileRegion{doc_->file, range.offset, range.length});
            }
            mutableView.clear_values();
        }
    }
    if (!t->data) {
        // Decoded on first use; the weak pointer avoids a tensor<->document cycle.
        std::weak_ptr<const CntkDocument> weak = doc_;
        const V* source = &view;
        const DataType type2 = t->dataType;
        t->data = std::make_shared<LazyTensorData>(count * width, [weak, source, type2, name] {
            auto doc = weak.lock();
            if (!doc)
                throw Error("tensor '" + name + "': its model has been closed");
            return cntkDecodeValues(*source, type2);
        });
    }
    doc_->tensors[&view] = t;
    doc_->originalData[&view] = t->data;
    return t;
}

Attribute CntkImporter::makeAttribute(const std::string& name, const DictionaryValue& v, const std::string& tensorName)
{
    Attribute a;
    a.name = name;
    switch (v.value_case()) {
    case DictionaryValue::kBoolValue:
    case DictionaryValue::kIntValue:
    case DictionaryValue::kSizeTValue:
        a.type = AttributeType::Int;
        a.i = integerOf(v);
        break;
    case DictionaryValue::kFloatValue:
        a.type = AttributeType::Float;
        a.f = v.float_value();
        break;
    case DictionaryValue::kDoubleValue:
        a.type = AttributeType::Float;
        a.f = v.double_value();
        break;
    case DictionaryValue::kStringValue:
        a.type = AttributeType::String;
        a.s = displayText(v.string_value());
        break;
    case DictionaryValue::kNdShapeValue: {
        // Row-major like every tensor shape here (CNTK's order reversed);
        // sentinel dims read as negative numbers.
        a.type = AttributeType::Ints;
        const auto& dims = v.nd_shape_value().shape_dim();
        for (auto it = dims.rbegin(); it != dims.rend(); ++it)
            a.ints.push_back(static_cast<std::int64_t>(*it));
        a.docString = "shape, row-major (CNTK's column-major order reversed)";
        break;
    }
    case DictionaryValue::kAxisValue:
        if (isStaticAxis(v)) {
            a.type = AttributeType::Int;
            a.i = v.axis_value().static_axis_idx();
            a.docString = "CNTK static axis index, counted column-major (0 is the innermost, last row-major axis)";
        } else {
            a.type = AttributeType::String;
            a.s = valueText(v);
            a.docString = "CNTK axis";
        }
        break;
    case DictionaryValue::kVectorValue: {
        const auto& items = v.vector_value().value();
        const bool allInts = std::all_of(items.begin(), items.end(), isInteger);
        const bool allNumbers = std::all_of(items.begin(), items.end(), [](const DictionaryValue& x) {
            return isInteger(x) || x.value_case() == DictionaryValue::kFloatValue
                || x.value_case() == DictionaryValue::kDoubleValue;
        });
        const bool allAxes = !items.empty() && std::all_of(items.begin(), items.end(), isStaticAxis);
        if (!items.empty() && (allInts || allAxes)) {
            a.type = AttributeType::Ints;
            for (const auto& x : items)
                a.ints.push_back(allAxes ? x.axis_value().static_axis_idx() : integerOf(x));
            if (allAxes)
                a.docString = "CNTK static axis indices, counted column-major";
        } else if (!items.empty() && allNumbers) {
            a.type = AttributeType::Floats;
            for (const auto& x : items)
                a.floats.push_back(x.value_case() == DictionaryValue::kFloatValue    ? x.float_value()
                                       : x.value_case() == DictionaryValue::kDoubleValue ? x.double_value()
                                                                                          : integerOf(x));
        } else {
            a.type = AttributeType::Strings;
            for (const auto& x : items)
                a.strings.push_back(x.value_case() == DictionaryValue::kStringValue ? displayText(x.string_value())
                                                                                    : valueText(x));
        }
        break;
    }
    case DictionaryValue::kNdArrayViewValue:
        a.type = AttributeType::Tensor;
        a.tensors.push_back(makeTensor(v.nd_array_view_value(), tensorName, "attribute"));
        break;
    case DictionaryValue::kDictionaryValue:
    case DictionaryValue::VALUE_NOT_SET:
        a.type = AttributeType::String;
        a.s = valueText(v);
        break;
    }
    return a;
}

} // namespace nodus
