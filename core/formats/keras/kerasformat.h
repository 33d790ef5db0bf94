#pragma once

#include "formats/format.h"

namespace nodus {

// Keras models: HDF5 files as Keras 2 (and Keras 3's legacy writer) save them
// (.h5/.hdf5: a model_config JSON attribute, weights under model_weights, or
// weights alone from save_weights) and Keras 3 archives (.keras: a zip of
// config.json, metadata.json and model.weights.h5). Read with our own HDF5
// reader (hdf5file.h); saving patches edited weight values in place.
class KerasFormat final : public Format {
public:
    std::string_view name() const override { return "keras"; }
    std::string_view displayName() const override { return "Keras model"; }
    std::string_view mimeType() const override { return "application/x-hdf5"; }
    std::vector<std::string> extensions() const override { return { ".h5", ".hdf5", ".keras" }; }
    unsigned capabilities() const override { return Read | Write | ExportOnnx; }
    int sniff(const Probe& probe) const override;
    std::unique_ptr<Model> read(const Probe& probe) const override;
    void write(const Model& model, const std::filesystem::path& path, const WriteOptions& options) const override;
    const OpMetadata& opMetadata() const override;
    std::vector<MimeMagic> magic() const override;
};

} // namespace nodus
