#include "msliteformat.h"

#include "formats/inplacesave.h"
#include "mslite_schema.h"
#include "mslitedocument.h"
#include "msliteimporter.h"
#include "msliteopmetadata.h"

#include "formats/tflite/flatbufferreader.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <algorithm>
#include <cctype>

namespace nodus {

const OpMetadata& MsliteFormat::opMetadata() const
{
    return msliteOpMetadata();
}

int MsliteFormat::sniff(const Probe& probe) const
{
    if (!probe.file || probe.file->size() < 16)
        return 0;
    const auto bytes = probe.file->bytes();
    const std::string_view id(reinterpret_cast<const char*>(bytes.data()) + 4, 4);
    if (id == mslite::kFileIdentifier || id == mslite::kFileIdentifierV0)
        return 90;
    // Another FlatBuffer format's identifier ("TFL3", ...): not ours.
    if (std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isalnum(c); }))
        return 0;
    // Older files have no identifier: a root table with the MetaGraph's
    // node and tensor lists, or the predict module's list of subgraphs
    // whose first one holds nodes and tensors.
    try {
        FlatBufferReader reader(bytes, probe.path.string(), "MindSpore Lite");
        const FlatTable root = reader.root("the model");
        const auto nodes = root.vector(mslite::metagraph::Nodes, 4);
        const auto tensors = root.vector(mslite::metagraph::AllTensors, 4);
        if (nodes && tensors && tensors->count > 0) {
            const FlatTable t = root.tableAt(*tensors, 0, "tensor 0");
            (void)t.vector(mslite::tensor::Dims, 4);
            return 60;
        }
        if (!root.has(mslite::metagraph::Nodes) && !root.has(mslite::metagraph::AllTensors)) {
            using namespace mslite::predict;
            const auto subgraphs = root.vector(graphdef::Subgraphs, 4);
            if (subgraphs && subgraphs->count > 0) {
                const FlatTable sg = root.tableAt(*subgraphs, 0, "subgraph 0");
                if (sg.vector(subgraphdef::Nodes, 4) && sg.vector(subgraphdef::AllTensors, 4))
                    return 50;
            }
        }
    } catch (const Error&) {
    }
    return 0;
}

std::unique_ptr<Model> MsliteFormat::read(const Probe& probe) const
{
    if (!probe.file)
        throw Error(probe.path.string() + ": a MindSpore Lite model is a file, not a folder");
    return MsliteImporter(probe.file).import();
}

void MsliteFormat::write(const Model& model, const std::filesystem::path& path, const WriteOptions&) const
{
    const auto& doc = nativeDocumentAs<MsliteDocument>(
        model, { "mindspore-lite" }, "a MindSpore Lite file: it cannot be saved as one");
    saveEditedInPlace(
        *doc.file, doc.tensors, path, "a MindSpore Lite file fixes each tensor's type and shape in its FlatBuffer");
}

} // namespace nodus
