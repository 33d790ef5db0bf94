#include "checkpointformat.h"

#include "checkpointreader.h"
#include "checkpointwriter.h"
#include "mindsporedatatype.h"

#include "util/error.h"
#include "util/mappedfile.h"
#include "util/protowire.h"

namespace nodus {

namespace {

// Entries looked at by the sniffer: enough to be sure, few enough that a
// multi-gigabyte checkpoint is judged by its first pages.
constexpr int kSniffEntries = 16;

// A TensorProto: dims (varint or packed), tensor_type, tensor_content.
bool looksLikeTensor(std::span<const std::byte> bytes, bool& knownType)
{
    bool ok = true, hasType = false;
    const bool wellFormed = scanProtoFields(bytes, [&](const WireField& f) {
        if ((f.number == 1 && f.wireType != 0 && f.wireType != 2)
            || ((f.number == 2 || f.number == 3) && f.wireType != 2) || f.number > 3) {
            ok = false;
            return false;
        }
        if (f.number == 2) {
            hasType = true;
            const std::string name(reinterpret_cast<const char*>(f.bytes.data()), f.bytes.size());
            knownType = knownType || dataTypeFromCheckpoint(name).has_value();
        }
        return true;
    });
    return wellFormed && ok && hasType;
}

} // namespace

int CheckpointFormat::sniff(const Probe& probe) const
{
    if (!probe.file || probe.file->size() == 0)
        return 0;
    // Checkpoint: field 1, each a Value {1: tag, 2: tensor | 3: map}; a few
    // other fields (a newer release's additions) are tolerated.
    int entries = 0, others = 0;
    bool ok = true, knownType = false;
    scanProtoFields(probe.file->bytes(), [&](const WireField& f) {
        if (f.number != 1) {
            ++others;
            return others <= entries;
        }
        if (f.wireType != 2) {
            ok = false;
            return false;
        }
        bool hasTag = false, hasTensor = false;
        const bool valueOk = scanProtoFields(f.bytes, [&](const WireField& v) {
            if (v.number == 1 && v.wireType == 2) {
                hasTag = true;
            } else if (v.number == 2 && v.wireType == 2) {
                hasTensor = looksLikeTensor(v.bytes, knownType);
                if (!hasTensor)
                    return false;
            } else if (v.number == 3 && v.wireType == 2) {
                hasTensor = true; // a MapParameter: its tensors follow the same shape
            } else {
                hasTensor = false;
                return false;
            }
            return true;
        });
        if (!valueOk || !hasTag || !hasTensor) {
            ok = false;
            return false;
        }
        return ++entries < kSniffEntries;
    });
    // A truncated tail is the reader's to report; the head decides.
    if (!ok || entries == 0 || others > entries)
        return 0;
    return knownType ? 90 : 40;
}

std::unique_ptr<Model> CheckpointFormat::read(const Probe& probe) const
{
    if (!probe.file)
        throw Error(probe.path.string() + ": a MindSpore checkpoint is a file, not a folder");
    return CheckpointReader(probe.file).read();
}

void CheckpointFormat::write(const Model& model, const std::filesystem::path& path, const WriteOptions&) const
{
    CheckpointWriter(model).write(path);
}

} // namespace nodus
