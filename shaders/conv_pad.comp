#version 450
// Copies conv inputs into a zero-padded buffer for conv_tile.comp: each
// (n, c) plane becomes Hp x Wp with the input at (PT, PL), so the conv
// reads whole strips without bounds checks. One invocation writes 4 columns
// (one texel of the conv's view); a 1-D dispatch over all of them, since
// narrow rows would leave most lanes of a per-row workgroup idle and
// lavapipe pays for every workgroup. The input is read through an R32F
// texel view: a texel fetch is a vector gather on lavapipe, a
// storage-buffer load at a varying offset a per-lane loop.
// Params: 0 Wp / 4, 1 H, 2 W, 3 Hp, 4 PT, 5 PL, 6 texels in all
// (planes * Hp * Wp / 4).
#include "common.glsl"

layout(local_size_x = 64) in;

layout(binding = 1) uniform samplerBuffer x;
layout(std430, binding = 2) writeonly buffer Y_ { vec4 y[]; };

void main()
{
    uint index = nodus_index();
    if (index >= p[6])
        return;
    uint Wp4 = p[0], H = p[1], W = p[2], Hp = p[3];
    uint line = index / Wp4, c4 = index - line * Wp4;
    uint plane = line / Hp, row = line - plane * Hp;
    int h = int(row) - pi(4), w = int(4 * c4) - pi(5);
    vec4 v = vec4(0.0);
    if (h >= 0 && h < int(H)) {
        uint base = (plane * H + uint(h)) * W;
        for (int k = 0; k < 4; ++k)
            if (w + k >= 0 && w + k < int(W))
                v[k] = texelFetch(x, int(base) + w + k).x;
    }
    y[index] = v;
}
