#version 450
#include "common.glsl"

// Gather on an [outer, N, inner] view of the data with M indices:
// out[a, m, b] = data[a, indices[m], b]. Elements are moved as 32-bit words
// (W per element), so one shader serves every type; indices are read as
// their low 32-bit word (int64 indices in range fit). Out-of-range indices
// give zeros instead of reading outside the buffer. Each invocation moves
// BLOCK neighbouring elements (inner is a multiple of BLOCK), sharing the
// index arithmetic.
// A data table larger than one binding may span is gathered in row chunks
// (outer is 1): the binding then holds rows [p[4], p[4] + p[5]) starting at
// word p[6], and only indices in that range are written, so the chunks'
// dispatches fill disjoint rows of the output; the first chunk (p[4] = 0)
// writes the zeros of out-of-range indices.
// p[0] invocations   p[1] inner / BLOCK   p[2] M   p[3] N
// p[4] first row bound   p[5] rows bound   p[6] word where row p[4] starts
layout(local_size_x = 64) in;

layout(constant_id = 0) const uint W = 1;
layout(constant_id = 1) const uint IW = 1;
layout(constant_id = 2) const uint BLOCK = 1;

layout(std430, binding = 1) readonly buffer X { uint x[]; };
layout(std430, binding = 2) readonly buffer I { int ind[]; };
layout(std430, binding = 3) writeonly buffer Y { uint y[]; };

void main()
{
    uint o = nodus_index();
    if (o >= p[0])
        return;
    uint blocks = p[1];
    uint m = p[2];
    int n = int(p[3]);
    uint t = o / blocks;
    uint b = o - t * blocks;
    uint a = t / m;
    uint j = t - a * m;
    int idx = ind[j * IW];
    if (idx < 0)
        idx += n;
    uint dst = o * (BLOCK * W);
    if (idx < 0 || idx >= n) {
        if (p[4] == 0)
            for (uint w = 0; w < BLOCK * W; ++w)
                y[dst + w] = 0;
        return;
    }
    uint row = uint(idx) - p[4];
    if (uint(idx) < p[4] || row >= p[5])
        return;
    uint src = p[6] + ((a * p[5] + row) * blocks + b) * (BLOCK * W);
    for (uint w = 0; w < BLOCK * W; ++w)
        y[dst + w] = x[src + w];
}
