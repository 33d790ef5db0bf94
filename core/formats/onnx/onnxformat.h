#pragma once

#include "formats/format.h"

namespace nodus {

class OnnxFormat final : public Format {
public:
    std::string_view name() const override { return "onnx"; }
    std::string_view displayName() const override { return "ONNX model"; }
    std::string_view mimeType() const override { return "application/x-onnx"; }
    std::vector<std::string> extensions() const override { return { ".onnx", ".pb", ".model" }; }
    unsigned capabilities() const override { return Read | Write | ExportOnnx | ConvertTarget; }
    int sniff(const Probe& probe) const override;
    std::unique_ptr<Model> read(const Probe& probe) const override;
    void write(const Model& model, const std::filesystem::path& path, const WriteOptions& options) const override;
    std::optional<std::filesystem::path> modelOf(const std::filesystem::path& sideFile) const override;
};

} // namespace nodus
