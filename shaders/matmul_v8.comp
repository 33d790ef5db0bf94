#version 450
// The widest path of matmul.comp (f32, devices with shaderInt64): A rows
// contiguous in k with K % 8 == 0, and B either row-major [K][N] with
// N % 8 == 0 (BT = 0) or transposed [N][K] (BT = 1), every offset a multiple
// of 8; or (BT = 2) B of any layout, read element by element (odd N, such
// as a vocabulary). Operands are read 8 floats at a time as u64vec4s: on CPU
// implementations (llvmpipe) each load is a loop over the SIMD lanes, so
// the fewer, wider loads and the TM x TN tile each invocation keeps in
// registers are what make the product fast (about twice matmul_v4 there,
// and SG saves a further fifth).
//
// Same parameter block as matmul.comp (strides in elements).
#extension GL_KHR_shader_subgroup_basic : enable
#extension GL_KHR_shader_subgroup_shuffle : enable
#include "common.glsl"

layout(constant_id = 0) const uint HAS_C = 0;
// Rows of Y per invocation (1, 2, 4 or 8).
layout(constant_id = 1) const uint TM = 8;
layout(constant_id = 2) const uint BT = 0;
// Columns of Y per invocation: 8 for BT = 0; 4 or 8 for BT = 1 and 2.
layout(constant_id = 3) const uint TN = 8;
// 1: lanes of a subgroup share their rows of A: each lane loads one row
// and the others take it by shuffle, 1 load where TM were (needs subgroup
// shuffle with at least TM lanes). The dispatch is then 2-D (x: column
// tiles, y and z: row tiles), so a whole workgroup has the same rows.
layout(constant_id = 4) const uint SG = 0;
// Workgroup size: 64, or 16 with SG (fewer idle lanes past the last
// column tile).
layout(local_size_x_id = 5) in;
// 1: B holds float16 values (BT = 0 or 1; float16 weights), read 8 at a
// time as uvec4s of packed pairs.
layout(constant_id = 6) const uint B16 = 0;

layout(std430, binding = 1) readonly buffer A_ { u64vec4 a[]; };
layout(std430, binding = 2) readonly buffer B_ { u64vec4 b[]; };
layout(std430, binding = 3) readonly buffer C_ { float c[]; };
layout(std430, binding = 4) writeonly buffer Y_ { float y[]; };
layout(std430, binding = 2) readonly buffer Bs_ { float bs[]; };
layout(std430, binding = 2) readonly buffer Bh_ { uvec4 bh[]; };

// The 8 floats held by a u64vec4, in memory order.
void unpack8(u64vec4 v, out float f[8])
{
    uvec2 u0 = unpack32(v.x), u1 = unpack32(v.y), u2 = unpack32(v.z), u3 = unpack32(v.w);
    f[0] = uintBitsToFloat(u0.x); f[1] = uintBitsToFloat(u0.y);
    f[2] = uintBitsToFloat(u1.x); f[3] = uintBitsToFloat(u1.y);
    f[4] = uintBitsToFloat(u2.x); f[5] = uintBitsToFloat(u2.y);
    f[6] = uintBitsToFloat(u3.x); f[7] = uintBitsToFloat(u3.y);
}

// The 8 values of B from its i-th group of 8, float32 or float16.
void loadB8(uint i, out float f[8])
{
    if (B16 != 0) {
        uvec4 v = bh[i];
        vec2 h0 = unpackHalf2x16(v.x), h1 = unpackHalf2x16(v.y), h2 = unpackHalf2x16(v.z), h3 = unpackHalf2x16(v.w);
        f[0] = h0.x; f[1] = h0.y; f[2] = h1.x; f[3] = h1.y;
        f[4] = h2.x; f[5] = h2.y; f[6] = h3.x; f[7] = h3.y;
    } else {
        unpack8(b[i], f);
    }
}

void main()
{
    uint M = p[0], N = p[1], K = p[2], tilesN = p[3], tilesM = p[4];
    uint tn, tm, batch;
    if (SG != 0) {
        uint row = gl_WorkGroupID.z * gl_NumWorkGroups.y + gl_WorkGroupID.y;
        if (row >= tilesM * p[5])
            return;
        tn = min(gl_GlobalInvocationID.x, tilesN - 1);
        tm = row % tilesM;
        batch = row / tilesM;
    } else {
        uint gid = nodus_index();
        if (gid >= tilesN * tilesM * p[5])
            return;
        tn = gid % tilesN;
        uint rest = gid / tilesN;
        tm = rest % tilesM;
        batch = rest / tilesM;
    }
    uint aBase = 0, bBase = 0;
    uint nb = p[14];
    uint bi = batch;
    for (uint d = nb; d > 0; --d) {
        uint dim = p[14 + d];
        uint i = bi % dim;
        bi /= dim;
        aBase += i * p[20 + d];
        bBase += i * p[26 + d];
    }
    uint m0 = tm * TM, n0 = tn * TN;
    uint K8 = K / 8;
    uint ar[TM];
    for (uint i = 0; i < TM; ++i)
        ar[i] = (aBase + min(m0 + i, M - 1) * p[6]) / 8;
    uint arOwn = (aBase + min(m0 + gl_SubgroupInvocationID % TM, M - 1) * p[6]) / 8;
    float acc[TM][TN];
    for (uint i = 0; i < TM; ++i)
        for (uint j = 0; j < TN; ++j)
            acc[i][j] = 0.0;
    if (BT == 0) {
        uint sBk8 = p[8] / 8;
        uint bk = (bBase + n0) / 8;
        for (uint k = 0; k < K8; ++k) {
            float av[TM][8];
            if (SG != 0) {
                float own[8];
                unpack8(a[arOwn + k], own);
                for (uint i = 0; i < TM; ++i)
                    for (uint kk = 0; kk < 8; ++kk)
                        av[i][kk] = subgroupShuffle(own[kk], i);
            } else {
                for (uint i = 0; i < TM; ++i)
                    unpack8(a[ar[i] + k], av[i]);
            }
            for (uint kk = 0; kk < 8; ++kk) {
                float bv[8];
                loadB8(bk + kk * sBk8, bv);
                for (uint i = 0; i < TM; ++i)
                    for (uint j = 0; j < 8; ++j)
                        acc[i][j] += av[i][kk] * bv[j];
            }
            bk += 8 * sBk8;
        }
    } else if (BT == 2) {
        uint sBk = p[8];
        uint bc[TN];
        for (uint j = 0; j < TN; ++j)
            bc[j] = bBase + min(n0 + j, N - 1) * p[9];
        for (uint k = 0; k < K8; ++k) {
            float av[TM][8];
            if (SG != 0) {
                float own[8];
                unpack8(a[arOwn + k], own);
                for (uint i = 0; i < TM; ++i)
                    for (uint kk = 0; kk < 8; ++kk)
                        av[i][kk] = subgroupShuffle(own[kk], i);
            } else {
                for (uint i = 0; i < TM; ++i)
                    unpack8(a[ar[i] + k], av[i]);
            }
            for (uint kk = 0; kk < 8; ++kk) {
                uint kb = (k * 8 + kk) * sBk;
                for (uint j = 0; j < TN; ++j) {
                    float bv = bs[bc[j] + kb];
                    for (uint i = 0; i < TM; ++i)
                        acc[i][j] += av[i][kk] * bv;
                }
            }
        }
    } else {
        uint bc[TN];
        for (uint j = 0; j < TN; ++j)
            bc[j] = (bBase + min(n0 + j, N - 1) * p[9]) / 8;
        for (uint k = 0; k < K8; ++k) {
            float av[TM][8];
            if (SG != 0) {
                float own[8];
                unpack8(a[arOwn + k], own);
                for (uint i = 0; i < TM; ++i)
                    for (uint kk = 0; kk < 8; ++kk)
                        av[i][kk] = subgroupShuffle(own[kk], i);
            } else {
                for (uint i = 0; i < TM; ++i)
                    unpack8(a[ar[i] + k], av[i]);
            }
            for (uint j = 0; j < TN; ++j) {
                float bv[8];
                loadB8(bc[j] + k, bv);
                for (uint i = 0; i < TM; ++i) {
                    float s = acc[i][j];
                    for (uint kk = 0; kk < 8; ++kk)
                        s += av[i][kk] * bv[kk];
                    acc[i][j] = s;
                }
            }
        }
    }
    if (SG != 0 && gl_GlobalInvocationID.x >= tilesN)
        return;
    uint yBase = batch * M * N;
    for (uint i = 0; i < TM; ++i) {
        uint m = m0 + i;
        if (m >= M)
            break;
        for (uint j = 0; j < TN; ++j) {
            uint n = n0 + j;
            if (n >= N)
                break;
            float v = acc[i][j] * pf(12);
            if (HAS_C != 0)
                v += pf(13) * c[m * p[10] + n * p[11]];
            y[yBase + m * N + n] = v;
        }
    }
}
