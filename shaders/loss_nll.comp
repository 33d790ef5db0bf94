#version 450
#include "common.glsl"

// NegativeLogLikelihoodLoss terms: for each target element (n, d) of an
// input viewed as [N, C, D], loss = -input[n, target, d] * weight[target]
// (0 when the target is ignore_index). With reduction, the used weights go
// after the M losses so one Reduce pass gives both sums.
// p[0] M (N * D)   p[1] C   p[2] D   p[3] ignore_index   p[4] has ignore_index
// p[5] has weights   p[6] write weights
layout(local_size_x = 64) in;

layout(constant_id = 0) const uint IW = 1; // 32-bit words per target element

layout(std430, binding = 1) readonly buffer X { float x[]; };
layout(std430, binding = 2) readonly buffer Tg { int tg[]; };
layout(std430, binding = 3) readonly buffer W { float w[]; };
layout(std430, binding = 4) writeonly buffer Y { float y[]; };

void main()
{
    uint i = nodus_index();
    uint m = p[0];
    if (i >= m)
        return;
    uint c = p[1];
    uint d = p[2];
    int t = tg[i * IW];
    float loss = 0.0;
    float weight = 0.0;
    if ((p[4] == 0 || t != int(p[3])) && t >= 0 && uint(t) < c) {
        uint n = i / d;
        uint e = i - n * d;
        weight = p[5] != 0 ? w[t] : 1.0;
        loss = -x[(n * c + uint(t)) * d + e] * weight;
    }
    y[i] = loss;
    if (p[6] != 0)
        y[m + i] = weight;
}
