#pragma once

#include "buffer.h"
#include "hosttensor.h"

#include <memory>
#include <vector>

namespace nodus {
class Tensor;
}

namespace nodus::rt {

// A value during a run: a tensor (on the device, on the host, or both), a
// sequence of tensors, or an empty optional. A tensor is created where it is
// cheapest and copied to the other side only when a kernel asks
// (KernelContext::buffer / host).
struct RtValue {
    enum class Kind { Tensor, Sequence, None };
    Kind kind = Kind::Tensor;

    DataType type = DataType::Float;
    std::vector<std::int64_t> shape;
    std::shared_ptr<Buffer> buffer;              // device copy (rep layout)
    VkDeviceSize offset = 0;                     // where the elements start in `buffer`
    std::shared_ptr<const HostTensor> host;      // host copy
    std::shared_ptr<const nodus::Tensor> source; // an initializer not yet converted

    std::vector<RtValue> sequence; // Kind::Sequence
    DataType sequenceType = DataType::Float; // element type of an empty sequence

    std::uint64_t count() const { return shapeCount(shape); }
    std::uint64_t bytes() const { return count() * repBytes(type); }
    bool onDevice() const { return buffer != nullptr; }
    bool onHost() const { return host != nullptr; }
};

} // namespace nodus::rt
