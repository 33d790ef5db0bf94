#pragma once

#include "tensordata.h"

#include <vector>

namespace nodus {

// Bytes held in memory: the result of an edit, a decode, or a small tensor.
class OwnedTensorData final : public TensorData {
public:
    explicit OwnedTensorData(std::vector<std::byte> bytes)
        : bytes_(std::move(bytes))
    {
    }
    std::uint64_t size() const override { return bytes_.size(); }
    std::span<const std::byte> bytes() const override { return bytes_; }

private:
    std::vector<std::byte> bytes_;
};

} // namespace nodus
