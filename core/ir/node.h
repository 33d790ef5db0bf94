#pragma once

#include "attribute.h"
#include "id.h"

#include <string>
#include <utility>
#include <vector>

namespace nodus {

class Graph;
class Value;

// An operation. Inputs may contain nullptr where an optional input is left
// out (ONNX's empty name). Use Graph's methods to rewire, so the values'
// producer/users stay right.
class Node {
public:
    Node(Graph* graph, std::string opType)
        : opType(std::move(opType))
        , graph_(graph)
    {
    }

    Id id() const { return id_; }
    Graph* graph() const { return graph_; }
    const std::vector<Value*>& inputs() const { return inputs_; }
    const std::vector<Value*>& outputs() const { return outputs_; }

    const Attribute* attribute(std::string_view name) const;
    Attribute* attribute(std::string_view name);

    std::string name;
    std::string opType;
    std::string domain;
    std::string overload;
    std::string docString;
    std::vector<Attribute> attributes;
    std::vector<std::pair<std::string, std::string>> metadata;

private:
    friend class Graph;
    Id id_ = newId();
    Graph* graph_;
    std::vector<Value*> inputs_;
    std::vector<Value*> outputs_;
};

} // namespace nodus
