#include "lazytensordata.h"

#include "util/error.h"

namespace nodus {

std::span<const std::byte> LazyTensorData::bytes() const
{
    std::call_once(once_, [this] {
        bytes_ = decoder_();
        if (bytes_.size() != size_)
            throw Error("decoded tensor has " + std::to_string(bytes_.size())
                        + " bytes, expected " + std::to_string(size_));
    });
    return bytes_;
}

} // namespace nodus
