#version 450
// LRN across channels of [N][C][inner]:
// y = x / (bias + alpha / size * sum of x^2 over the channel window)^beta,
// the window being c - floor((size - 1) / 2) .. c + ceil((size - 1) / 2).
//
// Params: 0 count, 1 C, 2 inner, 3 window below, 4 window above,
// 5 alpha / size, 6 beta, 7 bias.
#include "common.glsl"

layout(local_size_x = 64) in;

layout(std430, binding = 1) readonly buffer X_ { float x[]; };
layout(std430, binding = 2) writeonly buffer Y_ { float y[]; };

void main()
{
    uint i = nodus_index();
    if (i >= p[0])
        return;
    uint C = p[1], inner = p[2];
    uint c = (i / inner) % C;
    uint base = i - c * inner;
    uint lo = c >= p[3] ? c - p[3] : 0;
    uint hi = min(c + p[4], C - 1);
    float sum = 0.0;
    for (uint k = lo; k <= hi; ++k) {
        float v = x[base + k * inner];
        sum += v * v;
    }
    y[i] = x[i] / pow(pf(7) + pf(5) * sum, pf(6));
}
