#include "tensor.h"

#include "shape.h"

namespace nodus {

std::optional<std::uint64_t> Tensor::elementCount() const
{
    return nodus::elementCount(dims);
}

std::optional<std::uint64_t> Tensor::expectedBytes() const
{
    auto n = elementCount();
    if (!n)
        return std::nullopt;
    return storageBytes(dataType, *n);
}

} // namespace nodus
