#version 450
// 2-D float MaxPool (no indices) for inputs whose rows are whole RGBA32F
// texels (W a multiple of 4): one invocation computes 4 consecutive outputs
// of a row from a strip of texels per window row, instead of pool.comp's
// KH * KW scalar loads per output (on lavapipe every storage-buffer load is
// a per-lane loop; a texel fetch of 4 floats costs about one of them). The
// strip of outputs ow0 = 4 * k starts at input column 4 * k * SW - PL, whose
// offset inside its texel, OFF = (-PL) mod 4, is the same for every strip,
// so the shader indexes its registers with constants. Texels outside the
// row count as padding; a window with nothing inside gives -FLT_MAX, as
// pool.comp does.
// Params: 0 strips (N * C * OH * ceil(OW / 4)), 1 H, 2 W / 4, 3 OH, 4 OW,
// 5 PT (leading pad of H), 6 vec4 stores (1 when OW % 4 == 0 and the output
// is 16-byte aligned).
// Bindings: 1 x (RGBA32F texels), 2 y.
#include "common.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const int KH = 3;
layout(constant_id = 1) const int KW = 3;
layout(constant_id = 2) const int SH = 2;
layout(constant_id = 3) const int SW = 2;
layout(constant_id = 4) const int DH = 1;
layout(constant_id = 5) const int DW = 1;
layout(constant_id = 6) const int PL = 1;

layout(binding = 1) uniform samplerBuffer x;
layout(std430, binding = 2) writeonly buffer Y_ { float y[]; };
layout(std430, binding = 2) writeonly buffer Y4_ { vec4 y4[]; };

const int OFF = (4 - PL % 4) % 4;
// Columns one strip spans from the start of its first texel, in texels.
const int L4 = (OFF + 3 * SW + (KW - 1) * DW + 4) / 4;
const float LOWEST = -3.402823466e38;

void main()
{
    uint i = nodus_index();
    if (i >= p[0])
        return;
    uint H = p[1], W4 = p[2], OH = p[3], OW = p[4];
    uint spr = (OW + 3u) / 4u;
    uint k = i % spr, rest = i / spr;
    uint oh = rest % OH, plane = rest / OH;
    // The strip's first input column is 4 * k * SW - PL = 4 * t0 + OFF.
    int t0 = (int(4u * k) * SW - PL - OFF) / 4;
    int h0 = int(oh) * SH - int(p[5]);

    float best[4] = float[4](LOWEST, LOWEST, LOWEST, LOWEST);
    for (int kh = 0; kh < KH; ++kh) {
        int ih = h0 + kh * DH;
        if (ih < 0 || ih >= int(H))
            continue;
        int row = int((plane * H + uint(ih)) * W4);
        float s[4 * L4];
        for (int t = 0; t < L4; ++t) {
            int tx = t0 + t;
            vec4 v = tx >= 0 && tx < int(W4) ? texelFetch(x, row + tx) : vec4(LOWEST);
            s[4 * t] = v.x;
            s[4 * t + 1] = v.y;
            s[4 * t + 2] = v.z;
            s[4 * t + 3] = v.w;
        }
        for (int j = 0; j < 4; ++j)
            for (int kw = 0; kw < KW; ++kw) {
                float v = s[OFF + j * SW + kw * DW];
                best[j] = v > best[j] ? v : best[j];
            }
    }
    uint o = (plane * OH + oh) * OW + 4u * k;
    if (p[6] != 0u) {
        y4[o / 4u] = vec4(best[0], best[1], best[2], best[3]);
    } else {
        for (uint j = 0; j < 4u; ++j)
            if (4u * k + j < OW)
                y[o + j] = best[j];
    }
}
