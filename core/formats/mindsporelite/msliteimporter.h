#pragma once

#include "mslitedocument.h"

#include "formats/tflite/flatbufferreader.h"
#include "ir/model.h"

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace nodus {

// Builds the IR from a MindSpore Lite FlatBuffer (MetaGraph). The file keeps
// every node and tensor in two flat lists; each SubGraph names the ones it
// uses. The first subgraph (or, in files without any, the whole list) is the
// main graph and the others are model functions. Nodes are typed by their
// PrimitiveType union member ("Conv2DFusion"); options of the common ops
// become attributes. Tensors with data become initializers viewing the
// mapped file; quantization parameters go into the documentation.
class MsliteImporter {
public:
    explicit MsliteImporter(std::shared_ptr<const MappedFile> file);
    std::unique_ptr<Model> import();

private:
    struct TensorInfo {
        std::string name;
        std::optional<DataType> type;
        int typeId = 0;
        std::string typeName; // for types without a Nodus type, where typeIdName has none
        std::vector<std::int64_t> dims;
        std::string doc;
        std::shared_ptr<Tensor> stored;
    };

    void readTensors(const FlatTable& root);
    void buildGraph(Graph& graph, const std::vector<std::uint32_t>& nodeIndices,
        const std::vector<std::uint32_t>& inputs, const std::vector<std::uint32_t>& outputs, const std::string& where);
    void importNode(std::uint32_t index, Graph& graph, std::unordered_map<std::uint32_t, Value*>& values);
    Value* tensorValue(Graph& graph, std::unordered_map<std::uint32_t, Value*>& values, std::uint32_t index);
    std::unique_ptr<Model> importPredict();
    void readPredictTensors(const FlatTable& subgraph, const std::string& where);
    void decodeOptions(const FlatTable& options, const std::string& op, Node& node);
    void decodeCustom(const FlatTable& options, Node& node);
    std::vector<std::uint32_t> indexList(
        const FlatTable& table, int slot, std::uint32_t limit, const std::string& what);

    std::shared_ptr<MsliteDocument> doc_;
    FlatBufferReader reader_;
    bool v0_ = false;
    std::optional<FlatTable> root_;
    std::optional<FlatVector> nodes_;
    std::vector<TensorInfo> tensors_;
};

} // namespace nodus
