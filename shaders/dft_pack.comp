#version 450
#include "common.glsl"

// First pass of the power-of-two FFT: gathers each signal's first nUse
// samples (windowed, zero-padded to L) into a packed complex buffer
// [S, L], S = O1*O2*inner signals laid out as in dft.comp.
// p[0] S*L  p[1] L  p[2] inner  p[3] O2  p[4] s1  p[5] s2  p[6] si  p[7] sn
// p[8] nUse
layout(local_size_x = 64) in;

layout(constant_id = 0) const uint C = 1;
layout(constant_id = 1) const uint WINDOWED = 0;

layout(std430, binding = 1) readonly buffer X { float x[]; };
layout(std430, binding = 2) readonly buffer W { float win[]; };
layout(std430, binding = 3) writeonly buffer Y { vec2 y[]; };

void main()
{
    uint q = nodus_index();
    if (q >= p[0])
        return;
    uint L = p[1];
    uint inner = p[2];
    uint O2 = p[3];
    uint n = q % L;
    uint s = q / L;
    uint i = s % inner;
    uint t = s / inner;
    uint o2 = t % O2;
    uint o1 = t / O2;
    vec2 v = vec2(0.0);
    if (n < p[8]) {
        uint e = o1 * p[4] + o2 * p[5] + i * p[6] + n * p[7];
        v.x = x[e * C];
        if (C == 2)
            v.y = x[e * C + 1];
        if (WINDOWED != 0)
            v *= win[n];
    }
    y[q] = v;
}
