#version 450
// Moves a block of `count` positions along one axis between a tensor viewed
// as [outer][len][inner] and a block viewed as [outer][count][inner]:
// slicing (Scan's per-step inputs, SplitToSequence) or placing (Scan's
// stacked outputs, ConcatFromSequence). Elements are moved as 32-bit words
// (inner counts words), so one shader serves every rep.
#include "common.glsl"

layout(local_size_x = 64) in;

// 0: slice the block out of the tensor; 1: place the block into it.
layout(constant_id = 0) const uint MODE = 0;

layout(std430, binding = 1) readonly buffer In { uint src[]; };
layout(std430, binding = 2) writeonly buffer Out { uint dst[]; };

// p: 0 outer, 1 len, 2 count, 3 inner (words), 4 start
void main()
{
    uint idx = nodus_index();
    uint outer = p[0], len = p[1], count = p[2], inner = p[3], start = p[4];
    if (idx >= outer * count * inner)
        return;
    uint c = idx % inner;
    uint i = (idx / inner) % count;
    uint o = idx / (inner * count);
    uint big = (o * len + start + i) * inner + c;
    if (MODE == 0)
        dst[idx] = src[big];
    else
        dst[big] = src[idx];
}
