#pragma once

#include "id.h"
#include "valuetype.h"

#include <memory>
#include <string>
#include <vector>

namespace nodus {

class Graph;
class Node;
class Tensor;

// One use of a value: input `index` of `node`.
struct Use {
    Node* node = nullptr;
    int index = 0;
    bool operator==(const Use&) const = default;
};

// An edge source: a graph input, a node output, an initializer or a value
// captured from an enclosing graph. Graph keeps producer/users consistent.
class Value {
public:
    Value(Graph* graph, std::string name)
        : name_(std::move(name))
        , graph_(graph)
    {
    }

    Id id() const { return id_; }
    const std::string& name() const { return name_; }
    Graph* graph() const { return graph_; }
    Node* producer() const { return producer_; }
    int producerIndex() const { return producerIndex_; }
    const std::vector<Use>& users() const { return users_; }

    ValueType type;
    std::string docString;
    // The stored tensor, when this value is an initializer.
    std::shared_ptr<Tensor> initializer;
    // Neither produced nor a graph input here: read from an enclosing graph.
    bool fromOuterScope = false;
    // `type` was worked out by shape inference, not stored in the file.
    bool typeInferred = false;
    // An edit (a new input shape) made the type the file stated for this
    // value wrong: writers leave the stale statement out.
    bool typeStale = false;

private:
    friend class Graph;
    Id id_ = newId();
    std::string name_;
    Graph* graph_;
    Node* producer_ = nullptr;
    int producerIndex_ = -1;
    std::vector<Use> users_;
};

} // namespace nodus
