#pragma once

#include "formats/tensorflow/tensorflow.pb.h"

#include "ir/nativedocument.h"
#include "ir/tensor.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace nodus {

class MappedFile;

// What a TensorFlow model keeps for writing back: the parsed document (a
// GraphDef, MetaGraphDef or SavedModel; protobuf keeps the fields our schema
// does not declare as unknown fields, so a save loses nothing), where each
// stored tensor came from, and the SavedModel's variables with their bytes
// in the data shards.
class TensorflowDocument final : public NativeDocument {
public:
    std::string_view formatName() const override { return "tensorflow"; }

    enum class Kind { GraphDef, MetaGraph, SavedModel };
    Kind kind = Kind::GraphDef;
    bool text = false; // read from text format (.pbtxt)
    bool folder = false; // opened as a SavedModel folder
    std::shared_ptr<google::protobuf::Message> root;
    tf::GraphDef* graph = nullptr; // inside root
    // A tensor given by a node attribute (a Const's "value"): the node, in
    // graph->node(), or in a library function's node_def.
    struct Constant {
        std::shared_ptr<Tensor> tensor;
        std::shared_ptr<const TensorData> original;
        int function = -1; // -1: the main graph
        int node = 0;
        std::string attribute;
    };
    std::vector<Constant> constants;
    // A variable of the tensor bundle beside the model.
    struct Variable {
        std::shared_ptr<Tensor> tensor;
        std::shared_ptr<const TensorData> original;
    };
    std::vector<Variable> variables;
    std::filesystem::path bundlePrefix; // empty: no variables
};

} // namespace nodus
