#pragma once

#include "formats/format.h"

namespace nodus {

// NumPy arrays: a .npy (one array, magic "\x93NUMPY") or a .npz (a zip of
// .npy members, as numpy.savez and savez_compressed write). Named tensors,
// no graph: a model read from one has an empty graph whose initializers are
// the arrays (a .npy's named after the file's stem). Read and written by
// util/npy; unedited, a save copies the file as it was.
class NumpyFormat final : public Format {
public:
    std::string_view name() const override { return "numpy"; }
    std::string_view displayName() const override { return "NumPy arrays"; }
    std::string_view mimeType() const override { return "application/x-numpy"; }
    std::vector<std::string> extensions() const override { return { ".npy", ".npz" }; }
    // Only .npy has magic: a .npz is a zip, which a desktop must not take
    // for NumPy's on content alone. "Likely", not "certain": certain magic
    // claims every file of the type, and a .npz lacks it.
    std::vector<MimeMagic> magic() const override { return { { 0, "\x93NUMPY", 60 } }; }
    unsigned capabilities() const override { return Read | Write; }
    int sniff(const Probe& probe) const override;
    std::unique_ptr<Model> read(const Probe& probe) const override;
    void write(const Model& model, const std::filesystem::path& path, const WriteOptions& options) const override;
};

// Whether a model read as NumPy came from a .npz archive (whose member
// names a save keeps) rather than a single .npy (named after its file).
bool isNumpyArchive(const Model& model);

} // namespace nodus
