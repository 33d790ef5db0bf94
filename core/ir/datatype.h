#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace nodus {

// Element types. The numbering is ONNX's TensorProto.DataType so ONNX values
// map one to one; types other formats add (block-quantized GGUF types, ...)
// are given numbers from 100 on.
enum class DataType : int {
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    BFloat16 = 16,
    Float8E4M3FN = 17,
    Float8E4M3FNUZ = 18,
    Float8E5M2 = 19,
    Float8E5M2FNUZ = 20,
    UInt4 = 21,
    Int4 = 22,
    Float4E2M1 = 23,
    Float8E8M0 = 24,
};

// Canonical lower-case name ("float32", "bfloat16", "int4", ...).
std::string_view dataTypeName(DataType type);
std::optional<DataType> dataTypeFromName(std::string_view name);
// Bits one element occupies in packed little-endian storage; 0 for strings.
int dataTypeBits(DataType type);
bool isFloatingPoint(DataType type);
bool isKnownDataType(int onnxCode);

// Bytes needed for `elements` packed elements (sub-byte types round up).
// Returns nullopt on overflow so a size field can never cause a huge allocation.
std::optional<std::uint64_t> storageBytes(DataType type, std::uint64_t elements);

} // namespace nodus
