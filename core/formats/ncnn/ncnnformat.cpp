#include "ncnnformat.h"

#include "ncnnimporter.h"
#include "ncnnnet.h"
#include "ncnnwriter.h"

#include "ir/model.h"
#include "ir/opmetadata.h"
#include "util/mappedfile.h"

#include <algorithm>
#include <cstring>

namespace nodus {

// Generated from core/formats/ncnn/ncnn-ops.json by nodus_embed_file().
extern const unsigned char kNcnnOpMetadata[];
extern const std::size_t kNcnnOpMetadataSize;

const OpMetadata& NcnnFormat::opMetadata() const
{
    static const OpMetadata metadata
        = OpMetadata::fromJson(std::string_view(reinterpret_cast<const char*>(kNcnnOpMetadata), kNcnnOpMetadataSize),
            "built-in ncnn-ops.json");
    return metadata;
}

int NcnnFormat::sniff(const Probe& probe) const
{
    if (!probe.file || probe.file->size() < 8)
        return 0;
    const auto bytes = probe.file->bytes();
    std::int32_t magic = 0;
    std::memcpy(&magic, bytes.data(), 4);
    if (magic == kNcnnMagic)
        return 90;
    const std::string_view head(reinterpret_cast<const char*>(bytes.data()), std::min<std::size_t>(9, bytes.size()));
    // The magic number alone on the first line, then the counts.
    if (head.starts_with("7767517\n") || head.starts_with("7767517\r\n"))
        return 90;
    return 0;
}

std::unique_ptr<Model> NcnnFormat::read(const Probe& probe) const
{
    return importNcnn(probe);
}

void NcnnFormat::write(const Model& model, const std::filesystem::path& path, const WriteOptions&) const
{
    writeNcnn(model, path);
}

std::optional<std::filesystem::path> NcnnFormat::modelOf(const std::filesystem::path& sideFile) const
{
    // x.bin belongs to x.param or x.param.bin (ncnnWeightsPath's rule).
    if (sideFile.extension() != ".bin" || sideFile.stem().extension() == ".param")
        return std::nullopt;
    std::error_code ec;
    for (const char* ext : { ".param", ".param.bin" }) {
        std::filesystem::path param = sideFile;
        param.replace_extension(ext);
        if (std::filesystem::is_regular_file(param, ec))
            return param;
    }
    return std::nullopt;
}

} // namespace nodus
