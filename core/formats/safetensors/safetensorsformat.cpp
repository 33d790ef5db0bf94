#include "safetensorsformat.h"

#include "safetensorsio.h"
#include "safetensorsreader.h"
#include "safetensorswriter.h"

#include "util/error.h"
#include "util/mappedfile.h"

#include <algorithm>
#include <string_view>

namespace nodus {

int SafetensorsFormat::sniff(const Probe& probe) const
{
    if (!probe.file || probe.file->size() < 10)
        return 0;
    const auto bytes = probe.file->bytes();
    const std::string_view head(
        reinterpret_cast<const char*>(bytes.data()), std::min<std::uint64_t>(bytes.size(), 4096));
    std::uint64_t n = 0;
    for (int i = 0; i < 8; ++i)
        n |= static_cast<std::uint64_t>(static_cast<unsigned char>(head[i])) << (8 * i);
    // '{' then a key or the end of an empty object.
    if (head[8] != '{' || (head[9] != '"' && head[9] != '}'))
        return 0;
    const bool sizeFits = n <= kSafetensorsMaxHeader && n <= probe.file->size() - 8;
    const std::string_view json = head.substr(8);
    const bool looksLikeHeader = json.find("\"dtype\"") != std::string_view::npos
        || json.find("\"data_offsets\"") != std::string_view::npos || json.starts_with("{\"__metadata__\"")
        || json.starts_with("{}");
    if (!looksLikeHeader)
        return 0;
    // A header size that does not fit is still claimed, weakly, so the
    // reader says what is wrong instead of "unknown format".
    return sizeFits ? 90 : 40;
}

std::unique_ptr<Model> SafetensorsFormat::read(const Probe& probe) const
{
    if (!probe.file)
        throw Error(probe.path.string() + ": a safetensors file is a file, not a folder");
    return readSafetensors(probe.file);
}

void SafetensorsFormat::write(const Model& model, const std::filesystem::path& path, const WriteOptions&) const
{
    writeSafetensorsModel(model, path);
}

} // namespace nodus
