// Reduce*, ArgMax/ArgMin and the losses built on them
// (NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss). Softmax, CumSum and
// TopK are in reduce_softmax.cpp.
#include "runtime/kernel.h"

#include "ir/attribute.h"
#include "ir/node.h"
#include "runtime/runtimeerror.h"
#include "runtime/shapeutil.h"

#include <algorithm>
#include <limits>

namespace nodus::rt {

void registerSoftmaxKernels(KernelRegistry& registry); // reduce_softmax.cpp

namespace {

// Specialization constant OP of shaders/reduce.comp.
enum class ReduceOp : std::uint32_t { Sum, Mean, Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare };

constexpr std::size_t kMaxKeptDims = 8;
constexpr std::size_t kMaxReducedDims = 8;
// A reduction is split into chunks (and a second pass) when it has so few
// outputs that one invocation each would leave the device idle.
constexpr std::uint64_t kChunk = 1024;
constexpr std::uint64_t kTargetInvocations = 8192;

std::uint32_t u32(std::uint64_t v)
{
    if (v > std::numeric_limits<std::uint32_t>::max())
        throw RuntimeError("tensor too large for the Vulkan runtime (more than 2^32 elements)");
    return std::uint32_t(v);
}

// Records y = reduce(x) over the dims flagged in `reduced` (y holds the kept
// dims in order). Dims of 1 are dropped and neighbours of the same kind
// merged, so the shader sees as few dims as the layout allows.
void recordReduce(KernelContext& ctx, ReduceOp op, Rep rep, BufferRef x, const std::vector<std::int64_t>& shape,
    const std::vector<bool>& reduced, BufferRef y)
{
    struct Dim {
        std::uint64_t size, stride;
        bool reduced;
    };
    std::vector<Dim> dims;
    std::uint64_t stride = 1;
    std::uint64_t outputs = 1, count = 1;
    for (std::size_t i = shape.size(); i-- > 0;) {
        auto n = std::uint64_t(shape[i]);
        if (reduced[i])
            count *= n;
        else
            outputs *= n;
        if (n != 1) {
            if (!dims.empty() && dims.back().reduced == reduced[i] && dims.back().size * dims.back().stride == stride)
                dims.back().size *= n;
            else
                dims.push_back({ n, stride, reduced[i] });
        }
        stride *= n;
    }
    if (outputs == 0)
        return;
    std::reverse(dims.begin(), dims.end());
    std::vector<Dim> kept, red;
    for (auto& d : dims)
        (d.reduced ? red : kept).push_back(d);
    if (kept.size() > kMaxKeptDims || red.size() > kMaxReducedDims + 1)
        ctx.fail("too many separate reduced and kept dims");
    Dim inner = red.empty() ? Dim { 1, 0, true } : red.back();
    if (!red.empty())
        red.pop_back();

    std::uint64_t chunks = 1;
    if (outputs < kTargetInvocations && count >= 2 * kChunk)
        chunks = std::min((count + kChunk - 1) / kChunk, std::max<std::uint64_t>(1, kTargetInvocations / outputs));
    std::uint64_t chunkLen = std::max<std::uint64_t>(1, (count + chunks - 1) / chunks);
    if (chunks > 1)
        chunks = (count + chunkLen - 1) / chunkLen;

    std::vector<std::uint32_t> params(48, 0);
    params[0] = u32(outputs * chunks);
    params[1] = std::uint32_t(kept.size());
    params[2] = std::uint32_t(red.size());
    params[3] = u32(inner.size);
    params[4] = u32(inner.stride);
    params[5] = u32(chunkLen);
    params[6] = u32(chunks);
    params[7] = u32(count);
    params[8] = u32(count);
    for (std::size_t i = 0; i < kept.size(); ++i) {
        params[16 + 2 * i] = u32(kept[i].size);
        params[17 + 2 * i] = u32(kept[i].stride);
    }
    for (std::size_t i = 0; i < red.size(); ++i) {
        params[32 + 2 * i] = u32(red[i].size);
        params[33 + 2 * i] = u32(red[i].stride);
    }
    std::string shader = KernelContext::shader("reduce", rep);
    auto opCode = std::uint32_t(op);
    if (chunks == 1) {
        ctx.dispatch1D(shader, { opCode, 1, 1 }, params, { x, y }, outputs);
        return;
    }
    BufferRef partial = ctx.scratch(outputs * chunks * repBytes(rep));
    ctx.dispatch1D(shader, { opCode, 1, 0 }, params, { x, partial }, outputs * chunks);
    // Second pass: the [outputs, chunks] partials along their last dim.
    std::vector<std::uint32_t> second(48, 0);
    second[0] = u32(outputs);
    second[1] = 1;
    second[2] = 0;
    second[3] = u32(chunks);
    second[4] = 1;
    second[5] = u32(chunks);
    second[6] = 1;
    second[7] = u32(chunks);
    second[8] = u32(count);
    second[16] = u32(outputs);
    second[17] = u32(chunks);
    // Log-sum-exp partials are log-sum-exps, so the second pass is the same op.
    ctx.dispatch1D(shader, { opCode, op == ReduceOp::LogSumExp ? 1u : 0u, 1 }, second, { partial, y }, outputs);
}

// The axes of a Reduce* node: an input from opset 13 (ReduceSum) or 18
// (the others), an attribute before.
void runReduce(KernelContext& ctx, ReduceOp op, bool axesInputFrom13)
{
    const auto& shape = ctx.shape(0);
    std::size_t rank = shape.size();
    bool axesAsInput = ctx.opset() >= (axesInputFrom13 ? 13 : 18);
    std::vector<std::int64_t> axes;
    if (axesAsInput) {
        if (ctx.has(1))
            axes = ctx.ints(1);
    } else {
        axes = ctx.attrInts("axes");
    }
    bool keepDims = ctx.attrInt("keepdims", 1) != 0;
    // noop_with_empty_axes exists only where axes are an input.
    bool noop = ctx.attrInt("noop_with_empty_axes", 0) != 0;
    std::vector<bool> reduced(rank, false);
    if (axes.empty() && !noop) {
        std::fill(reduced.begin(), reduced.end(), true);
    } else {
        for (auto a : axes) {
            auto ax = std::size_t(normalizeAxis(a, rank, "axes"));
            if (reduced[ax])
                ctx.fail("axis " + std::to_string(a) + " is given twice");
            reduced[ax] = true;
        }
    }
    std::vector<std::int64_t> outShape;
    for (std::size_t i = 0; i < rank; ++i) {
        if (!reduced[i])
            outShape.push_back(shape[i]);
        else if (keepDims)
            outShape.push_back(1);
    }
    DataType type = ctx.type(0);
    ctx.output(0, type, outShape);
    if (shapeCount(outShape) == 0)
        return;
    recordReduce(ctx, op, repOf(type), ctx.buffer(0), shape, reduced, ctx.outBuffer(0));
}

// [outer, R, inner] around `axis`.
struct AxisView {
    std::uint64_t outer = 1, r = 1, inner = 1;
};

AxisView axisView(const std::vector<std::int64_t>& shape, std::size_t axis)
{
    AxisView v;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        auto n = std::uint64_t(shape[i]);
        if (i < axis)
            v.outer *= n;
        else if (i == axis)
            v.r = n;
        else
            v.inner *= n;
    }
    return v;
}

void runArg(KernelContext& ctx, bool min)
{
    const auto& shape = ctx.shape(0);
    std::size_t rank = shape.size();
    if (rank == 0)
        ctx.fail("the input must have at least one dimension");
    auto axis = std::size_t(normalizeAxis(ctx.attrInt("axis", 0), rank));
    bool keepDims = ctx.attrInt("keepdims", 1) != 0;
    bool last = ctx.attrInt("select_last_index", 0) != 0;
    std::vector<std::int64_t> outShape;
    for (std::size_t i = 0; i < rank; ++i) {
        if (i != axis)
            outShape.push_back(shape[i]);
        else if (keepDims)
            outShape.push_back(1);
    }
    ctx.output(0, DataType::Int64, outShape);
    AxisView v = axisView(shape, axis);
    if (v.outer * v.inner == 0)
        return;
    if (v.r == 0)
        ctx.fail("cannot take the arg" + std::string(min ? "min" : "max") + " of an empty axis");
    std::uint32_t params[] = { u32(v.outer * v.inner), u32(v.r), u32(v.inner) };
    ctx.dispatch1D(KernelContext::shader("reduce_arg", repOf(ctx.type(0))), { min ? 1u : 0u, last ? 1u : 0u },
        params, { ctx.buffer(0), ctx.outBuffer(0) }, v.outer * v.inner);
}

std::string checkReduction(const Node& node)
{
    const Attribute* a = node.attribute("reduction");
    if (a && a->s != "none" && a->s != "sum" && a->s != "mean")
        return "reduction '" + a->s + "' is not supported";
    return {};
}

// NegativeLogLikelihoodLoss of `logProb` ([N, C, d...] on the device) with
// the node's target (input `targetInput`) and optional weights into output 0.
void recordNll(KernelContext& ctx, BufferRef logProb, const std::vector<std::int64_t>& shape, int targetInput,
    int weightInput)
{
    if (shape.size() < 2)
        ctx.fail("the input must be at least [N, C]");
    const auto& target = ctx.shape(targetInput);
    std::vector<std::int64_t> expect = { shape[0] };
    expect.insert(expect.end(), shape.begin() + 2, shape.end());
    if (target != expect)
        ctx.fail("target shape " + shapeText(target) + " does not match input shape " + shapeText(shape));
    std::string reduction = ctx.attrString("reduction", "mean");
    if (reduction != "none" && reduction != "sum" && reduction != "mean")
        ctx.fail("reduction '" + reduction + "' is not supported");
    auto c = std::uint64_t(shape[1]);
    std::uint64_t m = shapeCount(target);
    std::uint64_t d = shape[0] == 0 ? 0 : m / std::uint64_t(shape[0]);
    bool hasWeight = ctx.has(weightInput);
    if (hasWeight && ctx.shape(weightInput) != std::vector<std::int64_t> { shape[1] })
        ctx.fail("weight must be [C]");
    const Attribute* ignore = ctx.attr("ignore_index");
    bool hasIgnore = ignore && ignore->i >= std::numeric_limits<std::int32_t>::min()
        && ignore->i <= std::numeric_limits<std::int32_t>::max();
    Rep targetRep = repOf(ctx.type(targetInput));
    if (targetRep == Rep::F32)
        ctx.fail("target must be an integer tensor");
    DataType type = ctx.type(0);
    bool none = reduction == "none";
    ctx.output(0, type, none ? target : std::vector<std::int64_t> {});
    BufferRef out = ctx.outBuffer(0);
    BufferRef terms = none ? out : ctx.scratch(2 * std::max<std::uint64_t>(m, 1) * 4);
    if (m != 0) {
        std::uint32_t params[] = { u32(m), u32(c), u32(d), std::uint32_t(std::int32_t(hasIgnore ? ignore->i : 0)),
            hasIgnore ? 1u : 0u, hasWeight ? 1u : 0u, reduction == "mean" ? 1u : 0u };
        BufferRef weights = hasWeight ? ctx.buffer(weightInput) : logProb;
        ctx.dispatch1D("loss_nll", { std::uint32_t(repBytes(targetRep) / 4) }, params,
            { logProb, ctx.buffer(targetInput), weights, terms }, m);
    }
    if (none)
        return;
    if (reduction == "sum") {
        recordReduce(ctx, ReduceOp::Sum, Rep::F32, terms, { std::int64_t(m) }, { true }, out);
        return;
    }
    BufferRef sums = ctx.scratch(8);
    recordReduce(ctx, ReduceOp::Sum, Rep::F32, terms, { 2, std::int64_t(m) }, { false, true }, sums);
    ctx.dispatch("loss_mean", {}, {}, { sums, out }, 1);
}

void runNll(KernelContext& ctx)
{
    if (repOf(ctx.type(0)) != Rep::F32)
        ctx.fail("the input must be a floating-point tensor");
    recordNll(ctx, ctx.buffer(0), ctx.shape(0), 1, 2);
}

// log_prob = LogSoftmax over the classes (dim 1), then the NLL loss of it.
void runSoftmaxCrossEntropy(KernelContext& ctx)
{
    const auto& shape = ctx.shape(0);
    if (shape.size() < 2)
        ctx.fail("the scores must be at least [N, C]");
    if (repOf(ctx.type(0)) != Rep::F32)
        ctx.fail("the scores must be a floating-point tensor");
    AxisView v = axisView(shape, 1);
    bool keepLogProb = ctx.outputCount() > 1 && ctx.wanted(1);
    BufferRef logProb;
    if (keepLogProb) {
        ctx.output(1, ctx.type(0), shape);
        logProb = ctx.outBuffer(1);
    } else {
        logProb = ctx.scratch(std::max<std::uint64_t>(shapeCount(shape), 1) * 4);
    }
    if (v.outer * v.inner != 0 && v.r != 0) {
        std::uint32_t params[] = { u32(v.outer * v.inner), u32(v.r), u32(v.inner) };
        ctx.dispatch1D("softmax", { 1 }, params, { ctx.buffer(0), logProb }, v.outer * v.inner);
    }
    recordNll(ctx, logProb, shape, 1, 2);
}

} // namespace

void registerReduceKernels(KernelRegistry& registry)
{
    struct Entry {
        const char* name;
        ReduceOp op;
    };
    for (auto [name, op] : { Entry { "ReduceSum", ReduceOp::Sum }, Entry { "ReduceMean", ReduceOp::Mean },
             Entry { "ReduceMax", ReduceOp::Max }, Entry { "ReduceMin", ReduceOp::Min },
             Entry { "ReduceProd", ReduceOp::Prod }, Entry { "ReduceL1", ReduceOp::L1 },
             Entry { "ReduceL2", ReduceOp::L2 }, Entry { "ReduceLogSum", ReduceOp::LogSum },
             Entry { "ReduceLogSumExp", ReduceOp::LogSumExp }, Entry { "ReduceSumSquare", ReduceOp::SumSquare } }) {
        bool from13 = op == ReduceOp::Sum;
        registry.add(name, [op, from13](KernelContext& ctx) { runReduce(ctx, op, from13); });
    }
    registry.add("ArgMax", [](KernelContext& ctx) { runArg(ctx, false); });
    registry.add("ArgMin", [](KernelContext& ctx) { runArg(ctx, true); });
    registry.add("NegativeLogLikelihoodLoss", runNll, checkReduction);
    registry.add("SoftmaxCrossEntropyLoss", runSoftmaxCrossEntropy, checkReduction);
    registerSoftmaxKernels(registry);
}

} // namespace nodus::rt
