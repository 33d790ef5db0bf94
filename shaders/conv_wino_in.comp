#version 450
// Winograd F(4x4, 3x3) input transform for 3x3 stride-1 float convs (the
// first of three passes: conv_wino_in -> conv_wino_gemm -> conv_wino_out;
// see runWinogradConv in core/runtime/ops/conv.cpp). Each 4x4 output tile
// needs a 6x6 input patch d; V = B^T d B gives 36 values, one per
// "frequency" b, and the conv becomes 36 independent GEMMs over channels.
//
// The input was copied by conv_pad.comp into a zero-padded buffer
// [N * C][Hp][Wp] (Hp = 4 * tile rows + 2, Wp = 16 * tile quads + 4), so
// patches are read as whole RGBA32F texels with no bounds checks. One
// invocation owns 4 horizontally adjacent tiles (a "quad"): their patches
// overlap, so one patch row is 5 texels instead of 4 x 6 floats, and the 4
// tiles' values of one frequency are one vec4, written with one store (on
// lavapipe every storage-buffer access is a per-lane loop; vec4 arithmetic
// is as cheap as float arithmetic).
//
// V layout: [36][Cp][Tp] floats, slot t = ((n * TH + th) * TQ + tq) * 4 + k
// for tile k of the quad, Tp a multiple of the GEMM's slot block. Channels
// c >= C (up to Cp, a multiple of 8, the GEMM's reduction chunk) and slots
// past the last quad are written as zeros, so the GEMM needs no bounds
// checks and never multiplies stale scratch contents (denormals there
// slowed small convs tenfold on llvmpipe, which does not flush them).
// An input whose rows are whole texels (W a multiple of 4) is read in
// place instead, saving conv_pad's pass; the padded copy is read the same
// way with no pads. A quad's patch row starts at column 16 * tq - PL, whose
// offset inside its texel, OFF = (-PL) mod 4, is the same for every quad,
// so the row is L4 texels read with constant register indices; texels and
// rows outside the input are zeros.
// Params: 0 C, 1 Cp, 2 H, 3 W / 4 (of the input read: the padded copy's Hp
// and Wp / 4), 4 TH, 5 TQ, 6 Tp / 4, 7 Cp * Tp / 4, 8 N * TH * TQ, 9 PT
// (0 for the padded copy).
// Bindings: 1 input or padded copy (RGBA32F texels), 2 V.
#include "common.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const int PL = 0; // leading column pad (0 for the padded copy)

const int OFF = (4 - PL % 4) % 4;
const int L4 = (OFF + 20 + 3) / 4;

layout(binding = 1) uniform samplerBuffer xp;
layout(std430, binding = 2) writeonly buffer V_ { vec4 v4[]; };

// d <- B^T d for F(4, 3) (Lavin & Gray's matrices), on 4 tiles at once.
void bt6(inout vec4 d[6])
{
    vec4 d0 = d[0], d1 = d[1], d2 = d[2], d3 = d[3], d4 = d[4], d5 = d[5];
    d[0] = 4.0 * d0 - 5.0 * d2 + d4;
    d[1] = -4.0 * (d1 + d2) + d3 + d4;
    d[2] = 4.0 * (d1 - d2) - d3 + d4;
    d[3] = -2.0 * (d1 - d3) - d2 + d4;
    d[4] = 2.0 * (d1 - d3) - d2 + d4;
    d[5] = 4.0 * d1 - 5.0 * d3 + d5;
}

void main()
{
    uint index = nodus_index();
    if (index >= p[7])
        return;
    uint C = p[0], Cp = p[1], H = p[2], TH = p[4], TQ = p[5], Tp4 = p[6];
    int W4 = int(p[3]);
    uint quad = index % Tp4, c = index / Tp4;
    bool inside = c < C && quad < p[8];
    uint tq = quad % TQ, rest = quad / TQ;
    uint th = rest % TH, n = rest / TH;

    // rows[r][j]: patch row r, column j, for the 4 tiles (tile k starts 4k
    // columns further right).
    vec4 rows[6][6];
    // The first texel of every patch row (4 * t0 + OFF = 16 * tq - PL).
    int t0 = (int(16u * tq) - PL - OFF) / 4;
    for (int r = 0; r < 6; ++r) {
        float s[4 * L4];
        int ih = int(th * 4u) + r - int(p[9]);
        bool row = inside && ih >= 0 && ih < int(H);
        int base = int(((n * C + c) * H + uint(max(ih, 0))) * uint(W4));
        for (int t = 0; t < L4; ++t) {
            int tx = t0 + t;
            vec4 f = row && tx >= 0 && tx < W4 ? texelFetch(xp, base + tx) : vec4(0.0);
            s[4 * t] = f.x;
            s[4 * t + 1] = f.y;
            s[4 * t + 2] = f.z;
            s[4 * t + 3] = f.w;
        }
        vec4 d[6];
        for (int j = 0; j < 6; ++j)
            d[j] = vec4(s[OFF + j], s[OFF + j + 4], s[OFF + j + 8], s[OFF + j + 12]);
        bt6(d); // d B, one patch row
        rows[r] = d;
    }
    uint ob = index, xs = Cp * Tp4;
    for (int j = 0; j < 6; ++j) {
        vec4 col[6];
        for (int r = 0; r < 6; ++r)
            col[r] = rows[r][j];
        bt6(col); // B^T (d B), one column
        for (int i = 0; i < 6; ++i)
            v4[ob + uint(i * 6 + j) * xs] = col[i];
    }
}
