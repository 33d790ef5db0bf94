#version 450
// variants: f32 i32 i64
// Resize / Upsample by per-dim tap tables computed on the host (so every
// coordinate transformation, nearest rounding, cubic coefficient and
// exclude_outside rule is evaluated once, in double precision, exactly as
// the ONNX reference does). One invocation per output element.
//
// Table (binding 3): per dim, per output coordinate, `taps` pairs of
// (input index, weight bits); index -1 marks a coordinate outside the crop
// (tf_crop_and_resize), whose output is the extrapolation value.
// Params: 0 count, 1 rank, 2 extrapolation value (float), then per dim d at
// 3 + 4d: output size, input stride, taps, table offset (words).
// Dims with one tap of weight 1 cost one lookup; at most MAXI dims may have
// more taps (the kernel checks).
#include "common.glsl"

layout(local_size_x = 64) in;
// 1: every dim has a single tap of weight 1 (nearest): a plain copy, exact
// for integers.
layout(constant_id = 0) const uint NEAREST = 0;

layout(std430, binding = 1) readonly buffer X_ { T x[]; };
layout(std430, binding = 2) writeonly buffer Y_ { T y[]; };
layout(std430, binding = 3) readonly buffer Tab_ { int tab[]; };

#define MAXI 4

void main()
{
    uint i = nodus_index();
    if (i >= p[0])
        return;
    uint rank = p[1];
    uint q = i;
    uint base = 0;
    bool outside = false;
    int ni = 0;
    uint ntaps[MAXI], nstride[MAXI], nentry[MAXI];
    for (uint d = rank; d-- > 0;) {
        uint size = p[3 + 4 * d], stride = p[4 + 4 * d], taps = p[5 + 4 * d], off = p[6 + 4 * d];
        uint o = q % size;
        q /= size;
        uint e = off + o * taps * 2;
        if (taps == 1) {
            int idx = tab[e];
            outside = outside || idx < 0;
            base += uint(max(idx, 0)) * stride;
        } else if (ni < MAXI) {
            ntaps[ni] = taps;
            nstride[ni] = stride;
            nentry[ni] = e;
            ++ni;
        }
    }
    if (outside) {
        y[i] = T(pf(2));
        return;
    }
    if (NEAREST != 0) {
        y[i] = x[base];
        return;
    }
    uint total = 1;
    for (int k = 0; k < ni; ++k)
        total *= ntaps[k];
    float acc = 0.0;
    for (uint t = 0; t < total; ++t) {
        uint r = t, off = base;
        float w = 1.0;
        for (int k = 0; k < ni; ++k) {
            uint j = r % ntaps[k];
            r /= ntaps[k];
            int idx = tab[nentry[k] + 2 * j];
            if (idx < 0) {
                outside = true;
                idx = 0;
            }
            off += uint(idx) * nstride[k];
            w *= intBitsToFloat(tab[nentry[k] + 2 * j + 1]);
        }
        acc += w * float(x[off]);
    }
    if (outside) {
        y[i] = T(pf(2));
        return;
    }
#if defined(DT_F32)
    y[i] = acc;
#else
    y[i] = T(roundEven(acc));
#endif
}
