#include "mindsporeopmetadata.h"

#include "ir/opmetadata.h"

#include <cstddef>
#include <string_view>

namespace nodus {

// Generated from resources/ops/mindspore.json by nodus_embed_file().
extern const unsigned char kMindSporeOpMetadata[];
extern const std::size_t kMindSporeOpMetadataSize;

const OpMetadata& mindSporeOpMetadata()
{
    static const OpMetadata metadata = OpMetadata::fromJson(
        std::string_view(reinterpret_cast<const char*>(kMindSporeOpMetadata), kMindSporeOpMetadataSize),
        "built-in mindspore.json");
    return metadata;
}

} // namespace nodus
