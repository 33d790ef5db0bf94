#version 450
// variants: f32 i32 i64
#include "common.glsl"

// ScatterElements into an output already holding a copy of the data.
// Updates that share every coordinate but the axis one can only hit the same
// output line, so with a reduction each invocation walks one such line in
// order (no two invocations touch one element, and duplicates combine in
// index order); without one every update is an invocation of its own.
// Lines longer than lavapipe's loop budget are walked by several
// dispatches, each over axis positions [p[5], p[6]).
// p[0] invocations   p[1] rank   p[2] axis   p[3] updates' axis dim
// p[4] data's axis dim   p[5], p[6] axis positions of this dispatch (lines)
// p[8 + d] updates dim d   p[16 + d] output stride d
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
    int rank = int(p[1]);
    int axis = int(p[2]);
    bool lines = RED != 0;
    uint rem = id;
    uint ubase = 0;
    uint ustride = 1;
    uint uaxis = 1;
    uint obase = 0;
    uint j0 = 0;
    for (int d = rank - 1; d >= 0; --d) {
        uint dim = p[8 + d];
        uint n = (lines && d == axis) ? 1 : dim;
        uint q = rem / n;
        uint c = rem - q * n;
        rem = q;
        ubase += c * ustride;
        if (d == axis) {
            j0 = c;
            uaxis = ustride;
        } else {
            obase += c * p[16 + d];
        }
        ustride *= dim;
    }
    if (lines) {
        j0 = p[5];
        ubase += j0 * uaxis;
    }
    uint j1 = lines ? p[6] : j0 + 1;
    int n = int(p[4]);
    uint ostride = p[16 + axis];
    for (uint j = j0; j < j1; ++j) {
        uint u = ubase + (j - j0) * uaxis;
        int idx = ind[u * IW];
        if (idx < 0)
            idx += n;
        if (idx < 0 || idx >= n)
            continue;
        uint off = obase + uint(idx) * ostride;
        T v = upd[u];
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
