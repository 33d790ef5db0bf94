#pragma once

#include "graph.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace nodus {

// A model-local function (ONNX FunctionProto, MindIR function, CNTK block):
// a named graph that nodes call by op type and domain.
struct Function {
    std::string name;
    std::string domain;
    std::string overload;
    std::string docString;
    std::vector<std::string> attributeNames;
    std::vector<std::pair<std::string, std::int64_t>> opsets;
    std::shared_ptr<Graph> graph;
};

} // namespace nodus
