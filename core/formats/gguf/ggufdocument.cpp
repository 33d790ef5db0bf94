#include "ggufdocument.h"

#include "ggufcursor.h"

#include <nlohmann/json.hpp>

#include <charconv>

namespace nodus {

namespace {

// Items an abridged array shows before its count.
constexpr std::uint64_t kSummaryItems = 8;

template <typename T> std::string shortest(T v)
{
    char buffer[64];
    const auto r = std::to_chars(buffer, buffer + sizeof buffer, v);
    return std::string(buffer, r.ptr);
}

std::string scalarText(const GgufValue& v, bool quoteStrings)
{
    switch (v.type) {
    case GgufType::UInt8:
    case GgufType::UInt16:
    case GgufType::UInt32:
    case GgufType::UInt64:
        return std::to_string(v.u);
    case GgufType::Int8:
    case GgufType::Int16:
    case GgufType::Int32:
    case GgufType::Int64:
        return std::to_string(v.i);
    case GgufType::Float32:
        return shortest(static_cast<float>(v.f));
    case GgufType::Float64:
        return shortest(v.f);
    case GgufType::Bool:
        return v.u ? "true" : "false";
    case GgufType::String:
        return quoteStrings ? nlohmann::json(v.s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) : v.s;
    case GgufType::Array:
        return ggufValueText(v);
    }
    return {};
}

} // namespace

std::string_view ggufTypeName(GgufType type)
{
    switch (type) {
    case GgufType::UInt8:
        return "uint8";
    case GgufType::Int8:
        return "int8";
    case GgufType::UInt16:
        return "uint16";
    case GgufType::Int16:
        return "int16";
    case GgufType::UInt32:
        return "uint32";
    case GgufType::Int32:
        return "int32";
    case GgufType::Float32:
        return "float32";
    case GgufType::Bool:
        return "bool";
    case GgufType::String:
        return "string";
    case GgufType::Array:
        return "array";
    case GgufType::UInt64:
        return "uint64";
    case GgufType::Int64:
        return "int64";
    case GgufType::Float64:
        return "float64";
    }
    return "unknown";
}

GgufValue GgufValue::string(std::string text)
{
    GgufValue v;
    v.type = GgufType::String;
    v.s = std::move(text);
    return v;
}

GgufValue GgufValue::uint32(std::uint32_t value)
{
    GgufValue v;
    v.type = GgufType::UInt32;
    v.u = value;
    return v;
}

const GgufValue* GgufDocument::find(std::string_view key) const
{
    for (const auto& kv : metadata)
        if (kv.key == key)
            return &kv.value;
    return nullptr;
}

std::vector<std::string> ggufArrayItems(const GgufValue& value, std::uint64_t maxItems)
{
    std::vector<std::string> items;
    if (value.type != GgufType::Array)
        return items;
    GgufCursor cursor(std::as_bytes(std::span(value.payload.data(), value.payload.size())));
    const std::uint64_t n = std::min(value.count, maxItems);
    items.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(n, value.payload.size() + 1)));
    for (std::uint64_t k = 0; k < n; ++k)
        items.push_back(scalarText(cursor.value(value.elementType, 1, "array item"), true));
    return items;
}

std::string ggufValueText(const GgufValue& value)
{
    if (value.type != GgufType::Array)
        return scalarText(value, false);
    const bool whole = value.count <= kGgufFullArrayItems;
    const auto items = ggufArrayItems(value, whole ? value.count : kSummaryItems);
    std::string text = "[";
    for (std::size_t k = 0; k < items.size(); ++k)
        text += (k ? ", " : "") + items[k];
    if (whole)
        return text + "]";
    return text + ", …] (" + std::to_string(value.count) + " " + std::string(ggufTypeName(value.elementType))
        + " items)";
}

} // namespace nodus
