#pragma once

#include <vulkan/vulkan.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace nodus::rt {

class VulkanDevice;

// "154.4 MiB": sizes in messages about device limits.
std::string mibText(std::uint64_t bytes);

// A VkBuffer with its own memory. `mapped` is set when the memory is host
// visible (always on lavapipe and integrated GPUs, staging everywhere).
struct Buffer {
    VkBuffer handle = VK_NULL_HANDLE;
    VkDeviceMemory memory = VK_NULL_HANDLE;
    VkDeviceSize size = 0;
    void* mapped = nullptr;
};

// Where buffers come from. Activations are pooled: a buffer released when
// its value's last reader has been recorded goes back to a free list by size
// and is handed to a later value of the same run or a later run (reuse by
// liveness; the recorder's barriers order the reuse on the queue). Weights
// and staging buffers are allocated on their own.
class BufferPool {
public:
    explicit BufferPool(VulkanDevice& device);
    ~BufferPool();
    BufferPool(const BufferPool&) = delete;
    BufferPool& operator=(const BufferPool&) = delete;

    // A pooled device buffer of at least `bytes`.
    std::shared_ptr<Buffer> acquire(VkDeviceSize bytes);
    // A device buffer of its own (weights): never reused while held.
    std::shared_ptr<Buffer> dedicated(VkDeviceSize bytes);
    // A host-visible, mapped buffer (staging, parameters, readback).
    std::shared_ptr<Buffer> host(VkDeviceSize bytes);

    VkDeviceSize pooledBytes() const;
    VkDeviceSize peakBytes() const { return peak_; }

private:
    Buffer* create(VkDeviceSize bytes, bool hostVisible);

    VulkanDevice& device_;
    struct State;
    std::shared_ptr<State> state_;
    VkDeviceSize live_ = 0;
    VkDeviceSize peak_ = 0;
};

} // namespace nodus::rt
