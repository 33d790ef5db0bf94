#include "kerasopmetadata.h"

#include "ir/opmetadata.h"

#include <cstddef>
#include <string_view>

namespace nodus {

// Generated from core/formats/keras/keras-ops.json by nodus_embed_file().
extern const unsigned char kKerasOpMetadata[];
extern const std::size_t kKerasOpMetadataSize;

const OpMetadata& kerasOpMetadata()
{
    static const OpMetadata metadata
        = OpMetadata::fromJson(std::string_view(reinterpret_cast<const char*>(kKerasOpMetadata), kKerasOpMetadataSize),
            "built-in keras-ops.json");
    return metadata;
}

} // namespace nodus
