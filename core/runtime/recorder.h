#pragma once

#include "buffer.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace nodus::rt {

class VulkanDevice;

// A buffer range bound to a kernel: a storage buffer, or with `texel` set a
// uniform texel buffer of that format (a samplerBuffer in the shader). CPU
// drivers fetch texels with vector gathers where storage-buffer loads at
// varying offsets are per-lane scalar loops (see shaders/conv_tile.comp).
struct BufferRef {
    const Buffer* buffer = nullptr;
    VkDeviceSize offset = 0;
    VkDeviceSize size = VK_WHOLE_SIZE;
    VkFormat texel = VK_FORMAT_UNDEFINED;
};

// Records a whole inference into few command buffers. Every dispatch is
// followed by a memory barrier, so kernels see their inputs and pooled
// buffers can be reused by later values; work goes to the queue in segments
// of a few hundred dispatches (recording the next segment overlaps running
// the previous one), and the host waits only at the end or when it must read
// a value (a shape computed on the device, an If condition).
class Recorder {
public:
    Recorder(VulkanDevice& device, BufferPool& pool, bool timestamps);
    ~Recorder();
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    // Binding 0 is `params` (a uint array in a host-visible arena), the rest
    // `buffers` in order. Groups of 0 record nothing. A texel binding's
    // offset must be a multiple of texelAlignment() and its range is cut to
    // whole texels.
    void dispatch(std::string_view shader, std::span<const std::uint32_t> specialization,
        std::span<const std::uint32_t> params, std::span<const BufferRef> buffers, std::uint32_t groupsX,
        std::uint32_t groupsY = 1, std::uint32_t groupsZ = 1);
    // `invocations` threads in workgroups of `localSize` (the shader's own
    // local_size_x), spread over X and Y when there are more than 65535
    // groups; shaders index with nodus_index() from common.glsl.
    void dispatch1D(std::string_view shader, std::span<const std::uint32_t> specialization,
        std::span<const std::uint32_t> params, std::span<const BufferRef> buffers, std::uint64_t invocations,
        std::uint32_t localSize = 64);

    // Ordered on the queue with the dispatches.
    void upload(const Buffer& dst, std::span<const std::byte> bytes, VkDeviceSize dstOffset = 0);
    void copy(const Buffer& src, VkDeviceSize srcOffset, const Buffer& dst, VkDeviceSize dstOffset, VkDeviceSize bytes);
    void fill(const Buffer& dst, std::uint32_t word, VkDeviceSize offset = 0, VkDeviceSize bytes = VK_WHOLE_SIZE);

    // Waits for everything recorded so far, then gives the first `bytes` of
    // each buffer.
    std::vector<std::vector<std::byte>> read(std::span<const std::pair<const Buffer*, VkDeviceSize>> buffers);
    std::vector<std::byte> read(const Buffer& buffer, VkDeviceSize bytes);

    // Submits what is recorded; waits when `wait`.
    void flush(bool wait);

    // Per-node timing: the work recorded between beginNode and endNode is
    // timed on the device when timestamps are on.
    void beginNode(int node);
    void endNode();
    // node -> device milliseconds, summed over the run so far (after a
    // waiting flush).
    const std::vector<std::pair<int, double>>& timings() const { return timings_; }
    // node -> the shader each of its dispatches ran, in recording order
    // (when timestamps are on).
    const std::vector<std::pair<int, std::string>>& kernels() const { return kernels_; }

    VkDeviceSize texelAlignment() const;
    // Bytes per texel of a texel-buffer format the shaders use.
    static std::uint32_t texelSize(VkFormat format);

    // Starts the counts and timings of a new run. A session keeps its
    // recorder, so its command buffers, fences, descriptor and query pools
    // serve every run; call after a waiting flush.
    void beginRun();

    std::uint64_t dispatchCount() const { return dispatches_; }
    std::uint64_t submitCount() const { return submits_; }

private:
    struct Segment;
    Segment& current();
    void barrier();
    void retire(Segment& s);
    BufferRef paramBlock(std::span<const std::uint32_t> params);
    VkDescriptorSet descriptorSet(VkDescriptorSetLayout layout);

    VulkanDevice& device_;
    BufferPool& pool_;
    VkCommandPool commandPool_ = VK_NULL_HANDLE;
    bool timestamps_;
    std::vector<std::unique_ptr<Segment>> pending_;
    std::unique_ptr<Segment> open_;
    std::vector<std::unique_ptr<Segment>> spare_;
    std::vector<std::pair<int, double>> timings_;
    std::vector<std::pair<int, std::string>> kernels_;
    std::uint64_t dispatches_ = 0;
    std::uint64_t submits_ = 0;
    int openNode_ = -1;
};

} // namespace nodus::rt
