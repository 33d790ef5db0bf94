#version 450
#include "common.glsl"

// EyeLike: ones on diagonal k of an [N, M] matrix, zeros elsewhere; the
// one of the output type comes as W 32-bit words.
// p[0] elements   p[1] M   p[2] k (clamped to int range)   p[3], p[4] words of one
layout(local_size_x = 64) in;

layout(constant_id = 0) const uint W = 1;

layout(std430, binding = 1) writeonly buffer Y { uint y[]; };

void main()
{
    uint o = nodus_index();
    if (o >= p[0])
        return;
    uint m = p[1];
    uint i = o / m;
    int j = int(o - i * m);
    bool on = j - int(i) == int(p[2]);
    for (uint w = 0; w < W; ++w)
        y[o * W + w] = on ? p[3 + w] : 0;
}
