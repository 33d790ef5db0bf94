#pragma once

#include "cntkdocument.h"

#include "ir/model.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace nodus {

// Builds the IR from a parsed CNTK model-v2 Dictionary (a serialized
// CompositeFunction), the way CNTK's own loader and Netron read it:
//  - "inputs" lists the Variables: inputs (graph inputs), parameters and
//    constants (initializers, their NDArrayViews mapped without a copy
//    where the file allows), placeholders (block arguments, or stand-ins
//    for outputs that close a loop);
//  - "primitive_functions" lists every function of the model, those inside
//    Block functions included, flat. A function's outputs are not stored:
//    CNTK names them "<uid>_Output_<n>", which is how inputs refer to them.
//  - A Block function's body is found by walking back from its composite's
//    root to the block's argument placeholders; it becomes a subgraph held
//    by the node's "block" attribute, so the GUI can enter it.
// PastValue/FutureValue edges are kept as they are, cycles included.
class CntkImporter {
public:
    explicit CntkImporter(std::shared_ptr<CntkDocument> doc);
    std::unique_ptr<Model> import();

private:
    struct Variable {
        std::string uid;
        std::string name;
        std::uint64_t kind = 0; // CNTK VariableKind: input, output, parameter, constant, placeholder
        DataType dataType = DataType::Undefined;
        const ::nodus::cntk::NDShape* shape = nullptr;
        std::vector<std::string> dynamicAxes; // symbols, in CNTK's order
        bool sparse = false;
        const ::nodus::cntk::NDArrayView* value = nullptr;
    };
    struct Function {
        std::string uid;
        std::string name;
        std::string opType;
        std::optional<std::uint64_t> op; // PrimitiveOpType; none for user-defined functions
        std::vector<std::string> inputs;
        std::vector<int> producers; // per input: the function producing it, or -1
        const ::nodus::cntk::Dictionary* attributes = nullptr;
        const ::nodus::cntk::Dictionary* userState = nullptr;
        std::string blockRoot;
        std::vector<std::string> argumentKeys;
        std::vector<std::string> argumentValues;
        std::size_t outputs = 1;
        int owner = -1; // the Block whose body holds it; -1 for the root graph
    };

    void checkIsModel() const;
    void readVariables();
    void readFunctions();
    void resolveOutputs();
    void assignOwners();
    std::vector<std::size_t> topologicalOrder(int scope) const;
    void buildScope(int scope, Graph& graph, int depth);
    void buildNode(std::size_t index, Graph& graph, int depth);
    Value* value(Graph& graph, const std::string& name) const;
    ValueType variableType(const Variable& v) const;
    std::shared_ptr<Tensor> makeTensor(const ::nodus::cntk::NDArrayView& view, const std::string& name,
                                       const std::string& docString);
    Attribute makeAttribute(const std::string& name, const ::nodus::cntk::DictionaryValue& value,
                            const std::string& tensorName);
    std::optional<std::pair<std::size_t, std::size_t>> outputReference(const std::string& ref) const;
    [[noreturn]] void fail(const std::string& what) const;

    std::shared_ptr<CntkDocument> doc_;
    std::vector<Variable> variables_;
    std::unordered_map<std::string, std::size_t> variableIndex_;
    std::vector<Function> functions_;
    std::unordered_map<std::string, std::size_t> functionIndex_;
    std::string root_;
};

} // namespace nodus
