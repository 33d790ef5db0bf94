#pragma once

#include "formats/format.h"

namespace nodus {

// TensorFlow Lite models: a FlatBuffer with the file identifier "TFL3".
// Written back with edited tensor values patched into the original bytes.
class TfliteFormat final : public Format {
public:
    std::string_view name() const override { return "tflite"; }
    std::string_view displayName() const override { return "TensorFlow Lite model"; }
    std::string_view mimeType() const override { return "application/x-tflite"; }
    std::vector<std::string> extensions() const override { return { ".tflite", ".lite" }; }
    std::vector<MimeMagic> magic() const override { return { { 4, "TFL3", 80 } }; }
    unsigned capabilities() const override { return Read | Write | ExportOnnx; }
    const OpMetadata& opMetadata() const override;
    int sniff(const Probe& probe) const override;
    std::unique_ptr<Model> read(const Probe& probe) const override;
    void write(const Model& model, const std::filesystem::path& path, const WriteOptions& options) const override;
};

} // namespace nodus
