#include "shapeutil.h"

#include "hosttensor.h"
#include "runtimeerror.h"

#include <algorithm>
#include <limits>

namespace nodus::rt {

std::vector<std::int64_t> broadcastShapes(std::span<const std::int64_t> a, std::span<const std::int64_t> b)
{
    std::size_t rank = std::max(a.size(), b.size());
    std::vector<std::int64_t> out(rank);
    for (std::size_t i = 0; i < rank; ++i) {
        std::int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
        std::int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
        if (da != db && da != 1 && db != 1)
            throw RuntimeError("shapes " + shapeText(a) + " and " + shapeText(b) + " do not broadcast");
        out[i] = da == 1 ? db : da;
    }
    return out;
}

std::vector<std::int64_t> contiguousStrides(std::span<const std::int64_t> shape)
{
    std::vector<std::int64_t> s(shape.size());
    std::int64_t acc = 1;
    for (std::size_t i = shape.size(); i-- > 0;) {
        s[i] = acc;
        acc *= std::max<std::int64_t>(shape[i], 1);
    }
    return s;
}

std::vector<std::int64_t> broadcastStrides(std::span<const std::int64_t> shape, std::size_t rank)
{
    auto own = contiguousStrides(shape);
    std::vector<std::int64_t> s(rank, 0);
    for (std::size_t i = 0; i < shape.size(); ++i)
        s[rank - shape.size() + i] = shape[i] == 1 ? 0 : own[i];
    return s;
}

std::int64_t normalizeAxis(std::int64_t axis, std::size_t rank, const char* what)
{
    std::int64_t r = std::int64_t(rank);
    if (axis < -r || axis >= r)
        throw RuntimeError(std::string(what) + " " + std::to_string(axis) + " is out of range for rank " + std::to_string(r));
    return axis < 0 ? axis + r : axis;
}

std::vector<std::int64_t> reshapeTarget(
    std::span<const std::int64_t> input, std::span<const std::int64_t> target, bool allowZero)
{
    std::vector<std::int64_t> out(target.begin(), target.end());
    int unknown = -1;
    std::uint64_t known = 1;
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (out[i] == 0 && !allowZero) {
            if (i >= input.size())
                throw RuntimeError("reshape to " + shapeText(target) + ": 0 copies a dimension " + shapeText(input) + " lacks");
            out[i] = input[i];
        }
        if (out[i] == -1) {
            if (unknown >= 0)
                throw RuntimeError("reshape to " + shapeText(target) + ": more than one -1");
            unknown = int(i);
        } else if (out[i] < 0) {
            throw RuntimeError("reshape to " + shapeText(target) + ": negative dimension");
        } else {
            known *= std::uint64_t(out[i]);
        }
    }
    std::uint64_t total = shapeCount(input);
    if (unknown >= 0) {
        if (known == 0 || total % known != 0)
            throw RuntimeError("cannot reshape " + shapeText(input) + " to " + shapeText(target));
        out[unknown] = std::int64_t(total / known);
    }
    if (shapeCount(out) != total)
        throw RuntimeError("cannot reshape " + shapeText(input) + " to " + shapeText(target));
    return out;
}

std::vector<std::int64_t> squeezeShape(std::span<const std::int64_t> input, std::vector<std::int64_t> axes)
{
    std::vector<bool> drop(input.size(), false);
    if (axes.empty()) {
        for (std::size_t i = 0; i < input.size(); ++i)
            drop[i] = input[i] == 1;
    } else {
        for (auto a : axes) {
            auto ax = normalizeAxis(a, input.size());
            if (input[ax] != 1)
                throw RuntimeError("cannot squeeze axis " + std::to_string(a) + " of " + shapeText(input));
            drop[ax] = true;
        }
    }
    std::vector<std::int64_t> out;
    for (std::size_t i = 0; i < input.size(); ++i)
        if (!drop[i])
            out.push_back(input[i]);
    return out;
}

std::vector<std::int64_t> unsqueezeShape(std::span<const std::int64_t> input, std::vector<std::int64_t> axes)
{
    std::size_t rank = input.size() + axes.size();
    std::vector<bool> inserted(rank, false);
    for (auto a : axes) {
        auto ax = normalizeAxis(a, rank);
        if (inserted[ax])
            throw RuntimeError("axis " + std::to_string(a) + " given twice");
        inserted[ax] = true;
    }
    std::vector<std::int64_t> out;
    std::size_t j = 0;
    for (std::size_t i = 0; i < rank; ++i)
        out.push_back(inserted[i] ? 1 : input[j++]);
    return out;
}

SliceRange sliceRange(std::span<const std::int64_t> input, std::span<const std::int64_t> starts,
    std::span<const std::int64_t> ends, std::span<const std::int64_t> axes, std::span<const std::int64_t> steps)
{
    std::size_t rank = input.size();
    SliceRange r;
    r.start.assign(rank, 0);
    r.step.assign(rank, 1);
    r.shape.assign(input.begin(), input.end());
    if (starts.size() != ends.size() || (!axes.empty() && axes.size() != starts.size())
        || (!steps.empty() && steps.size() != starts.size()))
        throw RuntimeError("slice starts, ends, axes and steps differ in length");
    std::vector<bool> seen(rank, false);
    for (std::size_t i = 0; i < starts.size(); ++i) {
        std::int64_t axis = axes.empty() ? std::int64_t(i) : normalizeAxis(axes[i], rank);
        if (seen[axis])
            throw RuntimeError("slice axis " + std::to_string(axis) + " given twice");
        seen[axis] = true;
        std::int64_t step = steps.empty() ? 1 : steps[i];
        if (step == 0)
            throw RuntimeError("slice step 0");
        std::int64_t dim = input[axis];
        std::int64_t s = starts[i], e = ends[i];
        if (s < 0)
            s += dim;
        if (e < 0 && e > std::numeric_limits<std::int64_t>::min() / 2)
            e += dim;
        std::int64_t count;
        if (step > 0) {
            s = std::clamp<std::int64_t>(s, 0, dim);
            e = std::clamp<std::int64_t>(e, 0, dim);
            count = e > s ? (e - s + step - 1) / step : 0;
        } else {
            s = std::clamp<std::int64_t>(s, 0, dim - 1);
            e = std::clamp<std::int64_t>(e, -1, dim - 1);
            count = s > e ? (s - e + (-step) - 1) / (-step) : 0;
        }
        r.start[axis] = count > 0 ? s : 0;
        r.step[axis] = step;
        r.shape[axis] = count;
    }
    return r;
}

} // namespace nodus::rt
