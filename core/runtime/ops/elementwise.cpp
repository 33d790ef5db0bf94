// Element-wise kernels: unary math and activations, binary arithmetic and
// comparisons with numpy broadcasting, Where, Cast, and the variadic
// Sum/Mean/Max/Min.
#include "ir/node.h"
#include "runtime/kernel.h"
#include "runtime/runtimeerror.h"
#include "runtime/shapeutil.h"

#include <cmath>
#include <cstring>
#include <map>

namespace nodus::rt {

void recordCast(KernelContext& ctx, BufferRef in, DataType from, BufferRef out, DataType to, std::uint64_t n);

// Whether a type's device rep (int32 / int64 bits) must order, divide and
// convert as unsigned; shaders take it as their UNSIGNED constant. Shared
// with the reduction kernels.
bool isUnsigned(DataType t)
{
    return t == DataType::UInt8 || t == DataType::UInt16 || t == DataType::UInt32 || t == DataType::UInt64
        || t == DataType::Bool || t == DataType::UInt4;
}

namespace {

struct UnaryOp {
    std::uint32_t code;
    bool floatOnly;
};

const std::map<std::string, UnaryOp, std::less<>> kUnary = {
    { "Abs", { 0, false } },
    { "Neg", { 1, false } },
    { "Sign", { 2, false } },
    { "Exp", { 3, true } },
    { "Log", { 4, true } },
    { "Sqrt", { 5, true } },
    { "Reciprocal", { 6, true } },
    { "Sin", { 7, true } },
    { "Cos", { 8, true } },
    { "Tan", { 9, true } },
    { "Asin", { 10, true } },
    { "Acos", { 11, true } },
    { "Atan", { 12, true } },
    { "Sinh", { 13, true } },
    { "Cosh", { 14, true } },
    { "Asinh", { 15, true } },
    { "Acosh", { 16, true } },
    { "Atanh", { 17, true } },
    { "Erf", { 18, true } },
    { "Floor", { 19, true } },
    { "Ceil", { 20, true } },
    { "Round", { 21, true } },
    { "Relu", { 22, false } },
    { "Sigmoid", { 23, true } },
    { "Tanh", { 24, true } },
    { "Softplus", { 25, true } },
    { "Softsign", { 26, true } },
    { "Elu", { 27, true } },
    { "Selu", { 28, true } },
    { "LeakyRelu", { 29, true } },
    { "HardSigmoid", { 30, true } },
    { "HardSwish", { 31, true } },
    { "ThresholdedRelu", { 32, true } },
    { "Celu", { 33, true } },
    { "Gelu", { 34, true } },
    { "Shrink", { 36, true } },
    { "Mish", { 38, true } },
    { "Not", { 42, false } },
    { "BitwiseNot", { 43, false } },
};

void unaryKernel(KernelContext& ctx)
{
    const std::string& op = ctx.node().opType;
    const UnaryOp& u = kUnary.at(op);
    DataType t = ctx.type(0);
    Rep rep = repOf(t);
    if (u.floatOnly && rep != Rep::F32)
        ctx.fail("needs a floating-point input, got " + std::string(dataTypeName(t)));
    std::uint32_t code = u.code;
    float a = 0, b = 0;
    if (op == "Elu")
        a = ctx.attrFloat("alpha", 1.0f);
    if (op == "Selu") {
        a = ctx.attrFloat("alpha", 1.67326319217681884765625f);
        b = ctx.attrFloat("gamma", 1.05070102214813232421875f);
    }
    if (op == "LeakyRelu")
        a = ctx.attrFloat("alpha", 0.01f);
    if (op == "HardSigmoid") {
        a = ctx.attrFloat("alpha", 0.2f);
        b = ctx.attrFloat("beta", 0.5f);
    }
    if (op == "ThresholdedRelu")
        a = ctx.attrFloat("alpha", 1.0f);
    if (op == "Celu")
        a = ctx.attrFloat("alpha", 1.0f);
    if (op == "Shrink") {
        a = ctx.attrFloat("bias", 0.0f);
        b = ctx.attrFloat("lambd", 0.5f);
    }
    if (op == "Gelu" && ctx.attrString("approximate", "none") == "tanh")
        code = 35;
    RtValue& out = ctx.output(0, t, ctx.shape(0));
    std::uint32_t params[] = { std::uint32_t(out.count()), floatBits(a), floatBits(b) };
    ctx.dispatch1D(KernelContext::shader("unary", rep), { code, std::uint32_t(isUnsigned(t)) }, params,
        { ctx.buffer(0), ctx.outBuffer(0) }, out.count(), 512);
}

std::vector<std::uint32_t> broadcastParams(std::uint64_t count, const std::vector<std::int64_t>& shape,
    std::initializer_list<const std::vector<std::int64_t>*> inputs)
{
    if (shape.size() > 8)
        throw RuntimeError("broadcasting over more than 8 dimensions is not supported");
    std::vector<std::uint32_t> p(10 + 8 * inputs.size(), 0);
    p[0] = std::uint32_t(count);
    p[1] = std::uint32_t(shape.size());
    for (std::size_t d = 0; d < shape.size(); ++d)
        p[2 + d] = std::uint32_t(shape[d]);
    std::size_t k = 0;
    for (auto* in : inputs) {
        auto s = broadcastStrides(*in, shape.size());
        for (std::size_t d = 0; d < shape.size(); ++d)
            p[10 + k * 8 + d] = std::uint32_t(s[d]);
        ++k;
    }
    return p;
}

// Records out = a OP b for two device values; out must be allocated with
// the broadcast shape.
void recordBinary(KernelContext& ctx, std::string_view family, std::uint32_t code, DataType type, BufferRef a,
    const std::vector<std::int64_t>& sa, BufferRef b, const std::vector<std::int64_t>& sb, BufferRef out,
    const std::vector<std::int64_t>& shape)
{
    std::uint64_t n = shapeCount(shape);
    std::uint64_t na = shapeCount(sa), nb = shapeCount(sb);
    std::uint32_t mode = 3;
    if (na == n && nb == n && sa == sb)
        mode = 0;
    else if (na == n && nb == 1 && sa == shape)
        mode = 1;
    else if (nb == n && na == 1 && sb == shape)
        mode = 2;
    auto params = broadcastParams(n, shape, { &sa, &sb });
    ctx.dispatch1D(KernelContext::shader(family, repOf(type)), { code, mode, std::uint32_t(isUnsigned(type)) }, params,
        { a, b, out }, n, family == "binary" ? 512 : 64);
}

const std::map<std::string, std::uint32_t, std::less<>> kBinary = {
    { "Add", 0 },
    { "Sub", 1 },
    { "Mul", 2 },
    { "Div", 3 },
    { "Pow", 4 },
    { "Mod", 5 },
    { "Min", 6 },
    { "Max", 7 },
    { "PRelu", 8 },
    { "BitShift", 9 },
    { "BitwiseAnd", 11 },
    { "BitwiseOr", 12 },
    { "BitwiseXor", 13 },
    { "And", 14 },
    { "Or", 15 },
    { "Xor", 16 },
    { "Sum", 0 },
    { "Mean", 0 },
};

const std::map<std::string, std::uint32_t, std::less<>> kCompare = {
    { "Equal", 0 },
    { "Less", 1 },
    { "Greater", 2 },
    { "LessOrEqual", 3 },
    { "GreaterOrEqual", 4 },
};

void binaryKernel(KernelContext& ctx)
{
    const std::string& op = ctx.node().opType;
    DataType t = ctx.type(0);
    std::uint32_t code = kBinary.at(op);
    if (op == "Mod" && (ctx.attrInt("fmod", 0) != 0 || repOf(t) == Rep::F32))
        code = ctx.attrInt("fmod", 0) != 0 ? 17 : 5;
    if (op == "BitShift")
        code = ctx.attrString("direction") == "RIGHT" ? 10 : 9;
    auto shape = broadcastShapes(ctx.shape(0), ctx.shape(1));
    ctx.output(0, t, shape);
    BufferRef b = ctx.buffer(1);
    RtValue converted;
    if (op == "Pow" && ctx.type(1) != t) {
        // Pow's exponent may have another type: bring it to the base's
        // (a float exponent of an integer base computes in float first).
        if (repOf(t) != Rep::F32 && repOf(ctx.type(1)) == Rep::F32) {
            RtValue base = ctx.makeDevice(DataType::Float, ctx.shape(0));
            RtValue result = ctx.makeDevice(DataType::Float, shape);
            recordCast(ctx, ctx.buffer(0), t, ctx.bufferOf(base), DataType::Float, ctx.count(0));
            recordBinary(ctx, "binary", code, DataType::Float, ctx.bufferOf(base), ctx.shape(0), b, ctx.shape(1),
                ctx.bufferOf(result), shape);
            recordCast(ctx, ctx.bufferOf(result), DataType::Float, ctx.outBuffer(0), t, shapeCount(shape));
            return;
        }
        converted = ctx.makeDevice(t, ctx.shape(1));
        recordCast(ctx, b, ctx.type(1), ctx.bufferOf(converted), t, ctx.count(1));
        b = ctx.bufferOf(converted);
    }
    recordBinary(ctx, "binary", code, t, ctx.buffer(0), ctx.shape(0), b, ctx.shape(1), ctx.outBuffer(0), shape);
}

void compareKernel(KernelContext& ctx)
{
    DataType t = ctx.type(0);
    auto shape = broadcastShapes(ctx.shape(0), ctx.shape(1));
    ctx.output(0, DataType::Bool, shape);
    recordBinary(ctx, "compare", kCompare.at(ctx.node().opType), t, ctx.buffer(0), ctx.shape(0), ctx.buffer(1),
        ctx.shape(1), ctx.outBuffer(0), shape);
}

// Sum, Mean, Max, Min over any number of inputs, folded pairwise.
void variadicKernel(KernelContext& ctx)
{
    const std::string& op = ctx.node().opType;
    std::vector<int> present;
    for (int i = 0; i < ctx.inputCount(); ++i)
        if (ctx.has(i))
            present.push_back(i);
    if (present.empty())
        ctx.fail("needs at least one input");
    DataType t = ctx.type(present[0]);
    std::uint32_t code = kBinary.at(op);
    std::vector<std::int64_t> shape = ctx.shape(present[0]);
    for (int i : present)
        shape = broadcastShapes(shape, ctx.shape(i));
    RtValue acc;
    std::vector<std::int64_t> accShape = ctx.shape(present[0]);
    BufferRef accRef = ctx.buffer(present[0]);
    std::vector<RtValue> temps;
    for (std::size_t k = 1; k < present.size(); ++k) {
        int i = present[k];
        auto s = broadcastShapes(accShape, ctx.shape(i));
        temps.push_back(ctx.makeDevice(t, s));
        BufferRef dst = ctx.bufferOf(temps.back());
        recordBinary(ctx, "binary", code, t, accRef, accShape, ctx.buffer(i), ctx.shape(i), dst, s);
        accRef = dst;
        accShape = s;
    }
    RtValue& out = ctx.output(0, t, shape);
    std::uint64_t n = out.count();
    float scale = op == "Mean" ? 1.0f / float(present.size()) : 1.0f;
    if (accShape != shape) {
        // One input of a smaller shape: broadcast it through Max(x, x).
        recordBinary(
            ctx, "binary", code == 0 ? 7 : code, t, accRef, accShape, accRef, accShape, ctx.outBuffer(0), shape);
        accRef = ctx.outBuffer(0);
    }
    if (op == "Mean" && repOf(t) == Rep::F32) {
        std::uint32_t params[] = { std::uint32_t(n), floatBits(scale), 0 };
        ctx.dispatch1D("unary_f32", { 39, 0 }, params, { accRef, ctx.outBuffer(0) }, n, 512);
    } else if (accRef.buffer != ctx.outBuffer(0).buffer) {
        ctx.recorder().copy(*accRef.buffer, accRef.offset, *ctx.outBuffer(0).buffer, 0, n * repBytes(t));
    }
}

void whereKernel(KernelContext& ctx)
{
    DataType t = ctx.type(1);
    if (ctx.type(2) != t)
        ctx.fail("X and Y differ in type");
    auto shape = broadcastShapes(broadcastShapes(ctx.shape(0), ctx.shape(1)), ctx.shape(2));
    RtValue& out = ctx.output(0, t, shape);
    auto params = broadcastParams(out.count(), shape, { &ctx.shape(0), &ctx.shape(1), &ctx.shape(2) });
    ctx.dispatch1D(repOf(t) == Rep::I64 ? "where_i64" : "where_i32", {}, params,
        { ctx.buffer(0), ctx.buffer(1), ctx.buffer(2), ctx.outBuffer(0) }, out.count());
}

void clipKernel(KernelContext& ctx)
{
    DataType t = ctx.type(0);
    Rep rep = repOf(t);
    bool isUns = isUnsigned(t);
    bool fromInputs = ctx.opset() >= 11;
    double lo, hi;
    if (!fromInputs) {
        lo = ctx.attrFloat("min", -3.402823466e38f);
        hi = ctx.attrFloat("max", 3.402823466e38f);
    } else {
        lo = -INFINITY;
        hi = INFINITY;
    }
    RtValue& out = ctx.output(0, t, ctx.shape(0));
    std::vector<std::uint32_t> params = { std::uint32_t(out.count()), 0, 0, 0, 0 };
    if (rep == Rep::F32) {
        if (fromInputs && ctx.has(1))
            lo = ctx.host(1).doubleAt(0);
        if (fromInputs && ctx.has(2))
            hi = ctx.host(2).doubleAt(0);
        params[1] = floatBits(float(lo));
        params[2] = floatBits(float(hi));
    } else {
        // Integer bounds are the element type's bit patterns, clamped to its
        // range; unsigned ones compare as unsigned in the shader, so values
        // at and above 2^31 (2^63) keep their order.
        double minOf = isUns ? 0.0 : (rep == Rep::I32 ? -2147483648.0 : -9223372036854775808.0);
        double maxOf = isUns ? (rep == Rep::I32 ? 4294967295.0 : 18446744073709551615.0)
                             : (rep == Rep::I32 ? 2147483647.0 : 9223372036854775807.0);
        auto bound = [&](int input, double fallback, bool low) -> std::uint64_t {
            if (fromInputs && ctx.has(input))
                return std::uint64_t(ctx.host(input).intAt(0));
            if (fallback <= minOf)
                return isUns ? 0 : std::uint64_t(rep == Rep::I32 ? INT32_MIN : INT64_MIN);
            if (fallback >= maxOf)
                return isUns ? (rep == Rep::I32 ? UINT32_MAX : UINT64_MAX)
                             : std::uint64_t(rep == Rep::I32 ? INT32_MAX : INT64_MAX);
            double v = low ? std::ceil(fallback) : std::floor(fallback);
            return isUns ? std::uint64_t(v) : std::uint64_t(std::int64_t(v));
        };
        std::uint64_t l = bound(1, lo, true), h = bound(2, hi, false);
        params[1] = std::uint32_t(l);
        params[2] = std::uint32_t(h);
        params[3] = std::uint32_t(l >> 32);
        params[4] = std::uint32_t(h >> 32);
    }
    ctx.dispatch1D(KernelContext::shader("unary", rep), { 37, std::uint32_t(isUns) }, params,
        { ctx.buffer(0), ctx.outBuffer(0) }, out.count(), 512);
}

} // namespace

// Cast between any two types the device holds; shared with CastLike.
void recordCast(KernelContext& ctx, BufferRef in, DataType from, BufferRef out, DataType to, std::uint64_t n)
{
    std::uint32_t src = 0;
    switch (repOf(from)) {
    case Rep::F32:
        src = 0;
        break;
    case Rep::I32:
        src = from == DataType::UInt32 ? 2 : 1;
        break;
    case Rep::I64:
        src = from == DataType::UInt64 ? 4 : 3;
        break;
    }
    std::uint32_t narrow = 0;
    switch (to) {
    case DataType::Float16:
        narrow = 1;
        break;
    case DataType::BFloat16:
        narrow = 2;
        break;
    case DataType::Int8:
        narrow = 3;
        break;
    case DataType::UInt8:
        narrow = 4;
        break;
    case DataType::Int16:
        narrow = 5;
        break;
    case DataType::UInt16:
        narrow = 6;
        break;
    case DataType::Bool:
        narrow = 7;
        break;
    case DataType::UInt64:
        narrow = 9;
        break;
    default:
        break;
    }
    std::uint32_t params[] = { std::uint32_t(n) };
    ctx.dispatch1D(KernelContext::shader("cast", repOf(to)), { src, narrow }, params, { in, out }, n);
}

namespace {

void castKernel(KernelContext& ctx)
{
    DataType to = ctx.node().opType == "CastLike" ? ctx.type(1) : DataType(ctx.attrInt("to", 1));
    if (!hasRep(to))
        ctx.fail("cannot cast to " + std::string(dataTypeName(to)));
    RtValue& out = ctx.output(0, to, ctx.shape(0));
    recordCast(ctx, ctx.buffer(0), ctx.type(0), ctx.outBuffer(0), to, out.count());
}

void isKernel(KernelContext& ctx)
{
    // IsNaN / IsInf through the compare shader: x != x, |x| == inf.
    const std::string& op = ctx.node().opType;
    if (repOf(ctx.type(0)) != Rep::F32) {
        RtValue& out = ctx.output(0, DataType::Bool, ctx.shape(0));
        ctx.recorder().fill(*ctx.outBuffer(0).buffer, 0, 0, std::max<std::uint64_t>(out.count() * 4, 4));
        return;
    }
    RtValue& out = ctx.output(0, DataType::Bool, ctx.shape(0));
    std::uint32_t mode
        = op == "IsNaN" ? 0 : (ctx.attrInt("detect_positive", 1) ? 1 : 0) | (ctx.attrInt("detect_negative", 1) ? 2 : 0);
    std::uint32_t params[] = { std::uint32_t(out.count()), mode };
    ctx.dispatch1D("isnaninf", { op == "IsNaN" ? 0u : 1u }, params, { ctx.buffer(0), ctx.outBuffer(0) }, out.count());
}

} // namespace

void registerElementwiseKernels(KernelRegistry& r)
{
    for (auto& [name, _] : kUnary)
        r.add(name, unaryKernel);
    for (auto& [name, _] : kBinary)
        if (name != "Sum" && name != "Mean" && name != "Min" && name != "Max")
            r.add(name, binaryKernel);
    for (auto& name : { "Sum", "Mean", "Min", "Max" })
        r.add(name, variadicKernel);
    for (auto& [name, _] : kCompare)
        r.add(name, compareKernel);
    r.add("Where", whereKernel);
    r.add("Clip", clipKernel);
    r.add("Cast", castKernel, [](const Node& n) -> std::string {
        if (auto* a = n.attribute("to"); a && !hasRep(DataType(a->i)))
            return "casting to " + std::string(dataTypeName(DataType(a->i))) + " is not supported";
        return {};
    });
    r.add("CastLike", castKernel);
    r.add("IsNaN", isKernel);
    r.add("IsInf", isKernel);
}

} // namespace nodus::rt
