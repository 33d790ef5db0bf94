#pragma once

#include "tensordata.h"

#include <functional>
#include <mutex>
#include <vector>

namespace nodus {

// Bytes produced on first use by a decoder (for example ONNX's typed
// float_data/int32_data fields, which are not in the raw layout). The decode
// runs once, from whichever thread asks first.
class LazyTensorData final : public TensorData {
public:
    using Decoder = std::function<std::vector<std::byte>()>;
    LazyTensorData(std::uint64_t size, Decoder decoder)
        : size_(size)
        , decoder_(std::move(decoder))
    {
    }
    std::uint64_t size() const override { return size_; }
    std::span<const std::byte> bytes() const override;

private:
    std::uint64_t size_;
    Decoder decoder_;
    mutable std::once_flag once_;
    mutable std::vector<std::byte> bytes_;
};

} // namespace nodus
