#pragma once

#include "formats/format.h"

namespace nodus {

// Caffe networks: a text NetParameter (.prototxt) or a binary one with
// weights (.caffemodel). A .prototxt opens with the weights of the
// .caffemodel of the same stem beside it, matched by layer name. A solver
// prototxt is refused, naming its net. Written back as a .caffemodel
// (weights re-serialized, unknown fields kept) or a .prototxt.
class CaffeFormat final : public Format {
public:
    std::string_view name() const override { return "caffe"; }
    std::string_view displayName() const override { return "Caffe model"; }
    std::string_view mimeType() const override { return "application/x-caffe"; }
    std::vector<std::string> extensions() const override { return { ".prototxt", ".caffemodel" }; }
    unsigned capabilities() const override { return Read | Write | ExportOnnx; }
    const OpMetadata& opMetadata() const override;
    int sniff(const Probe& probe) const override;
    std::unique_ptr<Model> read(const Probe& probe) const override;
    void write(const Model& model, const std::filesystem::path& path, const WriteOptions& options) const override;
};

} // namespace nodus
