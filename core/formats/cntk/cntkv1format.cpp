#include "cntkv1format.h"

#include "cntkv1reader.h"

#include "ir/model.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <cstring>

namespace nodus {

namespace {

// "BCN" and "BVersion" as NUL-terminated UTF-16LE: ComputationNetwork::Save's first markers.
constexpr unsigned char kBcn[] = { 'B', 0, 'C', 0, 'N', 0, 0, 0 };
constexpr unsigned char kVersion[] = { 'B', 0, 'V', 0, 'e', 0, 'r', 0, 's', 0, 'i', 0, 'o', 0, 'n', 0, 0, 0 };

} // namespace

std::vector<MimeMagic> CntkV1Format::magic() const
{
    // Every network ComputationNetwork::Save wrote starts with the marker;
    // eight bytes of UTF-16 with its terminator are certain enough to win
    // over a shared extension (.dnn, .cmf, .model are CNTK v2's too).
    return { { 0, std::string(reinterpret_cast<const char*>(kBcn), sizeof kBcn), 80 } };
}

int CntkV1Format::sniff(const Probe& probe) const
{
    if (!probe.file || probe.file->size() < sizeof kBcn)
        return 0;
    const auto* data = probe.file->data();
    if (std::memcmp(data, kBcn, sizeof kBcn) != 0)
        return 0;
    if (probe.file->size() >= sizeof kBcn + sizeof kVersion
        && std::memcmp(data + sizeof kBcn, kVersion, sizeof kVersion) == 0)
        return 100;
    return 60;
}

std::unique_ptr<Model> CntkV1Format::read(const Probe& probe) const
{
    if (!probe.file)
        throw Error(probe.path.string() + ": a CNTK v1 network is a file, not a folder");
    return CntkV1Reader(probe.file).read();
}

} // namespace nodus
