#pragma once

#include <vulkan/vulkan.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace nodus::rt {

// A Vulkan device as the user picks it.
struct DeviceInfo {
    std::uint32_t index = 0;
    std::string name;
    std::string kind; // "discrete GPU", "integrated GPU", "virtual GPU", "CPU"
    std::string driver;
    bool fp16 = false; // shaderFloat16 and 16-bit storage
    bool halfWeights = false; // float16 texel buffers: SessionOptions::halfWeights
    bool int64 = false; // shaderInt64
    bool timestamps = false; // compute queue timestamps
    // Kernels are chosen for a GPU: many small work items, where a CPU
    // implementation (lavapipe) wants few, large ones that fill its cores'
    // vector lanes. NODUS_KERNELS=gpu or cpu overrides it (tests, measuring).
    bool gpu = false;
    std::uint64_t memoryBytes = 0;
};

// Every Vulkan physical device, best first (discrete, integrated, virtual,
// then CPU implementations such as lavapipe). Throws RuntimeError when no
// Vulkan driver is installed.
std::vector<DeviceInfo> listDevices();

// One logical device with its queue, command pool, pipeline cache and the
// pipelines built so far. Pipelines are keyed by shader and specialization
// constants; binding 0 of every kernel is its parameter block (a uniform
// buffer), bindings 1..n
// the tensors.
//
// Sessions share one VulkanDevice per device (and the process one
// VkInstance): drivers limit how many a process may create over its life
// (NVIDIA's 580 driver refused vkCreateInstance with
// VK_ERROR_INCOMPATIBLE_DRIVER after about a thousand, which a test suite
// reaches), and a shared device keeps the pipelines it compiled. Its queue
// is used under a lock (submit, waitIdle); each Recorder has its own command
// pool.
class VulkanDevice {
public:
    // `choice`: empty for the best device, else an index or a case-insensitive
    // part of the device name ("llvmpipe", "nvidia"). NODUS_VULKAN_DEVICE in
    // the environment is used when `choice` is empty.
    explicit VulkanDevice(const std::string& choice = {});
    // The process's device for `choice` (and the NODUS_KERNELS and
    // NODUS_MAX_BINDING_BYTES settings it was opened with), opened on first
    // use and kept for the rest of the process.
    static std::shared_ptr<VulkanDevice> shared(const std::string& choice = {});
    ~VulkanDevice();
    VulkanDevice(const VulkanDevice&) = delete;
    VulkanDevice& operator=(const VulkanDevice&) = delete;

    const DeviceInfo& info() const { return info_; }
    VkDevice device() const { return device_; }
    VkPhysicalDevice physicalDevice() const { return physical_; }
    std::uint32_t queueFamily() const { return queueFamily_; }
    // vkQueueSubmit and vkDeviceWaitIdle on the device's queue, which
    // sessions on several threads share.
    void submit(const VkSubmitInfo& info, VkFence fence);
    void waitIdle();
    const VkPhysicalDeviceLimits& limits() const { return limits_; }
    float timestampPeriodNs() const { return timestampPeriod_; }
    // The most bytes one storage-buffer binding may span: the device's
    // maxStorageBufferRange, lowered by NODUS_MAX_BINDING_BYTES when set (so
    // tests reach the paths that split big tensors with small ones).
    std::uint64_t maxBindingBytes() const { return maxBinding_; }
    // The largest single allocation (maxMemoryAllocationSize).
    std::uint64_t maxAllocationBytes() const { return maxAllocation_; }
    // Storage-buffer binding offsets are multiples of this.
    std::uint64_t storageAlignment() const
    {
        return std::max<std::uint64_t>(limits_.minStorageBufferOffsetAlignment, 4);
    }

    // Memory type for device buffers (device-local, mappable where the
    // device offers such memory) and for host-visible staging memory.
    std::uint32_t memoryType(std::uint32_t allowedBits, bool hostVisible) const;
    bool deviceMemoryMappable() const { return deviceMappable_; }

    struct Pipeline {
        VkPipeline pipeline = VK_NULL_HANDLE;
        VkPipelineLayout layout = VK_NULL_HANDLE;
        VkDescriptorSetLayout setLayout = VK_NULL_HANDLE;
        std::uint32_t bindings = 0;
    };
    // The compute pipeline of shader `name` whose bindings 1..n have these
    // descriptor types (storage or uniform texel buffers), with these
    // specialization constants (constant_id i = specialization[i]).
    const Pipeline& pipeline(std::string_view shader, std::span<const VkDescriptorType> bindings,
        std::span<const std::uint32_t> specialization = {});
    static constexpr std::uint32_t kPushConstantBytes = 128;

private:
    std::shared_ptr<void> instance_; // the process's instance, kept while this device lives
    VkPhysicalDevice physical_ = VK_NULL_HANDLE;
    VkDevice device_ = VK_NULL_HANDLE;
    VkQueue queue_ = VK_NULL_HANDLE;
    std::mutex queueMutex_;
    std::uint32_t queueFamily_ = 0;
    VkPipelineCache pipelineCache_ = VK_NULL_HANDLE;
    VkPhysicalDeviceLimits limits_ {};
    VkPhysicalDeviceMemoryProperties memory_ {};
    float timestampPeriod_ = 1;
    std::uint64_t maxBinding_ = 0;
    std::uint64_t maxAllocation_ = 0;
    bool deviceMappable_ = false;
    DeviceInfo info_;

    std::mutex mutex_;
    // Keyed by the bindings' kinds: 's' storage buffer, 't' texel buffer.
    std::map<std::string, std::pair<VkDescriptorSetLayout, VkPipelineLayout>, std::less<>> layouts_;
    std::map<std::string, VkShaderModule, std::less<>> modules_;
    std::map<std::string, std::unique_ptr<Pipeline>, std::less<>> pipelines_;
};

// Throws RuntimeError naming the call when `result` is not VK_SUCCESS.
void vkCheck(VkResult result, const char* what);

} // namespace nodus::rt
