#version 450
// variants: i32 i64
// Reflect (MODE 0), edge (1) and wrap (2) padding: each output element
// reads the input element its mode maps it to. p[0] count, p[1] rank,
// p[2..9] output dims, p[10..17] input dims, p[18..25] leading pads.
#include "common.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 0) const uint MODE = 0;
layout(std430, binding = 1) readonly buffer In { T x[]; };
layout(std430, binding = 2) writeonly buffer Out { T y[]; };

// a mod m in [0, m) for any sign of a (m > 0). GLSL leaves % undefined
// for negative operands, and GPUs differ there (NVIDIA's sign differs
// from lavapipe's), so both operands stay non-negative.
int wrap(int a, int m)
{
    return a >= 0 ? a % m : (m - 1) - ((-a - 1) % m);
}

void main()
{
    uint i = nodus_index();
    if (i >= p[0])
        return;
    uint rank = p[1];
    uint rem = i;
    uint src = 0;
    uint stride = 1;
    for (int d = int(rank) - 1; d >= 0; --d) {
        int dim = int(p[2 + d]);
        int n = int(p[10 + d]);
        int c = int(rem % uint(dim)) - int(p[18 + d]);
        rem /= uint(dim);
        if (MODE == 0) {
            int period = 2 * (n - 1);
            c = period == 0 ? 0 : wrap(c, period);
            if (c >= n) c = period - c;
        } else if (MODE == 1) {
            c = clamp(c, 0, n - 1);
        } else {
            c = wrap(c, n);
        }
        src += uint(c) * stride;
        stride *= uint(n);
    }
    y[i] = x[src];
}
