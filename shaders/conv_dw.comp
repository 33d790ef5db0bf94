#version 450
// Depthwise 2-D convolution (one input and one output channel per group,
// MobileNet's 3x3 layers; 1-D runs with H = 1), the fast path beside
// conv_tile.comp, built for CPU implementations likewise: inputs and
// weights are read as texels (a vector gather on lavapipe, where
// storage-buffer loads at varying offsets are per-lane scalar loops).
// Each invocation computes a PH x PB tile of one channel's output: it reads
// the (PH - 1) * SH + (KH - 1) * DH + 1 input rows the tile spans once each,
// as strips of whole texels from the buffer conv_pad.comp zero-padded to a
// row pitch that is a multiple of 4, and feeds every loaded value to each
// output row and kernel column that uses it (all offsets are compile-time
// constants, so the taps unroll into multiply-adds).
//
// Params: 0 Hp, 1 Wp (a multiple of 4), 2 OH, 3 OW, 4 strips per row,
// 5 tiles per plane (strips per row * row blocks), 6 C, 7 activation
// alpha, 8 activation beta (floats), 9 tiles in all (N * C * tiles per
// plane).
// Bindings: 1 padded input (RGBA32F texels), 2 weights ([C][1][KH][KW],
// R32F texels), 3 bias, 4 output, 5 z (shaped as the output).
// Dispatch: 1-D over every tile of every plane (small planes would leave
// most lanes of a per-plane workgroup idle, and lavapipe pays for each
// workgroup).
#include "common.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const int KH = 3;
layout(constant_id = 1) const int KW = 3;
layout(constant_id = 2) const int SH = 1;
layout(constant_id = 3) const int SW = 1;
layout(constant_id = 4) const int DH = 1;
layout(constant_id = 5) const int DW = 1;
layout(constant_id = 6) const int PH = 4;
layout(constant_id = 7) const int PB = 8;
layout(constant_id = 8) const uint HAS_BIAS = 0;
// FusedConv: the activation (conv_act.glsl) and whether z is added.
layout(constant_id = 9) const uint ACT = 0;
layout(constant_id = 10) const uint HAS_Z = 0;
// Rows are whole texels of the output (OW a multiple of 4): stores go out
// as vec4s, a quarter of the per-lane store loops.
layout(constant_id = 11) const uint VEC_OUT = 0;

layout(binding = 1) uniform samplerBuffer xp;
layout(binding = 2) uniform samplerBuffer wt;
layout(std430, binding = 3) readonly buffer B_ { float bias[]; };
layout(std430, binding = 4) writeonly buffer Y_ { float y[]; };
layout(std430, binding = 4) writeonly buffer Y4_ { vec4 y4[]; };
layout(std430, binding = 5) readonly buffer Z_ { float z[]; };

#include "conv_act.glsl"

// Inputs one strip spans, rounded up to whole texels; input rows a tile spans.
const int L4 = ((PB - 1) * SW + (KW - 1) * DW + 4) / 4;
const int ROWS = (PH - 1) * SH + (KH - 1) * DH + 1;

void main()
{
    uint Hp = p[0], Wp4 = p[1] / 4, OH = p[2], OW = p[3], spr = p[4], tiles = p[5], C = p[6];
    uint index = nodus_index();
    if (index >= p[9])
        return;
    uint plane = index / tiles, tile = index - plane * tiles;
    uint c = plane % C, n = plane / C;
    uint rb = tile / spr, oh0 = rb * uint(PH), ow0 = (tile - rb * spr) * uint(PB);

    float wv[KH][KW];
    int wb = int(c) * KH * KW;
    for (int kh = 0; kh < KH; ++kh)
        for (int kw = 0; kw < KW; ++kw)
            wv[kh][kw] = texelFetch(wt, wb + kh * KW + kw).x;

    float acc[PH][PB];
    for (int i = 0; i < PH; ++i)
        for (int j = 0; j < PB; ++j)
            acc[i][j] = 0.0;

    int xb = int(((n * C + c) * Hp + oh0 * uint(SH)) * Wp4 + (ow0 * uint(SW)) / 4);
    for (int t = 0; t < ROWS; ++t) {
        float strip[4 * L4];
        for (int q = 0; q < L4; ++q) {
            vec4 v = texelFetch(xp, xb + t * int(Wp4) + q);
            strip[4 * q] = v.x;
            strip[4 * q + 1] = v.y;
            strip[4 * q + 2] = v.z;
            strip[4 * q + 3] = v.w;
        }
        // Input row t feeds output row i through kernel row kh when
        // i * SH + kh * DH == t.
        for (int i = 0; i < PH; ++i) {
            for (int kh = 0; kh < KH; ++kh) {
                if (i * SH + kh * DH != t)
                    continue;
                for (int kw = 0; kw < KW; ++kw)
                    for (int j = 0; j < PB; ++j)
                        acc[i][j] += wv[kh][kw] * strip[j * SW + kw * DW];
            }
        }
    }

    float b = HAS_BIAS != 0 ? bias[c] : 0.0;
    for (int i = 0; i < PH; ++i) {
        uint oh = oh0 + uint(i);
        if (oh >= OH)
            break;
        uint yb = ((n * C + c) * OH + oh) * OW + ow0;
        float o[PB];
        for (int j = 0; j < PB; ++j)
            o[j] = conv_activate(
                acc[i][j] + b + (HAS_Z != 0 && ow0 + uint(j) < OW ? z[yb + j] : 0.0), ACT, pf(7), pf(8));
        if (VEC_OUT != 0) {
            for (int j = 0; j < PB; j += 4)
                if (ow0 + uint(j) < OW)
                    y4[(yb + uint(j)) / 4] = vec4(o[j], o[j + 1], o[j + 2], o[j + 3]);
        } else {
            for (int j = 0; j < PB; ++j)
                if (ow0 + uint(j) < OW)
                    y[yb + j] = o[j];
        }
    }
}
