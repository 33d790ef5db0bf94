// Reduce* and the losses built on them (NegativeLogLikelihoodLoss,
// SoftmaxCrossEntropyLoss). Ops along one axis (Softmax, ArgMax, CumSum,
// TopK) are in reduce_softmax.cpp.
#include "runtime/kernel.h"

#include "ir/attribute.h"
#include "ir/node.h"
#include "runtime/runtimeerror.h"
#include "runtime/shapeutil.h"

#include <algorithm>
#include <limits>

namespace nodus::rt {

// reduce_softmax.cpp
void registerSoftmaxKernels(KernelRegistry& registry);
void recordSoftmax(KernelContext& ctx, std::uint32_t mode, BufferRef x, std::uint64_t outer, std::uint64_t r,
    std::uint64_t inner, BufferRef y);
// elementwise.cpp
bool isUnsigned(DataType t);

namespace {

// Specialization constant OP of shaders/reduce.comp.
enum class ReduceOp : std::uint32_t { Sum, Mean, Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare };

constexpr std::size_t kMaxKeptDims = 8;
constexpr std::size_t kMaxReducedDims = 8;
// A reduction is split into chunks (and further passes over the partials)
// when it has so few outputs that one invocation each would leave the
// device idle, and whenever one invocation would loop too long: lavapipe
// (llvmpipe) ends every loop of an invocation silently after 65535
// iterations in all, so no shader may count on more.
constexpr std::uint64_t kChunk = 1024;
constexpr std::uint64_t kTargetInvocations = 8192;

// One dispatch of shaders/reduce.comp: `outputs` x `chunks` invocations.
struct ReducePass {
    struct Dim {
        std::uint64_t size, stride;
    };
    std::vector<Dim> kept, outer; // outer reduced dims (the innermost is `inner`)
    Dim inner { 1, 0 };
    std::uint64_t outputs = 1, count = 1;

    // The longest chunk whose loop iterations (elements, plus the outer
    // reduced dims decoded at every pass over the innermost one) fit the budget.
    std::uint64_t maxChunk() const
    {
        std::uint64_t perSegment = 1 + outer.size();
        std::uint64_t rin = std::max<std::uint64_t>(inner.size, 1);
        return std::max<std::uint64_t>(1, (kLoopBudget - 2 * perSegment) * rin / (rin + perSegment));
    }

    void record(KernelContext& ctx, const std::string& shader, std::uint32_t op, bool uns, bool pre, bool post,
        std::uint64_t chunkLen, std::uint64_t chunks, std::uint64_t meanCount, BufferRef x, BufferRef y) const
    {
        std::vector<std::uint32_t> params(48, 0);
        params[0] = u32(outputs * chunks);
        params[1] = std::uint32_t(kept.size());
        params[2] = std::uint32_t(outer.size());
        params[3] = u32(inner.size);
        params[4] = u32(inner.stride);
        params[5] = u32(chunkLen);
        params[6] = u32(chunks);
        params[7] = u32(count);
        params[8] = u32(meanCount);
        for (std::size_t i = 0; i < kept.size(); ++i) {
            params[16 + 2 * i] = u32(kept[i].size);
            params[17 + 2 * i] = u32(kept[i].stride);
        }
        for (std::size_t i = 0; i < outer.size(); ++i) {
            params[32 + 2 * i] = u32(outer[i].size);
            params[33 + 2 * i] = u32(outer[i].stride);
        }
        ctx.dispatch1D(
            shader, { op, pre ? 1u : 0u, post ? 1u : 0u, uns ? 1u : 0u }, params, { x, y }, outputs * chunks);
    }
};

// Chunks for `pass`: none when one invocation per output is enough.
std::uint64_t chunksFor(const ReducePass& pass)
{
    std::uint64_t maxLen = pass.maxChunk();
    std::uint64_t chunks = (pass.count + maxLen - 1) / maxLen;
    if (pass.outputs < kTargetInvocations && pass.count >= 2 * kChunk)
        chunks = std::max(chunks,
            std::min(
                (pass.count + kChunk - 1) / kChunk, std::max<std::uint64_t>(1, kTargetInvocations / pass.outputs)));
    return std::max<std::uint64_t>(chunks, 1);
}

// Records y = reduce(x) over the dims flagged in `reduced` (y holds the kept
// dims in order). Dims of 1 are dropped and neighbours of the same kind
// merged, so the shader sees as few dims as the layout allows. `uns`: the
// integer rep holds unsigned values.
void recordReduce(KernelContext& ctx, ReduceOp op, Rep rep, BufferRef x, const std::vector<std::int64_t>& shape,
    const std::vector<bool>& reduced, BufferRef y, bool uns = false)
{
    struct Dim {
        std::uint64_t size, stride;
        bool reduced;
    };
    std::vector<Dim> dims;
    std::uint64_t stride = 1;
    ReducePass pass;
    for (std::size_t i = shape.size(); i-- > 0;) {
        auto n = std::uint64_t(shape[i]);
        if (reduced[i])
            pass.count *= n;
        else
            pass.outputs *= n;
        if (n != 1) {
            if (!dims.empty() && dims.back().reduced == reduced[i] && dims.back().size * dims.back().stride == stride)
                dims.back().size *= n;
            else
                dims.push_back({ n, stride, reduced[i] });
        }
        stride *= n;
    }
    if (pass.outputs == 0)
        return;
    std::reverse(dims.begin(), dims.end());
    for (auto& d : dims)
        (d.reduced ? pass.outer : pass.kept).push_back({ d.size, d.stride });
    if (pass.kept.size() > kMaxKeptDims || pass.outer.size() > kMaxReducedDims + 1)
        ctx.fail("too many separate reduced and kept dims");
    if (!pass.outer.empty()) {
        pass.inner = pass.outer.back();
        pass.outer.pop_back();
    }

    std::string shader = KernelContext::shader("reduce", rep);
    auto code = std::uint32_t(op);
    std::uint64_t total = pass.count;
    std::uint64_t chunks = chunksFor(pass);
    if (chunks == 1) {
        pass.record(ctx, shader, code, uns, true, true, std::max<std::uint64_t>(pass.count, 1), 1, total, x, y);
        return;
    }
    // Partials of a log-sum-exp are log-sum-exps, so every pass maps them
    // the same way; the others apply the element map first and the final
    // map last.
    bool lse = op == ReduceOp::LogSumExp;
    std::uint64_t len = (pass.count + chunks - 1) / chunks;
    chunks = (pass.count + len - 1) / len;
    BufferRef partial = ctx.scratch(pass.outputs * chunks * repBytes(rep));
    pass.record(ctx, shader, code, uns, true, lse, len, chunks, total, x, partial);
    // Then the [outputs, chunks] partials along their last dim, in as many
    // passes as the loop budget needs.
    while (true) {
        ReducePass next;
        next.outputs = pass.outputs;
        next.count = chunks;
        next.kept = { { pass.outputs, chunks } };
        next.inner = { chunks, 1 };
        std::uint64_t more = chunksFor(next);
        if (more == 1) {
            next.record(ctx, shader, code, uns, lse, true, chunks, 1, total, partial, y);
            return;
        }
        std::uint64_t nextLen = (chunks + more - 1) / more;
        more = (chunks + nextLen - 1) / nextLen;
        BufferRef nextPartial = ctx.scratch(pass.outputs * more * repBytes(rep));
        next.record(ctx, shader, code, uns, lse, lse, nextLen, more, total, partial, nextPartial);
        partial = nextPartial;
        chunks = more;
    }
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
    recordReduce(ctx, op, repOf(type), ctx.buffer(0), shape, reduced, ctx.outBuffer(0), isUnsigned(type));
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

std::string checkReduction(const Node& node)
{
    const Attribute* a = node.attribute("reduction");
    if (a && a->s != "none" && a->s != "sum" && a->s != "mean")
        return "reduction '" + a->s + "' is not supported";
    return {};
}

// NegativeLogLikelihoodLoss of `logProb` ([N, C, d...] on the device) with
// the node's target (input `targetInput`) and optional weights into output 0.
void recordNll(
    KernelContext& ctx, BufferRef logProb, const std::vector<std::int64_t>& shape, int targetInput, int weightInput)
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
    recordSoftmax(ctx, 1, ctx.buffer(0), v.outer, v.r, v.inner, logProb);
    recordNll(ctx, logProb, shape, 1, 2);
}

} // namespace

void registerReduceKernels(KernelRegistry& registry)
{
    struct Entry {
        const char* name;
        ReduceOp op;
    };
    for (Entry e : { Entry { "ReduceSum", ReduceOp::Sum }, Entry { "ReduceMean", ReduceOp::Mean },
             Entry { "ReduceMax", ReduceOp::Max }, Entry { "ReduceMin", ReduceOp::Min },
             Entry { "ReduceProd", ReduceOp::Prod }, Entry { "ReduceL1", ReduceOp::L1 },
             Entry { "ReduceL2", ReduceOp::L2 }, Entry { "ReduceLogSum", ReduceOp::LogSum },
             Entry { "ReduceLogSumExp", ReduceOp::LogSumExp }, Entry { "ReduceSumSquare", ReduceOp::SumSquare } }) {
        ReduceOp op = e.op;
        bool from13 = op == ReduceOp::Sum;
        registry.add(e.name, [op, from13](KernelContext& ctx) { runReduce(ctx, op, from13); });
    }
    registry.add("NegativeLogLikelihoodLoss", runNll, checkReduction);
    registry.add("SoftmaxCrossEntropyLoss", runSoftmaxCrossEntropy, checkReduction);
    registerSoftmaxKernels(registry);
}

} // namespace nodus::rt
