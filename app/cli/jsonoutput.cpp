#include "jsonoutput.h"

#include "ir/modelsummary.h"

namespace nodus::cli {

nlohmann::json summaryJson(const std::string& file, const ModelSummary& s)
{
    nlohmann::json j;
    j["file"] = file;
    j["format"] = s.format;
    j["producer"] = s.producer;
    j["producer_version"] = s.producerVersion;
    j["ir_version"] = s.irVersion;
    j["opsets"] = s.opsets;
    j["graph"] = {{"name", s.graphName}, {"nodes", s.nodes}, {"inputs", s.inputs}, {"outputs", s.outputs}};
    j["subgraphs"] = s.subgraphs;
    j["functions"] = s.functions;
    j["tensors"] = s.tensors;
    j["parameters"] = s.parameters;
    j["op_types"] = s.opTypes;
    return j;
}

} // namespace nodus::cli
