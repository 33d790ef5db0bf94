#version 450
// Register-tiled 2-D convolution (1-D runs with H = 1), the fast path for
// float convs with at least 8 input channels per group.
//
// Built for CPU implementations (lavapipe), where every buffer load is a
// per-lane scalar fetch (tens of cycles for 8 lanes) while arithmetic and
// subgroup shuffles are cheap vector ops:
// - each invocation accumulates OCB output channels x PB consecutive output
//   pixels of one row in registers;
// - the input was copied by conv_pad.comp into a zero-padded buffer with an
//   even row pitch, so a strip of inputs is read as 64-bit pairs with no
//   bounds checks and is reused by all KW kernel columns;
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
// Params: 0 Cg, 1 Hp, 2 Wp (even), 3 OC, 4 OH, 5 OW, 6 strips per row,
// 7 OCg, 8 channel blocks per group, 9 C, 10 rows (Cg * KH) rounded up to 8,
// 11 strip groups (ceil(OH * strips per row / 8)), 12 teams, 13 groups,
// 14 activation alpha, 15 activation beta (floats).
// Bindings: 1 padded input (float pairs), 2 packed weights (float pairs),
// 3 bias, 4 output, 5 weights in place ([OC][Cg][KH][KW]; bound to the
// packed ones when PACKED), 6 z (shaped as the output).
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

layout(std430, binding = 1) readonly buffer X_ { uint64_t xp[]; };
layout(std430, binding = 2) readonly buffer W_ { uint64_t wp[]; };
layout(std430, binding = 3) readonly buffer B_ { float bias[]; };
layout(std430, binding = 4) writeonly buffer Y_ { float y[]; };
layout(std430, binding = 5) readonly buffer WR_ { float wr[]; };
layout(std430, binding = 6) readonly buffer Z_ { float z[]; };

#include "conv_act.glsl"

// Inputs one strip spans, rounded up to whole pairs.
const int L2 = ((PB - 1) * SW + (KW - 1) * DW + 2) / 2;

vec2 unpack2(uint64_t v)
{
    return vec2(uintBitsToFloat(uint(v)), uintBitsToFloat(uint(v >> 32)));
}

void main()
{
    uint Cg = p[0], Hp = p[1], Wp2 = p[2] / 2, OC = p[3], OH = p[4], OW = p[5], spr = p[6], OCg = p[7];
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

    uint chan = Hp * Wp2;
    uint xbase = (n * C + g * Cg) * chan + oh * uint(SH) * Wp2 + (ow0 * uint(SW)) / 2;
    uint wblock = (g * blocks + ob) * uint(KW);
    uint wstride = R * uint(KW);
    uint wrow0 = (g * OCg + ob * uint(OCB)) * wstride;
    uint ocLast = OCg - 1 - ob * uint(OCB);

    float acc[OCB][PB];
    for (int i = 0; i < OCB; ++i)
        for (int j = 0; j < PB; ++j)
            acc[i][j] = 0.0;

    for (uint r0 = 0; r0 < R8; r0 += 8) {
        // This lane's row's weights: one pair per two output channels.
        float wl[KW][OCB];
        if (PACKED != 0) {
            for (int kw = 0; kw < KW; ++kw) {
                uint wb = ((wblock + uint(kw)) * R8 + r0 + l8) * uint(OCB / 2);
                for (int t = 0; t < OCB / 2; ++t) {
                    vec2 v = unpack2(wp[wb + t]);
                    wl[kw][2 * t] = v.x;
                    wl[kw][2 * t + 1] = v.y;
                }
            }
        } else {
            uint row = r0 + l8;
            bool inside = row < R;
            uint wb = wrow0 + min(row, R - 1) * uint(KW);
            for (int i = 0; i < OCB; ++i) {
                uint wi = wb + min(uint(i), ocLast) * wstride;
                for (int kw = 0; kw < KW; ++kw)
                    wl[kw][i] = inside ? wr[wi + uint(kw)] : 0.0;
            }
        }
        for (uint k = 0; k < 8; ++k) {
            // Rows past R have zero weights; clamping keeps their (ignored)
            // reads inside the input.
            uint r = min(r0 + k, R - 1);
            uint ic = r / uint(KH), kh = r % uint(KH);
            uint xb = xbase + ic * chan + kh * uint(DH) * Wp2;
            float strip[2 * L2];
            for (int t = 0; t < L2; ++t) {
                vec2 v = unpack2(xp[xb + t]);
                strip[2 * t] = v.x;
                strip[2 * t + 1] = v.y;
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
        for (int j = 0; j < PB; ++j)
            if (ow0 + uint(j) < OW)
                y[yb + j] = conv_activate(acc[i][j] + b + (HAS_Z != 0 ? z[yb + j] : 0.0), ACT, pf(14), pf(15));
    }
}
