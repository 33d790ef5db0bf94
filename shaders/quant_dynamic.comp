#version 450
// DynamicQuantizeLinear, step 2: combines the per-workgroup (min, max)
// pairs and derives the uint8 scale and zero point:
// scale = (max - min) / 255, zero_point = saturate(roundEven(-min / scale)).
// An all-zero input gives scale 0 and zero point 0.
//
// Params: 0 number of pairs.
#include "common.glsl"

layout(local_size_x = 1) in;

layout(std430, binding = 1) readonly buffer Part_ { float part[]; };
layout(std430, binding = 2) writeonly buffer S_ { float scale[]; };
layout(std430, binding = 3) writeonly buffer Z_ { int zp[]; };

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
    float lo = 0.0, hi = 0.0;
    for (uint g = 0; g < p[0]; ++g) {
        lo = min(lo, part[2 * g]);
        hi = max(hi, part[2 * g + 1]);
    }
    float s = divRounded(hi - lo, 255.0);
    scale[0] = s;
    zp[0] = s == 0.0 ? 0 : int(clamp(roundEven(divRounded(0.0 - lo, s)), 0.0, 255.0));
}
