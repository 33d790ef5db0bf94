#include "paddleformat.h"

#include "paddleimporter.h"
#include "paddleopmetadata.h"
#include "paddlewriter.h"

#include "util/error.h"
#include "util/mappedfile.h"
#include "util/protowire.h"

#include <system_error>

namespace nodus {

namespace fs = std::filesystem;

namespace {

// The program file a folder stands for: its `__model__`, else its only
// .pdmodel; empty when there is none or more than one.
fs::path programIn(const fs::path& dir)
{
    std::error_code ec;
    if (fs::is_regular_file(dir / "__model__", ec))
        return dir / "__model__";
    fs::path found;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        if (entry.path().extension() != ".pdmodel" || !entry.is_regular_file(ec))
            continue;
        if (!found.empty())
            return {};
        found = entry.path();
    }
    return found;
}

// Whether the bytes have a ProgramDesc's shape: only fields 1 (blocks), 3,
// 4 and 5 at the top, and a first block that starts with idx (field 1,
// varint) and parent_idx (field 2, varint; -1 for block 0) and holds
// variables (3) and ops (4) as messages. ONNX (ir_version first, a varint
// field 1), MindIR (string fields), TensorFlow's GraphDef (nodes whose first
// field is a name string) and CNTK's dictionaries do not look like that.
int programScore(std::span<const std::byte> bytes)
{
    if (bytes.size() < 4)
        return 0;
    bool ok = true;
    int blocks = 0;
    bool firstBlockLooksRight = false;
    const bool wellFormed = scanProtoFields(bytes, [&](const WireField& f) {
        if (f.number == 1 && f.wireType == 2) {
            if (blocks++ == 0) {
                int index = 0;
                bool idx = false, parent = false, members = false, foreign = false;
                scanProtoFields(f.bytes, [&](const WireField& g) {
                    if (index == 0)
                        idx = g.number == 1 && g.wireType == 0 && g.varint == 0;
                    else if (index == 1)
                        parent = g.number == 2 && g.wireType == 0;
                    else if ((g.number == 3 || g.number == 4) && g.wireType == 2)
                        members = true;
                    else if (!(g.number == 5 && g.wireType == 0))
                        foreign = true;
                    ++index;
                    return !foreign;
                });
                firstBlockLooksRight = idx && parent && members && !foreign;
            }
            return true;
        }
        if ((f.number == 3 || f.number == 4 || f.number == 5) && f.wireType == 2)
            return true;
        ok = false;
        return false;
    });
    if (!ok || blocks == 0 || !firstBlockLooksRight)
        return 0;
    return wellFormed ? 85 : 40;
}

} // namespace

int PaddleFormat::sniff(const Probe& probe) const
{
    if (!probe.file) {
        const fs::path program = programIn(probe.path);
        if (program.empty())
            return 0;
        try {
            return programScore(MappedFile::open(program)->bytes());
        } catch (const Error&) {
            return 0;
        }
    }
    return programScore(probe.file->bytes());
}

std::unique_ptr<Model> PaddleFormat::read(const Probe& probe) const
{
    if (probe.file)
        return importPaddle(probe.file);
    const fs::path program = programIn(probe.path);
    if (program.empty())
        throw Error(
            probe.path.string() + ": the folder holds no PaddlePaddle program (__model__ or a single .pdmodel)");
    return importPaddle(MappedFile::open(program));
}

void PaddleFormat::write(const Model& model, const fs::path& path, const WriteOptions&) const
{
    writePaddleModel(model, path);
}

const OpMetadata& PaddleFormat::opMetadata() const
{
    return paddleOpMetadata();
}

std::optional<fs::path> PaddleFormat::modelOf(const fs::path& sideFile) const
{
    // The combined parameter files the importer looks for beside a program.
    fs::path program;
    if (sideFile.filename() == "__params__")
        program = sideFile.parent_path() / "__model__";
    else if (sideFile.extension() == ".pdiparams")
        program = fs::path(sideFile).replace_extension(".pdmodel");
    std::error_code ec;
    if (program.empty() || !fs::is_regular_file(program, ec))
        return std::nullopt;
    return program;
}

} // namespace nodus
