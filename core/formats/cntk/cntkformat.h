#pragma once

#include "cntkopmetadata.h"

#include "formats/format.h"

namespace nodus {

// CNTK 2.x model-v2 files: a protobuf Dictionary (cntk.proto) holding a
// serialized CompositeFunction. Read and written losslessly.
class CntkFormat final : public Format {
public:
    std::string_view name() const override { return "cntk"; }
    std::string_view displayName() const override { return "CNTK v2 model"; }
    std::string_view mimeType() const override { return "application/x-cntk-model"; }
    std::vector<std::string> extensions() const override { return { ".model", ".cntk", ".cmf", ".dnn" }; }
    unsigned capabilities() const override { return Read | Write | ExportOnnx; }
    const OpMetadata& opMetadata() const override { return cntkOpMetadata(); }
    std::vector<MimeMagic> magic() const override;
    int sniff(const Probe& probe) const override;
    std::unique_ptr<Model> read(const Probe& probe) const override;
    void write(const Model& model, const std::filesystem::path& path, const WriteOptions& options) const override;
};

} // namespace nodus
