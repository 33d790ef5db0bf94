#version 450
// Transposed convolution as a gather: each output pixel sums the inputs
// whose scattered kernel window covers it (o = i * stride - pad + k * dil).
// Each invocation computes OCB output channels of one pixel so every input
// load feeds OCB multiply-adds; the workgroup's Y index is the channel block.
// Weights are [C][OC / groups][kernel...].
//
// Params: 0 C, 1 D, 2 H, 3 W, 4 OC, 5 OD, 6 OH, 7 OW, 8 KD, 9 KH, 10 KW,
// 11 SD, 12 SH, 13 SW, 14 PD, 15 PH, 16 PW (leading pads), 17 DD, 18 DH,
// 19 DW, 20 Cg, 21 OCg, 22 channel blocks per group.
// Dispatch: X pixels / 64, Y groups * blocks per group, Z batch.
#include "common.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint HAS_BIAS = 0;

layout(std430, binding = 1) readonly buffer X_ { float x[]; };
layout(std430, binding = 2) readonly buffer W_ { float w[]; };
layout(std430, binding = 3) readonly buffer B_ { float bias[]; };
layout(std430, binding = 4) writeonly buffer Y_ { float y[]; };

#define OCB 4

void main()
{
    uint C = p[0], D = p[1], H = p[2], W = p[3], OC = p[4], OD = p[5], OH = p[6], OW = p[7];
    int KD = pi(8), KH = pi(9), KW = pi(10);
    int SD = pi(11), SH = pi(12), SW = pi(13);
    int DD = pi(17), DH = pi(18), DW = pi(19);
    uint Cg = p[20], OCg = p[21], blocks = p[22];

    uint npix = OD * OH * OW;
    uint pix = gl_GlobalInvocationID.x;
    if (pix >= npix)
        return;
    uint g = gl_WorkGroupID.y / blocks;
    uint ocg0 = (gl_WorkGroupID.y % blocks) * OCB;
    uint n = gl_WorkGroupID.z;

    uint q = pix;
    int ow = int(q % OW) + pi(16);
    q /= OW;
    int oh = int(q % OH) + pi(15);
    int od = int(q / OH) + pi(14);

    uint KK = uint(KD * KH * KW);
    uint HW = H * W, DHW = D * HW;
    uint wcol[OCB];
    for (int i = 0; i < OCB; ++i)
        wcol[i] = (g * Cg * OCg + min(ocg0 + i, OCg - 1)) * KK;
    uint xbase = (n * C + g * Cg) * DHW;

    float acc[OCB];
    for (int i = 0; i < OCB; ++i)
        acc[i] = 0.0;
    for (int kd = 0; kd < KD; ++kd) {
        int td = od - kd * DD;
        if (td < 0 || td % SD != 0 || td / SD >= int(D))
            continue;
        for (int kh = 0; kh < KH; ++kh) {
            int th = oh - kh * DH;
            if (th < 0 || th % SH != 0 || th / SH >= int(H))
                continue;
            for (int kw = 0; kw < KW; ++kw) {
                int tw = ow - kw * DW;
                if (tw < 0 || tw % SW != 0 || tw / SW >= int(W))
                    continue;
                uint xo = xbase + (uint(td / SD) * H + uint(th / SH)) * W + uint(tw / SW);
                uint tap = uint((kd * KH + kh) * KW + kw);
                for (uint c = 0; c < Cg; ++c) {
                    float xv = x[xo + c * DHW];
                    for (int i = 0; i < OCB; ++i)
                        acc[i] += xv * w[wcol[i] + c * OCg * KK + tap];
                }
            }
        }
    }
    for (int i = 0; i < OCB; ++i) {
        uint ocg = ocg0 + i;
        if (ocg >= OCg)
            break;
        uint oc = g * OCg + ocg;
        y[(n * OC + oc) * npix + pix] = acc[i] + (HAS_BIAS != 0 ? bias[oc] : 0.0);
    }
}
