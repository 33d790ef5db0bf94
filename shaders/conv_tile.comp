#version 450
// Register-tiled 2-D convolution (1-D runs with H = 1), the fast path for
// float convs with at least 8 input channels per group.
//
// Built for CPU implementations (lavapipe), where every storage-buffer load
// at a varying offset is a per-lane scalar loop (tens of cycles for 8 lanes)
// while arithmetic and subgroup shuffles are cheap vector ops. Texel fetches
// go through the sampler code, a vector gather: one fetch of 4 floats costs
// about what one scalar storage-buffer load does (measured on llvmpipe 22.3,
// see core/runtime/ops/conv.cpp), so inputs and weights are read as RGBA32F
// texels:
// - each invocation accumulates OCB output channels x PB consecutive output
//   pixels of one row in registers;
// - the input was copied by conv_pad.comp into a zero-padded buffer whose
//   row pitch is a multiple of 4, so a strip of inputs is read as whole
//   texels with no bounds checks and is reused by all KW kernel columns;
// - the reduction runs over "rows" (input channel, kernel row): Cg * KH of
//   them, in chunks of 8, so convs with few input channels (an RGB stem)
//   waste little;
// - the 8 lanes of a "team" (8 consecutive lanes of a subgroup) each load
//   the OCB weights of one row and kernel column, and subgroupShuffle hands
//   every lane the weights of the team's 8 rows in turn: one load serves 8
//   lanes. With PACKED the weights were repacked by conv_pack.comp so those
//   OCB weights are contiguous pairs (half the loads; worth it when many
//   teams read the same weights), else they are read in place.
// Teams own one channel block and up to 8 strips; lanes past the last strip
// repeat it (shuffles need every lane) and store nothing.
//
// Params: 0 Cg, 1 Hp, 2 Wp (a multiple of 4), 3 OC, 4 OH, 5 OW, 6 strips per row,
// 7 OCg, 8 channel blocks per group, 9 C, 10 rows (Cg * KH) rounded up to 8,
// 11 strip groups (ceil(OH * strips per row / 8)), 12 teams, 13 groups,
// 14 activation alpha, 15 activation beta (floats).
// Bindings: 1 padded input (RGBA32F texels), 2 packed weights (RGBA32F
// texels), 3 bias, 4 output, 5 weights in place ([OC][Cg][KH][KW], R32F
// texels; bound to the packed ones when PACKED), 6 z (shaped as the output).
// PB and OCB are multiples of 4, so strips and packed rows start on texels.
#extension GL_KHR_shader_subgroup_basic : enable
#extension GL_KHR_shader_subgroup_shuffle : enable
#include "common.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const int KH = 3;
layout(constant_id = 1) const int KW = 3;
layout(constant_id = 2) const int SH = 1;
layout(constant_id = 3) const int SW = 1;
layout(constant_id = 4) const int DH = 1;
layout(constant_id = 5) const int DW = 1;
layout(constant_id = 6) const int OCB = 16;
layout(constant_id = 7) const int PB = 8;
layout(constant_id = 8) const uint HAS_BIAS = 0;
layout(constant_id = 9) const uint PACKED = 1;
// FusedConv: the activation (conv_act.glsl) and whether z is added.
layout(constant_id = 10) const uint ACT = 0;
layout(constant_id = 11) const uint HAS_Z = 0;
// Rows are whole texels of the output (OW a multiple of 4): stores go out
// as vec4s, a quarter of the per-lane store loops.
layout(constant_id = 12) const uint VEC_OUT = 0;

layout(binding = 1) uniform samplerBuffer xp;
layout(binding = 2) uniform samplerBuffer wp;
layout(std430, binding = 3) readonly buffer B_ { float bias[]; };
layout(std430, binding = 4) writeonly buffer Y_ { float y[]; };
layout(std430, binding = 4) writeonly buffer Y4_ { vec4 y4[]; };
layout(binding = 5) uniform samplerBuffer wr;
layout(std430, binding = 6) readonly buffer Z_ { float z[]; };

#include "conv_act.glsl"

// Inputs one strip spans, rounded up to whole texels.
const int L4 = ((PB - 1) * SW + (KW - 1) * DW + 4) / 4;

void main()
{
    uint Cg = p[0], Hp = p[1], Wp4 = p[2] / 4, OC = p[3], OH = p[4], OW = p[5], spr = p[6], OCg = p[7];
    uint blocks = p[8], C = p[9], R8 = p[10], stripGroups = p[11], teams = p[12], groups = p[13];
    uint R = Cg * uint(KH);

    // The linear invocation index as the subgroups see it, so the 8 lanes
    // of a team are the 8 lanes that shuffle together.
    uint wg = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    uint lin = wg * gl_WorkGroupSize.x + gl_SubgroupID * gl_SubgroupSize + gl_SubgroupInvocationID;
    uint lane = gl_SubgroupInvocationID, team = lin / 8, l8 = lane & 7u, base = lane & ~7u;
    bool live = team < teams;
    team = min(team, teams - 1);
    uint sg = team % stripGroups;
    uint rest = team / stripGroups;
    uint ob = rest % blocks;
    rest /= blocks;
    uint g = rest % groups, n = rest / groups;
    uint nstrips = OH * spr;
    uint strip = sg * 8 + l8;
    live = live && strip < nstrips;
    strip = min(strip, nstrips - 1);
    uint oh = strip / spr, ow0 = (strip % spr) * uint(PB);

    uint chan = Hp * Wp4;
    uint xbase = (n * C + g * Cg) * chan + oh * uint(SH) * Wp4 + (ow0 * uint(SW)) / 4;
    uint wblock = (g * blocks + ob) * uint(KW);
    uint wch0 = g * OCg + ob * uint(OCB);
    uint ocLast = OCg - 1 - ob * uint(OCB);

    float acc[OCB][PB];
    for (int i = 0; i < OCB; ++i)
        for (int j = 0; j < PB; ++j)
            acc[i][j] = 0.0;

    for (uint r0 = 0; r0 < R8; r0 += 8) {
        // This lane's row's weights: one texel per four output channels.
        float wl[KW][OCB];
        if (PACKED != 0) {
            for (int kw = 0; kw < KW; ++kw) {
                int wb = int(((wblock + uint(kw)) * R8 + r0 + l8) * uint(OCB / 4));
                for (int t = 0; t < OCB / 4; ++t) {
                    vec4 v = texelFetch(wp, wb + t);
                    wl[kw][4 * t] = v.x;
                    wl[kw][4 * t + 1] = v.y;
                    wl[kw][4 * t + 2] = v.z;
                    wl[kw][4 * t + 3] = v.w;
                }
            }
        } else {
            uint row = r0 + l8;
            bool inside = row < R;
            uint wb = wch0 * R * uint(KW) + min(row, R - 1) * uint(KW);
            for (int i = 0; i < OCB; ++i) {
                uint wi = wb + min(uint(i), ocLast) * R * uint(KW);
                for (int kw = 0; kw < KW; ++kw)
                    wl[kw][i] = inside ? texelFetch(wr, int(wi + uint(kw))).x : 0.0;
            }
        }
        for (uint k = 0; k < 8; ++k) {
            // Rows past R have zero weights; clamping keeps their (ignored)
            // reads inside the input.
            uint r = min(r0 + k, R - 1);
            uint ic = r / uint(KH), kh = r % uint(KH);
            int xb = int(xbase + ic * chan + kh * uint(DH) * Wp4);
            float strip[4 * L4];
            for (int t = 0; t < L4; ++t) {
                vec4 v = texelFetch(xp, xb + t);
                strip[4 * t] = v.x;
                strip[4 * t + 1] = v.y;
                strip[4 * t + 2] = v.z;
                strip[4 * t + 3] = v.w;
            }
            for (int kw = 0; kw < KW; ++kw) {
                for (int i = 0; i < OCB; ++i) {
                    float wv = subgroupShuffle(wl[kw][i], base | k);
                    for (int j = 0; j < PB; ++j)
                        acc[i][j] += wv * strip[j * SW + kw * DW];
                }
            }
        }
    }

    if (!live)
        return;
    for (int i = 0; i < OCB; ++i) {
        uint ocg = ob * uint(OCB) + uint(i);
        if (ocg >= OCg)
            break;
        uint oc = g * OCg + ocg;
        float b = HAS_BIAS != 0 ? bias[oc] : 0.0;
        uint yb = ((n * OC + oc) * OH + oh) * OW + ow0;
        float o[PB];
        for (int j = 0; j < PB; ++j)
            o[j] = conv_activate(
                acc[i][j] + b + (HAS_Z != 0 && ow0 + uint(j) < OW ? z[yb + j] : 0.0), ACT, pf(14), pf(15));
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
