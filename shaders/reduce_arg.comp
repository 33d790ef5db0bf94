#version 450
// variants: f32 i32 i64
#include "common.glsl"

// ArgMax / ArgMin along one axis of an [outer, R, inner] view, written as
// int64. Lines are (a, b) for outer a, inner b.
//   STAGE 0: one invocation per line.
//   STAGE 1: one per (line, chunk): the chunk's best value and index -> pv, pi.
//   STAGE 2: one per line: the best of its chunks' partials -> y.
// Stages 1 and 2 serve few long lines, which one invocation each would
// leave to a single thread. Every stage binds all four buffers.
// p[0] invocations   p[1] R   p[2] inner   p[3] chunk length   p[4] chunks
layout(local_size_x = 64) in;

layout(constant_id = 0) const uint MIN = 0; // 0: ArgMax, 1: ArgMin
layout(constant_id = 1) const uint LAST = 0; // select_last_index
layout(constant_id = 2) const uint STAGE = 0;
layout(constant_id = 3) const uint UNSIGNED = 0; // integer bits are uint32 / uint64 values

layout(std430, binding = 1) readonly buffer X { T x[]; };
layout(std430, binding = 2) writeonly buffer Y { int64_t y[]; };
layout(std430, binding = 3) buffer PV { T pv[]; };
layout(std430, binding = 4) buffer PI { int pi[]; };

bool better(T v, T best)
{
#if !defined(DT_F32)
    // Flipping the sign bit maps unsigned order onto signed order.
    if (UNSIGNED != 0) {
#if defined(DT_I64)
        const T sign = -9223372036854775807l - 1l;
#else
        const T sign = -2147483647 - 1;
#endif
        v ^= sign;
        best ^= sign;
    }
#endif
    if (LAST != 0)
        return MIN != 0 ? v <= best : v >= best;
    return MIN != 0 ? v < best : v > best;
}

bool isNan(T v)
{
#if defined(DT_F32)
    return isnan(v);
#else
    return false;
#endif
}

// Best of x[off + j * inner] for j in [j0, j1), j1 > j0; numpy's
// argmax/argmin stop at the first NaN.
void scan(uint off, uint inner, uint j0, uint j1, out T best, out uint arg)
{
    best = x[off + j0 * inner];
    arg = j0;
    if (isNan(best))
        return;
    for (uint j = j0 + 1; j < j1; ++j) {
        T v = x[off + j * inner];
        if (isNan(v)) {
            best = v;
            arg = j;
            return;
        }
        if (better(v, best)) {
            best = v;
            arg = j;
        }
    }
}

void main()
{
    uint id = nodus_index();
    if (id >= p[0])
        return;
    uint r = p[1];
    uint inner = p[2];
    uint chunks = p[4];
    T best;
    uint arg;
    if (STAGE == 0) {
        uint a = id / inner;
        uint b = id - a * inner;
        scan(a * r * inner + b, inner, 0, r, best, arg);
        y[id] = int64_t(arg);
    } else if (STAGE == 1) {
        uint line = id / chunks;
        uint c = id - line * chunks;
        uint a = line / inner;
        uint b = line - a * inner;
        uint j0 = c * p[3];
        scan(a * r * inner + b, inner, j0, min(j0 + p[3], r), best, arg);
        pv[id] = best;
        pi[id] = int(arg);
    } else {
        uint base = id * chunks;
        best = pv[base];
        arg = uint(pi[base]);
        for (uint c = 1; c < chunks && !isNan(best); ++c) {
            T v = pv[base + c];
            if (isNan(v) || better(v, best)) {
                best = v;
                arg = uint(pi[base + c]);
            }
        }
        y[id] = int64_t(arg);
    }
}
