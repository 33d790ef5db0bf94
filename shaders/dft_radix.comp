#version 450
#include "common.glsl"

// One stage of a mixed-radix Stockham FFT over S complex signals of length
// L: stages run with radices R whose product is L, Ns being the product of
// the earlier ones, and leave the spectrum in natural order (no reordering
// pass). Invocation j of a signal reads elements j + m*L/R (m < R), turns
// them by the stage twiddles, takes their R-point DFT and writes outputs
// (j - j%Ns)*R + j%Ns + t*Ns. The first stage gathers straight from the
// input (layout and window as in dft.comp, zero past nUse); the last writes
// bins below K, scaled, straight to the output [O, K, inner, 2]; stages in
// between go through scratch buffers a -> b. Every twiddle is an entry of
// the host's double-precision table (cos, -+sin of 2*pi*t/L).
// p[0] S*L/R  p[1] L  p[2] Ns  p[3] L/(Ns*R)  p[4] L/R  p[5] inner  p[6] O2
// p[7] s1  p[8] s2  p[9] si  p[10] sn  p[11] nUse  p[12] K  p[13] scale
layout(local_size_x = 64) in;

layout(constant_id = 0) const uint R = 2; // at most MAX_R
const uint MAX_R = 13;
layout(constant_id = 1) const uint FIRST = 0;
layout(constant_id = 2) const uint LAST = 0;
layout(constant_id = 3) const uint C = 1;
layout(constant_id = 4) const uint WINDOWED = 0;

layout(std430, binding = 1) readonly buffer X { float x[]; };
layout(std430, binding = 2) readonly buffer W { float win[]; };
layout(std430, binding = 3) readonly buffer A { vec2 a[]; };
layout(std430, binding = 4) readonly buffer TW { vec2 tw[]; };
layout(std430, binding = 5) writeonly buffer B { vec2 b[]; };
layout(std430, binding = 6) writeonly buffer Y { vec2 y[]; };

vec2 cmul(vec2 u, vec2 v)
{
    return vec2(u.x * v.x - u.y * v.y, u.x * v.y + u.y * v.x);
}

// z times sigma*i (sigma = +-1): an exact quarter turn.
vec2 turn(vec2 z, float sigma)
{
    return vec2(-sigma * z.y, sigma * z.x);
}

// The direction's quarter turn is exactly +-i: its sign, from table entry
// L/4 (the table's cos there is 6e-17, not 0).
float sign4(uint quarter)
{
    return tw[quarter].y > 0.0 ? 1.0 : -1.0;
}

void dft4(vec2 a, vec2 b, vec2 c, vec2 d, float sigma, out vec2 r0, out vec2 r1, out vec2 r2, out vec2 r3)
{
    vec2 a0 = a + c;
    vec2 a1 = a - c;
    vec2 b0 = b + d;
    vec2 b1 = turn(b - d, sigma);
    r0 = a0 + b0;
    r1 = a1 + b1;
    r2 = a0 - b0;
    r3 = a1 - b1;
}

void main()
{
    uint q = nodus_index();
    if (q >= p[0])
        return;
    uint L = p[1];
    uint Ns = p[2];
    uint M = p[4];
    uint s = q / M;
    uint j = q - s * M;
    uint k = j % Ns;

    vec2 v[MAX_R];
    if (FIRST != 0) {
        uint inner = p[5];
        uint O2 = p[6];
        uint i = s % inner;
        uint t = s / inner;
        uint o2 = t % O2;
        uint o1 = t / O2;
        uint e0 = o1 * p[7] + o2 * p[8] + i * p[9];
        for (uint m = 0; m < R; ++m) {
            uint n = j + m * M;
            vec2 val = vec2(0.0);
            if (n < p[11]) {
                uint e = e0 + n * p[10];
                val.x = x[e * C];
                if (C == 2)
                    val.y = x[e * C + 1];
                if (WINDOWED != 0)
                    val *= win[n];
            }
            v[m] = val;
        }
    } else {
        uint src = s * L + j;
        for (uint m = 0; m < R; ++m)
            v[m] = a[src + m * M];
        // Stage twiddles: m*k*L/(Ns*R) stays below L.
        if (k != 0) {
            uint step = k * p[3];
            uint t = step;
            for (uint m = 1; m < R; ++m) {
                v[m] = cmul(v[m], tw[t]);
                t += step;
            }
        }
    }

    vec2 V[MAX_R];
    if (R == 2) {
        V[0] = v[0] + v[1];
        V[1] = v[0] - v[1];
    } else if (R == 4) {
        dft4(v[0], v[1], v[2], v[3], sign4(M), V[0], V[1], V[2], V[3]);
    } else if (R == 8) {
        // Two 4-point DFTs (even and odd elements) joined by eighth turns.
        float sigma = sign4(2 * M);
        vec2 e0, e1, e2, e3, o0, o1, o2, o3;
        dft4(v[0], v[2], v[4], v[6], sigma, e0, e1, e2, e3);
        dft4(v[1], v[3], v[5], v[7], sigma, o0, o1, o2, o3);
        o1 = cmul(o1, tw[M]);
        o2 = turn(o2, sigma);
        o3 = cmul(o3, tw[3 * M]);
        V[0] = e0 + o0;
        V[1] = e1 + o1;
        V[2] = e2 + o2;
        V[3] = e3 + o3;
        V[4] = e0 - o0;
        V[5] = e1 - o1;
        V[6] = e2 - o2;
        V[7] = e3 - o3;
    } else {
        // The R-th roots of unity, loaded once; with R constant the loops
        // unroll and (m*t) % R folds, so the DFT runs in registers.
        vec2 root[MAX_R];
        for (uint u = 0; u < R; ++u)
            root[u] = tw[u * M];
        for (uint t = 0; t < R; ++t) {
            vec2 acc = v[0];
            for (uint m = 1; m < R; ++m)
                acc += cmul(v[m], root[(m * t) % R]);
            V[t] = acc;
        }
    }

    uint o0 = (j - k) * R + k;
    if (LAST != 0) {
        uint K = p[12];
        float scale = pf(13);
        uint inner = p[5];
        uint outer = s / inner;
        uint i = s - outer * inner;
        for (uint t = 0; t < R; ++t) {
            uint bin = o0 + t * Ns;
            if (bin < K)
                y[(outer * K + bin) * inner + i] = V[t] * scale;
        }
    } else {
        uint dst = s * L + o0;
        for (uint t = 0; t < R; ++t)
            b[dst + t * Ns] = V[t];
    }
}
