#version 450
// The input projection of LSTM/GRU/RNN for every time step at once:
// XW[d][t*B + b][n] = sum_k X[t, b, k] * W[d][n][k] + biases.
// X rows and W rows are read as vec4s along k (the kernel pads k to a
// multiple of 4 with zeros when it must). An invocation computes 8 rows by 4
// columns. Workgroups are [column tiles] x [row tiles] x [directions]: the
// rows of a workgroup are the same in every lane, so their loads are one
// fetch for all lanes on CPU implementations, and each lane's weight loads
// feed 8 rows.
#include "common.glsl"

layout(local_size_x = 64) in;

layout(std430, binding = 1) readonly buffer X { vec4 xv[]; };
layout(std430, binding = 2) readonly buffer W { vec4 wv[]; };
layout(std430, binding = 3) readonly buffer Bias { float bias[]; };
layout(std430, binding = 4) writeonly buffer XW { float xw[]; };

// p: 0 M (seq*B), 1 N (gates*H), 2 K4 (padded input size / 4), 3 B, 4 x time
// stride, 5 x batch stride (both in vec4s), 6 directions, 7 has bias, 8/9
// column range [lo, hi) whose recurrence bias is left out (GRU's h gate
// with linear_before_reset, where the step applies it inside the reset
// product).
const uint TR = 8;

void main()
{
    uint M = p[0], N = p[1], K4 = p[2], B = p[3];
    uint rowTiles = (M + TR - 1) / TR;
    uint d = gl_WorkGroupID.z;
    uint n0 = gl_GlobalInvocationID.x * 4;
    bool live = n0 < N;
    uint wo[4];
    for (uint j = 0; j < 4; ++j)
        wo[j] = (d * N + min(n0 + j, N - 1)) * K4;
    vec4 b0 = vec4(0.0);
    if (p[7] != 0)
        for (uint j = 0; j < 4; ++j) {
            uint n = min(n0 + j, N - 1);
            b0[j] = bias[d * 2 * N + n];
            if (n < p[8] || n >= p[9])
                b0[j] += bias[d * 2 * N + N + n];
        }

    // More row tiles than workgroups in Y are taken in turns.
    for (uint rt = gl_WorkGroupID.y; rt < rowTiles; rt += gl_NumWorkGroups.y) {
        uint r0 = rt * TR;
        uint xo[TR];
        for (uint i = 0; i < TR; ++i) {
            uint r = min(r0 + i, M - 1);
            xo[i] = (r / B) * p[4] + (r % B) * p[5];
        }
        // acc[i][j]: row r0 + i, column n0 + j.
        vec4 acc[TR];
        for (uint i = 0; i < TR; ++i)
            acc[i] = b0;
        for (uint k = 0; k < K4; ++k) {
            vec4 w0 = wv[wo[0] + k], w1 = wv[wo[1] + k], w2 = wv[wo[2] + k], w3 = wv[wo[3] + k];
            for (uint i = 0; i < TR; ++i) {
                vec4 x = xv[xo[i] + k];
                acc[i] += vec4(dot(x, w0), dot(x, w1), dot(x, w2), dot(x, w3));
            }
        }
        if (!live)
            continue;
        for (uint i = 0; i < TR; ++i) {
            if (r0 + i >= M)
                break;
            uint o = (d * M + r0 + i) * N + n0;
            for (uint j = 0; j < 4; ++j)
                if (n0 + j < N)
                    xw[o + j] = acc[i][j];
        }
    }
}
