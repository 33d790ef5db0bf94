#version 450
// QLinearMatMul's output stage: the exact int32 product of the
// zero-point-free operands, scaled by a_scale * b_scale / y_scale (as the
// reference does, in that order) and quantized:
// y = saturate(roundEven(acc * multiplier) + y_zero_point).
//
// a_scale, a_zero_point and y_scale, y_zero_point are per tensor or per
// row of the output, b_scale per tensor or per column.
//
// Params: 0 count, 1 N, 2 M, 3 a scale per row, 4 b scale per column,
// 5 y scale and zero point per row, 6 lowest, 7 highest, 8 has y zero point.
#include "common.glsl"

layout(local_size_x = 64) in;

layout(std430, binding = 1) readonly buffer Acc_ { int acc[]; };
layout(std430, binding = 2) readonly buffer As_ { float as_[]; };
layout(std430, binding = 3) readonly buffer Bs_ { float bs[]; };
layout(std430, binding = 4) readonly buffer Ys_ { float ys[]; };
layout(std430, binding = 5) readonly buffer Yz_ { int yz[]; };
layout(std430, binding = 6) writeonly buffer Y_ { int y[]; };

// a / b correctly rounded: some implementations (llvmpipe) divide as
// a * (1 / b), one ulp off, which moves values across rounding ties.
float divRounded(float a, float b)
{
    precise float q = a / b;
    precise float r = fma(-q, b, a);
    precise float c = q + r / b;
    return c;
}

// Each invocation handles 8 consecutive elements, stepping the row and
// column with a carry (parameter reads and divisions by a variable are slow
// per element on CPU implementations).
void main()
{
    uint first = nodus_index() * 8;
    uint count = p[0];
    if (first >= count)
        return;
    uint end = min(first + 8, count);
    uint N = p[1], M = p[2];
    bool aRow = p[3] != 0, bCol = p[4] != 0, yRow = p[5] != 0, hasYz = p[8] != 0;
    float lo = float(pi(6)), hi = float(pi(7));
    uint n = first % N, m = (first / N) % M;
    for (uint i = first; i < end; ++i) {
        uint yr = yRow ? m : 0;
        float mult = divRounded(as_[aRow ? m : 0] * bs[bCol ? n : 0], ys[yr]);
        float v = roundEven(float(acc[i]) * mult);
        if (hasYz)
            v += float(yz[yr]);
        y[i] = int(isnan(v) ? lo : clamp(v, lo, hi));
        if (++n == N) {
            n = 0;
            if (++m == M)
                m = 0;
        }
    }
}
