#version 450
// BatchNormalization (inference): per channel c of [N][C][inner],
// y = (x - mean[c]) / sqrt(var[c] + eps) * scale[c] + bias[c].
//
// Params: 0 count, 1 C, 2 inner, 3 epsilon.
#include "common.glsl"

layout(local_size_x = 64) in;

layout(std430, binding = 1) readonly buffer X_ { float x[]; };
layout(std430, binding = 2) readonly buffer S_ { float scale[]; };
layout(std430, binding = 3) readonly buffer B_ { float bias[]; };
layout(std430, binding = 4) readonly buffer M_ { float mean[]; };
layout(std430, binding = 5) readonly buffer V_ { float var[]; };
layout(std430, binding = 6) writeonly buffer Y_ { float y[]; };

void main()
{
    uint i = nodus_index();
    if (i >= p[0])
        return;
    uint c = (i / p[2]) % p[1];
    y[i] = (x[i] - mean[c]) / sqrt(var[c] + pf(3)) * scale[c] + bias[c];
}
