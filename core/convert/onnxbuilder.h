#pragma once

#include "ir/datatype.h"
#include "ir/shape.h"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace nodus {

class Tensor;

// What is known of an ONNX value's type while a graph is being built.
struct OnnxValueType {
    DataType elementType = DataType::Undefined;
    bool rankKnown = false;
    std::vector<std::int64_t> dims; // -1: not a fixed number
    int rank() const { return static_cast<int>(dims.size()); }
};

// Writes an ONNX graph node by node for the converters: unique names,
// initializers, typed constants, and value types worked out on demand by
// libonnx's shape inference over what has been built so far.
class OnnxBuilder {
public:
    OnnxBuilder(onnx::ModelProto& model, int opset);

    onnx::GraphProto& graph() { return *graph_; }
    int opset() const { return opset_; }

    // A name not used yet, derived from `base`.
    std::string fresh(std::string_view base);

    // One node; outputs are fresh names derived from `hint` unless given.
    onnx::NodeProto& node(std::string_view op, const std::vector<std::string>& inputs,
        const std::vector<std::string>& outputs, std::string_view name = {});
    // One node with one output, named after `hint`; returns the output.
    std::string op(std::string_view op, const std::vector<std::string>& inputs, std::string_view hint,
        onnx::NodeProto** created = nullptr);

    static void setAttr(onnx::NodeProto& n, const std::string& name, std::int64_t v);
    static void setAttr(onnx::NodeProto& n, const std::string& name, float v);
    static void setAttr(onnx::NodeProto& n, const std::string& name, const std::string& v);
    static void setAttr(onnx::NodeProto& n, const std::string& name, const std::vector<std::int64_t>& v);
    static void setAttr(onnx::NodeProto& n, const std::string& name, const std::vector<float>& v);

    // A stored tensor (bytes copied from the IR tensor) under a fresh name.
    std::string initializer(const Tensor& tensor, std::string_view hint);
    std::string initializer(const Tensor& tensor, std::string_view hint, const std::vector<std::int64_t>& dims);
    // Small constants, stored as initializers.
    std::string ints(const std::vector<std::int64_t>& values, std::string_view hint, bool scalar = false);
    // A scalar of `type` (any numeric ONNX type) with value `v`, as an
    // initializer or as an unnamed tensor (ConstantOfShape's value).
    static onnx::TensorProto scalarTensor(DataType type, double v);
    std::string scalar(DataType type, double v, std::string_view hint);

    void addInput(const std::string& name, DataType type, const std::vector<Dim>& dims, bool rankKnown);
    // Graph output with the type inference found (element type at least).
    void addOutput(const std::string& name, DataType fallback = DataType::Float);

    // The type of a value, from what was declared or by shape inference over
    // the graph built so far; nullopt when inference cannot tell.
    std::optional<OnnxValueType> type(const std::string& name);
    // Static dims, or nullopt when any is unknown.
    std::optional<std::vector<std::int64_t>> staticDims(const std::string& name);
    std::optional<int> rank(const std::string& name);
    DataType elementType(const std::string& name);
    // States a value's type (outputs of custom ops, which inference cannot
    // follow); written to the graph's value_info.
    void declare(const std::string& name, const OnnxValueType& t);

    // Imports `domain` (version 1) once, for custom ops.
    void useDomain(const std::string& domain);

    std::size_t nodeCount() const { return static_cast<std::size_t>(graph_->node_size()); }

private:
    void infer();

    onnx::ModelProto& model_;
    onnx::GraphProto* graph_;
    int opset_;
    std::unordered_set<std::string> used_;
    std::unordered_map<std::string, OnnxValueType> known_;
    std::vector<onnx::ValueInfoProto> declared_;
    int inferredAt_ = -1; // node count when inference last ran
};

} // namespace nodus
