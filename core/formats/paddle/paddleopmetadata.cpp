#include "paddleopmetadata.h"

#include "ir/opmetadata.h"

#include <cstddef>
#include <string_view>

namespace nodus {

// Generated from core/formats/paddle/paddle-ops.json by nodus_embed_file().
extern const unsigned char kPaddleOpMetadata[];
extern const std::size_t kPaddleOpMetadataSize;

const OpMetadata& paddleOpMetadata()
{
    static const OpMetadata metadata = OpMetadata::fromJson(
        std::string_view(reinterpret_cast<const char*>(kPaddleOpMetadata), kPaddleOpMetadataSize),
        "built-in paddle-ops.json");
    return metadata;
}

} // namespace nodus
