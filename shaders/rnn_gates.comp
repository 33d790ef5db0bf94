#version 450
// The input projection of LSTM/GRU/RNN for every time step at once:
// XW[d][t*B + b][n] = sum_k X[t, b, k] * W[d][n][k] + biases.
// W comes transposed ([d][k][n]) so neighbouring invocations (neighbouring
// n) load neighbouring weights; each invocation keeps four rows (time-batch
// pairs) in registers so a weight load feeds four multiply-adds.
#include "common.glsl"

layout(local_size_x = 64) in;

layout(std430, binding = 1) readonly buffer X { float x[]; };
layout(std430, binding = 2) readonly buffer WT { float wt[]; };
layout(std430, binding = 3) readonly buffer Bias { float bias[]; };
layout(std430, binding = 4) writeonly buffer XW { float xw[]; };

// p: 0 M (seq*B), 1 N (gates*H), 2 K (input size), 3 B, 4 x time stride,
// 5 x batch stride, 6 directions, 7 has bias, 8/9 column range [lo, hi)
// whose recurrence bias is left out (GRU's h gate when linear_before_reset,
// where the step applies it inside the reset product).
void main()
{
    uint idx = nodus_index();
    uint M = p[0], N = p[1], K = p[2], B = p[3];
    uint tiles = (M + 3) / 4;
    if (idx >= p[6] * tiles * N)
        return;
    uint n = idx % N;
    uint tile = (idx / N) % tiles;
    uint d = idx / (N * tiles);

    float b0 = 0.0;
    if (p[7] != 0) {
        b0 = bias[d * 2 * N + n];
        if (n < p[8] || n >= p[9])
            b0 += bias[d * 2 * N + N + n];
    }
    uint r0 = tile * 4;
    uint xo[4];
    for (uint i = 0; i < 4; ++i) {
        uint r = min(r0 + i, M - 1);
        xo[i] = (r / B) * p[4] + (r % B) * p[5];
    }
    vec4 acc = vec4(b0);
    uint wo = d * K * N + n;
    for (uint k = 0; k < K; ++k) {
        float w = wt[wo + k * N];
        acc += vec4(x[xo[0] + k], x[xo[1] + k], x[xo[2] + k], x[xo[3] + k]) * w;
    }
    uint out0 = (d * M + r0) * N + n;
    for (uint i = 0; i < 4; ++i)
        if (r0 + i < M)
            xw[out0 + i * N] = acc[i];
}
