#include "tfliteformat.h"

#include "formats/inplacesave.h"
#include "tflite_schema.h"
#include "tflitedocument.h"
#include "tfliteimporter.h"
#include "tfliteopmetadata.h"

#include "util/error.h"
#include "util/mappedfile.h"

namespace nodus {

const OpMetadata& TfliteFormat::opMetadata() const
{
    return tfliteOpMetadata();
}

int TfliteFormat::sniff(const Probe& probe) const
{
    if (!probe.file || probe.file->size() < 8)
        return 0;
    const auto bytes = probe.file->bytes();
    const std::string_view id(reinterpret_cast<const char*>(bytes.data()) + 4, 4);
    return id == tflite::kFileIdentifier ? 90 : 0;
}

std::unique_ptr<Model> TfliteFormat::read(const Probe& probe) const
{
    if (!probe.file)
        throw Error(probe.path.string() + ": a TensorFlow Lite model is a file, not a folder");
    return TfliteImporter(probe.file).import();
}

void TfliteFormat::write(const Model& model, const std::filesystem::path& path, const WriteOptions&) const
{
    const auto& doc
        = nativeDocumentAs<TfliteDocument>(model, { "tflite" }, "a TensorFlow Lite file: it cannot be saved as one");
    saveEditedInPlace(
        *doc.file, doc.tensors, path, "a TFLite file fixes each tensor's type and shape in its FlatBuffer");
}

} // namespace nodus
