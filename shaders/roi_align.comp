#version 450
// RoiAlign as onnxruntime computes it: each output bin averages (MODE 0) or
// takes the max (MODE 1, of the weighted corner values, as onnxruntime does)
// of a grid of bilinear samples. One invocation per output element.
// Params: 0 rois * C * OH * OW, 1 C, 2 H, 3 W, 4 OH, 5 OW, 6 sampling_ratio,
// 7 spatial_scale (float), 8 half-pixel offset (1: aligned), 9 batch size.
#include "common.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint MODE = 0;

layout(std430, binding = 1) readonly buffer X_ { float x[]; };
layout(std430, binding = 2) readonly buffer R_ { float rois[]; };
layout(std430, binding = 3) readonly buffer B_ { int64_t batch[]; };
layout(std430, binding = 4) writeonly buffer Y_ { float y[]; };

void main()
{
    uint i = nodus_index();
    if (i >= p[0])
        return;
    uint C = p[1];
    int H = pi(2), W = pi(3);
    uint OH = p[4], OW = p[5];
    int ratio = pi(6);
    float scale = pf(7);
    bool halfPixel = p[8] != 0;
    uint pw = i % OW, ph = (i / OW) % OH, c = (i / (OW * OH)) % C, r = i / (OW * OH * C);

    float offset = halfPixel ? 0.5 : 0.0;
    float x0 = rois[4 * r] * scale - offset, y0 = rois[4 * r + 1] * scale - offset;
    float x1 = rois[4 * r + 2] * scale - offset, y1 = rois[4 * r + 3] * scale - offset;
    float rw = x1 - x0, rh = y1 - y0;
    if (!halfPixel) {
        rw = max(rw, 1.0);
        rh = max(rh, 1.0);
    }
    float binH = rh / float(OH), binW = rw / float(OW);
    int gridH = ratio > 0 ? ratio : int(ceil(rh / float(OH)));
    int gridW = ratio > 0 ? ratio : int(ceil(rw / float(OW)));
    float count = float(max(gridH * gridW, 1));
    int64_t b = batch[r];
    if (b < 0 || b >= int64_t(p[9])) {
        y[i] = 0.0;
        return;
    }
    uint base = (uint(b) * C + c) * uint(H * W);

    float acc = MODE == 0 ? 0.0 : -3.402823466e38;
    bool any = false;
    for (int iy = 0; iy < gridH; ++iy) {
        float yy = y0 + float(ph) * binH + (float(iy) + 0.5) * binH / float(gridH);
        for (int ix = 0; ix < gridW; ++ix) {
            float xx = x0 + float(pw) * binW + (float(ix) + 0.5) * binW / float(gridW);
            float v1 = 0.0, v2 = 0.0, v3 = 0.0, v4 = 0.0;
            if (!(yy < -1.0 || yy > float(H) || xx < -1.0 || xx > float(W))) {
                float sy = max(yy, 0.0), sx = max(xx, 0.0);
                int yl = int(sy), xl = int(sx), yh, xh;
                if (yl >= H - 1) {
                    yh = yl = H - 1;
                    sy = float(yl);
                } else {
                    yh = yl + 1;
                }
                if (xl >= W - 1) {
                    xh = xl = W - 1;
                    sx = float(xl);
                } else {
                    xh = xl + 1;
                }
                float ly = sy - float(yl), lx = sx - float(xl), hy = 1.0 - ly, hx = 1.0 - lx;
                v1 = hy * hx * x[base + uint(yl * W + xl)];
                v2 = hy * lx * x[base + uint(yl * W + xh)];
                v3 = ly * hx * x[base + uint(yh * W + xl)];
                v4 = ly * lx * x[base + uint(yh * W + xh)];
            }
            if (MODE == 0)
                acc += v1 + v2 + v3 + v4;
            else
                acc = max(acc, max(max(v1, v2), max(v3, v4)));
            any = true;
        }
    }
    y[i] = MODE == 0 ? acc / count : (any ? acc : 0.0);
}
