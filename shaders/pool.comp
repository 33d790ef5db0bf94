#version 450
// variants: f32 i32
// Windowed pooling over up to 3 spatial dims (1-D and 2-D run with unit
// leading dims): one output element per invocation.
// OP 0: max (with the argmax index when INDICES), 1: average over the
// elements inside the input, 2: average counting pads (the window clipped to
// the padded extent, as onnxruntime does under ceil_mode), 3: Lp norm.
//
// Params: 0 output count, 1 D, 2 H, 3 W, 4 OD, 5 OH, 6 OW, 7 KD, 8 KH, 9 KW,
// 10 SD, 11 SH, 12 SW, 13 PD, 14 PH, 15 PW (leading pads), 16 DD, 17 DH,
// 18 DW (dilations), 19 D + tail pad, 20 H + tail pad, 21 W + tail pad, 22 p (Lp,
// float), 23 column-major indices (storage_order 1).
// Bindings: 1 x, 2 y, 3 indices; the f32 variant also 4, x as R32F texels,
// read instead of binding 1 when TEXEL is 1: on lavapipe a storage-buffer
// load at a per-lane offset is a loop over the lanes and a texel fetch one
// gather (SqueezeNet's first MaxPool, 3x3 stride 2 over 64 x 111 x 111:
// 6.3-6.9 ms with loads, 4.5-5.4 ms with texels, `bench run`, interleaved).
#include "common.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint OP = 0;
layout(constant_id = 1) const uint INDICES = 0;
layout(constant_id = 2) const uint TEXEL = 0;

layout(std430, binding = 1) readonly buffer X_ { T x[]; };
layout(std430, binding = 2) writeonly buffer Y_ { T y[]; };
layout(std430, binding = 3) writeonly buffer I_ { int64_t ind[]; };
#if defined(DT_F32)
layout(binding = 4) uniform samplerBuffer xt;
#define LOAD(at) (TEXEL != 0 ? texelFetch(xt, int(at)).x : x[at])
#else
#define LOAD(at) x[at]
#endif

void main()
{
    uint i = nodus_index();
    if (i >= p[0])
        return;
    uint D = p[1], H = p[2], W = p[3], OD = p[4], OH = p[5], OW = p[6];
    int KD = pi(7), KH = pi(8), KW = pi(9);
    int DD = pi(16), DH = pi(17), DW = pi(18);

    uint q = i;
    int ow = int(q % OW);
    q /= OW;
    int oh = int(q % OH);
    q /= OH;
    int od = int(q % OD);
    uint plane = q / OD;
    int d0 = od * pi(10) - pi(13), h0 = oh * pi(11) - pi(14), w0 = ow * pi(12) - pi(15);
    uint base = plane * D * H * W;

#if defined(DT_F32)
    float best = -3.402823466e38;
#else
    int best = int(0x80000000);
#endif
    int bd = -1, bh = -1, bw = -1;
    float sum = 0.0;
    uint count = 0;
    float lp = pf(22);
    for (int kd = 0; kd < KD; ++kd) {
        int id = d0 + kd * DD;
        if (id < 0 || id >= int(D))
            continue;
        for (int kh = 0; kh < KH; ++kh) {
            int ih = h0 + kh * DH;
            if (ih < 0 || ih >= int(H))
                continue;
            uint row = base + (uint(id) * H + uint(ih)) * W;
            for (int kw = 0; kw < KW; ++kw) {
                int iw = w0 + kw * DW;
                if (iw < 0 || iw >= int(W))
                    continue;
                T v = LOAD(row + uint(iw));
                if (OP == 0) {
                    if (v > best) {
                        best = v;
                        bd = id;
                        bh = ih;
                        bw = iw;
                    }
                } else if (OP == 3) {
                    float a = abs(float(v));
                    sum += lp == 2.0 ? a * a : (lp == 1.0 ? a : pow(a, lp));
                } else {
                    sum += float(v);
                    ++count;
                }
            }
        }
    }

    if (OP == 0) {
        y[i] = best;
        if (INDICES != 0) {
            int64_t idx;
            if (p[23] != 0)
                idx = int64_t(bd) + int64_t(bh) * D + int64_t(bw) * D * H;
            else
                idx = (int64_t(bd) * H + bh) * W + bw;
            ind[i] = int64_t(base) + idx;
        }
    } else if (OP == 3) {
        y[i] = T(lp == 2.0 ? sqrt(sum) : (lp == 1.0 ? sum : pow(sum, 1.0 / lp)));
    } else {
        if (OP == 2) {
            // The window clipped to the padded extent, not to the input.
            int dn = min(d0 + (KD - 1) * DD + 1, pi(19)) - d0;
            int hn = min(h0 + (KH - 1) * DH + 1, pi(20)) - h0;
            int wn = min(w0 + (KW - 1) * DW + 1, pi(21)) - w0;
            count = uint(max(dn, 0) * max(hn, 0) * max(wn, 0));
        }
        y[i] = T(sum / float(count));
    }
}
