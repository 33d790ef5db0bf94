#version 450
// The patch matrix of a conv run as one GEMM (runGemmConv in
// core/runtime/ops/conv.cpp, for outputs with few pixels and many
// channels): A[block][k][t] = x[n][c][oh * SH - PT + kh * DH][ow * SW - PL + kw * DW]
// for output pixel q = block * TB + t (q = (n * OH + oh) * OW + ow) and
// k = (c * KH + kh) * KW + kw, zero outside the input, past K (up to Kp, a
// multiple of 8, the GEMM's reduction chunk) and past the last pixel (up to
// a whole block). That is conv_wino_gemm.comp's row operand: blocks of TB
// pixels, one block's values of a k contiguous. One invocation writes 4
// consecutive pixels as one vec4 store (on lavapipe each storage-buffer
// access is a per-lane loop); the input is read as R32F texels.
// Params: 0 C, 1 H, 2 W, 3 OH, 4 OW, 5 Q (N * OH * OW), 6 K, 7 Kp, 8 TB,
// 9 vec4s to write (Kp * rows / 4), 10 SH, 11 SW, 12 DH, 13 DW, 14 PT, 15 PL.
// Bindings: 1 x (R32F texels), 2 A.
#include "common.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint KH = 3;
layout(constant_id = 1) const uint KW = 3;

layout(binding = 1) uniform samplerBuffer x;
layout(std430, binding = 2) writeonly buffer A_ { vec4 a4[]; };

void main()
{
    uint index = nodus_index();
    if (index >= p[9])
        return;
    uint C = p[0], H = p[1], W = p[2], OH = p[3], OW = p[4], Q = p[5], K = p[6], Kp = p[7], TB4 = p[8] / 4u;
    uint t4 = index % TB4, rest = index / TB4;
    uint k = rest % Kp, block = rest / Kp;
    uint c = k / (KH * KW), kh = (k / KW) % KH, kw = k % KW;
    int dh = int(kh * p[12]) - int(p[14]), dw = int(kw * p[13]) - int(p[15]);
    uint q0 = block * p[8] + t4 * 4u;
    float v[4];
    for (uint j = 0; j < 4u; ++j) {
        uint q = q0 + j;
        v[j] = 0.0;
        if (q < Q && k < K) {
            uint ow = q % OW, r = q / OW;
            uint oh = r % OH, n = r / OH;
            int ih = int(oh * p[10]) + dh, iw = int(ow * p[11]) + dw;
            if (ih >= 0 && ih < int(H) && iw >= 0 && iw < int(W))
                v[j] = texelFetch(x, int(((n * C + c) * H + uint(ih)) * W + uint(iw))).x;
        }
    }
    a4[index] = vec4(v[0], v[1], v[2], v[3]);
}
