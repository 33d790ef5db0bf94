#version 450
// BatchNormalization (inference) as y = x * a[c] + b[c] over [N][C][inner],
// with a = scale / sqrt(var + eps) and b = bias - mean * a per channel
// (norm_batch_prep.comp). With VEC4 (inner % 4 == 0) the units are vec4s
// (4 elements of one channel).
//
// Params: 0 count (elements, or vec4s with VEC4), 1 C, 2 inner (the same
// unit).
#include "common.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint VEC4 = 0;

layout(std430, binding = 1) readonly buffer X_ { float x[]; };
layout(std430, binding = 2) readonly buffer AB_ { float ab[]; };
layout(std430, binding = 3) writeonly buffer Y_ { float y[]; };
layout(std430, binding = 1) readonly buffer X4_ { vec4 x4[]; };
layout(std430, binding = 3) writeonly buffer Y4_ { vec4 y4[]; };

// Each invocation handles 4 consecutive units (vec4s or floats), stepping
// the channel with a carry: parameter reads and divisions by a variable are
// slow per element on CPU implementations.
void main()
{
    uint first = nodus_index() * 4;
    uint count = p[0];
    if (first >= count)
        return;
    uint end = min(first + 4, count);
    uint C = p[1], inner = p[2];
    uint n = first % inner, c = (first / inner) % C;
    float a = ab[c], b = ab[C + c];
    for (uint i = first; i < end; ++i) {
        if (VEC4 != 0)
            y4[i] = x4[i] * a + b;
        else
            y[i] = x[i] * a + b;
        if (++n == inner) {
            n = 0;
            if (++c == C)
                c = 0;
            a = ab[c];
            b = ab[C + c];
        }
    }
}
