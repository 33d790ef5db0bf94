#include "mindirformat.h"

#include "mindirdocument.h"
#include "mindirimporter.h"
#include "mindirwriter.h"
#include "protopayloadparser.h"

#include "util/error.h"
#include "util/mappedfile.h"
#include "util/protowire.h"

#include <algorithm>

namespace nodus {

namespace {

// ModelProto's fields and wire types (0 varint, 2 length-delimited). Field 1,
// the IR version, is a string here where ONNX has a varint: the tell.
int modelFieldWireType(std::uint32_t number)
{
    switch (number) {
    case 10:
    case 13:
        return 0;
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
    case 7:
    case 8:
    case 9:
    case 11:
    case 12:
    case 14:
        return 2;
    default:
        return -1;
    }
}

bool looksLikeVersion(std::span<const std::byte> bytes)
{
    if (bytes.empty() || bytes.size() > 32)
        return false;
    return std::all_of(bytes.begin(), bytes.end(), [](std::byte b) {
        const auto c = static_cast<char>(b);
        return (c >= '0' && c <= '9') || c == '.';
    });
}

bool equals(std::span<const std::byte> bytes, std::string_view text)
{
    return bytes.size() == text.size() && std::equal(bytes.begin(), bytes.end(), text.begin(), [](std::byte b, char c) {
        return static_cast<char>(b) == c;
    });
}

// Reads the parsed bytes into a document; throws naming `name`.
std::shared_ptr<MindirDocument> parse(std::shared_ptr<const MappedFile> bytes)
{
    auto doc = std::make_shared<MindirDocument>();
    doc->file = std::move(bytes);
    ProtoPayloadParser parser(doc->file, "MindIR model", { { mindir::TensorProto::descriptor(), 9 } });
    parser.parse(doc->proto);
    doc->payloads = std::move(parser.payloads);
    doc->containers = std::move(parser.containers);
    return doc;
}

std::string encryptedMessage(const std::filesystem::path& path, const MindSporeCipher::Layout& layout)
{
    // Legacy files use one magic for every mode: name both.
    const std::string mode = layout.legacy ? "AES-GCM or AES-CBC" : std::string(MindSporeCipher::modeName(layout.mode));
    return path.string() + ": this MindIR is encrypted (" + mode + "); open it with its key";
}

// Decrypts the probe's file with the user's key, trying each reading of the
// key text (and, for legacy files without a mode in the magic, both modes)
// until one gives bytes that parse as a MindIR model.
std::shared_ptr<MindirDocument> openEncrypted(const Probe& probe, const MindSporeCipher::Layout& detected)
{
    const auto& path = probe.path;
    if (probe.options.key.empty())
        throw KeyRequiredError(encryptedMessage(path, detected));

    std::vector<MindSporeCipher::Layout> layouts;
    if (!probe.options.cipherMode.empty()) {
        const auto mode = MindSporeCipher::modeFromName(probe.options.cipherMode);
        if (!mode)
            throw Error(path.string() + ": unknown cipher mode '" + probe.options.cipherMode
                + "' (AES-GCM, AES-CBC or SM4-CBC)");
        if (!detected.legacy && *mode != detected.mode)
            throw Error(path.string() + ": this MindIR is encrypted with "
                + std::string(MindSporeCipher::modeName(detected.mode)) + ", not "
                + std::string(MindSporeCipher::modeName(*mode)));
        layouts.push_back({ *mode, detected.legacy });
    } else if (detected.legacy) {
        layouts.push_back({ MindSporeCipher::Mode::AesGcm, true });
        layouts.push_back({ MindSporeCipher::Mode::AesCbc, true });
    } else {
        layouts.push_back(detected);
    }

    std::vector<std::vector<unsigned char>> keys;
    try {
        keys = MindSporeCipher::keyCandidates(probe.options.key);
    } catch (const Error& e) {
        throw Error(path.string() + ": " + e.what());
    }

    std::string lastProblem;
    for (const auto& layout : layouts) {
        for (const auto& key : keys) {
            std::vector<std::byte> plain;
            try {
                plain = MindSporeCipher::decrypt(probe.file->bytes(), key, layout);
            } catch (const Error& e) {
                lastProblem = e.what();
                continue;
            }
            try {
                auto doc = parse(MappedFile::fromBytes(plain, path));
                if (!doc->proto.has_graph())
                    throw Error("no graph");
                doc->encryption = MindirDocument::Encryption { layout, key };
                return doc;
            } catch (const Error&) {
                lastProblem = "the decrypted bytes are not a MindIR model";
            }
        }
    }
    throw Error(path.string() + ": cannot decrypt this MindIR with the given key ("
        + std::string(detected.legacy ? "AES-GCM or AES-CBC" : MindSporeCipher::modeName(detected.mode))
        + "): the key is wrong or the file is damaged (" + lastProblem + ")");
}

} // namespace

std::vector<MimeMagic> MindirFormat::magic() const
{
    // MindSpore's exporter writes ir_version "0.1.0" or "0.1.1" (field 1,
    // five bytes) and then producer_name "MindSpore" (field 2): the producer's
    // tag, length and name land at offset 7. An encrypted file starts with its
    // cipher's header magic (MindSporeCipher: 0x7F3A5ED8 AES-GCM, ...D9
    // AES-CBC, ...DA SM4-CBC, little-endian).
    using namespace std::string_literals;
    return {
        { 7, "\x12\x09MindSpore"s, 60 },
        { 0, "\xd8\x5e\x3a\x7f"s, 60 },
        { 0, "\xd9\x5e\x3a\x7f"s, 60 },
        { 0, "\xda\x5e\x3a\x7f"s, 60 },
    };
}

int MindirFormat::sniff(const Probe& probe) const
{
    if (!probe.file || probe.file->size() == 0)
        return 0;
    const auto bytes = probe.file->bytes();
    if (MindSporeCipher::detect(bytes))
        return 90;

    int known = 0, unknown = 0;
    bool mismatch = false, hasGraph = false, versionString = false, mindspore = false;
    std::span<const std::byte> graph;
    const bool wellFormed = scanProtoFields(bytes, [&](const WireField& f) {
        const int expected = modelFieldWireType(f.number);
        if (expected < 0) {
            ++unknown;
            return true;
        }
        if (expected != f.wireType) {
            mismatch = true;
            return false;
        }
        ++known;
        if (f.number == 1)
            versionString = looksLikeVersion(f.bytes);
        if (f.number == 2)
            mindspore = equals(f.bytes, "MindSpore");
        if (f.number == 7) {
            hasGraph = true;
            graph = f.bytes;
        }
        return true;
    });
    if (!wellFormed || mismatch || !hasGraph || unknown > known || !(versionString || mindspore))
        return 0;
    // GraphProto: every field MindIR defines is length-delimited.
    bool graphOk = true;
    const bool graphWellFormed = scanProtoFields(graph, [&](const WireField& f) {
        if (f.number <= 10 && f.wireType != 2) {
            graphOk = false;
            return false;
        }
        return true;
    });
    if (!graphWellFormed || !graphOk)
        return 0;
    return versionString ? 90 : 80;
}

std::unique_ptr<Model> MindirFormat::read(const Probe& probe) const
{
    if (!probe.file)
        throw Error(probe.path.string() + ": a MindIR model is a file, not a folder");
    std::shared_ptr<MindirDocument> doc;
    if (auto layout = MindSporeCipher::detect(probe.file->bytes()))
        doc = openEncrypted(probe, *layout);
    else
        doc = parse(probe.file);
    if (!probe.file->isInMemory())
        doc->folder = probe.path.parent_path().empty() ? std::filesystem::path(".") : probe.path.parent_path();
    return MindirImporter(doc).import();
}

void MindirFormat::write(const Model& model, const std::filesystem::path& path, const WriteOptions&) const
{
    MindirWriter(model).write(path);
}

} // namespace nodus
