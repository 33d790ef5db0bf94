#version 450
#include "common.glsl"

// Softmax / LogSoftmax / Hardmax of few long rows, in three dispatches so
// every stage runs in parallel (softmax.comp gives a whole row to one
// invocation, which leaves the device idle when there are few rows).
// The row is viewed as [outer, R, inner]; line = (a, b) for outer a, inner b.
//   STAGE 0: one invocation per (line, chunk): the chunk's max and sum of
//            exp(x - max) (Hardmax: max and its first index) -> part.
//   STAGE 1: one invocation per line: combines the chunks -> part after the
//            chunk stats (max and log/inverse of the sum, or the index).
//   STAGE 2: one invocation per element: writes y.
// p[0] invocations   p[1] R   p[2] inner   p[3] chunk length   p[4] chunks
// p[5] lines
layout(local_size_x = 64) in;

layout(constant_id = 0) const uint MODE = 0; // 0 Softmax, 1 LogSoftmax, 2 Hardmax
layout(constant_id = 1) const uint STAGE = 0;

layout(std430, binding = 1) readonly buffer X { float x[]; };
layout(std430, binding = 2) buffer Part { float part[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };

void main()
{
    uint id = nodus_index();
    if (id >= p[0])
        return;
    uint r = p[1];
    uint inner = p[2];
    uint chunks = p[4];
    uint lineStats = p[5] * chunks * 2;
    if (STAGE == 0) {
        uint line = id / chunks;
        uint c = id - line * chunks;
        uint a = line / inner;
        uint b = line - a * inner;
        uint j0 = c * p[3];
        uint j1 = min(j0 + p[3], r);
        uint off = (a * r + j0) * inner + b;
        float m = -1.0 / 0.0;
        uint arg = j0;
        for (uint j = j0; j < j1; ++j, off += inner) {
            float v = x[off];
            if (v > m) {
                m = v;
                arg = j;
            }
        }
        float s = 0.0;
        if (MODE != 2) {
            off = (a * r + j0) * inner + b;
            for (uint j = j0; j < j1; ++j, off += inner)
                s += exp(x[off] - m);
        }
        part[2 * id] = m;
        part[2 * id + 1] = MODE == 2 ? float(arg) : s; // indices below 2^24: exact
    } else if (STAGE == 1) {
        uint base = id * chunks * 2;
        float m = -1.0 / 0.0;
        uint arg = 0;
        for (uint c = 0; c < chunks; ++c) {
            float v = part[base + 2 * c];
            // Strictly greater: the first chunk keeps a tie (first index).
            if (v > m || c == 0) {
                m = v;
                arg = c;
            }
        }
        if (MODE == 2) {
            part[lineStats + 2 * id] = m;
            part[lineStats + 2 * id + 1] = part[base + 2 * arg + 1];
            return;
        }
        float s = 0.0;
        for (uint c = 0; c < chunks; ++c) {
            float cm = part[base + 2 * c];
            float cs = part[base + 2 * c + 1];
            if (cs > 0.0)
                s += cs * exp(cm - m);
        }
        part[lineStats + 2 * id] = m;
        part[lineStats + 2 * id + 1] = MODE == 1 ? log(s) : 1.0 / s;
    } else {
        uint rowLen = r * inner;
        uint a = id / rowLen;
        uint rest = id - a * rowLen;
        uint j = rest / inner;
        uint line = a * inner + (rest - j * inner);
        float m = part[lineStats + 2 * line];
        float q = part[lineStats + 2 * line + 1];
        if (MODE == 2)
            y[id] = j == uint(q) ? 1.0 : 0.0;
        else if (MODE == 1)
            y[id] = (x[id] - m) - q;
        else
            y[id] = exp(x[id] - m) * q;
    }
}
