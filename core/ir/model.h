#pragma once

#include "function.h"
#include "graph.h"
#include "nativedocument.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nodus {

// A model as opened from a file: the main graph, model-local functions and
// model-level properties, whatever the format.
class Model {
public:
    Model();

    std::string format; // registry short name of the format it was read as
    std::filesystem::path sourcePath;

    std::string producerName;
    std::string producerVersion;
    std::string domain;
    std::string docString;
    std::optional<std::int64_t> irVersion;
    std::optional<std::int64_t> modelVersion;
    std::vector<std::pair<std::string, std::int64_t>> opsets; // "" = default domain
    std::vector<std::pair<std::string, std::string>> metadata;

    std::shared_ptr<Graph> graph;
    std::vector<Function> functions;

    // The format's own parsed document, for lossless write-back.
    std::shared_ptr<NativeDocument> native;

    // Counts used by `info`: stored tensors of the main graph and their elements.
    std::size_t tensorCount() const;
    std::uint64_t parameterCount() const;
};

} // namespace nodus
