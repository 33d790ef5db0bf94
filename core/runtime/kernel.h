#pragma once

#include "recorder.h"
#include "rtvalue.h"

#include <concepts>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nodus {
class Graph;
class Node;
struct Attribute;
} // namespace nodus

namespace nodus::rt {

class Executor;

// A graph-level fusion offered to a Conv kernel: the nodes after it (an Add
// of `z`, then an activation, codes as in conv_act.glsl) that it may compute
// in its epilogue, y = act(conv + bias + z). The kernel calls
// acceptFusion() when it does, and its output 0 then stands for the last
// fused node's output.
struct FusionOffer {
    std::uint32_t act = 0;
    float alpha = 0, beta = 0;
    RtValue* z = nullptr; // no Add when null
};

// What a kernel sees of one node during a run. Inputs come as RtValues
// (omitted optional inputs are absent: has(i) is false); a kernel computes
// its output shapes from the input shapes it is given (and from host values
// of shape inputs), allocates outputs with output(), and records dispatches.
class KernelContext {
public:
    KernelContext(Executor& executor, const Node& node, std::vector<RtValue*> inputs, int opset);

    const Node& node() const { return node_; }
    int opset() const { return opset_; }
    Recorder& recorder();
    Executor& executor() { return executor_; }

    // ---- inputs
    int inputCount() const { return int(inputs_.size()); }
    bool has(int i) const { return i < int(inputs_.size()) && inputs_[i] != nullptr; }
    const RtValue& input(int i) const; // throws when absent
    DataType type(int i) const { return input(i).type; }
    const std::vector<std::int64_t>& shape(int i) const { return input(i).shape; }
    std::uint64_t count(int i) const { return input(i).count(); }
    // The input on the device (uploaded now when it lives on the host).
    BufferRef buffer(int i);
    // The input on the host (read back from the device now if it must be:
    // this waits for the queue, so kernels ask only for small shape inputs).
    const HostTensor& host(int i);
    std::vector<std::int64_t> ints(int i) { return host(i).ints(); }
    std::vector<double> doubles(int i) { return host(i).doubles(); }
    // True when the input is already on the host (no wait needed).
    bool onHost(int i) const;

    // ---- outputs
    int outputCount() const;
    bool wanted(int i) const; // the node has output i and it has a name
    // A fresh device tensor for output i (pooled; released after its last reader).
    RtValue& output(int i, DataType type, std::vector<std::int64_t> shape);
    BufferRef outBuffer(int i);
    // Output i is input j's elements under a new shape (Reshape, Squeeze...):
    // no copy.
    void alias(int i, int j, std::vector<std::int64_t> shape);
    // Output i computed on the host.
    void setHost(int i, HostTensor tensor);
    void setValue(int i, RtValue value);
    RtValue& outputValue(int i);

    // Values inside sequences, or values a kernel made itself.
    BufferRef bufferOf(RtValue& value);
    const HostTensor& hostOf(RtValue& value);
    // A fresh pooled device tensor (not an output), e.g. for a loop's state.
    RtValue makeDevice(DataType type, std::vector<std::int64_t> shape);

    // Runs a subgraph (If branch, Loop or Scan body) with `inputs` bound to
    // its inputs in order; values the body reads from enclosing graphs are
    // found by name. Returns the body's outputs in order.
    std::vector<RtValue> runSubgraph(const Graph& graph, std::vector<RtValue> inputs);

    // A device scratch buffer for this node.
    BufferRef scratch(std::uint64_t bytes);
    // A buffer of `bytes` derived from input i (repacked weights), `how`
    // naming the derivation and its parameters. When input i is a session
    // weight the buffer lives as long as the session and `fresh` is set
    // only on first use; otherwise it is scratch and always fresh. The
    // kernel fills it (records the work) when it is fresh.
    BufferRef derived(int i, const std::string& how, std::uint64_t bytes, bool& fresh);
    // A float session weight rewritten on the host: `fill` gets input i's
    // values and writes `bytes` in the kernel's layout (transformed or
    // float16 weights), uploaded on first use and kept for the session,
    // instead of input i's float32 copy. Nullopt when input i is not a
    // float session weight.
    using HostFill = std::function<void(std::span<const float>, std::span<std::byte>)>;
    std::optional<BufferRef> hostDerived(int i, const std::string& how, std::uint64_t bytes, const HostFill& fill);
    // The same when the session keeps weights as float16
    // (SessionOptions::halfWeights), else nullopt: the kernel then reads
    // input i as float32.
    bool halfWeights() const;
    std::optional<BufferRef> halfWeight(int i, const std::string& how, std::uint64_t bytes, const HostFill& fill);

    // ---- attributes (ONNX defaults are the caller's `fallback`)
    const Attribute* attr(std::string_view name) const;
    std::int64_t attrInt(std::string_view name, std::int64_t fallback) const;
    float attrFloat(std::string_view name, float fallback) const;
    std::string attrString(std::string_view name, std::string fallback = {}) const;
    std::vector<std::int64_t> attrInts(std::string_view name, std::vector<std::int64_t> fallback = {}) const;
    std::vector<float> attrFloats(std::string_view name, std::vector<float> fallback = {}) const;

    // ---- recording
    // Shader name of a family for a rep: shader("binary", Rep::F32) -> "binary_f32".
    static std::string shader(std::string_view family, Rep rep);
    void dispatch(std::string_view shader, std::initializer_list<std::uint32_t> specialization,
        std::span<const std::uint32_t> params, std::initializer_list<BufferRef> buffers, std::uint32_t gx,
        std::uint32_t gy = 1, std::uint32_t gz = 1);
    void dispatch1D(std::string_view shader, std::initializer_list<std::uint32_t> specialization,
        std::span<const std::uint32_t> params, std::initializer_list<BufferRef> buffers, std::uint64_t invocations,
        std::uint32_t localSize = 64);

    // ---- graph-level fusion (see FusionOffer)
    const FusionOffer* fusion() const { return fusion_; }
    void acceptFusion() { fusionAccepted_ = true; }

    // Fails naming the node and the tensor when a binding spans more than
    // the device allows (maxStorageBufferRange or maxTexelBufferElements).
    void checkBindings(std::span<const BufferRef> buffers) const;
    // The name of the input or output whose device copy `ref` views, else
    // "a scratch buffer".
    std::string bindingName(const BufferRef& ref) const;

    // Throws RuntimeError naming the node: "Conv 'conv1': <message>".
    [[noreturn]] void fail(const std::string& message) const;

private:
    Executor& executor_;
    const Node& node_;
    std::vector<RtValue*> inputs_;
    std::vector<RtValue> outputs_;
    std::vector<std::shared_ptr<Buffer>> scratch_;
    int opset_;
    const FusionOffer* fusion_ = nullptr;
    bool fusionAccepted_ = false;
    friend class Executor;
};

// Encodes a float for a uint parameter block.
std::uint32_t floatBits(float f);

// A size, count or offset as a shader's 32-bit uint. Throws RuntimeError
// (the executor adds the node's name) when it is negative or does not fit.
[[noreturn]] void failU32(long double v, const char* what);
template <std::integral V> std::uint32_t u32(V v, const char* what = "a tensor")
{
    if (v < 0 || static_cast<std::uint64_t>(v) > 0xFFFFFFFFull)
        failU32(static_cast<long double>(v), what);
    return static_cast<std::uint32_t>(v);
}

// Loop iterations one shader invocation may spend. Lavapipe (llvmpipe)
// silently ends every loop of an invocation after 65535 iterations in all,
// so kernels split longer work over invocations or dispatches.
inline constexpr std::uint64_t kLoopBudget = 32768;

using KernelFn = std::function<void(KernelContext&)>;
// Checks a node before a run: empty when the kernel can run it, else why not
// ("mode 'cubic' is not supported").
using KernelCheck = std::function<std::string(const Node&)>;

// Whether a kernel takes input `input` of `node` even when it is larger than
// one storage-buffer binding may span (it splits it into ranges that fit).
using LargeInputFn = std::function<bool(const Node& node, int input)>;

struct KernelInfo {
    KernelFn run;
    KernelCheck check;
    LargeInputFn large;
};

// One kernel per op type, registered by op name (domain "" / "ai.onnx").
class KernelRegistry {
public:
    static KernelRegistry& instance(); // every built-in kernel
    void add(std::string opType, KernelFn run, KernelCheck check = {});
    void add(std::string domain, std::string opType, KernelFn run, KernelCheck check = {});
    const KernelInfo* find(std::string_view domain, std::string_view opType) const;
    // Declares which inputs the kernel of `opType` splits when they exceed
    // the binding limit (see LargeInputFn); others are refused before a run.
    void setLarge(const std::string& opType, LargeInputFn large);
    std::vector<std::string> opTypes() const;

private:
    std::map<std::string, KernelInfo, std::less<>> kernels_;
};

// Each op family registers its kernels here (ops/<family>.cpp).
void registerElementwiseKernels(KernelRegistry&);
void registerShapeKernels(KernelRegistry&);
void registerGemmKernels(KernelRegistry&);
void registerConvKernels(KernelRegistry&);
void registerNormKernels(KernelRegistry&);
void registerReduceKernels(KernelRegistry&);
void registerIndexKernels(KernelRegistry&);
void registerRecurrentKernels(KernelRegistry&);
void registerControlKernels(KernelRegistry&);
void registerSignalKernels(KernelRegistry&);

} // namespace nodus::rt
