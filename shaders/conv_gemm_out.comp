#version 450
// The output of a conv run as one GEMM (runGemmConv in
// core/runtime/ops/conv.cpp): y[n][oc][pixel] = act(M[q][oc] + bias[oc] + z)
// for q = n * P + pixel, then FusedConv's epilogue (conv_act.glsl), as
// conv_tile.comp does. M ([rows][OCp], from conv_wino_gemm.comp) is read
// as R32F texels.
// Params: 0 OC, 1 OCp, 2 P (OH * OW), 3 N * OC * P, 4 activation alpha,
// 5 activation beta (floats).
// Bindings: 1 M (R32F texels), 2 bias, 3 output, 4 z (shaped as the output).
#include "common.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint HAS_BIAS = 0;
layout(constant_id = 1) const uint ACT = 0;
layout(constant_id = 2) const uint HAS_Z = 0;

layout(binding = 1) uniform samplerBuffer M;
layout(std430, binding = 2) readonly buffer B_ { float bias[]; };
layout(std430, binding = 3) writeonly buffer Y_ { float y[]; };
layout(std430, binding = 4) readonly buffer Z_ { float z[]; };

#include "conv_act.glsl"

void main()
{
    uint index = nodus_index();
    if (index >= p[3])
        return;
    uint OC = p[0], OCp = p[1], P = p[2];
    uint pixel = index % P, rest = index / P;
    uint oc = rest % OC, n = rest / OC;
    float v = texelFetch(M, int((n * P + pixel) * OCp + oc)).x;
    if (HAS_BIAS != 0)
        v += bias[oc];
    if (HAS_Z != 0)
        v += z[index];
    y[index] = conv_activate(v, ACT, pf(4), pf(5));
}
