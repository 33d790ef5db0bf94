#include "torchscriptgraph.h"

#include "torchscriptcode.h"

#include "ir/tensor.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>

namespace nodus {

// Generated from core/formats/pytorch/torchscript-ops.json by nodus_embed_file().
extern const unsigned char kTorchScriptOpMetadata[];
extern const std::size_t kTorchScriptOpMetadataSize;

namespace torchscript {

namespace {

// Bounds on what the code may expand to once inlined: a hostile archive
// whose functions call each other twice per level would otherwise grow
// exponentially.
constexpr int kMaxCallDepth = 48;
constexpr std::size_t kMaxNodes = 1u << 20;
constexpr std::size_t kMaxSteps = 1u << 23;
constexpr std::size_t kMaxFiles = 4096;
// Nested evaluations across inlined calls together: each level of a call can
// hold a tall expression, and their product must stay within the stack.
constexpr int kMaxEvalDepth = 1500;

std::string_view metadataText()
{
    return { reinterpret_cast<const char*>(kTorchScriptOpMetadata), kTorchScriptOpMetadataSize };
}

// Positional argument names per op, from the "arguments" lists of the JSON
// (the aten signatures' order, which OpMetadata does not keep).
const std::unordered_map<std::string, std::vector<std::string>>& signatures()
{
    static const auto table = [] {
        std::unordered_map<std::string, std::vector<std::string>> out;
        const auto doc = nlohmann::json::parse(metadataText());
        for (const auto& op : doc) {
            std::vector<std::string> args;
            if (op.contains("arguments"))
                for (const auto& a : op["arguments"])
                    args.push_back(a.get<std::string>());
            out.emplace(op["name"].get<std::string>(), std::move(args));
        }
        return out;
    }();
    return table;
}

std::string join(const std::string& path, const std::string& name)
{
    return path.empty() ? name : path + "." + name;
}

// What an expression evaluates to while the graph is built: a literal known
// now, a value of the graph (known only at run time), or a name that leads
// somewhere (a module, a method, a function, a namespace such as torch).
struct Sym {
    enum class Kind {
        None,
        Bool,
        Int,
        Float,
        String,
        List,
        Tuple,
        Value, // `value`
        Module, // `object`, `text` = attribute path
        Method, // `object`, `text` = path, `function`, `file`
        Function, // `function`, `file`
        Namespace, // `text`: "aten", "ops.prim", "__torch__.torch.nn.functional", ...
        Builtin, // `text`: "int", "len", ...
        Type, // a type expression (annotate's first argument)
        Constants, // CONSTANTS
    };
    Kind kind = Kind::None;
    bool boolean = false;
    std::int64_t integer = 0;
    double real = 0;
    std::string text;
    std::vector<Sym> items;
    nodus::Value* value = nullptr;
    const pickle::Value* object = nullptr;
    const torchscript::Function* function = nullptr;
    const File* file = nullptr;

    bool isLiteral() const
    {
        switch (kind) {
        case Kind::None:
        case Kind::Bool:
        case Kind::Int:
        case Kind::Float:
        case Kind::String:
            return true;
        case Kind::List:
        case Kind::Tuple:
            for (const auto& i : items)
                if (!i.isLiteral())
                    return false;
            return true;
        default:
            return false;
        }
    }
    bool isNumber() const { return kind == Kind::Bool || kind == Kind::Int || kind == Kind::Float; }
    double number() const { return kind == Kind::Float ? real : kind == Kind::Int ? double(integer) : double(boolean); }
};

Sym makeBool(bool b)
{
    Sym s;
    s.kind = Sym::Kind::Bool;
    s.boolean = b;
    return s;
}
Sym makeInt(std::int64_t i)
{
    Sym s;
    s.kind = Sym::Kind::Int;
    s.integer = i;
    return s;
}
Sym makeFloat(double f)
{
    Sym s;
    s.kind = Sym::Kind::Float;
    s.real = f;
    return s;
}
Sym makeKind(Sym::Kind kind, std::string text = {})
{
    Sym s;
    s.kind = kind;
    s.text = std::move(text);
    return s;
}
Sym makeValue(nodus::Value* v)
{
    Sym s;
    s.kind = Sym::Kind::Value;
    s.value = v;
    return s;
}

const pickle::Value* stateItem(const pickle::Value& object, const std::string& name)
{
    if (!object.state || object.state->kind != pickle::Value::Kind::Dict)
        return nullptr;
    for (const auto& [k, v] : object.state->entries)
        if (k->isString() && k->text == name)
            return v;
    return nullptr;
}

std::string literalText(const Sym& s)
{
    switch (s.kind) {
    case Sym::Kind::None:
        return "None";
    case Sym::Kind::Bool:
        return s.boolean ? "True" : "False";
    case Sym::Kind::Int:
        return std::to_string(s.integer);
    case Sym::Kind::Float: {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.9g", s.real);
        return buf;
    }
    case Sym::Kind::String:
        return "'" + s.text + "'";
    case Sym::Kind::List:
    case Sym::Kind::Tuple: {
        std::string out = s.kind == Sym::Kind::List ? "[" : "(";
        for (std::size_t k = 0; k < s.items.size(); ++k)
            out += (k ? ", " : "") + literalText(s.items[k]);
        return out + (s.kind == Sym::Kind::List ? "]" : ")");
    }
    default:
        return "?";
    }
}

// A literal as a node attribute: bools as ints (0/1), flat lists of numbers
// or strings as lists; anything nested as its text.
Attribute toAttribute(const std::string& name, const Sym& s)
{
    Attribute a;
    a.name = name;
    switch (s.kind) {
    case Sym::Kind::Bool:
        a.type = AttributeType::Int;
        a.i = s.boolean;
        return a;
    case Sym::Kind::Int:
        a.type = AttributeType::Int;
        a.i = s.integer;
        return a;
    case Sym::Kind::Float:
        a.type = AttributeType::Float;
        a.f = s.real;
        return a;
    case Sym::Kind::String:
        a.type = AttributeType::String;
        a.s = s.text;
        return a;
    case Sym::Kind::List:
    case Sym::Kind::Tuple: {
        bool ints = true, numbers = true, strings = true;
        for (const auto& i : s.items) {
            ints = ints && (i.kind == Sym::Kind::Int || i.kind == Sym::Kind::Bool);
            numbers = numbers && i.isNumber();
            strings = strings && i.kind == Sym::Kind::String;
        }
        if (ints) {
            a.type = AttributeType::Ints;
            for (const auto& i : s.items)
                a.ints.push_back(i.kind == Sym::Kind::Int ? i.integer : std::int64_t(i.boolean));
        } else if (numbers) {
            a.type = AttributeType::Floats;
            for (const auto& i : s.items)
                a.floats.push_back(i.number());
        } else if (strings) {
            a.type = AttributeType::Strings;
            for (const auto& i : s.items)
                a.strings.push_back(i.text);
        } else {
            a.type = AttributeType::String;
            a.s = literalText(s);
        }
        return a;
    }
    default:
        a.type = AttributeType::String;
        a.s = literalText(s);
        return a;
    }
}

class Builder {
public:
    Builder(const std::vector<std::shared_ptr<Tensor>>& tensors, const CodeLoader& load)
        : load_(load)
        , graph_(std::make_shared<Graph>())
    {
        for (const auto& t : tensors) {
            graph_->addInitializer(t);
            tensors_.emplace(t->name, t);
        }
    }

    std::shared_ptr<Graph> run(const pickle::Value& root)
    {
        file_ = "data.pkl";
        if (root.kind != pickle::Value::Kind::Object)
            fail("the saved object is not a TorchScript module");
        const auto [file, cls] = findClass(root.text);
        const Function* forward = nullptr;
        for (const auto& m : cls->methods)
            if (m.name == "forward")
                forward = &m;
        file_ = file->name;
        line_ = cls->line;
        if (!forward)
            fail("class " + cls->name + " has no forward method");
        line_ = forward->line;
        if (forward->params.empty())
            fail("forward has no self parameter");
        Frame frame;
        frame.file = file;
        Sym self = makeKind(Sym::Kind::Module);
        self.object = &root;
        frame.vars[forward->params[0].name] = self;
        for (std::size_t k = 1; k < forward->params.size(); ++k) {
            const auto& p = forward->params[k];
            nodus::Value* v = graph_->value(uniqueValueName(p.name));
            graph_->inputs.push_back(v);
            frame.vars[p.name] = makeValue(v);
        }
        const Sym result = callBody(*forward, frame);
        addOutputs(result, 0);
        return graph_;
    }

private:
    struct Frame {
        std::map<std::string, Sym> vars;
        std::string path; // module path nodes are named after
        const File* file = nullptr;
    };

    [[noreturn]] void fail(const std::string& why) const { throw CodeError { file_, line_, why }; }

    void step()
    {
        if (++steps_ > kMaxSteps)
            fail("the code expands to more than " + std::to_string(kMaxSteps) + " steps once inlined");
    }

    // ---- files and names -------------------------------------------------

    const File* fileOf(const std::string& module)
    {
        // "__torch__.torch.nn.modules.linear" -> code/__torch__/torch/nn/modules/linear.py
        std::string path = "code/";
        for (char c : module)
            path += c == '.' ? '/' : c;
        path += ".py";
        auto it = files_.find(path);
        if (it != files_.end())
            return it->second.get();
        if (files_.size() >= kMaxFiles)
            fail("the code uses more than " + std::to_string(kMaxFiles) + " files");
        std::unique_ptr<File> parsed;
        if (const auto text = load_(path))
            parsed = std::make_unique<File>(parse(*text, path));
        return files_.emplace(path, std::move(parsed)).first->second.get();
    }

    std::pair<const File*, const Class*> findClass(const std::string& qualified)
    {
        const auto dot = qualified.rfind('.');
        if (dot == std::string::npos || !qualified.starts_with("__torch__."))
            fail("class " + qualified + " is not one of the archive's classes");
        const File* file = fileOf(qualified.substr(0, dot));
        if (!file)
            fail("the archive has no code for class " + qualified);
        const Class* cls = file->findClass(qualified.substr(dot + 1));
        if (!cls)
            fail(file->name + " does not define class " + qualified.substr(dot + 1));
        return { file, cls };
    }

    std::string uniqueName(std::unordered_map<std::string, int>& used, const std::string& base, bool isValue)
    {
        int& n = used[base];
        for (;;) {
            std::string name = n == 0 ? base : base + "#" + std::to_string(n + 1);
            ++n;
            if (!isValue || !graph_->findValue(name))
                return name;
        }
    }
    std::string uniqueValueName(const std::string& base) { return uniqueName(valueNames_, base, true); }

    // ---- emitting nodes ----------------------------------------------------

    Node* addNode(const std::string& opType, const Frame& frame)
    {
        if (graph_->nodes().size() >= kMaxNodes)
            fail("the code expands to more than " + std::to_string(kMaxNodes) + " nodes");
        const std::string name = uniqueName(nodeNames_, frame.path.empty() ? opType : frame.path + "/" + opType, false);
        return graph_->addNode(opType, name);
    }

    nodus::Value* addOutput(Node* node, std::size_t index, std::size_t count)
    {
        nodus::Value* v
            = graph_->value(uniqueValueName(count == 1 ? node->name : node->name + ":" + std::to_string(index)));
        graph_->addOutput(node, v);
        fresh_.insert(v);
        return v;
    }

    // A literal where the graph needs a value: a prim::Constant.
    nodus::Value* materialize(const Sym& s, const Frame& frame)
    {
        switch (s.kind) {
        case Sym::Kind::Value:
            return s.value;
        case Sym::Kind::List:
        case Sym::Kind::Tuple:
            if (!s.isLiteral()) {
                // Items first, so nodes stay in the order they run.
                std::vector<nodus::Value*> items;
                for (const auto& item : s.items)
                    items.push_back(materialize(item, frame));
                Node* node = addNode(s.kind == Sym::Kind::List ? "prim::ListConstruct" : "prim::TupleConstruct", frame);
                for (nodus::Value* v : items)
                    graph_->addInput(node, v);
                return addOutput(node, 0, 1);
            }
            [[fallthrough]];
        case Sym::Kind::None:
        case Sym::Kind::Bool:
        case Sym::Kind::Int:
        case Sym::Kind::Float:
        case Sym::Kind::String: {
            Node* node = addNode("prim::Constant", frame);
            if (s.kind != Sym::Kind::None)
                node->attributes.push_back(toAttribute("value", s));
            return addOutput(node, 0, 1);
        }
        default:
            fail("a " + describe(s) + " is used where the graph needs a value");
        }
    }

    static std::string describe(const Sym& s)
    {
        switch (s.kind) {
        case Sym::Kind::Module:
            return "module" + (s.text.empty() ? std::string() : " (" + s.text + ")");
        case Sym::Kind::Method:
            return "method";
        case Sym::Kind::Function:
            return "function";
        case Sym::Kind::Namespace:
            return "name " + s.text;
        case Sym::Kind::Builtin:
            return "builtin " + s.text;
        case Sym::Kind::Type:
            return "type";
        case Sym::Kind::Constants:
            return "CONSTANTS table";
        default:
            return "value";
        }
    }

    // Emits `opType`: values (and lists holding values) become inputs,
    // literals attributes named after the op's signature, None is left out.
    Sym emitOp(const std::string& opType, const std::vector<Sym>& args,
        const std::vector<std::pair<std::string, Sym>>& keywords, const Frame& frame, std::size_t outputs = 1)
    {
        const auto& table = signatures();
        const auto it = table.find(opType);
        const std::vector<std::string>* names = it == table.end() ? nullptr : &it->second;
        // Inputs are materialized before the node is added, so the nodes that
        // make them (a list's ListConstruct) come first.
        std::vector<nodus::Value*> inputs;
        std::vector<Attribute> attributes;
        auto add = [&](const std::string& name, const Sym& s) {
            if (s.kind == Sym::Kind::None)
                return;
            if (s.isLiteral()) {
                for (const auto& a : attributes)
                    if (a.name == name)
                        fail(opType + " is given its argument " + name + " twice");
                attributes.push_back(toAttribute(name, s));
                return;
            }
            inputs.push_back(materialize(s, frame));
        };
        for (std::size_t k = 0; k < args.size(); ++k)
            add(names && k < names->size() ? (*names)[k] : "arg" + std::to_string(k), args[k]);
        for (const auto& [name, s] : keywords)
            add(name, s);
        Node* node = addNode(opType, frame);
        node->attributes = std::move(attributes);
        for (nodus::Value* v : inputs)
            graph_->addInput(node, v);
        if (outputs == 1)
            return makeValue(addOutput(node, 0, 1));
        Sym tuple = makeKind(Sym::Kind::Tuple);
        for (std::size_t k = 0; k < outputs; ++k)
            tuple.items.push_back(makeValue(addOutput(node, k, outputs)));
        return tuple;
    }

    void addOutputs(const Sym& result, int depth)
    {
        switch (result.kind) {
        case Sym::Kind::None:
            return;
        case Sym::Kind::Tuple:
        case Sym::Kind::List:
            if (depth == 0) {
                for (const auto& item : result.items)
                    addOutputs(item, depth + 1);
                return;
            }
            [[fallthrough]];
        default: {
            Frame root;
            nodus::Value* v = materialize(result, root);
            if (!graph_->isOutput(v))
                graph_->outputs.push_back(v);
        }
        }
    }

    // ---- calls ---------------------------------------------------------------

    Sym callBody(const Function& f, Frame& frame)
    {
        if (++callDepth_ > kMaxCallDepth)
            fail("calls nest deeper than " + std::to_string(kMaxCallDepth) + " levels");
        const std::string savedFile = file_;
        const int savedLine = line_;
        file_ = frame.file->name;
        Sym result;
        if (!execBlock(f.body, frame, result))
            result = Sym();
        file_ = savedFile;
        line_ = savedLine;
        --callDepth_;
        return result;
    }

    Sym inlineCall(const File& file, const Function& f, const Sym* self, const std::string& path, std::vector<Sym> args,
        std::vector<std::pair<std::string, Sym>> keywords)
    {
        Frame frame;
        frame.file = &file;
        frame.path = path;
        std::size_t p = 0;
        if (self) {
            if (f.params.empty())
                fail("method " + f.name + " has no self parameter");
            frame.vars[f.params[0].name] = *self;
            p = 1;
        }
        if (args.size() > f.params.size() - p)
            fail(f.name + "() takes " + std::to_string(f.params.size() - p) + " arguments, "
                + std::to_string(args.size()) + " given");
        std::vector<bool> bound(f.params.size(), false);
        for (std::size_t k = 0; k < args.size(); ++k, ++p) {
            frame.vars[f.params[p].name] = std::move(args[k]);
            bound[p] = true;
        }
        for (auto& [name, s] : keywords) {
            std::size_t k = 0;
            while (k < f.params.size() && f.params[k].name != name)
                ++k;
            if (k == f.params.size())
                fail(f.name + "() has no parameter " + name);
            frame.vars[name] = std::move(s);
            bound[k] = true;
        }
        for (std::size_t k = self ? 1 : 0; k < f.params.size(); ++k) {
            if (bound[k])
                continue;
            if (!f.params[k].defaultValue)
                fail(f.name + "() is called without its argument " + f.params[k].name);
            Frame empty;
            empty.file = &file;
            empty.path = path;
            frame.vars[f.params[k].name] = eval(*f.params[k].defaultValue, empty);
        }
        return callBody(f, frame);
    }

    Sym callModuleMethod(const Sym& method, std::vector<Sym> args, std::vector<std::pair<std::string, Sym>> keywords)
    {
        Sym self = makeKind(Sym::Kind::Module, method.text);
        self.object = method.object;
        return inlineCall(*method.file, *method.function, &self, method.text, std::move(args), std::move(keywords));
    }

    // ---- statements ----------------------------------------------------------

    // True when the block returned (`result` set).
    bool execBlock(const Block& block, Frame& frame, Sym& result)
    {
        for (const auto& s : block)
            if (exec(s, frame, result))
                return true;
        return false;
    }

    static void assignedNames(const Block& block, std::vector<std::string>& out, int depth)
    {
        if (depth > 256)
            return;
        for (const auto& s : block) {
            if (s.kind == Stmt::Kind::Assign || s.kind == Stmt::Kind::AugAssign || s.kind == Stmt::Kind::For)
                for (const auto& t : s.targets)
                    targetNames(*t, out);
            assignedNames(s.body, out, depth + 1);
            assignedNames(s.orelse, out, depth + 1);
        }
    }
    static void targetNames(const Expr& e, std::vector<std::string>& out)
    {
        if (e.kind == Expr::Kind::Name) {
            if (std::find(out.begin(), out.end(), e.text) == out.end())
                out.push_back(e.text);
        } else if (e.kind == Expr::Kind::Tuple || e.kind == Expr::Kind::List) {
            for (const auto& i : e.items)
                targetNames(*i, out);
        }
    }
    static bool containsReturn(const Block& block, int depth)
    {
        if (depth > 256)
            return true;
        for (const auto& s : block)
            if (s.kind == Stmt::Kind::Return || containsReturn(s.body, depth + 1)
                || containsReturn(s.orelse, depth + 1))
                return true;
        return false;
    }

    std::optional<bool> truth(const Sym& s)
    {
        switch (s.kind) {
        case Sym::Kind::None:
            return false;
        case Sym::Kind::Bool:
            return s.boolean;
        case Sym::Kind::Int:
            return s.integer != 0;
        case Sym::Kind::Float:
            return s.real != 0;
        case Sym::Kind::String:
            return !s.text.empty();
        case Sym::Kind::List:
        case Sym::Kind::Tuple:
            return !s.items.empty();
        case Sym::Kind::Value:
            return std::nullopt;
        default:
            return true;
        }
    }

    void assign(const Expr& target, Sym value, Frame& frame)
    {
        switch (target.kind) {
        case Expr::Kind::Name:
            if (value.kind == Sym::Kind::Value && fresh_.count(value.value)) {
                // A node output first bound to a variable is named after it.
                const std::string base = frame.path.empty() ? target.text : frame.path + "/" + target.text;
                graph_->renameValue(value.value, uniqueValueName(base));
                fresh_.erase(value.value);
            }
            frame.vars[target.text] = std::move(value);
            return;
        case Expr::Kind::Tuple:
        case Expr::Kind::List: {
            const std::size_t n = target.items.size();
            if (value.kind == Sym::Kind::Value) {
                Node* node = addNode("prim::TupleUnpack", frame);
                graph_->addInput(node, value.value);
                value = makeKind(Sym::Kind::Tuple);
                for (std::size_t k = 0; k < n; ++k)
                    value.items.push_back(makeValue(addOutput(node, k, n)));
            }
            if ((value.kind != Sym::Kind::Tuple && value.kind != Sym::Kind::List) || value.items.size() != n)
                fail("cannot unpack a " + describe(value) + " into " + std::to_string(n) + " names");
            for (std::size_t k = 0; k < n; ++k)
                assign(*target.items[k], std::move(value.items[k]), frame);
            return;
        }
        default:
            fail("assigning to attributes or items is not supported");
        }
    }

    bool exec(const Stmt& s, Frame& frame, Sym& result)
    {
        step();
        line_ = s.line;
        fresh_.clear();
        switch (s.kind) {
        case Stmt::Kind::Assign: {
            const Expr& first = *s.targets.front();
            const std::size_t want = first.kind == Expr::Kind::Tuple ? first.items.size() : 1;
            Sym value = eval(*s.value, frame, want);
            for (const auto& t : s.targets)
                assign(*t, value, frame);
            return false;
        }
        case Stmt::Kind::AugAssign: {
            const Expr& target = *s.targets.front();
            if (target.kind != Expr::Kind::Name)
                fail("augmented assignment to attributes or items is not supported");
            Sym a = eval(target, frame);
            Sym b = eval(*s.value, frame);
            assign(target, binary(s.text, a, b, frame), frame);
            return false;
        }
        case Stmt::Kind::Expression:
            (void)eval(*s.value, frame);
            return false;
        case Stmt::Kind::Return:
            result = s.value ? eval(*s.value, frame) : Sym();
            return true;
        case Stmt::Kind::Pass:
            return false;
        case Stmt::Kind::Assert: {
            const Sym c = eval(*s.value, frame);
            if (truth(c) == std::optional<bool>(false))
                fail("an assertion that always fails");
            return false;
        }
        case Stmt::Kind::Raise:
            fail("the code always raises an exception here");
        case Stmt::Kind::Break:
        case Stmt::Kind::Continue:
            fail("'break' or 'continue' outside a loop");
        case Stmt::Kind::If: {
            const Sym c = eval(*s.value, frame);
            if (const auto known = truth(c)) {
                const Block& taken = *known ? s.body : s.orelse;
                return execBlock(taken, frame, result);
            }
            if (containsReturn(s.body, 0) || containsReturn(s.orelse, 0))
                fail("a return inside an if whose condition is known only at run time");
            Node* node = addNode("prim::If", frame);
            graph_->addInput(node, c.value);
            node->docString = "Branches at " + file_ + ":" + std::to_string(s.line)
                + " are not followed: the condition is known only at run time.";
            std::vector<std::string> names;
            assignedNames(s.body, names, 0);
            assignedNames(s.orelse, names, 0);
            bindOutputs(node, names, frame);
            return false;
        }
        case Stmt::Kind::For:
        case Stmt::Kind::While: {
            std::vector<Sym> inputs;
            const Expr& head = *s.value;
            if (s.kind == Stmt::Kind::For && head.kind == Expr::Kind::Call && head.items[0]->kind == Expr::Kind::Name
                && head.items[0]->text == "range" && !frame.vars.count("range")) {
                for (std::size_t k = 1; k < head.items.size(); ++k)
                    inputs.push_back(eval(*head.items[k], frame));
            } else {
                inputs.push_back(eval(head, frame));
            }
            if (s.kind == Stmt::Kind::While && truth(inputs.front()) == std::optional<bool>(false))
                return false; // never entered
            if (containsReturn(s.body, 0))
                fail("a return inside a loop");
            std::vector<std::string> names;
            assignedNames(s.body, names, 0);
            std::vector<nodus::Value*> values;
            for (const auto& in : inputs)
                if (in.kind != Sym::Kind::None)
                    values.push_back(materialize(in, frame));
            // Loop-carried: variables the body updates that exist before it.
            for (const auto& n : names) {
                auto it = frame.vars.find(n);
                if (it != frame.vars.end() && (it->second.kind == Sym::Kind::Value || it->second.isLiteral())
                    && it->second.kind != Sym::Kind::None)
                    values.push_back(materialize(it->second, frame));
            }
            Node* node = addNode("prim::Loop", frame);
            node->docString = "The loop body at " + file_ + ":" + std::to_string(s.line) + " is not followed.";
            for (nodus::Value* v : values)
                graph_->addInput(node, v);
            bindOutputs(node, names, frame);
            return false;
        }
        }
        return false;
    }

    void bindOutputs(Node* node, const std::vector<std::string>& names, Frame& frame)
    {
        for (std::size_t k = 0; k < names.size(); ++k) {
            nodus::Value* v = addOutput(node, k, names.size());
            const std::string base = frame.path.empty() ? names[k] : frame.path + "/" + names[k];
            graph_->renameValue(v, uniqueValueName(base));
            fresh_.erase(v);
            frame.vars[names[k]] = makeValue(v);
        }
    }

    // ---- expressions ---------------------------------------------------------

    Sym lookup(const std::string& name, const Frame& frame)
    {
        if (auto it = frame.vars.find(name); it != frame.vars.end())
            return it->second;
        if (name == "torch")
            return makeKind(Sym::Kind::Namespace, "aten");
        if (name == "ops" || name == "__torch__" || name == "math")
            return makeKind(Sym::Kind::Namespace, name);
        if (name == "CONSTANTS")
            return makeKind(Sym::Kind::Constants);
        static const char* const builtins[] = { "int", "float", "bool", "len", "annotate", "unchecked_cast",
            "uninitialized", "getattr", "range", "isinstance", "str", "print", "hasattr" };
        for (const char* b : builtins)
            if (name == b)
                return makeKind(Sym::Kind::Builtin, name);
        static const char* const types[] = { "Tensor", "List", "Optional", "Tuple", "Dict", "NoneType", "Any", "Device",
            "Final", "Union", "number", "Future", "Enum" };
        for (const char* t : types)
            if (name == t)
                return makeKind(Sym::Kind::Type, name);
        fail("unknown name '" + name + "'");
    }

    Sym tensorNamed(const std::string& name)
    {
        auto it = tensors_.find(name);
        if (it == tensors_.end())
            fail("the archive has no tensor " + name);
        nodus::Value* v = graph_->findValue(name);
        if (!v)
            fail("the archive has no tensor " + name);
        return makeValue(v);
    }

    Sym fromState(const pickle::Value& item, const std::string& path, int depth)
    {
        if (depth > 8)
            fail("attribute " + path + " nests too deeply");
        switch (item.kind) {
        case pickle::Value::Kind::Object: {
            Sym m = makeKind(Sym::Kind::Module, path);
            m.object = &item;
            return m;
        }
        case pickle::Value::Kind::Tensor:
            return tensorNamed(path);
        case pickle::Value::Kind::None:
            return Sym();
        case pickle::Value::Kind::Bool:
            return makeBool(item.boolean);
        case pickle::Value::Kind::Int:
            return makeInt(item.integer);
        case pickle::Value::Kind::Float:
            return makeFloat(item.real);
        case pickle::Value::Kind::String: {
            Sym s = makeKind(Sym::Kind::String, item.text);
            return s;
        }
        case pickle::Value::Kind::List:
        case pickle::Value::Kind::Tuple: {
            Sym s = makeKind(item.kind == pickle::Value::Kind::List ? Sym::Kind::List : Sym::Kind::Tuple);
            if (item.items.size() > (1u << 16))
                fail("attribute " + path + " is a list too long to use");
            for (std::size_t k = 0; k < item.items.size(); ++k)
                s.items.push_back(fromState(*item.items[k], join(path, std::to_string(k)), depth + 1));
            return s;
        }
        default:
            fail("attribute " + path + " holds a value the graph cannot use");
        }
    }

    Sym attribute(const Sym& object, const std::string& name, const Frame& frame)
    {
        switch (object.kind) {
        case Sym::Kind::Module: {
            if (const pickle::Value* item = stateItem(*object.object, name))
                return fromState(*item, join(object.text, name), 0);
            const auto [file, cls] = findClass(object.object->text);
            for (const auto& m : cls->methods)
                if (m.name == name) {
                    Sym method = makeKind(Sym::Kind::Method, object.text);
                    method.object = object.object;
                    method.function = &m;
                    method.file = file;
                    return method;
                }
            fail("module " + (object.text.empty() ? std::string("(root)") : object.text) + " has no attribute " + name);
        }
        case Sym::Kind::Namespace:
            return makeKind(Sym::Kind::Namespace, object.text + "." + name);
        case Sym::Kind::Constants:
            if (name.size() > 1 && name[0] == 'c' && name.find_first_not_of("0123456789", 1) == std::string::npos)
                return tensorNamed("constants." + name.substr(1));
            fail("CONSTANTS has no entry " + name);
        case Sym::Kind::Value: {
            // dtype, device, shape, is_cuda...: prim ops of the tensor.
            const Sym s = emitOp(name == "shape" ? "aten::size" : "prim::" + name, { object }, {}, frame);
            return s;
        }
        case Sym::Kind::Type:
            return object;
        default:
            fail("a " + describe(object) + " has no attribute " + name);
        }
    }

    Sym eval(const Expr& e, const Frame& frame, std::size_t outputs = 1)
    {
        step();
        struct Depth {
            explicit Depth(Builder& b)
                : b(b)
            {
                if (++b.evalDepth_ > kMaxEvalDepth)
                    b.fail("expressions nest deeper than " + std::to_string(kMaxEvalDepth)
                        + " levels across the calls they make");
            }
            ~Depth() { --b.evalDepth_; }
            Builder& b;
        } depth(*this);
        return evalInner(e, frame, outputs);
    }

    Sym evalInner(const Expr& e, const Frame& frame, std::size_t outputs)
    {
        switch (e.kind) {
        case Expr::Kind::Name:
            return lookup(e.text, frame);
        case Expr::Kind::None:
            return Sym();
        case Expr::Kind::Bool:
            return makeBool(e.boolean);
        case Expr::Kind::Int:
            return makeInt(e.integer);
        case Expr::Kind::Float:
            return makeFloat(e.real);
        case Expr::Kind::String:
            return makeKind(Sym::Kind::String, e.text);
        case Expr::Kind::List:
        case Expr::Kind::Tuple: {
            Sym s = makeKind(e.kind == Expr::Kind::List ? Sym::Kind::List : Sym::Kind::Tuple);
            for (const auto& item : e.items)
                s.items.push_back(eval(*item, frame));
            return s;
        }
        case Expr::Kind::Attribute:
            return attribute(eval(*e.items[0], frame), e.text, frame);
        case Expr::Kind::Call:
            return call(e, frame, outputs);
        case Expr::Kind::Subscript: {
            const Sym object = eval(*e.items[0], frame);
            if (object.kind == Sym::Kind::Type)
                return object; // List[int], Optional[Tensor]
            if (e.items[1]->kind == Expr::Kind::Slice) {
                std::vector<Sym> args { object };
                for (const auto& part : e.items[1]->items)
                    args.push_back(eval(*part, frame));
                if (args.size() < 4)
                    args.push_back(makeInt(1));
                return emitOp("aten::slice", { args[0], makeInt(0), args[1], args[2], args[3] }, {}, frame);
            }
            const Sym index = eval(*e.items[1], frame);
            if ((object.kind == Sym::Kind::List || object.kind == Sym::Kind::Tuple) && index.kind == Sym::Kind::Int) {
                std::int64_t k = index.integer;
                const auto n = static_cast<std::int64_t>(object.items.size());
                if (k < 0)
                    k += n;
                if (k < 0 || k >= n)
                    fail("index " + std::to_string(index.integer) + " is out of range");
                return object.items[static_cast<std::size_t>(k)];
            }
            return emitOp("aten::__getitem__", { object, index }, {}, frame);
        }
        case Expr::Kind::Unary: {
            const Sym a = eval(*e.items[0], frame);
            if (e.text == "not") {
                if (const auto t = truth(a))
                    return makeBool(!*t);
                return emitOp("aten::__not__", { a }, {}, frame);
            }
            if (e.text == "+")
                return a;
            if (e.text == "-" && a.kind == Sym::Kind::Int && a.integer != std::numeric_limits<std::int64_t>::min())
                return makeInt(-a.integer);
            if (e.text == "-" && a.kind == Sym::Kind::Float)
                return makeFloat(-a.real);
            return emitOp(e.text == "-" ? "aten::neg" : "aten::bitwise_not", { a }, {}, frame);
        }
        case Expr::Kind::Binary: {
            const Sym a = eval(*e.items[0], frame);
            // Short-circuits keep "training and x" from reaching x.
            if (e.text == "and" || e.text == "or") {
                if (const auto t = truth(a)) {
                    if ((e.text == "and") != *t)
                        return a;
                    return eval(*e.items[1], frame);
                }
            }
            return binary(e.text, a, eval(*e.items[1], frame), frame);
        }
        case Expr::Kind::IfElse: {
            const Sym c = eval(*e.items[0], frame);
            if (const auto t = truth(c))
                return eval(*e.items[*t ? 1 : 2], frame);
            nodus::Value* a = materialize(eval(*e.items[1], frame), frame);
            nodus::Value* b = materialize(eval(*e.items[2], frame), frame);
            Node* node = addNode("prim::If", frame);
            node->docString
                = "A conditional expression at " + file_ + ":" + std::to_string(e.line) + ", chosen at run time.";
            graph_->addInput(node, c.value);
            graph_->addInput(node, a);
            graph_->addInput(node, b);
            return makeValue(addOutput(node, 0, 1));
        }
        case Expr::Kind::Slice:
            fail("a slice outside a subscript");
        }
        fail("an expression Nodus cannot evaluate");
    }

    static bool isNoneCheck(const std::string& op) { return op == "is" || op == "is not"; }

    Sym binary(const std::string& op, const Sym& a, const Sym& b, const Frame& frame)
    {
        if (isNoneCheck(op) && (a.kind == Sym::Kind::None || b.kind == Sym::Kind::None)) {
            // Graph values are taken to be present: an Optional input is fed.
            const bool same = a.kind == b.kind;
            return makeBool(op == "is" ? same : !same);
        }
        if (a.isNumber() && b.isNumber()) {
            const bool ints = a.kind != Sym::Kind::Float && b.kind != Sym::Kind::Float;
            const double x = a.number(), y = b.number();
            const std::int64_t i = ints ? (a.kind == Sym::Kind::Int ? a.integer : a.boolean) : 0;
            const std::int64_t j = ints ? (b.kind == Sym::Kind::Int ? b.integer : b.boolean) : 0;
            std::int64_t r = 0;
            if (op == "+")
                return ints && !__builtin_add_overflow(i, j, &r) ? makeInt(r) : makeFloat(x + y);
            if (op == "-")
                return ints && !__builtin_sub_overflow(i, j, &r) ? makeInt(r) : makeFloat(x - y);
            if (op == "*")
                return ints && !__builtin_mul_overflow(i, j, &r) ? makeInt(r) : makeFloat(x * y);
            if (op == "/")
                return makeFloat(x / y);
            if (op == "==")
                return makeBool(x == y);
            if (op == "!=")
                return makeBool(x != y);
            if (op == "<")
                return makeBool(x < y);
            if (op == ">")
                return makeBool(x > y);
            if (op == "<=")
                return makeBool(x <= y);
            if (op == ">=")
                return makeBool(x >= y);
            if (op == "and")
                return b;
            if (op == "or")
                return a;
        }
        if (a.kind == Sym::Kind::String && b.kind == Sym::Kind::String && (op == "==" || op == "!="))
            return makeBool((a.text == b.text) == (op == "=="));
        static const std::pair<const char*, const char*> ops[]
            = { { "+", "aten::add" }, { "-", "aten::sub" }, { "*", "aten::mul" }, { "/", "aten::div" },
                  { "//", "aten::floordiv" }, { "%", "aten::remainder" }, { "**", "aten::pow" },
                  { "@", "aten::matmul" }, { "==", "aten::eq" }, { "!=", "aten::ne" }, { "<", "aten::lt" },
                  { ">", "aten::gt" }, { "<=", "aten::le" }, { ">=", "aten::ge" }, { "and", "aten::__and__" },
                  { "or", "aten::__or__" }, { "&", "aten::__and__" }, { "|", "aten::__or__" }, { "^", "aten::__xor__" },
                  { "<<", "aten::__lshift__" }, { ">>", "aten::__rshift__" }, { "in", "aten::__contains__" },
                  { "not in", "aten::__contains__" }, { "is", "aten::__is__" }, { "is not", "aten::__isnot__" } };
        for (const auto& [token, opType] : ops)
            if (op == token) {
                if (op == "in" || op == "not in") {
                    const Sym r = emitOp(opType, { b, a }, {}, frame);
                    return op == "in" ? r : emitOp("aten::__not__", { r }, {}, frame);
                }
                return emitOp(opType, { a, b }, {}, frame);
            }
        fail("the operator " + op + " is not supported");
    }

    // torch.__is__(x, None) and torch.eq on literals decide the branches of
    // scripted code (`if torch.__is__(stride, None)`); they fold here.
    std::optional<Sym> foldAten(const std::string& name, const std::vector<Sym>& args, const Frame& frame)
    {
        if (args.size() != 2)
            return std::nullopt;
        static const std::pair<const char*, const char*> table[]
            = { { "__is__", "is" }, { "__isnot__", "is not" }, { "eq", "==" }, { "ne", "!=" }, { "lt", "<" },
                  { "gt", ">" }, { "le", "<=" }, { "ge", ">=" }, { "__and__", "and" }, { "__or__", "or" } };
        for (const auto& [fn, op] : table)
            if (name == fn) {
                const bool decidable
                    = (isNoneCheck(op) && (args[0].kind == Sym::Kind::None || args[1].kind == Sym::Kind::None))
                    || (args[0].isNumber() && args[1].isNumber())
                    || (args[0].kind == Sym::Kind::String && args[1].kind == Sym::Kind::String);
                if (decidable)
                    return binary(op, args[0], args[1], frame);
            }
        if (args[0].isNumber() && args[1].isNumber()
            && (name == "add" || name == "sub" || name == "mul" || name == "div"))
            return binary(name == "add" ? "+"
                    : name == "sub"     ? "-"
                    : name == "mul"     ? "*"
                                        : "/",
                args[0], args[1], frame);
        return std::nullopt;
    }

    Sym call(const Expr& e, const Frame& frame, std::size_t outputs)
    {
        const Expr& callee = *e.items[0];
        std::vector<Sym> args;
        for (std::size_t k = 1; k < e.items.size(); ++k)
            args.push_back(eval(*e.items[k], frame));
        std::vector<std::pair<std::string, Sym>> keywords;
        for (const auto& [name, value] : e.keywords)
            keywords.emplace_back(name, eval(*value, frame));

        if (callee.kind == Expr::Kind::Attribute) {
            const Sym object = eval(*callee.items[0], frame);
            if (object.kind == Sym::Kind::Value || object.kind == Sym::Kind::List) {
                // x.method(...): the aten op with x first.
                args.insert(args.begin(), object);
                return emitOp("aten::" + callee.text, args, keywords, frame, outputs);
            }
            return callSym(attribute(object, callee.text, frame), std::move(args), std::move(keywords), frame, outputs);
        }
        return callSym(eval(callee, frame), std::move(args), std::move(keywords), frame, outputs);
    }

    Sym callSym(const Sym& f, std::vector<Sym> args, std::vector<std::pair<std::string, Sym>> keywords,
        const Frame& frame, std::size_t outputs)
    {
        switch (f.kind) {
        case Sym::Kind::Method:
            return callModuleMethod(f, std::move(args), std::move(keywords));
        case Sym::Kind::Module: {
            // Calling a module is calling its forward.
            Sym method = attribute(f, "forward", frame);
            return callModuleMethod(method, std::move(args), std::move(keywords));
        }
        case Sym::Kind::Function:
            return inlineCall(*f.file, *f.function, nullptr, frame.path, std::move(args), std::move(keywords));
        case Sym::Kind::Builtin:
            return builtin(f.text, args, keywords, frame, outputs);
        case Sym::Kind::Namespace: {
            const std::string& q = f.text;
            if (q.starts_with("aten.")) {
                const std::string name = q.substr(5);
                if (keywords.empty())
                    if (auto folded = foldAten(name, args, frame))
                        return *folded;
                return emitOp("aten::" + name, args, keywords, frame, outputs);
            }
            if (q.starts_with("ops.")) {
                const auto dot = q.find('.', 4);
                if (dot == std::string::npos)
                    fail("cannot call " + q);
                return emitOp(q.substr(4, dot - 4) + "::" + q.substr(dot + 1), args, keywords, frame, outputs);
            }
            if (q.starts_with("__torch__.")) {
                const auto dot = q.rfind('.');
                const File* file = fileOf(q.substr(0, dot));
                const std::string name = q.substr(dot + 1);
                if (file)
                    if (const Function* fn = file->findFunction(name))
                        return inlineCall(*file, *fn, nullptr, frame.path, std::move(args), std::move(keywords));
                if (file && file->findClass(name))
                    fail("constructing " + q + " objects is not supported");
                fail("the archive's code has no function " + q);
            }
            if (q.starts_with("math."))
                return emitOp("aten::" + q.substr(5), args, keywords, frame, outputs);
            fail("cannot call " + q);
        }
        default:
            fail("cannot call a " + describe(f));
        }
    }

    Sym builtin(const std::string& name, std::vector<Sym>& args, std::vector<std::pair<std::string, Sym>>& keywords,
        const Frame& frame, std::size_t outputs)
    {
        auto need = [&](std::size_t n) {
            if (args.size() != n || !keywords.empty())
                fail(name + "() takes " + std::to_string(n) + " positional arguments");
        };
        if (name == "annotate" || name == "unchecked_cast") {
            need(2);
            return args[1];
        }
        if (name == "uninitialized") {
            need(1);
            return Sym();
        }
        if (name == "getattr") {
            need(2);
            if (args[1].kind != Sym::Kind::String)
                fail("getattr with a name known only at run time");
            return attribute(args[0], args[1].text, frame);
        }
        if (name == "int" || name == "float" || name == "bool") {
            need(1);
            const Sym& a = args[0];
            if (a.isNumber()) {
                if (name == "int")
                    return std::isfinite(a.number()) && std::fabs(a.number()) < 9.2e18
                        ? makeInt(a.kind == Sym::Kind::Int ? a.integer : static_cast<std::int64_t>(a.number()))
                        : (fail("int() of a number out of range"), Sym());
                if (name == "float")
                    return makeFloat(a.number());
                return makeBool(a.number() != 0);
            }
            if (a.kind == Sym::Kind::String && name == "float") {
                if (a.text == "inf")
                    return makeFloat(HUGE_VAL);
                if (a.text == "-inf")
                    return makeFloat(-HUGE_VAL);
                if (a.text == "nan")
                    return makeFloat(NAN);
            }
            return emitOp(name == "int" ? "aten::Int"
                    : name == "float"   ? "aten::Float"
                                        : "aten::Bool",
                args, {}, frame);
        }
        if (name == "len") {
            need(1);
            if (args[0].kind == Sym::Kind::List || args[0].kind == Sym::Kind::Tuple)
                return makeInt(static_cast<std::int64_t>(args[0].items.size()));
            return emitOp("aten::len", args, {}, frame);
        }
        (void)outputs;
        fail(name + "() is not supported");
    }

    const CodeLoader& load_;
    std::shared_ptr<Graph> graph_;
    std::unordered_map<std::string, std::shared_ptr<Tensor>> tensors_;
    std::map<std::string, std::unique_ptr<File>> files_;
    std::unordered_map<std::string, int> nodeNames_, valueNames_;
    std::set<nodus::Value*> fresh_; // node outputs not yet bound to a name
    std::string file_;
    int line_ = 0;
    int callDepth_ = 0;
    int evalDepth_ = 0;
    std::size_t steps_ = 0;
};

} // namespace

std::shared_ptr<Graph> buildGraph(const pickle::Value& root, const std::vector<std::shared_ptr<Tensor>>& tensors,
    const CodeLoader& load, std::string& note)
{
    try {
        return Builder(tensors, load).run(root);
    } catch (const CodeError& e) {
        note = e.text();
    } catch (const Error& e) {
        note = e.what();
    }
    return nullptr;
}

const OpMetadata& opMetadata()
{
    static const OpMetadata metadata = OpMetadata::fromJson(metadataText(), "built-in torchscript-ops.json");
    return metadata;
}

} // namespace torchscript

} // namespace nodus
