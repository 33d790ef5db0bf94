#include "coremlopmetadata.h"

#include "ir/opmetadata.h"

#include <cstddef>
#include <string_view>

namespace nodus {

// Generated from core/formats/coreml/coreml-ops.json by nodus_embed_file().
extern const unsigned char kCoremlOpMetadata[];
extern const std::size_t kCoremlOpMetadataSize;

const OpMetadata& coremlOpMetadata()
{
    static const OpMetadata metadata = OpMetadata::fromJson(
        std::string_view(reinterpret_cast<const char*>(kCoremlOpMetadata), kCoremlOpMetadataSize),
        "built-in coreml-ops.json");
    return metadata;
}

} // namespace nodus
