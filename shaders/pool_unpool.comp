#version 450
// MaxUnpool's scatter: every input value goes to the flat output position
// its index names (the output was zero-filled before). Indices outside the
// output are skipped.
// Params: 0 input count, 1 output count.
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
    if (o >= 0 && o < int64_t(p[1]))
        y[uint(o)] = x[i];
}
