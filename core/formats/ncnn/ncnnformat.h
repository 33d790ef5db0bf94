#pragma once

#include "formats/format.h"

namespace nodus {

// ncnn networks: a text .param (magic line 7767517) or a binary .param.bin
// (ncnn2mem), with weights in the .bin of the same base name; pnnx graphs
// (the same magic, torch op names, a zip of weights) open too.
// Written back as a text .param and its .bin.
class NcnnFormat final : public Format {
public:
    std::string_view name() const override { return "ncnn"; }
    std::string_view displayName() const override { return "ncnn model"; }
    std::string_view mimeType() const override { return "application/x-ncnn-param"; }
    // ".param.bin" for the desktop: its glob outranks PyTorch's *.bin.
    std::vector<std::string> extensions() const override { return { ".param", ".param.bin" }; }
    std::vector<MimeMagic> magic() const override
    {
        return { { 0, "7767517\n", 70 }, { 0, std::string("\xdd\x85\x76\x00", 4), 60 } };
    }
    unsigned capabilities() const override { return Read | Write; }
    const OpMetadata& opMetadata() const override;
    int sniff(const Probe& probe) const override;
    std::unique_ptr<Model> read(const Probe& probe) const override;
    void write(const Model& model, const std::filesystem::path& path, const WriteOptions& options) const override;
    std::optional<std::filesystem::path> modelOf(const std::filesystem::path& sideFile) const override;
};

} // namespace nodus
