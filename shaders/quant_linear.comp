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

// Each invocation handles 8 consecutive elements, stepping the scale index
// with carries: on CPU implementations parameter reads are per-lane loads
// and an integer division by a variable is a scalar division per lane, so
// both are done once per invocation.
void main()
{
    uint first = nodus_index() * 8;
    uint count = p[0];
    if (first >= count)
        return;
    uint end = min(first + 8, count);
    float lo = float(pi(7)), hi = float(pi(8));
    bool hasZp = p[9] != 0;
    uint inner = p[1], axisLen = p[2], block = p[3], oS = p[4], aS = p[5], nS = p[6];
    uint n = 0, ax = 0, o = 0;
    if (oS != 0 || aS != 0 || nS != 0) {
        n = first % inner;
        uint rest = first / inner;
        ax = rest % axisLen;
        o = rest / axisLen;
    }
    uint qo = o * oS + (block == 1 ? ax : ax / block) * aS;
    for (uint i = first; i < end; ++i) {
        uint q = qo + n * nS;
        float v = roundEven(divRounded(x[i], s[q]));
        if (hasZp)
            v += float(zp[q]);
        // NaN saturates to the low end rather than being undefined.
        y[i] = int(isnan(v) ? lo : clamp(v, lo, hi));
        if (++n == inner) {
            n = 0;
            if (++ax == axisLen) {
                ax = 0;
                ++o;
            }
            qo = o * oS + (block == 1 ? ax : ax / block) * aS;
        }
    }
}
