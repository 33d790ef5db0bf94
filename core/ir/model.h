#pragma once

#include "function.h"
#include "graph.h"
#include "nativedocument.h"

#include "util/error.h"

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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

// The document `model` was read with, as D, when one of `formats` read it;
// otherwise an error saying what it was read as, "not as <notAs>" (e.g.
// "a Core ML file: it cannot be saved as one"). What every writer checks
// before it splices edits into the file it came from.
template <class D>
const D& nativeDocumentAs(const Model& model, std::initializer_list<std::string_view> formats, std::string_view notAs)
{
    if (model.native)
        for (std::string_view f : formats)
            if (model.native->formatName() == f)
                return static_cast<const D&>(*model.native);
    throw Error("this model was read as " + (model.format.empty() ? std::string("another format") : model.format)
        + ", not as " + std::string(notAs));
}

} // namespace nodus
