#version 450
// variants: i32 i64
#include "common.glsl"

// TfIdfVectorizer counting: one invocation per (row, skip distance, start
// token) hashes the n-grams of lengths n0..p[4] starting there (tokens
// start, start+dist, ...) and looks each up in the pool's open-addressing
// hash table built by the host with the same hash; a hit adds 1 to its
// output column (atomically: different starts can hit the same n-gram).
// Unigrams count at distance 1 only, as they do not depend on the skip.
// slot: (pool offset + 1, 0 when empty; n; column; unused)
// p[0] rows*dists*C  p[1] C  p[2] dists  p[3] min n  p[4] max n
// p[5] table slots - 1 (a power of two minus 1)  p[6] columns
layout(local_size_x = 64) in;

layout(std430, binding = 1) readonly buffer X { T x[]; };
layout(std430, binding = 2) readonly buffer Pool { int64_t pool[]; };
layout(std430, binding = 3) readonly buffer Table { uvec4 table[]; };
layout(std430, binding = 4) buffer Counts { uint counts[]; };

uint mixWord(uint h, uint v)
{
    v *= 0xcc9e2d51u;
    v = (v << 15) | (v >> 17);
    v *= 0x1b873593u;
    h ^= v;
    h = (h << 13) | (h >> 19);
    return h * 5u + 0xe6546b64u;
}

uint finish(uint h, uint n)
{
    h ^= n;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

void main()
{
    uint q = nodus_index();
    if (q >= p[0])
        return;
    uint C = p[1];
    uint dists = p[2];
    uint perRow = dists * C;
    uint row = q / perRow;
    uint rem = q - row * perRow;
    uint d = rem / C;
    uint start = rem - d * C;
    uint dist = d + 1;
    uint base = row * C;
    uint first = d == 0 ? p[3] : max(p[3], 2u);
    uint last = p[4];
    uint mask = p[5];
    uint h = 0x2545f491u;
    for (uint j = 0; j < last; ++j) {
        uint pos = start + j * dist;
        if (pos >= C)
            break;
        int64_t v = int64_t(x[base + pos]);
        h = mixWord(mixWord(h, uint(v)), uint(v >> 32));
        uint n = j + 1;
        if (n < first)
            continue;
        for (uint slot = finish(h, n) & mask;; slot = (slot + 1) & mask) {
            uvec4 e = table[slot];
            if (e.x == 0)
                break;
            if (e.y != n)
                continue;
            bool same = true;
            for (uint t = 0; t < n && same; ++t)
                same = int64_t(x[base + start + t * dist]) == pool[e.x - 1 + t];
            if (same) {
                atomicAdd(counts[row * p[6] + e.z], 1u);
                break;
            }
        }
    }
}
