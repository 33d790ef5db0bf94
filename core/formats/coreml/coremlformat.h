#pragma once

#include "formats/format.h"

namespace nodus {

// Core ML model specifications (.mlmodel): a protobuf Model message, told
// apart from other protobuf formats by its top-level fields (a specification
// version, a description and one model-type field numbered 200 and up).
// Written back with edited weights patched into the original bytes.
class CoremlFormat final : public Format {
public:
    std::string_view name() const override { return "coreml"; }
    std::string_view displayName() const override { return "Core ML model"; }
    std::string_view mimeType() const override { return "application/x-coreml"; }
    std::vector<std::string> extensions() const override { return { ".mlmodel" }; }
    unsigned capabilities() const override { return Read | Write; }
    const OpMetadata& opMetadata() const override;
    int sniff(const Probe& probe) const override;
    std::unique_ptr<Model> read(const Probe& probe) const override;
    void write(const Model& model, const std::filesystem::path& path, const WriteOptions& options) const override;
};

} // namespace nodus
