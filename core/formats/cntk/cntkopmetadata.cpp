#include "cntkopmetadata.h"

#include <cstddef>
#include <string_view>

namespace nodus {

// Embedded from resources/ops/cntk.json by nodus_embed_file (core/CMakeLists.txt).
extern const unsigned char kCntkOpMetadata[];
extern const std::size_t kCntkOpMetadataSize;

const OpMetadata& cntkOpMetadata()
{
    static const OpMetadata metadata = OpMetadata::fromJson(
        std::string_view(reinterpret_cast<const char*>(kCntkOpMetadata), kCntkOpMetadataSize),
        "built-in cntk.json");
    return metadata;
}

} // namespace nodus
