#include "ggufformat.h"

#include "ggufreader.h"
#include "ggufwriter.h"

#include "util/error.h"
#include "util/mappedfile.h"

#include <cstring>
#include <string_view>

namespace nodus {

int GgufFormat::sniff(const Probe& probe) const
{
    if (!probe.file || probe.file->size() < 8)
        return 0;
    const auto bytes = probe.file->bytes();
    if (std::string_view(reinterpret_cast<const char*>(bytes.data()), 4) != "GGUF")
        return 0;
    std::uint32_t version;
    std::memcpy(&version, bytes.data() + 4, 4);
    const std::uint32_t swapped = __builtin_bswap32(version);
    // Versions Nodus refuses (1, big-endian) are still claimed so the reader
    // says why.
    if ((version >= 1 && version <= 3) || (swapped >= 1 && swapped <= 3))
        return 100;
    return 60;
}

std::unique_ptr<Model> GgufFormat::read(const Probe& probe) const
{
    if (!probe.file)
        throw Error(probe.path.string() + ": a GGUF model is a file, not a folder");
    return readGguf(probe.file);
}

void GgufFormat::write(const Model& model, const std::filesystem::path& path, const WriteOptions&) const
{
    writeGgufModel(model, path);
}

} // namespace nodus
