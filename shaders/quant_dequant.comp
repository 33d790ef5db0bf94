#version 450
// variants: f32 i32
// DequantizeLinear: y = (x - zero_point) * scale, with the scale index of
// quant_linear.comp (per tensor, per axis or blocked). The f32 variant takes
// float8 inputs (held as f32).
//
// Params: 0 count, 1 inner, 2 axis length, 3 block size, 4 oS, 5 aS, 6 nS,
// 7 has zero point.
#include "common.glsl"

layout(local_size_x = 64) in;

layout(std430, binding = 1) readonly buffer X_ { T x[]; };
layout(std430, binding = 2) readonly buffer S_ { float s[]; };
layout(std430, binding = 3) readonly buffer Z_ { T zp[]; };
layout(std430, binding = 4) writeonly buffer Y_ { float y[]; };

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
    bool hasZp = p[7] != 0;
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
        float v = float(x[i]);
        if (hasZp)
            v -= float(zp[q]);
        y[i] = v * s[q];
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
