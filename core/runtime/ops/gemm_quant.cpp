// Linear quantization: QuantizeLinear, DequantizeLinear,
// DynamicQuantizeLinear. Quantized values live on the device as int32
// (their rep); the kernels saturate to the quantized type's range, so the
// values are exactly those of the narrow type.
#include "runtime/kernel.h"

#include "ir/attribute.h"
#include "ir/node.h"
#include "ir/value.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace nodus::rt {

// The lowest and highest value of a quantized integer type.
std::pair<std::int64_t, std::int64_t> quantRange(KernelContext& ctx, DataType type)
{
    switch (type) {
    case DataType::UInt8:
        return { 0, 255 };
    case DataType::Int8:
        return { -128, 127 };
    case DataType::UInt16:
        return { 0, 65535 };
    case DataType::Int16:
        return { -32768, 32767 };
    case DataType::UInt4:
        return { 0, 15 };
    case DataType::Int4:
        return { -8, 7 };
    default:
        ctx.fail("quantized type " + std::string(dataTypeName(type)) + " is not supported");
    }
}

namespace {

bool isFloat8(DataType t)
{
    return t == DataType::Float8E4M3FN || t == DataType::Float8E4M3FNUZ || t == DataType::Float8E5M2
        || t == DataType::Float8E5M2FNUZ || t == DataType::Float8E8M0 || t == DataType::Float4E2M1;
}


// Params 1..6 of quant_linear.comp / quant_dequant.comp: how element i
// finds its scale (per tensor, per axis, or per block along the axis).
std::vector<std::uint32_t> scaleIndexing(KernelContext& ctx, const std::vector<std::int64_t>& shape, int scaleInput)
{
    const auto& ss = ctx.shape(scaleInput);
    std::uint64_t scales = ctx.count(scaleInput);
    std::int64_t blockSize = ctx.attrInt("block_size", 0);
    std::int64_t rank = std::int64_t(shape.size());
    if (scales == 1 && blockSize == 0 && ss.size() <= 1)
        return { 1, 1, 1, 0, 0, 0 };
    std::int64_t axis = ctx.attrInt("axis", 1);
    if (axis < -rank || axis >= rank)
        ctx.fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
    if (axis < 0)
        axis += rank;
    std::uint64_t inner = 1;
    for (std::int64_t d = axis + 1; d < rank; ++d)
        inner *= std::uint64_t(shape[std::size_t(d)]);
    std::uint64_t len = std::uint64_t(shape[std::size_t(axis)]);
    if (blockSize <= 0) {
        if (ss.size() != 1 || std::uint64_t(ss[0]) != len)
            ctx.fail("a per-axis scale must be 1-D with " + std::to_string(len) + " elements, got " + shapeText(ss));
        return { u32(std::max<std::uint64_t>(inner, 1)), u32(std::max<std::uint64_t>(len, 1)), 1, 0, 1, 0 };
    }
    if (std::int64_t(ss.size()) != rank)
        ctx.fail("a blocked scale must have the input's rank, got " + shapeText(ss));
    std::uint64_t blocks = (len + std::uint64_t(blockSize) - 1) / std::uint64_t(blockSize);
    for (std::int64_t d = 0; d < rank; ++d) {
        std::uint64_t want = d == axis ? blocks : std::uint64_t(shape[std::size_t(d)]);
        if (std::uint64_t(ss[std::size_t(d)]) != want)
            ctx.fail("scale of shape " + shapeText(ss) + " does not match blocks of " + std::to_string(blockSize)
                + " over input " + shapeText(shape));
    }
    return { u32(std::max<std::uint64_t>(inner, 1)), u32(std::max<std::uint64_t>(len, 1)),
        u32(std::uint64_t(blockSize)), u32(blocks * inner), u32(inner), 1 };
}

std::string checkQuantize(const Node& node)
{
    const auto& in = node.inputs();
    if (in.size() > 2 && in[2] && isFloat8(in[2]->type.elementType))
        return "quantizing to float8 is not supported";
    if (const Attribute* a = node.attribute("output_dtype"))
        if (isFloat8(DataType(a->i)))
            return "quantizing to float8 is not supported";
    return {};
}

void runQuantize(KernelContext& ctx)
{
    const auto& shape = ctx.shape(0);
    if (repOf(ctx.type(0)) != Rep::F32)
        ctx.fail("input must be floating point");
    DataType outType = DataType::UInt8;
    if (ctx.has(2))
        outType = ctx.type(2);
    else if (std::int64_t t = ctx.attrInt("output_dtype", 0); t != 0)
        outType = DataType(t);
    auto [lo, hi] = quantRange(ctx, outType);
    std::vector<std::uint32_t> params = { 0 };
    auto idx = scaleIndexing(ctx, shape, 1);
    params.insert(params.end(), idx.begin(), idx.end());
    if (ctx.has(2) && ctx.count(2) != ctx.count(1))
        ctx.fail("y_zero_point must have the shape of y_scale");
    std::uint64_t count = shapeCount(shape);
    params[0] = u32(count);
    params.push_back(std::uint32_t(std::int32_t(lo)));
    params.push_back(std::uint32_t(std::int32_t(hi)));
    params.push_back(ctx.has(2) ? 1 : 0);
    ctx.output(0, outType, shape);
    BufferRef y = ctx.outBuffer(0);
    if (count == 0)
        return;
    BufferRef s = ctx.buffer(1);
    ctx.dispatch1D(
        "quant_linear", {}, params, { ctx.buffer(0), s, ctx.has(2) ? ctx.buffer(2) : s, y }, (count + 7) / 8);
}

void runDequantize(KernelContext& ctx)
{
    const auto& shape = ctx.shape(0);
    Rep rep = repOf(ctx.type(0));
    if (rep == Rep::I64)
        ctx.fail("64-bit quantized inputs are not supported");
    if (ctx.has(2) && ctx.count(2) != ctx.count(1))
        ctx.fail("x_zero_point must have the shape of x_scale");
    std::vector<std::uint32_t> params = { 0 };
    auto idx = scaleIndexing(ctx, shape, 1);
    params.insert(params.end(), idx.begin(), idx.end());
    std::uint64_t count = shapeCount(shape);
    params[0] = u32(count);
    params.push_back(ctx.has(2) ? 1 : 0);
    ctx.output(0, ctx.type(1), shape);
    BufferRef y = ctx.outBuffer(0);
    if (count == 0)
        return;
    BufferRef s = ctx.buffer(1);
    ctx.dispatch1D(KernelContext::shader("quant_dequant", rep), {}, params,
        { ctx.buffer(0), s, ctx.has(2) ? ctx.buffer(2) : s, y }, (count + 7) / 8);
}

void runDynamicQuantize(KernelContext& ctx)
{
    const auto& shape = ctx.shape(0);
    if (repOf(ctx.type(0)) != Rep::F32)
        ctx.fail("input must be floating point");
    std::uint64_t count = shapeCount(shape);
    ctx.output(0, DataType::UInt8, shape);
    BufferRef y = ctx.outBuffer(0);
    BufferRef scale, zp;
    if (ctx.wanted(1)) {
        ctx.output(1, DataType::Float, {});
        scale = ctx.outBuffer(1);
    } else
        scale = ctx.scratch(4);
    if (ctx.wanted(2)) {
        ctx.output(2, DataType::UInt8, {});
        zp = ctx.outBuffer(2);
    } else
        zp = ctx.scratch(4);

    // A few thousand elements per workgroup: enough workgroups to spread
    // over the device, few enough partial pairs for one finishing thread.
    std::uint64_t groups = std::clamp<std::uint64_t>((count + 4095) / 4096, 1, 256);
    std::uint64_t per = std::max<std::uint64_t>((count + groups - 1) / groups, 1);
    BufferRef partial = ctx.scratch(groups * 8);
    BufferRef x = ctx.buffer(0);
    std::vector<std::uint32_t> minmax { u32(count), u32(per) };
    ctx.dispatch("quant_minmax", {}, minmax, { x, partial }, std::uint32_t(groups));
    std::vector<std::uint32_t> finish { std::uint32_t(groups) };
    ctx.dispatch("quant_dynamic", {}, finish, { partial, scale, zp }, 1);
    if (count == 0)
        return;
    std::vector<std::uint32_t> params { u32(count), 1, 1, 1, 0, 0, 0, 0, 255, 1 };
    ctx.dispatch1D("quant_linear", {}, params, { x, scale, zp, y }, (count + 7) / 8);
}

} // namespace

void registerQuantKernels(KernelRegistry& registry)
{
    registry.add("QuantizeLinear", runQuantize, checkQuantize);
    registry.add("DequantizeLinear", runDequantize);
    registry.add("DynamicQuantizeLinear", runDynamicQuantize);
}

} // namespace nodus::rt
