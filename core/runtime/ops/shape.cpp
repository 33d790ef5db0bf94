// Shape and data-movement kernels: views (Reshape, Flatten, Squeeze,
// Unsqueeze, Identity, Dropout) alias their input; Transpose, Slice,
// Concat, Split, Expand, Tile and Pad are strided copies (copy.comp).
#include "ir/node.h"
#include "runtime/kernel.h"
#include "runtime/runtimeerror.h"
#include "runtime/shapeutil.h"

#include <algorithm>
#include <cstring>

namespace nodus::rt {

namespace {

// A strided copy over an iteration space of up to 8 dims.
struct Copy {
    std::vector<std::int64_t> dims;
    std::vector<std::int64_t> inMod;    // coordinate modulo (Tile); 0 = none
    std::vector<std::int64_t> inStride; // may be negative or 0
    std::vector<std::int64_t> outStride;
    std::int64_t inBase = 0;
    std::int64_t outBase = 0;
};

// Drops size-1 dims and merges neighbours that are contiguous on both
// sides: each dim left costs the shader an integer division per element,
// which a CPU device (lavapipe) cannot vectorize.
Copy coalesce(const Copy& in)
{
    Copy c;
    c.inBase = in.inBase;
    c.outBase = in.outBase;
    for (std::size_t d = 0; d < in.dims.size(); ++d) {
        std::int64_t mod = in.inMod.empty() ? 0 : in.inMod[d];
        if (in.dims[d] == 1)
            continue;
        if (!c.dims.empty()) {
            std::size_t k = c.dims.size() - 1;
            std::int64_t prevMod = c.inMod[k];
            bool noMod = (mod == 0 || mod >= in.dims[d]) && (prevMod == 0 || prevMod >= c.dims[k]);
            if (noMod && c.inStride[k] == in.inStride[d] * in.dims[d] && c.outStride[k] == in.outStride[d] * in.dims[d]) {
                c.dims[k] *= in.dims[d];
                c.inStride[k] = in.inStride[d];
                c.outStride[k] = in.outStride[d];
                c.inMod[k] = 0;
                continue;
            }
        }
        c.dims.push_back(in.dims[d]);
        c.inMod.push_back(mod >= in.dims[d] ? 0 : mod);
        c.inStride.push_back(in.inStride[d]);
        c.outStride.push_back(in.outStride[d]);
    }
    if (c.dims.empty()) {
        c.dims = { 1 };
        c.inMod = { 0 };
        c.inStride = { 0 };
        c.outStride = { 0 };
    }
    return c;
}

void recordCopy(KernelContext& ctx, const Copy& original, BufferRef in, BufferRef out, DataType type)
{
    if (shapeCount(original.dims) == 0)
        return;
    Copy c = coalesce(original);
    std::uint64_t n = shapeCount(c.dims);
    if (n == 0)
        return;
    if (c.dims.size() > 8)
        ctx.fail("more than 8 dimensions are not supported");
    if (n > 0xFFFFFFFFull)
        ctx.fail("tensor too large for one copy");
    std::size_t w = repBytes(type);
    if (c.dims.size() == 1 && c.inStride[0] == 1 && c.outStride[0] == 1 && c.inMod[0] == 0) {
        ctx.recorder().copy(*in.buffer, in.offset + VkDeviceSize(c.inBase) * w, *out.buffer,
            out.offset + VkDeviceSize(c.outBase) * w, VkDeviceSize(n) * w);
        return;
    }
    bool tile = false;
    for (auto m : c.inMod)
        tile = tile || m != 0;
    std::vector<std::uint32_t> p(36, 0);
    p[0] = std::uint32_t(n);
    p[1] = std::uint32_t(c.dims.size());
    p[2] = std::uint32_t(c.inBase);
    p[3] = std::uint32_t(c.outBase);
    for (std::size_t d = 0; d < c.dims.size(); ++d) {
        p[4 + d] = std::uint32_t(c.dims[d]);
        p[12 + d] = std::uint32_t(c.inMod.empty() || c.inMod[d] == 0 ? 0xFFFFFFFFu : std::uint32_t(c.inMod[d]));
        p[20 + d] = std::uint32_t(std::int32_t(c.inStride[d]));
        p[28 + d] = std::uint32_t(c.outStride[d]);
    }
    ctx.dispatch1D(repOf(type) == Rep::I64 ? "copy_i64" : "copy_i32", { tile ? 1u : 0u }, p, { in, out }, n);
}

void identityKernel(KernelContext& ctx)
{
    const RtValue& in = ctx.input(0);
    if (in.kind != RtValue::Kind::Tensor) {
        ctx.setValue(0, in);
        return;
    }
    ctx.alias(0, 0, in.shape);
}

void dropoutKernel(KernelContext& ctx)
{
    // Inference: the identity; the mask is all true. training_mode needs
    // random numbers and is refused by the check.
    ctx.alias(0, 0, ctx.shape(0));
    if (ctx.wanted(1)) {
        RtValue& m = ctx.output(1, DataType::Bool, ctx.shape(0));
        std::uint32_t p[] = { std::uint32_t(m.count()), 1 };
        ctx.dispatch1D("fill_i32", {}, p, { ctx.outBuffer(1) }, m.count());
    }
}

void reshapeKernel(KernelContext& ctx)
{
    std::vector<std::int64_t> target = ctx.opset() < 5 ? ctx.attrInts("shape") : ctx.ints(1);
    ctx.alias(0, 0, reshapeTarget(ctx.shape(0), target, ctx.attrInt("allowzero", 0) != 0));
}

void flattenKernel(KernelContext& ctx)
{
    auto& s = ctx.shape(0);
    std::int64_t axis = ctx.attrInt("axis", 1);
    if (axis < 0)
        axis += std::int64_t(s.size());
    if (axis < 0 || axis > std::int64_t(s.size()))
        ctx.fail("axis out of range");
    std::int64_t a = 1, b = 1;
    for (std::int64_t d = 0; d < std::int64_t(s.size()); ++d)
        (d < axis ? a : b) *= s[d];
    ctx.alias(0, 0, { a, b });
}

void squeezeKernel(KernelContext& ctx)
{
    std::vector<std::int64_t> axes = ctx.opset() < 13 ? ctx.attrInts("axes") : (ctx.has(1) ? ctx.ints(1) : std::vector<std::int64_t> {});
    ctx.alias(0, 0, ctx.node().opType == "Squeeze" ? squeezeShape(ctx.shape(0), axes) : unsqueezeShape(ctx.shape(0), axes));
}

void transposeKernel(KernelContext& ctx)
{
    auto& s = ctx.shape(0);
    std::vector<std::int64_t> perm = ctx.attrInts("perm");
    if (perm.empty())
        for (std::size_t d = s.size(); d-- > 0;)
            perm.push_back(std::int64_t(d));
    if (perm.size() != s.size())
        ctx.fail("perm has " + std::to_string(perm.size()) + " entries for rank " + std::to_string(s.size()));
    auto inStrides = contiguousStrides(s);
    Copy c;
    std::vector<bool> used(s.size(), false);
    for (auto pd : perm) {
        if (pd < 0 || pd >= std::int64_t(s.size()) || used[pd])
            ctx.fail("perm is not a permutation");
        used[pd] = true;
        c.dims.push_back(s[pd]);
        c.inStride.push_back(inStrides[pd]);
    }
    c.outStride = contiguousStrides(c.dims);
    ctx.output(0, ctx.type(0), c.dims);
    recordCopy(ctx, c, ctx.buffer(0), ctx.outBuffer(0), ctx.type(0));
}

void sliceKernel(KernelContext& ctx)
{
    std::vector<std::int64_t> starts, ends, axes, steps;
    if (ctx.opset() < 10) {
        starts = ctx.attrInts("starts");
        ends = ctx.attrInts("ends");
        axes = ctx.attrInts("axes");
    } else {
        starts = ctx.ints(1);
        ends = ctx.ints(2);
        if (ctx.has(3))
            axes = ctx.ints(3);
        if (ctx.has(4))
            steps = ctx.ints(4);
    }
    auto& s = ctx.shape(0);
    auto r = sliceRange(s, starts, ends, axes, steps);
    auto inStrides = contiguousStrides(s);
    Copy c;
    c.dims = r.shape;
    for (std::size_t d = 0; d < s.size(); ++d) {
        c.inStride.push_back(inStrides[d] * r.step[d]);
        c.inBase += r.start[d] * inStrides[d];
    }
    c.outStride = contiguousStrides(c.dims);
    ctx.output(0, ctx.type(0), c.dims);
    recordCopy(ctx, c, ctx.buffer(0), ctx.outBuffer(0), ctx.type(0));
}

void concatKernel(KernelContext& ctx)
{
    std::vector<int> parts;
    for (int i = 0; i < ctx.inputCount(); ++i)
        if (ctx.has(i))
            parts.push_back(i);
    if (parts.empty())
        ctx.fail("no inputs");
    auto shape = ctx.shape(parts[0]);
    auto axis = normalizeAxis(ctx.attrInt("axis", 0), shape.size());
    shape[axis] = 0;
    for (int i : parts) {
        auto& si = ctx.shape(i);
        if (si.size() != shape.size())
            ctx.fail("inputs differ in rank");
        for (std::size_t d = 0; d < si.size(); ++d)
            if (std::int64_t(d) != axis && si[d] != shape[d])
                ctx.fail("input shapes " + shapeText(ctx.shape(parts[0])) + " and " + shapeText(si) + " differ off the axis");
        shape[axis] += si[axis];
    }
    ctx.output(0, ctx.type(parts[0]), shape);
    auto outStrides = contiguousStrides(shape);
    std::int64_t offset = 0;
    for (int i : parts) {
        auto& si = ctx.shape(i);
        Copy c;
        c.dims = si;
        c.inStride = contiguousStrides(si);
        c.outStride = outStrides;
        c.outBase = offset * outStrides[axis];
        offset += si[axis];
        if (shapeCount(si) > 0)
            recordCopy(ctx, c, ctx.buffer(i), ctx.outBuffer(0), ctx.type(i));
    }
}

void splitKernel(KernelContext& ctx)
{
    auto& s = ctx.shape(0);
    auto axis = normalizeAxis(ctx.attrInt("axis", 0), s.size());
    int outputs = ctx.outputCount();
    std::vector<std::int64_t> sizes;
    if (ctx.opset() < 13)
        sizes = ctx.attrInts("split");
    else if (ctx.has(1))
        sizes = ctx.ints(1);
    if (sizes.empty()) {
        std::int64_t parts = ctx.opset() >= 18 && ctx.attr("num_outputs") ? ctx.attrInt("num_outputs", outputs) : outputs;
        std::int64_t each = (s[axis] + parts - 1) / parts;
        for (std::int64_t k = 0; k < parts; ++k)
            sizes.push_back(std::max<std::int64_t>(0, std::min(each, s[axis] - k * each)));
    }
    if (std::int64_t(sizes.size()) != outputs)
        ctx.fail(std::to_string(sizes.size()) + " split sizes for " + std::to_string(outputs) + " outputs");
    std::int64_t total = 0;
    for (auto v : sizes)
        total += v;
    if (total != s[axis])
        ctx.fail("split sizes add up to " + std::to_string(total) + ", the axis is " + std::to_string(s[axis]));
    auto inStrides = contiguousStrides(s);
    std::int64_t start = 0;
    for (int k = 0; k < outputs; ++k) {
        auto shape = s;
        shape[axis] = sizes[k];
        if (ctx.wanted(k)) {
            ctx.output(k, ctx.type(0), shape);
            Copy c;
            c.dims = shape;
            c.inStride = inStrides;
            c.inBase = start * inStrides[axis];
            c.outStride = contiguousStrides(shape);
            recordCopy(ctx, c, ctx.buffer(0), ctx.outBuffer(k), ctx.type(0));
        }
        start += sizes[k];
    }
}

void expandKernel(KernelContext& ctx)
{
    auto shape = broadcastShapes(ctx.shape(0), ctx.ints(1));
    Copy c;
    c.dims = shape;
    c.inStride = broadcastStrides(ctx.shape(0), shape.size());
    c.outStride = contiguousStrides(shape);
    ctx.output(0, ctx.type(0), shape);
    recordCopy(ctx, c, ctx.buffer(0), ctx.outBuffer(0), ctx.type(0));
}

void tileKernel(KernelContext& ctx)
{
    auto& s = ctx.shape(0);
    auto repeats = ctx.ints(1);
    if (repeats.size() != s.size())
        ctx.fail("repeats has " + std::to_string(repeats.size()) + " entries for rank " + std::to_string(s.size()));
    Copy c;
    for (std::size_t d = 0; d < s.size(); ++d) {
        if (repeats[d] < 0)
            ctx.fail("negative repeat");
        c.dims.push_back(s[d] * repeats[d]);
    }
    c.inMod = s;
    c.inStride = contiguousStrides(s);
    c.outStride = contiguousStrides(c.dims);
    ctx.output(0, ctx.type(0), c.dims);
    recordCopy(ctx, c, ctx.buffer(0), ctx.outBuffer(0), ctx.type(0));
}

void padKernel(KernelContext& ctx)
{
    auto& s = ctx.shape(0);
    std::size_t rank = s.size();
    std::string mode = ctx.attrString("mode", "constant");
    std::vector<std::int64_t> pads;
    double value = 0;
    bool haveValue = false;
    std::vector<std::int64_t> axes;
    if (ctx.opset() < 11) {
        pads = ctx.attrInts("pads");
        value = ctx.attrFloat("value", 0.0f);
    } else {
        pads = ctx.ints(1);
        if (ctx.has(2) && ctx.count(2) > 0) {
            value = ctx.host(2).doubleAt(0);
            haveValue = true;
        }
        if (ctx.has(3))
            axes = ctx.ints(3);
    }
    std::vector<std::int64_t> full(2 * rank, 0);
    if (axes.empty()) {
        if (pads.size() != 2 * rank)
            ctx.fail("pads has " + std::to_string(pads.size()) + " entries for rank " + std::to_string(rank));
        full = pads;
    } else {
        if (pads.size() != 2 * axes.size())
            ctx.fail("pads and axes differ in length");
        for (std::size_t k = 0; k < axes.size(); ++k) {
            auto a = normalizeAxis(axes[k], rank);
            full[a] = pads[k];
            full[a + rank] = pads[k + axes.size()];
        }
    }
    std::vector<std::int64_t> shape(rank);
    for (std::size_t d = 0; d < rank; ++d) {
        shape[d] = s[d] + full[d] + full[d + rank];
        if (shape[d] < 0)
            ctx.fail("pads remove more than the input holds");
    }
    DataType t = ctx.type(0);
    RtValue& out = ctx.output(0, t, shape);
    std::uint64_t n = out.count();
    if (n == 0)
        return;
    if (mode == "constant") {
        std::uint32_t lo = 0, hi = 0;
        switch (repOf(t)) {
        case Rep::F32: lo = floatBits(float(value)); break;
        case Rep::I32: lo = std::uint32_t(std::int32_t(haveValue ? ctx.host(2).intAt(0) : std::int64_t(value))); break;
        case Rep::I64: {
            std::int64_t v = haveValue ? ctx.host(2).intAt(0) : std::int64_t(value);
            lo = std::uint32_t(v);
            hi = std::uint32_t(std::uint64_t(v) >> 32);
            break;
        }
        }
        std::uint32_t fp[] = { std::uint32_t(n), lo, hi };
        ctx.dispatch1D(repOf(t) == Rep::I64 ? "fill_i64" : "fill_i32", {}, fp, { ctx.outBuffer(0) }, n);
        // The kept part of the input, placed at the leading pads.
        Copy c;
        auto inStrides = contiguousStrides(s);
        auto outStrides = contiguousStrides(shape);
        for (std::size_t d = 0; d < rank; ++d) {
            std::int64_t skipIn = std::max<std::int64_t>(0, -full[d]);
            std::int64_t skipOut = std::max<std::int64_t>(0, full[d]);
            std::int64_t keep = s[d] - skipIn - std::max<std::int64_t>(0, -full[d + rank]);
            c.dims.push_back(std::max<std::int64_t>(keep, 0));
            c.inBase += skipIn * inStrides[d];
            c.outBase += skipOut * outStrides[d];
        }
        c.inStride = inStrides;
        c.outStride = outStrides;
        if (shapeCount(c.dims) > 0)
            recordCopy(ctx, c, ctx.buffer(0), ctx.outBuffer(0), t);
        return;
    }
    std::uint32_t m = mode == "reflect" ? 0 : mode == "edge" ? 1 : mode == "wrap" ? 2 : 99;
    if (m == 99)
        ctx.fail("mode '" + mode + "' is not supported");
    for (std::size_t d = 0; d < rank; ++d)
        if (s[d] == 0 || (m == 0 && s[d] < 2 && (full[d] > 0 || full[d + rank] > 0)))
            ctx.fail("cannot " + mode + "-pad a dimension of size " + std::to_string(s[d]));
    if (rank > 8)
        ctx.fail("more than 8 dimensions are not supported");
    std::vector<std::uint32_t> p(2 + 3 * 8, 0);
    p[0] = std::uint32_t(n);
    p[1] = std::uint32_t(rank);
    for (std::size_t d = 0; d < rank; ++d) {
        p[2 + d] = std::uint32_t(shape[d]);
        p[10 + d] = std::uint32_t(s[d]);
        p[18 + d] = std::uint32_t(std::int32_t(full[d]));
    }
    ctx.dispatch1D(repOf(t) == Rep::I64 ? "pad_i64" : "pad_i32", { m }, p, { ctx.buffer(0), ctx.outBuffer(0) }, n);
}

void constantOfShapeKernel(KernelContext& ctx)
{
    // Only reached when the shape input lives on the device: read it back.
    auto shape = ctx.ints(0);
    DataType t = DataType::Float;
    std::uint32_t lo = 0, hi = 0;
    if (auto* a = ctx.attr("value"); a && !a->tensors.empty()) {
        HostTensor v = toHost(*a->tensors.front());
        t = v.type;
        std::uint64_t bits = 0;
        std::memcpy(&bits, v.data.data(), std::min<std::size_t>(v.data.size(), 8));
        lo = std::uint32_t(bits);
        hi = std::uint32_t(bits >> 32);
    }
    RtValue& out = ctx.output(0, t, shape);
    std::uint32_t p[] = { std::uint32_t(out.count()), lo, hi };
    ctx.dispatch1D(repOf(t) == Rep::I64 ? "fill_i64" : "fill_i32", {}, p, { ctx.outBuffer(0) }, out.count());
}

} // namespace

void registerShapeKernels(KernelRegistry& r)
{
    r.add("Identity", identityKernel);
    r.add("Dropout", dropoutKernel, [](const Node& n) -> std::string {
        if (n.inputs().size() > 2 && n.inputs()[2])
            return "training_mode as an input needs random numbers; only inference is supported";
        return {};
    });
    r.add("Reshape", reshapeKernel);
    r.add("Flatten", flattenKernel);
    r.add("Squeeze", squeezeKernel);
    r.add("Unsqueeze", squeezeKernel);
    r.add("Transpose", transposeKernel);
    r.add("Slice", sliceKernel);
    r.add("Concat", concatKernel);
    r.add("Split", splitKernel);
    r.add("Expand", expandKernel);
    r.add("Tile", tileKernel);
    r.add("Pad", padKernel);
    r.add("ConstantOfShape", constantOfShapeKernel);
}

} // namespace nodus::rt
