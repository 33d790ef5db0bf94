#include "tfliteopmetadata.h"

#include "ir/opmetadata.h"

#include <cstddef>
#include <string_view>

namespace nodus {

// Generated from core/formats/tflite/tflite-ops.json by nodus_embed_file().
extern const unsigned char kTfliteOpMetadata[];
extern const std::size_t kTfliteOpMetadataSize;

const OpMetadata& tfliteOpMetadata()
{
    static const OpMetadata metadata = OpMetadata::fromJson(
        std::string_view(reinterpret_cast<const char*>(kTfliteOpMetadata), kTfliteOpMetadataSize),
        "built-in tflite-ops.json");
    return metadata;
}

} // namespace nodus
