#version 450
// variants: f32 i32 i64
// A strided gather with a sum: y[i] = sum over r of x[off(i) + off(r)],
// where off() decomposes an index over up to 8 dims with their strides
// (0 for broadcast dims; a repeated Einsum letter has the sum of its
// strides, which walks the diagonal). With no reduced dims this is a
// transpose / diagonal / broadcast copy. Einsum uses it to bring operands
// into the [batch][M][K] / [batch][K][N] layout of matmul and to sum out
// letters that appear in one operand only.
//
// Params: 0 count, 1 out dims, 2 reduced dims, 3 reduced count,
// 4.. out dims[8], 12.. out strides[8], 20.. reduced dims[8],
// 28.. reduced strides[8].
#include "common.glsl"

layout(local_size_x = 64) in;

layout(std430, binding = 1) readonly buffer X_ { T x[]; };
layout(std430, binding = 2) writeonly buffer Y_ { T y[]; };

// Each invocation writes 8 consecutive outputs, stepping the indices with
// carries: on CPU implementations parameter reads are per-lane loads and
// an integer division by a variable is a scalar division per lane, so both
// are done once per invocation, not per element.
void main()
{
    uint first = nodus_index() * 8;
    uint count = p[0];
    if (first >= count)
        return;
    uint no = p[1], nr = p[2], total = p[3];
    uint od[8], os[8], oi[8], rd[8], rs[8], ri[8];
    uint base = 0, rest = first;
    for (uint d = no; d > 0; --d) {
        uint dim = p[3 + d];
        od[d - 1] = dim;
        os[d - 1] = p[11 + d];
        oi[d - 1] = rest % dim;
        rest /= dim;
        base += oi[d - 1] * os[d - 1];
    }
    for (uint d = 0; d < nr; ++d) {
        rd[d] = p[20 + d];
        rs[d] = p[28 + d];
    }
    uint end = min(first + 8, count);
    for (uint i = first; i < end; ++i) {
        T acc = T_ZERO;
        if (nr == 0) {
            if (total != 0)
                acc = x[base];
        } else {
            for (uint d = 0; d < nr; ++d)
                ri[d] = 0;
            uint off = base;
            for (uint r = 0; r < total; ++r) {
                acc += x[off];
                for (uint d = nr; d > 0; --d) {
                    off += rs[d - 1];
                    if (++ri[d - 1] < rd[d - 1])
                        break;
                    off -= rd[d - 1] * rs[d - 1];
                    ri[d - 1] = 0;
                }
            }
        }
        y[i] = acc;
        for (uint d = no; d > 0; --d) {
            base += os[d - 1];
            if (++oi[d - 1] < od[d - 1])
                break;
            base -= od[d - 1] * os[d - 1];
            oi[d - 1] = 0;
        }
    }
}
