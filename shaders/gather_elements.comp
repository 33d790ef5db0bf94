#version 450
#include "common.glsl"

// GatherElements: out[i] = data[i with its axis coordinate replaced by
// indices[i]]. Words as in gather.comp.
// p[0] outputs   p[1] rank   p[2] axis   p[3] data's axis dim
// p[8 + d] indices dim d   p[16 + d] data stride d
layout(local_size_x = 64) in;

layout(constant_id = 0) const uint W = 1;
layout(constant_id = 1) const uint IW = 1;

layout(std430, binding = 1) readonly buffer X { uint x[]; };
layout(std430, binding = 2) readonly buffer I { int ind[]; };
layout(std430, binding = 3) writeonly buffer Y { uint y[]; };

void main()
{
    uint o = nodus_index();
    if (o >= p[0])
        return;
    int rank = int(p[1]);
    int axis = int(p[2]);
    int n = int(p[3]);
    int idx = ind[o * IW];
    if (idx < 0)
        idx += n;
    if (idx < 0 || idx >= n) {
        for (uint w = 0; w < W; ++w)
            y[o * W + w] = 0;
        return;
    }
    uint rem = o;
    uint src = 0;
    for (int d = rank - 1; d >= 0; --d) {
        uint dim = p[8 + d];
        uint q = rem / dim;
        uint c = d == axis ? uint(idx) : rem - q * dim;
        src += c * p[16 + d];
        rem = q;
    }
    src *= W;
    for (uint w = 0; w < W; ++w)
        y[o * W + w] = x[src + w];
}
