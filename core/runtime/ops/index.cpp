// Indexing ops that stay on the device: Gather, GatherElements, GatherND,
// Scatter/ScatterElements, ScatterND, OneHot, Trilu, EyeLike,
// ReverseSequence and Compress. Ops whose output size depends on the data
// (NonZero, Unique, NonMaxSuppression) are in index_host.cpp.
//
// Pure data movement is type-agnostic: elements move as 32-bit words (two
// for 8-byte reps) and indices are read as their low word, which holds any
// in-range int64 index.
#include "runtime/kernel.h"

#include "ir/attribute.h"
#include "ir/node.h"
#include "runtime/executor.h"
#include "runtime/runtimeerror.h"
#include "runtime/shapeutil.h"
#include "runtime/vulkandevice.h"

#include <algorithm>
#include <limits>

namespace nodus::rt {

void registerIndexHostKernels(KernelRegistry& registry); // index_host.cpp

namespace {

constexpr std::size_t kMaxRank = 8;

// Dims are read as int in the shaders (index wrapping).
std::uint32_t dimParam(KernelContext& ctx, std::int64_t n)
{
    if (n > std::numeric_limits<std::int32_t>::max())
        ctx.fail("a dimension of " + std::to_string(n) + " is too large for the Vulkan runtime");
    return std::uint32_t(n);
}

std::uint32_t words(DataType type)
{
    return std::uint32_t(repBytes(type) / 4);
}

// Words per index element; fails for non-integer index tensors.
std::uint32_t indexWords(KernelContext& ctx, int input)
{
    Rep r = repOf(ctx.type(input));
    if (r == Rep::F32)
        ctx.fail("input " + std::to_string(input) + " must hold integer indices");
    return std::uint32_t(repBytes(r) / 4);
}

std::uint64_t product(const std::vector<std::int64_t>& shape, std::size_t from, std::size_t to)
{
    std::uint64_t n = 1;
    for (std::size_t i = from; i < to && i < shape.size(); ++i)
        n *= std::uint64_t(shape[i]);
    return n;
}

std::int32_t clampToInt(std::int64_t v)
{
    return std::int32_t(std::clamp<std::int64_t>(
        v, std::numeric_limits<std::int32_t>::min() / 2, std::numeric_limits<std::int32_t>::max() / 2));
}

// out[a, m, b] = data[a, indices[m], b] over an [outer, n, inner] view. A
// table larger than one binding may span (an embedding of a large
// vocabulary) is bound in chunks of whole rows when outer is 1, one
// dispatch per chunk, each writing the rows whose index falls in it.
void recordGather(KernelContext& ctx, BufferRef data, std::uint32_t w, BufferRef indices, std::uint32_t iw,
    std::uint64_t outer, std::int64_t n, std::uint64_t inner, std::uint64_t m, BufferRef out)
{
    std::uint64_t count = outer * m * inner;
    if (count == 0)
        return;
    std::uint32_t block = inner % 4 == 0 ? 4 : inner % 2 == 0 ? 2 : 1;
    std::uint64_t invocations = count / block;
    const VulkanDevice& device = ctx.executor().device();
    std::uint64_t limit = device.maxBindingBytes();
    std::uint64_t rowBytes = inner * w * 4;
    std::uint64_t tableBytes = outer * std::uint64_t(n) * rowBytes;
    if (tableBytes <= limit || n <= 1) {
        std::uint32_t params[]
            = { u32(invocations), u32(inner / block), u32(m), dimParam(ctx, n), 0, dimParam(ctx, n), 0 };
        ctx.dispatch1D("gather", { w, iw, block }, params, { data, indices, out }, invocations);
        return;
    }
    std::uint64_t align = device.storageAlignment();
    if (outer != 1)
        ctx.fail("the data (" + mibText(tableBytes) + ") is larger than one storage buffer binding may be ("
            + mibText(limit) + ") and is split only when gathering along its first non-unit axis");
    // Each chunk's binding starts on an aligned offset at or before its
    // first row, so it spans up to align - 4 bytes more than its rows.
    if (rowBytes + align > limit)
        ctx.fail("one row of the data (" + mibText(rowBytes) + ") is larger than one storage buffer binding may be ("
            + mibText(limit) + ")");
    std::uint64_t rowsPerChunk = (limit - align) / rowBytes;
    for (std::uint64_t first = 0; first < std::uint64_t(n); first += rowsPerChunk) {
        std::uint64_t rows = std::min<std::uint64_t>(rowsPerChunk, std::uint64_t(n) - first);
        VkDeviceSize start = data.offset + first * rowBytes;
        VkDeviceSize bound = start / align * align;
        BufferRef chunk { data.buffer, bound, start - bound + rows * rowBytes };
        std::uint32_t params[] = { u32(invocations), u32(inner / block), u32(m), dimParam(ctx, n), u32(first),
            u32(rows), u32((start - bound) / 4) };
        ctx.dispatch1D("gather", { w, iw, block }, params, { chunk, indices, out }, invocations);
    }
}

void runGather(KernelContext& ctx)
{
    const auto& shape = ctx.shape(0);
    if (shape.empty())
        ctx.fail("the data must have at least one dimension");
    auto axis = std::size_t(normalizeAxis(ctx.attrInt("axis", 0), shape.size()));
    const auto& ishape = ctx.shape(1);
    std::uint32_t iw = indexWords(ctx, 1);
    std::vector<std::int64_t> out(shape.begin(), shape.begin() + std::ptrdiff_t(axis));
    out.insert(out.end(), ishape.begin(), ishape.end());
    out.insert(out.end(), shape.begin() + std::ptrdiff_t(axis) + 1, shape.end());
    ctx.output(0, ctx.type(0), out);
    if (shapeCount(out) == 0)
        return;
    recordGather(ctx, ctx.buffer(0), words(ctx.type(0)), ctx.buffer(1), iw, product(shape, 0, axis), shape[axis],
        product(shape, axis + 1, shape.size()), ctx.count(1), ctx.outBuffer(0));
}

void runGatherElements(KernelContext& ctx)
{
    const auto& shape = ctx.shape(0);
    const auto& ishape = ctx.shape(1);
    std::size_t rank = shape.size();
    if (rank == 0 || ishape.size() != rank)
        ctx.fail("data and indices must have the same rank (at least 1)");
    if (rank > kMaxRank)
        ctx.fail("rank above " + std::to_string(kMaxRank) + " is not supported");
    auto axis = std::size_t(normalizeAxis(ctx.attrInt("axis", 0), rank));
    std::uint32_t iw = indexWords(ctx, 1);
    ctx.output(0, ctx.type(0), ishape);
    std::uint64_t count = shapeCount(ishape);
    if (count == 0)
        return;
    auto strides = contiguousStrides(shape);
    std::vector<std::uint32_t> params(24, 0);
    params[0] = u32(count);
    params[1] = std::uint32_t(rank);
    params[2] = std::uint32_t(axis);
    params[3] = dimParam(ctx, shape[axis]);
    for (std::size_t d = 0; d < rank; ++d) {
        params[8 + d] = u32(std::uint64_t(ishape[d]));
        params[16 + d] = u32(std::uint64_t(strides[d]));
    }
    ctx.dispatch1D("gather_elements", { words(ctx.type(0)), iw }, params,
        { ctx.buffer(0), ctx.buffer(1), ctx.outBuffer(0) }, count);
}

void runGatherND(KernelContext& ctx)
{
    const auto& shape = ctx.shape(0);
    const auto& ishape = ctx.shape(1);
    auto b = std::size_t(std::max<std::int64_t>(0, ctx.attrInt("batch_dims", 0)));
    if (ishape.empty())
        ctx.fail("indices must have at least one dimension");
    auto q = std::size_t(ishape.back());
    if (b >= shape.size() || b >= ishape.size() || ishape.back() < 1 || b + q > shape.size())
        ctx.fail("indices " + shapeText(ishape) + " do not fit data " + shapeText(shape) + " with batch_dims "
            + std::to_string(b));
    for (std::size_t i = 0; i < b; ++i)
        if (shape[i] != ishape[i])
            ctx.fail("batch dims of data and indices differ");
    if (q > kMaxRank)
        ctx.fail("index tuples longer than " + std::to_string(kMaxRank) + " are not supported");
    std::uint32_t iw = indexWords(ctx, 1);
    std::vector<std::int64_t> out(ishape.begin(), ishape.end() - 1);
    out.insert(out.end(), shape.begin() + std::ptrdiff_t(b + q), shape.end());
    ctx.output(0, ctx.type(0), out);
    std::uint64_t count = shapeCount(out);
    if (count == 0)
        return;
    std::vector<std::uint32_t> params(24, 0);
    params[0] = u32(count);
    params[1] = u32(product(shape, b + q, shape.size()));
    params[2] = u32(product(ishape, b, ishape.size() - 1));
    params[3] = std::uint32_t(q);
    params[4] = u32(product(shape, b, shape.size()));
    for (std::size_t j = 0; j < q; ++j) {
        params[8 + j] = dimParam(ctx, shape[b + j]);
        params[16 + j] = u32(product(shape, b + j + 1, shape.size()));
    }
    ctx.dispatch1D(
        "gather_nd", { words(ctx.type(0)), iw }, params, { ctx.buffer(0), ctx.buffer(1), ctx.outBuffer(0) }, count);
}

// Specialization constant RED of the scatter shaders.
std::uint32_t reductionCode(const std::string& r)
{
    if (r == "add")
        return 1;
    if (r == "mul")
        return 2;
    if (r == "max")
        return 3;
    if (r == "min")
        return 4;
    return 0;
}

std::string checkScatterReduction(const Node& node)
{
    const Attribute* a = node.attribute("reduction");
    if (a && a->s != "none" && !reductionCode(a->s))
        return "reduction '" + a->s + "' is not supported";
    return {};
}

// Output 0 as a copy of input 0, to scatter into.
BufferRef copyData(KernelContext& ctx)
{
    ctx.output(0, ctx.type(0), ctx.shape(0));
    BufferRef out = ctx.outBuffer(0);
    std::uint64_t bytes = ctx.input(0).bytes();
    if (bytes) {
        BufferRef in = ctx.buffer(0);
        ctx.recorder().copy(*in.buffer, in.offset, *out.buffer, out.offset, bytes);
    }
    return out;
}

void runScatterElements(KernelContext& ctx)
{
    const auto& shape = ctx.shape(0);
    const auto& ishape = ctx.shape(1);
    std::size_t rank = shape.size();
    if (rank == 0 || ishape.size() != rank || ctx.shape(2) != ishape)
        ctx.fail("data, indices and updates must have the same rank (at least 1), indices and updates one shape");
    if (rank > kMaxRank)
        ctx.fail("rank above " + std::to_string(kMaxRank) + " is not supported");
    auto axis = std::size_t(normalizeAxis(ctx.attrInt("axis", 0), rank));
    std::uint32_t iw = indexWords(ctx, 1);
    std::uint32_t red = reductionCode(ctx.attrString("reduction", "none"));
    BufferRef out = copyData(ctx);
    std::uint64_t count = shapeCount(ishape);
    if (count == 0 || ctx.count(0) == 0)
        return;
    auto strides = contiguousStrides(shape);
    std::vector<std::uint32_t> params(24, 0);
    params[0] = u32(red ? count / std::uint64_t(ishape[axis]) : count);
    params[1] = std::uint32_t(rank);
    params[2] = std::uint32_t(axis);
    params[3] = u32(std::uint64_t(ishape[axis]));
    params[4] = dimParam(ctx, shape[axis]);
    for (std::size_t d = 0; d < rank; ++d) {
        params[8 + d] = u32(std::uint64_t(ishape[d]));
        params[16 + d] = u32(std::uint64_t(strides[d]));
    }
    std::string shader = KernelContext::shader("scatter_elements", repOf(ctx.type(0)));
    BufferRef indices = ctx.buffer(1), updates = ctx.buffer(2);
    if (!red) {
        ctx.dispatch1D(shader, { red, iw }, params, { indices, updates, out }, params[0]);
        return;
    }
    // Each invocation walks its line in order; dispatches (ordered on the
    // queue) take the line a stretch at a time.
    auto length = std::uint64_t(ishape[axis]);
    for (std::uint64_t j = 0; j < length; j += kLoopBudget) {
        params[5] = std::uint32_t(j);
        params[6] = u32(std::min(length, j + kLoopBudget));
        ctx.dispatch1D(shader, { red, iw }, params, { indices, updates, out }, params[0]);
    }
}

void runScatterND(KernelContext& ctx)
{
    const auto& shape = ctx.shape(0);
    const auto& ishape = ctx.shape(1);
    if (ishape.empty() || ishape.back() < 1 || std::size_t(ishape.back()) > shape.size())
        ctx.fail("indices " + shapeText(ishape) + " do not fit data " + shapeText(shape));
    auto q = std::size_t(ishape.back());
    if (q > kMaxRank)
        ctx.fail("index tuples longer than " + std::to_string(kMaxRank) + " are not supported");
    std::vector<std::int64_t> ushape(ishape.begin(), ishape.end() - 1);
    ushape.insert(ushape.end(), shape.begin() + std::ptrdiff_t(q), shape.end());
    if (ctx.shape(2) != ushape)
        ctx.fail("updates must be " + shapeText(ushape) + ", not " + shapeText(ctx.shape(2)));
    std::uint32_t iw = indexWords(ctx, 1);
    std::uint32_t red = reductionCode(ctx.attrString("reduction", "none"));
    BufferRef out = copyData(ctx);
    std::uint64_t s = product(shape, q, shape.size());
    std::uint64_t m = product(ishape, 0, ishape.size() - 1);
    if (s * m == 0)
        return;
    std::vector<std::uint32_t> params(24, 0);
    params[0] = u32(red ? s : s * m);
    params[1] = u32(s);
    params[2] = u32(m);
    params[3] = std::uint32_t(q);
    for (std::size_t j = 0; j < q; ++j) {
        params[8 + j] = dimParam(ctx, shape[j]);
        params[16 + j] = u32(product(shape, j + 1, shape.size()));
    }
    std::string shader = KernelContext::shader("scatter_nd", repOf(ctx.type(0)));
    BufferRef indices = ctx.buffer(1), updates = ctx.buffer(2);
    if (!red) {
        ctx.dispatch1D(shader, { red, iw }, params, { indices, updates, out }, params[0]);
        return;
    }
    // Each invocation applies the tuples in order; dispatches (ordered on
    // the queue) take them a stretch at a time.
    std::uint64_t step = kLoopBudget / (q + 1);
    for (std::uint64_t t = 0; t < m; t += step) {
        params[4] = std::uint32_t(t);
        params[5] = u32(std::min(m, t + step));
        ctx.dispatch1D(shader, { red, iw }, params, { indices, updates, out }, params[0]);
    }
}

void runOneHot(KernelContext& ctx)
{
    const auto& ishape = ctx.shape(0);
    auto depthValues = ctx.doubles(1);
    if (depthValues.size() != 1)
        ctx.fail("depth must hold one value");
    auto depth = std::int64_t(depthValues[0]);
    if (depth < 1)
        ctx.fail("depth must be positive, not " + std::to_string(depth));
    if (ctx.count(2) != 2)
        ctx.fail("values must hold [off_value, on_value]");
    auto axis = std::size_t(normalizeAxis(ctx.attrInt("axis", -1), ishape.size() + 1));
    std::vector<std::int64_t> out(ishape.begin(), ishape.begin() + std::ptrdiff_t(axis));
    out.push_back(depth);
    out.insert(out.end(), ishape.begin() + std::ptrdiff_t(axis), ishape.end());
    DataType type = ctx.type(2);
    ctx.output(0, type, out);
    std::uint64_t count = shapeCount(out);
    if (count == 0)
        return;
    std::uint32_t params[] = { u32(count), dimParam(ctx, depth), u32(product(ishape, axis, ishape.size())) };
    ctx.dispatch1D(KernelContext::shader("onehot", repOf(ctx.type(0))), { words(type) }, params,
        { ctx.buffer(0), ctx.buffer(2), ctx.outBuffer(0) }, count);
}

void runTrilu(KernelContext& ctx)
{
    const auto& shape = ctx.shape(0);
    if (shape.size() < 2)
        ctx.fail("the input must have at least two dimensions");
    std::int64_t k = 0;
    if (ctx.has(1)) {
        auto kv = ctx.ints(1);
        if (kv.size() != 1)
            ctx.fail("k must hold one value");
        k = kv[0];
    }
    ctx.output(0, ctx.type(0), shape);
    std::uint64_t count = shapeCount(shape);
    if (count == 0)
        return;
    std::int64_t n = shape[shape.size() - 2], m = shape.back();
    std::uint32_t params[] = { u32(count), dimParam(ctx, n), dimParam(ctx, m), std::uint32_t(clampToInt(k)),
        ctx.attrInt("upper", 1) != 0 ? 1u : 0u };
    ctx.dispatch1D("trilu", { words(ctx.type(0)) }, params, { ctx.buffer(0), ctx.outBuffer(0) }, count);
}

void runEyeLike(KernelContext& ctx)
{
    const auto& shape = ctx.shape(0);
    if (shape.size() != 2)
        ctx.fail("the input must be 2-D");
    DataType type = ctx.attr("dtype") ? DataType(ctx.attrInt("dtype", 1)) : ctx.type(0);
    if (!hasRep(type))
        ctx.fail("dtype " + std::string(dataTypeName(type)) + " is not supported");
    ctx.output(0, type, shape);
    std::uint64_t count = shapeCount(shape);
    if (count == 0)
        return;
    Rep rep = repOf(type);
    std::uint32_t one = rep == Rep::F32 ? floatBits(1.0f) : 1u;
    std::uint32_t params[]
        = { u32(count), dimParam(ctx, shape[1]), std::uint32_t(clampToInt(ctx.attrInt("k", 0))), one, 0 };
    ctx.dispatch1D("index_eyelike", { words(type) }, params, { ctx.outBuffer(0) }, count);
}

std::string checkEyeLike(const Node& node)
{
    const Attribute* a = node.attribute("dtype");
    if (a && (!isKnownDataType(int(a->i)) || !hasRep(DataType(a->i))))
        return "dtype " + std::to_string(a->i) + " is not supported";
    return {};
}

void runReverseSequence(KernelContext& ctx)
{
    const auto& shape = ctx.shape(0);
    if (shape.size() < 2)
        ctx.fail("the input must have at least two dimensions");
    auto timeAxis = ctx.attrInt("time_axis", 0);
    auto batchAxis = ctx.attrInt("batch_axis", 1);
    if (!((timeAxis == 0 && batchAxis == 1) || (timeAxis == 1 && batchAxis == 0)))
        ctx.fail("time_axis and batch_axis must be 0 and 1");
    if (ctx.shape(1) != std::vector<std::int64_t> { shape[std::size_t(batchAxis)] })
        ctx.fail("sequence_lens must be [batch]");
    std::uint32_t iw = indexWords(ctx, 1);
    ctx.output(0, ctx.type(0), shape);
    std::uint64_t count = shapeCount(shape);
    if (count == 0)
        return;
    std::uint32_t params[] = { u32(count), u32(std::uint64_t(shape[1])), u32(product(shape, 2, shape.size())),
        std::uint32_t(timeAxis), dimParam(ctx, shape[std::size_t(timeAxis)]) };
    ctx.dispatch1D("index_reverse_sequence", { words(ctx.type(0)), iw }, params,
        { ctx.buffer(0), ctx.buffer(1), ctx.outBuffer(0) }, count);
}

std::string checkReverseSequence(const Node& node)
{
    const Attribute* t = node.attribute("time_axis");
    const Attribute* b = node.attribute("batch_axis");
    std::int64_t ta = t ? t->i : 0, ba = b ? b->i : 1;
    if (!((ta == 0 && ba == 1) || (ta == 1 && ba == 0)))
        return "time_axis and batch_axis must be 0 and 1";
    return {};
}

// The condition is read on the host (it decides the output size); the kept
// positions go to the device as indices of a Gather.
void runCompress(KernelContext& ctx)
{
    std::vector<std::int64_t> shape = ctx.shape(0);
    const Attribute* axisAttr = ctx.attr("axis");
    std::size_t axis = 0;
    if (axisAttr) {
        if (shape.empty())
            ctx.fail("axis is given for a scalar input");
        axis = std::size_t(normalizeAxis(axisAttr->i, shape.size()));
    } else {
        shape = { std::int64_t(ctx.count(0)) };
    }
    const HostTensor& cond = ctx.host(1);
    if (cond.shape.size() != 1)
        ctx.fail("condition must be 1-D");
    std::vector<std::int64_t> kept;
    for (std::uint64_t i = 0; i < cond.count(); ++i) {
        if (cond.doubleAt(i) == 0)
            continue;
        if (std::int64_t(i) >= shape[axis])
            ctx.fail(
                "condition selects position " + std::to_string(i) + " of an axis of " + std::to_string(shape[axis]));
        kept.push_back(std::int64_t(i));
    }
    std::vector<std::int64_t> out = shape;
    out[axis] = std::int64_t(kept.size());
    ctx.output(0, ctx.type(0), out);
    if (shapeCount(out) == 0)
        return;
    RtValue indices;
    indices.type = DataType::Int32;
    indices.shape = { std::int64_t(kept.size()) };
    indices.host = std::make_shared<HostTensor>(HostTensor::fromInts(DataType::Int32, indices.shape, kept));
    recordGather(ctx, ctx.buffer(0), words(ctx.type(0)), ctx.bufferOf(indices), 1, product(shape, 0, axis), shape[axis],
        product(shape, axis + 1, shape.size()), kept.size(), ctx.outBuffer(0));
}

} // namespace

void registerIndexKernels(KernelRegistry& registry)
{
    registry.add("Gather", runGather);
    registry.add("GatherElements", runGatherElements);
    registry.add("GatherND", runGatherND);
    registry.add("Scatter", runScatterElements);
    registry.add("ScatterElements", runScatterElements, checkScatterReduction);
    registry.add("ScatterND", runScatterND, checkScatterReduction);
    registry.add("OneHot", runOneHot);
    registry.add("Trilu", runTrilu);
    registry.add("EyeLike", runEyeLike, checkEyeLike);
    registry.add("ReverseSequence", runReverseSequence, checkReverseSequence);
    registry.add("Compress", runCompress);
    // Gather splits a large table along axis 0 (recordGather).
    registry.setLarge("Gather", [](const Node& node, int input) {
        const Attribute* axis = node.attribute("axis");
        return input == 0 && (!axis || axis->i == 0);
    });
    registerIndexHostKernels(registry);
}

} // namespace nodus::rt
