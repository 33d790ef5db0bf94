#pragma once

#include "flatbufferreader.h"
#include "tflitedocument.h"

#include "ir/model.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nodus {

// Builds the IR from a TFLite FlatBuffer. Subgraph 0 is the main graph; the
// bodies of control-flow ops (IF, WHILE, CALL_ONCE, CALL) hang off their
// nodes as graph attributes, and subgraphs no op refers to become model
// functions. Operators become nodes named after their first output, typed by
// builtin operator ("Conv2D") or custom code, with builtin options decoded
// into attributes. Constant buffers become initializers that are zero-copy
// views of the mapped file; quantization parameters go into the values' and
// tensors' documentation.
class TfliteImporter {
public:
    explicit TfliteImporter(std::shared_ptr<const MappedFile> file);
    std::unique_ptr<Model> import();

private:
    struct OpCode {
        int builtin = 0;
        std::string custom;
        int version = 1;
    };
    struct BufferRange {
        std::uint64_t offset = 0;
        std::uint64_t length = 0;
        bool present = false;
    };

    void readOperatorCodes(const FlatTable& model);
    void readBuffers(const FlatTable& model);
    void readMetadata(const FlatTable& model, Model& out);
    void importSubgraph(int index, Graph& graph);
    void importOperator(const FlatTable& op, int subgraph, Graph& graph, const std::vector<Value*>& values);
    void decodeOptions(const FlatTable& op, const OpCode& code, Node& node, int subgraph);
    std::shared_ptr<Tensor> importTensorData(
        const FlatTable& tensor, const std::string& name, DataType type, const std::vector<std::int64_t>& dims);
    std::shared_ptr<Graph> subgraphFor(int index, int from);

    std::shared_ptr<TfliteDocument> doc_;
    FlatBufferReader reader_;
    std::optional<FlatTable> root_;
    std::optional<FlatVector> subgraphs_;
    std::vector<OpCode> opcodes_;
    std::vector<BufferRange> buffers_;
    // Built on first reference; index 0 is the main graph.
    std::vector<std::shared_ptr<Graph>> graphs_;
    std::vector<int> state_; // 0 not started, 1 importing, 2 done
    std::vector<bool> referenced_;
    int nesting_ = 0; // subgraphs being imported inside another
};

} // namespace nodus
