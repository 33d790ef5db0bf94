#version 450
// Device probe (core/runtime/probe.cpp): float32 multiply-adds on register
// operands only, the most arithmetic a device's compiler gets out of a
// shader. 16 independent accumulators per invocation (fewer leave a CPU
// driver's FMA pipes waiting on latency; llvmpipe measured 27 G/s with 4,
// 42 with 12-16, the same with 32), ITERS rounds of 16 FMAs each.
// Params: 0 invocations, 1 the multiplier's bits (1.0 - 2^-20, read at run
// time so no round folds away).
// Binding 1: one float per invocation (the accumulators' sum).
#extension GL_EXT_control_flow_attributes : enable
#include "common.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const int ITERS = 256;

layout(std430, binding = 1) writeonly buffer Out_ { float o[]; };

void main()
{
    uint index = nodus_index();
    if (index >= p[0])
        return;
    float acc[16];
    float x = float(index) * 1e-7;
    [[unroll]] for (int i = 0; i < 16; ++i)
        acc[i] = x + float(i);
    float a = pf(1), b = x * 0.5;
    for (int it = 0; it < ITERS; ++it)
        [[unroll]] for (int i = 0; i < 16; ++i)
            acc[i] = fma(acc[i], a, b);
    float s = 0.0;
    [[unroll]] for (int i = 0; i < 16; ++i)
        s += acc[i];
    o[index] = s;
}
