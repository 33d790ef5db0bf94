#version 450
// variants: f32 i32 i64
#include "common.glsl"

// CumSum along one axis of an [outer, R, inner] view; lines are (a, b) for
// outer a, inner b, walked in order (backwards with REVERSE).
//   STAGE 0: one invocation per line.
//   STAGE 1: one per (line, chunk): the chunk's sum -> part.
//   STAGE 2: one per line: part -> the sum of the chunks before each one.
//   STAGE 3: one per (line, chunk): the chunk's scan from its part.
// Chunks keep every invocation within lavapipe's loop budget and give few
// long lines more than one thread. Every stage binds all three buffers.
// p[0] invocations   p[1] R   p[2] inner   p[3] chunk length   p[4] chunks
layout(local_size_x = 64) in;

layout(constant_id = 0) const uint EXCLUSIVE = 0;
layout(constant_id = 1) const uint REVERSE = 0;
layout(constant_id = 2) const uint STAGE = 0;

layout(std430, binding = 1) readonly buffer X { T x[]; };
layout(std430, binding = 2) writeonly buffer Y { T y[]; };
layout(std430, binding = 3) buffer Part { T part[]; };

void main()
{
    uint id = nodus_index();
    if (id >= p[0])
        return;
    uint r = p[1];
    uint inner = p[2];
    uint len = p[3];
    uint chunks = p[4];
    if (STAGE == 2) {
        T acc = T_ZERO;
        for (uint i = 0; i < chunks; ++i) {
            uint c = REVERSE != 0 ? chunks - 1 - i : i;
            T v = part[id * chunks + c];
            part[id * chunks + c] = acc;
            acc += v;
        }
        return;
    }
    uint line = STAGE == 0 ? id : id / chunks;
    uint c = STAGE == 0 ? 0 : id - line * chunks;
    uint a = line / inner;
    uint b = line - a * inner;
    uint j0 = STAGE == 0 ? 0 : c * len;
    uint j1 = STAGE == 0 ? r : min(j0 + len, r);
    int step = int(inner);
    uint off = (a * r + j0) * inner + b;
    if (REVERSE != 0) {
        off += (j1 - j0 - 1) * inner;
        step = -step;
    }
    if (STAGE == 1) {
        T acc = T_ZERO;
        for (uint j = j0; j < j1; ++j, off += step)
            acc += x[off];
        part[id] = acc;
        return;
    }
    T acc = STAGE == 3 ? part[id] : T_ZERO;
    for (uint j = j0; j < j1; ++j, off += step) {
        T v = x[off];
        if (EXCLUSIVE != 0) {
            y[off] = acc;
            acc += v;
        } else {
            acc += v;
            y[off] = acc;
        }
    }
}
