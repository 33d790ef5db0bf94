#version 450
#include "common.glsl"

// ReverseSequence on a [d0, d1, inner] view where time and batch are dims 0
// and 1 (in either order): the first seq_len[b] steps of batch b reversed,
// the rest copied. Words as in gather.comp.
// p[0] elements   p[1] d1   p[2] inner   p[3] time axis (0 or 1)   p[4] time steps
layout(local_size_x = 64) in;

layout(constant_id = 0) const uint W = 1;
layout(constant_id = 1) const uint IW = 1;

layout(std430, binding = 1) readonly buffer X { uint x[]; };
layout(std430, binding = 2) readonly buffer L { int lens[]; };
layout(std430, binding = 3) writeonly buffer Y { uint y[]; };

void main()
{
    uint o = nodus_index();
    if (o >= p[0])
        return;
    uint d1 = p[1];
    uint inner = p[2];
    uint t01 = o / inner;
    uint e = o - t01 * inner;
    uint c0 = t01 / d1;
    uint c1 = t01 - c0 * d1;
    bool time0 = p[3] == 0;
    uint t = time0 ? c0 : c1;
    uint b = time0 ? c1 : c0;
    int len = clamp(lens[b * IW], 0, int(p[4]));
    if (int(t) < len)
        t = uint(len) - 1 - t;
    uint src = ((time0 ? t * d1 + c1 : c0 * d1 + t) * inner + e) * W;
    for (uint w = 0; w < W; ++w)
        y[o * W + w] = x[src + w];
}
