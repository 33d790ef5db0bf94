#version 450
// QuantizeLinear: y = saturate(roundEven(x / scale) + zero_point). The
// scale (and zero point) index of element i covers the per-tensor,
// per-axis and blocked forms: with o, a, n the indices before, on and
// after the quantization axis, it is o*oS + (a / block)*aS + n*nS.
//
// Params: 0 count, 1 inner, 2 axis length, 3 block size, 4 oS, 5 aS, 6 nS,
// 7 lowest, 8 highest (ints: the output type's range), 9 has zero point.
#include "common.glsl"

layout(local_size_x = 64) in;

layout(std430, binding = 1) readonly buffer X_ { float x[]; };
layout(std430, binding = 2) readonly buffer S_ { float s[]; };
layout(std430, binding = 3) readonly buffer Z_ { int zp[]; };
layout(std430, binding = 4) writeonly buffer Y_ { int y[]; };

// a / b correctly rounded: some implementations (llvmpipe) divide as
// a * (1 / b), one ulp off, which moves values across rounding ties.
float divRounded(float a, float b)
{
    precise float q = a / b;
    precise float r = fma(-q, b, a);
    precise float c = q + r / b;
    return c;
}

void main()
{
    uint i = nodus_index();
    if (i >= p[0])
        return;
    uint inner = p[1], axisLen = p[2];
    uint n = i % inner;
    uint rest = i / inner;
    uint ax = rest % axisLen;
    uint o = rest / axisLen;
    uint q = o * p[4] + (ax / p[3]) * p[5] + n * p[6];
    float v = roundEven(divRounded(x[i], s[q]));
    if (p[9] != 0)
        v += float(zp[q]);
    // NaN saturates to the low end rather than leaving the value undefined.
    v = isnan(v) ? float(pi(7)) : clamp(v, float(pi(7)), float(pi(8)));
    y[i] = int(v);
}
