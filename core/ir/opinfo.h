#pragma once

#include "attribute.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nodus {

// What an op set says about one attribute of one op version.
struct OpAttributeInfo {
    std::string name;
    AttributeType type = AttributeType::Undefined;
    bool required = false;
    // The default in Attribute::valueText() spelling ("1", "'NOTSET'",
    // "[1, 1]"), so "hide defaults" is a string compare with the node's
    // attribute. Floats go through float32 first, as they do in a model file.
    bool hasDefault = false;
    std::string defaultText;
    std::string description; // markdown
};

enum class OpPortOption {
    Single,
    Optional,
    Variadic,
};

// One formal input or output.
struct OpPortInfo {
    std::string name;
    std::string type; // a type constraint name ("T") or a concrete type ("tensor(int64)")
    OpPortOption option = OpPortOption::Single;
    std::string description;
};

// A type parameter such as "T" and the concrete types it may stand for.
struct OpTypeConstraint {
    std::string name;
    std::vector<std::string> allowed; // "tensor(float)", "seq(tensor(int64))", ...
    std::string description;
};

// One version of one op, as an op set's metadata file describes it (for ONNX:
// one OpSchema of libonnx's registry).
struct OpInfo {
    std::string domain; // "" for the default domain (ai.onnx for ONNX)
    std::string name;
    std::int64_t sinceVersion = 1;
    std::string category; // colour group in the graph view; empty for plain ops
    std::string description; // markdown
    bool deprecated = false;
    std::vector<OpAttributeInfo> attributes; // sorted by name
    std::vector<OpPortInfo> inputs;
    std::vector<OpPortInfo> outputs;
    int minInput = 0;
    int maxInput = 0; // INT32_MAX where variadic without bound
    int minOutput = 0;
    int maxOutput = 0;
    std::vector<OpTypeConstraint> typeConstraints;

    const OpAttributeInfo* attribute(std::string_view attributeName) const
    {
        for (const auto& a : attributes)
            if (a.name == attributeName)
                return &a;
        return nullptr;
    }
};

} // namespace nodus
