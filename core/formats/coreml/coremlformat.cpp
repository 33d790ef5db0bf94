#include "coremlformat.h"

#include "coreml_schema.h"
#include "coremldocument.h"
#include "coremlimporter.h"
#include "coremlopmetadata.h"
#include "formats/inplacesave.h"

#include "util/error.h"
#include "util/mappedfile.h"
#include "util/protowire.h"

namespace nodus {

const OpMetadata& CoremlFormat::opMetadata() const
{
    return coremlOpMetadata();
}

int CoremlFormat::sniff(const Probe& probe) const
{
    using namespace coreml;
    if (!probe.file || probe.file->size() < 4)
        return 0;
    // Model: specificationVersion (1, varint), description (2), isUpdatable
    // (10) and one member of the Type oneof; nothing else at the top. ONNX,
    // MindIR, CNTK and checkpoints have no fields numbered 200 and up.
    bool version = false, description = false, other = false;
    int types = 0;
    const bool wellFormed = scanProtoFields(probe.file->bytes(), [&](const WireField& f) {
        if (f.number == model::SpecificationVersion && f.wireType == 0 && f.varint > 0 && f.varint < 100)
            version = true;
        else if (f.number == model::Description && f.wireType == 2)
            description = scanProtoFields(f.bytes, [&](const WireField& d) {
                const bool known = d.number == description::Input || d.number == description::Output
                    || d.number == description::PredictedFeatureName
                    || d.number == description::PredictedProbabilitiesName || d.number == description::TrainingInput
                    || d.number == description::Metadata || d.number == 13 || d.number == 14; // state, class labels
                other = other || !known || d.wireType != 2;
                return !other;
            });
        else if (f.number == model::IsUpdatable && f.wireType == 0)
            ;
        else if (f.wireType == 2 && !modelTypeName(f.number).empty())
            ++types;
        else
            other = true;
        return !other;
    });
    if (!wellFormed || other || !version || types != 1)
        return 0;
    return description ? 80 : 60;
}

std::unique_ptr<Model> CoremlFormat::read(const Probe& probe) const
{
    if (!probe.file)
        throw Error(probe.path.string()
            + ": a folder is not a Core ML model specification (an .mlpackage holds its ML Program in "
              "Data/com.apple.CoreML/model.mlmodel: open that file)");
    return CoremlImporter(probe.file).import();
}

void CoremlFormat::write(const Model& model, const std::filesystem::path& path, const WriteOptions&) const
{
    const auto& doc
        = nativeDocumentAs<CoremlDocument>(model, { "coreml" }, "a Core ML file: it cannot be saved as one");
    saveEditedInPlace(*doc.file, doc.tensors, path,
        "a Core ML file fixes each weight's type and its shape by the layer's parameters");
}

} // namespace nodus
