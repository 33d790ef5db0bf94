#version 450
// variants: f32 i32 i64
// Cast from the source rep (SRC: 0 f32, 1 i32, 2 u32, 3 i64, 4 u64) to this
// variant's rep; NARROW rounds or wraps to the target ONNX type (0 none,
// 1 float16, 2 bfloat16, 3 int8, 4 uint8, 5 int16, 6 uint16, 7 bool, 9 uint64).
#include "common.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 0) const uint SRC = 0;
layout(constant_id = 1) const uint NARROW = 0;
layout(std430, binding = 1) readonly buffer In { uint x[]; };
layout(std430, binding = 2) writeonly buffer Out { T y[]; };

void main()
{
    uint i = nodus_index();
    if (i >= p[0])
        return;
    // The source as double-width integer and as float.
    float f = 0.0;
    int64_t n = 0;
    bool isFloat = SRC == 0;
    if (SRC == 0) f = uintBitsToFloat(x[i]);
    else if (SRC == 1) n = int64_t(int(x[i]));
    else if (SRC == 2) n = int64_t(x[i]);
    else n = int64_t(x[2 * i]) | (int64_t(x[2 * i + 1]) << 32);
#if defined(DT_F32)
    float r = isFloat ? f : (SRC == 4 && n < 0 ? float(uint64_t(n)) : float(n));
    if (NARROW == 1) r = unpackHalf2x16(packHalf2x16(vec2(r, 0.0))).x;
    if (NARROW == 2) {
        uint bits = floatBitsToUint(r);
        if (!isnan(r)) bits = (bits + 0x7FFFu + ((bits >> 16) & 1u)) & 0xFFFF0000u;
        r = uintBitsToFloat(bits);
    }
    if (NARROW == 7) r = r != 0.0 ? 1.0 : 0.0;
    y[i] = r;
#else
    // Floats at and above 2^63 fit only a uint64 target, through uint64_t.
    int64_t v = !isFloat ? n
        : (isnan(f) || isinf(f)) ? 0l
        : (NARROW == 9 && f >= 9223372036854775808.0) ? int64_t(uint64_t(f))
        : int64_t(f);
    if (NARROW == 7) v = (isFloat ? f != 0.0 : n != 0) ? 1l : 0l;
    else if (NARROW == 3) v = int64_t(int(uint(v) << 24) >> 24);
    else if (NARROW == 4) v = v & 0xFFl;
    else if (NARROW == 5) v = int64_t(int(uint(v) << 16) >> 16);
    else if (NARROW == 6) v = v & 0xFFFFl;
    y[i] = T(v);
#endif
}
