#pragma once

#include <memory>
#include <string>

namespace nodus {

class Graph;
class Model;
class TensorflowDocument;

// Builds the IR of a parsed TensorFlow document: NodeDefs become nodes with
// their attributes; "node:k" inputs become edges on the values "node:k";
// "^node" control inputs are listed in the node's "_control_inputs"
// attribute; Placeholders become graph inputs and input-free Consts stored
// tensors; library functions become the model's functions; a SavedModel's
// variables are stored tensors fed into their VariableV2/VarHandleOp nodes.
class TensorflowImporter {
public:
    // `name` (the file) is used in messages.
    TensorflowImporter(std::shared_ptr<TensorflowDocument> document, std::string name);
    std::unique_ptr<Model> import();

private:
    void importGraph(Model& model, Graph& graph);
    void importFunctions(Model& model);
    void importVariables(Model& model);
    void importMetaGraph(Model& model);

    std::shared_ptr<TensorflowDocument> doc_;
    std::string name_;
};

} // namespace nodus
