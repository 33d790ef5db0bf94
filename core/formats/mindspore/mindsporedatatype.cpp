#include "mindsporedatatype.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace nodus {

namespace {

struct CheckpointType {
    std::string_view name; // as current MindSpore writes it
    DataType type;
};

constexpr std::array kCheckpointTypes = {
    CheckpointType { "Float32", DataType::Float },
    CheckpointType { "Float16", DataType::Float16 },
    CheckpointType { "BFloat16", DataType::BFloat16 },
    CheckpointType { "Float64", DataType::Double },
    CheckpointType { "Int8", DataType::Int8 },
    CheckpointType { "UInt8", DataType::UInt8 },
    CheckpointType { "Int16", DataType::Int16 },
    CheckpointType { "UInt16", DataType::UInt16 },
    CheckpointType { "Int32", DataType::Int32 },
    CheckpointType { "UInt32", DataType::UInt32 },
    CheckpointType { "Int64", DataType::Int64 },
    CheckpointType { "UInt64", DataType::UInt64 },
    CheckpointType { "Bool", DataType::Bool },
    CheckpointType { "Complex64", DataType::Complex64 },
    CheckpointType { "Complex128", DataType::Complex128 },
    CheckpointType { "Int4", DataType::Int4 },
    CheckpointType { "str", DataType::String },
};

bool sameIgnoringCase(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
        return std::tolower(x) == std::tolower(y);
    });
}

} // namespace

std::optional<DataType> dataTypeFromMindir(int code)
{
    if (code == 17)
        return DataType::Double;
    if (code == 18)
        return DataType::Int4;
    if (code >= 1 && code <= 16)
        return static_cast<DataType>(code);
    return std::nullopt;
}

std::optional<int> mindirFromDataType(DataType type)
{
    if (type == DataType::Int4)
        return 18;
    const int code = static_cast<int>(type);
    if (code >= 1 && code <= 16)
        return code;
    return std::nullopt;
}

std::optional<DataType> dataTypeFromCheckpoint(std::string_view name)
{
    for (const auto& t : kCheckpointTypes)
        if (sameIgnoringCase(t.name, name))
            return t.type;
    // Older releases and other writers: "float32", "Float" and friends.
    if (sameIgnoringCase(name, "Float"))
        return DataType::Float;
    if (sameIgnoringCase(name, "Double"))
        return DataType::Double;
    if (sameIgnoringCase(name, "String"))
        return DataType::String;
    if (auto t = dataTypeFromName(std::string(name.begin(), name.end())))
        return t;
    return std::nullopt;
}

std::optional<std::string> checkpointFromDataType(DataType type)
{
    for (const auto& t : kCheckpointTypes)
        if (t.type == type)
            return std::string(t.name);
    return std::nullopt;
}

} // namespace nodus
