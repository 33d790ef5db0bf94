#pragma once

#include "ir/datatype.h"
#include "vulkandevice.h"

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace nodus {
class Model;
class Graph;
class Tensor;
} // namespace nodus

namespace nodus::rt {

struct SessionOptions {
    std::string device; // see VulkanDevice; empty: best device
    bool keepIntermediates = false; // read back every value (GUI: click an edge)
    bool profile = false; // per-node device time (timestamps)
    // Conv, MatMul and Gemm weights kept on the device as float16 (half
    // the memory and bandwidth; arithmetic stays float32). Needs a device
    // with float16 texel buffers (DeviceInfo::halfWeights); refused
    // otherwise.
    bool halfWeights = false;
    // Small integer computations (shape arithmetic) whose inputs are on the
    // host run there instead of as kernels; off to run every op with a
    // kernel on the device (kernel tests).
    bool hostShapeArithmetic = true;
};

struct RunOptions {
    // Called between nodes with (nodes done, nodes in the main graph).
    std::function<void(int, int)> progress;
    // Set from another thread to stop the run (RunCancelled is thrown).
    const std::atomic<bool>* cancel = nullptr;
};

struct NodeTiming {
    std::string node; // node name (or "#index" when unnamed)
    std::string opType; // "Conv+Add+Relu" where a Conv did the nodes after it (fusion)
    std::size_t index = 0; // position in the main graph's node list
    double ms = 0;
    std::vector<std::string> kernels; // the shaders its dispatches ran, in order
    // "conv_pad, conv_tile": the kernels, comma-separated (empty when none).
    std::string kernelList() const;
};

// A graph input or output: a tensor, or an ONNX sequence of tensors, or an
// empty optional.
struct RunValue {
    enum class Kind { Tensor, Sequence, None };
    Kind kind = Kind::Tensor;
    std::shared_ptr<const Tensor> tensor;
    std::vector<std::shared_ptr<const Tensor>> sequence;
    DataType elementType = DataType::Float; // of an empty sequence
};

struct RunResult {
    // Graph outputs in order, as IR tensors of their ONNX types (nullptr
    // where the output is a sequence or an empty optional: see values).
    std::vector<std::shared_ptr<Tensor>> outputs;
    // Every output, tensors, sequences and optionals alike.
    std::vector<RunValue> values;
    // Every tensor value of the main graph by name (keepIntermediates).
    std::map<std::string, std::shared_ptr<Tensor>> intermediates;
    std::vector<NodeTiming> timings; // profile
    double wallMs = 0;
    // Where the wall time went on the host: recording the graph (with any
    // waits a host-side op needed), waiting for the device to finish, and
    // reading the results back.
    double recordMs = 0, waitMs = 0, readMs = 0;
    std::uint64_t dispatches = 0;
    std::uint64_t submits = 0;
};

// Ops of `graph` (and its subgraphs) the runtime has no kernel for, or
// whose attributes its kernel refuses, one line each:
// "LpNormalization 'norm1': no kernel" or "Resize 'r': mode 'cubic' ...".
std::vector<std::string> unsupportedOps(const Model& model);

// A model prepared for running on one device: kernels checked, weights
// uploaded on first use and kept across runs, pipelines cached.
class Session {
public:
    // Throws RuntimeError listing every unsupported op before anything runs.
    Session(std::shared_ptr<const Model> model, SessionOptions options = {});
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    const DeviceInfo& device() const;
    const Model& model() const { return *model_; }

    // Inputs by graph input name; every real graph input must be given.
    RunResult run(const std::vector<std::pair<std::string, std::shared_ptr<const Tensor>>>& inputs,
        const RunOptions& options = {});
    // The same with sequences and optionals among the inputs.
    RunResult run(const std::vector<std::pair<std::string, RunValue>>& inputs, const RunOptions& options = {});

private:
    struct Impl;
    std::shared_ptr<const Model> model_;
    std::unique_ptr<Impl> impl_;
};

// Sample inputs for a graph input: symbolic or unknown dims become 1
// (or `dims` where given), values seeded random normal-ish in [-1, 1) for
// floats and small non-negative integers for integer types, or all zeros /
// ones.
enum class InputFill { Random, Zeros, Ones };
std::shared_ptr<Tensor> makeInput(
    const std::string& name, DataType type, const std::vector<std::int64_t>& dims, InputFill fill, std::uint64_t seed);

} // namespace nodus::rt
