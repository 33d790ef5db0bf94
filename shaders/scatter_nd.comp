#version 450
// variants: f32 i32 i64
#include "common.glsl"

// ScatterND into an output already holding a copy of the data: update
// slice m (S elements) goes to the slice picked by index tuple m. With a
// reduction each invocation owns one slice position e and applies every
// tuple in order (duplicates combine deterministically); without one each
// (m, e) is an invocation of its own. With a reduction, many tuples are
// applied by several dispatches (lavapipe's loop budget), each over tuples
// [p[4], p[5]).
// p[0] invocations   p[1] S   p[2] M (tuples)   p[3] q (tuple length)
// p[4], p[5] tuples of this dispatch (reduction)
// p[8 + j] data dim j   p[16 + j] data stride of dim j
layout(local_size_x = 64) in;

layout(constant_id = 0) const uint RED = 0; // 0 none, 1 add, 2 mul, 3 max, 4 min
layout(constant_id = 1) const uint IW = 1;

layout(std430, binding = 1) readonly buffer I { int ind[]; };
layout(std430, binding = 2) readonly buffer U { T upd[]; };
layout(std430, binding = 3) buffer Y { T y[]; };

void main()
{
    uint id = nodus_index();
    if (id >= p[0])
        return;
    uint s = p[1];
    uint q = p[3];
    uint m0, m1, e;
    if (RED != 0) {
        e = id;
        m0 = p[4];
        m1 = p[5];
    } else {
        m0 = id / s;
        e = id - m0 * s;
        m1 = m0 + 1;
    }
    for (uint m = m0; m < m1; ++m) {
        uint off = e;
        bool inside = true;
        for (uint j = 0; j < q; ++j) {
            int n = int(p[8 + j]);
            int idx = ind[(m * q + j) * IW];
            if (idx < 0)
                idx += n;
            inside = inside && idx >= 0 && idx < n;
            off += uint(idx) * p[16 + j];
        }
        if (!inside)
            continue;
        T v = upd[m * s + e];
        if (RED == 1)
            v += y[off];
        else if (RED == 2)
            v *= y[off];
        else if (RED == 3)
            v = max(v, y[off]);
        else if (RED == 4)
            v = min(v, y[off]);
        y[off] = v;
    }
}
