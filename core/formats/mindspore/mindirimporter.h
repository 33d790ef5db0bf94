#pragma once

#include "util/externalfiles.h"

#include "mindirdocument.h"

#include "ir/model.h"

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace nodus {

// Builds the IR from a parsed MindirDocument, the way MindSpore's loader
// rebuilds its FuncGraphs: a node's inputs name other nodes' outputs, graph
// inputs, parameters or whole graphs; an op type "REF::<name>" calls a
// primitive of the 2023 format's primitive table, another graph (a Function
// here), a meta graph, or the value another node produced (a closure, shown
// as a "Call" node whose first input is that value). Parameters become
// initializers: raw_data as zero-copy views onto the mapped bytes, external
// data as views onto files inside the model's folder (never outside it).
class MindirImporter {
public:
    explicit MindirImporter(std::shared_ptr<MindirDocument> doc);
    std::unique_ptr<Model> import();

private:
    void importGraph(const mindir::GraphProto& proto, Graph& graph, int depth);
    void importNode(const mindir::NodeProto& proto, Graph& graph, int depth);
    Attribute importAttribute(const mindir::AttributeProto& a, Graph& graph, int depth);
    std::string valueText(const mindir::AttributeProto& a, int depth) const;
    std::shared_ptr<Tensor> importTensor(const mindir::TensorProto& proto);
    std::shared_ptr<const TensorData> externalData(const mindir::TensorProto& proto, Tensor& tensor);
    [[noreturn]] void fail(const std::string& what) const;

    std::shared_ptr<MindirDocument> doc_;
    std::unordered_map<std::string, const mindir::PrimitiveProto*> primitives_;
    std::unordered_set<std::string> functionNames_;
    // Every name a node input may refer to, in any graph.
    std::unordered_set<std::string> definedNames_;
    ExternalFiles external_;
};

} // namespace nodus
