#version 450
// variants: f32 i32 i64
#include "common.glsl"

// ArgMax / ArgMin along one axis of an [outer, R, inner] view: one output
// per invocation, written as int64.
// p[0] outputs (outer * inner)   p[1] R   p[2] inner
layout(local_size_x = 64) in;

layout(constant_id = 0) const uint MIN = 0; // 0: ArgMax, 1: ArgMin
layout(constant_id = 1) const uint LAST = 0; // select_last_index

layout(std430, binding = 1) readonly buffer X { T x[]; };
layout(std430, binding = 2) writeonly buffer Y { int64_t y[]; };

bool better(T v, T best)
{
    if (LAST != 0)
        return MIN != 0 ? v <= best : v >= best;
    return MIN != 0 ? v < best : v > best;
}

void main()
{
    uint o = nodus_index();
    if (o >= p[0])
        return;
    uint r = p[1];
    uint inner = p[2];
    uint a = o / inner;
    uint b = o - a * inner;
    uint off = a * r * inner + b;
    T best = x[off];
    uint arg = 0;
#if defined(DT_F32)
    // numpy's argmax/argmin stop at the first NaN.
    if (isnan(best)) {
        y[o] = 0;
        return;
    }
#endif
    off += inner;
    for (uint j = 1; j < r; ++j, off += inner) {
        T v = x[off];
#if defined(DT_F32)
        if (isnan(v)) {
            arg = j;
            break;
        }
#endif
        if (better(v, best)) {
            best = v;
            arg = j;
        }
    }
    y[o] = int64_t(arg);
}
