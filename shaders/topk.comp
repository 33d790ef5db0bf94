#version 450
// variants: f32 i32 i64
#include "common.glsl"

// TopK of chunks of lines. The source is an [outer, R, inner] view (lines
// (a, b) for outer a, inner b); invocation id takes chunk id % chunks of
// line id / chunks and writes its best min(k, chunk) candidates, best first,
// to destination line id of a [.., k, dst inner] view; slots left over get
// index -1. With one chunk per line that is the result; with several, the
// kernel runs this again over the [lines, chunks * k] candidates (INDEXED:
// each with its source index) until one chunk is left.
//
// The best so far are a heap kept in the destination (root = worst kept),
// ordered by value and then by index, so equal values keep the lower index
// first; heap operations keep the loop count within lavapipe's budget,
// which the kernel sizes chunks for.
// p[0] invocations   p[1] R   p[2] source inner   p[3] k   p[4] chunk length
// p[5] chunks   p[6] destination inner
layout(local_size_x = 64) in;

layout(constant_id = 0) const uint LARGEST = 1;
layout(constant_id = 1) const uint INDEXED = 0;
layout(constant_id = 2) const uint UNSIGNED = 0; // integer bits are uint32 / uint64 values

layout(std430, binding = 1) readonly buffer X { T x[]; };
layout(std430, binding = 2) readonly buffer XI { int64_t xi[]; };
layout(std430, binding = 3) buffer V { T vals[]; };
layout(std430, binding = 4) buffer I { int64_t inds[]; };

bool betterValue(T v, T w)
{
#if defined(DT_F32)
    // NaN counts as the largest value, as in numpy's sort.
    if (LARGEST != 0)
        return (isnan(v) && !isnan(w)) || v > w;
    return (isnan(w) && !isnan(v)) || v < w;
#else
    // Flipping the sign bit maps unsigned order onto signed order.
    if (UNSIGNED != 0) {
#if defined(DT_I64)
        const T sign = -9223372036854775807l - 1l;
#else
        const T sign = -2147483647 - 1;
#endif
        v ^= sign;
        w ^= sign;
    }
    return LARGEST != 0 ? v > w : v < w;
#endif
}

// (v, i) comes before (w, j) in the result.
bool before(T v, int64_t i, T w, int64_t j)
{
    return betterValue(v, w) || (!betterValue(w, v) && i < j);
}

uint dbase;
uint dstride;

// Puts (v, i) at heap position s of a heap of n, moving it towards the
// leaves past every child that comes after it (is worse).
void siftDown(uint s, uint n, T v, int64_t i)
{
    while (true) {
        uint child = 2 * s + 1;
        if (child >= n)
            break;
        uint other = child + 1;
        T cv = vals[dbase + child * dstride];
        int64_t ci = inds[dbase + child * dstride];
        if (other < n) {
            T ov = vals[dbase + other * dstride];
            int64_t oi = inds[dbase + other * dstride];
            if (before(cv, ci, ov, oi)) {
                child = other;
                cv = ov;
                ci = oi;
            }
        }
        if (!before(v, i, cv, ci))
            break;
        vals[dbase + s * dstride] = cv;
        inds[dbase + s * dstride] = ci;
        s = child;
    }
    vals[dbase + s * dstride] = v;
    inds[dbase + s * dstride] = i;
}

void main()
{
    uint id = nodus_index();
    if (id >= p[0])
        return;
    uint r = p[1];
    uint inner = p[2];
    uint k = p[3];
    uint len = p[4];
    uint chunks = p[5];
    uint line = id / chunks;
    uint c = id - line * chunks;
    uint a = line / inner;
    uint b = line - a * inner;
    uint j0 = c * len;
    uint j1 = min(j0 + len, r);
    uint off = (a * r + j0) * inner + b;
    uint da = id / p[6];
    dstride = p[6];
    dbase = da * k * dstride + (id - da * dstride);

    uint n = 0;
    for (uint j = j0; j < j1; ++j, off += inner) {
        T v = x[off];
        int64_t i = INDEXED != 0 ? xi[off] : int64_t(j);
        if (i < 0)
            continue;
        if (n < k) {
            // Sift up: past every parent that comes before it (is better).
            uint s = n++;
            while (s > 0) {
                uint parent = (s - 1) / 2;
                T pv = vals[dbase + parent * dstride];
                int64_t pi = inds[dbase + parent * dstride];
                if (!before(pv, pi, v, i))
                    break;
                vals[dbase + s * dstride] = pv;
                inds[dbase + s * dstride] = pi;
                s = parent;
            }
            vals[dbase + s * dstride] = v;
            inds[dbase + s * dstride] = i;
        } else if (before(v, i, vals[dbase], inds[dbase])) {
            siftDown(0, n, v, i);
        }
    }
    // Heap sort: the worst goes last each time, leaving the best first.
    for (uint e = n; e > 1; --e) {
        T v = vals[dbase + (e - 1) * dstride];
        int64_t i = inds[dbase + (e - 1) * dstride];
        vals[dbase + (e - 1) * dstride] = vals[dbase];
        inds[dbase + (e - 1) * dstride] = inds[dbase];
        siftDown(0, e - 1, v, i);
    }
    for (uint s = n; s < k; ++s)
        inds[dbase + s * dstride] = -1l;
}
