#version 450
// Subtracts a zero point from integer elements before an exact integer
// product (MatMulInteger, QLinearMatMul): y = x - zp[(i / inner) % len],
// so a per-row zero point of A uses inner = K, len = M and a per-column one
// of B inner = 1, len = N; len = 1 for a per-tensor zero point.
//
// Params: 0 count, 1 inner, 2 len.
#include "common.glsl"

layout(local_size_x = 64) in;

layout(std430, binding = 1) readonly buffer X_ { int x[]; };
layout(std430, binding = 2) readonly buffer Z_ { int zp[]; };
layout(std430, binding = 3) writeonly buffer Y_ { int y[]; };

void main()
{
    uint i = nodus_index();
    if (i >= p[0])
        return;
    y[i] = x[i] - zp[(i / p[1]) % p[2]];
}
