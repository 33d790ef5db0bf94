#pragma once

#include "kernel.h"
#include "rtvalue.h"

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace nodus {
class Graph;
class Node;
class Tensor;
class Value;
} // namespace nodus

namespace nodus::rt {

struct Buffer;
class BufferPool;
class VulkanDevice;

// Buffers derived from a session's weights (repacked conv weights), kept
// as long as the weights are, so later runs skip the work that made them;
// keyed by the weight and a text naming how it was derived.
using DerivedWeights = std::map<std::pair<const Tensor*, std::string>, std::shared_ptr<Buffer>>;

// Values of one graph during a run; subgraph scopes reach their enclosing
// graph's values by name.
class Scope {
public:
    explicit Scope(const Scope* parent = nullptr)
        : parent_(parent)
    {
    }
    RtValue* find(const Value* v);
    const RtValue* findByName(const std::string& name) const;
    RtValue& set(const Value* v, RtValue value);
    void erase(const Value* v);
    const std::unordered_map<const Value*, RtValue>& values() const { return values_; }

private:
    const Scope* parent_;
    std::unordered_map<const Value*, RtValue> values_;
    std::unordered_map<std::string, const Value*> names_;
};

// Runs graphs node by node: host evaluation for small shape computations
// whose inputs are known on the host, a kernel dispatch otherwise; values
// are released after their last reader (unless intermediates are kept).
class Executor {
public:
    struct Options {
        bool keepIntermediates = false;
        bool hostShapeArithmetic = true;
        bool halfWeights = false; // SessionOptions::halfWeights
        const std::atomic<bool>* cancel = nullptr;
        std::function<void(int, int)> progress;
    };
    Executor(VulkanDevice& device, BufferPool& pool, Recorder& recorder,
        std::unordered_map<const Tensor*, RtValue>& weights, DerivedWeights& derived, int opset, Options options);

    // Runs `graph` with its real inputs bound to `inputs` (in order);
    // returns its outputs. `outer` resolves names from enclosing graphs.
    std::vector<RtValue> runGraph(
        const Graph& graph, std::vector<RtValue> inputs, const Scope* outer, Scope* keep = nullptr);

    VulkanDevice& device() { return device_; }
    BufferPool& pool() { return pool_; }
    Recorder& recorder() { return recorder_; }
    // The node's main-graph index, for timings.
    std::unordered_map<const Node*, int>& nodeIndex() { return nodeIndex_; }

    BufferRef ensureDevice(RtValue& value);
    const HostTensor& ensureHost(RtValue& value);
    // Reads back many device values at once (one wait).
    void ensureHostAll(const std::vector<RtValue*>& values);
    RtValue makeDevice(DataType type, std::vector<std::int64_t> shape);

    // An initializer's value kept for the session (not a view made of one
    // during a run).
    bool isSessionWeight(const RtValue& value) const;
    // The buffer derived from `weight` as `how` when `weight` is a session
    // weight, else nullptr. A new one (`fresh` set) is allocated with
    // `bytes`, and the caller records the work that fills it.
    std::shared_ptr<Buffer> derivedBuffer(
        const RtValue& weight, const std::string& how, std::uint64_t bytes, bool& fresh);
    // The same for a buffer written on the host: `fill` gets the weight's
    // values as float32 and writes `bytes` (float16 weights in a kernel's
    // layout). The weight's own float32 copy is not uploaded for it.
    std::shared_ptr<Buffer> hostDerivedBuffer(const RtValue& weight, const std::string& how, std::uint64_t bytes,
        const std::function<void(std::span<const float>, std::span<std::byte>)>& fill);
    bool halfWeights() const { return options_.halfWeights; }
    // Drops what this run derived (a failed run may not have filled it).
    void forgetDerived();

    const Scope* currentScope() const { return scope_; }
    // Main-graph nodes whose work a Conv did in its epilogue this run, by
    // that Conv (graph-level fusion; never with keepIntermediates).
    const std::unordered_map<const Node*, std::vector<const Node*>>& fused() const { return fused_; }

private:
    // A graph's node order and each value's last reader.
    // A Conv whose single reader chain (Add of another tensor, and/or an
    // activation) may run in its epilogue.
    struct Fusion {
        std::vector<const Node*> absorbed;
        const Value* z = nullptr;
        const Value* output = nullptr; // the last absorbed node's output
        std::uint32_t act = 0;
        float alpha = 0, beta = 0;
    };
    struct Plan {
        std::vector<const Node*> order;
        std::unordered_map<const Value*, std::size_t> lastUse;
        std::unordered_map<const Node*, Fusion> fusions;
    };
    void planFusions(const Graph& graph, Plan& plan);
    const Plan& planOf(const Graph& graph);
    // Returns the nodes the kernel fused away (their work is done).
    const std::vector<const Node*>* runNode(const Node& node, Scope& scope, const Plan& plan);
    RtValue* lookup(const Value* v, Scope& scope);

    VulkanDevice& device_;
    BufferPool& pool_;
    Recorder& recorder_;
    std::unordered_map<const Tensor*, RtValue>& weights_;
    DerivedWeights& derived_;
    std::vector<DerivedWeights::key_type> derivedThisRun_;
    int opset_;
    Options options_;
    const Scope* scope_ = nullptr;
    int depth_ = 0;
    std::unordered_map<const Node*, int> nodeIndex_;
    std::unordered_map<const Graph*, Plan> plans_;
    std::unordered_map<const Node*, std::vector<const Node*>> fused_;
};

// Host evaluation of cheap ops over small host tensors (shape arithmetic):
// returns false when `opType` has no host implementation here.
bool hostEvaluable(const Node& node, int opset);
std::vector<HostTensor> hostEvaluate(const Node& node, std::vector<const HostTensor*> inputs, int opset);
// Ops whose output needs only the input's shape (Shape, Size).
bool shapeOnlyOp(const Node& node);

} // namespace nodus::rt
