#include "datatype.h"

#include <array>
#include <limits>

namespace nodus {

namespace {

struct TypeInfo {
    DataType type;
    std::string_view name;
    int bits;
    bool floating;
};

constexpr std::array kTypes = {
    TypeInfo{DataType::Undefined, "undefined", 0, false},
    TypeInfo{DataType::Float, "float32", 32, true},
    TypeInfo{DataType::UInt8, "uint8", 8, false},
    TypeInfo{DataType::Int8, "int8", 8, false},
    TypeInfo{DataType::UInt16, "uint16", 16, false},
    TypeInfo{DataType::Int16, "int16", 16, false},
    TypeInfo{DataType::Int32, "int32", 32, false},
    TypeInfo{DataType::Int64, "int64", 64, false},
    TypeInfo{DataType::String, "string", 0, false},
    TypeInfo{DataType::Bool, "bool", 8, false},
    TypeInfo{DataType::Float16, "float16", 16, true},
    TypeInfo{DataType::Double, "float64", 64, true},
    TypeInfo{DataType::UInt32, "uint32", 32, false},
    TypeInfo{DataType::UInt64, "uint64", 64, false},
    TypeInfo{DataType::Complex64, "complex64", 64, true},
    TypeInfo{DataType::Complex128, "complex128", 128, true},
    TypeInfo{DataType::BFloat16, "bfloat16", 16, true},
    TypeInfo{DataType::Float8E4M3FN, "float8e4m3fn", 8, true},
    TypeInfo{DataType::Float8E4M3FNUZ, "float8e4m3fnuz", 8, true},
    TypeInfo{DataType::Float8E5M2, "float8e5m2", 8, true},
    TypeInfo{DataType::Float8E5M2FNUZ, "float8e5m2fnuz", 8, true},
    TypeInfo{DataType::UInt4, "uint4", 4, false},
    TypeInfo{DataType::Int4, "int4", 4, false},
    TypeInfo{DataType::Float4E2M1, "float4e2m1", 4, true},
    TypeInfo{DataType::Float8E8M0, "float8e8m0", 8, true},
};

const TypeInfo* find(DataType type)
{
    for (const auto& info : kTypes)
        if (info.type == type)
            return &info;
    return nullptr;
}

} // namespace

std::string_view dataTypeName(DataType type)
{
    const TypeInfo* info = find(type);
    return info ? info->name : std::string_view("unknown");
}

std::optional<DataType> dataTypeFromName(std::string_view name)
{
    for (const auto& info : kTypes)
        if (info.name == name)
            return info.type;
    return std::nullopt;
}

int dataTypeBits(DataType type)
{
    const TypeInfo* info = find(type);
    return info ? info->bits : 0;
}

bool isFloatingPoint(DataType type)
{
    const TypeInfo* info = find(type);
    return info && info->floating;
}

bool isKnownDataType(int onnxCode)
{
    return find(static_cast<DataType>(onnxCode)) != nullptr && onnxCode != 0;
}

std::optional<std::uint64_t> storageBytes(DataType type, std::uint64_t elements)
{
    const std::uint64_t bits = static_cast<std::uint64_t>(dataTypeBits(type));
    if (bits == 0)
        return std::nullopt;
    if (elements > std::numeric_limits<std::uint64_t>::max() / bits)
        return std::nullopt;
    return (elements * bits + 7) / 8;
}

} // namespace nodus
