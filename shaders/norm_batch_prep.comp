#version 450
// Per-channel factors of inference BatchNormalization (norm_batch.comp):
// ab[c] = scale / sqrt(var + eps), ab[C + c] = bias - mean * ab[c].
//
// Params: 0 C, 1 epsilon.
#include "common.glsl"

layout(local_size_x = 64) in;

layout(std430, binding = 1) readonly buffer S_ { float scale[]; };
layout(std430, binding = 2) readonly buffer B_ { float bias[]; };
layout(std430, binding = 3) readonly buffer M_ { float mean[]; };
layout(std430, binding = 4) readonly buffer V_ { float var[]; };
layout(std430, binding = 5) writeonly buffer AB_ { float ab[]; };

void main()
{
    uint c = nodus_index();
    uint C = p[0];
    if (c >= C)
        return;
    float a = scale[c] / sqrt(var[c] + pf(1));
    ab[c] = a;
    ab[C + c] = bias[c] - mean[c] * a;
}
