#version 450
// Copies conv inputs into a zero-padded buffer for conv_tile.comp: each
// (n, c) plane becomes Hp x Wp with the input at (PT, PL), so the conv
// reads whole strips without bounds checks. One invocation writes a pair:
// X column pairs, Y rows, Z planes (no divisions, which CPU implementations
// scalarize).
// Params: 0 Wp / 2, 1 H, 2 W, 3 Hp, 4 PT, 5 PL.
#include "common.glsl"

layout(local_size_x = 64) in;

layout(std430, binding = 1) readonly buffer X_ { float x[]; };
layout(std430, binding = 2) writeonly buffer Y_ { vec2 y[]; };

void main()
{
    uint c2 = gl_GlobalInvocationID.x, row = gl_GlobalInvocationID.y, plane = gl_GlobalInvocationID.z;
    uint Wp2 = p[0], H = p[1], W = p[2], Hp = p[3];
    if (c2 >= Wp2)
        return;
    int h = int(row) - pi(4), w = int(2 * c2) - pi(5);
    vec2 v = vec2(0.0);
    if (h >= 0 && h < int(H)) {
        uint base = (plane * H + uint(h)) * W;
        if (w >= 0 && w < int(W))
            v.x = x[base + uint(w)];
        if (w + 1 >= 0 && w + 1 < int(W))
            v.y = x[base + uint(w + 1)];
    }
    y[(plane * Hp + row) * Wp2 + c2] = v;
}
