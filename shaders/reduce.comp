#version 450
// variants: f32 i32 i64
#include "common.glsl"

// Reduce* over any set of axes. The kernel coalesces the input's dims into
// kept dims (which index the output) and reduced dims; the innermost reduced
// dim is walked as a plain strided loop, the outer reduced dims are decoded
// once per pass over it. Each invocation reduces one chunk of one output's
// elements: with one chunk per output the result is final, with several the
// kernel runs this shader again over the [outputs, chunks] partials.
//
// p[0]  invocations (outputs * chunks)   p[1] kept dims      p[2] outer reduced dims
// p[3]  innermost reduced size           p[4] its stride      p[5] chunk length
// p[6]  chunks per output                p[7] reduced count R p[8] count for Mean
// p[16 + 2i], p[17 + 2i]: kept dim i (size, input stride), outermost first
// p[32 + 2i], p[33 + 2i]: outer reduced dim i (size, input stride)
layout(local_size_x = 64) in;

layout(constant_id = 0) const uint OP = 0; // see ReduceOp in reduce.cpp
layout(constant_id = 1) const uint PRE = 1; // apply the element map (|x|, x*x)
layout(constant_id = 2) const uint POST = 1; // apply the final map (mean, sqrt, log)
layout(constant_id = 3) const uint UNSIGNED = 0; // integer bits are uint32 / uint64 values

layout(std430, binding = 1) readonly buffer X { T x[]; };
layout(std430, binding = 2) writeonly buffer Y { T y[]; };

const uint OP_SUM = 0;
const uint OP_MEAN = 1;
const uint OP_MAX = 2;
const uint OP_MIN = 3;
const uint OP_PROD = 4;
const uint OP_L1 = 5;
const uint OP_L2 = 6;
const uint OP_LOGSUM = 7;
const uint OP_LOGSUMEXP = 8;
const uint OP_SUMSQUARE = 9;

// Max and Min compare ord(v): flipping the sign bit of an unsigned value
// maps unsigned order onto signed order (and back again).
#if defined(DT_F32)
const T LOWEST = -1.0 / 0.0;
const T HIGHEST = 1.0 / 0.0;
bool isNan(T v) { return isnan(v); }
T ord(T v) { return v; }
float toFloat(T v) { return v; }
T fromFloat(float v) { return v; }
#elif defined(DT_I32)
const T LOWEST = -2147483647 - 1;
const T HIGHEST = 2147483647;
bool isNan(T v) { return false; }
T ord(T v) { return UNSIGNED != 0 ? v ^ LOWEST : v; }
float toFloat(T v) { return UNSIGNED != 0 ? float(uint(v)) : float(v); }
T fromFloat(float v) { return UNSIGNED != 0 ? T(uint(v)) : T(v); }
#else
const T LOWEST = -9223372036854775807l - 1l;
const T HIGHEST = 9223372036854775807l;
bool isNan(T v) { return false; }
T ord(T v) { return UNSIGNED != 0 ? v ^ LOWEST : v; }
float toFloat(T v) { return UNSIGNED != 0 ? float(uint64_t(v)) : float(v); }
T fromFloat(float v) { return UNSIGNED != 0 ? T(uint64_t(v)) : T(v); }
#endif

T initial()
{
    if (OP == OP_MAX)
        return LOWEST;
    if (OP == OP_MIN)
        return HIGHEST;
    if (OP == OP_PROD)
        return T(1);
    return T_ZERO;
}

T pre(T v)
{
    if (PRE == 0)
        return v;
    if (OP == OP_L1)
        return UNSIGNED != 0 ? v : abs(v);
    if (OP == OP_L2 || OP == OP_SUMSQUARE)
        return v * v;
    return v;
}

void main()
{
    uint id = nodus_index();
    if (id >= p[0])
        return;
    uint chunks = p[6];
    uint o = id / chunks;
    uint c = id - o * chunks;

    // Input offset of output o.
    uint base = 0;
    uint rem = o;
    for (int i = int(p[1]) - 1; i >= 0; --i) {
        uint n = p[16 + 2 * i];
        uint q = rem / n;
        base += (rem - q * n) * p[17 + 2 * i];
        rem = q;
    }

    uint rin = p[3];
    uint sin = p[4];
    uint r = c * p[5];
    uint rend = min(r + p[5], p[7]);

    T acc = initial();
    // Log-sum-exp keeps a running maximum so exp never overflows.
    float lseMax = -1.0 / 0.0;
    float lseSum = 0.0;
    while (r < rend) {
        uint ro = r / rin;
        uint ri = r - ro * rin;
        uint off = base + ri * sin;
        uint rrem = ro;
        for (int i = int(p[2]) - 1; i >= 0; --i) {
            uint n = p[32 + 2 * i];
            uint q = rrem / n;
            off += (rrem - q * n) * p[33 + 2 * i];
            rrem = q;
        }
        uint end = min(rin, ri + (rend - r));
        r += end - ri;
        if (OP == OP_LOGSUMEXP) {
            for (uint j = ri; j < end; ++j, off += sin) {
                float v = toFloat(x[off]);
                if (v > lseMax) {
                    lseSum = lseSum * exp(lseMax - v) + 1.0;
                    lseMax = v;
                } else if (v > -1.0 / 0.0) {
                    lseSum += exp(v - lseMax);
                } else if (isnan(v)) {
                    lseSum = v;
                }
            }
        } else if (OP == OP_MAX) {
            for (uint j = ri; j < end; ++j, off += sin) {
                T v = ord(x[off]);
                acc = (v > acc || isNan(v)) ? v : acc;
            }
        } else if (OP == OP_MIN) {
            for (uint j = ri; j < end; ++j, off += sin) {
                T v = ord(x[off]);
                acc = (v < acc || isNan(v)) ? v : acc;
            }
        } else if (OP == OP_PROD) {
            for (uint j = ri; j < end; ++j, off += sin)
                acc *= x[off];
        } else {
            for (uint j = ri; j < end; ++j, off += sin)
                acc += pre(x[off]);
        }
    }

    if (OP == OP_MAX || OP == OP_MIN)
        acc = ord(acc);
    if (OP == OP_LOGSUMEXP) {
        // Partials are log-sum-exps too, so both passes map the same way.
        float v = isinf(lseMax) ? lseMax : lseMax + log(lseSum);
        y[id] = fromFloat(v);
        return;
    }
    if (POST != 0) {
        if (OP == OP_MEAN) {
#if defined(DT_F32)
            acc = acc / float(p[8]);
#elif defined(DT_I32)
            acc = p[8] == 0 ? T_ZERO : (UNSIGNED != 0 ? T(uint(acc) / p[8]) : acc / T(p[8]));
#else
            acc = p[8] == 0 ? T_ZERO : (UNSIGNED != 0 ? T(uint64_t(acc) / uint64_t(p[8])) : acc / T(p[8]));
#endif
        }
        else if (OP == OP_L2)
            acc = fromFloat(sqrt(toFloat(acc)));
        else if (OP == OP_LOGSUM)
            acc = fromFloat(log(toFloat(acc)));
    }
    y[id] = acc;
}
