#version 450
// variants: f32 i32 i64
#include "common.glsl"

// TopK along one axis of an [outer, R, inner] view; one line per
// invocation. The k best so far are kept sorted in the outputs themselves
// (insertion: an element enters only when strictly better than the k-th,
// so equal values keep the lower index first).
// p[0] lines (outer * inner)   p[1] R   p[2] inner   p[3] k
layout(local_size_x = 64) in;

layout(constant_id = 0) const uint LARGEST = 1;

layout(std430, binding = 1) readonly buffer X { T x[]; };
layout(std430, binding = 2) buffer V { T vals[]; };
layout(std430, binding = 3) buffer I { int64_t inds[]; };

bool better(T v, T w)
{
#if defined(DT_F32)
    // NaN counts as the largest value, as in numpy's sort.
    if (LARGEST != 0)
        return (isnan(v) && !isnan(w)) || v > w;
    return (isnan(w) && !isnan(v)) || v < w;
#else
    return LARGEST != 0 ? v > w : v < w;
#endif
}

void main()
{
    uint o = nodus_index();
    if (o >= p[0])
        return;
    uint r = p[1];
    uint inner = p[2];
    uint k = p[3];
    uint a = o / inner;
    uint b = o - a * inner;
    uint xoff = a * r * inner + b;
    uint yoff = a * k * inner + b;
    uint n = 0;
    for (uint j = 0; j < r; ++j, xoff += inner) {
        T v = x[xoff];
        uint s;
        if (n < k) {
            s = n++;
        } else {
            if (!better(v, vals[yoff + (k - 1) * inner]))
                continue;
            s = k - 1;
        }
        while (s > 0) {
            uint prev = yoff + (s - 1) * inner;
            T w = vals[prev];
            if (!better(v, w))
                break;
            vals[prev + inner] = w;
            inds[prev + inner] = inds[prev];
            --s;
        }
        vals[yoff + s * inner] = v;
        inds[yoff + s * inner] = int64_t(j);
    }
}
