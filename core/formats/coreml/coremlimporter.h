#pragma once

#include "coreml_schema.h"
#include "coremldocument.h"

#include "ir/model.h"
#include "util/protowire.h"

#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace nodus {

// Builds the IR from a Core ML specification (.mlmodel, a protobuf Model).
// A neural network's layers become nodes wired by blob names, with their
// weights (WeightParams) as stored tensors viewing the file; a pipeline
// becomes one node per model, wired by feature names, and a nested network
// or pipeline hangs off its node as a graph attribute; any other model type
// is one node with its parameters. The description's features are the
// graph's inputs and outputs with their Core ML types.
class CoremlImporter {
public:
    explicit CoremlImporter(std::shared_ptr<const MappedFile> file);
    std::unique_ptr<Model> import();

private:
    using Bytes = std::span<const std::byte>;
    using Fields = std::vector<WireField>;

    Fields fields(Bytes message, const std::string& what);
    std::uint64_t offsetOf(Bytes bytes) const;
    std::string text(Bytes bytes) const
    {
        return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    }

    // Fills `graph` from one Model message; `top` gets model-level properties.
    void importModel(Bytes message, Graph& graph, int depth, const std::string& where, Model* top);
    void readFeatures(const Fields& description, std::uint32_t field, Graph& graph, bool inputs);
    ValueType featureType(Bytes type, std::string& doc, const std::string& where);
    void importNetwork(Bytes network, Graph& graph, int depth, const std::string& where);
    void importPipeline(Bytes pipeline, Graph& graph, int depth, const std::string& where);
    void importLayer(Bytes layer, Graph& graph, int depth, const std::string& where, std::size_t index);
    void decodeParams(Bytes params, std::span<const coreml::ParamField> table, Node& node, Graph& graph,
        std::uint32_t layerField, const std::string& where);
    std::shared_ptr<Tensor> weightTensor(
        Bytes weights, const std::string& name, const std::vector<std::int64_t>& dims, const std::string& where);

    Value* use(Graph& graph, const std::string& name);
    Value* produce(Graph& graph, const std::string& name);

    std::shared_ptr<CoremlDocument> doc_;
    std::string path_;
    std::uint64_t visited_ = 0;
    std::uint64_t budget_ = 0;
    // The value each blob or feature name currently refers to, per graph:
    // Core ML lets a later layer (Copy) or model write a name again.
    std::map<const Graph*, std::map<std::string, Value*>> current_;
};

} // namespace nodus
