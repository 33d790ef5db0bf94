#pragma once

#include "node.h"
#include "tensor.h"
#include "value.h"

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace nodus {

// A dataflow graph: owns its nodes, values and stored tensors. Subgraphs
// (control-flow bodies) are Graphs held by node attributes, with `parent`
// pointing at the enclosing graph so outer-scope names resolve.
class Graph {
public:
    explicit Graph(std::string name = {}, Graph* parent = nullptr)
        : name(std::move(name))
        , parent_(parent)
    {
    }
    Graph(const Graph&) = delete;
    Graph& operator=(const Graph&) = delete;

    std::string name;
    std::string docString;
    std::vector<Value*> inputs;
    std::vector<Value*> outputs;
    // Stored tensors (dense and sparse), in file order. Each also hangs off
    // the Value of the same name.
    std::vector<std::shared_ptr<Tensor>> initializers;

    Graph* parent() const { return parent_; }
    void setParent(Graph* parent) { parent_ = parent; }

    const std::vector<std::unique_ptr<Node>>& nodes() const { return nodes_; }
    const std::vector<std::unique_ptr<Value>>& values() const { return values_; }

    Node* addNode(std::string opType, std::string nodeName = {});
    Value* findValue(std::string_view valueName) const;
    // The value of that name, created on first mention.
    Value* value(const std::string& valueName);
    Node* nodeById(Id id) const;
    Value* valueById(Id id) const;
    Node* findNode(std::string_view nodeName) const;

    void addInput(Node* node, Value* value);
    void addOutput(Node* node, Value* value);
    void setInput(Node* node, int index, Value* value);
    Tensor* addInitializer(std::shared_ptr<Tensor> tensor);

    // Edits (core/edit). A removed node is detached from the values it
    // read and wrote (they stay, without producer or those uses) and handed
    // back with its index, so an undo can put it back exactly.
    struct DetachedNode {
        std::unique_ptr<Node> node;
        std::size_t index = 0;
    };
    DetachedNode removeNode(Node* node);
    void restoreNode(DetachedNode detached);
    // Renames a value; refused (nodus::Error) when the name is taken.
    void renameValue(Value* value, const std::string& newName);
    // Removes a stored tensor from `initializers` (its value keeps the
    // pointer cleared); returns its index for restoreInitializer.
    std::size_t removeInitializer(const std::shared_ptr<Tensor>& tensor);
    void restoreInitializer(std::shared_ptr<Tensor> tensor, std::size_t index);

    bool isInput(const Value* value) const;
    bool isOutput(const Value* value) const;
    // Graph inputs that are not initializers (what a caller must feed).
    std::vector<Value*> realInputs() const;

    // Every graph attribute of every node, depth first (not including this).
    void forEachSubgraph(const std::function<void(Graph&)>& visit) const;
    std::size_t subgraphCount() const;

private:
    Graph* parent_;
    std::vector<std::unique_ptr<Node>> nodes_;
    std::vector<std::unique_ptr<Value>> values_;
    std::unordered_map<std::string, Value*> valuesByName_;
    std::unordered_map<Id, Node*> nodesById_;
    std::unordered_map<Id, Value*> valuesById_;
};

} // namespace nodus
