#version 450
// IsNaN (OP 0) and IsInf (OP 1; p[1] bit 0: +inf, bit 1: -inf) of float32.
#include "common.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 0) const uint OP = 0;
layout(std430, binding = 1) readonly buffer In { float x[]; };
layout(std430, binding = 2) writeonly buffer Out { int y[]; };

void main()
{
    uint i = nodus_index();
    if (i >= p[0])
        return;
    float v = x[i];
    bool r = OP == 0 ? isnan(v) : (isinf(v) && ((v > 0.0 && (p[1] & 1u) != 0u) || (v < 0.0 && (p[1] & 2u) != 0u)));
    y[i] = r ? 1 : 0;
}
