// Softmax, LogSoftmax, Hardmax, CumSum and TopK: ops that walk whole lines
// along one axis (one line per invocation).
#include "runtime/kernel.h"

#include "runtime/runtimeerror.h"
#include "runtime/shapeutil.h"

#include <limits>

namespace nodus::rt {

void registerSoftmaxKernels(KernelRegistry& registry);

namespace {

std::uint32_t u32(std::uint64_t v)
{
    if (v > std::numeric_limits<std::uint32_t>::max())
        throw RuntimeError("tensor too large for the Vulkan runtime (more than 2^32 elements)");
    return std::uint32_t(v);
}

// [outer, R, inner] around `axis`; with `flatten`, R takes every dim from
// the axis on (Softmax before opset 13).
struct AxisView {
    std::uint64_t outer = 1, r = 1, inner = 1;
};

AxisView axisView(const std::vector<std::int64_t>& shape, std::size_t axis, bool flatten = false)
{
    AxisView v;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        auto n = std::uint64_t(shape[i]);
        if (i < axis)
            v.outer *= n;
        else if (i == axis || flatten)
            v.r *= n;
        else
            v.inner *= n;
    }
    return v;
}

// mode: 0 Softmax, 1 LogSoftmax, 2 Hardmax.
void runSoftmax(KernelContext& ctx, std::uint32_t mode)
{
    const auto& shape = ctx.shape(0);
    if (repOf(ctx.type(0)) != Rep::F32)
        ctx.fail("the input must be a floating-point tensor");
    bool flatten = ctx.opset() < 13;
    ctx.output(0, ctx.type(0), shape);
    // A scalar is a single row of one.
    AxisView v;
    if (!shape.empty()) {
        auto axis = std::size_t(normalizeAxis(ctx.attrInt("axis", flatten ? 1 : -1), shape.size()));
        v = axisView(shape, axis, flatten);
    }
    std::uint64_t rows = v.outer * v.inner;
    if (rows == 0 || v.r == 0)
        return;
    std::uint32_t params[] = { u32(rows), u32(v.r), u32(v.inner) };
    ctx.dispatch1D("softmax", { mode }, params, { ctx.buffer(0), ctx.outBuffer(0) }, rows);
}

void runCumSum(KernelContext& ctx)
{
    const auto& shape = ctx.shape(0);
    if (shape.empty())
        ctx.fail("the input must have at least one dimension");
    auto axisValues = ctx.ints(1);
    if (axisValues.size() != 1)
        ctx.fail("axis must hold one value");
    auto axis = std::size_t(normalizeAxis(axisValues[0], shape.size()));
    ctx.output(0, ctx.type(0), shape);
    AxisView v = axisView(shape, axis);
    std::uint64_t lines = v.outer * v.inner;
    if (lines == 0 || v.r == 0)
        return;
    std::uint32_t params[] = { u32(lines), u32(v.r), u32(v.inner) };
    std::uint32_t exclusive = ctx.attrInt("exclusive", 0) != 0;
    std::uint32_t reverse = ctx.attrInt("reverse", 0) != 0;
    ctx.dispatch1D(KernelContext::shader("cumsum", repOf(ctx.type(0))), { exclusive, reverse }, params,
        { ctx.buffer(0), ctx.outBuffer(0) }, lines);
}

void runTopK(KernelContext& ctx)
{
    const auto& shape = ctx.shape(0);
    if (shape.empty())
        ctx.fail("the input must have at least one dimension");
    auto axis = std::size_t(normalizeAxis(ctx.attrInt("axis", -1), shape.size()));
    std::int64_t k;
    if (ctx.opset() < 10) {
        k = ctx.attrInt("k", -1);
    } else {
        auto kv = ctx.ints(1);
        if (kv.size() != 1)
            ctx.fail("K must hold one value");
        k = kv[0];
    }
    if (k < 0 || k > shape[axis])
        ctx.fail("k = " + std::to_string(k) + " is outside [0, " + std::to_string(shape[axis]) + "]");
    std::vector<std::int64_t> outShape = shape;
    outShape[axis] = k;
    bool largest = ctx.attrInt("largest", 1) != 0;
    ctx.output(0, ctx.type(0), outShape);
    ctx.output(1, DataType::Int64, outShape);
    AxisView v = axisView(shape, axis);
    std::uint64_t lines = v.outer * v.inner;
    if (lines == 0 || k == 0)
        return;
    // Results come sorted whatever `sorted` says: ONNX leaves the order free
    // when it is 0.
    std::uint32_t params[] = { u32(lines), u32(v.r), u32(v.inner), u32(std::uint64_t(k)) };
    ctx.dispatch1D(KernelContext::shader("topk", repOf(ctx.type(0))), { largest ? 1u : 0u }, params,
        { ctx.buffer(0), ctx.outBuffer(0), ctx.outBuffer(1) }, lines);
}

} // namespace

void registerSoftmaxKernels(KernelRegistry& registry)
{
    registry.add("Softmax", [](KernelContext& ctx) { runSoftmax(ctx, 0); });
    registry.add("LogSoftmax", [](KernelContext& ctx) { runSoftmax(ctx, 1); });
    registry.add("Hardmax", [](KernelContext& ctx) { runSoftmax(ctx, 2); });
    registry.add("CumSum", runCumSum);
    registry.add("TopK", runTopK);
}

} // namespace nodus::rt
