#version 450
// Integer convolution for ConvInteger and QLinearConv: inputs are 8-bit
// values held as int; products of zero-point-shifted values accumulate
// exactly in int32. Padding contributes nothing (it stands for the zero
// point). QLINEAR requantizes: y = clamp(roundEven((acc + bias) * mult[oc])
// + y_zero_point, qmin, qmax), mult = x_scale * w_scale[oc] / y_scale.
// Each invocation computes OCB channels x PB pixels like conv.comp.
//
// Params: 0 C, 1 D, 2 H, 3 W, 4 OC, 5 OD, 6 OH, 7 OW, 8 KD, 9 KH, 10 KW,
// 11 SD, 12 SH, 13 SW, 14 PD, 15 PH, 16 PW, 17 DD, 18 DH, 19 DW, 20 Cg,
// 21 OCg, 22 channel blocks per group, 23 x zero point, 24 y zero point,
// 25 qmin, 26 qmax.
// Table (binding 4): OC weight zero points, then OC multipliers (float bits).
#include "common.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint QLINEAR = 0;
layout(constant_id = 1) const uint HAS_BIAS = 0;

layout(std430, binding = 1) readonly buffer X_ { int x[]; };
layout(std430, binding = 2) readonly buffer W_ { int w[]; };
layout(std430, binding = 3) readonly buffer B_ { int bias[]; };
layout(std430, binding = 4) readonly buffer T_ { int tab[]; };
layout(std430, binding = 5) writeonly buffer Y_ { int y[]; };

#define OCB 4
#define PB 4

void main()
{
    uint C = p[0], D = p[1], H = p[2], W = p[3], OC = p[4], OD = p[5], OH = p[6], OW = p[7];
    uint KD = p[8], KH = p[9], KW = p[10];
    int SD = pi(11), SH = pi(12), SW = pi(13), PD = pi(14), PH = pi(15), PW = pi(16);
    int DD = pi(17), DH = pi(18), DW = pi(19);
    uint Cg = p[20], OCg = p[21], blocks = p[22];
    int xzp = pi(23);

    uint npix = OD * OH * OW;
    uint pix0 = gl_GlobalInvocationID.x * PB;
    if (pix0 >= npix)
        return;
    uint g = gl_WorkGroupID.y / blocks;
    uint ocg0 = (gl_WorkGroupID.y % blocks) * OCB;
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
    int wzp[OCB];
    for (int i = 0; i < OCB; ++i) {
        uint oc = g * OCg + min(ocg0 + i, OCg - 1);
        wrow[i] = oc * Cg * KD * KH * KW;
        wzp[i] = tab[oc];
    }

    int acc[OCB][PB];
    for (int i = 0; i < OCB; ++i)
        for (int j = 0; j < PB; ++j)
            acc[i][j] = 0;

    uint HW = H * W, DHW = D * HW, KK = KD * KH * KW;
    uint xbase = (n * C + g * Cg) * DHW;
    for (uint kd = 0; kd < KD; ++kd) {
        for (uint kh = 0; kh < KH; ++kh) {
            for (uint kw = 0; kw < KW; ++kw) {
                uint off[PB];
                bool ok[PB];
                for (int j = 0; j < PB; ++j) {
                    int id = od[j] + int(kd) * DD, ih = oh[j] + int(kh) * DH, iw = ow[j] + int(kw) * DW;
                    ok[j] = id >= 0 && id < int(D) && ih >= 0 && ih < int(H) && iw >= 0 && iw < int(W);
                    off[j] = ok[j] ? xbase + (uint(id) * H + uint(ih)) * W + uint(iw) : xbase;
                }
                uint tap = (kd * KH + kh) * KW + kw;
                for (uint c = 0; c < Cg; ++c) {
                    int xv[PB];
                    for (int j = 0; j < PB; ++j) {
                        int v = x[off[j] + c * DHW];
                        xv[j] = ok[j] ? v - xzp : 0;
                    }
                    for (int i = 0; i < OCB; ++i) {
                        int wv = w[wrow[i] + c * KK + tap] - wzp[i];
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
        int b = HAS_BIAS != 0 ? bias[oc] : 0;
        float mult = intBitsToFloat(tab[OC + oc]);
        uint ybase = (n * OC + oc) * npix;
        for (int j = 0; j < PB; ++j) {
            if (pix0 + j >= npix)
                continue;
            int v = acc[i][j] + b;
            if (QLINEAR != 0)
                v = int(clamp(roundEven(float(v) * mult) + float(pi(24)), float(pi(25)), float(pi(26))));
            y[ybase + pix0 + j] = v;
        }
    }
}
