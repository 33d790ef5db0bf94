// Ops whose output size depends on the input values: NonZero, Unique and
// NonMaxSuppression. They read their inputs back and compute on the host
// (their inputs are small in practice, and the size has to reach the host
// anyway before anything downstream can be recorded).
#include "runtime/kernel.h"

#include "ir/attribute.h"
#include "runtime/runtimeerror.h"
#include "runtime/shapeutil.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

namespace nodus::rt {

void registerIndexHostKernels(KernelRegistry& registry);

namespace {

void runNonZero(KernelContext& ctx)
{
    const HostTensor& x = ctx.host(0);
    std::size_t rank = x.shape.size();
    auto strides = contiguousStrides(x.shape);
    std::vector<std::uint64_t> hits;
    std::uint64_t n = x.count();
    for (std::uint64_t i = 0; i < n; ++i) {
        // doubleAt: NaN counts as non-zero, as in numpy.
        if (x.doubleAt(i) != 0)
            hits.push_back(i);
    }
    std::vector<std::int64_t> out(rank * hits.size());
    for (std::size_t h = 0; h < hits.size(); ++h) {
        std::uint64_t rem = hits[h];
        for (std::size_t d = 0; d < rank; ++d) {
            out[d * hits.size() + h] = std::int64_t(rem / std::uint64_t(strides[d]));
            rem %= std::uint64_t(strides[d]);
        }
    }
    ctx.setHost(0, HostTensor::fromInts(DataType::Int64, { std::int64_t(rank), std::int64_t(hits.size()) }, out));
}

// Element order with NaN last and equal to itself, so sorting is total.
template <class T> bool lessValue(T a, T b)
{
    if constexpr (std::is_floating_point_v<T>)
        return a < b || (!std::isnan(a) && std::isnan(b));
    else
        return a < b;
}

template <class T> bool sameValue(T a, T b)
{
    if constexpr (std::is_floating_point_v<T>)
        return a == b || (std::isnan(a) && std::isnan(b));
    else
        return a == b;
}

// Unique over slices along an axis (or over single elements when there is
// no axis): slice i is every element whose axis coordinate is i.
template <class T> void uniqueOf(KernelContext& ctx, const HostTensor& x)
{
    std::vector<std::int64_t> shape = x.shape;
    const Attribute* axisAttr = ctx.attr("axis");
    std::size_t axis = 0;
    if (axisAttr)
        axis = std::size_t(normalizeAxis(axisAttr->i, shape.size()));
    else
        shape = { std::int64_t(x.count()) };
    if (shape.empty())
        ctx.fail("the input must have at least one dimension");
    bool sorted = ctx.attrInt("sorted", 1) != 0;
    std::uint64_t outer = 1, inner = 1;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i < axis)
            outer *= std::uint64_t(shape[i]);
        else if (i > axis)
            inner *= std::uint64_t(shape[i]);
    }
    auto n = std::uint64_t(shape[axis]);
    std::uint64_t len = outer * inner;
    const T* data = x.as<T>();
    auto at = [&](std::uint64_t slice, std::uint64_t e) {
        std::uint64_t o = e / inner;
        return data[(o * n + slice) * inner + (e - o * inner)];
    };
    auto less = [&](std::uint64_t a, std::uint64_t b) {
        for (std::uint64_t e = 0; e < len; ++e) {
            T va = at(a, e), vb = at(b, e);
            if (lessValue(va, vb))
                return true;
            if (lessValue(vb, va))
                return false;
        }
        return false;
    };
    auto same = [&](std::uint64_t a, std::uint64_t b) {
        for (std::uint64_t e = 0; e < len; ++e)
            if (!sameValue(at(a, e), at(b, e)))
                return false;
        return true;
    };
    std::vector<std::uint64_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), less);
    // Groups of equal slices in sorted order; stable sorting puts each
    // group's first occurrence first.
    std::vector<std::uint64_t> firsts, groupOf(n);
    std::vector<std::int64_t> counts;
    for (std::size_t i = 0; i < order.size(); ++i) {
        if (i == 0 || !same(order[i - 1], order[i])) {
            firsts.push_back(order[i]);
            counts.push_back(0);
        }
        groupOf[order[i]] = firsts.size() - 1;
        ++counts.back();
    }
    // Position of each group in the output.
    std::vector<std::size_t> rank(firsts.size());
    std::iota(rank.begin(), rank.end(), 0);
    if (!sorted) {
        std::vector<std::size_t> byFirst(firsts.size());
        std::iota(byFirst.begin(), byFirst.end(), 0);
        std::sort(byFirst.begin(), byFirst.end(), [&](std::size_t a, std::size_t b) { return firsts[a] < firsts[b]; });
        for (std::size_t pos = 0; pos < byFirst.size(); ++pos)
            rank[byFirst[pos]] = pos;
    }
    std::size_t u = firsts.size();
    std::vector<std::int64_t> indices(u), outCounts(u), inverse(n);
    std::vector<std::uint64_t> slices(u);
    for (std::size_t g = 0; g < u; ++g) {
        indices[rank[g]] = std::int64_t(firsts[g]);
        outCounts[rank[g]] = counts[g];
        slices[rank[g]] = firsts[g];
    }
    for (std::uint64_t i = 0; i < n; ++i)
        inverse[i] = std::int64_t(rank[groupOf[i]]);

    HostTensor y;
    y.type = x.type;
    y.shape = shape;
    y.shape[axis] = std::int64_t(u);
    y.data.resize(u * len * sizeof(T));
    T* yd = y.as<T>();
    for (std::size_t k = 0; k < u; ++k)
        for (std::uint64_t e = 0; e < len; ++e) {
            std::uint64_t o = e / inner;
            yd[(o * u + k) * inner + (e - o * inner)] = at(slices[k], e);
        }
    ctx.setHost(0, std::move(y));
    std::vector<std::int64_t> vshape = { std::int64_t(u) };
    if (ctx.outputCount() > 1)
        ctx.setHost(1, HostTensor::fromInts(DataType::Int64, vshape, indices));
    if (ctx.outputCount() > 2)
        ctx.setHost(2, HostTensor::fromInts(DataType::Int64, { std::int64_t(n) }, inverse));
    if (ctx.outputCount() > 3)
        ctx.setHost(3, HostTensor::fromInts(DataType::Int64, vshape, outCounts));
}

void runUnique(KernelContext& ctx)
{
    const HostTensor& x = ctx.host(0);
    switch (x.rep()) {
    case Rep::F32:
        return uniqueOf<float>(ctx, x);
    case Rep::I32:
        return uniqueOf<std::int32_t>(ctx, x);
    case Rep::I64:
        return uniqueOf<std::int64_t>(ctx, x);
    }
}

struct Box {
    float y1, x1, y2, x2;
    float area() const { return (y2 - y1) * (x2 - x1); }
};

// Suppression test as onnxruntime does it: boxes of no area never suppress.
bool overlaps(const Box& a, const Box& b, float threshold)
{
    float aa = a.area(), ba = b.area();
    if (aa <= 0 || ba <= 0)
        return false;
    float iy1 = std::max(a.y1, b.y1), ix1 = std::max(a.x1, b.x1);
    float iy2 = std::min(a.y2, b.y2), ix2 = std::min(a.x2, b.x2);
    float inter = std::max(0.0f, iy2 - iy1) * std::max(0.0f, ix2 - ix1);
    float uni = aa + ba - inter;
    return uni > 0 && inter / uni > threshold;
}

void runNonMaxSuppression(KernelContext& ctx)
{
    const auto& bshape = ctx.shape(0);
    const auto& sshape = ctx.shape(1);
    if (bshape.size() != 3 || bshape[2] != 4 || sshape.size() != 3 || sshape[0] != bshape[0] || sshape[2] != bshape[1])
        ctx.fail("boxes must be [B, N, 4] and scores [B, C, N]");
    std::int64_t maxPerClass = 0;
    if (ctx.has(2) && ctx.count(2) > 0)
        maxPerClass = ctx.ints(2)[0];
    float iouThreshold = 0;
    if (ctx.has(3) && ctx.count(3) > 0)
        iouThreshold = float(ctx.doubles(3)[0]);
    bool hasScoreThreshold = ctx.has(4) && ctx.count(4) > 0;
    float scoreThreshold = hasScoreThreshold ? float(ctx.doubles(4)[0]) : 0;
    bool center = ctx.attrInt("center_point_box", 0) != 0;
    auto boxValues = ctx.doubles(0);
    auto scoreValues = ctx.doubles(1);
    std::int64_t batches = bshape[0], boxes = bshape[1], classes = sshape[1];
    std::vector<Box> all(std::size_t(batches * boxes));
    for (std::size_t i = 0; i < all.size(); ++i) {
        auto v = [&](int k) { return float(boxValues[i * 4 + std::size_t(k)]); };
        if (center) {
            float xc = v(0), yc = v(1), w = v(2), h = v(3);
            all[i] = { yc - h / 2, xc - w / 2, yc + h / 2, xc + w / 2 };
        } else {
            all[i] = { std::min(v(0), v(2)), std::min(v(1), v(3)), std::max(v(0), v(2)), std::max(v(1), v(3)) };
        }
    }
    std::vector<std::int64_t> out;
    std::int64_t selectedCount = 0;
    for (std::int64_t b = 0; b < batches && maxPerClass > 0; ++b) {
        for (std::int64_t c = 0; c < classes; ++c) {
            const double* scores = scoreValues.data() + (b * classes + c) * boxes;
            std::vector<std::int64_t> cand;
            for (std::int64_t i = 0; i < boxes; ++i)
                if (!std::isnan(scores[i]) && (!hasScoreThreshold || float(scores[i]) > scoreThreshold))
                    cand.push_back(i);
            // Highest score first, lower index first among equals.
            std::stable_sort(cand.begin(), cand.end(),
                [&](std::int64_t x, std::int64_t y) { return float(scores[x]) > float(scores[y]); });
            std::vector<std::int64_t> kept;
            for (std::int64_t i : cand) {
                if (std::int64_t(kept.size()) >= maxPerClass)
                    break;
                const Box& box = all[std::size_t(b * boxes + i)];
                bool suppressed = std::any_of(kept.begin(), kept.end(),
                    [&](std::int64_t k) { return overlaps(all[std::size_t(b * boxes + k)], box, iouThreshold); });
                if (!suppressed)
                    kept.push_back(i);
            }
            for (std::int64_t k : kept) {
                out.insert(out.end(), { b, c, k });
                ++selectedCount;
            }
        }
    }
    ctx.setHost(0, HostTensor::fromInts(DataType::Int64, { selectedCount, 3 }, out));
}

} // namespace

void registerIndexHostKernels(KernelRegistry& registry)
{
    registry.add("NonZero", runNonZero);
    registry.add("Unique", runUnique);
    registry.add("NonMaxSuppression", runNonMaxSuppression);
}

} // namespace nodus::rt
