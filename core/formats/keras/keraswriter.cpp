#include "keraswriter.h"

#include "kerasdocument.h"

#include "ir/model.h"
#include "util/atomicfile.h"
#include "util/error.h"
#include "util/mappedfile.h"
#include "util/outputsink.h"
#include "util/splicewrite.h"
#include "util/zipreader.h"
#include "util/zipwriter.h"

#include <algorithm>
#include <cstring>

namespace nodus {

namespace {

const KerasDocument& kerasDocument(const Model& model)
{
    return nativeDocumentAs<KerasDocument>(
        model, { "keras" }, "a Keras file: it cannot be saved as one (export it to ONNX instead)");
}

struct Patch {
    std::uint64_t offset = 0; // in the HDF5 bytes
    std::vector<std::byte> bytes;
};

// The edited weights as byte patches; anything but new values is refused,
// since the HDF5 structure is kept exactly as read.
std::vector<Patch> patches(const Model& model, const KerasDocument& doc)
{
    const auto& initializers = model.graph->initializers;
    std::size_t entries = 0;
    for (const auto& e : doc.entries)
        entries += std::find(initializers.begin(), initializers.end(), e.tensor) != initializers.end();
    if (entries != doc.entries.size())
        throw Error("a weight was removed; Keras files can only be saved with the same weights as read");
    std::vector<Patch> out;
    for (const auto& e : doc.entries) {
        const Tensor& t = *e.tensor;
        if (t.dataType != e.dataType || t.dims != e.dims)
            throw Error("weight '" + t.name
                + "' changed type or shape; Keras files keep the stored layout (only values " + "can be edited)");
        if (t.data == e.data)
            continue;
        if (!t.data || t.data->size() != e.size)
            throw Error("weight '" + t.name + "' holds " + std::to_string(t.data ? t.data->size() : 0)
                + " bytes but its dataset has room for " + std::to_string(e.size));
        const auto bytes = t.data->bytes();
        Patch p { e.offset, std::vector<std::byte>(bytes.begin(), bytes.end()) };
        if (e.bigEndian) {
            const std::size_t w = static_cast<std::size_t>(dataTypeBits(e.dataType) / 8);
            for (std::size_t i = 0; w > 1 && i + w <= p.bytes.size(); i += w)
                std::reverse(p.bytes.begin() + i, p.bytes.begin() + i + w);
        }
        out.push_back(std::move(p));
    }
    for (const auto& t : initializers)
        if (std::none_of(doc.entries.begin(), doc.entries.end(), [&](const auto& e) { return e.tensor == t; }))
            throw Error("weight '" + t->name + "' was added; Keras files can only be saved with the weights as read");
    return out;
}

void writeArchive(const KerasDocument& doc, const std::vector<Patch>& edits, const std::filesystem::path& path)
{
    const auto bytes = doc.file->bytes();
    ZipReader zip(bytes, doc.file->path().string());
    AtomicFile file(path);
    OutputSink sink(file.fd(), path.string());
    ZipWriter writer(sink);
    for (const auto& e : zip.entries()) {
        ZipWriter::Member m { e.name, e.method, e.crc, e.compressedSize, e.uncompressedSize };
        if (e.name == doc.weightsMember && !edits.empty()) {
            auto h5 = zip.extract(e);
            for (const auto& p : edits) {
                if (p.offset > h5.size() || p.bytes.size() > h5.size() - p.offset)
                    throw Error("the weights member changed since it was read");
                std::copy(p.bytes.begin(), p.bytes.end(), h5.begin() + p.offset);
            }
            m.method = 0;
            m.crc = zipCrc32(h5);
            m.compressedSize = m.uncompressedSize = h5.size();
            writer.beginMember(m);
            sink.write(h5);
            continue;
        }
        writer.beginMember(m);
        sink.copyRange(doc.file->fd(), e.dataOffset, e.compressedSize);
    }
    writer.finish();
    sink.flush();
    file.commit();
}

} // namespace

void writeKerasModel(const Model& model, const std::filesystem::path& path)
{
    try {
        const KerasDocument& doc = kerasDocument(model);
        const auto edits = patches(model, doc);
        if (doc.archive && !edits.empty()) {
            writeArchive(doc, edits, path);
            return;
        }
        std::vector<Splice> splices;
        for (const auto& p : edits)
            splices.push_back({ p.offset, p.bytes });
        writeSpliced(*doc.file, path, std::move(splices));
    } catch (const std::exception& e) {
        rethrowSaveError(path, e);
    }
}

} // namespace nodus
