// DepthToSpace and SpaceToDepth: block rearrangements between the channel
// and the spatial dims of NCHW tensors.
#include "runtime/kernel.h"

#include "ir/attribute.h"
#include "ir/node.h"

#include <cstdint>
#include <string>
#include <vector>

namespace nodus::rt {

namespace {

std::string checkDepthToSpace(const Node& node)
{
    const Attribute* m = node.attribute("mode");
    if (m && m->s != "DCR" && m->s != "CRD")
        return "mode '" + m->s + "' is not DCR or CRD";
    return {};
}

void runSpace(KernelContext& ctx, bool toDepth)
{
    const auto& xs = ctx.shape(0);
    if (xs.size() != 4)
        ctx.fail("input " + shapeText(xs) + " is not 4-D");
    std::int64_t b = ctx.attrInt("blocksize", 0);
    if (b < 1)
        ctx.fail("blocksize must be positive");
    std::int64_t N = xs[0], C = xs[1], H = xs[2], W = xs[3];
    std::vector<std::int64_t> ys;
    std::uint32_t mode = 2;
    if (toDepth) {
        if (H % b != 0 || W % b != 0)
            ctx.fail("spatial dims " + shapeText(xs) + " are not multiples of blocksize " + std::to_string(b));
        ys = { N, C * b * b, H / b, W / b };
    } else {
        if (C % (b * b) != 0)
            ctx.fail("channels " + std::to_string(C) + " are not a multiple of blocksize^2");
        ys = { N, C / (b * b), H * b, W * b };
        mode = ctx.attrString("mode", "DCR") == "CRD" ? 1 : 0;
    }
    RtValue& out = ctx.output(0, ctx.type(0), ys);
    std::uint64_t count = out.count();
    if (count == 0)
        return;
    if (count > UINT32_MAX)
        ctx.fail("tensor too large for 32-bit indexing");
    std::vector<std::uint32_t> p { std::uint32_t(count), std::uint32_t(ys[1]), std::uint32_t(ys[2]),
        std::uint32_t(ys[3]), std::uint32_t(b), std::uint32_t(C), std::uint32_t(H), std::uint32_t(W) };
    ctx.dispatch1D(
        KernelContext::shader("space", repOf(ctx.type(0))), { mode }, p, { ctx.buffer(0), ctx.outBuffer(0) }, count);
}

} // namespace

void registerSpaceKernels(KernelRegistry& registry)
{
    registry.add(
        "DepthToSpace", [](KernelContext& ctx) { runSpace(ctx, false); }, checkDepthToSpace);
    registry.add("SpaceToDepth", [](KernelContext& ctx) { runSpace(ctx, true); });
}

} // namespace nodus::rt
