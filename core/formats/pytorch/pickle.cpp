#include "pickle.h"

#include "util/error.h"

#include <cstdio>
#include <cstring>
#include <unordered_map>

namespace nodus::pickle {

namespace {

// Bounds that keep a hostile pickle from costing more than the file's size
// suggests: every container and memo entry needs at least one opcode byte,
// so these are generous for real checkpoints.
constexpr std::size_t kMaxStack = 1u << 20;
constexpr std::size_t kMaxMarks = 1u << 16;
constexpr std::size_t kMaxMemo = 1u << 22;
constexpr std::size_t kMaxDims = 64;
// About 1 GiB of values at most; real checkpoints need tens of thousands.
constexpr std::size_t kMaxValues = 1u << 22;

const std::vector<std::string> kStorageTypes = { "FloatStorage", "DoubleStorage", "HalfStorage", "BFloat16Storage",
    "LongStorage", "IntStorage", "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage", "ComplexFloatStorage",
    "ComplexDoubleStorage", "Float8_e4m3fnStorage", "Float8_e5m2Storage", "Float8_e4m3fnuzStorage",
    "Float8_e5m2fnuzStorage", "UInt16Storage", "UInt32Storage", "UInt64Storage" };

// torch.float32 and the like: dtype objects stored as plain values (AMP
// scaler states, configs); they are names, nothing is called.
const std::vector<std::string> kDtypes = { "float32", "float", "float64", "double", "float16", "half", "bfloat16",
    "int64", "long", "int32", "int", "int16", "short", "int8", "uint8", "bool", "complex64", "complex128" };

class Machine {
public:
    Machine(std::span<const std::byte> bytes, const std::string& name, const Options& options, Arena& arena)
        : bytes_(bytes)
        , name_(name)
        , options_(options)
        , arena_(arena)
    {
    }

    ValuePtr run(std::size_t* consumed);

private:
    [[noreturn]] void fail(const std::string& what) const
    {
        throw Error(name_ + ": " + what + " (pickle byte " + std::to_string(opAt_) + ")");
    }
    std::uint8_t u8()
    {
        if (pos_ >= bytes_.size())
            fail("the pickle is truncated");
        return std::to_integer<std::uint8_t>(bytes_[pos_++]);
    }
    std::uint64_t uint(int n)
    {
        std::uint64_t v = 0;
        for (int k = 0; k < n; ++k)
            v |= static_cast<std::uint64_t>(u8()) << (8 * k);
        return v;
    }
    std::string take(std::uint64_t n)
    {
        if (n > bytes_.size() - pos_)
            fail("the pickle is truncated (a string of " + std::to_string(n) + " bytes runs past its end)");
        std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), static_cast<std::size_t>(n));
        pos_ += static_cast<std::size_t>(n);
        return s;
    }
    std::string line()
    {
        std::string s;
        for (;;) {
            const char c = static_cast<char>(u8());
            if (c == '\n')
                return s;
            s += c;
        }
    }

    void push(ValuePtr v)
    {
        if (stack_.size() >= kMaxStack)
            fail("the pickle's stack grows past " + std::to_string(kMaxStack) + " items");
        stack_.push_back(std::move(v));
    }
    ValuePtr pop()
    {
        if (stack_.size() <= floor())
            fail("the pickle pops an empty stack");
        auto v = std::move(stack_.back());
        stack_.pop_back();
        return v;
    }
    ValuePtr& top()
    {
        if (stack_.size() <= floor())
            fail("the pickle reads an empty stack");
        return stack_.back();
    }
    ValuePtr make(Value::Kind kind)
    {
        // Each value costs at least one opcode byte; more means a bug here.
        if (arena_.size() >= kMaxValues)
            fail("the pickle builds too many values");
        return arena_.make(kind);
    }
    std::size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
    std::vector<ValuePtr> popMark()
    {
        if (marks_.empty())
            fail("the pickle has no MARK to pop to");
        const std::size_t at = marks_.back();
        marks_.pop_back();
        std::vector<ValuePtr> items(std::make_move_iterator(stack_.begin() + static_cast<std::ptrdiff_t>(at)),
            std::make_move_iterator(stack_.end()));
        stack_.resize(at);
        return items;
    }
    void memoPut(std::uint64_t index, const ValuePtr& v)
    {
        if (memo_.size() >= kMaxMemo && !memo_.count(index))
            fail("the pickle's memo grows past " + std::to_string(kMaxMemo) + " entries");
        memo_[index] = v;
    }
    ValuePtr memoGet(std::uint64_t index)
    {
        auto it = memo_.find(index);
        if (it == memo_.end())
            fail("the pickle reads memo entry " + std::to_string(index) + ", which was never stored");
        return it->second;
    }

    ValuePtr integer(std::int64_t v)
    {
        auto r = make(Value::Kind::Int);
        r->integer = v;
        return r;
    }
    ValuePtr longFromBytes(const std::string& raw)
    {
        if (raw.size() <= 8) {
            std::uint64_t v = 0;
            for (std::size_t k = 0; k < raw.size(); ++k)
                v |= static_cast<std::uint64_t>(static_cast<unsigned char>(raw[k])) << (8 * k);
            if (!raw.empty() && raw.size() < 8 && (static_cast<unsigned char>(raw.back()) & 0x80))
                v |= ~std::uint64_t(0) << (8 * raw.size()); // sign-extend
            return integer(static_cast<std::int64_t>(v));
        }
        auto r = make(Value::Kind::BigInt);
        r->text = raw;
        return r;
    }
    ValuePtr string(Value::Kind kind, std::string s)
    {
        auto r = make(kind);
        r->text = std::move(s);
        return r;
    }
    ValuePtr global(const std::string& module, const std::string& name)
    {
        if (!isAllowedGlobal(module, name, options_.torchScriptClasses))
            throw Error(name_ + ": refuses to load: the pickle calls " + module + "." + name
                + " (only tensors, containers and plain values are read; nothing in the file is run)");
        return string(Value::Kind::Global, module + "." + name);
    }

    void setItems(const ValuePtr& dict, std::vector<ValuePtr>& items)
    {
        if (dict->kind != Value::Kind::Dict)
            fail("the pickle sets items on something that is not a dict");
        if (items.size() % 2)
            fail("the pickle sets a dict item without a value");
        for (std::size_t k = 0; k < items.size(); k += 2)
            dict->entries.emplace_back(std::move(items[k]), std::move(items[k + 1]));
    }
    void appendItems(const ValuePtr& list, std::vector<ValuePtr>& items)
    {
        if (list->kind != Value::Kind::List && list->kind != Value::Kind::Set)
            fail("the pickle appends to something that is not a list");
        for (auto& v : items)
            list->items.push_back(std::move(v));
    }

    std::int64_t intArg(const ValuePtr& v, const char* what)
    {
        if (!v || v->kind != Value::Kind::Int)
            fail(std::string("the tensor's ") + what + " is not an integer");
        return v->integer;
    }
    std::vector<std::int64_t> intTuple(const ValuePtr& v, const char* what)
    {
        if (!v || (v->kind != Value::Kind::Tuple && v->kind != Value::Kind::List))
            fail(std::string("the tensor's ") + what + " is not a tuple");
        if (v->items.size() > kMaxDims)
            fail(std::string("the tensor's ") + what + " has more than " + std::to_string(kMaxDims) + " entries");
        std::vector<std::int64_t> out;
        for (const auto& i : v->items)
            out.push_back(intArg(i, what));
        return out;
    }

    ValuePtr call(const ValuePtr& callable, const ValuePtr& args);

    std::span<const std::byte> bytes_;
    const std::string& name_;
    const Options& options_;
    Arena& arena_;
    std::size_t pos_ = 0;
    std::size_t opAt_ = 0;
    std::vector<ValuePtr> stack_;
    std::vector<std::size_t> marks_;
    std::unordered_map<std::uint64_t, ValuePtr> memo_;
};

ValuePtr Machine::call(const ValuePtr& callable, const ValuePtr& args)
{
    if (!callable || callable->kind != Value::Kind::Global)
        fail("the pickle calls something that is not a known function");
    if (!args || args->kind != Value::Kind::Tuple)
        fail("the pickle calls " + callable->text + " without an argument tuple");
    const std::string& f = callable->text;
    const auto& a = args->items;
    if (f == "collections.OrderedDict") {
        auto d = make(Value::Kind::Dict);
        if (!a.empty()) {
            // OrderedDict([(k, v), ...])
            if (a.size() != 1 || (a[0]->kind != Value::Kind::List && a[0]->kind != Value::Kind::Tuple))
                fail("collections.OrderedDict is called with arguments other than a list of pairs");
            for (const auto& pair : a[0]->items) {
                if (pair->kind != Value::Kind::Tuple || pair->items.size() != 2)
                    fail("collections.OrderedDict is called with something other than pairs");
                d->entries.emplace_back(pair->items[0], pair->items[1]);
            }
        }
        return d;
    }
    if (f == "torch._utils._rebuild_tensor_v2" || f == "torch._utils._rebuild_tensor") {
        // (storage, storage_offset, size, stride[, requires_grad, backward_hooks[, metadata]])
        if (a.size() < 4)
            fail(f + " is called with " + std::to_string(a.size()) + " arguments, not at least 4");
        if (!a[0] || a[0]->kind != Value::Kind::Storage)
            fail(f + " is called without a storage");
        auto t = make(Value::Kind::Tensor);
        t->storage = a[0];
        t->offset = intArg(a[1], "storage offset");
        t->sizes = intTuple(a[2], "size");
        t->strides = intTuple(a[3], "stride");
        if (t->sizes.size() != t->strides.size())
            fail("the tensor's size and stride have different lengths");
        if (a.size() > 4 && a[4]->kind == Value::Kind::Bool)
            t->requiresGrad = a[4]->boolean;
        return t;
    }
    if (f == "torch._utils._rebuild_parameter" || f == "torch._utils._rebuild_parameter_with_state") {
        // (data, requires_grad, backward_hooks[, state])
        if (a.empty() || a[0]->kind != Value::Kind::Tensor)
            fail(f + " is called without a tensor");
        if (a.size() > 1 && a[1]->kind == Value::Kind::Bool)
            a[0]->requiresGrad = a[1]->boolean;
        return a[0];
    }
    if (f == "torch.device") {
        // torch.device("cuda", 0): kept as its text.
        std::string text;
        for (const auto& x : a)
            if (x->isString() || x->kind == Value::Kind::Int)
                text += (text.empty() ? "" : ":") + (x->isString() ? x->text : std::to_string(x->integer));
        return string(Value::Kind::String, text);
    }
    if (f == "torch.Size") {
        auto t = make(Value::Kind::Tuple);
        if (!a.empty())
            t->items = a[0]->items;
        return t;
    }
    if (f == "builtins.set" || f == "builtins.frozenset") {
        auto s = make(Value::Kind::Set);
        if (!a.empty())
            s->items = a[0]->items;
        return s;
    }
    if (f == "torch.jit._pickle.build_intlist" || f == "torch.jit._pickle.build_tensorlist"
        || f == "torch.jit._pickle.build_doublelist" || f == "torch.jit._pickle.build_boollist"
        || f == "torch.jit._pickle.restore_type_tag") {
        if (a.empty())
            fail(f + " is called without arguments");
        return a[0];
    }
    if (f.starts_with("__torch__.")) {
        auto o = make(Value::Kind::Object);
        o->text = f;
        o->items = a;
        return o;
    }
    fail("the pickle calls " + f + ", which cannot be called");
}

ValuePtr Machine::run(std::size_t* consumed)
{
    for (;;) {
        opAt_ = pos_;
        const std::uint8_t op = u8();
        switch (op) {
        case 0x80: // PROTO
            if (u8() > 5)
                fail("the pickle uses a protocol newer than 5");
            break;
        case 0x95: // FRAME: a length hint; the opcodes simply follow
            (void)uint(8);
            break;
        case '.': { // STOP
            auto v = pop();
            if (consumed)
                *consumed = pos_;
            return v;
        }
        case '(':
            if (marks_.size() >= kMaxMarks)
                fail("the pickle nests MARKs deeper than " + std::to_string(kMaxMarks));
            marks_.push_back(stack_.size());
            break;
        case '0':
            (void)pop();
            break;
        case '1':
            (void)popMark();
            break;
        case '2':
            push(top());
            break;
        case 'N':
            push(make(Value::Kind::None));
            break;
        case 0x88:
        case 0x89: {
            auto v = make(Value::Kind::Bool);
            v->boolean = op == 0x88;
            push(v);
            break;
        }
        case 'J':
            push(integer(static_cast<std::int32_t>(uint(4))));
            break;
        case 'K':
            push(integer(uint(1)));
            break;
        case 'M':
            push(integer(static_cast<std::int64_t>(uint(2))));
            break;
        case 0x8a: // LONG1
            push(longFromBytes(take(u8())));
            break;
        case 0x8b: // LONG4
            push(longFromBytes(take(uint(4))));
            break;
        case 'I':
        case 'L': { // text INT / LONG (protocol 0)
            std::string s = line();
            if (op == 'L' && !s.empty() && s.back() == 'L')
                s.pop_back();
            if (s == "00" || s == "01") {
                auto v = make(Value::Kind::Bool);
                v->boolean = s == "01";
                push(v);
                break;
            }
            try {
                std::size_t used = 0;
                const long long v = std::stoll(s, &used);
                if (used != s.size())
                    fail("the pickle has a malformed integer");
                push(integer(v));
            } catch (const std::logic_error&) {
                fail("the pickle has an integer that is malformed or too large");
            }
            break;
        }
        case 'G': { // BINFLOAT, big-endian
            const std::uint64_t raw = uint(8);
            std::uint64_t be = 0;
            for (int k = 0; k < 8; ++k)
                be |= ((raw >> (8 * k)) & 0xff) << (8 * (7 - k));
            auto v = make(Value::Kind::Float);
            std::memcpy(&v->real, &be, 8);
            push(v);
            break;
        }
        case 'F': {
            const std::string s = line();
            auto v = make(Value::Kind::Float);
            try {
                v->real = std::stod(s);
            } catch (const std::logic_error&) {
                fail("the pickle has a malformed float");
            }
            push(v);
            break;
        }
        case 'X':
            push(string(Value::Kind::String, take(uint(4))));
            break;
        case 0x8c:
            push(string(Value::Kind::String, take(u8())));
            break;
        case 0x8d:
            push(string(Value::Kind::String, take(uint(8))));
            break;
        case 'V': // protocol 0 unicode (raw-unicode-escape; ASCII in practice)
            push(string(Value::Kind::String, line()));
            break;
        case 'T': // BINSTRING: a Python 2 str, taken as text
            push(string(Value::Kind::String, take(uint(4))));
            break;
        case 'U':
            push(string(Value::Kind::String, take(u8())));
            break;
        case 'S': { // STRING: a quoted repr
            std::string s = line();
            if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front())
                s = s.substr(1, s.size() - 2);
            push(string(Value::Kind::String, s));
            break;
        }
        case 'B':
            push(string(Value::Kind::Bytes, take(uint(4))));
            break;
        case 'C':
            push(string(Value::Kind::Bytes, take(u8())));
            break;
        case 0x8e:
        case 0x96: // BINBYTES8, BYTEARRAY8
            push(string(Value::Kind::Bytes, take(uint(8))));
            break;
        case ')':
            push(make(Value::Kind::Tuple));
            break;
        case 't': {
            auto v = make(Value::Kind::Tuple);
            v->items = popMark();
            push(v);
            break;
        }
        case 0x85:
        case 0x86:
        case 0x87: {
            const std::size_t n = op - 0x84u;
            auto v = make(Value::Kind::Tuple);
            v->items.resize(n);
            for (std::size_t k = n; k-- > 0;)
                v->items[k] = pop();
            push(v);
            break;
        }
        case ']':
            push(make(Value::Kind::List));
            break;
        case 'l': {
            auto v = make(Value::Kind::List);
            v->items = popMark();
            push(v);
            break;
        }
        case 'a': {
            std::vector<ValuePtr> one { pop() };
            appendItems(top(), one);
            break;
        }
        case 'e': {
            auto items = popMark();
            appendItems(top(), items);
            break;
        }
        case '}':
            push(make(Value::Kind::Dict));
            break;
        case 'd': {
            auto v = make(Value::Kind::Dict);
            auto items = popMark();
            setItems(v, items);
            push(v);
            break;
        }
        case 's': {
            auto value = pop();
            auto key = pop();
            std::vector<ValuePtr> pair { key, value };
            setItems(top(), pair);
            break;
        }
        case 'u': {
            auto items = popMark();
            setItems(top(), items);
            break;
        }
        case 0x8f:
            push(make(Value::Kind::Set));
            break;
        case 0x90: { // ADDITEMS
            auto items = popMark();
            appendItems(top(), items);
            break;
        }
        case 0x91: {
            auto v = make(Value::Kind::Set);
            v->items = popMark();
            push(v);
            break;
        }
        case 'p': {
            const std::string s = line();
            try {
                memoPut(std::stoull(s), top());
            } catch (const std::logic_error&) {
                fail("the pickle has a malformed memo index");
            }
            break;
        }
        case 'q':
            memoPut(u8(), top());
            break;
        case 'r':
            memoPut(uint(4), top());
            break;
        case 0x94:
            memoPut(memo_.size(), top());
            break;
        case 'g': {
            const std::string s = line();
            try {
                push(memoGet(std::stoull(s)));
            } catch (const std::logic_error&) {
                fail("the pickle has a malformed memo index");
            }
            break;
        }
        case 'h':
            push(memoGet(u8()));
            break;
        case 'j':
            push(memoGet(uint(4)));
            break;
        case 'c': { // GLOBAL "module\nname\n"
            const std::string module = line();
            const std::string name = line();
            push(global(module, name));
            break;
        }
        case 0x93: { // STACK_GLOBAL
            auto name = pop();
            auto module = pop();
            if (!module->isString() || !name->isString())
                fail("the pickle names a global with something other than strings");
            push(global(module->text, name->text));
            break;
        }
        case 'R': {
            auto args = pop();
            auto callable = pop();
            push(call(callable, args));
            break;
        }
        case 0x81: { // NEWOBJ: cls.__new__(cls, *args)
            auto args = pop();
            auto cls = pop();
            if (cls->kind != Value::Kind::Global || !cls->text.starts_with("__torch__."))
                fail("the pickle creates an object of a class that is not a TorchScript module");
            push(call(cls, args));
            break;
        }
        case 'b': { // BUILD
            auto state = pop();
            auto& target = top();
            if (target->kind == Value::Kind::Object) {
                target->state = std::move(state);
            } else if (target->kind != Value::Kind::Dict && target->kind != Value::Kind::Tensor) {
                // A state_dict's _metadata (an OrderedDict attribute) and
                // tensor attributes are not shown; anything else is a mystery.
                fail("the pickle sets the state of a value that has none");
            }
            break;
        }
        case 'P':
        case 'Q': {
            ValuePtr pid = op == 'Q' ? pop() : string(Value::Kind::String, line());
            if (!options_.persistentLoad)
                fail("the pickle refers to outside data (a persistent id), which this file cannot have");
            push(options_.persistentLoad(pid));
            break;
        }
        default: {
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02x", op);
            fail(std::string("the pickle uses opcode ") + hex + ", which checkpoints do not need");
        }
        }
    }
}

} // namespace

bool isAllowedGlobal(const std::string& module, const std::string& name, bool torchScriptClasses)
{
    if (module == "collections" && name == "OrderedDict")
        return true;
    if (module == "torch._utils"
        && (name == "_rebuild_tensor_v2" || name == "_rebuild_tensor" || name == "_rebuild_parameter"
            || name == "_rebuild_parameter_with_state"))
        return true;
    if (module == "torch") {
        if (name == "Size" || name == "device")
            return true;
        for (const auto& d : kDtypes)
            if (d == name)
                return true;
        for (const auto& s : kStorageTypes)
            if (s == name)
                return true;
        return false;
    }
    if (module == "builtins" && (name == "set" || name == "frozenset"))
        return true;
    if (torchScriptClasses) {
        if (module == "torch.jit._pickle"
            && (name == "build_intlist" || name == "build_tensorlist" || name == "build_doublelist"
                || name == "build_boollist" || name == "restore_type_tag"))
            return true;
        if (module == "__torch__" || module.starts_with("__torch__."))
            return true;
    }
    return false;
}

ValuePtr load(std::span<const std::byte> bytes, const std::string& nameForErrors, const Options& options, Arena& arena,
    std::size_t* consumed)
{
    Machine m(bytes, nameForErrors, options, arena);
    return m.run(consumed);
}

} // namespace nodus::pickle
