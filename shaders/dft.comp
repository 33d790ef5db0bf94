#version 450
#include "common.glsl"

// Direct DFT, one output bin per invocation, for DFT and STFT. The output is
// [O1, O2, K, inner, 2]; bin k of signal (o1, o2, i) sums x[e] * tw[k*n mod L]
// over n < nUse, with e = o1*s1 + o2*s2 + i*si + n*sn counted in complex
// elements of C floats each. DFT has O2 = 1; STFT's frames are O2 with
// s2 = frame_step. The twiddles (cos, +-sin of 2*pi*m/L, sign chosen by the
// direction) come from the host in double precision, so bins whose exact
// value is 0 come out (nearly) exactly 0 rather than carrying sin() error.
// p[0] outputs  p[1] inner  p[2] K  p[3] O2  p[4] s1  p[5] s2  p[6] si
// p[7] sn  p[8] nUse  p[9] L  p[10] scale (float)
layout(local_size_x = 64) in;

layout(constant_id = 0) const uint C = 1;        // 1: real input, 2: complex
layout(constant_id = 1) const uint WINDOWED = 0; // multiply by win[n]

layout(std430, binding = 1) readonly buffer X { float x[]; };
layout(std430, binding = 2) readonly buffer TW { vec2 tw[]; };
layout(std430, binding = 3) readonly buffer W { float win[]; };
layout(std430, binding = 4) writeonly buffer Y { float y[]; };

void main()
{
    uint q = nodus_index();
    if (q >= p[0])
        return;
    uint inner = p[1];
    uint K = p[2];
    uint O2 = p[3];
    uint i = q % inner;
    uint t = q / inner;
    uint k = t % K;
    t /= K;
    uint o2 = t % O2;
    uint o1 = t / O2;
    uint e = o1 * p[4] + o2 * p[5] + i * p[6];
    uint sn = p[7];
    uint nUse = p[8];
    uint L = p[9];
    uint step = k % L;
    uint m = 0;
    float re = 0.0;
    float im = 0.0;
    for (uint n = 0; n < nUse; ++n) {
        float xr = x[e * C];
        float xi = C == 2 ? x[e * C + 1] : 0.0;
        if (WINDOWED != 0) {
            float w = win[n];
            xr *= w;
            xi *= w;
        }
        vec2 c = tw[m];
        re += xr * c.x - xi * c.y;
        im += xr * c.y + xi * c.x;
        e += sn;
        m += step;
        if (m >= L)
            m -= L;
    }
    float scale = pf(10);
    y[2 * q] = re * scale;
    y[2 * q + 1] = im * scale;
}
