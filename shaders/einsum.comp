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

void main()
{
    uint i = nodus_index();
    if (i >= p[0])
        return;
    uint base = 0;
    uint rest = i;
    for (uint d = p[1]; d > 0; --d) {
        uint dim = p[3 + d];
        base += (rest % dim) * p[11 + d];
        rest /= dim;
    }
    uint nr = p[2];
    uint rd[8], rs[8];
    for (uint d = 0; d < 8; ++d) {
        rd[d] = d < nr ? p[20 + d] : 1;
        rs[d] = d < nr ? p[28 + d] : 0;
    }
    T acc = T_ZERO;
    uint total = p[3];
    for (uint r = 0; r < total; ++r) {
        uint off = base;
        uint q = r;
        for (uint d = nr; d > 0; --d) {
            off += (q % rd[d - 1]) * rs[d - 1];
            q /= rd[d - 1];
        }
        acc += x[off];
    }
    y[i] = acc;
}
