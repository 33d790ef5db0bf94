#version 450
// variants: f32 i32 i64
#include "common.glsl"

// RandomUniform(Like), RandomNormal(Like) and Bernoulli. Element i draws
// from Philox4x32-10 with counter (i, 0, 0, 0) under the 64-bit key
// (p[1], p[2]): counter-based, so every element is independent of the
// dispatch layout and a fixed seed gives the same tensor on every device.
// OP 0: uniform a + b*u, u in [0, 1) (kept below a + b)
// OP 1: normal a + b*z (Box-Muller)
// OP 2: Bernoulli, 1 where u < prob[i] (T is the output type)
// p[0] elements  p[1] key lo  p[2] key hi  p[3] a (float)  p[4] b (float)
layout(local_size_x = 64) in;

layout(constant_id = 0) const uint OP = 0;

layout(std430, binding = 1) readonly buffer P { float prob[]; };
layout(std430, binding = 2) writeonly buffer Y { T y[]; };

uvec4 philox(uvec4 ctr, uvec2 key)
{
    for (int r = 0; r < 10; ++r) {
        uint hi0, lo0, hi1, lo1;
        umulExtended(0xD2511F53u, ctr.x, hi0, lo0);
        umulExtended(0xCD9E8D57u, ctr.z, hi1, lo1);
        ctr = uvec4(hi1 ^ ctr.y ^ key.x, lo1, hi0 ^ ctr.w ^ key.y, lo0);
        key += uvec2(0x9E3779B9u, 0xBB67AE85u);
    }
    return ctr;
}

// 24 random bits as a float in [0, 1).
float unit(uint bits)
{
    return float(bits >> 8) * (1.0 / 16777216.0);
}

void main()
{
    uint i = nodus_index();
    if (i >= p[0])
        return;
    uvec4 r = philox(uvec4(i, 0u, 0u, 0u), uvec2(p[1], p[2]));
    float a = pf(3);
    float b = pf(4);
    if (OP == 0) {
        float v = a + b * unit(r.x);
        // a + b*u can round up to a + b, which the range excludes.
        if (b > 0.0 && v >= a + b)
            v = a;
        y[i] = T(v);
    } else if (OP == 1) {
        float u1 = unit(r.x) + (1.0 / 16777216.0); // (0, 1]: log stays finite
        float u2 = unit(r.y);
        float z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
        y[i] = T(a + b * z);
    } else {
        y[i] = unit(r.x) < prob[i] ? T(1) : T_ZERO;
    }
}
