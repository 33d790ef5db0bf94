#version 450
// variants: f32 i32 i64
#include "common.glsl"

// OneHot: output [outer, depth, inner] from indices [outer, inner] (T is the
// indices' type); values = [off, on] moved as W 32-bit words each. Indices
// outside [-depth, depth) give all off.
// p[0] outputs   p[1] depth   p[2] inner
layout(local_size_x = 64) in;

layout(constant_id = 0) const uint W = 1;

layout(std430, binding = 1) readonly buffer I { T ind[]; };
layout(std430, binding = 2) readonly buffer V { uint vals[]; };
layout(std430, binding = 3) writeonly buffer Y { uint y[]; };

void main()
{
    uint o = nodus_index();
    if (o >= p[0])
        return;
    uint depth = p[1];
    uint inner = p[2];
    uint t = o / inner;
    uint b = o - t * inner;
    uint a = t / depth;
    uint k = t - a * depth;
#if defined(DT_I32)
    int idx = ind[a * inner + b];
    if (idx < 0)
        idx += int(depth);
    uint sel = idx == int(k) ? W : 0;
#else
    int64_t idx = int64_t(ind[a * inner + b]);
    if (idx < 0)
        idx += int64_t(depth);
    uint sel = idx == int64_t(k) ? W : 0;
#endif
    for (uint w = 0; w < W; ++w)
        y[o * W + w] = vals[sel + w];
}
