#version 450
// Swaps the two middle axes of a [D][A][B][C] array of 32-bit words into
// [D][B][A][C]. Element types are moved as words (C counts words), so one
// shader serves every rep: RNN weight transposes (C = 1) and Scan's moves of
// the scan axis to the front and back (D = 1).
#include "common.glsl"

layout(local_size_x = 64) in;

layout(std430, binding = 1) readonly buffer In { uint src[]; };
layout(std430, binding = 2) writeonly buffer Out { uint dst[]; };

// p: 0 D, 1 A, 2 B, 3 C
void main()
{
    uint idx = nodus_index();
    uint A = p[1], B = p[2], C = p[3];
    uint total = p[0] * A * B * C;
    if (idx >= total)
        return;
    // Output order: c fastest, then a, then b, so neighbouring invocations
    // write neighbouring words.
    uint c = idx % C;
    uint rest = idx / C;
    uint a = rest % A;
    rest /= A;
    uint b = rest % B;
    uint d = rest / B;
    dst[idx] = src[((d * A + a) * B + b) * C + c];
}
