#pragma once

#include "datatype.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace nodus {

// Writing single elements into a tensor's packed bytes (the IR's canonical
// layout, the reverse of tensorvalues.h), for edits. Every numeric type:
// floats round to nearest, ties to even (float8/float4 types saturate to
// their largest finite value, as ONNX's Cast does); integers must be whole
// and in range; bool takes 0/1/true/false; complex takes "a+bi".

// Throws nodus::Error saying why when the value does not fit the type.
void encodeElement(DataType type, std::span<std::byte> bytes, std::uint64_t index, double value);
// The same from text as a user types it: "0.5", "-3", "1e-3", "nan", "inf",
// "true", "1+2i". Integers are parsed exactly (all 64 bits).
void encodeElementText(DataType type, std::span<std::byte> bytes, std::uint64_t index, std::string_view text);

// Integer element types (int4 to uint64; not bool).
bool isIntegerType(DataType type);
// Exact integer element access for those types.
__int128 elementAsInteger(DataType type, std::span<const std::byte> bytes, std::uint64_t index);
// Throws nodus::Error when `value` does not fit the type.
void encodeInteger(DataType type, std::span<std::byte> bytes, std::uint64_t index, __int128 value);
// Element `index` of a `from` tensor written into a `to` tensor: integers
// exactly, complex part by part (to a real type only when the imaginary
// part is zero). Throws nodus::Error when the value does not fit.
void convertElement(
    DataType from, std::span<const std::byte> in, DataType to, std::span<std::byte> out, std::uint64_t index);

// Narrow float conversions, round to nearest even.
std::uint16_t floatToFloat16(float value);
std::uint16_t floatToBFloat16(float value);

} // namespace nodus
