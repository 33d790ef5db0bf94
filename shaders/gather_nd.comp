#version 450
#include "common.glsl"

// GatherND: output element o is element e of the slice picked by index
// tuple g = o / S (S = slice size); tuples of one batch share the batch's
// data block. Words as in gather.comp.
// p[0] outputs   p[1] S   p[2] tuples per batch   p[3] q (tuple length)
// p[4] data elements per batch
// p[8 + j] data dim b + j   p[16 + j] data stride (in the batch) of dim b + j
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
    uint s = p[1];
    uint g = o / s;
    uint e = o - g * s;
    uint q = p[3];
    uint src = (g / p[2]) * p[4] + e;
    bool inside = true;
    for (uint j = 0; j < q; ++j) {
        int n = int(p[8 + j]);
        int idx = ind[(g * q + j) * IW];
        if (idx < 0)
            idx += n;
        inside = inside && idx >= 0 && idx < n;
        src += uint(idx) * p[16 + j];
    }
    if (inside) {
        for (uint w = 0; w < W; ++w)
            y[o * W + w] = x[src * W + w];
    } else {
        for (uint w = 0; w < W; ++w)
            y[o * W + w] = 0;
    }
}
