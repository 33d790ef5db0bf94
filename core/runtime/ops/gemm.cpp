// Matrix products: MatMul, Gemm, MatMulInteger, QLinearMatMul, Einsum, Det.
// Every product goes through recordMatmul, which takes any strides for the
// operands (transposes, broadcast batch dims and Einsum views cost no copy)
// and picks the vectorized shader when the layout allows it.
#include "runtime/kernel.h"

#include "runtime/executor.h"
#include "runtime/vulkandevice.h"

#include "ir/node.h"
#include "ir/tensorencode.h"
#include "ir/value.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace nodus::rt {

void registerQuantKernels(KernelRegistry& registry); // gemm_quant.cpp
// The lowest and highest value of a quantized integer type (gemm_quant.cpp).
std::pair<std::int64_t, std::int64_t> quantRange(KernelContext& ctx, DataType type);

namespace {

constexpr std::size_t kMaxBatchDims = 6;
constexpr std::size_t kMaxGatherDims = 8;

// dst[r][c] = src[r * strideRow + c * strideCol] for a rows x cols result:
// the einsum shader's copy form (one output of two dims, one operand).
void recordStridedCopy(KernelContext& ctx, const std::string& shader, BufferRef src, BufferRef dst, std::uint64_t rows,
    std::uint64_t cols, std::uint64_t strideRow, std::uint64_t strideCol)
{
    std::vector<std::uint32_t> p(36, 0);
    p[0] = u32(rows * cols);
    p[1] = 2;
    p[3] = 1;
    p[4] = u32(rows);
    p[5] = u32(cols);
    p[12] = u32(strideRow);
    p[13] = u32(strideCol);
    ctx.dispatch1D(shader, {}, p, { src, dst }, (rows * cols + 7) / 8);
}

// Whether matmul_v8 can share A rows across a subgroup: shuffles in compute
// shaders and at least 8 lanes (its largest row tile).
bool subgroupShuffle8(KernelContext& ctx)
{
    static std::mutex mutex;
    static std::map<VkPhysicalDevice, bool> known;
    VkPhysicalDevice device = ctx.executor().device().physicalDevice();
    std::lock_guard lock(mutex);
    auto it = known.find(device);
    if (it != known.end())
        return it->second;
    VkPhysicalDeviceSubgroupProperties subgroup {};
    subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES;
    VkPhysicalDeviceProperties2 props {};
    props.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
    props.pNext = &subgroup;
    vkGetPhysicalDeviceProperties2(device, &props);
    bool ok = (subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT)
        && (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_SHUFFLE_BIT) && subgroup.subgroupSize >= 8;
    known[device] = ok;
    return ok;
}

// One product Y[batch][M][N] = alpha * A x B (+ beta * C), operands given by
// strides in elements.
struct MatmulShape {
    std::uint64_t M = 0, N = 0, K = 0;
    // Output batch dims (outermost first) with A's and B's stride for each.
    std::vector<std::uint64_t> batch, aBatch, bBatch;
    std::uint64_t sAm = 0, sAk = 0, sBk = 0, sBn = 0;
    bool hasC = false;
    std::uint64_t sCm = 0, sCn = 0;
    float alpha = 1, beta = 1;
    // B holds float16 values (half weights): only the 8-wide path reads them.
    bool halfB = false;
};

// Returns false, recording nothing, for a float16 B (s.halfB) the 8-wide
// path cannot read.
bool recordMatmul(KernelContext& ctx, Rep rep, BufferRef a, BufferRef b, BufferRef c, BufferRef y, MatmulShape s)
{
    // Size-1 batch dims carry nothing; adjacent dims laid out as one dim
    // in both operands merge, so the shader decomposes fewer indices.
    std::vector<std::uint64_t> dims, as, bs;
    for (std::size_t i = 0; i < s.batch.size(); ++i) {
        if (s.batch[i] == 1)
            continue;
        if (!dims.empty() && as.back() == s.aBatch[i] * s.batch[i] && bs.back() == s.bBatch[i] * s.batch[i]) {
            dims.back() *= s.batch[i];
            as.back() = s.aBatch[i];
            bs.back() = s.bBatch[i];
            continue;
        }
        dims.push_back(s.batch[i]);
        as.push_back(s.aBatch[i]);
        bs.push_back(s.bBatch[i]);
    }
    // B shared by every batch and A's batches stacked row after row: one
    // taller product (a Linear layer over [batch, sequence, features]).
    if (dims.size() == 1 && bs[0] == 0 && as[0] == s.M * s.sAm && !s.hasC) {
        s.M *= dims[0];
        dims.clear();
        as.clear();
        bs.clear();
    }
    if (dims.size() > kMaxBatchDims)
        ctx.fail("more than " + std::to_string(kMaxBatchDims) + " independent batch dims are not supported");
    std::uint64_t batches = 1;
    for (auto d : dims)
        batches *= d;
    if (s.M == 0 || s.N == 0 || batches == 0)
        return true;

    auto allMultiples = [](const std::vector<std::uint64_t>& v, std::uint64_t q) {
        return std::all_of(v.begin(), v.end(), [q](std::uint64_t x) { return x % q == 0; });
    };
    // The vector shaders read A along k and B along n (rows) or along k
    // (cols: B transposed) in 4 or 8 element units.
    auto layoutFits = [&](std::uint64_t q, bool& rows, bool& cols) {
        bool aFits = s.sAk == 1 && s.K % q == 0 && s.sAm % q == 0 && allMultiples(as, q) && a.offset % (4 * q) == 0
            && b.offset % (4 * q) == 0;
        rows = aFits && s.sBn == 1 && s.N % q == 0 && s.sBk % q == 0 && allMultiples(bs, q);
        cols = aFits && s.sBk == 1 && s.sBn % q == 0 && allMultiples(bs, q);
        return rows || cols;
    };
    bool rows = false, cols = false;
    bool wide = rep == Rep::F32 && ctx.executor().device().info().int64;
    enum { Generic, Vec4, Vec8, Vec8A } path = Generic;
    if (wide && layoutFits(8, rows, cols))
        path = Vec8;
    else if (rep != Rep::I64 && layoutFits(4, rows, cols))
        path = Vec4;
    else if (wide && s.sAk == 1 && s.K % 8 == 0 && s.sAm % 8 == 0 && allMultiples(as, 8) && a.offset % 32 == 0)
        path = Vec8A; // only A fits: B element by element (odd N)
    if (s.halfB && path != Vec8)
        return false;

    // A B read element by element is the slow part; for enough rows of A,
    // a transposed copy of B (read 8 at a time after) costs less.
    if (path == Vec8A && s.M >= 32 && std::all_of(bs.begin(), bs.end(), [](std::uint64_t x) { return x == 0; })) {
        BufferRef bt = ctx.scratch(s.N * s.K * 4);
        recordStridedCopy(ctx, "einsum_f32", b, bt, s.N, s.K, s.sBn, s.sBk);
        b = bt;
        s.sBk = 1;
        s.sBn = s.K;
        path = Vec8;
        rows = false;
        cols = true;
    }

    std::uint64_t tm = 4, tn = 4;
    if (path == Vec8 || path == Vec8A) {
        tm = s.M >= 8 ? 8 : s.M >= 4 ? 4 : s.M >= 2 ? 2 : 1;
        tn = rows || s.M >= 8 ? 8 : 4;
    } else if (path == Vec4)
        tm = s.M >= 3 ? 4 : s.M;
    std::uint64_t tilesM = (s.M + tm - 1) / tm;
    std::uint64_t tilesN = (s.N + tn - 1) / tn;
    std::uint64_t invocations = tilesM * tilesN * batches;
    u32(invocations);

    std::vector<std::uint32_t> params(33, 0);
    params[0] = u32(s.M);
    params[1] = u32(s.N);
    params[2] = u32(s.K);
    params[3] = u32(tilesN);
    params[4] = u32(tilesM);
    params[5] = u32(batches);
    params[6] = u32(s.sAm);
    params[7] = u32(s.sAk);
    params[8] = u32(s.sBk);
    params[9] = u32(s.sBn);
    params[10] = u32(s.sCm);
    params[11] = u32(s.sCn);
    params[12] = floatBits(s.alpha);
    params[13] = floatBits(s.beta);
    params[14] = std::uint32_t(dims.size());
    for (std::size_t i = 0; i < dims.size(); ++i) {
        params[15 + i] = u32(dims[i]);
        params[21 + i] = u32(as[i]);
        params[27 + i] = u32(bs[i]);
    }
    std::uint32_t hasC = s.hasC ? 1 : 0;
    std::uint32_t bt = path == Vec8A ? 2 : rows ? 0 : 1;
    std::uint32_t b16 = s.halfB ? 1 : 0;
    if ((path == Vec8 || path == Vec8A) && subgroupShuffle8(ctx)) {
        std::uint64_t rowTiles = tilesM * batches;
        std::uint32_t gy = std::uint32_t(std::min<std::uint64_t>(rowTiles, 65535));
        ctx.dispatch("matmul_v8", { hasC, std::uint32_t(tm), bt, std::uint32_t(tn), 1u, 16u, b16 }, params,
            { a, b, c, y }, u32((tilesN + 15) / 16), gy, u32((rowTiles + gy - 1) / gy));
    } else if (path == Vec8 || path == Vec8A)
        ctx.dispatch1D("matmul_v8", { hasC, std::uint32_t(tm), bt, std::uint32_t(tn), 0u, 64u, b16 }, params,
            { a, b, c, y }, invocations);
    else if (path == Vec4)
        ctx.dispatch1D(KernelContext::shader("matmul_v4", rep), { hasC, std::uint32_t(tm), bt }, params, { a, b, c, y },
            invocations);
    else
        ctx.dispatch1D(KernelContext::shader("matmul", rep), { hasC }, params, { a, b, c, y }, invocations);
    return true;
}

// A product whose B (input 1) is a session weight kept as float16
// (SessionOptions::halfWeights). False, with nothing recorded, when half
// weights are off, B is not such a weight, or the layout does not take the
// 8-wide path that reads float16 (K and B's row pitch multiples of 8).
bool recordHalfB(KernelContext& ctx, Rep rep, BufferRef a, BufferRef c, BufferRef y, MatmulShape s)
{
    bool fits = rep == Rep::F32 && ctx.executor().device().info().int64 && s.K % 8 == 0
        && (s.sBn == 1 ? s.N % 8 == 0 && s.sBk % 8 == 0 : s.sBk == 1 && s.sBn % 8 == 0);
    if (!fits || !ctx.halfWeights())
        return false;
    std::uint64_t n = ctx.count(1);
    auto half
        = ctx.halfWeight(1, "f16", (n * 2 + 15) / 16 * 16, [](std::span<const float> w, std::span<std::byte> out) {
              auto* h = reinterpret_cast<std::uint16_t*>(out.data());
              for (std::size_t i = 0; i < w.size(); ++i)
                  h[i] = floatToFloat16(w[i]);
          });
    if (!half)
        return false;
    s.halfB = true;
    return recordMatmul(ctx, rep, a, *half, c, y, s);
}

// A B larger than one storage buffer binding may span (a language model's
// output projection, a classifier's first fully connected layer), for one
// product without batch dims (`s.batch` empty). B [K, N] (row-major: rows of
// k contiguous) is split along K into row chunks that each fit, the partial
// products accumulating through C: Y0 = alpha A0 B0 + beta C, Yj = alpha Aj
// Bj + Y(j-1), alternating between Y and a scratch buffer so that no
// dispatch reads the buffer it writes. B [N, K] (Gemm transB) is split
// along N instead: its row chunks give contiguous rows of Y^T = alpha B A^T +
// beta C^T, which is transposed into Y at the end. Chunk boundaries are
// multiples of the storage offset alignment.
void recordMatmulSplit(KernelContext& ctx, Rep rep, BufferRef a, BufferRef b, BufferRef c, BufferRef y, MatmulShape s)
{
    const VulkanDevice& device = ctx.executor().device();
    std::uint64_t limit = device.maxBindingBytes();
    std::uint64_t eb = repBytes(rep);
    std::uint64_t step = std::max<std::uint64_t>(device.storageAlignment() / 4, 16);
    if (!s.batch.empty())
        ctx.fail("B (" + mibText(s.K * s.N * eb) + ") is larger than one storage buffer binding may be ("
            + mibText(limit) + ") and is split only when it is 2-D and shared by every row of A");
    if (s.M == 0 || s.N == 0)
        return;
    auto chunkRows = [&](std::uint64_t rowElems) {
        std::uint64_t rows = limit / (rowElems * eb) / step * step;
        if (rows == 0)
            ctx.fail("B (" + mibText(s.K * s.N * eb) + ") is larger than one storage buffer binding may be ("
                + mibText(limit) + ") and " + std::to_string(step) + " of its rows do not fit in one either");
        return rows;
    };
    if (s.sBn == 1 && s.sBk == s.N) {
        std::uint64_t rows = chunkRows(s.N);
        std::uint64_t chunks = (s.K + rows - 1) / rows;
        BufferRef other = ctx.scratch(s.M * s.N * eb);
        BufferRef previous;
        for (std::uint64_t j = 0; j < chunks; ++j) {
            std::uint64_t k0 = j * rows, kc = std::min(rows, s.K - k0);
            MatmulShape part = s;
            part.K = kc;
            if (j > 0) {
                part.hasC = true;
                part.beta = 1;
                part.sCm = s.N;
                part.sCn = 1;
            }
            VkDeviceSize aSkip = k0 * s.sAk * eb;
            BufferRef ak { a.buffer, a.offset + aSkip, a.size - aSkip };
            BufferRef bk { b.buffer, b.offset + k0 * s.N * eb, kc * s.N * eb };
            BufferRef target = (chunks - 1 - j) % 2 == 0 ? y : other;
            recordMatmul(ctx, rep, ak, bk, j == 0 ? (s.hasC ? c : ak) : previous, target, part);
            previous = target;
        }
        return;
    }
    if (s.sBk != 1 || s.sBn != s.K)
        ctx.fail("internal error: B's layout cannot be split");
    std::uint64_t rows = chunkRows(s.K);
    BufferRef yt = ctx.scratch(s.N * s.M * eb);
    for (std::uint64_t n0 = 0; n0 < s.N; n0 += rows) {
        std::uint64_t nc = std::min(rows, s.N - n0);
        MatmulShape part;
        part.M = nc;
        part.N = s.M;
        part.K = s.K;
        part.sAm = s.K;
        part.sAk = 1;
        part.sBk = s.sAk;
        part.sBn = s.sAm;
        part.alpha = s.alpha;
        part.beta = s.beta;
        part.hasC = s.hasC;
        part.sCm = s.sCn;
        part.sCn = s.sCm;
        BufferRef bn { b.buffer, b.offset + n0 * s.K * eb, nc * s.K * eb };
        VkDeviceSize cSkip = n0 * s.sCn * eb;
        BufferRef cn = s.hasC ? BufferRef { c.buffer, c.offset + cSkip, c.size - cSkip } : bn;
        BufferRef yn { yt.buffer, yt.offset + n0 * s.M * eb, nc * s.M * eb };
        recordMatmul(ctx, rep, bn, a, cn, yn, part);
    }
    // Y[m, n] = Yt[n, m].
    recordStridedCopy(ctx, KernelContext::shader("einsum", rep), yt, y, s.M, s.N, 1, s.M);
}

bool exceedsBinding(KernelContext& ctx, int input)
{
    return ctx.count(input) * repBytes(ctx.type(input)) > ctx.executor().device().maxBindingBytes();
}

// numpy matmul shapes: A [..., M, K] x B [..., K, N] with broadcast batch
// dims; a 1-D A is a row, a 1-D B a column, and their dim is dropped from
// the result. Both operands contiguous.
MatmulShape matmulShape(KernelContext& ctx, const std::vector<std::int64_t>& aShape,
    const std::vector<std::int64_t>& bShape, std::vector<std::int64_t>& outShape)
{
    if (aShape.empty() || bShape.empty())
        ctx.fail("MatMul operands must have at least one dim");
    std::vector<std::int64_t> a = aShape, b = bShape;
    bool aVector = a.size() == 1, bVector = b.size() == 1;
    if (aVector)
        a.insert(a.begin(), 1);
    if (bVector)
        b.push_back(1);
    MatmulShape s;
    s.M = std::uint64_t(a[a.size() - 2]);
    s.K = std::uint64_t(a.back());
    s.N = std::uint64_t(b.back());
    if (std::uint64_t(b[b.size() - 2]) != s.K)
        ctx.fail("shapes " + shapeText(aShape) + " and " + shapeText(bShape) + " cannot be multiplied");
    s.sAm = s.K;
    s.sAk = 1;
    s.sBk = s.N;
    s.sBn = 1;

    std::size_t ra = a.size() - 2, rb = b.size() - 2, r = std::max(ra, rb);
    std::uint64_t aStride = s.M * s.K, bStride = s.K * s.N;
    std::vector<std::uint64_t> batch(r), aB(r), bB(r);
    for (std::size_t i = r; i-- > 0;) {
        std::int64_t da = i + ra >= r ? a[i + ra - r] : 1;
        std::int64_t db = i + rb >= r ? b[i + rb - r] : 1;
        if (da != db && da != 1 && db != 1)
            ctx.fail("batch dims of " + shapeText(aShape) + " and " + shapeText(bShape) + " do not broadcast");
        batch[i] = std::uint64_t(std::max(da, db));
        if (da == 0 || db == 0)
            batch[i] = 0;
        aB[i] = da == 1 ? 0 : aStride;
        bB[i] = db == 1 ? 0 : bStride;
        aStride *= std::uint64_t(da);
        bStride *= std::uint64_t(db);
    }
    outShape.assign(batch.begin(), batch.end());
    if (!aVector)
        outShape.push_back(std::int64_t(s.M));
    if (!bVector)
        outShape.push_back(std::int64_t(s.N));
    s.batch = std::move(batch);
    s.aBatch = std::move(aB);
    s.bBatch = std::move(bB);
    return s;
}

void runMatMul(KernelContext& ctx)
{
    std::vector<std::int64_t> outShape;
    MatmulShape s = matmulShape(ctx, ctx.shape(0), ctx.shape(1), outShape);
    DataType type = ctx.type(0);
    ctx.output(0, type, outShape);
    BufferRef y = ctx.outBuffer(0);
    if (shapeCount(outShape) == 0)
        return;
    BufferRef a = ctx.buffer(0);
    if (exceedsBinding(ctx, 1)) {
        // B's leading unit dims carry nothing; a B of one matrix serves
        // A's batches stacked row after row (A is contiguous).
        const auto& bShape = ctx.shape(1);
        bool shared = bShape.size() >= 2
            && std::all_of(bShape.begin(), bShape.end() - 2, [](std::int64_t d) { return d == 1; });
        if (shared) {
            s.M = ctx.count(0) / std::max<std::uint64_t>(s.K, 1);
            s.batch.clear();
            s.aBatch.clear();
            s.bBatch.clear();
        }
        recordMatmulSplit(ctx, repOf(type), a, ctx.buffer(1), a, y, s);
        return;
    }
    if (!recordHalfB(ctx, repOf(type), a, a, y, s))
        recordMatmul(ctx, repOf(type), a, ctx.buffer(1), a, y, s);
}

std::string checkGemm(const Node& node)
{
    for (const char* name : { "transA", "transB" }) {
        const Attribute* a = node.attribute(name);
        if (a && a->i != 0 && a->i != 1)
            return std::string(name) + " must be 0 or 1";
    }
    return {};
}

void runGemm(KernelContext& ctx)
{
    const auto& as = ctx.shape(0);
    const auto& bs = ctx.shape(1);
    if (as.size() != 2 || bs.size() != 2)
        ctx.fail("A and B must be 2-D, got " + shapeText(as) + " and " + shapeText(bs));
    bool transA = ctx.attrInt("transA", 0) != 0, transB = ctx.attrInt("transB", 0) != 0;
    MatmulShape s;
    s.M = std::uint64_t(transA ? as[1] : as[0]);
    s.K = std::uint64_t(transA ? as[0] : as[1]);
    std::uint64_t kb = std::uint64_t(transB ? bs[1] : bs[0]);
    s.N = std::uint64_t(transB ? bs[0] : bs[1]);
    if (kb != s.K)
        ctx.fail("shapes " + shapeText(as) + " and " + shapeText(bs) + " cannot be multiplied");
    s.sAm = transA ? 1 : s.K;
    s.sAk = transA ? s.M : 1;
    s.sBk = transB ? 1 : s.N;
    s.sBn = transB ? s.K : 1;
    s.alpha = ctx.attrFloat("alpha", 1.0f);
    s.beta = ctx.attrFloat("beta", 1.0f);
    s.hasC = ctx.has(2) && s.beta != 0.0f;
    if (s.hasC) {
        const auto& cs = ctx.shape(2);
        if (cs.size() > 2)
            ctx.fail("C must have at most 2 dims, got " + shapeText(cs));
        std::uint64_t cm = cs.size() == 2 ? std::uint64_t(cs[0]) : 1;
        std::uint64_t cn = cs.empty() ? 1 : std::uint64_t(cs.back());
        if ((cm != 1 && cm != s.M) || (cn != 1 && cn != s.N))
            ctx.fail("C of shape " + shapeText(cs) + " does not broadcast to [" + std::to_string(s.M) + ","
                + std::to_string(s.N) + "]");
        s.sCn = cn == 1 ? 0 : 1;
        s.sCm = cm == 1 ? 0 : cn;
    }
    DataType type = ctx.type(0);
    Rep rep = repOf(type);
    if (rep != Rep::F32 && (s.alpha != 1.0f || (s.hasC && s.beta != 1.0f)))
        ctx.fail("alpha and beta other than 1 are supported for floating-point types only");
    ctx.output(0, type, { std::int64_t(s.M), std::int64_t(s.N) });
    BufferRef y = ctx.outBuffer(0);
    if (s.M == 0 || s.N == 0)
        return;
    BufferRef a = ctx.buffer(0);
    if (exceedsBinding(ctx, 1)) {
        recordMatmulSplit(ctx, rep, a, ctx.buffer(1), s.hasC ? ctx.buffer(2) : a, y, s);
        return;
    }
    BufferRef c = s.hasC ? ctx.buffer(2) : a;
    if (!recordHalfB(ctx, rep, a, c, y, s))
        recordMatmul(ctx, rep, a, ctx.buffer(1), c, y, s);
}

// ---- integer products

// The input minus its zero point (per tensor when `zp` has one element,
// else per index (i / inner) % len), in a scratch int32 buffer; the input
// itself when there is no zero point.
BufferRef subtractZeroPoint(
    KernelContext& ctx, int input, int zp, std::uint64_t inner, std::uint64_t len, const char* what)
{
    BufferRef x = ctx.buffer(input);
    if (!ctx.has(zp))
        return x;
    std::uint64_t n = ctx.count(zp);
    if (n != 1 && n != len)
        ctx.fail(std::string(what) + " must have 1 or " + std::to_string(len) + " elements, got " + std::to_string(n));
    if (repOf(ctx.type(zp)) != Rep::I32)
        ctx.fail(std::string(what) + " must be an 8-bit integer");
    std::uint64_t count = ctx.count(input);
    BufferRef out = ctx.scratch(count * 4);
    std::vector<std::uint32_t> params { u32(count), u32(std::max<std::uint64_t>(inner, 1)), u32(n == 1 ? 1 : len) };
    ctx.dispatch1D("quant_sub", {}, params, { x, ctx.buffer(zp), out }, (count + 7) / 8);
    return out;
}

void runMatMulInteger(KernelContext& ctx)
{
    std::vector<std::int64_t> outShape;
    MatmulShape s = matmulShape(ctx, ctx.shape(0), ctx.shape(1), outShape);
    for (int i : { 0, 1 })
        if (repOf(ctx.type(i)) != Rep::I32)
            ctx.fail("inputs must be 8-bit integers");
    ctx.output(0, DataType::Int32, outShape);
    BufferRef y = ctx.outBuffer(0);
    if (shapeCount(outShape) == 0)
        return;
    BufferRef a = subtractZeroPoint(ctx, 0, 2, s.K, s.M, "a_zero_point");
    BufferRef b = subtractZeroPoint(ctx, 1, 3, 1, s.N, "b_zero_point");
    recordMatmul(ctx, Rep::I32, a, b, a, y, s);
}

void runQLinearMatMul(KernelContext& ctx)
{
    std::vector<std::int64_t> outShape;
    MatmulShape s = matmulShape(ctx, ctx.shape(0), ctx.shape(3), outShape);
    for (int i : { 0, 3 })
        if (repOf(ctx.type(i)) != Rep::I32)
            ctx.fail("inputs must be 8-bit integers");
    DataType outType = ctx.has(7) ? ctx.type(7) : DataType::UInt8;
    auto [lo, hi] = quantRange(ctx, outType);
    auto perIndex = [&](int i, std::uint64_t len, const char* what) -> std::uint32_t {
        std::uint64_t n = ctx.count(i);
        if (n != 1 && n != len)
            ctx.fail(
                std::string(what) + " must have 1 or " + std::to_string(len) + " elements, got " + std::to_string(n));
        return n == 1 ? 0 : 1;
    };
    std::uint32_t aRow = perIndex(1, s.M, "a_scale");
    std::uint32_t bCol = perIndex(4, s.N, "b_scale");
    std::uint32_t yRow = perIndex(6, s.M, "y_scale");
    if (ctx.has(7) && perIndex(7, s.M, "y_zero_point") != yRow)
        ctx.fail("y_scale and y_zero_point must have the same number of elements");
    ctx.output(0, outType, outShape);
    BufferRef y = ctx.outBuffer(0);
    std::uint64_t count = shapeCount(outShape);
    if (count == 0)
        return;
    BufferRef a = subtractZeroPoint(ctx, 0, 2, s.K, s.M, "a_zero_point");
    BufferRef b = subtractZeroPoint(ctx, 3, 5, 1, s.N, "b_zero_point");
    BufferRef acc = ctx.scratch(count * 4);
    recordMatmul(ctx, Rep::I32, a, b, a, acc, s);
    BufferRef ys = ctx.buffer(6);
    std::vector<std::uint32_t> params { u32(count), u32(s.N), u32(s.M), aRow, bCol, yRow,
        std::uint32_t(std::int32_t(lo)), std::uint32_t(std::int32_t(hi)), ctx.has(7) ? 1u : 0u };
    ctx.dispatch1D("quant_requant", {}, params,
        { acc, ctx.buffer(1), ctx.buffer(4), ys, ctx.has(7) ? ctx.buffer(7) : acc, y }, (count + 7) / 8);
}

// ---- Det

void runDet(KernelContext& ctx)
{
    const auto& shape = ctx.shape(0);
    if (shape.size() < 2 || shape[shape.size() - 1] != shape[shape.size() - 2])
        ctx.fail("input must be [..., n, n], got " + shapeText(shape));
    if (repOf(ctx.type(0)) != Rep::F32)
        ctx.fail("input must be floating point");
    std::vector<std::int64_t> outShape(shape.begin(), shape.end() - 2);
    std::uint64_t n = std::uint64_t(shape.back());
    std::uint64_t matrices = shapeCount(outShape);
    ctx.output(0, ctx.type(0), outShape);
    BufferRef y = ctx.outBuffer(0);
    if (matrices == 0)
        return;
    BufferRef work = ctx.scratch(matrices * n * n * 4);
    std::vector<std::uint32_t> params { u32(matrices), u32(n) };
    ctx.dispatch1D("gemm_det", {}, params, { ctx.buffer(0), work, y }, matrices);
}

// ---- Einsum

// An operand as the product sees it: its distinct labels with their strides
// (a label repeated in the term walks the diagonal: the strides add up; a
// dim broadcast from size 1 has stride 0).
struct EinsumView {
    std::vector<int> labels;
    std::vector<std::uint64_t> strides;
    BufferRef buffer;

    std::ptrdiff_t find(int label) const
    {
        auto it = std::find(labels.begin(), labels.end(), label);
        return it == labels.end() ? -1 : it - labels.begin();
    }
    std::uint64_t stride(int label) const
    {
        auto i = find(label);
        return i < 0 ? 0 : strides[std::size_t(i)];
    }
};

struct EinsumEquation {
    std::vector<std::vector<int>> inputs; // labels per operand dim
    std::vector<int> output;
};

// Labels: letters are 0..51, ellipsis dims 52.. aligned to the right (the
// widest ellipsis gets 52..52+E-1).
constexpr int kEllipsisLabel = 52;

int letterLabel(char c)
{
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= 'A' && c <= 'Z')
        return 26 + c - 'A';
    return -1;
}

EinsumEquation parseEinsum(KernelContext& ctx, const std::string& text, const std::vector<std::size_t>& ranks)
{
    std::string eq;
    for (char c : text)
        if (c != ' ' && c != '\t')
            eq += c;
    auto arrow = eq.find("->");
    std::string lhs = eq.substr(0, arrow);
    std::vector<std::string> terms;
    std::size_t start = 0;
    while (true) {
        auto comma = lhs.find(',', start);
        terms.push_back(lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos)
            break;
        start = comma + 1;
    }
    if (terms.size() != ranks.size())
        ctx.fail("equation '" + text + "' names " + std::to_string(terms.size()) + " operands, "
            + std::to_string(ranks.size()) + " given");

    // Letters of a term and where its ellipsis is (-1: none).
    auto split = [&](const std::string& term, std::vector<int>& letters, int& ellipsisAt) {
        ellipsisAt = -1;
        for (std::size_t i = 0; i < term.size(); ++i) {
            if (term.compare(i, 3, "...") == 0) {
                if (ellipsisAt >= 0)
                    ctx.fail("equation '" + text + "' has two ellipses in one term");
                ellipsisAt = int(letters.size());
                i += 2;
                continue;
            }
            int l = letterLabel(term[i]);
            if (l < 0)
                ctx.fail("equation '" + text + "' has an invalid character '" + term[i] + "'");
            letters.push_back(l);
        }
    };

    EinsumEquation e;
    std::size_t ellipsisRank = 0;
    std::vector<std::vector<int>> letters(terms.size());
    std::vector<int> at(terms.size());
    for (std::size_t t = 0; t < terms.size(); ++t) {
        split(terms[t], letters[t], at[t]);
        if (at[t] < 0 && letters[t].size() != ranks[t])
            ctx.fail("term '" + terms[t] + "' has " + std::to_string(letters[t].size())
                + " labels for an operand of rank " + std::to_string(ranks[t]));
        if (at[t] >= 0) {
            if (letters[t].size() > ranks[t])
                ctx.fail("term '" + terms[t] + "' has more labels than its operand has dims");
            ellipsisRank = std::max(ellipsisRank, ranks[t] - letters[t].size());
        }
    }
    auto expand = [&](const std::vector<int>& ls, int ellipsisAt, std::size_t ellipsisDims) {
        std::vector<int> out;
        for (std::size_t i = 0; i <= ls.size(); ++i) {
            if (int(i) == ellipsisAt)
                for (std::size_t j = 0; j < ellipsisDims; ++j)
                    out.push_back(kEllipsisLabel + int(ellipsisRank - ellipsisDims + j));
            if (i < ls.size())
                out.push_back(ls[i]);
        }
        return out;
    };
    for (std::size_t t = 0; t < terms.size(); ++t)
        e.inputs.push_back(expand(letters[t], at[t], at[t] >= 0 ? ranks[t] - letters[t].size() : 0));

    if (arrow != std::string::npos) {
        std::vector<int> ls;
        int ellipsisAt;
        split(eq.substr(arrow + 2), ls, ellipsisAt);
        e.output = expand(ls, ellipsisAt, ellipsisAt >= 0 ? ellipsisRank : 0);
    } else {
        // Implicit output: the broadcast dims, then the letters used once,
        // in alphabetical (character code) order.
        for (std::size_t j = 0; j < ellipsisRank; ++j)
            e.output.push_back(kEllipsisLabel + int(j));
        std::map<char, int> uses;
        for (const auto& term : terms)
            for (char c : term)
                if (letterLabel(c) >= 0)
                    ++uses[c];
        for (auto [c, n] : uses)
            if (n == 1)
                e.output.push_back(letterLabel(c));
    }
    for (std::size_t i = 0; i < e.output.size(); ++i)
        for (std::size_t j = i + 1; j < e.output.size(); ++j)
            if (e.output[i] == e.output[j])
                ctx.fail("equation '" + text + "' repeats a label in its output");
    return e;
}

// Writes `view` into a fresh contiguous buffer with dims `order` (sizes
// from `sizes`), summing the view's labels not in `order`.
BufferRef gatherEinsum(KernelContext& ctx, Rep rep, const EinsumView& view, const std::vector<int>& order,
    const std::map<int, std::uint64_t>& sizes, BufferRef out = {})
{
    std::vector<int> reduced;
    for (int l : view.labels)
        if (std::find(order.begin(), order.end(), l) == order.end())
            reduced.push_back(l);
    // Dims of size 1 need no index.
    std::vector<int> outDims, redDims;
    for (int l : order)
        if (sizes.at(l) != 1)
            outDims.push_back(l);
    for (int l : reduced)
        if (sizes.at(l) != 1)
            redDims.push_back(l);
    if (outDims.size() > kMaxGatherDims || redDims.size() > kMaxGatherDims)
        ctx.fail("Einsum operands with more than " + std::to_string(kMaxGatherDims) + " dims are not supported");
    std::uint64_t count = 1, redCount = 1;
    for (int l : order)
        count *= sizes.at(l);
    for (int l : reduced)
        redCount *= sizes.at(l);
    if (!out.buffer)
        out = ctx.scratch(count * repBytes(rep));
    if (count == 0)
        return out;
    std::vector<std::uint32_t> params(36, 0);
    params[0] = u32(count);
    params[1] = std::uint32_t(outDims.size());
    params[2] = std::uint32_t(redDims.size());
    params[3] = u32(redCount);
    for (std::size_t i = 0; i < outDims.size(); ++i) {
        params[4 + i] = u32(sizes.at(outDims[i]));
        params[12 + i] = u32(view.stride(outDims[i]));
    }
    for (std::size_t i = 0; i < redDims.size(); ++i) {
        params[20 + i] = u32(sizes.at(redDims[i]));
        params[28 + i] = u32(view.stride(redDims[i]));
    }
    ctx.dispatch1D(KernelContext::shader("einsum", rep), {}, params, { view.buffer, out }, (count + 7) / 8);
    return out;
}

// The single stride of `labels` taken together as one index (outermost
// first), when the view lays them out so; -1 when it does not.
std::int64_t mergedStride(
    const EinsumView& view, const std::vector<int>& labels, const std::map<int, std::uint64_t>& sizes)
{
    std::int64_t stride = -1;
    std::uint64_t inner = 1;
    for (std::size_t i = labels.size(); i-- > 0;) {
        std::uint64_t size = sizes.at(labels[i]);
        if (size == 1)
            continue;
        std::uint64_t s = view.stride(labels[i]);
        if (stride < 0)
            stride = std::int64_t(s);
        else if (s != std::uint64_t(stride) * inner)
            return -1;
        inner *= size;
    }
    return stride < 0 ? 0 : stride;
}

void runEinsum(KernelContext& ctx)
{
    int n = ctx.inputCount();
    if (n < 1)
        ctx.fail("no operands");
    std::vector<std::size_t> ranks;
    for (int i = 0; i < n; ++i)
        ranks.push_back(ctx.shape(i).size());
    std::string text = ctx.attrString("equation");
    EinsumEquation eq = parseEinsum(ctx, text, ranks);
    DataType type = ctx.type(0);
    Rep rep = repOf(type);
    for (int i = 1; i < n; ++i)
        if (ctx.type(i) != type)
            ctx.fail("operands must have the same type");

    std::map<int, std::uint64_t> sizes;
    for (int t = 0; t < n; ++t) {
        const auto& shape = ctx.shape(t);
        for (std::size_t d = 0; d < shape.size(); ++d) {
            int l = eq.inputs[t][d];
            std::uint64_t s = std::uint64_t(shape[d]);
            auto it = sizes.find(l);
            if (it == sizes.end() || it->second == 1)
                sizes[l] = s;
            else if (s != 1 && s != it->second)
                ctx.fail("equation '" + text + "': dims " + std::to_string(s) + " and " + std::to_string(it->second)
                    + " of one label differ");
        }
    }
    std::vector<std::int64_t> outShape;
    for (int l : eq.output) {
        if (!sizes.count(l))
            ctx.fail("equation '" + text + "': an output label is not in any input");
        outShape.push_back(std::int64_t(sizes[l]));
    }
    ctx.output(0, type, outShape);
    BufferRef y = ctx.outBuffer(0);
    if (shapeCount(outShape) == 0)
        return;

    auto viewOf = [&](int t) {
        EinsumView v;
        const auto& shape = ctx.shape(t);
        std::uint64_t stride = 1;
        std::vector<std::uint64_t> strides(shape.size());
        for (std::size_t d = shape.size(); d-- > 0;) {
            strides[d] = shape[d] == 1 ? 0 : stride;
            stride *= std::uint64_t(shape[d]);
        }
        for (std::size_t d = 0; d < shape.size(); ++d) {
            int l = eq.inputs[t][d];
            auto i = v.find(l);
            if (i < 0) {
                v.labels.push_back(l);
                v.strides.push_back(strides[d]);
            } else {
                if (std::uint64_t(shape[d]) != sizes[l] && shape[d] != 1)
                    ctx.fail("a repeated label must have equal dims");
                v.strides[std::size_t(i)] += strides[d];
            }
        }
        v.buffer = ctx.buffer(t);
        return v;
    };

    EinsumView cur = viewOf(0);
    for (int t = 1; t < n; ++t) {
        EinsumView other = viewOf(t);
        // Labels still needed after this product.
        std::vector<int> later = eq.output;
        for (int u = t + 1; u < n; ++u)
            later.insert(later.end(), eq.inputs[u].begin(), eq.inputs[u].end());
        auto needed = [&](int l) { return std::find(later.begin(), later.end(), l) != later.end(); };
        bool last = t == n - 1;
        std::vector<int> batch, ms, ks, ns;
        // Batch, M and N in output order where possible, so the last
        // product can write the output directly.
        std::vector<int> order = last ? eq.output : std::vector<int> {};
        for (int l : cur.labels)
            if (std::find(order.begin(), order.end(), l) == order.end())
                order.push_back(l);
        for (int l : other.labels)
            if (std::find(order.begin(), order.end(), l) == order.end())
                order.push_back(l);
        for (int l : order) {
            bool inA = cur.find(l) >= 0, inB = other.find(l) >= 0;
            if (inA && inB)
                (needed(l) ? batch : ks).push_back(l);
            else if (inA && needed(l))
                ms.push_back(l);
            else if (inB && needed(l))
                ns.push_back(l);
        }
        auto concat = [](std::vector<int> a, const std::vector<int>& b, const std::vector<int>& c) {
            a.insert(a.end(), b.begin(), b.end());
            a.insert(a.end(), c.begin(), c.end());
            return a;
        };
        auto product = [&](const std::vector<int>& ls) {
            std::uint64_t p = 1;
            for (int l : ls)
                p *= sizes[l];
            return p;
        };
        // An operand the product cannot read through strides (labels to sum
        // out, or groups that are not one index) is first gathered into
        // the contiguous [batch][M][K] / [batch][K][N] layout.
        auto usable = [&](const EinsumView& v, const std::vector<int>& rows, const std::vector<int>& cols) {
            for (int l : v.labels)
                if (sizes[l] != 1 && std::find(batch.begin(), batch.end(), l) == batch.end()
                    && std::find(rows.begin(), rows.end(), l) == rows.end()
                    && std::find(cols.begin(), cols.end(), l) == cols.end())
                    return false;
            return mergedStride(v, rows, sizes) >= 0 && mergedStride(v, cols, sizes) >= 0;
        };
        auto contiguous = [&](const EinsumView& v, const std::vector<int>& ls) {
            EinsumView g;
            g.labels = ls;
            std::uint64_t stride = 1;
            g.strides.resize(ls.size());
            for (std::size_t i = ls.size(); i-- > 0;) {
                g.strides[i] = stride;
                stride *= sizes[ls[i]];
            }
            g.buffer = gatherEinsum(ctx, rep, v, ls, sizes);
            return g;
        };
        if (!usable(cur, ms, ks))
            cur = contiguous(cur, concat(batch, ms, ks));
        if (!usable(other, ks, ns))
            other = contiguous(other, concat(batch, ks, ns));

        MatmulShape s;
        s.M = product(ms);
        s.K = product(ks);
        s.N = product(ns);
        s.sAm = std::uint64_t(mergedStride(cur, ms, sizes));
        s.sAk = std::uint64_t(mergedStride(cur, ks, sizes));
        s.sBk = std::uint64_t(mergedStride(other, ks, sizes));
        s.sBn = std::uint64_t(mergedStride(other, ns, sizes));
        for (int l : batch) {
            s.batch.push_back(sizes[l]);
            s.aBatch.push_back(sizes[l] == 1 ? 0 : cur.stride(l));
            s.bBatch.push_back(sizes[l] == 1 ? 0 : other.stride(l));
        }
        std::vector<int> result = concat(batch, ms, ns);
        std::uint64_t count = product(result);
        bool direct = last && result == eq.output;
        BufferRef out = direct ? y : ctx.scratch(count * repBytes(rep));
        recordMatmul(ctx, rep, cur.buffer, other.buffer, cur.buffer, out, s);
        if (direct)
            return;
        EinsumView next;
        next.labels = result;
        next.strides.resize(result.size());
        std::uint64_t stride = 1;
        for (std::size_t i = result.size(); i-- > 0;) {
            next.strides[i] = sizes[result[i]] == 1 ? 0 : stride;
            stride *= sizes[result[i]];
        }
        next.buffer = out;
        cur = next;
    }
    gatherEinsum(ctx, rep, cur, eq.output, sizes, y);
}

} // namespace

void registerGemmKernels(KernelRegistry& registry)
{
    registry.add("MatMul", runMatMul);
    registry.add("Gemm", runGemm, checkGemm);
    registry.add("MatMulInteger", runMatMulInteger);
    registry.add("QLinearMatMul", runQLinearMatMul);
    registry.add("Einsum", runEinsum, [](const Node& node) -> std::string {
        const Attribute* a = node.attribute("equation");
        if (!a || a->s.empty())
            return "the equation attribute is missing";
        return {};
    });
    registry.add("Det", runDet);
    // B of MatMul and Gemm is split when larger than a binding
    // (recordMatmulSplit).
    auto secondInput = [](const Node&, int input) { return input == 1; };
    registry.setLarge("MatMul", secondInput);
    registry.setLarge("Gemm", secondInput);
    registerQuantKernels(registry);
}

} // namespace nodus::rt
