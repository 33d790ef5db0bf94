#pragma once

#include "tensordata.h"

namespace nodus {

// Zero-copy view onto a range of a memory-mapped file.
class MappedTensorData final : public TensorData {
public:
    explicit MappedTensorData(FileRegion region);
    std::uint64_t size() const override { return region_.length; }
    std::span<const std::byte> bytes() const override;
    const FileRegion* region() const override { return &region_; }

private:
    FileRegion region_;
};

} // namespace nodus
