// Softmax, LogSoftmax, Hardmax, ArgMax, ArgMin, CumSum and TopK: ops that
// walk whole lines along one axis. A line per invocation keeps neighbouring
// invocations on neighbouring columns. Lines are split into chunks (and the
// chunks combined by further dispatches) when there are too few of them to
// keep the device busy (a classifier's or a vocabulary's single row), and
// whenever one invocation would loop too long: lavapipe (llvmpipe) ends
// every loop of an invocation silently after 65535 iterations in all.
#include "runtime/kernel.h"

#include "ir/attribute.h"
#include "runtime/runtimeerror.h"
#include "runtime/shapeutil.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>

namespace nodus::rt {

void registerSoftmaxKernels(KernelRegistry& registry);
void recordSoftmax(KernelContext& ctx, std::uint32_t mode, BufferRef x, std::uint64_t outer, std::uint64_t r,
    std::uint64_t inner, BufferRef y);
// elementwise.cpp
bool isUnsigned(DataType t);

namespace {

constexpr std::uint64_t kFewLines = 1024;
constexpr std::uint64_t kMinChunk = 1024;
constexpr std::uint64_t kTargetInvocations = 8192;

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

// Lines of length r cut into chunks of at most maxChunk, and into more
// (down to minChunk) when there are few lines; one chunk: no split.
struct Split {
    std::uint64_t len, chunks;
};

Split splitLines(std::uint64_t lines, std::uint64_t r, std::uint64_t maxChunk, std::uint64_t minChunk = kMinChunk)
{
    std::uint64_t chunks = (r + maxChunk - 1) / maxChunk;
    if (lines < kFewLines && r >= 2 * minChunk)
        chunks = std::max(
            chunks, std::min((r + minChunk - 1) / minChunk, std::max<std::uint64_t>(1, kTargetInvocations / lines)));
    if (chunks <= 1)
        return { r, 1 };
    std::uint64_t len = (r + chunks - 1) / chunks;
    return { len, (r + len - 1) / len };
}

} // namespace

// mode: 0 Softmax, 1 LogSoftmax, 2 Hardmax; x and y are [outer, r, inner].
void recordSoftmax(KernelContext& ctx, std::uint32_t mode, BufferRef x, std::uint64_t outer, std::uint64_t r,
    std::uint64_t inner, BufferRef y)
{
    std::uint64_t lines = outer * inner;
    if (lines == 0 || r == 0)
        return;
    // A whole row walks it three times; a chunk twice, the combining pass
    // twice over the chunks.
    Split split = splitLines(lines, r, kLoopBudget / 3);
    if (split.chunks == 1) {
        std::uint32_t params[] = { u32(lines), u32(r), u32(inner) };
        ctx.dispatch1D("softmax", { mode }, params, { x, y }, lines);
        return;
    }
    split = splitLines(lines, r, kLoopBudget / 2);
    // Hardmax's chunk results hold indices as floats: exact below 2^24.
    if (split.chunks > kLoopBudget / 2 || r >= (std::uint64_t(1) << 24))
        ctx.fail("an axis of " + std::to_string(r) + " elements is too long for the Vulkan runtime");
    BufferRef part = ctx.scratch((lines * split.chunks + lines) * 2 * 4);
    std::uint32_t params[]
        = { u32(lines * split.chunks), u32(r), u32(inner), u32(split.len), u32(split.chunks), u32(lines) };
    ctx.dispatch1D("softmax_split", { mode, 0 }, params, { x, part, y }, lines * split.chunks);
    params[0] = u32(lines);
    ctx.dispatch1D("softmax_split", { mode, 1 }, params, { x, part, y }, lines);
    params[0] = u32(lines * r);
    ctx.dispatch1D("softmax_split", { mode, 2 }, params, { x, part, y }, lines * r);
}

namespace {

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
    if (v.outer * v.inner == 0 || v.r == 0)
        return;
    recordSoftmax(ctx, mode, ctx.buffer(0), v.outer, v.r, v.inner, ctx.outBuffer(0));
}

void runArg(KernelContext& ctx, bool min)
{
    const auto& shape = ctx.shape(0);
    std::size_t rank = shape.size();
    if (rank == 0)
        ctx.fail("the input must have at least one dimension");
    auto axis = std::size_t(normalizeAxis(ctx.attrInt("axis", 0), rank));
    bool keepDims = ctx.attrInt("keepdims", 1) != 0;
    std::uint32_t last = ctx.attrInt("select_last_index", 0) != 0;
    std::vector<std::int64_t> outShape;
    for (std::size_t i = 0; i < rank; ++i) {
        if (i != axis)
            outShape.push_back(shape[i]);
        else if (keepDims)
            outShape.push_back(1);
    }
    ctx.output(0, DataType::Int64, outShape);
    AxisView v = axisView(shape, axis);
    std::uint64_t lines = v.outer * v.inner;
    if (lines == 0)
        return;
    std::uint32_t uns = isUnsigned(ctx.type(0));
    if (v.r == 0)
        ctx.fail("cannot take the arg" + std::string(min ? "min" : "max") + " of an empty axis");
    Rep rep = repOf(ctx.type(0));
    std::string shader = KernelContext::shader("reduce_arg", rep);
    BufferRef x = ctx.buffer(0), y = ctx.outBuffer(0);
    Split split = splitLines(lines, v.r, kLoopBudget);
    if (split.chunks > kLoopBudget)
        ctx.fail("an axis of " + std::to_string(v.r) + " elements is too long for the Vulkan runtime");
    std::uint32_t params[] = { u32(lines), u32(v.r), u32(v.inner), u32(split.len), u32(split.chunks) };
    if (split.chunks == 1) {
        ctx.dispatch1D(shader, { min, last, 0, uns }, params, { x, y, x, y }, lines);
        return;
    }
    BufferRef values = ctx.scratch(lines * split.chunks * repBytes(rep));
    BufferRef indices = ctx.scratch(lines * split.chunks * 4);
    params[0] = u32(lines * split.chunks);
    ctx.dispatch1D(shader, { min, last, 1, uns }, params, { x, y, values, indices }, lines * split.chunks);
    params[0] = u32(lines);
    ctx.dispatch1D(shader, { min, last, 2, uns }, params, { x, y, values, indices }, lines);
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
    std::uint32_t exclusive = ctx.attrInt("exclusive", 0) != 0;
    std::uint32_t reverse = ctx.attrInt("reverse", 0) != 0;
    Rep rep = repOf(ctx.type(0));
    std::string shader = KernelContext::shader("cumsum", rep);
    BufferRef x = ctx.buffer(0), y = ctx.outBuffer(0);
    Split split = splitLines(lines, v.r, kLoopBudget);
    if (split.chunks > kLoopBudget)
        ctx.fail("an axis of " + std::to_string(v.r) + " elements is too long for the Vulkan runtime");
    std::uint32_t params[] = { u32(lines), u32(v.r), u32(v.inner), u32(split.len), u32(split.chunks) };
    if (split.chunks == 1) {
        ctx.dispatch1D(shader, { exclusive, reverse, 0 }, params, { x, y, x }, lines);
        return;
    }
    BufferRef part = ctx.scratch(lines * split.chunks * repBytes(rep));
    params[0] = u32(lines * split.chunks);
    ctx.dispatch1D(shader, { exclusive, reverse, 1 }, params, { x, y, part }, lines * split.chunks);
    params[0] = u32(lines);
    ctx.dispatch1D(shader, { exclusive, reverse, 2 }, params, { x, y, part }, lines);
    params[0] = u32(lines * split.chunks);
    ctx.dispatch1D(shader, { exclusive, reverse, 3 }, params, { x, y, part }, lines * split.chunks);
}

// Loop iterations of shaders/topk.comp for a chunk of `len` and k: every
// element may sift through the heap, then the heap is sorted.
std::uint64_t topkLoops(std::uint64_t len, std::uint64_t k)
{
    std::uint64_t depth = std::uint64_t(std::bit_width(k)) + 2;
    return (len + k) * depth;
}

// The most TopK's device path takes: chunks must hold at least 2k so each
// round of chunks at least halves the candidates.
constexpr std::uint64_t kTopKBudget = 60000;

bool topkOnDevice(std::uint64_t k)
{
    return topkLoops(2 * k, k) <= kTopKBudget;
}

// TopK on the host, for k beyond the device path's loop budget.
template <class T>
void topkOnHost(KernelContext& ctx, const HostTensor& x, AxisView v, std::uint64_t k, bool largest,
    const std::vector<std::int64_t>& outShape)
{
    const T* data = x.as<T>();
    HostTensor values;
    values.type = x.type;
    values.shape = outShape;
    values.data.resize(v.outer * k * v.inner * sizeof(T));
    std::vector<std::int64_t> indices(v.outer * k * v.inner);
    auto better = [&](T a, T b) {
        if constexpr (std::is_floating_point_v<T>) {
            if (largest)
                return (std::isnan(a) && !std::isnan(b)) || a > b;
            return (std::isnan(b) && !std::isnan(a)) || a < b;
        } else {
            return largest ? a > b : a < b;
        }
    };
    std::vector<std::uint64_t> order(v.r);
    for (std::uint64_t a = 0; a < v.outer; ++a)
        for (std::uint64_t b = 0; b < v.inner; ++b) {
            auto at = [&](std::uint64_t j) { return data[(a * v.r + j) * v.inner + b]; };
            std::iota(order.begin(), order.end(), 0);
            std::partial_sort(
                order.begin(), order.begin() + std::ptrdiff_t(k), order.end(), [&](std::uint64_t p, std::uint64_t q) {
                    return better(at(p), at(q)) || (!better(at(q), at(p)) && p < q);
                });
            for (std::uint64_t j = 0; j < k; ++j) {
                values.as<T>()[(a * k + j) * v.inner + b] = at(order[j]);
                indices[(a * k + j) * v.inner + b] = std::int64_t(order[j]);
            }
        }
    ctx.setHost(0, std::move(values));
    ctx.setHost(1, HostTensor::fromInts(DataType::Int64, outShape, indices));
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
    std::uint32_t largest = ctx.attrInt("largest", 1) != 0;
    AxisView v = axisView(shape, axis);
    std::uint64_t lines = v.outer * v.inner;
    auto uk = std::uint64_t(k);
    if (lines != 0 && uk != 0 && !topkOnDevice(uk)) {
        const HostTensor& x = ctx.host(0);
        switch (x.rep()) {
        case Rep::F32:
            return topkOnHost<float>(ctx, x, v, uk, largest, outShape);
        case Rep::I32:
            if (isUnsigned(x.type))
                return topkOnHost<std::uint32_t>(ctx, x, v, uk, largest, outShape);
            return topkOnHost<std::int32_t>(ctx, x, v, uk, largest, outShape);
        case Rep::I64:
            if (isUnsigned(x.type))
                return topkOnHost<std::uint64_t>(ctx, x, v, uk, largest, outShape);
            return topkOnHost<std::int64_t>(ctx, x, v, uk, largest, outShape);
        }
    }
    ctx.output(0, ctx.type(0), outShape);
    ctx.output(1, DataType::Int64, outShape);
    if (lines == 0 || uk == 0)
        return;
    // Results come sorted whatever `sorted` says: ONNX leaves the order free
    // when it is 0.
    Rep rep = repOf(ctx.type(0));
    std::uint32_t uns = isUnsigned(ctx.type(0));
    std::string shader = KernelContext::shader("topk", rep);
    BufferRef values = ctx.outBuffer(0), indices = ctx.outBuffer(1);
    // The longest chunk the loop budget allows, at least 2k.
    std::uint64_t maxLen = kTopKBudget / (std::uint64_t(std::bit_width(uk)) + 2) - uk;
    BufferRef src = ctx.buffer(0), srcIndices = indices;
    std::uint64_t r = v.r, inner = v.inner;
    std::uint32_t indexed = 0;
    while (true) {
        Split split = splitLines(lines, r, maxLen, std::max(kMinChunk, 2 * uk));
        bool last = split.chunks == 1;
        std::uint64_t invocations = lines * split.chunks;
        std::uint32_t params[] = { u32(invocations), u32(r), u32(inner), u32(uk), u32(split.len), u32(split.chunks),
            u32(last ? v.inner : 1) };
        if (last) {
            ctx.dispatch1D(
                shader, { largest, indexed, uns }, params, { src, srcIndices, values, indices }, invocations);
            return;
        }
        BufferRef partValues = ctx.scratch(invocations * uk * repBytes(rep));
        BufferRef partIndices = ctx.scratch(invocations * uk * 8);
        ctx.dispatch1D(
            shader, { largest, indexed, uns }, params, { src, srcIndices, partValues, partIndices }, invocations);
        src = partValues;
        srcIndices = partIndices;
        r = split.chunks * uk;
        inner = 1;
        indexed = 1;
    }
}

} // namespace

void registerSoftmaxKernels(KernelRegistry& registry)
{
    registry.add("Softmax", [](KernelContext& ctx) { runSoftmax(ctx, 0); });
    registry.add("LogSoftmax", [](KernelContext& ctx) { runSoftmax(ctx, 1); });
    registry.add("Hardmax", [](KernelContext& ctx) { runSoftmax(ctx, 2); });
    registry.add("ArgMax", [](KernelContext& ctx) { runArg(ctx, false); });
    registry.add("ArgMin", [](KernelContext& ctx) { runArg(ctx, true); });
    registry.add("CumSum", runCumSum);
    registry.add("TopK", runTopK);
}

} // namespace nodus::rt
