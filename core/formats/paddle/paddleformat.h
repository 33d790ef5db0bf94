#pragma once

#include "formats/format.h"

namespace nodus {

// PaddlePaddle inference models: a ProgramDesc protobuf (`__model__` or
// `<name>.pdmodel`) with its parameters beside it. A folder holding
// `__model__` or one .pdmodel opens that model. There is no magic: the
// content is told from other protobuf formats by its structure (blocks that
// start with idx 0 and parent_idx -1, ops and variables inside). Saving
// writes the program as read and the parameters with edited weight values
// (see paddlewriter.h).
class PaddleFormat final : public Format {
public:
    std::string_view name() const override { return "paddle"; }
    std::string_view displayName() const override { return "PaddlePaddle model"; }
    std::string_view mimeType() const override { return "application/x-paddle"; }
    std::vector<std::string> extensions() const override { return { ".pdmodel" }; }
    unsigned capabilities() const override { return Read | Write; }
    int sniff(const Probe& probe) const override;
    std::unique_ptr<Model> read(const Probe& probe) const override;
    void write(const Model& model, const std::filesystem::path& path, const WriteOptions& options) const override;
    std::optional<std::filesystem::path> modelOf(const std::filesystem::path& sideFile) const override;
    const OpMetadata& opMetadata() const override;
};

} // namespace nodus
