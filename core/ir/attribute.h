#pragma once

#include "valuetype.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nodus {

class Graph;
class Tensor;

enum class AttributeType {
    Undefined,
    Float,
    Int,
    String,
    Tensor,
    Graph,
    SparseTensor,
    Type,
    Floats,
    Ints,
    Strings,
    Tensors,
    Graphs,
    SparseTensors,
    Types,
};

std::string_view attributeTypeName(AttributeType type);

// A named node attribute. Only the members matching `type` are meaningful.
// Graph-valued attributes hold subgraphs (If branches, Loop/Scan bodies).
struct Attribute {
    std::string name;
    AttributeType type = AttributeType::Undefined;
    std::string docString;
    std::string refAttrName; // set inside functions: refers to the caller's attribute

    double f = 0;
    std::int64_t i = 0;
    std::string s;
    std::vector<double> floats;
    std::vector<std::int64_t> ints;
    std::vector<std::string> strings;
    std::vector<std::shared_ptr<Tensor>> tensors; // Tensor(s), SparseTensor(s)
    std::vector<std::shared_ptr<Graph>> graphs;   // Graph(s)
    std::vector<ValueType> types;                 // Type(s)

    // Short display form: "3", "[1,1]", "'NOTSET'", "<graph then_branch>", ...
    std::string valueText(std::size_t maxItems = 16) const;
};

} // namespace nodus
