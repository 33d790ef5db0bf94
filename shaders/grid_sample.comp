#version 450
// GridSample over 4-D NCHW input (the opset 16 form) with PyTorch's
// grid_sample semantics: the grid point is unnormalized (align_corners
// picks [-1, 1] -> [0, size-1] or [-0.5, size-0.5]); nearest and bilinear
// apply border/reflection padding to the point, bicubic to each of its 16
// taps; taps outside the image read 0.
// One invocation per output point (n, y, x): the taps are computed once and
// reused for every channel.
// MODE 0 bilinear, 1 nearest, 2 bicubic; PAD 0 zeros, 1 border, 2 reflection.
// Params: 0 points (N*OH*OW), 1 C, 2 H, 3 W, 4 OH*OW, 5 align_corners.
#include "common.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint MODE = 0;
layout(constant_id = 1) const uint PAD = 0;

layout(std430, binding = 1) readonly buffer X_ { float x[]; };
layout(std430, binding = 2) readonly buffer G_ { float grid[]; };
layout(std430, binding = 3) writeonly buffer Y_ { float y[]; };

float unnormalize(float v, int size, bool align)
{
    return align ? (v + 1.0) * 0.5 * float(size - 1) : ((v + 1.0) * float(size) - 1.0) * 0.5;
}

float reflect_(float v, int size, bool align)
{
    float twiceLow = align ? 0.0 : -1.0;
    float twiceHigh = align ? 2.0 * float(size - 1) : 2.0 * float(size) - 1.0;
    if (twiceLow == twiceHigh)
        return 0.0;
    float lo = twiceLow * 0.5, span = (twiceHigh - twiceLow) * 0.5;
    v = abs(v - lo);
    float extra = mod(v, span);
    int flips = int(floor(v / span));
    return (flips % 2) == 0 ? extra + lo : span - extra + lo;
}

float pad(float v, int size, bool align)
{
    if (PAD == 1)
        return clamp(v, 0.0, float(size - 1));
    if (PAD == 2)
        return clamp(reflect_(v, size, align), 0.0, float(size - 1));
    return v;
}

float cubic(float t, int k)
{
    const float A = -0.75;
    float s = k == 0 ? t + 1.0 : (k == 1 ? t : (k == 2 ? 1.0 - t : 2.0 - t));
    if (k == 1 || k == 2)
        return ((A + 2.0) * s - (A + 3.0)) * s * s + 1.0;
    return ((A * s - 5.0 * A) * s + 8.0 * A) * s - 4.0 * A;
}

void main()
{
    uint i = nodus_index();
    if (i >= p[0])
        return;
    uint C = p[1];
    int H = pi(2), W = pi(3);
    uint plane = p[4];
    bool align = p[5] != 0;
    uint n = i / plane, o = i % plane;
    float gx = unnormalize(grid[2 * i], W, align);
    float gy = unnormalize(grid[2 * i + 1], H, align);
    uint xbase = n * C * uint(H * W), ybase = n * C * plane + o;

    // Up to 16 taps: offsets into a channel plane and weights (0 when the
    // tap is outside the image).
    int off[16];
    float wt[16];
    int taps;
    if (MODE == 2) {
        float fx = floor(gx), fy = floor(gy);
        float tx = gx - fx, ty = gy - fy;
        taps = 16;
        for (int r = 0; r < 4; ++r) {
            float yy = pad(fy - 1.0 + float(r), H, align);
            int iy = int(yy);
            for (int c = 0; c < 4; ++c) {
                float xx = pad(fx - 1.0 + float(c), W, align);
                int ix = int(xx);
                bool inside = xx >= 0.0 && yy >= 0.0 && ix < W && iy < H;
                off[r * 4 + c] = inside ? iy * W + ix : 0;
                wt[r * 4 + c] = inside ? cubic(ty, r) * cubic(tx, c) : 0.0;
            }
        }
    } else {
        gx = pad(gx, W, align);
        gy = pad(gy, H, align);
        if (MODE == 1) {
            int ix = int(roundEven(gx)), iy = int(roundEven(gy));
            bool inside = ix >= 0 && iy >= 0 && ix < W && iy < H;
            taps = 1;
            off[0] = inside ? iy * W + ix : 0;
            wt[0] = inside ? 1.0 : 0.0;
        } else {
            float fx = floor(gx), fy = floor(gy);
            int x0 = int(fx), y0 = int(fy);
            float dx = gx - fx, dy = gy - fy;
            taps = 4;
            for (int t = 0; t < 4; ++t) {
                int ix = x0 + (t & 1), iy = y0 + (t >> 1);
                bool inside = ix >= 0 && iy >= 0 && ix < W && iy < H;
                off[t] = inside ? iy * W + ix : 0;
                wt[t] = inside ? ((t & 1) != 0 ? dx : 1.0 - dx) * ((t >> 1) != 0 ? dy : 1.0 - dy) : 0.0;
            }
        }
    }
    for (uint c = 0; c < C; ++c) {
        uint base = xbase + c * uint(H * W);
        float acc = 0.0;
        for (int t = 0; t < taps; ++t)
            acc += wt[t] * x[base + off[t]];
        y[ybase + c * plane] = acc;
    }
}
