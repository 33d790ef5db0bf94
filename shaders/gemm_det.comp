#version 450
// Det: one invocation per matrix runs Gaussian elimination with partial
// pivoting on its own copy of the matrix (in `work`, n*n floats per matrix).
//
// Params: 0 matrices, 1 n.
#include "common.glsl"

layout(local_size_x = 64) in;

layout(std430, binding = 1) readonly buffer X_ { float x[]; };
layout(std430, binding = 2) buffer W_ { float w[]; };
layout(std430, binding = 3) writeonly buffer Y_ { float y[]; };

void main()
{
    uint b = nodus_index();
    if (b >= p[0])
        return;
    uint n = p[1];
    uint base = b * n * n;
    for (uint i = 0; i < n * n; ++i)
        w[base + i] = x[base + i];
    float det = 1.0;
    for (uint c = 0; c < n; ++c) {
        uint piv = c;
        float best = abs(w[base + c * n + c]);
        for (uint r = c + 1; r < n; ++r) {
            float v = abs(w[base + r * n + c]);
            if (v > best) {
                best = v;
                piv = r;
            }
        }
        if (best == 0.0) {
            det = 0.0;
            break;
        }
        if (piv != c) {
            for (uint k = c; k < n; ++k) {
                float t = w[base + c * n + k];
                w[base + c * n + k] = w[base + piv * n + k];
                w[base + piv * n + k] = t;
            }
            det = -det;
        }
        float d = w[base + c * n + c];
        det *= d;
        for (uint r = c + 1; r < n; ++r) {
            float f = w[base + r * n + c] / d;
            for (uint k = c + 1; k < n; ++k)
                w[base + r * n + k] -= f * w[base + c * n + k];
        }
    }
    y[b] = det;
}
