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
    float v = float(x[i]);
    if (p[7] != 0)
        v -= float(zp[q]);
    y[i] = v * s[q];
}
