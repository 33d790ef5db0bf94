#pragma once

#include "formats/format.h"

namespace nodus {

// GGUF (llama.cpp / ggml): "GGUF", a version, metadata key/values and
// tensor infos, then the tensors' bytes at aligned offsets. Named tensors,
// no graph: a model read from one is a weight set.
class GgufFormat final : public Format {
public:
    std::string_view name() const override { return "gguf"; }
    std::string_view displayName() const override { return "GGUF model"; }
    std::string_view mimeType() const override { return "application/x-gguf"; }
    std::vector<std::string> extensions() const override { return { ".gguf" }; }
    unsigned capabilities() const override { return Read | Write; }
    std::vector<MimeMagic> magic() const override { return { { 0, "GGUF", 80 } }; }
    int sniff(const Probe& probe) const override;
    std::unique_ptr<Model> read(const Probe& probe) const override;
    void write(const Model& model, const std::filesystem::path& path, const WriteOptions& options) const override;
};

} // namespace nodus
