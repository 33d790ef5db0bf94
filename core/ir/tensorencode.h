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

// Narrow float conversions, round to nearest even.
std::uint16_t floatToFloat16(float value);
std::uint16_t floatToBFloat16(float value);

} // namespace nodus
