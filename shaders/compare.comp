#version 450
// variants: f32 i32 i64
// Comparisons with numpy broadcasting; the output is bool (int 0/1).
#include "common.glsl"
#include "broadcast.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 0) const uint OP = 0;
layout(constant_id = 1) const uint MODE = 3;
layout(constant_id = 2) const uint UNSIGNED = 0;
layout(std430, binding = 1) readonly buffer A { T a[]; };
layout(std430, binding = 2) readonly buffer B { T b[]; };
layout(std430, binding = 3) writeonly buffer C { int c[]; };

void main()
{
    uint i = nodus_index();
    if (i >= p[0])
        return;
    uint ia = MODE == 0 || MODE == 1 ? i : (MODE == 2 ? 0 : bcast_offset(i, 0));
    uint ib = MODE == 0 || MODE == 2 ? i : (MODE == 1 ? 0 : bcast_offset(i, 1));
    T x = a[ia];
    T y = b[ib];
    bool r = false;
#if defined(DT_I64)
    if (UNSIGNED != 0) {
        uint64_t ux = uint64_t(x), uy = uint64_t(y);
        r = OP == 0 ? ux == uy : OP == 1 ? ux < uy : OP == 2 ? ux > uy : OP == 3 ? ux <= uy : ux >= uy;
    } else
#elif defined(DT_I32)
    if (UNSIGNED != 0) {
        uint ux = uint(x), uy = uint(y);
        r = OP == 0 ? ux == uy : OP == 1 ? ux < uy : OP == 2 ? ux > uy : OP == 3 ? ux <= uy : ux >= uy;
    } else
#endif
    r = OP == 0 ? x == y : OP == 1 ? x < y : OP == 2 ? x > y : OP == 3 ? x <= y : x >= y;
    c[i] = r ? 1 : 0;
}
