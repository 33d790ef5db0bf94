#pragma once

#include "formats/format.h"

namespace nodus {

// MindSpore checkpoints (.ckpt): named tensors, no graph. A model read from
// one has an empty graph whose initializers are the checkpoint's tensors.
class CheckpointFormat final : public Format {
public:
    std::string_view name() const override { return "mindspore-ckpt"; }
    std::string_view displayName() const override { return "MindSpore checkpoint"; }
    std::string_view mimeType() const override { return "application/x-mindspore-checkpoint"; }
    std::vector<std::string> extensions() const override { return { ".ckpt" }; }
    unsigned capabilities() const override { return Read | Write; }
    int sniff(const Probe& probe) const override;
    std::unique_ptr<Model> read(const Probe& probe) const override;
    void write(const Model& model, const std::filesystem::path& path, const WriteOptions& options) const override;
};

} // namespace nodus
