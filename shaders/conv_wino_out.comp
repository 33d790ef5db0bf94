#version 450
// Winograd F(4x4, 3x3) output transform (conv_wino_in.comp has the
// overview): Y = A^T M A turns the 36 GEMM results of a tile into its 4x4
// outputs, then FusedConv's epilogue y = act(y + bias + z) (conv_act.glsl)
// is applied, as conv_tile.comp does. One invocation owns the 4 tiles of a
// quad (as in conv_wino_in.comp): M's 4 slots of one frequency are one
// RGBA32F texel fetch, and the transform runs on vec4s.
// M layout: [36][OCp][Tp], slot t = ((n * TH + th) * TQ + tq) * 4 + k.
// Params: 0 OC, 1 OCp, 2 OH, 3 OW, 4 TH, 5 TQ, 6 Tp / 4, 7 N * OC * TH * TQ,
// 8 activation alpha, 9 activation beta (floats).
// Bindings: 1 M (RGBA32F texels), 2 bias, 3 output, 4 z (shaped as the output).
#include "common.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint HAS_BIAS = 0;
layout(constant_id = 1) const uint ACT = 0;
layout(constant_id = 2) const uint HAS_Z = 0;
// Rows are whole texels of the output (OW a multiple of 4, aligned): a
// tile row goes out as one vec4 store.
layout(constant_id = 3) const uint VEC_OUT = 0;

layout(binding = 1) uniform samplerBuffer M;
layout(std430, binding = 2) readonly buffer B_ { float bias[]; };
layout(std430, binding = 3) writeonly buffer Y_ { float y[]; };
layout(std430, binding = 3) writeonly buffer Y4_ { vec4 y4[]; };
layout(std430, binding = 4) readonly buffer Z_ { float z[]; };

#include "conv_act.glsl"

// A^T m for F(4, 3): 6 values in, 4 out, on 4 tiles at once.
void at6(vec4 m[6], out vec4 r[4])
{
    vec4 s12 = m[1] + m[2], d12 = m[1] - m[2], s34 = m[3] + m[4], d34 = m[3] - m[4];
    r[0] = m[0] + s12 + s34;
    r[1] = d12 + 2.0 * d34;
    r[2] = s12 + 4.0 * s34;
    r[3] = d12 + 8.0 * d34 + m[5];
}

void main()
{
    uint index = nodus_index();
    if (index >= p[7])
        return;
    uint OC = p[0], OCp = p[1], OH = p[2], OW = p[3], TH = p[4], TQ = p[5], Tp4 = p[6];
    uint tq = index % TQ, rest = index / TQ;
    uint th = rest % TH;
    rest /= TH;
    uint oc = rest % OC, n = rest / OC;

    int ib = int(oc * Tp4 + (n * TH + th) * TQ + tq), xs = int(OCp * Tp4);
    // cols[j][i]: (A^T M) row i, column j.
    vec4 cols[6][4];
    for (int j = 0; j < 6; ++j) {
        vec4 m[6];
        for (int i = 0; i < 6; ++i)
            m[i] = texelFetch(M, ib + (i * 6 + j) * xs);
        at6(m, cols[j]);
    }
    float b = HAS_BIAS != 0 ? bias[oc] : 0.0;
    for (int i = 0; i < 4; ++i) {
        uint oh = th * 4u + uint(i);
        if (oh >= OH)
            break;
        vec4 row[6];
        for (int j = 0; j < 6; ++j)
            row[j] = cols[j][i];
        vec4 r[4]; // r[j][k]: output column j of tile k
        at6(row, r);
        uint yrow = ((n * OC + oc) * OH + oh) * OW;
        for (int k = 0; k < 4; ++k) {
            uint ow0 = (tq * 4u + uint(k)) * 4u;
            if (ow0 >= OW)
                break;
            float o[4];
            for (int j = 0; j < 4; ++j) {
                bool inside = ow0 + uint(j) < OW;
                o[j] = conv_activate(
                    r[j][k] + b + (HAS_Z != 0 && inside ? z[yrow + ow0 + uint(j)] : 0.0), ACT, pf(8), pf(9));
            }
            if (VEC_OUT != 0) {
                y4[(yrow + ow0) / 4u] = vec4(o[0], o[1], o[2], o[3]);
            } else {
                for (int j = 0; j < 4; ++j)
                    if (ow0 + uint(j) < OW)
                        y[yrow + ow0 + uint(j)] = o[j];
            }
        }
    }
}
