#version 450
// Global pooling: one invocation reduces one (n, c) plane. OP 0: max,
// 1: average, 2: Lp norm with p = p[2] (float).
// Params: 0 planes, 1 plane size, 2 p.
#include "common.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint OP = 0;

layout(std430, binding = 1) readonly buffer X_ { float x[]; };
layout(std430, binding = 2) writeonly buffer Y_ { float y[]; };

void main()
{
    uint i = nodus_index();
    if (i >= p[0])
        return;
    uint n = p[1];
    uint base = i * n;
    float lp = pf(2);
    // Four partial results break the dependency chain of the loop.
    vec4 acc = OP == 0 ? vec4(-3.402823466e38) : vec4(0.0);
    uint j = 0;
    for (; j + 4 <= n; j += 4) {
        vec4 v = vec4(x[base + j], x[base + j + 1], x[base + j + 2], x[base + j + 3]);
        if (OP == 0)
            acc = max(acc, v);
        else if (OP == 1)
            acc += v;
        else
            acc += lp == 2.0 ? v * v : pow(abs(v), vec4(lp));
    }
    for (; j < n; ++j) {
        float v = x[base + j];
        if (OP == 0)
            acc.x = max(acc.x, v);
        else if (OP == 1)
            acc.x += v;
        else
            acc.x += lp == 2.0 ? v * v : pow(abs(v), lp);
    }
    float r;
    if (OP == 0)
        r = max(max(acc.x, acc.y), max(acc.z, acc.w));
    else if (OP == 1)
        r = (acc.x + acc.y + acc.z + acc.w) / float(n);
    else {
        float s = acc.x + acc.y + acc.z + acc.w;
        r = lp == 2.0 ? sqrt(s) : pow(s, 1.0 / lp);
    }
    y[i] = r;
}
