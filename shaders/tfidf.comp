#version 450
#include "common.glsl"

// TfIdfVectorizer weighting of the counts (tfidf_count.comp) per
// (row, column) by MODE.
// p[0] rows*columns  p[1] columns  p[2] has weights
layout(local_size_x = 64) in;

layout(constant_id = 0) const uint MODE = 0; // 0 TF, 1 IDF, 2 TFIDF

layout(std430, binding = 1) readonly buffer Counts { uint counts[]; };
layout(std430, binding = 2) readonly buffer Wt { float weights[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };

void main()
{
    uint q = nodus_index();
    if (q >= p[0])
        return;
    uint count = counts[q];
    float w = p[2] != 0 ? weights[q % p[1]] : 1.0;
    float v;
    if (MODE == 0)
        v = float(count);
    else if (MODE == 1)
        v = count > 0 ? w : 0.0;
    else
        v = float(count) * w;
    y[q] = v;
}
