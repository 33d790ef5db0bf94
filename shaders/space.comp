#version 450
// variants: f32 i32 i64
// DepthToSpace (MODE 0: DCR, 1: CRD) and SpaceToDepth (MODE 2): each
// invocation copies one output element from where it comes from.
// Params: 0 count, 1 output C, 2 OH, 3 OW, 4 block size, 5 input C, 6 IH, 7 IW.
#include "common.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint MODE = 0;

layout(std430, binding = 1) readonly buffer X_ { T x[]; };
layout(std430, binding = 2) writeonly buffer Y_ { T y[]; };

void main()
{
    uint i = nodus_index();
    if (i >= p[0])
        return;
    uint C = p[1], OH = p[2], OW = p[3], b = p[4], IC = p[5], IH = p[6], IW = p[7];
    uint q = i;
    uint ow = q % OW;
    q /= OW;
    uint oh = q % OH;
    q /= OH;
    uint c = q % C;
    uint n = q / C;
    uint ic, ih, iw;
    if (MODE == 2) {
        uint blk = c / IC;
        ic = c % IC;
        ih = oh * b + blk / b;
        iw = ow * b + blk % b;
    } else {
        uint bi = oh % b, bj = ow % b;
        ih = oh / b;
        iw = ow / b;
        ic = MODE == 0 ? (bi * b + bj) * C + c : (c * b + bi) * b + bj;
    }
    y[i] = x[((n * IC + ic) * IH + ih) * IW + iw];
}
