#pragma once

#include "formats/format.h"

namespace nodus {

// safetensors (Hugging Face): a little-endian u64 header size, a JSON header
// naming each tensor's dtype, shape and byte range, then the data. Named
// tensors, no graph: a model read from one has an empty graph whose
// initializers are the file's tensors. There is no magic: the file starts
// with the header size, then '{'.
class SafetensorsFormat final : public Format {
public:
    std::string_view name() const override { return "safetensors"; }
    std::string_view displayName() const override { return "safetensors weights"; }
    std::string_view mimeType() const override { return "application/x-safetensors"; }
    std::vector<std::string> extensions() const override { return { ".safetensors" }; }
    unsigned capabilities() const override { return Read | Write; }
    int sniff(const Probe& probe) const override;
    std::unique_ptr<Model> read(const Probe& probe) const override;
    void write(const Model& model, const std::filesystem::path& path, const WriteOptions& options) const override;
};

} // namespace nodus
