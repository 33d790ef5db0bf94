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

// Each invocation handles 8 consecutive elements, stepping the zero point
// index with a carry (parameter reads and divisions by a variable are slow
// per element on CPU implementations).
void main()
{
    uint first = nodus_index() * 8;
    uint count = p[0];
    if (first >= count)
        return;
    uint end = min(first + 8, count);
    uint inner = p[1], len = p[2];
    uint n = first % inner, j = (first / inner) % len;
    for (uint i = first; i < end; ++i) {
        y[i] = x[i] - zp[j];
        if (++n == inner) {
            n = 0;
            if (++j == len)
                j = 0;
        }
    }
}
