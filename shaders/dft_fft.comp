#version 450
#include "common.glsl"

// One radix-2 Stockham stage over S packed complex signals of length L (a
// power of two); stages run with Ns = 1, 2, .., L/2 and leave the spectrum
// in natural order, with no bit reversal pass. Invocation j of a signal
// combines elements j and j + L/2 into outputs (j/Ns)*2Ns + j%Ns and that
// + Ns. Twiddles come from the same host table as dft.comp (L entries,
// sign set by the direction): e^(-+2*pi*i*k/(2Ns)) is entry k*L/(2Ns).
// p[0] S*L/2  p[1] L  p[2] Ns  p[3] L/(2Ns)
layout(local_size_x = 64) in;

layout(std430, binding = 1) readonly buffer A { vec2 a[]; };
layout(std430, binding = 2) readonly buffer TW { vec2 tw[]; };
layout(std430, binding = 3) writeonly buffer B { vec2 b[]; };

void main()
{
    uint q = nodus_index();
    if (q >= p[0])
        return;
    uint L = p[1];
    uint half_ = L >> 1;
    uint Ns = p[2];
    uint s = q / half_;
    uint j = q - s * half_;
    uint base = s * L;
    uint k = j & (Ns - 1);
    vec2 v0 = a[base + j];
    vec2 v1 = a[base + j + half_];
    vec2 w = tw[k * p[3]];
    v1 = vec2(v1.x * w.x - v1.y * w.y, v1.x * w.y + v1.y * w.x);
    uint o = base + (j - k) * 2 + k;
    b[o] = v0 + v1;
    b[o + Ns] = v0 - v1;
}
