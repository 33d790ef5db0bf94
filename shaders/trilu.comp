#version 450
#include "common.glsl"

// Trilu over the last two dims [N, M]: keeps element (i, j) when
// j - i >= k (upper) or j - i <= k (lower), else zero. Words as in
// gather.comp.
// p[0] elements   p[1] N   p[2] M   p[3] k (clamped to int range)   p[4] upper
layout(local_size_x = 64) in;

layout(constant_id = 0) const uint W = 1;

layout(std430, binding = 1) readonly buffer X { uint x[]; };
layout(std430, binding = 2) writeonly buffer Y { uint y[]; };

void main()
{
    uint o = nodus_index();
    if (o >= p[0])
        return;
    uint n = p[1];
    uint m = p[2];
    uint t = o / m;
    int j = int(o - t * m);
    int i = int(t - (t / n) * n);
    int k = int(p[3]);
    bool keep = p[4] != 0 ? j - i >= k : j - i <= k;
    for (uint w = 0; w < W; ++w)
        y[o * W + w] = keep ? x[o * W + w] : 0;
}
