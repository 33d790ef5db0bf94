#version 450
// DynamicQuantizeLinear, step 1: each workgroup folds a slice of x into a
// (min, max) pair; step 2 (quant_dynamic.comp) combines them.
//
// Params: 0 count, 1 elements per workgroup.
#include "common.glsl"

layout(local_size_x = 64) in;

layout(std430, binding = 1) readonly buffer X_ { float x[]; };
layout(std430, binding = 2) writeonly buffer Part_ { float part[]; };

shared float smin[64];
shared float smax[64];

void main()
{
    uint lid = gl_LocalInvocationID.x;
    uint g = gl_WorkGroupID.x;
    uint count = p[0], per = p[1];
    uint begin = g * per;
    uint end = min(begin + per, count);
    // The range always includes 0 (DynamicQuantizeLinear adjusts it so).
    float lo = 0.0, hi = 0.0;
    for (uint i = begin + lid; i < end; i += 64) {
        float v = x[i];
        lo = min(lo, v);
        hi = max(hi, v);
    }
    smin[lid] = lo;
    smax[lid] = hi;
    barrier();
    for (uint s = 32; s > 0; s >>= 1) {
        if (lid < s) {
            smin[lid] = min(smin[lid], smin[lid + s]);
            smax[lid] = max(smax[lid], smax[lid + s]);
        }
        barrier();
    }
    if (lid == 0) {
        part[2 * g] = smin[0];
        part[2 * g + 1] = smax[0];
    }
}
