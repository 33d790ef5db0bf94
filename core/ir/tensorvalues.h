#pragma once

#include "datatype.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace nodus {

// Reading single elements out of a tensor's packed bytes (the IR's canonical
// ONNX raw_data layout), for every element type but String, whose elements
// live in Tensor::strings instead. The narrow float formats are decoded from
// their definitions here rather than through a library: none of the
// libraries at hand knows all of them, and the viewer must agree with the
// ONNX spec bit for bit.

// The element's value; complex elements give their real part. Throws
// nodus::Error when `index` lies beyond `bytes` or the type has no numeric
// elements (String, Undefined).
double elementAsDouble(DataType type, std::span<const std::byte> bytes, std::uint64_t index);

// The element as a user reads it: integers exactly, floats in the shortest
// text that reads back to the same value of their own type (so a float16
// 0.1 shows as "0.1", not as its float32 widening 0.099975586), complex as
// "a+bi", bool as true/false, non-finite as NaN, inf, -inf.
std::string elementText(DataType type, std::span<const std::byte> bytes, std::uint64_t index);

// Decodes `count` elements starting at `first` into `out`, the fast path
// for whole-tensor scans; complex elements give their magnitude |a+bi|.
// The caller guarantees the range lies inside `bytes`.
void decodeElements(
    DataType type, std::span<const std::byte> bytes, std::uint64_t first, std::size_t count, double* out);

// Bit-pattern conversions of the narrow float formats, exposed for tests
// and for writers that need the same reading.
float float16ToFloat(std::uint16_t bits);
float bfloat16ToFloat(std::uint16_t bits);
// One byte of Float8E4M3FN, Float8E4M3FNUZ, Float8E5M2, Float8E5M2FNUZ or
// Float8E8M0.
float float8ToFloat(DataType type, std::uint8_t bits);
// The low nibble of `bits`.
float float4e2m1ToFloat(std::uint8_t bits);

} // namespace nodus
