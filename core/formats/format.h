#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nodus {

class MappedFile;
class Model;
class OpMetadata;

// What only the user can supply when opening a file.
struct ReadOptions {
    // Key of an encrypted model (MindIR): hex digits or the key's own text.
    std::string key;
    // "AES-GCM", "AES-CBC" or "SM4-CBC"; empty: as the file says.
    std::string cipherMode;
};

// What the registry hands a sniffer: the path and, for files, the whole file
// mapped (sniffers read only what they need; nothing is copied).
struct Probe {
    std::filesystem::path path;
    std::shared_ptr<const MappedFile> file; // null for folders
    std::string extension; // lower case, with the dot
    ReadOptions options; // for read(); sniffers ignore it
};

struct OnnxExportReport;

// Content a desktop can recognise a format's files by (shared-mime-info
// <magic>, also used for the installers): `bytes` at `offset`.
struct MimeMagic {
    std::uint64_t offset = 0;
    std::string bytes;
    int priority = 50; // shared-mime-info's scale: 80 certain, 50 likely
};

struct WriteOptions {
    // ONNX: force tensors into a data file beside the model ("<file>.data").
    bool externalData = false;
    // Writing a model of another format as ONNX converts it (core/convert):
    // the opset of the output (0: the default, 17), whether ops without an
    // ONNX mapping are kept as custom ops instead of failing, and where to
    // put the conversion's report.
    int onnxOpset = 0;
    bool partialExport = false;
    // A conversion runs ONNX shape inference over its result (see
    // OnnxExportOptions::inferShapes).
    bool inferShapes = true;
    OnnxExportReport* exportReport = nullptr;
};

// One file format: identity, detection and entry points. Formats are listed
// in one table (FormatRegistry); dialogs, the CLI, MIME types and installer
// associations are generated from it.
class Format {
public:
    // ExportOnnx: its models convert to ONNX. ConvertTarget: it writes models
    // read from other formats (conversion targets in the Convert panel).
    enum Capability : unsigned { Read = 1, Write = 2, ExportOnnx = 4, ConvertTarget = 8 };

    virtual ~Format() = default;
    virtual std::string_view name() const = 0; // short name, e.g. "onnx"
    virtual std::string_view displayName() const = 0; // e.g. "ONNX model"
    virtual std::vector<std::string> extensions() const = 0; // ".onnx", ...
    virtual unsigned capabilities() const = 0;
    // 0 = not this format, 100 = certain. Looks at content, not the name.
    virtual int sniff(const Probe& probe) const = 0;
    virtual std::unique_ptr<Model> read(const Probe& probe) const = 0;
    virtual void write(const Model& model, const std::filesystem::path& path, const WriteOptions& options) const;
    // The op set its nodes use: documentation, attributes, category colours.
    virtual const OpMetadata& opMetadata() const;
    // The desktop's name for the format's files, e.g. "application/x-onnx";
    // MIME XML, the .desktop file and installer associations come from it.
    virtual std::string_view mimeType() const = 0;
    // Magic bytes, for formats that have them (ONNX, a bare protobuf, has none).
    virtual std::vector<MimeMagic> magic() const { return {}; }
    // shared-mime-info weight of its globs where no other Nodus format shares
    // the extension: 50 is the default; a system type that takes the same
    // extension (troff's *.ms) needs more.
    virtual int globWeight() const { return 50; }
    // For a file this format keeps beside its models (ncnn's .bin, Paddle's
    // parameters): the model file beside it that it belongs to, if there is
    // one, so that opening the side file alone can say what to open.
    virtual std::optional<std::filesystem::path> modelOf(const std::filesystem::path& sideFile) const
    {
        (void)sideFile;
        return std::nullopt;
    }

    bool can(Capability c) const { return (capabilities() & c) != 0; }
};

} // namespace nodus
