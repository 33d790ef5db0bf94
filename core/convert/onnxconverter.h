#pragma once

#include "onnxbuilder.h"
#include "onnxexport.h"

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace nodus {

struct Attribute;
class Graph;
class Model;
class Node;
class Value;

// A node the converter cannot express in ONNX, with the reason.
struct UnsupportedOp {
    std::string reason;
};

// What the CNTK and MindSpore converters share: the walk over a graph, the
// names given to IR values, the unsupported-op report and the partial-export
// fallback (an op of the source's own domain, its inputs and outputs kept).
class OnnxConverter {
public:
    OnnxConverter(
        const Model& model, OnnxBuilder& builder, OnnxExportReport& report, bool partial, std::string customDomain);
    virtual ~OnnxConverter() = default;

    // Converts the main graph: inputs, nodes, outputs.
    virtual void run() = 0;

protected:
    using Handler = std::function<std::vector<std::string>(const Node&)>;

    // Converts the nodes of `graph` in order, by the table; unsupported ones
    // are reported (and kept as custom ops when exporting partially).
    void convertNodes(const Graph& graph);
    static std::vector<bool> liveNodes(const Graph& graph);
    virtual const Handler* handlerFor(const Node& node) const = 0;
    // The ONNX name bound to an IR value; initializers are written on first use.
    std::string name(const Value* v);
    bool bound(const Value* v) const;
    void bind(const Value* v, const std::string& onnxName) { names_[v] = onnxName; }
    // Input k of n (throws UnsupportedOp when absent).
    std::string input(const Node& n, std::size_t k);
    virtual std::string materialize(const Value* v);
    virtual void customNode(const Node& n);
    // The ONNX type of a source value, as far as the file states it.
    virtual std::optional<OnnxValueType> declaredType(const Value* v);
    // Ops whose one output has their first input's type (for custom ops).
    virtual bool keepsInputType(const Node&) const { return false; }
    void note(const std::string& text);

    static std::int64_t intAttr(const Node& n, std::string_view name, std::int64_t fallback);
    static double floatAttr(const Node& n, std::string_view name, double fallback);
    static std::string stringAttr(const Node& n, std::string_view name, const std::string& fallback = {});
    static std::vector<std::int64_t> intsAttr(const Node& n, std::string_view name);
    static std::string hint(const Node& n);

    // For formats whose nodes take their weights as stored inputs (Caffe,
    // ncnn): the stored inputs in order, the inputs that are not stored
    // (as ONNX names), the first of those.
    static std::vector<const Tensor*> weights(const Node& n);
    std::vector<std::string> dataInputs(const Node& n);
    std::string data(const Node& n);
    // A stored tensor's values as float32 (float32 and float16 tensors;
    // others are refused naming the tensor and its type).
    static std::vector<float> floats(const Tensor& t);
    // A new float32 initializer.
    std::string constant(const std::vector<float>& v, const std::vector<std::int64_t>& dims, const std::string& hint);

    // ONNX begin/end pads for auto padding as CNTK and TensorFlow "same" do
    // it: output ceil(in / stride), the window's centre on the first element
    // when `centred`, the extra element at the end otherwise.
    static std::pair<std::int64_t, std::int64_t> samePads(
        std::int64_t in, std::int64_t kernel, std::int64_t stride, std::int64_t dilation, bool centred);

    const Model& model_;
    OnnxBuilder& b_;
    OnnxExportReport& report_;
    bool partial_;
    std::string customDomain_;
    std::unordered_map<const Value*, std::string> names_;
    // Outputs of ops kept as custom ops: what depends on them is not
    // reported again, only kept.
    std::unordered_set<std::string> tainted_;
};

} // namespace nodus
