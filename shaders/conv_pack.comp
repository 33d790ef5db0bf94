#version 450
// Repacks conv weights [OC][Cg][KH][KW] for conv_tile.comp as
// [group][channel block][KW][row][OCB], a row being (input channel, kernel
// row) and rows rounded up to 8: a lane's OCB weights for one row and kernel
// column are contiguous texels (OCB is a multiple of 4). Output channels past OCg and rows past
// Cg * KH are zeros. One invocation writes the OCB weights of (row, kw,
// block): X rows, Y kernel columns, Z group * blocks (no divisions, which
// CPU implementations scalarize).
// Params: 0 rows rounded up to 8, 1 OCB, 2 KW, 3 blocks per group, 4 OCg,
// 5 Cg * KH, 6 groups * blocks.
#include "common.glsl"

layout(local_size_x = 64) in;

layout(std430, binding = 1) readonly buffer W_ { float w[]; };
layout(std430, binding = 2) writeonly buffer P_ { vec4 packed[]; };

void main()
{
    uint row = gl_GlobalInvocationID.x, kw = gl_GlobalInvocationID.y, gb = gl_GlobalInvocationID.z;
    uint R8 = p[0], OCB = p[1], KW = p[2], blocks = p[3], OCg = p[4], R = p[5];
    if (row >= R8)
        return;
    uint ob = gb % blocks, g = gb / blocks;
    uint out0 = ((gb * KW + kw) * R8 + row) * (OCB / 4);
    uint src = ((g * OCg + ob * OCB) * R + row) * KW + kw;
    bool inside = row < R;
    for (uint t = 0; t < OCB / 4; ++t) {
        vec4 v = vec4(0.0);
        for (uint k = 0; k < 4; ++k) {
            uint oc = ob * OCB + 4 * t + k;
            if (inside && oc < OCg)
                v[k] = w[src + (4 * t + k) * R * KW];
        }
        packed[out0 + t] = v;
    }
}
