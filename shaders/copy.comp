#version 450
// variants: i32 i64
// Strided copy of 32- or 64-bit elements, the data movement behind
// Transpose, Slice, Expand, Tile, Concat and Split. For each of p[0]
// elements of the iteration space (rank p[1], dims p[4..11]):
//   in  = p[2] + sum((c_d % p[12+d]) * (int)p[20+d])
//   out = p[3] + sum(c_d * p[28+d])
#include "common.glsl"
layout(local_size_x = 64) in;
// TILE 0: no coordinate wraps (p[12..] unused), saving a division per dim.
layout(constant_id = 0) const uint TILE = 1;
layout(std430, binding = 1) readonly buffer In { T x[]; };
layout(std430, binding = 2) writeonly buffer Out { T y[]; };

void main()
{
    uint i = nodus_index();
    if (i >= p[0])
        return;
    int src = int(p[2]);
    uint dst = p[3];
    uint rem = i;
    for (int d = int(p[1]) - 1; d >= 0; --d) {
        uint dim = p[4 + d];
        uint c = rem % dim;
        rem /= dim;
        src += int(TILE != 0 ? c % p[12 + d] : c) * int(p[20 + d]);
        dst += c * p[28 + d];
    }
    y[dst] = x[src];
}
