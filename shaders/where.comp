#version 450
// variants: i32 i64
// Where(cond, x, y) with broadcasting over 32- or 64-bit elements (floats
// move as their bits). Strides: cond p[10..], x p[18..], y p[26..].
#include "common.glsl"
#include "broadcast.glsl"
layout(local_size_x = 64) in;
layout(std430, binding = 1) readonly buffer Cond { int cnd[]; };
layout(std430, binding = 2) readonly buffer X { T x[]; };
layout(std430, binding = 3) readonly buffer Y { T y[]; };
layout(std430, binding = 4) writeonly buffer Out { T o[]; };

void main()
{
    uint i = nodus_index();
    if (i >= p[0])
        return;
    o[i] = cnd[bcast_offset(i, 0)] != 0 ? x[bcast_offset(i, 1)] : y[bcast_offset(i, 2)];
}
