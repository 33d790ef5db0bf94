#pragma once

#include "ir/datatype.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace nodus {

// One ggml tensor type as GGUF stores it: a number (ggml.h's enum
// ggml_type), a name and its block layout. Plain types have blocks of one
// element; quantized types pack `blockElements` values into `blockBytes`
// bytes (scales and packed quants, see ggml-common.h).
struct GgmlTypeInfo {
    std::uint32_t id = 0;
    std::string_view name;
    std::uint32_t blockElements = 1;
    std::uint32_t blockBytes = 0;
    // The IR's element type for plain types; Undefined for quantized blocks,
    // whose bytes the IR keeps as stored.
    DataType dataType = DataType::Undefined;
    bool quantized() const { return dataType == DataType::Undefined; }
};

// The type with that number; nullopt for numbers ggml never used or has
// retired (Q4_2, Q4_3, the interleaved Q4_0_4_4 family ...).
std::optional<GgmlTypeInfo> ggmlType(std::uint32_t id);
// The plain ggml type holding the IR's `type`, if GGUF has one.
std::optional<GgmlTypeInfo> ggmlTypeFor(DataType type);
// Every type a GGUF file may name, by number.
std::span<const GgmlTypeInfo> ggmlTypes();

// Bytes of a tensor of `elements` values of `type`; nullopt when the count
// is not a whole number of blocks or the size overflows.
std::optional<std::uint64_t> ggmlTensorBytes(const GgmlTypeInfo& type, std::uint64_t elements);

// Whether ggmlDequantize() can decode `type`.
bool ggmlCanDequantize(const GgmlTypeInfo& type);
// The values of `elements` elements stored as `type` in `bytes`, as floats:
// plain types and the 32-element block types Q4_0, Q4_1, Q5_0, Q5_1, Q8_0.
// Throws nodus::Error for other types or when `bytes` is too short.
std::vector<float> ggmlDequantize(const GgmlTypeInfo& type, std::span<const std::byte> bytes, std::uint64_t elements);

} // namespace nodus
