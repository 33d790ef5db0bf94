#include "pytorchdocument.h"
#include "pytorchreader.h"

#include "ir/model.h"
#include "util/atomicfile.h"
#include "util/error.h"
#include "util/mappedfile.h"
#include "util/outputsink.h"
#include "util/zipreader.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <map>

namespace nodus::pytorch {

namespace {

// torch.load maps storages from the archive; PyTorch aligns their data to 64 bytes.
constexpr std::uint64_t kAlign = 64;
constexpr std::uint64_t kZip32Limit = 0xffffffffu;
// The padding extra field PyTorch's writer uses ("FB").
constexpr std::uint16_t kPaddingId = 0x4246;

void put16(std::string& out, std::uint64_t v)
{
    out.push_back(static_cast<char>(v & 0xff));
    out.push_back(static_cast<char>((v >> 8) & 0xff));
}
void put32(std::string& out, std::uint64_t v)
{
    put16(out, v & 0xffff);
    put16(out, (v >> 16) & 0xffff);
}
void put64(std::string& out, std::uint64_t v)
{
    put32(out, v & 0xffffffffu);
    put32(out, v >> 32);
}


const PytorchDocument& documentOf(const Model& model)
{
    if (!model.native || (model.native->formatName() != "pytorch" && model.native->formatName() != "torchscript"))
        throw Error("this model was read as " + (model.format.empty() ? std::string("another format") : model.format)
            + ", not as a PyTorch file: it cannot be saved as one");
    return static_cast<const PytorchDocument&>(*model.native);
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
    std::string central;
    std::uint64_t count = 0;
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
        const unsigned method = replaced ? 0 : e.method;
        const std::uint64_t compressed = replaced ? replacement.size() : e.compressedSize;
        const std::uint64_t uncompressed = replaced ? replacement.size() : e.uncompressedSize;
        const std::uint32_t crc = replaced ? zipCrc32(replacement) : e.crc;
        const std::uint64_t offset = sink.position();
        const bool wide = compressed >= kZip32Limit || uncompressed >= kZip32Limit || offset >= kZip32Limit;

        std::string local;
        put32(local, 0x04034b50);
        put16(local, wide ? 45 : 20);
        put16(local, 0);
        put16(local, method);
        put32(local, 0);
        put32(local, crc);
        put32(local, wide ? kZip32Limit : compressed);
        put32(local, wide ? kZip32Limit : uncompressed);
        put16(local, e.name.size());
        std::string extra;
        if (wide) {
            put16(extra, 0x0001);
            put16(extra, 16);
            put64(extra, uncompressed);
            put64(extra, compressed);
        }
        // Pad with an extra field so the data starts on a 64-byte boundary.
        const std::uint64_t before = offset + local.size() + 2 + e.name.size() + extra.size();
        std::uint64_t pad = (kAlign - (before + 4) % kAlign) % kAlign;
        put16(extra, kPaddingId);
        put16(extra, pad);
        extra.append(pad, 'Z');
        put16(local, extra.size());
        local += e.name;
        local += extra;
        sink.write(std::as_bytes(std::span(local)));
        if (replaced)
            sink.write(replacement);
        else
            sink.copyRange(doc.file->fd(), e.dataOffset, e.compressedSize);

        std::string cextra;
        if (wide) {
            put16(cextra, 0x0001);
            put16(cextra, 24);
            put64(cextra, uncompressed);
            put64(cextra, compressed);
            put64(cextra, offset);
        }
        put32(central, 0x02014b50);
        put16(central, wide ? 45 : 20);
        put16(central, wide ? 45 : 20);
        put16(central, 0);
        put16(central, method);
        put32(central, 0);
        put32(central, crc);
        put32(central, wide ? kZip32Limit : compressed);
        put32(central, wide ? kZip32Limit : uncompressed);
        put16(central, e.name.size());
        put16(central, cextra.size());
        put16(central, 0);
        put16(central, 0);
        put16(central, 0);
        put32(central, 0);
        put32(central, wide ? kZip32Limit : offset);
        central += e.name;
        central += cextra;
        ++count;
    }
    const std::uint64_t centralAt = sink.position();
    sink.write(std::as_bytes(std::span(central)));
    const std::uint64_t endAt = sink.position();
    const bool wide = centralAt >= kZip32Limit || central.size() >= kZip32Limit || count >= 0xffff;
    std::string end;
    if (wide) {
        put32(end, 0x06064b50);
        put64(end, 44);
        put16(end, 45);
        put16(end, 45);
        put32(end, 0);
        put32(end, 0);
        put64(end, count);
        put64(end, count);
        put64(end, central.size());
        put64(end, centralAt);
        put32(end, 0x07064b50);
        put32(end, 0);
        put64(end, endAt);
        put32(end, 1);
    }
    put32(end, 0x06054b50);
    put16(end, 0);
    put16(end, 0);
    put16(end, wide ? 0xffff : count);
    put16(end, wide ? 0xffff : count);
    put32(end, wide ? kZip32Limit : central.size());
    put32(end, wide ? kZip32Limit : centralAt);
    put16(end, 0);
    sink.write(std::as_bytes(std::span(end)));
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
