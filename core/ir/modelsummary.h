#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace nodus {

class Model;

// The counts `nodus-cli info` prints and the model panel shows.
struct ModelSummary {
    std::string format;
    std::string producer;
    std::string producerVersion;
    std::int64_t irVersion = 0;
    std::map<std::string, std::int64_t> opsets; // "ai.onnx" for the default domain
    std::string graphName;
    std::size_t nodes = 0;    // main graph only
    std::size_t inputs = 0;   // graph inputs that are not initializers
    std::size_t outputs = 0;
    std::size_t subgraphs = 0; // graph attributes at any depth of the main graph
    std::size_t functions = 0;
    std::size_t tensors = 0;  // stored tensors of the main graph
    std::uint64_t parameters = 0;
    std::vector<std::string> opTypes; // sorted, distinct, main graph

    static ModelSummary of(const Model& model);
};

} // namespace nodus
