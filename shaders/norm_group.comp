#version 450
// Normalization over groups of elements (LayerNormalization,
// InstanceNormalization, MeanVarianceNormalization, BatchNormalization in
// training mode). One workgroup per group: its lanes sum the group for the
// mean, then the squared deviations for the variance (two passes keep the
// variance accurate when the mean is large), then write the normalized
// elements. A group is a point of the kept dims; its elements are the
// points of the reduced dims (each up to 6 dims, adjacent dims merged by the
// kernel). Scale and bias are read through their own strides per dim, so
// per-channel and per-element parameters and broadcasting need no copy.
//
// Params: 0 groups, 1 elements per group, 2 kept dims, 3 reduced dims,
// 4 epsilon, 5 momentum,
// 6.. kept dims[6], 12.. x strides, 18.. scale strides, 24.. bias strides,
// 30.. reduced dims[6], 36.. x strides, 42.. scale strides, 48.. bias strides.
#include "common.glsl"

layout(local_size_x = 64) in;
// 0: y = (x - mean) * (1 / sqrt(var + eps)) * scale + bias (LayerNormalization)
// 1: y = scale * (x - mean) / sqrt(var + eps) + bias (Instance, Batch)
// 2: y = (x - mean) / (sqrt(var) + eps) (MeanVarianceNormalization)
layout(constant_id = 0) const uint MODE = 0;
layout(constant_id = 1) const uint HAS_SCALE = 1;
layout(constant_id = 2) const uint HAS_BIAS = 1;
// 0: none; 1: stat0 = mean, stat1 = 1 / sqrt(var + eps) per group
// (LayerNormalization); 2: stat0/stat1 = running mean/var updated with
// momentum from in0/in1 (BatchNormalization training).
layout(constant_id = 3) const uint STATS = 0;
// 1: the group is one contiguous run of R % 4 == 0 elements at a multiple
// of 4, and scale / bias are either per element (same layout) or per group:
// elements are read and written 4 at a time (on CPU implementations every
// load is a loop over the SIMD lanes, so this is most of the speed).
layout(constant_id = 4) const uint VEC4 = 0;

layout(std430, binding = 1) readonly buffer X_ { float x[]; };
layout(std430, binding = 2) readonly buffer S_ { float scale[]; };
layout(std430, binding = 3) readonly buffer B_ { float bias[]; };
layout(std430, binding = 4) writeonly buffer Y_ { float y[]; };
layout(std430, binding = 5) writeonly buffer St0_ { float stat0[]; };
layout(std430, binding = 6) writeonly buffer St1_ { float stat1[]; };
layout(std430, binding = 7) readonly buffer In0_ { float in0[]; };
layout(std430, binding = 8) readonly buffer In1_ { float in1[]; };
// The same buffers seen as vec4s (VEC4).
layout(std430, binding = 1) readonly buffer X4_ { vec4 x4[]; };
layout(std430, binding = 2) readonly buffer S4_ { vec4 scale4[]; };
layout(std430, binding = 3) readonly buffer B4_ { vec4 bias4[]; };
layout(std430, binding = 4) writeonly buffer Y4_ { vec4 y4[]; };

shared float red[64];

float groupSum(float v)
{
    uint lid = gl_LocalInvocationID.x;
    red[lid] = v;
    barrier();
    for (uint s = 32; s > 0; s >>= 1) {
        if (lid < s)
            red[lid] += red[lid + s];
        barrier();
    }
    float total = red[0];
    barrier();
    return total;
}

void main()
{
    uint g = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (g >= p[0])
        return;
    uint lid = gl_LocalInvocationID.x;
    uint R = p[1];
    uint nk = p[2], nr = p[3];

    uint xBase = 0, sBase = 0, bBase = 0;
    uint rest = g;
    for (uint d = nk; d > 0; --d) {
        uint dim = p[5 + d];
        uint i = rest % dim;
        rest /= dim;
        xBase += i * p[11 + d];
        sBase += i * p[17 + d];
        bBase += i * p[23 + d];
    }
    float eps = pf(4);
    float mean, var, stddev, inv;
    if (VEC4 != 0) {
        // Reduced dim 0 has x stride 1; scale / bias strides are 1 or 0.
        uint R4 = R / 4, x0 = xBase / 4;
        vec4 sum4 = vec4(0.0);
        for (uint r = lid; r < R4; r += 64)
            sum4 += x4[x0 + r];
        mean = groupSum(sum4.x + sum4.y + sum4.z + sum4.w) / float(R);
        vec4 sq4 = vec4(0.0);
        for (uint r = lid; r < R4; r += 64) {
            vec4 dv = x4[x0 + r] - mean;
            sq4 += dv * dv;
        }
        var = groupSum(sq4.x + sq4.y + sq4.z + sq4.w) / float(R);
        stddev = sqrt(var + eps);
        inv = 1.0 / stddev;
        bool scaleVec = p[42] != 0, biasVec = p[48] != 0;
        float sOne = HAS_SCALE != 0 && !scaleVec ? scale[sBase] : 1.0;
        float bOne = HAS_BIAS != 0 && !biasVec ? bias[bBase] : 0.0;
        for (uint r = lid; r < R4; r += 64) {
            vec4 dv = x4[x0 + r] - mean;
            vec4 sv = HAS_SCALE != 0 && scaleVec ? scale4[sBase / 4 + r] : vec4(sOne);
            vec4 v;
            if (MODE == 0)
                v = dv * inv * sv;
            else if (MODE == 1)
                v = sv * dv / stddev;
            else
                v = dv / (sqrt(var) + eps);
            if (HAS_BIAS != 0)
                v += biasVec ? bias4[bBase / 4 + r] : vec4(bOne);
            y4[x0 + r] = v;
        }
    } else {
        uint rd[6], rx[6];
        for (uint d = 0; d < 6; ++d) {
            rd[d] = d < nr ? p[30 + d] : 1;
            rx[d] = d < nr ? p[36 + d] : 0;
        }

        float sum = 0.0;
        for (uint r = lid; r < R; r += 64) {
            // The outermost index needs no division (r < R).
            uint off = xBase, q = r;
            for (uint d = max(nr, 1u) - 1; d > 0; --d) {
                off += (q % rd[d]) * rx[d];
                q /= rd[d];
            }
            off += q * rx[0];
            sum += x[off];
        }
        mean = groupSum(sum) / float(R);
        float sq = 0.0;
        for (uint r = lid; r < R; r += 64) {
            // The outermost index needs no division (r < R).
            uint off = xBase, q = r;
            for (uint d = max(nr, 1u) - 1; d > 0; --d) {
                off += (q % rd[d]) * rx[d];
                q /= rd[d];
            }
            off += q * rx[0];
            float dv = x[off] - mean;
            sq += dv * dv;
        }
        var = groupSum(sq) / float(R);
        stddev = sqrt(var + eps);
        inv = 1.0 / stddev;

        uint rs[6], rb[6];
        for (uint d = 0; d < 6; ++d) {
            rs[d] = d < nr ? p[42 + d] : 0;
            rb[d] = d < nr ? p[48 + d] : 0;
        }
        for (uint r = lid; r < R; r += 64) {
            uint off = xBase, so = sBase, bo = bBase, q = r;
            for (uint d = max(nr, 1u) - 1; d > 0; --d) {
                uint i = q % rd[d];
                q /= rd[d];
                off += i * rx[d];
                so += i * rs[d];
                bo += i * rb[d];
            }
            off += q * rx[0];
            so += q * rs[0];
            bo += q * rb[0];
            float dv = x[off] - mean;
            float v;
            if (MODE == 0) {
                v = dv * inv;
                if (HAS_SCALE != 0)
                    v *= scale[so];
            } else if (MODE == 1) {
                v = HAS_SCALE != 0 ? scale[so] * dv / stddev : dv / stddev;
            } else {
                v = dv / (sqrt(var) + eps);
            }
            if (HAS_BIAS != 0)
                v += bias[bo];
            y[off] = v;
        }
    }
    if (lid == 0) {
        if (STATS == 1) {
            stat0[g] = mean;
            stat1[g] = inv;
        } else if (STATS == 2) {
            float momentum = pf(5);
            stat0[g] = in0[g] * momentum + mean * (1.0 - momentum);
            stat1[g] = in1[g] * momentum + var * (1.0 - momentum);
        }
    }
}
