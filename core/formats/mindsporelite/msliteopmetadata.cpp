#include "msliteopmetadata.h"

#include "ir/opmetadata.h"

#include <cstddef>
#include <string_view>

namespace nodus {

// Generated from core/formats/mindsporelite/mindspore-lite-ops.json by nodus_embed_file().
extern const unsigned char kMsliteOpMetadata[];
extern const std::size_t kMsliteOpMetadataSize;

const OpMetadata& msliteOpMetadata()
{
    static const OpMetadata metadata = OpMetadata::fromJson(
        std::string_view(reinterpret_cast<const char*>(kMsliteOpMetadata), kMsliteOpMetadataSize),
        "built-in mindspore-lite-ops.json");
    return metadata;
}

} // namespace nodus
