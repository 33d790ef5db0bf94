#pragma once

#include "onnxdocument.h"

#include "ir/model.h"
#include "util/externalfiles.h"

#include <filesystem>
#include <map>
#include <memory>

namespace nodus {

// Builds the IR from a parsed OnnxDocument. Tensors become lazy views: raw
// payloads onto the mapped model file, external data onto mapped files next
// to the model (never outside its folder), typed fields decoded on first use.
class OnnxImporter {
public:
    explicit OnnxImporter(std::shared_ptr<OnnxDocument> doc);
    std::unique_ptr<Model> import();

    // Converts one ONNX type; public because writers and tools reuse it.
    static ValueType valueType(const ::onnx::TypeProto& type);

private:
    void importGraph(const ::onnx::GraphProto& proto, Graph& graph, int depth);
    void importNode(const ::onnx::NodeProto& proto, Graph& graph, int depth);
    Attribute importAttribute(const ::onnx::AttributeProto& proto, Graph& graph, int depth);
    std::shared_ptr<Tensor> importTensor(const ::onnx::TensorProto& proto);
    std::shared_ptr<Tensor> importTensorData(const ::onnx::TensorProto& proto);
    std::shared_ptr<Tensor> importSparse(const ::onnx::SparseTensorProto& proto);
    std::shared_ptr<const TensorData> externalData(const ::onnx::TensorProto& proto, Tensor& tensor);
    [[noreturn]] void fail(const std::string& what) const;

    std::shared_ptr<OnnxDocument> doc_;
    ExternalFiles external_;
};

} // namespace nodus
