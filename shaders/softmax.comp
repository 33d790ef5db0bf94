#version 450
#include "common.glsl"

// Softmax / LogSoftmax / Hardmax along one axis of an [outer, R, inner]
// view; one row per invocation (max, sum of exp, scale: three sweeps).
// p[0] rows (outer * inner)   p[1] R   p[2] inner
layout(local_size_x = 64) in;

layout(constant_id = 0) const uint MODE = 0; // 0 Softmax, 1 LogSoftmax, 2 Hardmax

layout(std430, binding = 1) readonly buffer X { float x[]; };
layout(std430, binding = 2) buffer Y { float y[]; };

void main()
{
    uint o = nodus_index();
    if (o >= p[0])
        return;
    uint r = p[1];
    uint inner = p[2];
    uint a = o / inner;
    uint b = o - a * inner;
    uint base = a * r * inner + b;

    float m = -1.0 / 0.0;
    uint arg = 0;
    uint off = base;
    for (uint j = 0; j < r; ++j, off += inner) {
        float v = x[off];
        if (v > m) {
            m = v;
            arg = j;
        }
    }
    if (MODE == 2) {
        off = base;
        for (uint j = 0; j < r; ++j, off += inner)
            y[off] = j == arg ? 1.0 : 0.0;
        return;
    }
    float s = 0.0;
    off = base;
    if (MODE == 1) {
        for (uint j = 0; j < r; ++j, off += inner)
            s += exp(x[off] - m);
    } else {
        // Softmax keeps each exp in y for the last sweep to scale.
        for (uint j = 0; j < r; ++j, off += inner) {
            float e = exp(x[off] - m);
            s += e;
            y[off] = e;
        }
    }
    off = base;
    if (MODE == 1) {
        // (x - m) is exact near the maximum, where the result is small.
        float l = log(s);
        for (uint j = 0; j < r; ++j, off += inner)
            y[off] = (x[off] - m) - l;
    } else {
        float inv = 1.0 / s;
        for (uint j = 0; j < r; ++j, off += inner)
            y[off] *= inv;
    }
}
