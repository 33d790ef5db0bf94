#include "ggufreader.h"

#include "ggufcursor.h"
#include "ggufdocument.h"

#include "ir/mappedtensordata.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <algorithm>
#include <limits>
#include <set>
#include <string_view>

namespace nodus {

namespace {

constexpr std::uint32_t kMaxDims = 4; // GGML_MAX_DIMS

std::string inQuotes(const std::string& s)
{
    return "'" + s + "'";
}

// A file whose bytes >= 0x80 were replaced by U+FFFD (EF BF BD) went through
// a text conversion; saying so saves the user a hunt.
std::string damageHint(std::span<const std::byte> bytes)
{
    static constexpr std::string_view replacement = "\xEF\xBF\xBD";
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    std::size_t count = 0;
    for (auto at = text.find(replacement); at != std::string_view::npos; at = text.find(replacement, at + 3))
        ++count;
    if (count == 0)
        return {};
    return " (the file holds " + std::to_string(count)
        + " U+FFFD replacement characters: it looks like it was saved through a text conversion, which destroys "
          "binary data; get an intact copy)";
}

class Reader {
public:
    explicit Reader(std::shared_ptr<const MappedFile> file)
        : file_(std::move(file))
        , cursor_(file_->bytes())
        , doc_(std::make_shared<GgufDocument>())
    {
        doc_->file = file_;
    }

    std::unique_ptr<Model> read()
    {
        try {
            parse();
        } catch (const Error& e) {
            throw Error(file_->path().string() + ": " + e.what() + damageHint(file_->bytes()));
        }
        return build();
    }

private:
    void parse();
    void readMetadata(std::uint64_t count);
    void readTensorInfos(std::uint64_t count);
    void placeData();
    std::unique_ptr<Model> build();

    std::shared_ptr<const MappedFile> file_;
    GgufCursor cursor_;
    std::shared_ptr<GgufDocument> doc_;
};

void Reader::parse()
{
    const auto bytes = file_->bytes();
    if (bytes.size() < 4 || std::string_view(reinterpret_cast<const char*>(bytes.data()), 4) != "GGUF")
        throw Error("not a GGUF file: it does not start with 'GGUF'");
    cursor_.skip(4, "the magic");
    const std::uint32_t version = cursor_.u32("the GGUF version");
    const std::uint32_t swapped = __builtin_bswap32(version);
    if ((version & 0xFFFFu) == 0 && swapped >= 1 && swapped <= 3)
        throw Error(
            "a big-endian GGUF file (version " + std::to_string(swapped) + "); Nodus reads little-endian GGUF only");
    if (version == 1)
        throw Error("GGUF version 1 (the 2023 draft with 32-bit lengths) is not supported; re-save it with a current "
                    "llama.cpp to get version 3");
    if (version != 2 && version != 3)
        throw Error("unknown GGUF version " + std::to_string(version) + " (Nodus reads versions 2 and 3)");
    doc_->version = version;
    const std::uint64_t tensorCount = cursor_.u64("the tensor count");
    const std::uint64_t kvCount = cursor_.u64("the metadata count");
    // A metadata entry takes at least a key length, a type and one byte; a
    // tensor info a name length, n_dims, a type and an offset.
    if (kvCount > cursor_.remaining() / 13)
        throw Error("the header claims " + std::to_string(kvCount) + " metadata entries, more than the "
            + std::to_string(cursor_.remaining()) + " bytes that follow can hold");
    if (tensorCount > cursor_.remaining() / 24)
        throw Error("the header claims " + std::to_string(tensorCount) + " tensors, more than the "
            + std::to_string(cursor_.remaining()) + " bytes that follow can hold");
    readMetadata(kvCount);
    readTensorInfos(tensorCount);
    placeData();
}

void Reader::readMetadata(std::uint64_t count)
{
    std::set<std::string> seen;
    std::string previous;
    for (std::uint64_t k = 0; k < count; ++k) {
        const std::string where = "metadata entry " + std::to_string(k)
            + (previous.empty() ? std::string() : " (after " + inQuotes(previous) + ")");
        GgufKeyValue kv;
        try {
            kv.key = cursor_.string("its key");
        } catch (const Error& e) {
            throw Error(where + ": " + e.what());
        }
        const std::string named = "metadata " + inQuotes(kv.key);
        try {
            const auto type = GgufCursor::valueType(cursor_.u32("its type"), "its type");
            kv.value = cursor_.value(type, 0, "its value");
        } catch (const Error& e) {
            throw Error(named + " (entry " + std::to_string(k) + "): " + e.what());
        }
        if (!seen.insert(kv.key).second)
            throw Error(named + " appears twice");
        if (kv.key == "general.alignment") {
            if (kv.value.type != GgufType::UInt32)
                throw Error(named + " is a " + std::string(ggufTypeName(kv.value.type)) + ", not a uint32");
            const std::uint64_t a = kv.value.u;
            if (a == 0 || (a & (a - 1)) != 0)
                throw Error(named + " is " + std::to_string(a) + ", not a power of two");
            doc_->alignment = a;
        }
        previous = kv.key;
        doc_->metadata.push_back(std::move(kv));
    }
}

void Reader::readTensorInfos(std::uint64_t count)
{
    std::set<std::string> seen;
    for (std::uint64_t k = 0; k < count; ++k) {
        GgufDocument::TensorInfo info;
        try {
            info.name = cursor_.string("its name");
        } catch (const Error& e) {
            throw Error("tensor info " + std::to_string(k) + ": " + e.what());
        }
        const std::string what = "tensor " + inQuotes(info.name);
        try {
            const std::uint32_t nDims = cursor_.u32("its number of dimensions");
            if (nDims > kMaxDims)
                throw Error("it has " + std::to_string(nDims) + " dimensions; ggml tensors have at most "
                    + std::to_string(kMaxDims));
            std::uint64_t elements = 1;
            bool overflow = false;
            for (std::uint32_t d = 0; d < nDims; ++d) {
                const std::uint64_t n = cursor_.u64("a dimension");
                if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                    throw Error(
                        "dimension " + std::to_string(d) + " is " + std::to_string(n) + ", negative as ggml's int64");
                info.ne.push_back(n);
                if (n != 0 && elements > std::numeric_limits<std::uint64_t>::max() / n)
                    overflow = true;
                elements *= n;
            }
            if (std::find(info.ne.begin(), info.ne.end(), 0) != info.ne.end()) {
                elements = 0;
                overflow = false;
            }
            const std::uint32_t typeId = cursor_.u32("its type");
            const auto type = ggmlType(typeId);
            if (!type)
                throw Error("unknown ggml type " + std::to_string(typeId));
            info.type = *type;
            if (!info.ne.empty() && info.ne[0] % type->blockElements != 0)
                throw Error("its rows of " + std::to_string(info.ne[0]) + " elements are not a whole number of "
                    + std::string(type->name) + " blocks of " + std::to_string(type->blockElements));
            const auto bytes = overflow ? std::nullopt : ggmlTensorBytes(*type, elements);
            if (!bytes)
                throw Error("its size overflows a 64-bit byte count");
            info.bytes = *bytes;
            info.offset = cursor_.u64("its data offset");
            if (info.offset % doc_->alignment != 0)
                throw Error("its data offset " + std::to_string(info.offset) + " is not a multiple of the alignment "
                    + std::to_string(doc_->alignment));
        } catch (const Error& e) {
            throw Error(what + " (tensor info " + std::to_string(k) + "): " + e.what());
        }
        if (!seen.insert(info.name).second)
            throw Error(what + " is listed twice");
        doc_->tensors.push_back(std::move(info));
    }
}

void Reader::placeData()
{
    const std::uint64_t size = file_->size();
    const std::uint64_t end = cursor_.pos();
    const std::uint64_t a = doc_->alignment;
    const std::uint64_t padded = end + (a - end % a) % a;
    doc_->dataStart = std::min(padded, size);
    if (doc_->tensors.empty())
        return;
    if (padded > size)
        throw Error("the data section would start at " + std::to_string(padded) + ", past the end of the file ("
            + std::to_string(size) + " bytes)");
    const std::uint64_t dataSize = size - padded;
    std::vector<const GgufDocument::TensorInfo*> order;
    for (const auto& t : doc_->tensors) {
        if (t.offset > dataSize || t.bytes > dataSize - t.offset)
            throw Error("tensor " + inQuotes(t.name) + ": its " + std::to_string(t.bytes) + " bytes at data offset "
                + std::to_string(t.offset) + " lie past the end of the data section (" + std::to_string(dataSize)
                + " bytes)");
        order.push_back(&t);
    }
    std::sort(order.begin(), order.end(), [](auto* x, auto* y) { return x->offset < y->offset; });
    for (std::size_t k = 1; k < order.size(); ++k)
        if (order[k - 1]->offset + order[k - 1]->bytes > order[k]->offset)
            throw Error("tensor " + inQuotes(order[k]->name) + " overlaps tensor " + inQuotes(order[k - 1]->name)
                + " in the data section");
}

std::unique_ptr<Model> Reader::build()
{
    auto model = std::make_unique<Model>();
    model->format = "gguf";
    model->sourcePath = file_->path();
    model->irVersion = doc_->version;
    model->native = doc_;
    for (const auto& kv : doc_->metadata) {
        model->metadata.emplace_back(kv.key, ggufValueText(kv.value));
        if (kv.key == "general.name" && kv.value.type == GgufType::String)
            model->graph->name = kv.value.s;
    }
    for (auto& info : doc_->tensors) {
        auto t = std::make_shared<Tensor>();
        t->name = info.name;
        t->dataType = info.type.dataType;
        for (auto it = info.ne.rbegin(); it != info.ne.rend(); ++it)
            t->dims.push_back(static_cast<std::int64_t>(*it));
        t->docString = "ggml " + std::string(info.type.name);
        if (info.type.quantized())
            t->docString += ": blocks of " + std::to_string(info.type.blockElements) + " elements in "
                + std::to_string(info.type.blockBytes) + " bytes, shown as stored";
        t->data = std::make_shared<MappedTensorData>(FileRegion { file_, doc_->dataStart + info.offset, info.bytes });
        info.tensor = t;
        info.data = t->data;
        model->graph->addInitializer(t);
    }
    return model;
}

} // namespace

std::unique_ptr<Model> readGguf(std::shared_ptr<const MappedFile> file)
{
    return Reader(std::move(file)).read();
}

} // namespace nodus
