#version 450
#include "common.glsl"

// The mean reduction of a loss: summed loss over summed weights.
layout(local_size_x = 1) in;

layout(std430, binding = 1) readonly buffer S { float s[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };

void main()
{
    y[0] = s[0] / s[1];
}
