#include "recorder.h"

#include "runtimeerror.h"
#include "shaders.h"
#include "vulkandevice.h"

#include <algorithm>
#include <cstring>

namespace nodus::rt {

namespace {
constexpr std::uint32_t kSegmentDispatches = 256;
constexpr std::uint32_t kSetsPerPool = 512;
constexpr std::uint32_t kQueries = 2 * kSegmentDispatches + 8;
constexpr VkDeviceSize kParamChunk = 256 * 1024;
constexpr std::size_t kMaxParams = 1024;
} // namespace

struct Recorder::Segment {
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    VkFence fence = VK_NULL_HANDLE;
    std::vector<VkDescriptorPool> pools;
    std::uint32_t setsInPool = 0;
    std::size_t poolIndex = 0;
    std::vector<std::shared_ptr<Buffer>> paramChunks;
    std::size_t chunkIndex = 0;
    VkDeviceSize chunkUsed = 0;
    std::vector<std::shared_ptr<Buffer>> staging;
    std::vector<VkBufferView> views; // texel bindings, destroyed on retire
    VkQueryPool queries = VK_NULL_HANDLE;
    std::uint32_t queriesUsed = 0;
    std::vector<std::pair<int, std::uint32_t>> marks; // node, first query
    std::uint32_t dispatches = 0;
    bool recording = false;
};

Recorder::Recorder(VulkanDevice& device, BufferPool& pool, bool timestamps)
    : device_(device)
    , pool_(pool)
    , timestamps_(timestamps && device.info().timestamps)
{
    // The device is shared by sessions, possibly on other threads: command
    // buffers come from this recorder's own pool.
    VkCommandPoolCreateInfo pci { VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO };
    pci.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    pci.queueFamilyIndex = device.queueFamily();
    vkCheck(vkCreateCommandPool(device.device(), &pci, nullptr, &commandPool_), "vkCreateCommandPool");
}

Recorder::~Recorder()
{
    try {
        flush(true);
    } catch (...) {
        device_.waitIdle();
    }
    auto destroy = [&](std::unique_ptr<Segment>& s) {
        if (!s)
            return;
        for (auto p : s->pools)
            vkDestroyDescriptorPool(device_.device(), p, nullptr);
        for (auto v : s->views)
            vkDestroyBufferView(device_.device(), v, nullptr);
        if (s->queries)
            vkDestroyQueryPool(device_.device(), s->queries, nullptr);
        if (s->fence)
            vkDestroyFence(device_.device(), s->fence, nullptr);
        if (s->cmd)
            vkFreeCommandBuffers(device_.device(), commandPool_, 1, &s->cmd);
    };
    destroy(open_);
    for (auto& s : spare_)
        destroy(s);
    for (auto& s : pending_)
        destroy(s);
    vkDestroyCommandPool(device_.device(), commandPool_, nullptr);
}

void Recorder::beginRun()
{
    timings_.clear();
    dispatches_ = 0;
    kernels_.clear();
    submits_ = 0;
    openNode_ = -1;
}

Recorder::Segment& Recorder::current()
{
    if (open_ && open_->recording)
        return *open_;
    if (!open_) {
        // Keep at most one segment running while the next is recorded.
        while (pending_.size() >= 2) {
            retire(*pending_.front());
            spare_.push_back(std::move(pending_.front()));
            pending_.erase(pending_.begin());
        }
        if (!spare_.empty()) {
            open_ = std::move(spare_.back());
            spare_.pop_back();
        } else {
            open_ = std::make_unique<Segment>();
            VkCommandBufferAllocateInfo ai { VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO };
            ai.commandPool = commandPool_;
            ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
            ai.commandBufferCount = 1;
            vkCheck(vkAllocateCommandBuffers(device_.device(), &ai, &open_->cmd), "vkAllocateCommandBuffers");
            VkFenceCreateInfo fi { VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
            vkCheck(vkCreateFence(device_.device(), &fi, nullptr, &open_->fence), "vkCreateFence");
            if (timestamps_) {
                VkQueryPoolCreateInfo qi { VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO };
                qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
                qi.queryCount = kQueries;
                vkCheck(vkCreateQueryPool(device_.device(), &qi, nullptr, &open_->queries), "vkCreateQueryPool");
            }
        }
    }
    Segment& s = *open_;
    VkCommandBufferBeginInfo bi { VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO };
    bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    vkCheck(vkBeginCommandBuffer(s.cmd, &bi), "vkBeginCommandBuffer");
    if (s.queries)
        vkCmdResetQueryPool(s.cmd, s.queries, 0, kQueries);
    s.recording = true;
    if (openNode_ >= 0 && s.queries) {
        s.marks.push_back({ openNode_, s.queriesUsed });
        vkCmdWriteTimestamp(s.cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, s.queries, s.queriesUsed);
        s.queriesUsed += 2;
    }
    return s;
}

void Recorder::retire(Segment& s)
{
    vkCheck(vkWaitForFences(device_.device(), 1, &s.fence, VK_TRUE, UINT64_MAX), "waiting for the device");
    vkResetFences(device_.device(), 1, &s.fence);
    if (s.queries && s.queriesUsed > 0) {
        std::vector<std::uint64_t> ticks(s.queriesUsed);
        vkGetQueryPoolResults(device_.device(), s.queries, 0, s.queriesUsed, ticks.size() * 8, ticks.data(), 8,
            VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT);
        for (auto [node, q] : s.marks) {
            double ms = double(ticks[q + 1] - ticks[q]) * device_.timestampPeriodNs() / 1e6;
            if (!timings_.empty() && timings_.back().first == node)
                timings_.back().second += ms;
            else
                timings_.push_back({ node, ms });
        }
    }
    s.marks.clear();
    s.queriesUsed = 0;
    for (auto p : s.pools)
        vkResetDescriptorPool(device_.device(), p, 0);
    s.poolIndex = 0;
    s.setsInPool = 0;
    s.chunkIndex = 0;
    s.chunkUsed = 0;
    s.staging.clear();
    for (auto v : s.views)
        vkDestroyBufferView(device_.device(), v, nullptr);
    s.views.clear();
    s.dispatches = 0;
    vkResetCommandBuffer(s.cmd, 0);
}

void Recorder::flush(bool wait)
{
    if (open_ && open_->recording) {
        Segment& s = *open_;
        if (openNode_ >= 0 && s.queries && !s.marks.empty() && s.marks.back().first == openNode_)
            vkCmdWriteTimestamp(s.cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, s.queries, s.marks.back().second + 1);
        // Everything the segment wrote becomes visible to host reads after
        // its fence.
        VkMemoryBarrier host { VK_STRUCTURE_TYPE_MEMORY_BARRIER };
        host.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
        host.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
        vkCmdPipelineBarrier(s.cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
            VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &host, 0, nullptr, 0, nullptr);
        vkCheck(vkEndCommandBuffer(s.cmd), "vkEndCommandBuffer");
        s.recording = false;
        VkSubmitInfo si { VK_STRUCTURE_TYPE_SUBMIT_INFO };
        si.commandBufferCount = 1;
        si.pCommandBuffers = &s.cmd;
        device_.submit(si, s.fence);
        ++submits_;
        pending_.push_back(std::move(open_));
    }
    if (wait) {
        for (auto& s : pending_) {
            retire(*s);
            spare_.push_back(std::move(s));
        }
        pending_.clear();
    }
}

void Recorder::beginNode(int node)
{
    openNode_ = node;
    if (!timestamps_)
        return;
    Segment& s = current();
    if (s.queriesUsed + 2 > kQueries) {
        flush(false);
        return beginNode(node); // the new segment opens with this node's mark
    }
    if (!s.marks.empty() && s.marks.back().first == node)
        return;
    s.marks.push_back({ node, s.queriesUsed });
    vkCmdWriteTimestamp(s.cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, s.queries, s.queriesUsed);
    s.queriesUsed += 2;
}

void Recorder::endNode()
{
    if (timestamps_ && open_ && open_->recording && !open_->marks.empty() && open_->marks.back().first == openNode_)
        vkCmdWriteTimestamp(open_->cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, open_->queries,
            open_->marks.back().second + 1);
    openNode_ = -1;
    if (open_ && open_->recording && open_->dispatches >= kSegmentDispatches)
        flush(false);
}

// Between dispatches: device reads and writes only. The host reads only
// after a segment's fence, behind the one host barrier flush() records last.
void Recorder::barrier()
{
    VkMemoryBarrier mb { VK_STRUCTURE_TYPE_MEMORY_BARRIER };
    mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT
        | VK_ACCESS_TRANSFER_WRITE_BIT;
    vkCmdPipelineBarrier(current().cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
        VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &mb, 0, nullptr, 0, nullptr);
}

BufferRef Recorder::paramBlock(std::span<const std::uint32_t> params)
{
    // A std140 uint array: one word per 16 bytes (shaders/common.glsl).
    if (params.size() > kMaxParams)
        throw RuntimeError("internal error: a kernel passed " + std::to_string(params.size()) + " parameters (at most "
            + std::to_string(kMaxParams) + ")");
    Segment& s = current();
    VkDeviceSize align = std::max<VkDeviceSize>(device_.limits().minUniformBufferOffsetAlignment, 16);
    VkDeviceSize bytes = std::max<VkDeviceSize>(params.size(), 1) * 16;
    if (s.paramChunks.empty()) {
        s.paramChunks.push_back(pool_.host(kParamChunk));
        s.chunkIndex = 0;
        s.chunkUsed = 0;
    }
    VkDeviceSize offset = (s.chunkUsed + align - 1) / align * align;
    if (offset + bytes > kParamChunk) {
        if (++s.chunkIndex == s.paramChunks.size())
            s.paramChunks.push_back(pool_.host(kParamChunk));
        offset = 0;
    }
    Buffer& chunk = *s.paramChunks[s.chunkIndex];
    auto* words = reinterpret_cast<std::uint32_t*>(static_cast<std::byte*>(chunk.mapped) + offset);
    for (std::size_t i = 0; i < params.size(); ++i)
        words[i * 4] = params[i];
    s.chunkUsed = offset + bytes;
    return { &chunk, offset, bytes };
}

VkDescriptorSet Recorder::descriptorSet(VkDescriptorSetLayout layout)
{
    Segment& s = current();
    auto newPool = [&] {
        VkDescriptorPoolSize sizes[] = { { VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, kSetsPerPool * 12 },
            { VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER, kSetsPerPool },
            { VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, kSetsPerPool * 4 } };
        VkDescriptorPoolCreateInfo pi { VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO };
        pi.maxSets = kSetsPerPool;
        pi.poolSizeCount = 3;
        pi.pPoolSizes = sizes;
        VkDescriptorPool pool;
        vkCheck(vkCreateDescriptorPool(device_.device(), &pi, nullptr, &pool), "vkCreateDescriptorPool");
        s.pools.push_back(pool);
    };
    if (s.pools.empty()) {
        newPool();
        s.poolIndex = 0;
        s.setsInPool = 0;
    }
    if (s.setsInPool >= kSetsPerPool) {
        if (++s.poolIndex == s.pools.size())
            newPool();
        s.setsInPool = 0;
    }
    VkDescriptorSetAllocateInfo ai { VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO };
    ai.descriptorPool = s.pools[s.poolIndex];
    ai.descriptorSetCount = 1;
    ai.pSetLayouts = &layout;
    VkDescriptorSet set;
    vkCheck(vkAllocateDescriptorSets(device_.device(), &ai, &set), "vkAllocateDescriptorSets");
    ++s.setsInPool;
    return set;
}

VkDeviceSize Recorder::texelAlignment() const
{
    return std::max<VkDeviceSize>(device_.limits().minTexelBufferOffsetAlignment, 16);
}

namespace {

std::uint32_t texelBytes(VkFormat format)
{
    switch (format) {
    case VK_FORMAT_R32G32B32A32_SFLOAT:
    case VK_FORMAT_R32G32B32A32_UINT:
    case VK_FORMAT_R32G32B32A32_SINT:
        return 16;
    case VK_FORMAT_R16G16B16A16_SFLOAT:
        return 8;
    case VK_FORMAT_R32_SFLOAT:
    case VK_FORMAT_R32_UINT:
    case VK_FORMAT_R32_SINT:
        return 4;
    default:
        throw RuntimeError("internal error: texel format " + std::to_string(int(format)) + " is not supported");
    }
}

} // namespace

std::uint32_t Recorder::texelSize(VkFormat format)
{
    return texelBytes(format);
}

void Recorder::dispatch(std::string_view shader, std::span<const std::uint32_t> specialization,
    std::span<const std::uint32_t> params, std::span<const BufferRef> buffers, std::uint32_t gx, std::uint32_t gy,
    std::uint32_t gz)
{
    if (gx == 0 || gy == 0 || gz == 0)
        return;
    std::vector<VkDescriptorType> types(buffers.size());
    for (std::size_t i = 0; i < buffers.size(); ++i) {
        if (!buffers[i].buffer)
            throw RuntimeError("internal error: kernel " + std::string(shader) + " bound no buffer");
        types[i] = buffers[i].texel != VK_FORMAT_UNDEFINED ? VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER
                                                           : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    }
    const auto& p = device_.pipeline(shader, types, specialization);
    Segment& s = current();
    VkDescriptorSet set = descriptorSet(p.setLayout);
    std::vector<VkDescriptorBufferInfo> infos(buffers.size() + 1);
    std::vector<VkBufferView> views(buffers.size() + 1, VK_NULL_HANDLE);
    BufferRef pb = paramBlock(params);
    infos[0] = { pb.buffer->handle, pb.offset, pb.size };
    for (std::size_t i = 0; i < buffers.size(); ++i) {
        const BufferRef& b = buffers[i];
        infos[i + 1] = { b.buffer->handle, b.offset, b.size };
        if (types[i] != VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER) {
            // KernelContext::dispatch names the tensor first; this catches
            // bindings made around it.
            VkDeviceSize range = b.size == VK_WHOLE_SIZE ? b.buffer->size - b.offset : b.size;
            if (range > device_.maxBindingBytes())
                throw RuntimeError("kernel " + std::string(shader) + " binds " + mibText(range)
                    + " in one storage buffer, more than the device's limit of " + mibText(device_.maxBindingBytes())
                    + " (maxStorageBufferRange)");
            if (b.size == VK_WHOLE_SIZE)
                infos[i + 1].range = range;
            continue;
        }
        VkDeviceSize unit = texelBytes(b.texel);
        VkDeviceSize end = b.size == VK_WHOLE_SIZE ? b.buffer->size : std::min(b.buffer->size, b.offset + b.size);
        VkDeviceSize range = end > b.offset ? (end - b.offset) / unit * unit : 0;
        if (b.offset % texelAlignment() != 0 || range == 0 || range / unit > device_.limits().maxTexelBufferElements)
            throw RuntimeError("internal error: kernel " + std::string(shader) + " bound a texel buffer of "
                + std::to_string(range) + " bytes at offset " + std::to_string(b.offset)
                + " that the device cannot view");
        VkBufferViewCreateInfo vi { VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO };
        vi.buffer = b.buffer->handle;
        vi.format = b.texel;
        vi.offset = b.offset;
        vi.range = range;
        vkCheck(vkCreateBufferView(device_.device(), &vi, nullptr, &views[i + 1]), "vkCreateBufferView");
        s.views.push_back(views[i + 1]);
    }
    std::vector<VkWriteDescriptorSet> writes(infos.size());
    for (std::uint32_t i = 0; i < infos.size(); ++i) {
        writes[i] = { VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET };
        writes[i].dstSet = set;
        writes[i].dstBinding = i;
        writes[i].descriptorCount = 1;
        if (views[i]) {
            writes[i].descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
            writes[i].pTexelBufferView = &views[i];
        } else {
            writes[i].descriptorType = i == 0 ? VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
            writes[i].pBufferInfo = &infos[i];
        }
    }
    vkUpdateDescriptorSets(device_.device(), std::uint32_t(writes.size()), writes.data(), 0, nullptr);
    vkCmdBindPipeline(s.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p.pipeline);
    vkCmdBindDescriptorSets(s.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p.layout, 0, 1, &set, 0, nullptr);
    vkCmdDispatch(s.cmd, gx, gy, gz);
    barrier();
    ++s.dispatches;
    ++dispatches_;
    if (timestamps_)
        kernels_.emplace_back(openNode_, std::string(shader));
}

void Recorder::dispatch1D(std::string_view shader, std::span<const std::uint32_t> specialization,
    std::span<const std::uint32_t> params, std::span<const BufferRef> buffers, std::uint64_t invocations,
    std::uint32_t localSize)
{
    if (invocations == 0)
        return;
    // A size other than the shader's own would cover the wrong number of
    // invocations (or run idle ones by the thousand).
    if (std::uint32_t declared = shaderLocalSizeX(shader); declared != 0 && declared != localSize)
        throw RuntimeError("internal error: kernel " + std::string(shader) + " has workgroups of "
            + std::to_string(declared) + ", dispatched as " + std::to_string(localSize));
    std::uint64_t groups = (invocations + localSize - 1) / localSize;
    std::uint32_t maxX = std::min<std::uint32_t>(device_.limits().maxComputeWorkGroupCount[0], 65535);
    std::uint32_t gx = std::uint32_t(std::min<std::uint64_t>(groups, maxX));
    std::uint64_t gy = (groups + gx - 1) / gx;
    if (gy > device_.limits().maxComputeWorkGroupCount[1])
        throw RuntimeError("a kernel of " + std::to_string(invocations) + " threads is larger than the device allows");
    dispatch(shader, specialization, params, buffers, gx, std::uint32_t(gy), 1);
}

void Recorder::upload(const Buffer& dst, std::span<const std::byte> bytes, VkDeviceSize dstOffset)
{
    if (bytes.empty())
        return;
    Segment& s = current();
    auto staging = pool_.host(bytes.size());
    std::memcpy(staging->mapped, bytes.data(), bytes.size());
    VkBufferCopy region { 0, dstOffset, bytes.size() };
    vkCmdCopyBuffer(s.cmd, staging->handle, dst.handle, 1, &region);
    s.staging.push_back(std::move(staging));
    barrier();
}

void Recorder::copy(const Buffer& src, VkDeviceSize srcOffset, const Buffer& dst, VkDeviceSize dstOffset, VkDeviceSize bytes)
{
    if (bytes == 0)
        return;
    VkBufferCopy region { srcOffset, dstOffset, bytes };
    vkCmdCopyBuffer(current().cmd, src.handle, dst.handle, 1, &region);
    barrier();
}

void Recorder::fill(const Buffer& dst, std::uint32_t word, VkDeviceSize offset, VkDeviceSize bytes)
{
    vkCmdFillBuffer(current().cmd, dst.handle, offset, bytes == VK_WHOLE_SIZE ? VK_WHOLE_SIZE : (bytes + 3) / 4 * 4, word);
    barrier();
}

std::vector<std::vector<std::byte>> Recorder::read(std::span<const std::pair<const Buffer*, VkDeviceSize>> buffers)
{
    std::vector<std::shared_ptr<Buffer>> staged(buffers.size());
    for (std::size_t i = 0; i < buffers.size(); ++i) {
        auto [b, bytes] = buffers[i];
        if (!b->mapped && bytes > 0) {
            staged[i] = pool_.host(bytes);
            copy(*b, 0, *staged[i], 0, bytes);
        }
    }
    flush(true);
    std::vector<std::vector<std::byte>> out(buffers.size());
    for (std::size_t i = 0; i < buffers.size(); ++i) {
        auto [b, bytes] = buffers[i];
        out[i].resize(bytes);
        const void* src = staged[i] ? staged[i]->mapped : b->mapped;
        if (bytes)
            std::memcpy(out[i].data(), src, bytes);
    }
    return out;
}

std::vector<std::byte> Recorder::read(const Buffer& buffer, VkDeviceSize bytes)
{
    std::pair<const Buffer*, VkDeviceSize> one { &buffer, bytes };
    return std::move(read(std::span(&one, 1)).front());
}

} // namespace nodus::rt
