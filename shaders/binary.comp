#version 450
// variants: f32 i32 i64
// Element-wise binary ops with numpy broadcasting. MODE 0: same shapes,
// 1: b is one element, 2: a is one element, 3: general (strides).
#include "common.glsl"
#include "broadcast.glsl"
layout(local_size_x = 512) in;
layout(constant_id = 0) const uint OP = 0;
layout(constant_id = 1) const uint MODE = 3;
layout(constant_id = 2) const uint UNSIGNED = 0;
layout(std430, binding = 1) readonly buffer A { T a[]; };
layout(std430, binding = 2) readonly buffer B { T b[]; };
layout(std430, binding = 3) writeonly buffer C { T c[]; };

#if defined(DT_F32)
// x / y rounded as IEEE does. Vulkan lets a GPU divide to 2.5 ulp (NVIDIA
// does), which moves Round, Floor and quantization by one step where the
// quotient sits near a boundary; one residual step (fma is exact) corrects
// the quotient. Infinite or NaN quotients and denormal divisors keep the
// plain one.
float exact_div(float x, float y)
{
    precise float q = x / y;
    const uint EXP = 0x7f800000u;
    uint qe = floatBitsToUint(q) & EXP, ye = floatBitsToUint(y) & EXP;
    if (qe == EXP || ye == 0u || ye == EXP)
        return q;
    precise float r = fma(-q, y, x);
    precise float c = fma(r, 1.0 / y, q);
    return c;
}
#endif

void main()
{
    uint i = nodus_index();
    if (i >= p[0])
        return;
    uint ia = MODE == 0 || MODE == 1 ? i : (MODE == 2 ? 0 : bcast_offset(i, 0));
    uint ib = MODE == 0 || MODE == 2 ? i : (MODE == 1 ? 0 : bcast_offset(i, 1));
    T x = a[ia];
    T y = b[ib];
    T r = x;
#if defined(DT_F32)
    switch (OP) {
    case 0: r = x + y; break;
    case 1: r = x - y; break;
    case 2: r = x * y; break;
    case 3: r = exact_div(x, y); break;
    case 4: {
        // pow with a negative base and an integral exponent, as numpy does.
        float ay = abs(y);
        if (x < 0.0 && floor(y) == y) {
            float m = pow(-x, y);
            r = mod(ay, 2.0) == 1.0 ? -m : m;
        } else if (x == 0.0 && y == 0.0) {
            r = 1.0;
        } else {
            r = pow(x, y);
        }
        break;
    }
    case 5: r = x - y * floor(exact_div(x, y)); break;        // Mod (fmod = 0): sign of divisor
    case 6: r = isnan(x) || isnan(y) ? x + y : min(x, y); break;
    case 7: r = isnan(x) || isnan(y) ? x + y : max(x, y); break;
    case 8: r = x < 0.0 ? x * y : x; break;                   // PRelu
    case 17: r = x - y * trunc(exact_div(x, y)); break;       // Mod fmod = 1
    }
#else
    switch (OP) {
    case 0: r = x + y; break;
    case 1: r = x - y; break;
    case 2: r = x * y; break;
    case 3:
        if (y == T_ZERO) r = T_ZERO;
#if defined(DT_I64)
        else if (UNSIGNED != 0) r = T(uint64_t(x) / uint64_t(y));
#else
        else if (UNSIGNED != 0) r = T(uint(x) / uint(y));
#endif
        else r = x / y;
        break;
    case 4: {
        T acc = T(1);
        T base = x;
        T e = y;
        for (int k = 0; k < 64 && e > T_ZERO; ++k) {
            if ((e & T(1)) != T_ZERO) acc *= base;
            base *= base;
            e >>= 1;
        }
        r = y < T_ZERO ? T_ZERO : acc;
        break;
    }
    case 5: case 17:
        if (y == T_ZERO) { r = T_ZERO; break; }
#if defined(DT_I64)
        if (UNSIGNED != 0) { r = T(uint64_t(x) % uint64_t(y)); break; }
#else
        if (UNSIGNED != 0) { r = T(uint(x) % uint(y)); break; }
#endif
        r = x - y * (x / y);                                   // C remainder (sign of dividend)
        if (OP == 5 && r != T_ZERO && ((r < T_ZERO) != (y < T_ZERO))) r += y; // Python: sign of divisor
        break;
#if defined(DT_I64)
    case 6: r = UNSIGNED != 0 ? T(min(uint64_t(x), uint64_t(y))) : min(x, y); break;
    case 7: r = UNSIGNED != 0 ? T(max(uint64_t(x), uint64_t(y))) : max(x, y); break;
    case 9: r = y >= T(64) ? T_ZERO : x << y; break;
    case 10: r = y >= T(64) ? T_ZERO : T(uint64_t(x) >> uint64_t(y)); break;
#else
    case 6: r = UNSIGNED != 0 ? T(min(uint(x), uint(y))) : min(x, y); break;
    case 7: r = UNSIGNED != 0 ? T(max(uint(x), uint(y))) : max(x, y); break;
    case 9: r = y >= T(32) ? T_ZERO : x << y; break;
    case 10: r = y >= T(32) ? T_ZERO : T(uint(x) >> uint(y)); break;
#endif
    case 8: r = x < T_ZERO ? x * y : x; break;
    case 11: r = x & y; break;
    case 12: r = x | y; break;
    case 13: r = x ^ y; break;
    case 14: r = (x != T_ZERO && y != T_ZERO) ? T(1) : T_ZERO; break;
    case 15: r = (x != T_ZERO || y != T_ZERO) ? T(1) : T_ZERO; break;
    case 16: r = ((x != T_ZERO) != (y != T_ZERO)) ? T(1) : T_ZERO; break;
    }
#endif
    c[i] = r;
}
