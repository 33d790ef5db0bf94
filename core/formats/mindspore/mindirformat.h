#pragma once

#include "mindsporeopmetadata.h"

#include "formats/format.h"

namespace nodus {

// MindSpore's MindIR (mind_ir.ModelProto), plain or encrypted.
class MindirFormat final : public Format {
public:
    std::string_view name() const override { return "mindir"; }
    std::string_view displayName() const override { return "MindSpore MindIR model"; }
    std::string_view mimeType() const override { return "application/x-mindspore-mindir"; }
    std::vector<std::string> extensions() const override { return { ".mindir" }; }
    unsigned capabilities() const override { return Read | Write | ExportOnnx; }
    const OpMetadata& opMetadata() const override { return mindSporeOpMetadata(); }
    std::vector<MimeMagic> magic() const override;
    int sniff(const Probe& probe) const override;
    std::unique_ptr<Model> read(const Probe& probe) const override;
    void write(const Model& model, const std::filesystem::path& path, const WriteOptions& options) const override;
};

} // namespace nodus
