#version 450
// variants: i32 i64
#include "common.glsl"

// TfIdfVectorizer, one invocation per (row, output column d): counts, in
// the row's C tokens, every pool n-gram that maps to column d, over every
// skip distance 1..p[3] (unigrams at distance 1 only, as a unigram does
// not depend on the skip), then weighs the count by MODE. Columns own
// their n-grams (the host lists them per column), so no atomics are needed.
// table[d] .. table[d+1]: column d's entries; entry e is at
// table[D+1+2e] (pool offset) and table[D+2+2e] (n).
// p[0] rows*D  p[1] D  p[2] C  p[3] max skip distance  p[4] has weights
layout(local_size_x = 64) in;

layout(constant_id = 0) const uint MODE = 0; // 0 TF, 1 IDF, 2 TFIDF

layout(std430, binding = 1) readonly buffer X { T x[]; };
layout(std430, binding = 2) readonly buffer Pool { int64_t pool[]; };
layout(std430, binding = 3) readonly buffer Table { uint table[]; };
layout(std430, binding = 4) readonly buffer Wt { float weights[]; };
layout(std430, binding = 5) writeonly buffer Y { float y[]; };

void main()
{
    uint q = nodus_index();
    if (q >= p[0])
        return;
    uint D = p[1];
    uint C = p[2];
    uint row = q / D;
    uint d = q - row * D;
    uint base = row * C;
    uint count = 0;
    for (uint e = table[d]; e < table[d + 1]; ++e) {
        uint off = table[D + 1 + 2 * e];
        uint n = table[D + 2 + 2 * e];
        uint maxDist = n == 1 ? 1 : p[3];
        for (uint dist = 1; dist <= maxDist; ++dist) {
            uint span = (n - 1) * dist;
            for (uint s = 0; s + span < C; ++s) {
                bool hit = true;
                for (uint j = 0; j < n && hit; ++j)
                    hit = int64_t(x[base + s + j * dist]) == pool[off + j];
                if (hit)
                    ++count;
            }
        }
    }
    float w = p[4] != 0 ? weights[d] : 1.0;
    float v;
    if (MODE == 0)
        v = float(count);
    else if (MODE == 1)
        v = count > 0 ? w : 0.0;
    else
        v = float(count) * w;
    y[q] = v;
}
