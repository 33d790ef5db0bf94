#version 450
#include "common.glsl"

// Last pass of the power-of-two FFT: bins [0, K) of the packed spectra
// [S, L], scaled, into the output layout [O, K, inner, 2] (O = O1*O2).
// p[0] O*K*inner  p[1] L  p[2] K  p[3] inner  p[4] scale (float)
layout(local_size_x = 64) in;

layout(std430, binding = 1) readonly buffer A { vec2 a[]; };
layout(std430, binding = 2) writeonly buffer Y { vec2 y[]; };

void main()
{
    uint q = nodus_index();
    if (q >= p[0])
        return;
    uint K = p[2];
    uint inner = p[3];
    uint i = q % inner;
    uint t = q / inner;
    uint k = t % K;
    uint o = t / K;
    y[q] = a[(o * inner + i) * p[1] + k] * pf(4);
}
