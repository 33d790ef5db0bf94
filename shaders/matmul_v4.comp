#version 450
// variants: f32 i32
// The fast path of matmul.comp for the common layouts: A rows contiguous in
// k, K % 4 == 0 and every A/B offset a multiple of 4, so A is read as
// vec4s along k. B is either row-major [K][N] (BT = 0: N % 4 == 0, read as
// vec4s along n) or transposed [N][K] (BT = 1: read as vec4s along k, the
// usual layout of fully connected weights). Each invocation computes TM rows
// by 4 columns; one k-step of 4 costs TM + 4 vector loads for 16 * TM
// multiply-adds. On CPU implementations every load is a per-lane fetch, so
// vector loads and this reuse are what make the product fast.
//
// Same parameter block as matmul.comp (strides in elements).
#include "common.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint HAS_C = 0;
// Rows of Y per invocation (1, 2 or 4; 1 for matrix-vector products).
layout(constant_id = 1) const uint TM = 4;
layout(constant_id = 2) const uint BT = 0;

#if defined(DT_F32)
#define V4 vec4
#else
#define V4 ivec4
#endif

layout(std430, binding = 1) readonly buffer A_ { V4 a[]; };
layout(std430, binding = 2) readonly buffer B_ { V4 b[]; };
layout(std430, binding = 3) readonly buffer C_ { T c[]; };
layout(std430, binding = 4) writeonly buffer Y_ { T y[]; };

T dot4(V4 x, V4 y)
{
#if defined(DT_F32)
    return dot(x, y);
#else
    V4 t = x * y;
    return t.x + t.y + t.z + t.w;
#endif
}

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
    uint m0 = tm * TM, n0 = tn * 4;
    uint K4 = K / 4;
    uint ar[TM];
    for (uint i = 0; i < TM; ++i)
        ar[i] = (aBase + min(m0 + i, M - 1) * p[6]) / 4;

    T acc[TM][4];
    for (uint i = 0; i < TM; ++i)
        for (uint j = 0; j < 4; ++j)
            acc[i][j] = T_ZERO;

    if (BT == 0) {
        uint sBk4 = p[8] / 4;
        uint bk = (bBase + n0) / 4;
        for (uint k = 0; k < K4; ++k) {
            V4 b0 = b[bk];
            V4 b1 = b[bk + sBk4];
            V4 b2 = b[bk + 2 * sBk4];
            V4 b3 = b[bk + 3 * sBk4];
            bk += 4 * sBk4;
            for (uint i = 0; i < TM; ++i) {
                V4 av = a[ar[i] + k];
                V4 r = av.x * b0 + av.y * b1 + av.z * b2 + av.w * b3;
                acc[i][0] += r.x;
                acc[i][1] += r.y;
                acc[i][2] += r.z;
                acc[i][3] += r.w;
            }
        }
    } else {
        uint sBn = p[9];
        uint bc[4];
        for (uint j = 0; j < 4; ++j)
            bc[j] = (bBase + min(n0 + j, N - 1) * sBn) / 4;
        for (uint k = 0; k < K4; ++k) {
            V4 bv[4];
            for (uint j = 0; j < 4; ++j)
                bv[j] = b[bc[j] + k];
            for (uint i = 0; i < TM; ++i) {
                V4 av = a[ar[i] + k];
                for (uint j = 0; j < 4; ++j)
                    acc[i][j] += dot4(av, bv[j]);
            }
        }
    }

    uint yBase = batch * M * N;
    for (uint i = 0; i < TM; ++i) {
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
