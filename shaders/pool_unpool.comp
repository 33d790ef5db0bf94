#version 450
// MaxUnpool's scatter: every input value goes where its index points (the
// output was zero-filled before). Indices are flat positions in the
// default-shaped output (as MaxPool produced them); a larger output_shape
// keeps each value at the same spatial coordinates. Indices outside are
// skipped.
// Params: 0 input count, 1 default plane size, 2 output plane size,
// 3 spatial rank (<= 3), 4.. default spatial dims [3], 7.. output spatial
// dims [3], 10 planes (N * C).
#include "common.glsl"

layout(local_size_x = 64) in;

layout(std430, binding = 1) readonly buffer X_ { float x[]; };
layout(std430, binding = 2) readonly buffer I_ { int64_t ind[]; };
layout(std430, binding = 3) writeonly buffer Y_ { float y[]; };

void main()
{
    uint i = nodus_index();
    if (i >= p[0])
        return;
    int64_t o = ind[i];
    int64_t plane = int64_t(p[1]);
    if (o < 0 || o >= plane * int64_t(p[10]))
        return;
    uint pl = uint(o / plane), r = uint(o % plane);
    uint rank = p[3];
    uint at = 0, mul = 1;
    for (uint d = rank; d-- > 0;) {
        uint dim = p[4 + d], odim = p[7 + d];
        uint c = r % dim;
        r /= dim;
        if (c >= odim)
            return;
        at += c * mul;
        mul *= odim;
    }
    y[pl * p[2] + at] = x[i];
}
