#include "graph.h"

#include "util/error.h"

#include <algorithm>

namespace nodus {

Node* Graph::addNode(std::string opType, std::string nodeName)
{
    auto node = std::make_unique<Node>(this, std::move(opType));
    node->name = std::move(nodeName);
    nodesById_.emplace(node->id(), node.get());
    nodes_.push_back(std::move(node));
    return nodes_.back().get();
}

Value* Graph::findValue(std::string_view valueName) const
{
    auto it = valuesByName_.find(std::string(valueName));
    return it == valuesByName_.end() ? nullptr : it->second;
}

Value* Graph::value(const std::string& valueName)
{
    if (Value* v = findValue(valueName))
        return v;
    values_.push_back(std::make_unique<Value>(this, valueName));
    Value* v = values_.back().get();
    valuesByName_.emplace(valueName, v);
    valuesById_.emplace(v->id(), v);
    return v;
}

Node* Graph::nodeById(Id id) const
{
    auto it = nodesById_.find(id);
    return it == nodesById_.end() ? nullptr : it->second;
}

Value* Graph::valueById(Id id) const
{
    auto it = valuesById_.find(id);
    return it == valuesById_.end() ? nullptr : it->second;
}

Node* Graph::findNode(std::string_view nodeName) const
{
    for (const auto& n : nodes_)
        if (n->name == nodeName)
            return n.get();
    return nullptr;
}

void Graph::addInput(Node* node, Value* v)
{
    node->inputs_.push_back(v);
    if (v)
        v->users_.push_back(Use { node, static_cast<int>(node->inputs_.size() - 1) });
}

void Graph::addOutput(Node* node, Value* v)
{
    node->outputs_.push_back(v);
    if (v) {
        v->producer_ = node;
        v->producerIndex_ = static_cast<int>(node->outputs_.size() - 1);
    }
}

void Graph::setInput(Node* node, int index, Value* v)
{
    if (index < 0 || static_cast<std::size_t>(index) >= node->inputs_.size())
        throw Error("node '" + node->name + "' has no input " + std::to_string(index));
    if (Value* old = node->inputs_[index]) {
        auto& users = old->users_;
        users.erase(std::remove(users.begin(), users.end(), Use { node, index }), users.end());
    }
    node->inputs_[index] = v;
    if (v)
        v->users_.push_back(Use { node, index });
}

Tensor* Graph::addInitializer(std::shared_ptr<Tensor> tensor)
{
    Value* v = value(tensor->name);
    v->initializer = tensor;
    initializers.push_back(std::move(tensor));
    return initializers.back().get();
}

Graph::DetachedNode Graph::removeNode(Node* node)
{
    auto it = std::find_if(nodes_.begin(), nodes_.end(), [node](const auto& n) { return n.get() == node; });
    if (it == nodes_.end())
        throw Error("node '" + node->name + "' is not in graph '" + name + "'");
    for (std::size_t k = 0; k < node->inputs_.size(); ++k)
        if (Value* v = node->inputs_[k]) {
            auto& users = v->users_;
            users.erase(std::remove(users.begin(), users.end(), Use { node, static_cast<int>(k) }), users.end());
        }
    for (Value* v : node->outputs_)
        if (v && v->producer_ == node) {
            v->producer_ = nullptr;
            v->producerIndex_ = -1;
        }
    DetachedNode out;
    out.index = static_cast<std::size_t>(it - nodes_.begin());
    out.node = std::move(*it);
    nodes_.erase(it);
    nodesById_.erase(node->id());
    return out;
}

void Graph::restoreNode(DetachedNode detached)
{
    Node* node = detached.node.get();
    for (std::size_t k = 0; k < node->inputs_.size(); ++k)
        if (Value* v = node->inputs_[k])
            v->users_.push_back(Use { node, static_cast<int>(k) });
    for (std::size_t k = 0; k < node->outputs_.size(); ++k)
        if (Value* v = node->outputs_[k]) {
            v->producer_ = node;
            v->producerIndex_ = static_cast<int>(k);
        }
    nodesById_.emplace(node->id(), node);
    const auto index = std::min(detached.index, nodes_.size());
    nodes_.insert(nodes_.begin() + static_cast<std::ptrdiff_t>(index), std::move(detached.node));
}

void Graph::renameValue(Value* v, const std::string& newName)
{
    if (v->name_ == newName)
        return;
    if (findValue(newName))
        throw Error("graph '" + name + "' already has a value named '" + newName + "'");
    valuesByName_.erase(v->name_);
    v->name_ = newName;
    valuesByName_.emplace(newName, v);
}

std::size_t Graph::removeInitializer(const std::shared_ptr<Tensor>& tensor)
{
    auto it = std::find(initializers.begin(), initializers.end(), tensor);
    if (it == initializers.end())
        throw Error("tensor '" + tensor->name + "' is not stored in graph '" + name + "'");
    const auto index = static_cast<std::size_t>(it - initializers.begin());
    initializers.erase(it);
    if (Value* v = findValue(tensor->name); v && v->initializer == tensor)
        v->initializer.reset();
    return index;
}

void Graph::restoreInitializer(std::shared_ptr<Tensor> tensor, std::size_t index)
{
    if (Value* v = findValue(tensor->name))
        v->initializer = tensor;
    index = std::min(index, initializers.size());
    initializers.insert(initializers.begin() + static_cast<std::ptrdiff_t>(index), std::move(tensor));
}

bool Graph::isInput(const Value* v) const
{
    return std::find(inputs.begin(), inputs.end(), v) != inputs.end();
}

bool Graph::isOutput(const Value* v) const
{
    return std::find(outputs.begin(), outputs.end(), v) != outputs.end();
}

std::vector<Value*> Graph::realInputs() const
{
    std::vector<Value*> out;
    for (Value* v : inputs)
        if (!v->initializer)
            out.push_back(v);
    return out;
}

void Graph::forEachSubgraph(const std::function<void(Graph&)>& visit) const
{
    for (const auto& node : nodes_)
        for (const auto& attr : node->attributes)
            for (const auto& g : attr.graphs)
                if (g) {
                    visit(*g);
                    g->forEachSubgraph(visit);
                }
}

std::size_t Graph::subgraphCount() const
{
    std::size_t n = 0;
    forEachSubgraph([&n](Graph&) { ++n; });
    return n;
}

} // namespace nodus
