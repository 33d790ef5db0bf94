#include "tensorflowopmetadata.h"

#include "ir/opmetadata.h"

#include <cstddef>
#include <string_view>

namespace nodus {

// Generated from core/formats/tensorflow/tensorflow-ops.json by nodus_embed_file().
extern const unsigned char kTensorflowOpMetadata[];
extern const std::size_t kTensorflowOpMetadataSize;

const OpMetadata& tensorflowOpMetadata()
{
    static const OpMetadata metadata = OpMetadata::fromJson(
        std::string_view(reinterpret_cast<const char*>(kTensorflowOpMetadata), kTensorflowOpMetadataSize),
        "built-in tensorflow-ops.json");
    return metadata;
}

} // namespace nodus
