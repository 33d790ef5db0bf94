#include "pytorchdocument.h"
#include "pytorchreader.h"

#include "ir/model.h"
#include "util/atomicfile.h"
#include "util/error.h"
#include "util/mappedfile.h"
#include "util/outputsink.h"
#include "util/zipreader.h"
#include "util/zipwriter.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <map>

namespace nodus::pytorch {

namespace {

// torch.load maps storages from the archive; PyTorch aligns their data to 64 bytes.
constexpr std::uint64_t kAlign = 64;
const PytorchDocument& documentOf(const Model& model)
{
    return nativeDocumentAs<PytorchDocument>(
        model, { "pytorch", "torchscript" }, "a PyTorch file: it cannot be saved as one");
}

// The edited storages' new bytes: each edited tensor's C-order elements
// scattered back through its strides into a copy of its storage.
std::map<std::string, std::vector<std::byte>> editedStorages(const PytorchDocument& doc)
{
    std::map<std::string, std::vector<std::byte>> out;
    for (const auto& e : doc.entries) {
        const Tensor& t = *e.tensor;
        if (t.name != e.name || t.dataType != e.dataType || t.dims != e.dims)
            throw Error("tensor '" + e.name
                + "' was renamed, retyped or reshaped; only new values of the same "
                  "type and shape can be saved into a PyTorch file");
        if (t.data == e.data)
            continue;
        if (!t.data)
            throw Error("tensor '" + t.name + "' has no element bytes");
        const auto& s = doc.storages.at(e.storageKey);
        auto [it, fresh] = out.try_emplace(e.storageKey);
        if (fresh) {
            const auto b = s.bytes->bytes();
            it->second.assign(b.begin(), b.end());
        }
        const auto src = t.data->bytes();
        const std::uint64_t es = s.elementSize;
        std::uint64_t count = 1;
        for (auto d : e.dims)
            count *= static_cast<std::uint64_t>(d);
        if (src.size() != count * es)
            throw Error("tensor '" + t.name + "' holds " + std::to_string(src.size()) + " bytes, not the "
                + std::to_string(count * es) + " its type and shape need");
        // The reader checked these strides against the storage.
        std::vector<std::int64_t> index(e.dims.size(), 0);
        for (std::uint64_t n = 0; n < count; ++n) {
            std::uint64_t at = static_cast<std::uint64_t>(e.offset);
            for (std::size_t d = 0; d < e.dims.size(); ++d)
                at += static_cast<std::uint64_t>(index[d]) * static_cast<std::uint64_t>(e.strides[d]);
            std::memcpy(it->second.data() + at * es, src.data() + n * es, es);
            for (std::size_t d = e.dims.size(); d-- > 0;) {
                if (++index[d] < e.dims[d])
                    break;
                index[d] = 0;
            }
        }
    }
    return out;
}

void writeLegacy(
    const PytorchDocument& doc, const std::map<std::string, std::vector<std::byte>>& edited, OutputSink& sink)
{
    // Same sizes, same places: the file as it was with the edited ranges replaced.
    std::vector<std::pair<std::uint64_t, const std::vector<std::byte>*>> patches;
    for (const auto& [key, bytes] : edited)
        patches.emplace_back(doc.storages.at(key).fileOffset, &bytes);
    std::sort(patches.begin(), patches.end());
    std::uint64_t at = 0;
    for (const auto& [offset, bytes] : patches) {
        if (offset < at)
            throw Error("two edited storages overlap (storage views); this file cannot be saved");
        sink.copyRange(doc.file->fd(), at, offset - at);
        sink.write(*bytes);
        at = offset + bytes->size();
    }
    sink.copyRange(doc.file->fd(), at, doc.file->size() - at);
}

void writeZip(const PytorchDocument& doc, const std::map<std::string, std::vector<std::byte>>& edited, OutputSink& sink)
{
    const ZipReader zip(doc.file->bytes(), doc.file->path().string());
    ZipWriter writer(sink);
    for (const auto& e : zip.entries()) {
        std::span<const std::byte> replacement;
        bool replaced = false;
        if (e.name.starts_with(doc.prefix)) {
            auto it = edited.find(e.name.substr(doc.prefix.size()));
            if (it != edited.end()) {
                replacement = it->second;
                replaced = true;
            }
        }
        ZipWriter::Member m;
        m.name = e.name;
        m.method = replaced ? 0 : e.method;
        m.compressedSize = replaced ? replacement.size() : e.compressedSize;
        m.uncompressedSize = replaced ? replacement.size() : e.uncompressedSize;
        m.crc = replaced ? zipCrc32(replacement) : e.crc;
        writer.beginMember(m, kAlign);
        if (replaced)
            sink.write(replacement);
        else
            sink.copyRange(doc.file->fd(), e.dataOffset, e.compressedSize);
    }
    writer.finish();
}

} // namespace

void write(const Model& model, const std::filesystem::path& path)
{
    try {
        const auto& doc = documentOf(model);
        const auto edited = editedStorages(doc);
        AtomicFile file(path);
        OutputSink sink(file.fd(), path.string());
        if (doc.legacy)
            writeLegacy(doc, edited, sink);
        else
            writeZip(doc, edited, sink);
        sink.flush();
        file.commit();
    } catch (const std::exception& e) {
        rethrowSaveError(path, e);
    }
}

} // namespace nodus::pytorch
