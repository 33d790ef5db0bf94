#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace nodus::pickle {

// A value the unpickler built. Only what tensor checkpoints need exists:
// plain values, containers, the storages and tensors PyTorch's reducers
// describe, and (TorchScript) module objects as bags of attributes. Nothing
// a pickle names is ever imported or called.
// Values live in an Arena and point at each other with plain pointers, so
// a pickle that builds cycles (a list appended to itself) or very deep
// nesting costs neither a leak nor a recursive destruction.
struct Value;
using ValuePtr = Value*;

struct Value {
    enum class Kind {
        None,
        Bool,
        Int,
        BigInt, // an integer wider than 64 bits: `text` holds its little-endian two's complement bytes
        Float,
        String, // str (UTF-8)
        Bytes,
        Tuple,
        List,
        Set,
        Dict, // `entries`, in insertion order
        Global, // `text`: "module.name" of an allowed global
        Object, // an instance of an allowed class (`text`); `state` set by BUILD
        Storage, // from the persistent-id loader
        Tensor, // from torch._utils._rebuild_tensor*
    };
    Kind kind = Kind::None;
    bool boolean = false;
    std::int64_t integer = 0;
    double real = 0;
    std::string text;
    std::vector<ValuePtr> items; // Tuple, List, Set; Object: constructor arguments
    std::vector<std::pair<ValuePtr, ValuePtr>> entries;
    ValuePtr state; // Object

    // Storage: the archive key, element type name ("FloatStorage") and size
    // in elements, as the persistent id gives them. Tensor: `storage` and
    // the view (offset and strides in elements).
    std::string storageType;
    std::int64_t elements = 0;
    ValuePtr storage;
    std::int64_t offset = 0;
    std::vector<std::int64_t> sizes, strides;
    bool requiresGrad = false;

    bool isString() const { return kind == Kind::String; }
};

class Arena {
public:
    ValuePtr make(Value::Kind kind)
    {
        values_.emplace_back();
        values_.back().kind = kind;
        return &values_.back();
    }
    std::size_t size() const { return values_.size(); }

private:
    std::deque<Value> values_;
};

struct Options {
    // Accept `__torch__.*` classes (TorchScript module objects) as plain
    // objects whose state BUILD sets.
    bool torchScriptClasses = false;
    // The persistent id of a storage (a tuple) to the Storage value it names.
    // The Value it returns must come from the Arena given to load().
    std::function<ValuePtr(const ValuePtr&)> persistentLoad;
};

// Runs the pickle that starts at `bytes` up to its STOP and returns the
// result, whose values live in `arena`; `consumed` (if given) receives the number of bytes read, for
// files that hold several pickles back to back. Every problem, a refused
// global included, throws nodus::Error starting with `nameForErrors`.
ValuePtr load(std::span<const std::byte> bytes, const std::string& nameForErrors, const Options& options, Arena& arena,
    std::size_t* consumed = nullptr);

// Whether a global may appear in a checkpoint's pickle.
bool isAllowedGlobal(const std::string& module, const std::string& name, bool torchScriptClasses);

} // namespace nodus::pickle
