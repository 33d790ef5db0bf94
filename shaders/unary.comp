#version 450
// variants: f32 i32 i64
// Element-wise unary ops. OP selects the op; alpha/beta (p[1], p[2]) are
// its attributes. p[0]: element count.
#include "common.glsl"
layout(local_size_x = 512) in;
layout(constant_id = 0) const uint OP = 0;
layout(constant_id = 1) const uint UNSIGNED = 0;
layout(std430, binding = 1) readonly buffer In { T x[]; };
layout(std430, binding = 2) writeonly buffer Out { T y[]; };

#if defined(DT_F32)
float erf_(float v)
{
    // Abramowitz-Stegun 7.1.26 is too coarse for 1e-6; use the erfc
    // continued series from Numerical Recipes (erfcc), |err| < 1.2e-7.
    float z = abs(v);
    float t = 1.0 / (1.0 + 0.5 * z);
    float r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
        + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
    return v >= 0.0 ? 1.0 - r : r - 1.0;
}
#endif

void main()
{
    uint i = nodus_index();
    if (i >= p[0])
        return;
    T v = x[i];
#if defined(DT_F32)
    float a = pf(1), b = pf(2);
    float r = v;
    switch (OP) {
    case 0: r = abs(v); break;
    case 1: r = -v; break;
    case 2: r = sign(v); break;
    case 3: r = exp(v); break;
    case 4: r = log(v); break;
    case 5: r = sqrt(v); break;
    case 6: r = 1.0 / v; break;
    case 7: r = sin(v); break;
    case 8: r = cos(v); break;
    case 9: r = tan(v); break;
    case 10: r = asin(v); break;
    case 11: r = acos(v); break;
    case 12: r = atan(v); break;
    case 13: r = sinh(v); break;
    case 14: r = cosh(v); break;
    case 15: r = asinh(v); break;
    case 16: r = acosh(v); break;
    case 17: r = atanh(v); break;
    case 18: r = erf_(v); break;
    case 19: r = floor(v); break;
    case 20: r = ceil(v); break;
    case 21: r = roundEven(v); break;
    case 22: r = max(v, 0.0); break;                                 // Relu
    case 23: r = 1.0 / (1.0 + exp(-v)); break;                       // Sigmoid
    case 24: r = tanh(clamp(v, -15.0, 15.0)); break;                 // Tanh
    case 25: r = v > 20.0 ? v : log(1.0 + exp(v)); break;            // Softplus
    case 26: r = v / (1.0 + abs(v)); break;                          // Softsign
    case 27: r = v >= 0.0 ? v : a * (exp(v) - 1.0); break;           // Elu
    case 28: r = v > 0.0 ? b * v : b * a * (exp(v) - 1.0); break;    // Selu (alpha, gamma)
    case 29: r = v >= 0.0 ? v : a * v; break;                        // LeakyRelu
    case 30: r = clamp(a * v + b, 0.0, 1.0); break;                  // HardSigmoid
    case 31: r = v * clamp(v / 6.0 + 0.5, 0.0, 1.0); break;          // HardSwish
    case 32: r = v > a ? v : 0.0; break;                             // ThresholdedRelu
    case 33: r = max(0.0, v) + min(0.0, a * (exp(v / a) - 1.0)); break; // Celu
    case 34: r = 0.5 * v * (1.0 + erf_(v * 0.70710678118654752)); break; // Gelu
    case 35: r = 0.5 * v * (1.0 + tanh(clamp(0.7978845608028654 * (v + 0.044715 * v * v * v), -15.0, 15.0))); break; // Gelu tanh
    case 36: r = v < -b ? v + a : (v > b ? v - a : 0.0); break;      // Shrink (bias, lambd)
    case 37: r = clamp(v, a, b); break;                              // Clip
    case 38: r = v * tanh(clamp(v > 20.0 ? v : log(1.0 + exp(v)), -15.0, 15.0)); break; // Mish
    case 39: r = v * a; break;                                       // scale
    case 40: r = v + a; break;                                       // shift
    case 41: r = v * (1.0 / (1.0 + exp(-a * v))); break;             // x * sigmoid(a x)
    }
    y[i] = r;
#else
    switch (OP) {
    case 0: y[i] = v < T_ZERO && UNSIGNED == 0 ? -v : v; break;
    case 1: y[i] = -v; break;
    case 2: y[i] = UNSIGNED != 0 ? (v != T_ZERO ? T(1) : T_ZERO) : (v > T_ZERO ? T(1) : (v < T_ZERO ? T(-1) : T_ZERO)); break;
    case 22: y[i] = UNSIGNED != 0 ? v : max(v, T_ZERO); break;
    case 37: {
        // Bounds come as the element type's bit patterns (low, high words).
#if defined(DT_I64)
        T lo = T(int64_t(p[1]) | (int64_t(p[3]) << 32)), hi = T(int64_t(p[2]) | (int64_t(p[4]) << 32));
        if (UNSIGNED != 0)
            y[i] = T(min(max(uint64_t(v), uint64_t(lo)), uint64_t(hi)));
        else
            y[i] = min(max(v, lo), hi);
#else
        if (UNSIGNED != 0)
            y[i] = T(min(max(uint(v), p[1]), p[2]));
        else
            y[i] = min(max(v, pi(1)), pi(2));
#endif
        break;
    }
    case 42: y[i] = v == T_ZERO ? T(1) : T_ZERO; break; // Not
    case 43: y[i] = ~v; break;                          // BitwiseNot
    default: y[i] = v; break;
    }
#endif
}
