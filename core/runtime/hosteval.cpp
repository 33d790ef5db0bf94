// Host evaluation of the shape arithmetic models carry (Shape -> Gather ->
// Concat -> Reshape chains, Constant, Range...): tiny int64 tensors that
// would cost a device round trip each if they ran as kernels.
#include "executor.h"
#include "ir/attribute.h"
#include "ir/node.h"
#include "ir/tensor.h"
#include "runtimeerror.h"
#include "shapeutil.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace nodus::rt {

namespace {

const std::set<std::string, std::less<>> kHostOps = { "Constant", "Shape", "Size", "Identity", "Reshape", "Flatten",
    "Squeeze", "Unsqueeze", "Concat", "Gather", "Slice", "Cast", "CastLike", "Add", "Sub", "Mul", "Div", "Neg", "Abs",
    "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Where", "Range",
    "ConstantOfShape", "Expand", "Min", "Max", "ReduceProd", "Sqrt", "Floor", "Ceil" };

const Attribute* findAttr(const Node& node, std::string_view name)
{
    return node.attribute(name);
}

std::int64_t attrInt(const Node& node, std::string_view name, std::int64_t fallback)
{
    const Attribute* a = findAttr(node, name);
    return a ? a->i : fallback;
}

std::vector<std::int64_t> attrInts(const Node& node, std::string_view name)
{
    const Attribute* a = findAttr(node, name);
    return a ? a->ints : std::vector<std::int64_t> {};
}

const HostTensor& need(const std::vector<const HostTensor*>& in, std::size_t i)
{
    if (i >= in.size() || !in[i])
        throw RuntimeError("input " + std::to_string(i) + " is missing");
    return *in[i];
}

bool isFloatType(DataType t)
{
    return repOf(t) == Rep::F32;
}

// Element-wise over broadcast inputs; `f` gets doubles or int64s.
template <class F>
HostTensor broadcastApply(const std::vector<const HostTensor*>& ins, DataType outType, F f)
{
    std::vector<std::int64_t> shape;
    for (auto* t : ins)
        shape = broadcastShapes(shape, t->shape);
    std::vector<std::vector<std::int64_t>> strides;
    for (auto* t : ins)
        strides.push_back(broadcastStrides(t->shape, shape.size()));
    std::uint64_t n = shapeCount(shape);
    auto outStrides = contiguousStrides(shape);
    std::vector<double> out(n);
    std::vector<std::int64_t> outInts(n);
    bool floatOut = isFloatType(outType);
    for (std::uint64_t i = 0; i < n; ++i) {
        std::vector<std::uint64_t> idx(ins.size(), 0);
        std::uint64_t rem = i;
        for (std::size_t d = 0; d < shape.size(); ++d) {
            std::uint64_t c = rem / std::uint64_t(outStrides[d]);
            rem %= std::uint64_t(outStrides[d]);
            for (std::size_t k = 0; k < ins.size(); ++k)
                idx[k] += c * std::uint64_t(strides[k][d]);
        }
        if (floatOut)
            out[i] = f(idx);
        else
            outInts[i] = std::int64_t(f(idx));
    }
    return floatOut ? HostTensor::fromDoubles(outType, shape, out) : HostTensor::fromInts(outType, shape, outInts);
}

HostTensor binary(const Node& node, const HostTensor& a, const HostTensor& b)
{
    const std::string& op = node.opType;
    bool cmp = op == "Equal" || op == "Less" || op == "Greater" || op == "LessOrEqual" || op == "GreaterOrEqual"
        || op == "And" || op == "Or";
    DataType outType = cmp ? DataType::Bool : a.type;
    bool fl = isFloatType(a.type);
    return broadcastApply({ &a, &b }, outType, [&](const std::vector<std::uint64_t>& i) -> double {
        if (fl) {
            double x = a.doubleAt(i[0]), y = b.doubleAt(i[1]);
            if (op == "Add") return x + y;
            if (op == "Sub") return x - y;
            if (op == "Mul") return x * y;
            if (op == "Div") return x / y;
            if (op == "Min") return std::fmin(x, y);
            if (op == "Max") return std::fmax(x, y);
            if (op == "Equal") return x == y;
            if (op == "Less") return x < y;
            if (op == "Greater") return x > y;
            if (op == "LessOrEqual") return x <= y;
            if (op == "GreaterOrEqual") return x >= y;
        }
        std::int64_t x = a.intAt(i[0]), y = b.intAt(i[1]);
        if (a.type == DataType::UInt64) {
            // intAt gives uint64 bits as int64: order them as unsigned.
            auto ux = std::uint64_t(x), uy = std::uint64_t(y);
            if (op == "Less") return ux < uy;
            if (op == "Greater") return ux > uy;
            if (op == "LessOrEqual") return ux <= uy;
            if (op == "GreaterOrEqual") return ux >= uy;
        }
        if (op == "Add") return double(x + y);
        if (op == "Sub") return double(x - y);
        if (op == "Mul") return double(x * y);
        if (op == "Div") {
            if (y == 0)
                throw RuntimeError("integer division by zero");
            return double(x / y);
        }
        if (op == "Min") return double(std::min(x, y));
        if (op == "Max") return double(std::max(x, y));
        if (op == "Equal") return x == y;
        if (op == "Less") return x < y;
        if (op == "Greater") return x > y;
        if (op == "LessOrEqual") return x <= y;
        if (op == "GreaterOrEqual") return x >= y;
        if (op == "And") return x && y;
        if (op == "Or") return x || y;
        throw RuntimeError("no host evaluation for " + op);
    });
}

// Integer results of binary ops can exceed a double's 53 bits; exact path.
HostTensor binaryInt(const Node& node, const HostTensor& a, const HostTensor& b)
{
    const std::string& op = node.opType;
    auto shape = broadcastShapes(a.shape, b.shape);
    auto sa = broadcastStrides(a.shape, shape.size()), sb = broadcastStrides(b.shape, shape.size());
    auto so = contiguousStrides(shape);
    std::uint64_t n = shapeCount(shape);
    std::vector<std::int64_t> out(n);
    for (std::uint64_t i = 0; i < n; ++i) {
        std::uint64_t ia = 0, ib = 0, rem = i;
        for (std::size_t d = 0; d < shape.size(); ++d) {
            std::uint64_t c = rem / std::uint64_t(so[d]);
            rem %= std::uint64_t(so[d]);
            ia += c * std::uint64_t(sa[d]);
            ib += c * std::uint64_t(sb[d]);
        }
        std::int64_t x = a.intAt(ia), y = b.intAt(ib);
        if (a.type == DataType::UInt64 && (op == "Div" || op == "Min" || op == "Max")) {
            // intAt gives uint64 bits as int64: divide and order them as unsigned.
            auto ux = std::uint64_t(x), uy = std::uint64_t(y);
            if (op == "Div" && uy == 0)
                throw RuntimeError("integer division by zero");
            out[i] = std::int64_t(op == "Div" ? ux / uy : op == "Min" ? std::min(ux, uy) : std::max(ux, uy));
            continue;
        }
        if (op == "Add") out[i] = std::int64_t(std::uint64_t(x) + std::uint64_t(y));
        else if (op == "Sub") out[i] = std::int64_t(std::uint64_t(x) - std::uint64_t(y));
        else if (op == "Mul") out[i] = std::int64_t(std::uint64_t(x) * std::uint64_t(y));
        else if (op == "Div") {
            if (y == 0)
                throw RuntimeError("integer division by zero");
            out[i] = x / y;
        } else if (op == "Min") out[i] = std::min(x, y);
        else out[i] = std::max(x, y);
    }
    return HostTensor::fromInts(a.type, shape, out);
}

HostTensor constantValue(const Node& node)
{
    for (auto& a : node.attributes) {
        if (a.name == "value" && !a.tensors.empty())
            return toHost(*a.tensors.front());
        if (a.name == "value_float")
            return HostTensor::fromDoubles(DataType::Float, {}, std::vector<double> { a.f });
        if (a.name == "value_floats")
            return HostTensor::fromDoubles(DataType::Float, { std::int64_t(a.floats.size()) }, a.floats);
        if (a.name == "value_int")
            return HostTensor::fromInts(DataType::Int64, {}, std::vector<std::int64_t> { a.i });
        if (a.name == "value_ints")
            return HostTensor::fromInts(DataType::Int64, { std::int64_t(a.ints.size()) }, a.ints);
    }
    throw RuntimeError("Constant without a numeric value (sparse and string constants are not supported)");
}

HostTensor gather(const Node& node, const HostTensor& data, const HostTensor& indices)
{
    auto axis = normalizeAxis(attrInt(node, "axis", 0), data.shape.size());
    std::vector<std::int64_t> shape(data.shape.begin(), data.shape.begin() + axis);
    shape.insert(shape.end(), indices.shape.begin(), indices.shape.end());
    shape.insert(shape.end(), data.shape.begin() + axis + 1, data.shape.end());
    std::int64_t outer = 1, inner = 1, dim = data.shape[axis];
    for (std::int64_t d = 0; d < axis; ++d)
        outer *= data.shape[d];
    for (std::size_t d = axis + 1; d < data.shape.size(); ++d)
        inner *= data.shape[d];
    auto idx = indices.ints();
    HostTensor out = HostTensor::zeros(data.type, shape);
    std::size_t w = repBytes(data.type);
    std::size_t pos = 0;
    for (std::int64_t o = 0; o < outer; ++o)
        for (auto k : idx) {
            if (k < -dim || k >= dim)
                throw RuntimeError("Gather index " + std::to_string(k) + " out of range for dimension " + std::to_string(dim));
            if (k < 0)
                k += dim;
            std::copy_n(data.data.data() + ((o * dim + k) * inner) * w, inner * w, out.data.data() + pos);
            pos += inner * w;
        }
    return out;
}

HostTensor slice(const Node& node, const std::vector<const HostTensor*>& in, int opset)
{
    const HostTensor& data = need(in, 0);
    std::vector<std::int64_t> starts, ends, axes, steps;
    if (opset < 10) {
        starts = attrInts(node, "starts");
        ends = attrInts(node, "ends");
        axes = attrInts(node, "axes");
    } else {
        starts = need(in, 1).ints();
        ends = need(in, 2).ints();
        if (in.size() > 3 && in[3])
            axes = in[3]->ints();
        if (in.size() > 4 && in[4])
            steps = in[4]->ints();
    }
    auto r = sliceRange(data.shape, starts, ends, axes, steps);
    HostTensor out = HostTensor::zeros(data.type, r.shape);
    auto inStrides = contiguousStrides(data.shape);
    auto outStrides = contiguousStrides(r.shape);
    std::size_t w = repBytes(data.type);
    std::uint64_t n = out.count();
    for (std::uint64_t i = 0; i < n; ++i) {
        std::int64_t src = 0;
        std::uint64_t rem = i;
        for (std::size_t d = 0; d < r.shape.size(); ++d) {
            std::int64_t c = std::int64_t(rem / std::uint64_t(outStrides[d]));
            rem %= std::uint64_t(outStrides[d]);
            src += (r.start[d] + c * r.step[d]) * inStrides[d];
        }
        std::copy_n(data.data.data() + src * w, w, out.data.data() + i * w);
    }
    return out;
}

HostTensor cast(const HostTensor& in, DataType to)
{
    if (to == DataType::Bool) {
        auto v = in.doubles();
        for (auto& x : v)
            x = x != 0;
        return HostTensor::fromDoubles(to, in.shape, v);
    }
    if (isFloatType(in.type) && !isFloatType(to)) {
        auto v = in.doubles();
        for (auto& x : v)
            x = std::isfinite(x) ? std::trunc(x) : 0;
        return HostTensor::fromDoubles(to, in.shape, v);
    }
    if (isFloatType(to))
        return HostTensor::fromDoubles(to, in.shape, in.doubles());
    return HostTensor::fromInts(to, in.shape, in.ints());
}

} // namespace

bool shapeOnlyOp(const Node& node)
{
    return node.domain.empty() && (node.opType == "Shape" || node.opType == "Size");
}

bool hostEvaluable(const Node& node, int)
{
    if (!(node.domain.empty() || node.domain == "ai.onnx") || !kHostOps.count(node.opType))
        return false;
    if (node.opType == "Constant") {
        for (auto& a : node.attributes)
            if (a.name == "sparse_value" || a.name == "value_string" || a.name == "value_strings")
                return false;
        for (auto& a : node.attributes)
            if (a.name == "value" && !a.tensors.empty() && !hasRep(a.tensors.front()->dataType))
                return false;
    }
    return true;
}

std::vector<HostTensor> hostEvaluate(const Node& node, std::vector<const HostTensor*> in, int opset)
{
    const std::string& op = node.opType;
    if (op == "Constant")
        return { constantValue(node) };
    if (op == "Shape") {
        auto& s = need(in, 0).shape;
        std::int64_t r = std::int64_t(s.size());
        std::int64_t start = attrInt(node, "start", 0), end = attrInt(node, "end", r);
        if (start < 0) start += r;
        if (end < 0) end += r;
        start = std::clamp<std::int64_t>(start, 0, r);
        end = std::clamp<std::int64_t>(end, 0, r);
        std::vector<std::int64_t> dims(s.begin() + start, s.begin() + std::max(start, end));
        return { HostTensor::fromInts(DataType::Int64, { std::int64_t(dims.size()) }, dims) };
    }
    if (op == "Size") {
        std::vector<std::int64_t> n { std::int64_t(shapeCount(need(in, 0).shape)) };
        return { HostTensor::fromInts(DataType::Int64, {}, n) };
    }
    if (op == "Identity")
        return { need(in, 0) };
    if (op == "Reshape") {
        HostTensor t = need(in, 0);
        std::vector<std::int64_t> target = opset < 5 ? attrInts(node, "shape") : need(in, 1).ints();
        t.shape = reshapeTarget(t.shape, target, attrInt(node, "allowzero", 0) != 0);
        return { t };
    }
    if (op == "Flatten") {
        HostTensor t = need(in, 0);
        auto axis = attrInt(node, "axis", 1);
        if (axis < 0)
            axis += std::int64_t(t.shape.size());
        if (axis < 0 || axis > std::int64_t(t.shape.size()))
            throw RuntimeError("Flatten axis out of range");
        std::int64_t a = 1, b = 1;
        for (std::int64_t d = 0; d < std::int64_t(t.shape.size()); ++d)
            (d < axis ? a : b) *= t.shape[d];
        t.shape = { a, b };
        return { t };
    }
    if (op == "Squeeze" || op == "Unsqueeze") {
        HostTensor t = need(in, 0);
        std::vector<std::int64_t> axes = opset < 13 ? attrInts(node, "axes") : (in.size() > 1 && in[1] ? in[1]->ints() : std::vector<std::int64_t> {});
        t.shape = op == "Squeeze" ? squeezeShape(t.shape, axes) : unsqueezeShape(t.shape, axes);
        return { t };
    }
    if (op == "Concat") {
        std::vector<const HostTensor*> parts;
        for (auto* t : in)
            if (t)
                parts.push_back(t);
        if (parts.empty())
            throw RuntimeError("Concat without inputs");
        auto axis = normalizeAxis(attrInt(node, "axis", 0), parts[0]->shape.size());
        std::vector<std::int64_t> shape = parts[0]->shape;
        shape[axis] = 0;
        for (auto* t : parts) {
            if (t->shape.size() != shape.size())
                throw RuntimeError("Concat inputs differ in rank");
            shape[axis] += t->shape[axis];
        }
        HostTensor out = HostTensor::zeros(parts[0]->type, shape);
        std::int64_t outer = 1;
        for (std::int64_t d = 0; d < axis; ++d)
            outer *= shape[d];
        std::size_t w = repBytes(out.type);
        std::size_t pos = 0;
        for (std::int64_t o = 0; o < outer; ++o)
            for (auto* t : parts) {
                std::size_t chunk = std::size_t(t->count() / std::max<std::int64_t>(outer, 1)) * w;
                if (outer > 0)
                    std::copy_n(t->data.data() + o * chunk, chunk, out.data.data() + pos);
                pos += chunk;
            }
        return { out };
    }
    if (op == "Gather")
        return { gather(node, need(in, 0), need(in, 1)) };
    if (op == "Slice")
        return { slice(node, in, opset) };
    if (op == "Cast")
        return { cast(need(in, 0), DataType(attrInt(node, "to", 1))) };
    if (op == "CastLike")
        return { cast(need(in, 0), need(in, 1).type) };
    if (op == "Neg" || op == "Abs" || op == "Not" || op == "Sqrt" || op == "Floor" || op == "Ceil") {
        const HostTensor& a = need(in, 0);
        if (isFloatType(a.type)) {
            auto v = a.doubles();
            for (auto& x : v)
                x = op == "Neg" ? -x : op == "Abs" ? std::fabs(x) : op == "Sqrt" ? std::sqrt(x) : op == "Floor" ? std::floor(x) : op == "Ceil" ? std::ceil(x) : double(x == 0);
            return { HostTensor::fromDoubles(a.type, a.shape, v) };
        }
        auto v = a.ints();
        for (auto& x : v)
            x = op == "Neg" ? -x : op == "Abs" ? (x < 0 && a.type != DataType::UInt64 ? -x : x) : op == "Not" ? std::int64_t(x == 0) : x;
        if (op == "Sqrt")
            throw RuntimeError("Sqrt of an integer tensor");
        return { HostTensor::fromInts(a.type, a.shape, v) };
    }
    if (op == "Min" || op == "Max" || op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Equal"
        || op == "Less" || op == "Greater" || op == "LessOrEqual" || op == "GreaterOrEqual" || op == "And"
        || op == "Or") {
        std::vector<const HostTensor*> present;
        for (auto* t : in)
            if (t)
                present.push_back(t);
        if (present.empty())
            throw RuntimeError("no inputs");
        HostTensor acc = *present[0];
        bool intArith = !isFloatType(acc.type)
            && (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Min" || op == "Max");
        if (present.size() == 1 && (op == "Min" || op == "Max"))
            return { acc };
        for (std::size_t i = 1; i < present.size(); ++i)
            acc = intArith ? binaryInt(node, acc, *present[i]) : binary(node, acc, *present[i]);
        return { acc };
    }
    if (op == "Where") {
        const HostTensor &c = need(in, 0), &x = need(in, 1), &y = need(in, 2);
        if (isFloatType(x.type))
            return { broadcastApply({ &c, &x, &y }, x.type, [&](const std::vector<std::uint64_t>& i) {
                return c.intAt(i[0]) ? x.doubleAt(i[1]) : y.doubleAt(i[2]);
            }) };
        auto shape = broadcastShapes(broadcastShapes(c.shape, x.shape), y.shape);
        auto sc = broadcastStrides(c.shape, shape.size()), sx = broadcastStrides(x.shape, shape.size()),
             sy = broadcastStrides(y.shape, shape.size());
        auto so = contiguousStrides(shape);
        std::vector<std::int64_t> out(shapeCount(shape));
        for (std::uint64_t i = 0; i < out.size(); ++i) {
            std::uint64_t ic = 0, ix = 0, iy = 0, rem = i;
            for (std::size_t d = 0; d < shape.size(); ++d) {
                std::uint64_t k = rem / std::uint64_t(so[d]);
                rem %= std::uint64_t(so[d]);
                ic += k * std::uint64_t(sc[d]);
                ix += k * std::uint64_t(sx[d]);
                iy += k * std::uint64_t(sy[d]);
            }
            out[i] = c.intAt(ic) ? x.intAt(ix) : y.intAt(iy);
        }
        return { HostTensor::fromInts(x.type, shape, out) };
    }
    if (op == "Range") {
        const HostTensor &s = need(in, 0), &l = need(in, 1), &d = need(in, 2);
        if (isFloatType(s.type)) {
            double start = s.doubleAt(0), limit = l.doubleAt(0), delta = d.doubleAt(0);
            if (delta == 0)
                throw RuntimeError("Range delta 0");
            auto n = std::int64_t(std::max(std::ceil((limit - start) / delta), 0.0));
            std::vector<double> v(n);
            for (std::int64_t i = 0; i < n; ++i)
                v[i] = start + double(i) * delta;
            return { HostTensor::fromDoubles(s.type, { n }, v) };
        }
        std::int64_t start = s.intAt(0), limit = l.intAt(0), delta = d.intAt(0);
        if (delta == 0)
            throw RuntimeError("Range delta 0");
        std::int64_t n = std::max<std::int64_t>(
            delta > 0 ? (limit - start + delta - 1) / delta : (start - limit + (-delta) - 1) / (-delta), 0);
        if (n > (std::int64_t(1) << 31))
            throw RuntimeError("Range of " + std::to_string(n) + " elements is too large");
        std::vector<std::int64_t> v(n);
        for (std::int64_t i = 0; i < n; ++i)
            v[i] = start + i * delta;
        return { HostTensor::fromInts(s.type, { n }, v) };
    }
    if (op == "ConstantOfShape") {
        auto shape = need(in, 0).ints();
        HostTensor value = HostTensor::fromDoubles(DataType::Float, {}, std::vector<double> { 0.0 });
        if (const Attribute* a = findAttr(node, "value"); a && !a->tensors.empty())
            value = toHost(*a->tensors.front());
        if (value.count() != 1)
            throw RuntimeError("ConstantOfShape value must hold one element");
        HostTensor out = HostTensor::zeros(value.type, shape);
        std::size_t w = repBytes(value.type);
        for (std::uint64_t i = 0; i < out.count(); ++i)
            std::copy_n(value.data.data(), w, out.data.data() + i * w);
        return { out };
    }
    if (op == "Expand") {
        const HostTensor& a = need(in, 0);
        auto target = need(in, 1).ints();
        auto shape = broadcastShapes(a.shape, target);
        auto sa = broadcastStrides(a.shape, shape.size());
        auto so = contiguousStrides(shape);
        HostTensor out = HostTensor::zeros(a.type, shape);
        std::size_t w = repBytes(a.type);
        for (std::uint64_t i = 0; i < out.count(); ++i) {
            std::uint64_t src = 0, rem = i;
            for (std::size_t d = 0; d < shape.size(); ++d) {
                src += rem / std::uint64_t(so[d]) * std::uint64_t(sa[d]);
                rem %= std::uint64_t(so[d]);
            }
            std::copy_n(a.data.data() + src * w, w, out.data.data() + i * w);
        }
        return { out };
    }
    if (op == "ReduceProd") {
        const HostTensor& a = need(in, 0);
        auto axesAttr = attrInts(node, "axes");
        if (in.size() > 1 && in[1])
            axesAttr = in[1]->ints();
        bool keep = attrInt(node, "keepdims", 1) != 0;
        std::vector<bool> reduce(a.shape.size(), axesAttr.empty());
        for (auto ax : axesAttr)
            reduce[normalizeAxis(ax, a.shape.size())] = true;
        std::vector<std::int64_t> shape;
        for (std::size_t d = 0; d < a.shape.size(); ++d)
            if (!reduce[d])
                shape.push_back(a.shape[d]);
            else if (keep)
                shape.push_back(1);
        std::vector<std::int64_t> kept;
        for (std::size_t d = 0; d < a.shape.size(); ++d)
            kept.push_back(reduce[d] ? 1 : a.shape[d]);
        auto sk = broadcastStrides(kept, kept.size());
        auto so = contiguousStrides(a.shape);
        std::vector<double> out(shapeCount(kept), 1.0);
        for (std::uint64_t i = 0; i < a.count(); ++i) {
            std::uint64_t dst = 0, rem = i;
            for (std::size_t d = 0; d < a.shape.size(); ++d) {
                dst += rem / std::uint64_t(so[d]) * std::uint64_t(sk[d]);
                rem %= std::uint64_t(so[d]);
            }
            out[dst] *= a.doubleAt(i);
        }
        return { HostTensor::fromDoubles(a.type, shape, out) };
    }
    throw RuntimeError("no host evaluation for " + op);
}

} // namespace nodus::rt
