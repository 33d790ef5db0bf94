#pragma once

#include "formats/format.h"

namespace nodus {

// MindSpore Lite models (.ms): a FlatBuffer MetaGraph with the file
// identifier "MSL2" (or "MSL1"/none for files before MindSpore Lite 1.2).
// Written back with edited tensor values patched into the original bytes.
class MsliteFormat final : public Format {
public:
    std::string_view name() const override { return "mindspore-lite"; }
    std::string_view displayName() const override { return "MindSpore Lite model"; }
    std::string_view mimeType() const override { return "application/x-mindspore-lite"; }
    std::vector<std::string> extensions() const override { return { ".ms" }; }
    // *.ms is also troff's (text/x-troff-ms); files older than the
    // identifier have only the name to go by.
    std::vector<MimeMagic> magic() const override { return { { 4, "MSL2", 80 }, { 4, "MSL1", 80 } }; }
    int globWeight() const override { return 60; }
    unsigned capabilities() const override { return Read | Write; }
    const OpMetadata& opMetadata() const override;
    int sniff(const Probe& probe) const override;
    std::unique_ptr<Model> read(const Probe& probe) const override;
    void write(const Model& model, const std::filesystem::path& path, const WriteOptions& options) const override;
};

} // namespace nodus
