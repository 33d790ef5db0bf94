#pragma once

#include "formats/format.h"

namespace nodus {

// TensorFlow models: a GraphDef (frozen graph, .pb / .pbtxt), a MetaGraphDef
// (.meta, with the checkpoint beside it when there is one) or a SavedModel
// (a folder holding saved_model.pb and variables/, or the saved_model.pb
// itself). Protobuf without magic: detected by field structure. Written
// back with edited Const and variable values.
class TensorflowFormat final : public Format {
public:
    std::string_view name() const override { return "tensorflow"; }
    std::string_view displayName() const override { return "TensorFlow model"; }
    std::string_view mimeType() const override { return "application/x-tensorflow-graph"; }
    std::vector<std::string> extensions() const override { return { ".pb", ".pbtxt", ".meta" }; }
    unsigned capabilities() const override { return Read | Write; }
    const OpMetadata& opMetadata() const override;
    int sniff(const Probe& probe) const override;
    std::unique_ptr<Model> read(const Probe& probe) const override;
    void write(const Model& model, const std::filesystem::path& path, const WriteOptions& options) const override;
};

} // namespace nodus
