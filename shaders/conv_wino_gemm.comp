#version 450
// The 36 GEMMs of a Winograd F(4x4, 3x3) conv (conv_wino_in.comp has the
// overview): M[b][oc][t] = sum_c U[b][oc][c] * V[b][c][t] for each
// frequency b, the bulk of the work. runGemmConv runs a whole conv as one
// of these GEMMs (one batch: output pixels as rows, output channels as
// slots).
//
// Built like conv_tile.comp, for lavapipe (texel fetches are vector
// gathers, storage-buffer loads per-lane loops, shuffles cheap): each
// invocation accumulates OCB output channels x PB consecutive slots in
// registers; the 8 lanes of a "team" (8 consecutive lanes of a subgroup)
// share (b, channel block), lane l fetches the OCB weights of channel c0 + l
// and subgroupShuffle hands them to all 8 lanes, so one weight fetch serves
// 8 lanes. The k loop is unrolled: with a rolled loop the driver spilled
// the accumulators (measured 1.3-2x slower on llvmpipe).
//
// U: [36][blocks][Cp][OCB] (RGBA32F texels), transformed on the
// host, zeros past C and OC. V: [36][Cp][Tp] (RGBA32F texels). M:
// [36][blocks * OCB][Tp]. Cp is a multiple of 8 and Tp of 8 * PB, so no
// bounds checks; lanes past the last team repeat it (the shuffles need
// every lane) and store nothing.
// Params: 0 Cp, 1 OCp (blocks * OCB), 2 Tp, 3 blocks, 4 slot groups
// (Tp / (8 * PB)), 5 teams.
#extension GL_KHR_shader_subgroup_basic : enable
#extension GL_KHR_shader_subgroup_shuffle : enable
#extension GL_EXT_control_flow_attributes : enable
#include "common.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const int OCB = 16;
layout(constant_id = 1) const int PB = 8;
// The slot operand is packed per slot group, [36][slot groups][Cp][8 * PB],
// so a team reads one sequential stream (runGemmConv's weights). Measured
// with a 37 MB slot operand on lavapipe: 3.4 GB/s read in rows of 512
// bytes 2 KB apart, 4.6 GB/s packed.
layout(constant_id = 2) const uint SLOTS_PACKED = 0;

layout(binding = 1) uniform samplerBuffer U;
layout(binding = 2) uniform samplerBuffer V;
layout(std430, binding = 3) writeonly buffer M_ { vec4 m4[]; };

void main()
{
    uint Cp = p[0], OCp = p[1], Tp = p[2], blocks = p[3], groups8 = p[4], teams = p[5];
    // The linear invocation index as the subgroups see it, so the 8 lanes
    // of a team are the 8 lanes that shuffle together.
    uint wg = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    uint lin = wg * gl_WorkGroupSize.x + gl_SubgroupID * gl_SubgroupSize + gl_SubgroupInvocationID;
    uint team = lin / 8u, l8 = gl_SubgroupInvocationID & 7u, base = gl_SubgroupInvocationID & ~7u;
    bool live = team < teams;
    team = min(team, teams - 1u);
    uint g8 = team % groups8, rest = team / groups8;
    uint ob = rest % blocks, b = rest / blocks;
    uint t0 = (g8 * 8u + l8) * uint(PB);
    int vb = int((b * Cp * Tp + t0) / 4u);
    int vstride = int(Tp / 4u);
    if (SLOTS_PACKED != 0) {
        vb = int(((b * groups8 + g8) * Cp * 8u + l8) * uint(PB / 4));
        vstride = 2 * PB;
    }
    int ub = int(((b * blocks + ob) * Cp + l8) * uint(OCB / 4));

    float acc[OCB][PB];
    for (int i = 0; i < OCB; ++i)
        for (int j = 0; j < PB; ++j)
            acc[i][j] = 0.0;
    for (uint c0 = 0; c0 < Cp; c0 += 8u) {
        float wl[OCB];
        for (int q = 0; q < OCB / 4; ++q) {
            vec4 w = texelFetch(U, ub + q);
            wl[4 * q] = w.x;
            wl[4 * q + 1] = w.y;
            wl[4 * q + 2] = w.z;
            wl[4 * q + 3] = w.w;
        }
        ub += 8 * (OCB / 4);
        [[unroll]] for (uint k = 0; k < 8u; ++k) {
            float xv[PB];
            for (int q = 0; q < PB / 4; ++q) {
                vec4 x = texelFetch(V, vb + q);
                xv[4 * q] = x.x;
                xv[4 * q + 1] = x.y;
                xv[4 * q + 2] = x.z;
                xv[4 * q + 3] = x.w;
            }
            vb += vstride;
            for (int i = 0; i < OCB; ++i) {
                float w = subgroupShuffle(wl[i], base | k);
                for (int j = 0; j < PB; ++j)
                    acc[i][j] += w * xv[j];
            }
        }
    }
    if (!live)
        return;
    uint mb = ((b * OCp + ob * uint(OCB)) * Tp + t0) / 4u;
    for (int i = 0; i < OCB; ++i)
        for (int q = 0; q < PB / 4; ++q)
            m4[mb + uint(i) * (Tp / 4u) + uint(q)]
                = vec4(acc[i][4 * q], acc[i][4 * q + 1], acc[i][4 * q + 2], acc[i][4 * q + 3]);
}
