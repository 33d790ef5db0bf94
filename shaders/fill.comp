#version 450
// variants: i32 i64
// Fills p[0] elements with the value in p[1] (and p[2] for the high word
// of 64-bit elements).
#include "common.glsl"
layout(local_size_x = 64) in;
layout(std430, binding = 1) writeonly buffer Out { T y[]; };

void main()
{
    uint i = nodus_index();
    if (i >= p[0])
        return;
#if defined(DT_I64)
    y[i] = int64_t(p[1]) | (int64_t(p[2]) << 32);
#else
    y[i] = int(p[1]);
#endif
}
