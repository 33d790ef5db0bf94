#include "tensorencode.h"

#include "tensorvalues.h"
#include "util/error.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <string>

namespace nodus {

namespace {

template <typename T> void store(std::span<std::byte> bytes, std::uint64_t index, T v)
{
    const std::uint64_t at = index * sizeof(T);
    if (at + sizeof(T) > bytes.size())
        throw Error("element " + std::to_string(index) + " is outside the tensor");
    std::memcpy(bytes.data() + at, &v, sizeof(T));
}

std::string shown(double v)
{
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

template <typename T> T integral(DataType type, double v)
{
    if (std::isnan(v) || v != std::floor(v))
        throw Error(shown(v) + " is not a whole number, as " + std::string(dataTypeName(type)) + " needs");
    // Bounds as exact powers of two: 2^63 is a double, INT64_MAX is not.
    const double upper = std::ldexp(1.0, std::numeric_limits<T>::digits); // first value past the top
    const double lower = std::numeric_limits<T>::is_signed ? -upper : 0.0;
    if (v < lower || v >= upper)
        throw Error(shown(v) + " does not fit " + std::string(dataTypeName(type)) + " ("
            + std::to_string(std::numeric_limits<T>::min()) + " to " + std::to_string(std::numeric_limits<T>::max())
            + ")");
    return static_cast<T>(v);
}

template <typename T> T load(std::span<const std::byte> bytes, std::uint64_t index)
{
    const std::uint64_t at = index * sizeof(T);
    if (at + sizeof(T) > bytes.size())
        throw Error("element " + std::to_string(index) + " is outside the tensor");
    T v;
    std::memcpy(&v, bytes.data() + at, sizeof(T));
    return v;
}

std::string int128Text(__int128 v)
{
    if (v == 0)
        return "0";
    const bool negative = v < 0;
    unsigned __int128 u = negative ? static_cast<unsigned __int128>(-(v + 1)) + 1 : static_cast<unsigned __int128>(v);
    std::string s;
    while (u) {
        s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
        u /= 10;
    }
    return negative ? "-" + s : s;
}

template <typename T> void storeInteger(DataType type, std::span<std::byte> bytes, std::uint64_t index, __int128 v)
{
    if (v < static_cast<__int128>(std::numeric_limits<T>::min())
        || v > static_cast<__int128>(std::numeric_limits<T>::max()))
        throw Error(int128Text(v) + " does not fit " + std::string(dataTypeName(type)) + " ("
            + std::to_string(std::numeric_limits<T>::min()) + " to " + std::to_string(std::numeric_limits<T>::max())
            + ")");
    store(bytes, index, static_cast<T>(v));
}

// Nearest code of an 8-bit (or 4-bit) float type, ties to the even code;
// out of range saturates to the largest finite value.
std::uint8_t nearestNarrow(DataType type, double v)
{
    const int codes = type == DataType::Float4E2M1 ? 16 : 256;
    auto decode = [type](int code) {
        return type == DataType::Float4E2M1 ? float4e2m1ToFloat(static_cast<std::uint8_t>(code))
                                            : float8ToFloat(type, static_cast<std::uint8_t>(code));
    };
    if (std::isnan(v)) {
        for (int c = 0; c < codes; ++c)
            if (std::isnan(decode(c)))
                return static_cast<std::uint8_t>(c);
        throw Error(std::string(dataTypeName(type)) + " has no NaN");
    }
    if (std::isinf(v)) {
        for (int c = 0; c < codes; ++c)
            if (decode(c) == v)
                return static_cast<std::uint8_t>(c);
        // No infinity in this type: saturate.
        v = v > 0 ? std::numeric_limits<double>::max() : std::numeric_limits<double>::lowest();
    }
    int best = -1;
    double bestDistance = std::numeric_limits<double>::infinity();
    for (int c = 0; c < codes; ++c) {
        const double d = decode(c);
        if (!std::isfinite(d))
            continue;
        const double distance = std::abs(d - v);
        const bool better = distance < bestDistance
            || (distance == bestDistance && best >= 0
                && ((d == 0 && std::signbit(d) == std::signbit(v) && std::signbit(decode(best)) != std::signbit(v))
                    || (d != 0 && (c & 1) == 0 && (best & 1) == 1)));
        if (better) {
            best = c;
            bestDistance = distance;
        }
    }
    if (best < 0)
        throw Error("no " + std::string(dataTypeName(type)) + " value is near " + shown(v));
    return static_cast<std::uint8_t>(best);
}

std::optional<double> parseNumber(std::string_view text)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    if (text.empty())
        return std::nullopt;
    std::string lower(text);
    for (auto& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "nan" || lower == "+nan" || lower == "-nan")
        return std::numeric_limits<double>::quiet_NaN();
    if (lower == "inf" || lower == "+inf" || lower == "infinity")
        return std::numeric_limits<double>::infinity();
    if (lower == "-inf" || lower == "-infinity")
        return -std::numeric_limits<double>::infinity();
    if (lower == "true")
        return 1.0;
    if (lower == "false")
        return 0.0;
    if (lower.front() == '+')
        lower.erase(0, 1);
    double v = 0;
    auto [end, ec] = std::from_chars(lower.data(), lower.data() + lower.size(), v);
    if (ec != std::errc() || end != lower.data() + lower.size())
        return std::nullopt;
    return v;
}

// "a+bi", "a-bi", "bi", "a".
std::optional<std::pair<double, double>> parseComplex(std::string_view text)
{
    std::string t(text);
    t.erase(std::remove(t.begin(), t.end(), ' '), t.end());
    if (t.empty())
        return std::nullopt;
    if (t.back() != 'i' && t.back() != 'j') {
        auto re = parseNumber(t);
        return re ? std::optional(std::make_pair(*re, 0.0)) : std::nullopt;
    }
    t.pop_back();
    // The sign that starts the imaginary part: the last + or - not after an 'e'.
    std::size_t split = std::string::npos;
    for (std::size_t k = t.size(); k-- > 1;)
        if ((t[k] == '+' || t[k] == '-') && t[k - 1] != 'e' && t[k - 1] != 'E') {
            split = k;
            break;
        }
    std::string rePart = split == std::string::npos ? "0" : t.substr(0, split);
    std::string imPart = split == std::string::npos ? t : t.substr(split);
    if (imPart == "+" || imPart == "-" || imPart.empty())
        imPart += "1";
    auto re = parseNumber(rePart), im = parseNumber(imPart);
    if (!re || !im)
        return std::nullopt;
    return std::make_pair(*re, *im);
}

} // namespace

bool isIntegerType(DataType type)
{
    switch (type) {
    case DataType::Int8:
    case DataType::UInt8:
    case DataType::Int16:
    case DataType::UInt16:
    case DataType::Int32:
    case DataType::UInt32:
    case DataType::Int64:
    case DataType::UInt64:
    case DataType::Int4:
    case DataType::UInt4:
        return true;
    default:
        return false;
    }
}

__int128 elementAsInteger(DataType type, std::span<const std::byte> bytes, std::uint64_t index)
{
    switch (type) {
    case DataType::Int8:
        return load<std::int8_t>(bytes, index);
    case DataType::UInt8:
        return load<std::uint8_t>(bytes, index);
    case DataType::Int16:
        return load<std::int16_t>(bytes, index);
    case DataType::UInt16:
        return load<std::uint16_t>(bytes, index);
    case DataType::Int32:
        return load<std::int32_t>(bytes, index);
    case DataType::UInt32:
        return load<std::uint32_t>(bytes, index);
    case DataType::Int64:
        return load<std::int64_t>(bytes, index);
    case DataType::UInt64:
        return load<std::uint64_t>(bytes, index);
    case DataType::Int4:
    case DataType::UInt4:
        return static_cast<__int128>(elementAsDouble(type, bytes, index));
    default:
        throw Error(std::string(dataTypeName(type)) + " is not an integer type");
    }
}

void encodeInteger(DataType type, std::span<std::byte> bytes, std::uint64_t index, __int128 v)
{
    switch (type) {
    case DataType::Int8:
        return storeInteger<std::int8_t>(type, bytes, index, v);
    case DataType::UInt8:
        return storeInteger<std::uint8_t>(type, bytes, index, v);
    case DataType::Int16:
        return storeInteger<std::int16_t>(type, bytes, index, v);
    case DataType::UInt16:
        return storeInteger<std::uint16_t>(type, bytes, index, v);
    case DataType::Int32:
        return storeInteger<std::int32_t>(type, bytes, index, v);
    case DataType::UInt32:
        return storeInteger<std::uint32_t>(type, bytes, index, v);
    case DataType::Int64:
        return storeInteger<std::int64_t>(type, bytes, index, v);
    case DataType::UInt64:
        return storeInteger<std::uint64_t>(type, bytes, index, v);
    case DataType::Int4:
    case DataType::UInt4:
        if (v < -8 || v > 15)
            throw Error(int128Text(v) + " does not fit " + std::string(dataTypeName(type)));
        return encodeElement(type, bytes, index, static_cast<double>(v));
    default:
        throw Error(std::string(dataTypeName(type)) + " is not an integer type");
    }
}

void convertElement(
    DataType from, std::span<const std::byte> in, DataType to, std::span<std::byte> out, std::uint64_t index)
{
    const bool complexFrom = from == DataType::Complex64 || from == DataType::Complex128;
    const bool complexTo = to == DataType::Complex64 || to == DataType::Complex128;
    if (complexFrom) {
        const double re = from == DataType::Complex64 ? load<float>(in, index * 2) : load<double>(in, index * 2);
        const double im
            = from == DataType::Complex64 ? load<float>(in, index * 2 + 1) : load<double>(in, index * 2 + 1);
        if (complexTo) {
            if (to == DataType::Complex64) {
                store(out, index * 2, static_cast<float>(re));
                store(out, index * 2 + 1, static_cast<float>(im));
            } else {
                store(out, index * 2, re);
                store(out, index * 2 + 1, im);
            }
            return;
        }
        if (im != 0)
            throw Error(shown(re) + (im < 0 ? "" : "+") + shown(im) + "i has an imaginary part "
                + std::string(dataTypeName(to)) + " cannot hold");
        encodeElement(to, out, index, re);
        return;
    }
    if (isIntegerType(from) && isIntegerType(to)) {
        encodeInteger(to, out, index, elementAsInteger(from, in, index));
        return;
    }
    if (isIntegerType(from) && to == DataType::Bool) {
        const __int128 v = elementAsInteger(from, in, index);
        if (v != 0 && v != 1)
            throw Error(int128Text(v) + " is not a bool (0 or 1)");
        store(out, index, static_cast<std::uint8_t>(v));
        return;
    }
    encodeElement(to, out, index, elementAsDouble(from, in, index));
}

std::uint16_t floatToFloat16(float value)
{
    const std::uint32_t f = std::bit_cast<std::uint32_t>(value);
    const std::uint32_t sign = (f >> 16) & 0x8000u;
    const std::uint32_t exponent = (f >> 23) & 0xffu;
    std::uint32_t mantissa = f & 0x7fffffu;
    if (exponent == 0xff) // inf, or NaN kept quiet and non-zero
        return static_cast<std::uint16_t>(sign | 0x7c00u | (mantissa ? 0x200u | (mantissa >> 13) : 0u));
    const int e = static_cast<int>(exponent) - 127 + 15;
    if (e >= 31)
        return static_cast<std::uint16_t>(sign | 0x7c00u);
    if (e <= 0) {
        if (e < -10)
            return static_cast<std::uint16_t>(sign);
        mantissa |= 0x800000u;
        const int shift = 14 - e;
        std::uint32_t half = mantissa >> shift;
        const std::uint32_t rest = mantissa & ((1u << shift) - 1);
        const std::uint32_t halfway = 1u << (shift - 1);
        if (rest > halfway || (rest == halfway && (half & 1u)))
            ++half;
        return static_cast<std::uint16_t>(sign | half);
    }
    std::uint32_t half = (static_cast<std::uint32_t>(e) << 10) | (mantissa >> 13);
    const std::uint32_t rest = mantissa & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (half & 1u)))
        ++half; // may carry into the exponent, which is the correct rounding up to inf
    return static_cast<std::uint16_t>(sign | half);
}

std::uint16_t floatToBFloat16(float value)
{
    std::uint32_t x;
    std::memcpy(&x, &value, 4);
    if ((x & 0x7fffffff) > 0x7f800000)
        return static_cast<std::uint16_t>((x >> 16) | 0x40);
    const std::uint32_t lsb = (x >> 16) & 1;
    x += 0x7fff + lsb;
    return static_cast<std::uint16_t>(x >> 16);
}

void encodeElement(DataType type, std::span<std::byte> bytes, std::uint64_t index, double v)
{
    switch (type) {
    case DataType::Float:
        store(bytes, index, static_cast<float>(v));
        return;
    case DataType::Double:
        store(bytes, index, v);
        return;
    case DataType::Float16:
        store(bytes, index, floatToFloat16(static_cast<float>(v)));
        return;
    case DataType::BFloat16:
        store(bytes, index, floatToBFloat16(static_cast<float>(v)));
        return;
    case DataType::Int8:
        store(bytes, index, integral<std::int8_t>(type, v));
        return;
    case DataType::UInt8:
        store(bytes, index, integral<std::uint8_t>(type, v));
        return;
    case DataType::Int16:
        store(bytes, index, integral<std::int16_t>(type, v));
        return;
    case DataType::UInt16:
        store(bytes, index, integral<std::uint16_t>(type, v));
        return;
    case DataType::Int32:
        store(bytes, index, integral<std::int32_t>(type, v));
        return;
    case DataType::UInt32:
        store(bytes, index, integral<std::uint32_t>(type, v));
        return;
    case DataType::Int64:
        store(bytes, index, integral<std::int64_t>(type, v));
        return;
    case DataType::UInt64:
        store(bytes, index, integral<std::uint64_t>(type, v));
        return;
    case DataType::Bool:
        if (v != 0 && v != 1)
            throw Error(shown(v) + " is not a bool (0, 1, true or false)");
        store(bytes, index, static_cast<std::uint8_t>(v));
        return;
    case DataType::Complex64:
        store(bytes, index * 2, static_cast<float>(v));
        store(bytes, index * 2 + 1, 0.0f);
        return;
    case DataType::Complex128:
        store(bytes, index * 2, v);
        store(bytes, index * 2 + 1, 0.0);
        return;
    case DataType::Float8E4M3FN:
    case DataType::Float8E4M3FNUZ:
    case DataType::Float8E5M2:
    case DataType::Float8E5M2FNUZ:
    case DataType::Float8E8M0:
        store(bytes, index, nearestNarrow(type, v));
        return;
    case DataType::Int4:
    case DataType::UInt4:
    case DataType::Float4E2M1: {
        std::uint8_t nibble = 0;
        if (type == DataType::Float4E2M1) {
            nibble = nearestNarrow(type, v);
        } else {
            if (std::isnan(v) || v != std::floor(v) || v < (type == DataType::Int4 ? -8 : 0)
                || v > (type == DataType::Int4 ? 7 : 15))
                throw Error(shown(v) + " does not fit " + std::string(dataTypeName(type))
                    + (type == DataType::Int4 ? " (-8 to 7)" : " (0 to 15)"));
            nibble = static_cast<std::uint8_t>(static_cast<int>(v) & 0xf);
        }
        const std::uint64_t at = index / 2;
        if (at >= bytes.size())
            throw Error("element " + std::to_string(index) + " is outside the tensor");
        auto b = static_cast<std::uint8_t>(bytes[at]);
        b = index % 2 == 0 ? static_cast<std::uint8_t>((b & 0xf0) | nibble)
                           : static_cast<std::uint8_t>((b & 0x0f) | (nibble << 4));
        bytes[at] = static_cast<std::byte>(b);
        return;
    }
    default:
        throw Error(std::string(dataTypeName(type)) + " elements cannot be edited as numbers");
    }
}

void encodeElementText(DataType type, std::span<std::byte> bytes, std::uint64_t index, std::string_view text)
{
    const std::string quoted = "'" + std::string(text) + "'";
    if (type == DataType::Complex64 || type == DataType::Complex128) {
        const auto c = parseComplex(text);
        if (!c)
            throw Error(quoted + " is not a complex number (like 1.5-2i)");
        if (type == DataType::Complex64) {
            store(bytes, index * 2, static_cast<float>(c->first));
            store(bytes, index * 2 + 1, static_cast<float>(c->second));
        } else {
            store(bytes, index * 2, c->first);
            store(bytes, index * 2 + 1, c->second);
        }
        return;
    }
    // 64-bit integers exactly, not through a double.
    if (type == DataType::Int64 || type == DataType::UInt64) {
        std::string t(text);
        while (!t.empty() && t.front() == ' ')
            t.erase(0, 1);
        while (!t.empty() && t.back() == ' ')
            t.pop_back();
        if (!t.empty() && t.front() == '+')
            t.erase(0, 1);
        if (type == DataType::Int64) {
            std::int64_t v = 0;
            auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
            if (ec == std::errc() && end == t.data() + t.size() && !t.empty()) {
                store(bytes, index, v);
                return;
            }
            if (ec == std::errc::result_out_of_range)
                throw Error(quoted + " does not fit int64");
        } else {
            std::uint64_t v = 0;
            auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
            if (ec == std::errc() && end == t.data() + t.size() && !t.empty()) {
                store(bytes, index, v);
                return;
            }
            if (ec == std::errc::result_out_of_range || (!t.empty() && t.front() == '-'))
                throw Error(quoted + " does not fit uint64 (0 to 18446744073709551615)");
        }
    }
    const auto v = parseNumber(text);
    if (!v)
        throw Error(quoted + " is not a number");
    try {
        encodeElement(type, bytes, index, *v);
    } catch (const Error& e) {
        throw Error(quoted + ": " + e.what());
    }
}

} // namespace nodus
