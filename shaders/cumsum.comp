#version 450
// variants: f32 i32 i64
#include "common.glsl"

// CumSum along one axis of an [outer, R, inner] view; one line per
// invocation, so neighbouring invocations walk neighbouring columns.
// p[0] lines (outer * inner)   p[1] R   p[2] inner
layout(local_size_x = 64) in;

layout(constant_id = 0) const uint EXCLUSIVE = 0;
layout(constant_id = 1) const uint REVERSE = 0;

layout(std430, binding = 1) readonly buffer X { T x[]; };
layout(std430, binding = 2) writeonly buffer Y { T y[]; };

void main()
{
    uint o = nodus_index();
    if (o >= p[0])
        return;
    uint r = p[1];
    uint inner = p[2];
    uint a = o / inner;
    uint b = o - a * inner;
    int step = int(inner);
    uint off = a * r * inner + b;
    if (REVERSE != 0) {
        off += (r - 1) * inner;
        step = -step;
    }
    T acc = T_ZERO;
    for (uint j = 0; j < r; ++j, off += step) {
        T v = x[off];
        if (EXCLUSIVE != 0) {
            y[off] = acc;
            acc += v;
        } else {
            acc += v;
            y[off] = acc;
        }
    }
}
