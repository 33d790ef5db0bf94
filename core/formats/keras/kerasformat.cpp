#include "kerasformat.h"

#include "hdf5file.h"
#include "kerasimporter.h"
#include "kerasopmetadata.h"
#include "keraswriter.h"

#include "ir/model.h"

#include "util/error.h"
#include "util/mappedfile.h"
#include "util/zipreader.h"

#include <algorithm>
#include <string_view>

namespace nodus {

const OpMetadata& KerasFormat::opMetadata() const
{
    return kerasOpMetadata();
}

std::vector<MimeMagic> KerasFormat::magic() const
{
    const std::string signature("\x89HDF\r\n\x1a\n", 8);
    return { { 0, signature, 80 }, { 512, signature, 60 }, { 1024, signature, 60 }, { 2048, signature, 60 } };
}

int KerasFormat::sniff(const Probe& probe) const
{
    if (!probe.file || probe.file->size() < 8)
        return 0;
    const auto bytes = probe.file->bytes();
    if (Hdf5File::signatureOffset(bytes) >= 0) {
        // Attribute names sit in object headers near the start; a Keras
        // file names model_config or layer_names there.
        const std::string_view head(
            reinterpret_cast<const char*>(bytes.data()), std::min<std::size_t>(bytes.size(), 1 << 20));
        const bool keras = head.find("model_config") != std::string_view::npos
            || head.find("layer_names") != std::string_view::npos
            || head.find("weight_names") != std::string_view::npos;
        // Any other HDF5 file opens as a weight set: claimed less surely.
        return keras ? 90 : 50;
    }
    if (!ZipReader::startsLikeZip(bytes))
        return 0;
    try {
        const ZipReader zip(bytes, probe.path.string());
        if (zip.find("config.json") && (zip.find("model.weights.h5") || zip.find("metadata.json")))
            return 90;
    } catch (const Error&) {
    }
    return 0;
}

std::unique_ptr<Model> KerasFormat::read(const Probe& probe) const
{
    if (!probe.file)
        throw Error(probe.path.string() + ": a Keras model is a file, not a folder");
    if (Hdf5File::signatureOffset(probe.file->bytes()) < 0 && ZipReader::startsLikeZip(probe.file->bytes()))
        return importKerasArchive(probe.file);
    return importKerasH5(probe.file);
}

void KerasFormat::write(const Model& model, const std::filesystem::path& path, const WriteOptions&) const
{
    writeKerasModel(model, path);
}

} // namespace nodus
