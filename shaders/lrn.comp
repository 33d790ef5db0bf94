#version 450
// LRN across channels of [N][C][inner]:
// y = x / (bias + alpha / size * sum of x^2 over the channel window)^beta,
// the window being c - floor((size - 1) / 2) .. c + ceil((size - 1) / 2).
// With VEC4 (inner % 4 == 0) the units are vec4s: 4 neighbouring positions
// of one channel.
//
// Params: 0 count (elements, or vec4s with VEC4), 1 C, 2 inner (same unit),
// 3 window below, 4 window above, 5 alpha / size, 6 beta, 7 bias.
#include "common.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint VEC4 = 0;

layout(std430, binding = 1) readonly buffer X_ { float x[]; };
layout(std430, binding = 2) writeonly buffer Y_ { float y[]; };
layout(std430, binding = 1) readonly buffer X4_ { vec4 x4[]; };
layout(std430, binding = 2) writeonly buffer Y4_ { vec4 y4[]; };

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
    uint C = p[1], inner = p[2], below = p[3], above = p[4];
    float k = pf(5), beta = pf(6), bias = pf(7);
    uint n = first % inner, c = (first / inner) % C;
    for (uint i = first; i < end; ++i) {
        uint base = i - c * inner;
        uint lo = c >= below ? c - below : 0;
        uint hi = min(c + above, C - 1);
        if (VEC4 != 0) {
            vec4 sum = vec4(0.0);
            for (uint j = lo; j <= hi; ++j) {
                vec4 v = x4[base + j * inner];
                sum += v * v;
            }
            y4[i] = x4[i] / pow(bias + k * sum, vec4(beta));
        } else {
            float sum = 0.0;
            for (uint j = lo; j <= hi; ++j) {
                float v = x[base + j * inner];
                sum += v * v;
            }
            y[i] = x[i] / pow(bias + k * sum, beta);
        }
        if (++n == inner) {
            n = 0;
            if (++c == C)
                c = 0;
        }
    }
}
