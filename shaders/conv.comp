#version 450
// Direct N-D convolution (up to 3 spatial dims; 1-D and 2-D run with unit
// leading dims), any groups, strides, dilations and pads. The general path:
// conv_tile.comp is the fast one for the common 2-D shapes.
//
// Each invocation computes OCB output channels x PB consecutive output
// pixels (specialization constants), so every input load feeds OCB multiply-adds and every weight load
// PB of them (loads are per-lane scalar fetches on CPU implementations).
// The workgroup's Y index is the channel block, so weight addresses are
// uniform across it. Edge blocks clamp their indices and skip the stores.
//
// Params: 0 C, 1 D, 2 H, 3 W, 4 OC, 5 OD, 6 OH, 7 OW, 8 KD, 9 KH, 10 KW,
// 11 SD, 12 SH, 13 SW, 14 PD, 15 PH, 16 PW (leading pads), 17 DD, 18 DH,
// 19 DW (dilations), 20 Cg (input channels per group), 21 OCg (output
// channels per group), 22 channel blocks per group, 23 activation alpha,
// 24 activation beta (floats).
// Dispatch: X pixel blocks / 64, Y groups * blocks per group, Z batch.
#include "common.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint HAS_BIAS = 0;
// Channels x pixels per invocation: 4 x 4, or 1 x 8 for depthwise convs
// (one output channel per group), so no lanes compute clamped duplicates.
layout(constant_id = 1) const int OCB = 4;
layout(constant_id = 2) const int PB = 4;
// FusedConv: the activation (conv_act.glsl) and whether z is added.
layout(constant_id = 3) const uint ACT = 0;
layout(constant_id = 4) const uint HAS_Z = 0;
// Weights held as float16 (SessionOptions::halfWeights): binding 2 packs
// two halves per word, in the same [OC][Cg][KD][KH][KW] order.
layout(constant_id = 5) const uint W16 = 0;

layout(std430, binding = 1) readonly buffer X_ { float x[]; };
layout(std430, binding = 2) readonly buffer W_ { float w[]; };
layout(std430, binding = 2) readonly buffer Wh_ { uint wh[]; };
layout(std430, binding = 3) readonly buffer B_ { float bias[]; };
layout(std430, binding = 4) writeonly buffer Y_ { float y[]; };
layout(std430, binding = 5) readonly buffer Z_ { float z[]; };

#include "conv_act.glsl"

float weight(uint k)
{
    return W16 != 0 ? unpackHalf2x16(wh[k >> 1])[k & 1u] : w[k];
}


void main()
{
    uint C = p[0], D = p[1], H = p[2], W = p[3], OC = p[4], OD = p[5], OH = p[6], OW = p[7];
    uint KD = p[8], KH = p[9], KW = p[10];
    int SD = pi(11), SH = pi(12), SW = pi(13), PD = pi(14), PH = pi(15), PW = pi(16);
    int DD = pi(17), DH = pi(18), DW = pi(19);
    uint Cg = p[20], OCg = p[21], blocks = p[22];

    uint npix = OD * OH * OW;
    uint pix0 = gl_GlobalInvocationID.x * PB;
    if (pix0 >= npix)
        return;
    uint g = gl_WorkGroupID.y / blocks;
    uint ocg0 = (gl_WorkGroupID.y % blocks) * OCB; // within the group
    uint n = gl_WorkGroupID.z;

    int od[PB], oh[PB], ow[PB];
    for (int j = 0; j < PB; ++j) {
        uint q = min(pix0 + j, npix - 1);
        ow[j] = int(q % OW) * SW - PW;
        q /= OW;
        oh[j] = int(q % OH) * SH - PH;
        od[j] = int(q / OH) * SD - PD;
    }
    uint wrow[OCB];
    for (int i = 0; i < OCB; ++i)
        wrow[i] = (g * OCg + min(ocg0 + i, OCg - 1)) * Cg * KD * KH * KW;

    float acc[OCB][PB];
    for (int i = 0; i < OCB; ++i)
        for (int j = 0; j < PB; ++j)
            acc[i][j] = 0.0;

    uint HW = H * W, DHW = D * HW, KK = KD * KH * KW;
    uint xbase = (n * C + g * Cg) * DHW;
    for (uint kd = 0; kd < KD; ++kd) {
        for (uint kh = 0; kh < KH; ++kh) {
            for (uint kw = 0; kw < KW; ++kw) {
                // Offsets and padding masks depend only on the kernel tap,
                // so the channel loop below is loads and multiply-adds.
                uint off[PB];
                bool ok[PB];
                for (int j = 0; j < PB; ++j) {
                    int id = od[j] + int(kd) * DD, ih = oh[j] + int(kh) * DH, iw = ow[j] + int(kw) * DW;
                    ok[j] = id >= 0 && id < int(D) && ih >= 0 && ih < int(H) && iw >= 0 && iw < int(W);
                    off[j] = ok[j] ? xbase + (uint(id) * H + uint(ih)) * W + uint(iw) : xbase;
                }
                uint tap = (kd * KH + kh) * KW + kw;
                for (uint c = 0; c < Cg; ++c) {
                    float xv[PB];
                    for (int j = 0; j < PB; ++j) {
                        float v = x[off[j] + c * DHW];
                        xv[j] = ok[j] ? v : 0.0;
                    }
                    for (int i = 0; i < OCB; ++i) {
                        float wv = weight(wrow[i] + c * KK + tap);
                        for (int j = 0; j < PB; ++j)
                            acc[i][j] += wv * xv[j];
                    }
                }
            }
        }
    }

    for (int i = 0; i < OCB; ++i) {
        uint ocg = ocg0 + i;
        if (ocg >= OCg)
            break;
        uint oc = g * OCg + ocg;
        float b = HAS_BIAS != 0 ? bias[oc] : 0.0;
        uint ybase = (n * OC + oc) * npix;
        for (int j = 0; j < PB; ++j)
            if (pix0 + j < npix)
                y[ybase + pix0 + j] = conv_activate(
                    acc[i][j] + b + (HAS_Z != 0 ? z[ybase + pix0 + j] : 0.0), ACT, pf(23), pf(24));
    }
}
