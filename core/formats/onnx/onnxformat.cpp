#include "onnxformat.h"

#include "onnxdocument.h"
#include "onnximporter.h"
#include "onnxlazyparser.h"
#include "onnxsync.h"
#include "onnxwriter.h"

#include "convert/onnxexport.h"
#include "ir/model.h"

#include "util/error.h"
#include "util/mappedfile.h"
#include "util/protowire.h"

namespace nodus {

namespace {

// ModelProto's fields and wire types (0 varint, 2 length-delimited).
int modelFieldWireType(std::uint32_t number)
{
    switch (number) {
    case 1:
    case 5:
        return 0;
    case 2:
    case 3:
    case 4:
    case 6:
    case 7:
    case 8:
    case 14:
    case 20:
    case 25:
        return 2;
    default:
        return -1;
    }
}

bool isGraphField(std::uint32_t number)
{
    switch (number) {
    case 1:
    case 2:
    case 5:
    case 10:
    case 11:
    case 12:
    case 13:
    case 14:
    case 15:
    case 16:
        return true;
    default:
        return false;
    }
}

} // namespace

int OnnxFormat::sniff(const Probe& probe) const
{
    if (!probe.file || probe.file->size() == 0)
        return 0;
    // ONNX has no magic: judge by ModelProto's top-level field structure.
    int known = 0, unknown = 0;
    bool mismatch = false, hasGraph = false, hasIr = false, hasOpset = false;
    std::span<const std::byte> graph;
    const bool wellFormed = scanProtoFields(probe.file->bytes(), [&](const WireField& f) {
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
        hasIr |= f.number == 1;
        hasOpset |= f.number == 8;
        if (f.number == 7) {
            hasGraph = true;
            graph = f.bytes;
        }
        return true;
    });
    if (!wellFormed || mismatch || !hasGraph || unknown > known)
        return 0;
    bool graphOk = true;
    int graphFields = 0;
    const bool graphWellFormed = scanProtoFields(graph, [&](const WireField& f) {
        ++graphFields;
        if (f.wireType != 2 && isGraphField(f.number)) {
            graphOk = false;
            return false;
        }
        return true;
    });
    if (!graphWellFormed || !graphOk || graphFields == 0)
        return 0;
    return 60 + (hasIr ? 20 : 0) + (hasOpset ? 10 : 0);
}

std::unique_ptr<Model> OnnxFormat::read(const Probe& probe) const
{
    if (!probe.file)
        throw Error(probe.path.string() + ": an ONNX model is a file, not a folder");
    auto doc = std::make_shared<OnnxDocument>();
    doc->file = probe.file;
    OnnxLazyParser(*doc).parse();
    return OnnxImporter(doc).import();
}

void OnnxFormat::write(const Model& model, const std::filesystem::path& path, const WriteOptions& options) const
{
    if (!model.native || model.native->formatName() != "onnx") {
        // Another format's model: converted, not re-serialized.
        OnnxExportOptions o;
        if (options.onnxOpset)
            o.opset = options.onnxOpset;
        o.partial = options.partialExport;
        o.inferShapes = options.inferShapes;
        o.externalData = options.externalData;
        OnnxExportReport local;
        exportToOnnx(model, path, o, options.exportReport ? *options.exportReport : local);
        return;
    }
    try {
        syncOnnxDocument(model);
    } catch (const std::exception& e) {
        throw Error(path.string() + ": cannot save: " + e.what());
    }
    OnnxWriteOptions o;
    if (options.externalData)
        o.externalData = OnnxWriteOptions::ExternalData::Always;
    OnnxWriter(model, o).write(path);
}

std::optional<std::filesystem::path> OnnxFormat::modelOf(const std::filesystem::path& sideFile) const
{
    // "<model>.onnx.data", the name Nodus and PyTorch's exporter give the
    // external data of <model>.onnx.
    if (sideFile.extension() != ".data" || sideFile.stem().extension() != ".onnx")
        return std::nullopt;
    std::filesystem::path model = sideFile.parent_path() / sideFile.stem();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(model, ec))
        return std::nullopt;
    return model;
}

} // namespace nodus
