// Convolutions and pooling: Conv, ConvTranspose, ConvInteger, QLinearConv,
// MaxPool, AveragePool, LpPool, the global pools and MaxUnpool. Resize and
// friends live in conv_resize.cpp, DepthToSpace/SpaceToDepth in
// conv_space.cpp.
#include "runtime/kernel.h"
#include "runtime/runtimeerror.h"

#include "ir/attribute.h"
#include "ir/node.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace nodus::rt {

void registerResizeKernels(KernelRegistry& registry); // conv_resize.cpp
void registerSpaceKernels(KernelRegistry& registry);  // conv_space.cpp

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
            ctx.fail(std::string(name) + " has " + std::to_string(v.size()) + " values, expected "
                + std::to_string(n));
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

    std::uint32_t u32(KernelContext& ctx, std::int64_t v)
    {
        if (v < 0 || v > std::int64_t(UINT32_MAX))
            ctx.fail("size " + std::to_string(v) + " does not fit the 32-bit indexing of the shaders");
        return std::uint32_t(v);
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
            p.push_back(u32(ctx, v));
        for (auto v : w.stride)
            p.push_back(u32(ctx, v));
        for (auto v : w.head)
            p.push_back(u32(ctx, v));
        for (auto v : w.dilation)
            p.push_back(u32(ctx, v));
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

    // ---- Conv

    void runConv(KernelContext& ctx)
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
        std::int64_t Cg = C / group, OCg = OC / group;
        constexpr std::uint32_t ocb = 4, pb = 4;
        std::uint32_t blocks = std::uint32_t((OCg + ocb - 1) / ocb);
        std::vector<std::uint32_t> p { u32(ctx, C) };
        for (auto v : w.in)
            p.push_back(u32(ctx, v));
        p.push_back(u32(ctx, OC));
        for (auto v : w.out)
            p.push_back(u32(ctx, v));
        pushWindow(ctx, p, w);
        p.push_back(u32(ctx, Cg));
        p.push_back(u32(ctx, OCg));
        p.push_back(blocks);
        u32(ctx, N * C * w.inCount());
        u32(ctx, N * OC * npix);
        BufferRef y = ctx.outBuffer(0);
        // Without input channels the output is the bias; the shader reads
        // neither x nor w then, so the output stands in for them.
        BufferRef x = C > 0 ? ctx.buffer(0) : y;
        BufferRef wb = C > 0 ? ctx.buffer(1) : y;
        std::uint32_t gy = u32(ctx, group * blocks);
        if (gy > 65535)
            ctx.fail("too many output channel blocks for one dispatch");
        ctx.dispatch("conv", { hasBias ? 1u : 0u }, p, { x, wb, hasBias ? ctx.buffer(2) : wb, y },
            groupsFor(ctx, (npix + pb - 1) / pb, 64), gy, groupsFor(ctx, N, 1));
    }

} // namespace

void registerConvKernels(KernelRegistry& registry)
{
    registry.add("Conv", runConv, checkWindowOp);
    registerResizeKernels(registry);
    registerSpaceKernels(registry);
}

} // namespace nodus::rt
