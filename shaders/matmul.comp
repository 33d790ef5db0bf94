#version 450
// variants: f32 i32 i64
// Batched matrix product Y[b] = alpha * A[b] x B[b] (+ beta * C) for any
// strides: A[m][k] at aBase + m*sAm + k*sAk, B[k][n] at bBase + k*sBk + n*sBn,
// so transposed operands (Gemm transA/transB, Einsum views) and broadcast
// batch dims (stride 0) need no copy. Y is contiguous [batch][M][N].
//
// Each invocation computes a 4x4 tile of Y: 8 loads feed 16 multiply-adds,
// which matters on CPU implementations where every load is a per-lane
// scalar fetch. Edge tiles clamp their load indices and skip the stores.
//
// Params: 0 M, 1 N, 2 K, 3 tilesN, 4 tilesM, 5 batches, 6 sAm, 7 sAk, 8 sBk,
// 9 sBn, 10 sCm, 11 sCn, 12 alpha, 13 beta, 14 batch dims (<= 6),
// 15.. dims[6], 21.. A batch strides[6], 27.. B batch strides[6].
#include "common.glsl"

layout(local_size_x = 64) in;
// 1: add beta * C (C[m][n] at m*sCm + n*sCn) after scaling by alpha.
layout(constant_id = 0) const uint HAS_C = 0;

layout(std430, binding = 1) readonly buffer A_ { T a[]; };
layout(std430, binding = 2) readonly buffer B_ { T b[]; };
layout(std430, binding = 3) readonly buffer C_ { T c[]; };
layout(std430, binding = 4) writeonly buffer Y_ { T y[]; };

void main()
{
    uint gid = nodus_index();
    uint M = p[0], N = p[1], K = p[2], tilesN = p[3], tilesM = p[4];
    if (gid >= tilesN * tilesM * p[5])
        return;
    uint tn = gid % tilesN;
    uint rest = gid / tilesN;
    uint tm = rest % tilesM;
    uint batch = rest / tilesM;

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
    uint sAm = p[6], sAk = p[7], sBk = p[8], sBn = p[9];
    uint m0 = tm * 4, n0 = tn * 4;
    uint ar[4], bc[4];
    for (uint i = 0; i < 4; ++i) {
        ar[i] = aBase + min(m0 + i, M - 1) * sAm;
        bc[i] = bBase + min(n0 + i, N - 1) * sBn;
    }

    T acc[4][4];
    for (uint i = 0; i < 4; ++i)
        for (uint j = 0; j < 4; ++j)
            acc[i][j] = T_ZERO;
    for (uint k = 0; k < K; ++k) {
        T av[4], bv[4];
        uint ka = k * sAk, kb = k * sBk;
        for (uint i = 0; i < 4; ++i) {
            av[i] = a[ar[i] + ka];
            bv[i] = b[bc[i] + kb];
        }
        for (uint i = 0; i < 4; ++i)
            for (uint j = 0; j < 4; ++j)
                acc[i][j] += av[i] * bv[j];
    }

    uint yBase = batch * M * N;
    for (uint i = 0; i < 4; ++i) {
        uint m = m0 + i;
        if (m >= M)
            break;
        for (uint j = 0; j < 4; ++j) {
            uint n = n0 + j;
            if (n >= N)
                break;
            T v = acc[i][j];
#if defined(DT_F32)
            v *= pf(12);
            if (HAS_C != 0)
                v += pf(13) * c[m * p[10] + n * p[11]];
#else
            if (HAS_C != 0)
                v += c[m * p[10] + n * p[11]];
#endif
            y[yBase + m * N + n] = v;
        }
    }
}
