#include "cntkformat.h"

#include "cntkdocument.h"
#include "cntkimporter.h"
#include "cntkwireindex.h"
#include "cntkwriter.h"

#include "util/error.h"
#include "util/mappedfile.h"
#include "util/protowire.h"

#include <google/protobuf/io/coded_stream.h>

#include <climits>
#include <cstring>
#include <string>
#include <unordered_set>

namespace nodus {

namespace {

// CNTK writes models over 2 GB as this magic ("kntc" little-endian), the
// protobuf's size, the protobuf without array elements, then the elements.
constexpr std::uint32_t kLargeModelMagic = 0x636e746bu;

bool hasLargeModelMagic(std::span<const std::byte> bytes)
{
    if (bytes.size() < 8)
        return false;
    std::uint32_t magic = 0;
    std::memcpy(&magic, bytes.data(), 4);
    return magic == kLargeModelMagic;
}

// Wire types of DictionaryValue's fields: the check that tells a CNTK
// Dictionary from other protobufs with a varint field 1 and a message 2.
int dictionaryValueWireType(std::uint32_t number)
{
    if (number >= 1 && number <= 5)
        return 0;
    if (number == 6)
        return 5;
    if (number == 7)
        return 1;
    if (number >= 8 && number <= 13)
        return 2;
    return -1;
}

} // namespace

std::vector<MimeMagic> CntkFormat::magic() const
{
    // Only the over-2-GB layout has magic; an ordinary model is a bare
    // protobuf Dictionary whose first bytes (08 01 12) are those of many
    // other protobufs (TensorFlow's SavedModel among them), so it has none.
    std::string bytes;
    for (int i = 0; i < 4; ++i) // little-endian on disk: "ktnc"
        bytes += static_cast<char>((kLargeModelMagic >> (8 * i)) & 0xff);
    return { { 0, bytes, 60 } };
}

int CntkFormat::sniff(const Probe& probe) const
{
    if (!probe.file || probe.file->size() < 2)
        return 0;
    const auto bytes = probe.file->bytes();
    if (hasLargeModelMagic(bytes))
        return 70;
    // CNTK has no magic: a Dictionary is {1: varint version, 2: entries},
    // each entry {1: key, 2: DictionaryValue}. ONNX's ModelProto also starts
    // with a varint 1 and a length-delimited 2 (producer_name), but that is a
    // string, never an entry whose value is a DictionaryValue, and a model
    // always has field 7 (graph), which a Dictionary never has.
    int entries = 0;
    bool ok = true;
    std::unordered_set<std::string> keys;
    const bool wellFormed = scanProtoFields(bytes, [&](const WireField& f) {
        if (f.number == 1 && f.wireType == 0)
            return true;
        if (f.number != 2 || f.wireType != 2) {
            ok = false;
            return false;
        }
        std::string key;
        bool hasKey = false, entryOk = true;
        std::span<const std::byte> value;
        const bool entryWellFormed = scanProtoFields(f.bytes, [&](const WireField& e) {
            if (e.number == 1 && e.wireType == 2) {
                key.assign(reinterpret_cast<const char*>(e.bytes.data()), e.bytes.size());
                hasKey = true;
            } else if (e.number == 2 && e.wireType == 2) {
                value = e.bytes;
            } else {
                entryOk = false;
            }
            return entryOk;
        });
        if (!entryWellFormed || !entryOk || !hasKey) {
            ok = false;
            return false;
        }
        int known = 0, unknown = 0;
        const bool valueWellFormed = scanProtoFields(value, [&](const WireField& v) {
            const int expected = dictionaryValueWireType(v.number);
            if (expected < 0)
                ++unknown;
            else if (expected == v.wireType)
                ++known;
            else
                entryOk = false;
            return entryOk;
        });
        if (!valueWellFormed || !entryOk || unknown > known) {
            ok = false;
            return false;
        }
        keys.insert(std::move(key));
        ++entries;
        return true;
    });
    if (!wellFormed || !ok || entries == 0)
        return 0;
    if (keys.count("primitive_functions") || (keys.count("type") && keys.count("uid")))
        return 95;
    if (keys.count("type") || keys.count("version"))
        return 85;
    // A well-formed Dictionary of something else: claimed so the reader can
    // say precisely what it is instead of "unknown format".
    return 50;
}

std::unique_ptr<Model> CntkFormat::read(const Probe& probe) const
{
    if (!probe.file)
        throw Error(probe.path.string() + ": a CNTK model is a file, not a folder");
    const std::string name = probe.file->path().string();
    const auto bytes = probe.file->bytes();
    if (hasLargeModelMagic(bytes))
        throw Error(name
            + ": this is a CNTK model over 2 GB, whose arrays are stored after the protobuf; Nodus "
              "cannot read that layout yet");
    if (bytes.size() > static_cast<std::uint64_t>(INT_MAX))
        throw Error(name + ": a CNTK Dictionary over 2 GB is not a valid protobuf");
    auto doc = std::make_shared<CntkDocument>();
    doc->file = probe.file;
    google::protobuf::io::CodedInputStream input(
        reinterpret_cast<const std::uint8_t*>(bytes.data()), static_cast<int>(bytes.size()));
    if (!doc->proto.ParseFromCodedStream(&input) || !input.ConsumedEntireMessage())
        throw Error(name
            + ": not a valid CNTK model: its protobuf Dictionary does not parse (the file is "
              "truncated, corrupted, or nested too deeply)");
    CntkWireIndex(*doc).build();
    return CntkImporter(doc).import();
}

void CntkFormat::write(const Model& model, const std::filesystem::path& path, const WriteOptions&) const
{
    try {
        CntkWriter(model).write(path);
    } catch (const Error& e) {
        const std::string what = e.what();
        if (what.rfind(path.string(), 0) == 0)
            throw;
        throw Error(path.string() + ": " + what);
    }
}

} // namespace nodus
