#version 450
// Device probe (core/runtime/probe.cpp): RGBA32F texel fetches, the way the
// conv and GEMM kernels read their operands. Each invocation reads ITERS
// texels at offsets that differ from lane to lane (as a GEMM lane's own
// slots do) and sums them; the buffer holds TEXELS texels (a power of two),
// so a small one stays in cache and a large one measures memory.
// Params: 0 invocations, 1 texels - 1 (the index mask), 2 the stride
// between one invocation's fetches (texels).
// Bindings: 1 the texels, 2 one float per invocation (the sum).
#include "common.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const int ITERS = 256;

layout(binding = 1) uniform samplerBuffer src;
layout(std430, binding = 2) writeonly buffer Out_ { float o[]; };

void main()
{
    uint index = nodus_index();
    if (index >= p[0])
        return;
    uint mask = p[1], stride = p[2];
    uint at = index;
    vec4 s = vec4(0.0);
    for (int it = 0; it < ITERS; ++it) {
        s += texelFetch(src, int(at & mask));
        at += stride;
    }
    o[index] = s.x + s.y + s.z + s.w;
}
