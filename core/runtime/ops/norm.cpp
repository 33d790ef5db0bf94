// Normalizations: BatchNormalization, InstanceNormalization,
// LayerNormalization, MeanVarianceNormalization, LRN. Everything that
// normalizes by statistics of the input itself is one shader
// (norm_group.comp) over "kept" dims (one group each) and "reduced" dims
// (the elements of a group), each given with the strides of x, scale and
// bias; inference BatchNormalization and LRN are plain elementwise kernels.
#include "runtime/kernel.h"

#include "ir/attribute.h"
#include "ir/node.h"
#include "ir/value.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace nodus::rt {

namespace {

constexpr std::size_t kMaxDims = 6;


// A dim with the strides of x, scale and bias along it.
struct Dim {
    std::uint64_t size = 1;
    std::array<std::uint64_t, 3> stride {};
};

// Drops size-1 dims and merges neighbours that are one index for all three
// tensors.
std::vector<Dim> coalesce(const std::vector<Dim>& dims)
{
    std::vector<Dim> out;
    for (const Dim& d : dims) {
        if (d.size == 1)
            continue;
        if (!out.empty()) {
            Dim& prev = out.back();
            bool merge = true;
            for (std::size_t k = 0; k < 3; ++k)
                merge = merge && prev.stride[k] == d.stride[k] * d.size;
            if (merge) {
                prev.size *= d.size;
                prev.stride = d.stride;
                continue;
            }
        }
        out.push_back(d);
    }
    return out;
}

std::vector<std::uint64_t> contiguousStrides(const std::vector<std::int64_t>& shape)
{
    std::vector<std::uint64_t> s(shape.size());
    std::uint64_t stride = 1;
    for (std::size_t d = shape.size(); d-- > 0;) {
        s[d] = stride;
        stride *= std::uint64_t(shape[d]);
    }
    return s;
}

enum NormMode : std::uint32_t { LayerMode = 0, InstanceMode = 1, MvnMode = 2 };
enum NormStats : std::uint32_t { NoStats = 0, MeanInvStd = 1, RunningStats = 2 };

struct GroupNorm {
    std::vector<Dim> kept, reduced;
    NormMode mode = LayerMode;
    bool hasScale = false, hasBias = false;
    NormStats stats = NoStats;
    float epsilon = 0, momentum = 0;
};

// Buffers: x, scale, bias, y, then the two statistics outputs and the two
// running-statistics inputs (unused ones are bound to x / y).
void recordGroupNorm(KernelContext& ctx, const GroupNorm& g, BufferRef x, BufferRef scale, BufferRef bias, BufferRef y,
    BufferRef stat0, BufferRef stat1, BufferRef in0, BufferRef in1)
{
    std::vector<Dim> kept = coalesce(g.kept), reduced = coalesce(g.reduced);
    if (kept.size() > kMaxDims || reduced.size() > kMaxDims)
        ctx.fail("more than " + std::to_string(kMaxDims) + " separate dims are not supported");
    std::uint64_t groups = 1, elements = 1;
    for (const Dim& d : g.kept)
        groups *= d.size;
    for (const Dim& d : g.reduced)
        elements *= d.size;
    if (groups == 0)
        return;
    std::vector<std::uint32_t> params(54, 0);
    params[0] = u32(groups);
    params[1] = u32(elements);
    params[2] = std::uint32_t(kept.size());
    params[3] = std::uint32_t(reduced.size());
    params[4] = floatBits(g.epsilon);
    params[5] = floatBits(g.momentum);
    for (std::size_t i = 0; i < kept.size(); ++i) {
        params[6 + i] = u32(kept[i].size);
        for (std::size_t k = 0; k < 3; ++k)
            params[12 + 6 * k + i] = u32(kept[i].stride[k]);
    }
    for (std::size_t i = 0; i < reduced.size(); ++i) {
        params[30 + i] = u32(reduced[i].size);
        for (std::size_t k = 0; k < 3; ++k)
            params[36 + 6 * k + i] = u32(reduced[i].stride[k]);
    }
    // Contiguous groups of whole vec4s, with per-element or per-group scale
    // and bias, take the vector path.
    bool vec4 = reduced.size() == 1 && reduced[0].stride[0] == 1 && elements % 4 == 0 && x.offset % 16 == 0
        && y.offset % 16 == 0 && scale.offset % 16 == 0 && bias.offset % 16 == 0;
    for (std::size_t k = 0; k < 3 && vec4; ++k) {
        std::uint64_t rs = reduced[0].stride[k];
        vec4 = rs <= 1;
        for (const Dim& d : kept)
            vec4 = vec4 && (rs == 0 && k != 0 ? true : d.stride[k] % 4 == 0);
    }
    std::uint32_t gx = std::uint32_t(std::min<std::uint64_t>(groups, 65535));
    std::uint32_t gy = u32((groups + gx - 1) / gx);
    ctx.dispatch("norm_group",
        { std::uint32_t(g.mode), g.hasScale ? 1u : 0u, g.hasBias ? 1u : 0u, std::uint32_t(g.stats), vec4 ? 1u : 0u },
        params, { x, scale, bias, y, stat0, stat1, in0, in1 }, gx, gy);
}

void requireFloat(KernelContext& ctx, int i)
{
    if (repOf(ctx.type(i)) != Rep::F32)
        ctx.fail("input " + std::to_string(i) + " must be floating point");
}

// ---- BatchNormalization

std::string checkBatchNorm(const Node& node)
{
    if (const Attribute* a = node.attribute("spatial"); a && a->i == 0)
        return "spatial=0 is not supported";
    if (const Attribute* a = node.attribute("is_test"); a && a->i == 0)
        return "training mode (is_test=0) is not supported";
    const Attribute* training = node.attribute("training_mode");
    if (!(training && training->i != 0)) {
        const auto& outs = node.outputs();
        for (std::size_t i = 1; i < outs.size(); ++i)
            if (outs[i] && !outs[i]->name().empty())
                return "the training statistics outputs are supported with training_mode=1 only";
    }
    return {};
}

void runBatchNorm(KernelContext& ctx)
{
    const auto& shape = ctx.shape(0);
    requireFloat(ctx, 0);
    if (shape.size() < 2)
        ctx.fail("input must be [N, C, ...], got " + shapeText(shape));
    std::uint64_t n = std::uint64_t(shape[0]), c = std::uint64_t(shape[1]);
    std::uint64_t inner = 1;
    for (std::size_t d = 2; d < shape.size(); ++d)
        inner *= std::uint64_t(shape[d]);
    for (int i = 1; i <= 4; ++i)
        if (ctx.count(i) != c)
            ctx.fail("input " + std::to_string(i) + " must have " + std::to_string(c) + " elements");
    float eps = ctx.attrFloat("epsilon", 1e-5f);
    std::uint64_t count = shapeCount(shape);
    ctx.output(0, ctx.type(0), shape);
    BufferRef y = ctx.outBuffer(0);

    if (ctx.attrInt("training_mode", 0) == 0) {
        if (count == 0)
            return;
        BufferRef ab = ctx.scratch(2 * c * 4);
        std::vector<std::uint32_t> prep { u32(c), floatBits(eps) };
        ctx.dispatch1D(
            "norm_batch_prep", {}, prep, { ctx.buffer(1), ctx.buffer(2), ctx.buffer(3), ctx.buffer(4), ab }, c);
        BufferRef x = ctx.buffer(0);
        std::uint64_t unit = inner % 4 == 0 && x.offset % 16 == 0 && y.offset % 16 == 0 ? 4 : 1;
        std::vector<std::uint32_t> params { u32(count / unit), u32(c),
            u32(std::max<std::uint64_t>(inner / unit, 1)) };
        ctx.dispatch1D("norm_batch", { unit == 4 ? 1u : 0u }, params, { x, ab, y }, (count / unit + 3) / 4);
        return;
    }

    // Training: normalize by the batch statistics and blend them into the
    // running ones.
    BufferRef runMean, runVar;
    if (ctx.wanted(1)) {
        ctx.output(1, ctx.type(3), { std::int64_t(c) });
        runMean = ctx.outBuffer(1);
    } else
        runMean = ctx.scratch(c * 4);
    if (ctx.wanted(2)) {
        ctx.output(2, ctx.type(4), { std::int64_t(c) });
        runVar = ctx.outBuffer(2);
    } else
        runVar = ctx.scratch(c * 4);
    GroupNorm g;
    g.mode = InstanceMode;
    g.hasScale = g.hasBias = true;
    g.stats = RunningStats;
    g.epsilon = eps;
    g.momentum = ctx.attrFloat("momentum", 0.9f);
    g.kept = { Dim { c, { inner, 1, 1 } } };
    g.reduced = { Dim { n, { c * inner, 0, 0 } }, Dim { inner, { 1, 0, 0 } } };
    recordGroupNorm(
        ctx, g, ctx.buffer(0), ctx.buffer(1), ctx.buffer(2), y, runMean, runVar, ctx.buffer(3), ctx.buffer(4));
}

// ---- InstanceNormalization

void runInstanceNorm(KernelContext& ctx)
{
    const auto& shape = ctx.shape(0);
    requireFloat(ctx, 0);
    if (shape.size() < 2)
        ctx.fail("input must be [N, C, ...], got " + shapeText(shape));
    std::uint64_t n = std::uint64_t(shape[0]), c = std::uint64_t(shape[1]);
    std::uint64_t inner = 1;
    for (std::size_t d = 2; d < shape.size(); ++d)
        inner *= std::uint64_t(shape[d]);
    for (int i = 1; i <= 2; ++i)
        if (ctx.count(i) != c)
            ctx.fail("input " + std::to_string(i) + " must have " + std::to_string(c) + " elements");
    ctx.output(0, ctx.type(0), shape);
    BufferRef y = ctx.outBuffer(0);
    if (shapeCount(shape) == 0)
        return;
    GroupNorm g;
    g.mode = InstanceMode;
    g.hasScale = g.hasBias = true;
    g.epsilon = ctx.attrFloat("epsilon", 1e-5f);
    g.kept = { Dim { n, { c * inner, 0, 0 } }, Dim { c, { inner, 1, 1 } } };
    g.reduced = { Dim { inner, { 1, 0, 0 } } };
    BufferRef x = ctx.buffer(0);
    recordGroupNorm(ctx, g, x, ctx.buffer(1), ctx.buffer(2), y, y, y, x, x);
}

// ---- LayerNormalization

void runLayerNorm(KernelContext& ctx)
{
    const auto& shape = ctx.shape(0);
    requireFloat(ctx, 0);
    std::int64_t rank = std::int64_t(shape.size());
    std::int64_t axis = ctx.attrInt("axis", -1);
    if (axis < -rank || axis >= rank)
        ctx.fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
    if (axis < 0)
        axis += rank;
    auto xs = contiguousStrides(shape);
    std::size_t nd = std::size_t(rank - axis);

    GroupNorm g;
    g.mode = LayerMode;
    g.epsilon = ctx.attrFloat("epsilon", 1e-5f);
    g.stats = MeanInvStd;
    g.hasScale = ctx.has(1);
    g.hasBias = ctx.has(2);
    for (std::int64_t d = 0; d < axis; ++d)
        g.kept.push_back(Dim { std::uint64_t(shape[std::size_t(d)]), { xs[std::size_t(d)], 0, 0 } });
    for (std::size_t j = 0; j < nd; ++j) {
        std::size_t d = std::size_t(axis) + j;
        g.reduced.push_back(Dim { std::uint64_t(shape[d]), { xs[d], 0, 0 } });
    }
    // Scale and bias broadcast to the normalized dims (aligned right).
    for (int i : { 1, 2 }) {
        if (!ctx.has(i))
            continue;
        const auto& ps = ctx.shape(i);
        if (ps.size() > nd)
            ctx.fail("input " + std::to_string(i) + " of shape " + shapeText(ps) + " has more dims than the "
                + std::to_string(nd) + " normalized ones");
        auto pstr = contiguousStrides(ps);
        for (std::size_t k = 0; k < ps.size(); ++k) {
            Dim& dim = g.reduced[nd - ps.size() + k];
            if (ps[k] != 1 && std::uint64_t(ps[k]) != dim.size)
                ctx.fail("input " + std::to_string(i) + " of shape " + shapeText(ps) + " does not broadcast to "
                    + shapeText(std::vector<std::int64_t>(shape.begin() + axis, shape.end())));
            dim.stride[std::size_t(i)] = ps[k] == 1 ? 0 : pstr[k];
        }
    }

    ctx.output(0, ctx.type(0), shape);
    BufferRef y = ctx.outBuffer(0);
    std::vector<std::int64_t> statShape(shape.begin(), shape.begin() + axis);
    statShape.resize(shape.size(), 1);
    std::uint64_t groups = shapeCount(statShape);
    BufferRef mean, invStd;
    if (ctx.wanted(1)) {
        ctx.output(1, DataType::Float, statShape);
        mean = ctx.outBuffer(1);
    } else
        mean = ctx.scratch(groups * 4);
    if (ctx.wanted(2)) {
        ctx.output(2, DataType::Float, statShape);
        invStd = ctx.outBuffer(2);
    } else
        invStd = ctx.scratch(groups * 4);
    if (shapeCount(shape) == 0)
        return;
    BufferRef x = ctx.buffer(0);
    recordGroupNorm(ctx, g, x, ctx.has(1) ? ctx.buffer(1) : x, ctx.has(2) ? ctx.buffer(2) : x, y, mean, invStd, x, x);
}

// ---- MeanVarianceNormalization

void runMvn(KernelContext& ctx)
{
    const auto& shape = ctx.shape(0);
    requireFloat(ctx, 0);
    std::int64_t rank = std::int64_t(shape.size());
    std::vector<bool> reduce(shape.size(), false);
    for (std::int64_t a : ctx.attrInts("axes", { 0, 2, 3 })) {
        if (a < -rank || a >= rank)
            ctx.fail("axis " + std::to_string(a) + " is out of range for rank " + std::to_string(rank));
        reduce[std::size_t(a < 0 ? a + rank : a)] = true;
    }
    auto xs = contiguousStrides(shape);
    GroupNorm g;
    g.mode = MvnMode;
    g.epsilon = 1e-9f;
    for (std::size_t d = 0; d < shape.size(); ++d)
        (reduce[d] ? g.reduced : g.kept).push_back(Dim { std::uint64_t(shape[d]), { xs[d], 0, 0 } });
    ctx.output(0, ctx.type(0), shape);
    BufferRef y = ctx.outBuffer(0);
    if (shapeCount(shape) == 0)
        return;
    BufferRef x = ctx.buffer(0);
    recordGroupNorm(ctx, g, x, x, x, y, y, y, x, x);
}

// ---- LRN

std::string checkLrn(const Node& node)
{
    const Attribute* size = node.attribute("size");
    if (!size || size->i <= 0)
        return "the size attribute must be a positive integer";
    return {};
}

void runLrn(KernelContext& ctx)
{
    const auto& shape = ctx.shape(0);
    requireFloat(ctx, 0);
    if (shape.size() < 2)
        ctx.fail("input must be [N, C, ...], got " + shapeText(shape));
    std::uint64_t c = std::uint64_t(shape[1]);
    std::uint64_t inner = 1;
    for (std::size_t d = 2; d < shape.size(); ++d)
        inner *= std::uint64_t(shape[d]);
    std::int64_t size = ctx.attrInt("size", 1);
    double alpha = ctx.attrFloat("alpha", 1e-4f);
    std::uint64_t count = shapeCount(shape);
    ctx.output(0, ctx.type(0), shape);
    BufferRef y = ctx.outBuffer(0);
    if (count == 0)
        return;
    BufferRef x = ctx.buffer(0);
    std::uint64_t unit = inner % 4 == 0 && x.offset % 16 == 0 && y.offset % 16 == 0 ? 4 : 1;
    std::vector<std::uint32_t> params { u32(count / unit), u32(c), u32(inner / unit),
        std::uint32_t((size - 1) / 2), std::uint32_t(size / 2), floatBits(float(alpha / double(size))),
        floatBits(ctx.attrFloat("beta", 0.75f)), floatBits(ctx.attrFloat("bias", 1.0f)) };
    ctx.dispatch1D("lrn", { unit == 4 ? 1u : 0u }, params, { x, y }, (count / unit + 3) / 4);
}

} // namespace

void registerNormKernels(KernelRegistry& registry)
{
    registry.add("BatchNormalization", runBatchNorm, checkBatchNorm);
    registry.add("InstanceNormalization", runInstanceNorm);
    registry.add("LayerNormalization", runLayerNorm);
    registry.add("MeanVarianceNormalization", runMvn);
    registry.add("LRN", runLrn, checkLrn);
}

} // namespace nodus::rt
