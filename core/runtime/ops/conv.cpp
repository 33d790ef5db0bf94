// Convolutions and pooling: Conv, ConvTranspose, ConvInteger, QLinearConv,
// MaxPool, AveragePool, LpPool, the global pools and MaxUnpool. Resize and
// friends live in conv_resize.cpp, DepthToSpace/SpaceToDepth in
// conv_space.cpp.
#include "runtime/executor.h"
#include "runtime/kernel.h"
#include "runtime/recorder.h"
#include "runtime/runtimeerror.h"
#include "runtime/vulkandevice.h"

#include "ir/attribute.h"
#include "ir/node.h"
#include "ir/tensorencode.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace nodus::rt {

void registerResizeKernels(KernelRegistry& registry); // conv_resize.cpp
void registerSpaceKernels(KernelRegistry& registry); // conv_space.cpp

namespace {

using Dims3 = std::array<std::int64_t, 3>;

// Spatial geometry of a windowed op over up to 3 dims. Dims are stored
// right-aligned (a 1-D op uses only [2], the others stay 1 / 0) because
// the shaders index D, H, W.
struct Window {
    int rank = 0; // spatial dims
    Dims3 in { 1, 1, 1 }, kernel { 1, 1, 1 }, stride { 1, 1, 1 }, dilation { 1, 1, 1 };
    Dims3 head { 0, 0, 0 }, tail { 0, 0, 0 }, out { 1, 1, 1 };
    std::int64_t outCount() const { return out[0] * out[1] * out[2]; }
    std::int64_t inCount() const { return in[0] * in[1] * in[2]; }
};

std::string checkAutoPad(const Node& node)
{
    const Attribute* a = node.attribute("auto_pad");
    if (!a || a->s.empty() || a->s == "NOTSET" || a->s == "SAME_UPPER" || a->s == "SAME_LOWER" || a->s == "VALID")
        return {};
    return "auto_pad '" + a->s + "' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID";
}

std::string checkSpatialRank(const Node& node)
{
    const Attribute* k = node.attribute("kernel_shape");
    if (k && (k->ints.empty() || k->ints.size() > 3))
        return std::to_string(k->ints.size()) + "-D windows are not supported (1 to 3 spatial dims)";
    return {};
}

std::string checkWindowOp(const Node& node)
{
    std::string r = checkAutoPad(node);
    return r.empty() ? checkSpatialRank(node) : r;
}

std::vector<std::int64_t> attrIntsOr(KernelContext& ctx, const char* name, std::size_t n, std::int64_t fallback)
{
    auto v = ctx.attrInts(name);
    if (v.empty())
        return std::vector<std::int64_t>(n, fallback);
    if (v.size() != n)
        ctx.fail(std::string(name) + " has " + std::to_string(v.size()) + " values, expected " + std::to_string(n));
    return v;
}

// Conv and pooling geometry from the attributes: explicit pads, or
// auto_pad (SAME_UPPER puts the odd pad at the end), output size with
// floor or ceil division.
Window windowOf(KernelContext& ctx, std::span<const std::int64_t> inputShape, std::vector<std::int64_t> kernel,
    bool ceilMode, bool dilations)
{
    int rank = int(inputShape.size()) - 2;
    if (rank < 1 || rank > 3)
        ctx.fail("input of rank " + std::to_string(inputShape.size())
            + " is not supported (1 to 3 spatial dims after N and C)");
    if (int(kernel.size()) != rank)
        ctx.fail("kernel_shape has " + std::to_string(kernel.size()) + " dims for " + std::to_string(rank)
            + " spatial dims");
    auto strides = attrIntsOr(ctx, "strides", rank, 1);
    auto dil = dilations ? attrIntsOr(ctx, "dilations", rank, 1) : std::vector<std::int64_t>(rank, 1);
    auto pads = attrIntsOr(ctx, "pads", 2 * rank, 0);
    std::string autoPad = ctx.attrString("auto_pad", "NOTSET");
    Window w;
    w.rank = rank;
    for (int i = 0; i < rank; ++i) {
        int j = 3 - rank + i;
        std::int64_t in = inputShape[2 + i], k = kernel[i], s = strides[i], d = dil[i];
        if (k < 1 || s < 1 || d < 1)
            ctx.fail("kernel, strides and dilations must be positive");
        std::int64_t dk = (k - 1) * d + 1;
        std::int64_t head = 0, tail = 0, out = 0;
        if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
            out = (in + s - 1) / s;
            std::int64_t total = std::max<std::int64_t>(0, (out - 1) * s + dk - in);
            head = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
            tail = total - head;
        } else if (autoPad == "VALID") {
            out = in >= dk ? (in - dk) / s + 1 : 0;
        } else {
            head = pads[i];
            tail = pads[rank + i];
            if (head < 0 || tail < 0)
                ctx.fail("negative pads are not supported");
            std::int64_t span = in + head + tail - dk;
            if (span < 0)
                ctx.fail("the window (" + std::to_string(dk) + ") is larger than the padded input ("
                    + std::to_string(in + head + tail) + ")");
            out = (ceilMode ? (span + s - 1) / s : span / s) + 1;
        }
        w.in[j] = in;
        w.kernel[j] = k;
        w.stride[j] = s;
        w.dilation[j] = d;
        w.head[j] = head;
        w.tail[j] = tail;
        w.out[j] = out;
    }
    return w;
}

std::vector<std::int64_t> outShape(std::span<const std::int64_t> inputShape, std::int64_t channels, const Window& w)
{
    std::vector<std::int64_t> s { inputShape[0], channels };
    for (int i = 0; i < w.rank; ++i)
        s.push_back(w.out[3 - w.rank + i]);
    return s;
}

std::uint32_t groupsFor(KernelContext& ctx, std::uint64_t count, std::uint64_t per)
{
    std::uint64_t g = (count + per - 1) / per;
    if (g > 65535)
        ctx.fail("the tensor is too large for one dispatch (" + std::to_string(g) + " workgroups)");
    return std::uint32_t(g);
}

void pushWindow(KernelContext& ctx, std::vector<std::uint32_t>& p, const Window& w)
{
    for (auto v : w.kernel)
        p.push_back(u32(v));
    for (auto v : w.stride)
        p.push_back(u32(v));
    for (auto v : w.head)
        p.push_back(u32(v));
    for (auto v : w.dilation)
        p.push_back(u32(v));
}

std::vector<std::int64_t> kernelFromWeights(KernelContext& ctx, int weightInput)
{
    auto k = ctx.attrInts("kernel_shape");
    const auto& ws = ctx.shape(weightInput);
    if (ws.size() < 3)
        ctx.fail("weights of rank " + std::to_string(ws.size()) + " (expected N + C + spatial dims)");
    std::vector<std::int64_t> fromW(ws.begin() + 2, ws.end());
    if (k.empty())
        return fromW;
    if (k != fromW)
        ctx.fail("kernel_shape " + shapeText(k) + " does not match the weights " + shapeText(ws));
    return k;
}

// Params shared by conv.comp, conv_transpose.comp and conv_int.comp:
// C, D, H, W, OC, OD, OH, OW, kernel, strides, pads, dilations, Cg, OCg,
// channel blocks per group.
std::vector<std::uint32_t> convParams(
    KernelContext& ctx, std::int64_t C, const Window& w, std::int64_t OC, std::int64_t group, std::uint32_t blocks)
{
    std::vector<std::uint32_t> p { u32(C) };
    for (auto v : w.in)
        p.push_back(u32(v));
    p.push_back(u32(OC));
    for (auto v : w.out)
        p.push_back(u32(v));
    pushWindow(ctx, p, w);
    p.push_back(u32(C / group));
    p.push_back(u32(OC / group));
    p.push_back(blocks);
    return p;
}

std::uint32_t channelGroups(KernelContext& ctx, std::int64_t group, std::uint32_t blocks)
{
    std::uint64_t gy = std::uint64_t(group) * blocks;
    if (gy > 65535)
        ctx.fail("too many output channel blocks for one dispatch");
    return std::uint32_t(gy);
}

// ---- Conv

// FusedConv's epilogue (com.microsoft, as onnxruntime's graph optimizer
// writes it): y = activation(conv + bias + z). Codes as in conv_act.glsl.
struct Epilogue {
    std::uint32_t act = 0;
    float alpha = 0, beta = 0;
    bool z = false; // zb is added before the activation
    BufferRef zb;
};

const char* const kFusedActivations[] = { "", "Relu", "Tanh", "Sigmoid", "LeakyRelu", "Clip", "HardSigmoid" };

std::string checkFusedConv(const Node& node)
{
    const Attribute* a = node.attribute("activation");
    if (a && std::find(std::begin(kFusedActivations), std::end(kFusedActivations), a->s) == std::end(kFusedActivations))
        return "activation '" + a->s + "' is not supported";
    return checkWindowOp(node);
}

Epilogue epilogueOf(KernelContext& ctx, bool fused)
{
    Epilogue e;
    if (!fused)
        return e;
    std::string act = ctx.attrString("activation", "");
    auto it = std::find(std::begin(kFusedActivations), std::end(kFusedActivations), act);
    if (it == std::end(kFusedActivations))
        ctx.fail("activation '" + act + "' is not supported");
    e.act = std::uint32_t(it - std::begin(kFusedActivations));
    auto params = ctx.attrFloats("activation_params");
    if (e.act == 4)
        e.alpha = params.empty() ? 0.01f : params[0];
    if (e.act == 5) {
        e.alpha = params.size() > 0 ? params[0] : -3.402823466e38f;
        e.beta = params.size() > 1 ? params[1] : 3.402823466e38f;
    }
    if (e.act == 6) {
        e.alpha = params.size() > 0 ? params[0] : 0.2f;
        e.beta = params.size() > 1 ? params[1] : 0.5f;
    }
    e.z = ctx.has(3);
    return e;
}

// A graph-level fusion the executor offers a plain Conv (Conv -> Add(z) ->
// activation): taken when z is a float tensor shaped as the output.
Epilogue offeredEpilogue(KernelContext& ctx, const std::vector<std::int64_t>& ys)
{
    Epilogue e;
    const FusionOffer* offer = ctx.fusion();
    if (!offer)
        return e;
    if (offer->z) {
        const RtValue& z = *offer->z;
        if (z.kind != RtValue::Kind::Tensor || z.type != ctx.type(0) || z.shape != ys)
            return e;
        e.z = true;
        e.zb = ctx.bufferOf(*offer->z);
    }
    e.act = offer->act;
    e.alpha = offer->alpha;
    e.beta = offer->beta;
    ctx.acceptFusion();
    return e;
}

// conv_tile.comp needs subgroup shuffles over at least 8 lanes in compute
// shaders.
bool tileConvSupported(KernelContext& ctx)
{
    static std::mutex mutex;
    static std::map<VkPhysicalDevice, bool> cache;
    VulkanDevice& device = ctx.executor().device();
    std::lock_guard lock(mutex);
    auto it = cache.find(device.physicalDevice());
    if (it != cache.end())
        return it->second;
    VkPhysicalDeviceSubgroupProperties sub {};
    sub.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES;
    VkPhysicalDeviceProperties2 props {};
    props.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
    props.pNext = &sub;
    vkGetPhysicalDeviceProperties2(device.physicalDevice(), &props);
    bool ok = props.properties.apiVersion >= VK_API_VERSION_1_1 && sub.subgroupSize >= 8 && sub.subgroupSize <= 64
        && (sub.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT)
        && (sub.supportedOperations & VK_SUBGROUP_FEATURE_BASIC_BIT)
        && (sub.supportedOperations & VK_SUBGROUP_FEATURE_SHUFFLE_BIT);
    cache.emplace(device.physicalDevice(), ok);
    return ok;
}

// Copies planes x ([planes][H][W], at a texel-aligned offset) into a
// zero-padded scratch buffer [planes][Hp][Wp] with the input at (PT, PL);
// Wp is a multiple of 4, so rows start on texels.
BufferRef padInput(KernelContext& ctx, BufferRef x, std::int64_t planes, std::int64_t H, std::int64_t W,
    std::int64_t Hp, std::int64_t Wp, std::int64_t PT, std::int64_t PL)
{
    BufferRef xp = ctx.scratch(std::uint64_t(planes * Hp * Wp) * 4);
    std::vector<std::uint32_t> pp { u32(Wp / 4), u32(H), u32(W), u32(Hp), u32(PT), u32(PL), u32(planes * Hp * Wp / 4) };
    x.texel = VK_FORMAT_R32_SFLOAT;
    ctx.dispatch1D("conv_pad", {}, pp, { x, xp }, std::uint64_t(planes * Hp * Wp / 4), 64);
    return xp;
}

// Why texels (llvmpipe 22.3, LLVM 15, AVX2, measured with a throwaway
// harness: 8192 invocations x 8192 loads at varying offsets, wall time per
// 8-lane load on 2 busy cores): a storage-buffer float 31-109 ns, a uint64
// 58-90 ns, a vec4 117 ns (every component a per-lane loop of its own), a
// uniform-buffer float 20 ns but a vec4 87 ns (a gather per component),
// shared memory 91 ns, while a texelFetch of an RGBA32F texel buffer took
// 21-50 ns and an R32F one 33-41 ns: a quarter of the fetches per float at
// about a third of the cost. Stores stay storage buffers (imageStore to a
// texel buffer: 820 ns); a vec4 store costs about 1.3 float stores.
// The fast path for 2-D (and 1-D) float convs: pad the input, repack the
// weights, then conv_tile.comp. Returns false when the shape does not suit
// it (few channels per group, huge kernels) or the device lacks what it needs.
bool runTiledConv(KernelContext& ctx, const Window& w, std::int64_t group, bool hasBias, const Epilogue& e)
{
    const auto& xs = ctx.shape(0);
    std::int64_t N = xs[0], C = xs[1], OC = ctx.shape(1)[0];
    std::int64_t Cg = C / group, OCg = OC / group;
    std::int64_t KH = w.kernel[1], KW = w.kernel[2], SH = w.stride[1], SW = w.stride[2];
    // NODUS_CONV_GENERIC forces the general kernel (tests cover both).
    if (w.rank > 2 || w.in[0] != 1 || Cg * KH < 8 || std::getenv("NODUS_CONV_GENERIC"))
        return false;
    std::int64_t DH = w.dilation[1], DW = w.dilation[2], OH = w.out[1], OW = w.out[2];
    std::int64_t H = w.in[1], W = w.in[2];
    // Strips of 8 pixels: narrower ones cost more than the pixels a strip
    // wastes past the row end (28 and 14 wide rows measured). Strips start
    // on whole texels (4 floats), so they are at least 4 wide.
    std::int64_t PB = OW <= 4 ? 4 : 8;
    // Wider channel blocks feed each input load to more multiply-adds; past
    // OCB * KW of about 100 weights per lane the driver's register
    // allocation falls apart.
    std::int64_t OCB = OCg >= 32 && KW <= 3 ? 32 : OCg >= 16 ? 16 : 8;
    // The shader unrolls KW * 8 * OCB * PB multiply-adds: keep the code the
    // driver compiles bounded.
    while (OCB > 8 && (KW * 8 * OCB * PB > 16384 || OCB * KW > 112))
        OCB /= 2;
    if (KW * 8 * OCB * PB > 16384 || !tileConvSupported(ctx))
        return false;

    std::int64_t spr = (OW + PB - 1) / PB;
    std::int64_t needW = (spr * PB - 1) * SW + (KW - 1) * DW + 1;
    std::int64_t needH = (OH - 1) * SH + (KH - 1) * DH + 1;
    std::int64_t Wp = (needW + 3) / 4 * 4, Hp = needH;
    std::int64_t PT = w.head[1], PL = w.head[2];
    BufferRef x = ctx.buffer(0);
    VkDeviceSize align = ctx.recorder().texelAlignment();
    // Texel views start on aligned offsets and span at most
    // maxTexelBufferElements texels.
    std::uint64_t maxTexels = ctx.executor().device().limits().maxTexelBufferElements;
    std::int64_t R8 = (Cg * KH + 7) / 8 * 8;
    std::int64_t blocks = (OCg + OCB - 1) / OCB;
    std::int64_t packedCount = group * blocks * KW * R8 * OCB;
    // Unpadded inputs whose rows hold every strip are read in place.
    bool direct = PT == 0 && PL == 0 && W % 4 == 0 && needW <= W && needH <= H;
    if (direct) {
        Wp = W;
        Hp = H;
    }
    std::int64_t nstrips = OH * spr, stripGroups = (nstrips + 7) / 8;
    std::int64_t teams = N * group * blocks * stripGroups;
    u32(N * C * Hp * Wp);
    u32(packedCount);
    u32(teams * 8);
    if (x.offset % align != 0 || std::uint64_t(packedCount / 4) > maxTexels
        || std::uint64_t(N * C * Hp * Wp / 4) > maxTexels)
        return false;
    // Float16 weights are packed on the host, in conv_pack.comp's layout
    // (after every refusal above, so a refused conv uploads no float16 copy).
    std::optional<BufferRef> half = ctx.halfWeight(1,
        "conv_tile f16 " + std::to_string(OCB) + " " + std::to_string(group), std::uint64_t(packedCount) * 2,
        [&](std::span<const float> w, std::span<std::byte> out) {
            auto* h = reinterpret_cast<std::uint16_t*>(out.data());
            std::int64_t R = Cg * KH;
            for (std::int64_t gb = 0; gb < group * blocks; ++gb)
                for (std::int64_t kw = 0; kw < KW; ++kw)
                    for (std::int64_t row = 0; row < R8; ++row)
                        for (std::int64_t i = 0; i < OCB; ++i) {
                            std::int64_t oc = (gb % blocks) * OCB + i, g = gb / blocks;
                            float v = row < R && oc < OCg ? w[std::size_t(((g * OCg + oc) * R + row) * KW + kw)] : 0.0f;
                            h[((gb * KW + kw) * R8 + row) * OCB + i] = floatToFloat16(v);
                        }
        });
    BufferRef weights = half ? *half : ctx.buffer(1);
    if (!half && (weights.offset % align != 0 || ctx.count(1) > maxTexels))
        return false;

    if (!direct)
        x = padInput(ctx, x, N * C, H, W, Hp, Wp, PT, PL);
    // Packing the weights costs a pass over them; it pays when many teams
    // (strip groups) read each weight.
    bool pack = half || (N * stripGroups >= 4 && group * blocks <= 65535);
    BufferRef packed = weights;
    if (pack && !half) {
        // A session's weights are packed on the first run only.
        std::vector<std::uint32_t> pk { u32(R8), u32(OCB), u32(KW), u32(blocks), u32(OCg), u32(Cg * KH) };
        std::string how = "conv_pack";
        for (auto v : pk)
            how += " " + std::to_string(v);
        how += " " + std::to_string(group);
        bool fresh = false;
        packed = ctx.derived(1, how, std::uint64_t(packedCount) * 4, fresh);
        if (fresh)
            ctx.dispatch("conv_pack", {}, pk, { weights, packed }, groupsFor(ctx, std::uint64_t(R8), 64),
                std::uint32_t(KW), std::uint32_t(group * blocks));
    }

    std::vector<std::uint32_t> p { u32(Cg), u32(Hp), u32(Wp), u32(OC), u32(OH), u32(OW), u32(spr), u32(OCg),
        u32(blocks), u32(C), u32(R8), u32(stripGroups), u32(teams), u32(group), floatBits(e.alpha), floatBits(e.beta) };
    x.texel = VK_FORMAT_R32G32B32A32_SFLOAT;
    packed.texel = half ? VK_FORMAT_R16G16B16A16_SFLOAT : VK_FORMAT_R32G32B32A32_SFLOAT;
    // With half weights the in-place binding (unused when packed) is the
    // packed buffer again.
    BufferRef plain = weights, inPlace = half ? packed : plain;
    if (!half)
        inPlace.texel = VK_FORMAT_R32_SFLOAT;
    ctx.dispatch1D("conv_tile",
        { std::uint32_t(KH), std::uint32_t(KW), std::uint32_t(SH), std::uint32_t(SW), std::uint32_t(DH),
            std::uint32_t(DW), std::uint32_t(OCB), std::uint32_t(PB), hasBias ? 1u : 0u, pack ? 1u : 0u, e.act,
            e.z ? 1u : 0u, OW % 4 == 0 && ctx.outBuffer(0).offset % 16 == 0 ? 1u : 0u },
        p, { x, packed, hasBias ? ctx.buffer(2) : plain, ctx.outBuffer(0), inPlace, e.z ? e.zb : plain },
        std::uint64_t(teams * 8), 64);
    return true;
}

// Winograd F(4x4, 3x3) for 3x3 stride-1 float convs (group 1): a 4x4
// output tile costs 36 multiply-adds per channel pair instead of 144. Three
// passes after the padding copy: conv_wino_in.comp (V = B^T d B per 6x6
// input patch), conv_wino_gemm.comp (36 GEMMs over channels, the bulk),
// conv_wino_out.comp (Y = A^T M A plus the epilogue). The weights are
// transformed once per session on the host (U = G g G^T), so only session
// weights take this path. Measured on lavapipe (2 busy cores, CPU time per
// run, median of 15) against conv_tile: [1,64,56,56]x[64,64,3,3] 7.5-11 ms
// vs 15-19, [1,128,28,28]x[128,128,3,3] 8.3-9.5 vs 13-16, 256 channels at
// 14x14 12-14 vs 19-21; the pad/input/output passes are 35-50% of it.
// With few channels or tiles the transforms, the extra passes and the
// GEMM's padded slots outweigh the saved multiply-adds (see below).
// Rounding: the transforms' coefficients (up to 5 and 8) cost about 1e-5
// of the output's scale in float32.
bool runWinogradConv(KernelContext& ctx, const Window& w, std::int64_t group, bool hasBias, const Epilogue& e)
{
    const auto& xs = ctx.shape(0);
    std::int64_t N = xs[0], C = xs[1], OC = ctx.shape(1)[0];
    // U holds 36 values per 3x3 kernel, four times the weights. Sessions
    // that keep weights as float16 do so to save memory, so they use
    // conv_tile's float16 path instead (U rounded to float16 also adds
    // about 5e-4 of the output's scale, measured on a 64-channel conv).
    if (w.rank != 2 || group != 1 || ctx.halfWeights() || std::getenv("NODUS_CONV_GENERIC")
        || std::getenv("NODUS_CONV_NO_WINOGRAD"))
        return false;
    if (w.kernel[1] != 3 || w.kernel[2] != 3 || w.stride[1] != 1 || w.stride[2] != 1 || w.dilation[1] != 1
        || w.dilation[2] != 1)
        return false;
    std::int64_t H = w.in[1], W = w.in[2], OH = w.out[1], OW = w.out[2];
    // Measured against conv_tile (CPU time, median of 15, lavapipe): 16 -> 16
    // and 32 -> 16 channels, 32 -> 24 at 16x16 and 8x8 outputs ran slower,
    // 32 -> 32 at 28x28, 64 -> 24 at 28x28 and 64+ channels from 14x14 up
    // faster (1.3-2x).
    if (C < 16 || OC < 16 || C * OC < 1024 || OH < 8 || OW < 8 || !tileConvSupported(ctx))
        return false;
    // Wide channel blocks feed each slot fetch to more multiply-adds; 32 x 4
    // and 16 x 8 measured fastest (OCB * PB accumulators per lane).
    std::int64_t OCB = OC >= 32 ? 32 : 16, PB = OCB == 32 ? 4 : 8;
    std::int64_t blocks = (OC + OCB - 1) / OCB, OCp = blocks * OCB, Cp = (C + 7) / 8 * 8;
    std::int64_t TH = (OH + 3) / 4, TW = (OW + 3) / 4, TQ = (TW + 3) / 4;
    std::int64_t slots = N * TH * TQ * 4, Tp = (slots + 8 * PB - 1) / (8 * PB) * (8 * PB);
    // The GEMM computes every slot of its blocks: at least half must be real
    // tiles (a 7x7 or 8x8 output fills 4 of 32).
    if (2 * N * TH * TW < Tp)
        return false;
    std::int64_t Hp = TH * 4 + 2, Wp = TQ * 16 + 4;
    std::uint64_t maxTexels = ctx.executor().device().limits().maxTexelBufferElements;
    std::int64_t uCount = 36 * OCp * Cp, vCount = 36 * Cp * Tp, mCount = 36 * OCp * Tp, xCount = N * C * Hp * Wp;
    for (std::int64_t count : { uCount, vCount, mCount, xCount })
        if (std::uint64_t(count / 4) > maxTexels || std::uint64_t(count) > 0xffffffffu)
            return false;
    std::int64_t groups8 = Tp / (8 * PB), teams = 36 * blocks * groups8;
    if (std::uint64_t(teams) * 8 > 0xffffffffu || ctx.buffer(0).offset % ctx.recorder().texelAlignment() != 0)
        return false;

    std::string how = "conv_wino " + std::to_string(OCB);
    std::optional<BufferRef> u
        = ctx.hostDerived(1, how, std::uint64_t(uCount) * 4, [&](std::span<const float> g, std::span<std::byte> out) {
              static const double G[6][3]
                  = { { 1.0 / 4, 0, 0 }, { -1.0 / 6, -1.0 / 6, -1.0 / 6 }, { -1.0 / 6, 1.0 / 6, -1.0 / 6 },
                        { 1.0 / 24, 1.0 / 12, 1.0 / 6 }, { 1.0 / 24, -1.0 / 12, 1.0 / 6 }, { 0, 0, 1 } };
              auto* f = reinterpret_cast<float*>(out.data());
              std::memset(out.data(), 0, out.size());
              for (std::int64_t oc = 0; oc < OC; ++oc)
                  for (std::int64_t c = 0; c < C; ++c) {
                      const float* k = &g[std::size_t((oc * C + c) * 9)];
                      double t[6][3];
                      for (int i = 0; i < 6; ++i)
                          for (int j = 0; j < 3; ++j)
                              t[i][j] = G[i][0] * k[j] + G[i][1] * k[3 + j] + G[i][2] * k[6 + j];
                      for (int i = 0; i < 6; ++i)
                          for (int j = 0; j < 6; ++j) {
                              double v = t[i][0] * G[j][0] + t[i][1] * G[j][1] + t[i][2] * G[j][2];
                              std::size_t at = std::size_t(
                                  ((std::int64_t(i * 6 + j) * blocks + oc / OCB) * Cp + c) * OCB + oc % OCB);
                              f[at] = float(v);
                          }
                  }
          });
    if (!u)
        return false;

    // Rows of whole texels are read in place (no conv_pad pass): ResNet-18's
    // 56x56 and 28x28 layers.
    const bool direct = W % 4 == 0 && !std::getenv("NODUS_WINO_PAD");
    BufferRef x = direct ? ctx.buffer(0) : padInput(ctx, ctx.buffer(0), N * C, H, W, Hp, Wp, w.head[1], w.head[2]);
    x.texel = VK_FORMAT_R32G32B32A32_SFLOAT;
    BufferRef v = ctx.scratch(std::uint64_t(vCount) * 4), m = ctx.scratch(std::uint64_t(mCount) * 4);
    std::int64_t inCount = Cp * Tp / 4;
    std::vector<std::uint32_t> pi { u32(C), u32(Cp), u32(direct ? H : Hp), u32((direct ? W : Wp) / 4), u32(TH), u32(TQ),
        u32(Tp / 4), u32(inCount), u32(N * TH * TQ), direct ? u32(w.head[1]) : 0u };
    ctx.dispatch1D("conv_wino_in", { direct ? u32(w.head[2]) : 0u }, pi, { x, v }, std::uint64_t(inCount), 64);

    BufferRef weights = *u;
    weights.texel = VK_FORMAT_R32G32B32A32_SFLOAT;
    v.texel = VK_FORMAT_R32G32B32A32_SFLOAT;
    std::vector<std::uint32_t> pg { u32(Cp), u32(OCp), u32(Tp), u32(blocks), u32(groups8), u32(teams) };
    ctx.dispatch1D("conv_wino_gemm", { std::uint32_t(OCB), std::uint32_t(PB) }, pg, { weights, v, m },
        std::uint64_t(teams * 8), 64);

    BufferRef y = ctx.outBuffer(0);
    std::int64_t outCount = N * OC * TH * TQ;
    std::vector<std::uint32_t> po { u32(OC), u32(OCp), u32(OH), u32(OW), u32(TH), u32(TQ), u32(Tp / 4), u32(outCount),
        floatBits(e.alpha), floatBits(e.beta) };
    m.texel = VK_FORMAT_R32G32B32A32_SFLOAT;
    BufferRef plain = ctx.buffer(0);
    ctx.dispatch1D("conv_wino_out",
        { hasBias ? 1u : 0u, e.act, e.z ? 1u : 0u, OW % 4 == 0 && y.offset % 16 == 0 ? 1u : 0u }, po,
        { m, hasBias ? ctx.buffer(2) : plain, y, e.z ? e.zb : plain }, std::uint64_t(outCount), 64);
    return true;
}

// A conv as one GEMM, for outputs with few pixels and many channels
// (ResNet's 7x7 layers): conv_tile gives lanes strips of output pixels, and
// a 7x7 output is 7 strips of 8 for 8 lanes, so a 512 -> 512 3x3 conv ran
// as 16 teams; Winograd's transformed weights are 4x the weights (37 MB
// there), read from memory on every run. Here the patch matrix of all
// output pixels (conv_gemm_in.comp, [pixel blocks][Kp][TB]) is the GEMM's
// row operand and the weights, packed once per session as [OC slot
// groups][Kp][8 * PB], its slot operand (conv_wino_gemm.comp with one
// batch: lanes take output channels, the 8 lanes of a team share a block of
// TB pixels through shuffles), then conv_gemm_out.comp transposes M into
// the output and applies the epilogue.
bool runGemmConv(KernelContext& ctx, const Window& w, std::int64_t group, bool hasBias, const Epilogue& e)
{
    const auto& xs = ctx.shape(0);
    std::int64_t N = xs[0], C = xs[1], OC = ctx.shape(1)[0];
    if (w.rank != 2 || group != 1 || ctx.halfWeights() || std::getenv("NODUS_CONV_GENERIC")
        || std::getenv("NODUS_CONV_NO_GEMM") || !tileConvSupported(ctx))
        return false;
    std::int64_t KH = w.kernel[1], KW = w.kernel[2], OH = w.out[1], OW = w.out[2];
    std::int64_t Q = N * OH * OW, K = C * KH * KW;
    // Measured in ResNet-18 on lavapipe (run --profile): its 7x7 layers ran
    // 2x faster than conv_tile; taking its 14x14 layers too (up to 256
    // pixels) made them slower than Winograd and conv_tile.
    if (Q > 64 || OC < 64 || K < 64)
        return false;
    std::int64_t TB = Q <= 8 ? 8 : 16, PB = TB == 8 ? 16 : 8;
    std::int64_t rows = (Q + TB - 1) / TB * TB, blocks = rows / TB, Kp = (K + 7) / 8 * 8;
    std::int64_t OCp = (OC + 8 * PB - 1) / (8 * PB) * (8 * PB), groups8 = OCp / (8 * PB), teams = blocks * groups8;
    std::uint64_t maxTexels = ctx.executor().device().limits().maxTexelBufferElements;
    std::int64_t aCount = Kp * rows, wCount = Kp * OCp, mCount = rows * OCp, xCount = N * C * w.in[1] * w.in[2];
    for (std::int64_t count : { aCount / 4, wCount / 4, mCount, xCount })
        if (std::uint64_t(count) > maxTexels)
            return false;
    for (std::int64_t count : { aCount, wCount, mCount, xCount })
        if (std::uint64_t(count) > 0xffffffffu)
            return false;
    if (ctx.buffer(0).offset % ctx.recorder().texelAlignment() != 0)
        return false;

    std::optional<BufferRef> packed = ctx.hostDerived(1, "conv_gemm " + std::to_string(PB) + " " + std::to_string(OCp),
        std::uint64_t(wCount) * 4, [&](std::span<const float> g, std::span<std::byte> out) {
            auto* f = reinterpret_cast<float*>(out.data());
            std::memset(out.data(), 0, out.size());
            std::int64_t slots = 8 * PB;
            for (std::int64_t oc = 0; oc < OC; ++oc)
                for (std::int64_t k = 0; k < K; ++k)
                    f[std::size_t(((oc / slots) * Kp + k) * slots + oc % slots)] = g[std::size_t(oc * K + k)];
        });
    if (!packed)
        return false;

    BufferRef x = ctx.buffer(0);
    x.texel = VK_FORMAT_R32_SFLOAT;
    BufferRef a = ctx.scratch(std::uint64_t(aCount) * 4), m = ctx.scratch(std::uint64_t(mCount) * 4);
    std::vector<std::uint32_t> pa { u32(C), u32(w.in[1]), u32(w.in[2]), u32(OH), u32(OW), u32(Q), u32(K), u32(Kp),
        u32(TB), u32(aCount / 4), u32(w.stride[1]), u32(w.stride[2]), u32(w.dilation[1]), u32(w.dilation[2]),
        u32(w.head[1]), u32(w.head[2]) };
    ctx.dispatch1D("conv_gemm_in", { std::uint32_t(KH), std::uint32_t(KW) }, pa, { x, a }, std::uint64_t(aCount / 4),
        64);

    BufferRef weights = *packed;
    weights.texel = VK_FORMAT_R32G32B32A32_SFLOAT;
    a.texel = VK_FORMAT_R32G32B32A32_SFLOAT;
    std::vector<std::uint32_t> pg { u32(Kp), u32(rows), u32(OCp), u32(blocks), u32(groups8), u32(teams) };
    ctx.dispatch1D("conv_wino_gemm", { std::uint32_t(TB), std::uint32_t(PB), 1u }, pg, { a, weights, m },
        std::uint64_t(teams * 8), 64);

    std::int64_t outCount = N * OC * OH * OW;
    std::vector<std::uint32_t> po { u32(OC), u32(OCp), u32(OH * OW), u32(outCount), floatBits(e.alpha),
        floatBits(e.beta) };
    m.texel = VK_FORMAT_R32_SFLOAT;
    BufferRef plain = ctx.buffer(0);
    ctx.dispatch1D("conv_gemm_out", { hasBias ? 1u : 0u, e.act, e.z ? 1u : 0u }, po,
        { m, hasBias ? ctx.buffer(2) : plain, ctx.outBuffer(0), e.z ? e.zb : plain }, std::uint64_t(outCount), 64);
    return true;
}

// Depthwise 2-D (and 1-D) float convs (one input and one output channel
// per group): pad the input, then conv_dw.comp. Returns false when the
// shape does not suit it.
bool runDepthwiseConv(KernelContext& ctx, const Window& w, std::int64_t group, bool hasBias, const Epilogue& e)
{
    const auto& xs = ctx.shape(0);
    std::int64_t N = xs[0], C = xs[1], OC = ctx.shape(1)[0];
    if (w.rank > 2 || w.in[0] != 1 || group != C || OC != C || std::getenv("NODUS_CONV_GENERIC"))
        return false;
    std::int64_t KH = w.kernel[1], KW = w.kernel[2], SH = w.stride[1], SW = w.stride[2];
    std::int64_t DH = w.dilation[1], DW = w.dilation[2], OH = w.out[1], OW = w.out[2];
    std::int64_t H = w.in[1], W = w.in[2];
    // Tiles of 4 rows x 8 pixels: each input row loaded feeds up to KH
    // output rows. Strips start on whole texels, so they are 4 or 8 wide.
    std::int64_t PB = OW <= 4 ? 4 : 8, PH = std::min<std::int64_t>(OH, 4);
    // The shader unrolls PH * KH * KW * PB multiply-adds and the fetches of
    // the input rows a tile spans (wide strides and dilations: many).
    std::int64_t rows = (PH - 1) * SH + (KH - 1) * DH + 1, L4 = ((PB - 1) * SW + (KW - 1) * DW + 4) / 4;
    if (PH * KH * KW * PB > 8192 || rows * L4 > 256)
        return false;
    std::int64_t spr = (OW + PB - 1) / PB, rowBlocks = (OH + PH - 1) / PH;
    std::int64_t Wp = ((spr * PB - 1) * SW + (KW - 1) * DW + 1 + 3) / 4 * 4;
    std::int64_t Hp = (rowBlocks * PH - 1) * SH + (KH - 1) * DH + 1;
    BufferRef x = ctx.buffer(0), weights = ctx.buffer(1), y = ctx.outBuffer(0);
    VkDeviceSize align = ctx.recorder().texelAlignment();
    std::uint64_t maxTexels = ctx.executor().device().limits().maxTexelBufferElements;
    std::int64_t tiles = spr * rowBlocks;
    u32(N * C * Hp * Wp);
    u32(tiles);
    if (x.offset % align != 0 || weights.offset % align != 0 || ctx.count(1) > maxTexels
        || std::uint64_t(N * C * Hp * Wp / 4) > maxTexels)
        return false;
    x = padInput(ctx, x, N * C, H, W, Hp, Wp, w.head[1], w.head[2]);
    x.texel = VK_FORMAT_R32G32B32A32_SFLOAT;
    weights.texel = VK_FORMAT_R32_SFLOAT;
    bool vecOut = OW % 4 == 0 && y.offset % 16 == 0;
    std::vector<std::uint32_t> p { u32(Hp), u32(Wp), u32(OH), u32(OW), u32(spr), u32(tiles), u32(C), floatBits(e.alpha),
        floatBits(e.beta), u32(N * C * tiles) };
    BufferRef plain = ctx.buffer(1);
    ctx.dispatch1D("conv_dw",
        { std::uint32_t(KH), std::uint32_t(KW), std::uint32_t(SH), std::uint32_t(SW), std::uint32_t(DH),
            std::uint32_t(DW), std::uint32_t(PH), std::uint32_t(PB), hasBias ? 1u : 0u, e.act, e.z ? 1u : 0u,
            vecOut ? 1u : 0u },
        p, { x, weights, hasBias ? ctx.buffer(2) : plain, y, e.z ? e.zb : plain }, std::uint64_t(N * C * tiles), 64);
    return true;
}

void runConv(KernelContext& ctx, bool fused)
{
    const auto& xs = ctx.shape(0);
    const auto& ws = ctx.shape(1);
    if (repOf(ctx.type(0)) != Rep::F32)
        ctx.fail("Conv needs a floating-point input");
    if (xs.size() != ws.size())
        ctx.fail("input " + shapeText(xs) + " and weights " + shapeText(ws) + " differ in rank");
    std::int64_t group = ctx.attrInt("group", 1);
    std::int64_t C = xs[1], OC = ws[0];
    if (group < 1 || C % group != 0 || OC % group != 0 || ws[1] * group != C)
        ctx.fail("input channels " + std::to_string(C) + ", weights " + shapeText(ws) + " and group "
            + std::to_string(group) + " do not agree");
    Window w = windowOf(ctx, xs, kernelFromWeights(ctx, 1), false, true);
    bool hasBias = ctx.has(2);
    if (hasBias && (ctx.shape(2).size() != 1 || ctx.shape(2)[0] != OC))
        ctx.fail("bias " + shapeText(ctx.shape(2)) + " does not match " + std::to_string(OC) + " output channels");
    ctx.output(0, ctx.type(0), outShape(xs, OC, w));
    std::int64_t N = xs[0];
    std::int64_t npix = w.outCount();
    if (N * OC * npix == 0)
        return;
    u32(N * C * w.inCount());
    u32(N * OC * npix);
    Epilogue e = fused ? epilogueOf(ctx, true) : offeredEpilogue(ctx, outShape(xs, OC, w));
    if (fused && e.z) {
        if (ctx.shape(3) != outShape(xs, OC, w))
            ctx.fail("Z " + shapeText(ctx.shape(3)) + " does not match the output " + shapeText(outShape(xs, OC, w)));
        e.zb = ctx.buffer(3);
    }
    // Winograd and conv_tile give each invocation a large tile, which fills
    // a CPU's vector lanes; on a GPU their few invocations leave most of it
    // idle (ResNet-18's 7x7x512 convs ran as 128 invocations, 10 ms each on
    // an H100), so GPUs take the general kernel with small tiles below.
    const bool gpu = ctx.executor().device().info().gpu;
    if (!gpu
        && (runWinogradConv(ctx, w, group, hasBias, e) || runGemmConv(ctx, w, group, hasBias, e)
            || runTiledConv(ctx, w, group, hasBias, e)))
        return;
    if (runDepthwiseConv(ctx, w, group, hasBias, e))
        return;

    std::uint32_t ocb = OC / group >= 4 ? 4 : OC / group >= 2 ? 2 : 1, pb = ocb == 4 ? 4 : 8;
    if (gpu) {
        // Halve the tile (pixels first) until the conv has 64k invocations
        // or one output each: an H100 holds 270k resident, and fewer, larger
        // tiles leave its multiprocessors waiting on loads.
        auto invocations = [&] {
            return std::uint64_t((npix + pb - 1) / pb) * std::uint64_t((OC / group + ocb - 1) / ocb)
                * std::uint64_t(group * N);
        };
        while ((ocb > 1 || pb > 1) && invocations() < 65536) {
            if (pb >= ocb && pb > 1)
                pb /= 2;
            else
                ocb /= 2;
        }
    }
    std::uint32_t blocks = std::uint32_t((OC / group + ocb - 1) / ocb);
    auto p = convParams(ctx, C, w, OC, group, blocks);
    p.push_back(floatBits(e.alpha));
    p.push_back(floatBits(e.beta));
    BufferRef y = ctx.outBuffer(0);
    // Without input channels the output is the bias; the shader reads
    // neither x nor w then, so the output stands in for them.
    BufferRef x = C > 0 ? ctx.buffer(0) : y;
    // Float16 weights: two halves a word, in the weights' own order.
    std::optional<BufferRef> half = C == 0 ? std::nullopt
                                           : ctx.halfWeight(1, "conv f16", (std::uint64_t(ctx.count(1)) + 1) / 2 * 4,
                                               [](std::span<const float> w, std::span<std::byte> out) {
                                                   auto* h = reinterpret_cast<std::uint16_t*>(out.data());
                                                   for (std::size_t i = 0; i < w.size(); ++i)
                                                       h[i] = floatToFloat16(w[i]);
                                                   if (w.size() % 2)
                                                       h[w.size()] = 0; // the last word's unused half
                                               });
    BufferRef wb = half ? *half : C > 0 ? ctx.buffer(1) : y;
    ctx.dispatch("conv", { hasBias ? 1u : 0u, ocb, pb, e.act, e.z ? 1u : 0u, half ? 1u : 0u }, p,
        { x, wb, hasBias ? ctx.buffer(2) : wb, y, e.z ? e.zb : y }, groupsFor(ctx, (npix + pb - 1) / pb, 64),
        channelGroups(ctx, group, blocks), groupsFor(ctx, N, 1));
}

// ---- ConvTranspose

void runConvTranspose(KernelContext& ctx)
{
    const auto& xs = ctx.shape(0);
    const auto& ws = ctx.shape(1);
    if (repOf(ctx.type(0)) != Rep::F32)
        ctx.fail("ConvTranspose needs a floating-point input");
    if (xs.size() != ws.size())
        ctx.fail("input " + shapeText(xs) + " and weights " + shapeText(ws) + " differ in rank");
    int rank = int(xs.size()) - 2;
    if (rank < 1 || rank > 3)
        ctx.fail("input of rank " + std::to_string(xs.size()) + " is not supported (1 to 3 spatial dims)");
    std::int64_t group = ctx.attrInt("group", 1);
    std::int64_t C = xs[1];
    if (group < 1 || C % group != 0 || ws[0] != C)
        ctx.fail("input channels " + std::to_string(C) + ", weights " + shapeText(ws) + " and group "
            + std::to_string(group) + " do not agree");
    std::int64_t OC = ws[1] * group;
    auto kernel = kernelFromWeights(ctx, 1);
    auto strides = attrIntsOr(ctx, "strides", rank, 1);
    auto dil = attrIntsOr(ctx, "dilations", rank, 1);
    auto pads = attrIntsOr(ctx, "pads", 2 * rank, 0);
    auto outPad = attrIntsOr(ctx, "output_padding", rank, 0);
    auto outputShape = ctx.attrInts("output_shape");
    if (!outputShape.empty() && int(outputShape.size()) == rank + 2)
        outputShape.erase(outputShape.begin(), outputShape.begin() + 2);
    if (!outputShape.empty() && int(outputShape.size()) != rank)
        ctx.fail("output_shape has " + std::to_string(outputShape.size()) + " values for " + std::to_string(rank)
            + " spatial dims");
    std::string autoPad = ctx.attrString("auto_pad", "NOTSET");

    Window w;
    w.rank = rank;
    for (int i = 0; i < rank; ++i) {
        int j = 3 - rank + i;
        std::int64_t in = xs[2 + i], k = kernel[i], s = strides[i], d = dil[i];
        if (k < 1 || s < 1 || d < 1)
            ctx.fail("kernel, strides and dilations must be positive");
        // The full (unpadded) output, then what pads or output_shape
        // cut from its start.
        std::int64_t full = s * (in - 1) + outPad[i] + (k - 1) * d + 1;
        std::int64_t out, head;
        if (!outputShape.empty() || autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
            out = !outputShape.empty() ? outputShape[i] : in * s;
            std::int64_t total = full - out;
            // A negative total extends the output with positions no
            // input reaches; SAME_UPPER puts the odd pad at the end.
            head = total <= 0 ? 0 : autoPad == "SAME_LOWER" ? total - total / 2 : total / 2;
        } else if (autoPad == "VALID") {
            out = full;
            head = 0;
        } else {
            head = pads[i];
            out = full - pads[i] - pads[rank + i];
        }
        if (out < 0)
            ctx.fail("pads leave a negative output size");
        w.in[j] = in;
        w.kernel[j] = k;
        w.stride[j] = s;
        w.dilation[j] = d;
        w.head[j] = head;
        w.out[j] = out;
    }
    bool hasBias = ctx.has(2);
    if (hasBias && (ctx.shape(2).size() != 1 || ctx.shape(2)[0] != OC))
        ctx.fail("bias " + shapeText(ctx.shape(2)) + " does not match " + std::to_string(OC) + " output channels");
    ctx.output(0, ctx.type(0), outShape(xs, OC, w));
    std::int64_t N = xs[0], npix = w.outCount();
    if (N * OC * npix == 0)
        return;
    u32(N * C * w.inCount());
    u32(N * OC * npix);
    u32(std::int64_t(ctx.count(1)));

    constexpr std::uint32_t ocb = 4;
    std::uint32_t blocks = std::uint32_t((OC / group + ocb - 1) / ocb);
    auto p = convParams(ctx, C, w, OC, group, blocks);
    BufferRef y = ctx.outBuffer(0);
    BufferRef x = C > 0 && xs[0] * w.inCount() > 0 ? ctx.buffer(0) : y;
    BufferRef wb = ctx.count(1) > 0 ? ctx.buffer(1) : y;
    ctx.dispatch("conv_transpose", { hasBias ? 1u : 0u }, p, { x, wb, hasBias ? ctx.buffer(2) : wb, y },
        groupsFor(ctx, std::uint64_t(npix), 64), channelGroups(ctx, group, blocks), groupsFor(ctx, N, 1));
}

// ---- ConvInteger / QLinearConv

// Per-tensor (1 value) or per-output-channel (OC values) parameters,
// read on the host (they are small initializers in practice).
std::vector<double> perChannel(KernelContext& ctx, int input, std::int64_t OC, double fallback, const char* what)
{
    if (!ctx.has(input) || ctx.count(input) == 0)
        return std::vector<double>(std::size_t(OC), fallback);
    auto v = ctx.doubles(input);
    if (v.size() == 1)
        return std::vector<double>(std::size_t(OC), v[0]);
    if (std::int64_t(v.size()) != OC)
        ctx.fail(std::string(what) + " has " + std::to_string(v.size()) + " values for " + std::to_string(OC)
            + " output channels");
    return v;
}

double scalarInput(KernelContext& ctx, int input, double fallback, const char* what)
{
    if (!ctx.has(input) || ctx.count(input) == 0)
        return fallback;
    if (ctx.count(input) != 1)
        ctx.fail(std::string(what) + " must be a scalar");
    return ctx.doubles(input)[0];
}

// ConvInteger: x, w, x_zero_point, w_zero_point -> int32.
// QLinearConv: x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, bias.
void runConvInt(KernelContext& ctx, bool qlinear)
{
    int xi = 0, wi = qlinear ? 3 : 1;
    const auto& xs = ctx.shape(xi);
    const auto& ws = ctx.shape(wi);
    if (repOf(ctx.type(xi)) != Rep::I32 || repOf(ctx.type(wi)) != Rep::I32)
        ctx.fail("inputs must be 8-bit integers");
    if (xs.size() != ws.size())
        ctx.fail("input " + shapeText(xs) + " and weights " + shapeText(ws) + " differ in rank");
    std::int64_t group = ctx.attrInt("group", 1);
    std::int64_t C = xs[1], OC = ws[0];
    if (group < 1 || C % group != 0 || OC % group != 0 || ws[1] * group != C)
        ctx.fail("input channels " + std::to_string(C) + ", weights " + shapeText(ws) + " and group "
            + std::to_string(group) + " do not agree");
    Window w = windowOf(ctx, xs, kernelFromWeights(ctx, wi), false, true);

    double xzp = scalarInput(ctx, qlinear ? 2 : 2, 0, "x_zero_point");
    auto wzp = perChannel(ctx, qlinear ? 5 : 3, OC, 0, "w_zero_point");
    std::vector<std::int32_t> table(std::size_t(2 * OC));
    double yzp = 0;
    std::int32_t qmin = INT32_MIN, qmax = INT32_MAX;
    DataType outType = DataType::Int32;
    bool hasBias = false;
    if (qlinear) {
        float xscale = float(scalarInput(ctx, 1, 1, "x_scale"));
        float yscale = float(scalarInput(ctx, 6, 1, "y_scale"));
        auto wscale = perChannel(ctx, 4, OC, 1, "w_scale");
        yzp = scalarInput(ctx, 7, 0, "y_zero_point");
        outType = ctx.has(7) ? ctx.type(7) : DataType::UInt8;
        if (outType == DataType::UInt8) {
            qmin = 0;
            qmax = 255;
        } else if (outType == DataType::Int8) {
            qmin = -128;
            qmax = 127;
        } else {
            ctx.fail("y_zero_point must be int8 or uint8");
        }
        for (std::int64_t oc = 0; oc < OC; ++oc) {
            float m = xscale * float(wscale[std::size_t(oc)]) / yscale;
            std::memcpy(&table[std::size_t(OC + oc)], &m, 4);
        }
        hasBias = ctx.has(8);
        if (hasBias && (ctx.shape(8).size() != 1 || ctx.shape(8)[0] != OC))
            ctx.fail("bias " + shapeText(ctx.shape(8)) + " does not match " + std::to_string(OC) + " output channels");
    }
    for (std::int64_t oc = 0; oc < OC; ++oc)
        table[std::size_t(oc)] = std::int32_t(wzp[std::size_t(oc)]);

    ctx.output(0, outType, outShape(xs, OC, w));
    std::int64_t N = xs[0], npix = w.outCount();
    if (N * OC * npix == 0)
        return;
    u32(N * C * w.inCount());
    u32(N * OC * npix);

    constexpr std::uint32_t ocb = 4, pb = 4;
    std::uint32_t blocks = std::uint32_t((OC / group + ocb - 1) / ocb);
    auto p = convParams(ctx, C, w, OC, group, blocks);
    p.push_back(std::uint32_t(std::int32_t(xzp)));
    p.push_back(std::uint32_t(std::int32_t(yzp)));
    p.push_back(std::uint32_t(qmin));
    p.push_back(std::uint32_t(qmax));
    BufferRef tab = ctx.scratch(table.size() * 4);
    ctx.recorder().upload(
        *tab.buffer, std::span(reinterpret_cast<const std::byte*>(table.data()), table.size() * 4), tab.offset);
    BufferRef y = ctx.outBuffer(0);
    BufferRef x = C > 0 ? ctx.buffer(xi) : y;
    BufferRef wb = C > 0 ? ctx.buffer(wi) : y;
    ctx.dispatch("conv_int", { qlinear ? 1u : 0u, hasBias ? 1u : 0u }, p,
        { x, wb, hasBias ? ctx.buffer(8) : wb, tab, y }, groupsFor(ctx, (npix + pb - 1) / pb, 64),
        channelGroups(ctx, group, blocks), groupsFor(ctx, N, 1));
}

// ---- Pooling

enum class PoolOp { Max = 0, Average = 1, AverageWithPads = 2, Lp = 3 };

// 2-D float MaxPool on rows of whole texels: pool_max4.comp, 4 outputs per
// invocation from texel strips. ResNet-18's stem pool (64 x 112 x 112, 3x3
// stride 2) took 3.3-5.7 ms on lavapipe with pool.comp's scalar loads.
bool runMaxPool4(KernelContext& ctx, const Window& w, const BufferRef& y)
{
    if (w.rank != 2 || std::getenv("NODUS_POOL_GENERIC"))
        return false;
    std::int64_t H = w.in[1], W = w.in[2], OH = w.out[1], OW = w.out[2];
    std::int64_t KH = w.kernel[1], KW = w.kernel[2], SW = w.stride[2], DW = w.dilation[2];
    // The strip's registers (4 outputs' windows) and the unrolled loops stay small.
    if (W % 4 != 0 || KH * KW > 64 || 3 * SW + (KW - 1) * DW > 64)
        return false;
    BufferRef x = ctx.buffer(0);
    if (x.offset % ctx.recorder().texelAlignment() != 0
        || ctx.count(0) / 4 > ctx.executor().device().limits().maxTexelBufferElements)
        return false;
    x.texel = VK_FORMAT_R32G32B32A32_SFLOAT;
    std::int64_t planes = ctx.shape(0)[0] * ctx.shape(0)[1], strips = planes * OH * ((OW + 3) / 4);
    std::vector<std::uint32_t> p { u32(strips), u32(H), u32(W / 4), u32(OH), u32(OW), u32(w.head[1]),
        OW % 4 == 0 && y.offset % 16 == 0 ? 1u : 0u };
    ctx.dispatch1D("pool_max4",
        { std::uint32_t(KH), std::uint32_t(KW), std::uint32_t(w.stride[1]), std::uint32_t(SW),
            std::uint32_t(w.dilation[1]), std::uint32_t(DW), std::uint32_t(w.head[2]) },
        p, { x, y }, std::uint64_t(strips));
    return true;
}

void runPool(KernelContext& ctx, PoolOp op)
{
    const auto& xs = ctx.shape(0);
    Rep rep = repOf(ctx.type(0));
    if (rep == Rep::I64 || (op != PoolOp::Max && rep != Rep::F32))
        ctx.fail("type " + std::string(dataTypeName(ctx.type(0))) + " is not supported");
    auto kernel = ctx.attrInts("kernel_shape");
    if (kernel.empty())
        ctx.fail("kernel_shape is required");
    bool ceilMode = ctx.attrInt("ceil_mode", 0) != 0;
    if (op == PoolOp::Average && ctx.attrInt("count_include_pad", 0) != 0)
        op = PoolOp::AverageWithPads;
    Window w = windowOf(ctx, xs, kernel, ceilMode, op == PoolOp::Max || ctx.attr("dilations"));
    auto ys = outShape(xs, xs[1], w);
    RtValue& out = ctx.output(0, ctx.type(0), ys);
    bool indices = op == PoolOp::Max && ctx.wanted(1);
    if (indices)
        ctx.output(1, DataType::Int64, ys);
    std::uint64_t count = out.count();
    if (count == 0)
        return;
    if (ctx.count(0) == 0)
        ctx.fail("cannot pool an empty input into a non-empty output");
    u32(std::int64_t(count));
    u32(std::int64_t(ctx.count(0)));
    std::vector<std::uint32_t> p { std::uint32_t(count) };
    for (auto v : w.in)
        p.push_back(u32(v));
    for (auto v : w.out)
        p.push_back(u32(v));
    pushWindow(ctx, p, w);
    for (int j = 0; j < 3; ++j)
        p.push_back(u32(w.in[j] + w.tail[j]));
    p.push_back(floatBits(op == PoolOp::Lp ? float(ctx.attrInt("p", 2)) : 0.0f));
    p.push_back(ctx.attrInt("storage_order", 0) != 0 ? 1u : 0u);
    BufferRef y = ctx.outBuffer(0);
    if (op == PoolOp::Max && !indices && rep == Rep::F32 && runMaxPool4(ctx, w, y))
        return;
    if (rep != Rep::F32) {
        ctx.dispatch1D(KernelContext::shader("pool", rep), { std::uint32_t(op), indices ? 1u : 0u }, p,
            { ctx.buffer(0), y, indices ? ctx.outBuffer(1) : y }, count);
        return;
    }
    // Float inputs are read as R32F texels where they can be bound so
    // (binding 4); otherwise binding 4 is a small scratch buffer left unread.
    BufferRef xt = ctx.buffer(0);
    const bool texel = xt.offset % ctx.recorder().texelAlignment() == 0
        && ctx.count(0) <= ctx.executor().device().limits().maxTexelBufferElements;
    if (!texel)
        xt = ctx.scratch(16);
    xt.texel = VK_FORMAT_R32_SFLOAT;
    ctx.dispatch1D("pool_f32", { std::uint32_t(op), indices ? 1u : 0u, texel ? 1u : 0u }, p,
        { ctx.buffer(0), y, indices ? ctx.outBuffer(1) : y, xt }, count);
}

void runGlobalPool(KernelContext& ctx, int op)
{
    const auto& xs = ctx.shape(0);
    if (xs.size() < 2)
        ctx.fail("input " + shapeText(xs) + " has no channel dim");
    if (repOf(ctx.type(0)) != Rep::F32)
        ctx.fail("needs a floating-point input");
    std::vector<std::int64_t> ys { xs[0], xs[1] };
    std::int64_t plane = 1;
    for (std::size_t i = 2; i < xs.size(); ++i) {
        ys.push_back(1);
        plane *= xs[i];
    }
    RtValue& out = ctx.output(0, ctx.type(0), ys);
    std::uint64_t planes = out.count();
    if (planes == 0)
        return;
    if (plane == 0)
        ctx.fail("cannot pool an empty plane");
    u32(std::int64_t(ctx.count(0)));
    std::vector<std::uint32_t> p { std::uint32_t(planes), u32(plane), floatBits(float(ctx.attrInt("p", 2))) };
    ctx.dispatch1D("pool_global", { std::uint32_t(op) }, p, { ctx.buffer(0), ctx.outBuffer(0) }, planes);
}

// ---- MaxUnpool

void runMaxUnpool(KernelContext& ctx)
{
    const auto& xs = ctx.shape(0);
    if (ctx.shape(1) != xs)
        ctx.fail("indices " + shapeText(ctx.shape(1)) + " do not match the input " + shapeText(xs));
    if (repOf(ctx.type(0)) != Rep::F32 || repOf(ctx.type(1)) != Rep::I64)
        ctx.fail("needs a floating-point input and int64 indices");
    int rank = int(xs.size()) - 2;
    if (rank < 1)
        ctx.fail("input " + shapeText(xs) + " has no spatial dims");
    if (rank > 3)
        ctx.fail("more than 3 spatial dims are not supported");
    // The default output (what MaxPool's indices count in), and the
    // requested one, which may be larger.
    auto kernel = ctx.attrInts("kernel_shape");
    if (int(kernel.size()) != rank)
        ctx.fail("kernel_shape must have one value per spatial dim");
    auto strides = attrIntsOr(ctx, "strides", rank, 1);
    auto pads = attrIntsOr(ctx, "pads", 2 * rank, 0);
    std::vector<std::int64_t> def { xs[0], xs[1] };
    for (int i = 0; i < rank; ++i)
        def.push_back((xs[2 + i] - 1) * strides[i] + kernel[i] - pads[i] - pads[rank + i]);
    std::vector<std::int64_t> ys = def;
    if (ctx.has(2) && ctx.count(2) > 0) {
        ys = ctx.ints(2);
        if (ys.size() != xs.size() || ys[0] != xs[0] || ys[1] != xs[1])
            ctx.fail("output_shape " + shapeText(ys) + " does not match the input " + shapeText(xs));
    }
    RtValue& out = ctx.output(0, ctx.type(0), ys);
    if (out.count() == 0)
        return;
    u32(std::int64_t(out.count()));
    BufferRef y = ctx.outBuffer(0);
    ctx.recorder().fill(*y.buffer, 0, y.offset, out.count() * 4);
    std::uint64_t n = ctx.count(0);
    if (n == 0)
        return;
    std::int64_t defPlane = 1, outPlane = 1;
    for (int i = 0; i < rank; ++i) {
        if (def[2 + i] < 0)
            ctx.fail("pads leave a negative output size");
        defPlane *= def[2 + i];
        outPlane *= ys[2 + i];
    }
    std::vector<std::uint32_t> p { u32(std::int64_t(n)), u32(defPlane), u32(outPlane), std::uint32_t(rank) };
    for (int i = 0; i < 3; ++i)
        p.push_back(i < rank ? u32(def[2 + i]) : 1);
    for (int i = 0; i < 3; ++i)
        p.push_back(i < rank ? u32(ys[2 + i]) : 1);
    p.push_back(u32(xs[0] * xs[1]));
    u32(defPlane * xs[0] * xs[1]);
    ctx.dispatch1D("pool_unpool", {}, p, { ctx.buffer(0), ctx.buffer(1), y }, n);
}

} // namespace

void registerConvKernels(KernelRegistry& registry)
{
    registry.add(
        "Conv", [](KernelContext& ctx) { runConv(ctx, false); }, checkWindowOp);
    registry.add(
        "com.microsoft", "FusedConv", [](KernelContext& ctx) { runConv(ctx, true); }, checkFusedConv);
    registry.add("ConvTranspose", runConvTranspose, checkWindowOp);
    registry.add(
        "ConvInteger", [](KernelContext& ctx) { runConvInt(ctx, false); }, checkWindowOp);
    registry.add(
        "QLinearConv", [](KernelContext& ctx) { runConvInt(ctx, true); }, checkWindowOp);
    registry.add(
        "MaxPool", [](KernelContext& ctx) { runPool(ctx, PoolOp::Max); }, checkWindowOp);
    registry.add(
        "AveragePool", [](KernelContext& ctx) { runPool(ctx, PoolOp::Average); }, checkWindowOp);
    registry.add(
        "LpPool", [](KernelContext& ctx) { runPool(ctx, PoolOp::Lp); }, checkWindowOp);
    registry.add("GlobalMaxPool", [](KernelContext& ctx) { runGlobalPool(ctx, 0); });
    registry.add("GlobalAveragePool", [](KernelContext& ctx) { runGlobalPool(ctx, 1); });
    registry.add("GlobalLpPool", [](KernelContext& ctx) { runGlobalPool(ctx, 2); });
    registry.add("MaxUnpool", runMaxUnpool, checkSpatialRank);
    registerResizeKernels(registry);
    registerSpaceKernels(registry);
}

} // namespace nodus::rt
