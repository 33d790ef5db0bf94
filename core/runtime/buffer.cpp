#include "buffer.h"

#include "runtimeerror.h"
#include "vulkandevice.h"

#include <bit>
#include <cstdio>
#include <string>

namespace nodus::rt {

std::string mibText(std::uint64_t bytes)
{
    char text[64];
    // Small sizes (limits lowered for tests) would all read 0.00 MiB.
    if (bytes < (1u << 20))
        std::snprintf(text, sizeof text, "%.2f MiB = %llu bytes", double(bytes) / (1024.0 * 1024.0),
            static_cast<unsigned long long>(bytes));
    else
        std::snprintf(text, sizeof text, "%.2f MiB", double(bytes) / (1024.0 * 1024.0));
    return text;
}

// Shared with every buffer's deleter, so a buffer released after the pool
// (a tensor a caller still holds) is still freed.
struct BufferPool::State {
    VkDevice device = VK_NULL_HANDLE;
    std::mutex mutex;
    std::multimap<VkDeviceSize, Buffer*> free;
    static void destroy(VkDevice device, Buffer* b)
    {
        if (b->mapped)
            vkUnmapMemory(device, b->memory);
        vkDestroyBuffer(device, b->handle, nullptr);
        vkFreeMemory(device, b->memory, nullptr);
        delete b;
    }
    ~State()
    {
        for (auto& [_, b] : free)
            destroy(device, b);
    }
};

namespace {

// Sizes round up to one of 8 steps per power of two, so freed buffers fit
// later values of nearly the same size.
VkDeviceSize sizeClass(VkDeviceSize bytes)
{
    bytes = std::max<VkDeviceSize>(bytes, 256);
    VkDeviceSize p = std::bit_floor(bytes);
    VkDeviceSize step = std::max<VkDeviceSize>(p / 8, 256);
    return (bytes + step - 1) / step * step;
}

} // namespace

BufferPool::BufferPool(VulkanDevice& device)
    : device_(device)
    , state_(std::make_shared<State>())
{
    state_->device = device.device();
}

BufferPool::~BufferPool() = default;

Buffer* BufferPool::create(VkDeviceSize bytes, bool hostVisible)
{
    // A binding's range is limited separately (maxStorageBufferRange, see
    // KernelContext::dispatch); the allocation itself may be larger, up to
    // the device's largest allocation.
    if (bytes > device_.maxAllocationBytes())
        throw RuntimeError("a buffer of " + mibText(bytes) + " exceeds the device's largest allocation of "
            + mibText(device_.maxAllocationBytes()) + " (maxMemoryAllocationSize)");
    auto b = std::make_unique<Buffer>();
    VkBufferCreateInfo ci { VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO };
    ci.size = bytes;
    ci.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT
        | VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT
        | (hostVisible ? VK_BUFFER_USAGE_UNIFORM_BUFFER_BIT : 0);
    ci.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    vkCheck(vkCreateBuffer(device_.device(), &ci, nullptr, &b->handle), "vkCreateBuffer");
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(device_.device(), b->handle, &req);
    VkMemoryAllocateInfo ai { VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO };
    ai.allocationSize = req.size;
    try {
        ai.memoryTypeIndex = device_.memoryType(req.memoryTypeBits, hostVisible);
        vkCheck(vkAllocateMemory(device_.device(), &ai, nullptr, &b->memory), "allocating device memory");
    } catch (...) {
        vkDestroyBuffer(device_.device(), b->handle, nullptr);
        throw;
    }
    vkBindBufferMemory(device_.device(), b->handle, b->memory, 0);
    b->size = bytes;
    if (hostVisible || device_.deviceMemoryMappable())
        vkCheck(vkMapMemory(device_.device(), b->memory, 0, VK_WHOLE_SIZE, 0, &b->mapped), "vkMapMemory");
    return b.release();
}

std::shared_ptr<Buffer> BufferPool::acquire(VkDeviceSize bytes)
{
    VkDeviceSize size = sizeClass(bytes);
    Buffer* b = nullptr;
    {
        std::lock_guard lock(state_->mutex);
        auto it = state_->free.lower_bound(size);
        if (it != state_->free.end() && it->first <= size + size / 4) {
            b = it->second;
            state_->free.erase(it);
        }
    }
    if (!b) {
        b = create(size, false);
        live_ += size;
        peak_ = std::max(peak_, live_);
    }
    return std::shared_ptr<Buffer>(b, [s = state_](Buffer* p) {
        std::lock_guard lock(s->mutex);
        s->free.emplace(p->size, p);
    });
}

std::shared_ptr<Buffer> BufferPool::dedicated(VkDeviceSize bytes)
{
    Buffer* b = create(std::max<VkDeviceSize>(bytes, 16), false);
    return std::shared_ptr<Buffer>(b, [s = state_](Buffer* p) { State::destroy(s->device, p); });
}

std::shared_ptr<Buffer> BufferPool::host(VkDeviceSize bytes)
{
    Buffer* b = create(std::max<VkDeviceSize>(bytes, 16), true);
    return std::shared_ptr<Buffer>(b, [s = state_](Buffer* p) { State::destroy(s->device, p); });
}

VkDeviceSize BufferPool::pooledBytes() const
{
    return live_;
}

} // namespace nodus::rt
