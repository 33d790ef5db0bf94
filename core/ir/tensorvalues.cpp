#include "tensorvalues.h"

#include "util/error.h"

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

namespace nodus {

// Element bytes are little-endian by definition; reading them with memcpy
// is only right on a little-endian host.
static_assert(std::endian::native == std::endian::little, "tensor element decoding assumes a little-endian host");

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

template <typename T> T load(const std::byte* p)
{
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// A sign-exponent-mantissa float with `expBits` exponent and `mantBits`
// mantissa bits, read as if it had no special values: callers pick out
// their format's NaN and infinity patterns first, since that is where the
// formats differ.
double decodeMinifloat(unsigned bits, int expBits, int mantBits, int bias)
{
    const unsigned mant = bits & ((1u << mantBits) - 1);
    const unsigned exp = (bits >> mantBits) & ((1u << expBits) - 1);
    const bool negative = (bits >> (expBits + mantBits)) & 1u;
    double v;
    if (exp == 0) // subnormal: no implicit leading one
        v = std::ldexp(double(mant), 1 - bias - mantBits);
    else
        v = std::ldexp(double(mant | (1u << mantBits)), int(exp) - bias - mantBits);
    return negative ? -v : v;
}

double decodeFloat8(DataType type, std::uint8_t b)
{
    switch (type) {
    case DataType::Float8E4M3FN:
        // No infinities; S.1111.111 is the only NaN, so 0x7E is the max, 448.
        if ((b & 0x7f) == 0x7f)
            return kNaN;
        return decodeMinifloat(b, 4, 3, 7);
    case DataType::Float8E4M3FNUZ:
        // "Unsigned zero": the negative-zero pattern is the one NaN.
        if (b == 0x80)
            return kNaN;
        return decodeMinifloat(b, 4, 3, 8);
    case DataType::Float8E5M2: {
        const unsigned exp = (b >> 2) & 0x1f;
        if (exp == 0x1f)
            return (b & 0x3) ? kNaN : ((b & 0x80) ? -kInf : kInf);
        return decodeMinifloat(b, 5, 2, 15);
    }
    case DataType::Float8E5M2FNUZ:
        if (b == 0x80)
            return kNaN;
        return decodeMinifloat(b, 5, 2, 16);
    case DataType::Float8E8M0:
        // Exponent only, no sign: a power-of-two scale.
        if (b == 0xff)
            return kNaN;
        return std::ldexp(1.0, int(b) - 127);
    default:
        break;
    }
    return kNaN;
}

// Tables make whole-tensor scans a load per element; every value of these
// formats is exact in float, so nothing is lost.
struct Float8Tables {
    std::array<std::array<float, 256>, 5> t {};
    Float8Tables()
    {
        const DataType types[] = { DataType::Float8E4M3FN, DataType::Float8E4M3FNUZ, DataType::Float8E5M2,
            DataType::Float8E5M2FNUZ, DataType::Float8E8M0 };
        for (int k = 0; k < 5; ++k)
            for (int b = 0; b < 256; ++b)
                t[k][b] = static_cast<float>(decodeFloat8(types[k], std::uint8_t(b)));
    }
    static int slot(DataType type)
    {
        switch (type) {
        case DataType::Float8E4M3FN:
            return 0;
        case DataType::Float8E4M3FNUZ:
            return 1;
        case DataType::Float8E5M2:
            return 2;
        case DataType::Float8E5M2FNUZ:
            return 3;
        default:
            return 4;
        }
    }
};

const Float8Tables& float8Tables()
{
    static const Float8Tables tables;
    return tables;
}

const std::array<float, 65536>& float16Table()
{
    static const auto table = [] {
        std::array<float, 65536> t {};
        for (unsigned b = 0; b < 65536; ++b) {
            const unsigned exp = (b >> 10) & 0x1f;
            if (exp == 0x1f)
                t[b] = (b & 0x3ff)
                    ? std::numeric_limits<float>::quiet_NaN()
                    : ((b & 0x8000) ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity());
            else
                t[b] = static_cast<float>(decodeMinifloat(b, 5, 10, 15));
        }
        return t;
    }();
    return table;
}

std::uint8_t nibble(std::span<const std::byte> bytes, std::uint64_t index)
{
    const auto b = std::to_integer<std::uint8_t>(bytes[index / 2]);
    return (index & 1) ? std::uint8_t(b >> 4) : std::uint8_t(b & 0x0f);
}

int int4Value(std::uint8_t n)
{
    return n >= 8 ? int(n) - 16 : int(n);
}

void checkIndex(DataType type, std::span<const std::byte> bytes, std::uint64_t index)
{
    const int bits = dataTypeBits(type);
    if (type == DataType::String || bits == 0)
        throw Error("no numeric elements in a " + std::string(dataTypeName(type)) + " tensor");
    const std::uint64_t available = bytes.size() * 8 / std::uint64_t(bits);
    if (index >= available)
        throw Error("element " + std::to_string(index) + " lies beyond the tensor's " + std::to_string(available)
            + " stored elements");
}

std::string charsText(const char* begin, const char* end)
{
    return std::string(begin, end);
}

std::string nonFiniteText(double v)
{
    if (std::isnan(v))
        return "NaN";
    return v < 0 ? "-inf" : "inf";
}

std::string doubleText(double v)
{
    if (!std::isfinite(v))
        return nonFiniteText(v);
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return charsText(buf, r.ptr);
}

std::string floatText(float v)
{
    if (!std::isfinite(v))
        return nonFiniteText(v);
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return charsText(buf, r.ptr);
}

// Shortest decimal that reads back to `v` in a format whose neighbouring
// values around |v| are `lo` and `hi`: the fewest significant digits whose
// value lies strictly between the midpoints. The midpoints are exact in
// double because these formats have at most 11 significant bits.
std::string narrowText(double v, double lo, double hi)
{
    if (!std::isfinite(v))
        return nonFiniteText(v);
    const bool negative = std::signbit(v);
    const double a = std::fabs(v);
    if (a == 0)
        return negative ? "-0" : "0";
    // Whole numbers print exactly: 448 is float8e4m3fn's famous maximum and
    // "450" would read as a different number, though it round-trips.
    if (a < 16777216 && a == std::floor(a))
        return doubleText(v);
    const double below = (lo + a) / 2;
    const double above = (a + hi) / 2;
    char buf[64];
    for (int digits = 1; digits <= 17; ++digits) {
        const auto r = std::to_chars(buf, buf + sizeof buf, a, std::chars_format::scientific, digits - 1);
        double d = 0;
        std::from_chars(buf, r.ptr, d);
        if (d > below && d < above) {
            // Re-print the parsed value shortest, so 2048 reads "2048" rather
            // than "2.048e+03".
            const auto s = std::to_chars(buf, buf + sizeof buf, d);
            return (negative ? "-" : "") + charsText(buf, s.ptr);
        }
    }
    return doubleText(v);
}

// The neighbours of magnitude pattern `mag` (sign stripped) in a format
// decoded by `decode`: the next lower and next higher magnitudes. Past the
// largest finite value the step below is mirrored, so a huge decimal never
// passes for the maximum.
template <typename Decode> std::string narrowPatternText(unsigned bits, unsigned magMask, Decode decode)
{
    const double v = decode(bits);
    if (!std::isfinite(v))
        return nonFiniteText(v);
    const unsigned mag = bits & magMask;
    if (mag == 0)
        return narrowText(v, 0, 0);
    const double lo = std::fabs(decode(mag - 1));
    double hi = mag + 1 <= magMask ? std::fabs(decode(mag + 1)) : kNaN;
    const double a = std::fabs(v);
    if (!std::isfinite(hi))
        hi = a + (a - lo);
    return narrowText(v, lo, hi);
}

std::string complexText(double re, double im, bool single)
{
    const auto part = [single](double x) { return single ? floatText(float(x)) : doubleText(x); };
    std::string out = part(re);
    if (std::isnan(im))
        return out + "+NaNi";
    out += std::signbit(im) ? '-' : '+';
    return out + part(std::fabs(im)) + "i";
}

} // namespace

float float16ToFloat(std::uint16_t bits)
{
    return float16Table()[bits];
}

float bfloat16ToFloat(std::uint16_t bits)
{
    // bfloat16 is the top half of a float32.
    return std::bit_cast<float>(std::uint32_t(bits) << 16);
}

float float8ToFloat(DataType type, std::uint8_t bits)
{
    switch (type) {
    case DataType::Float8E4M3FN:
    case DataType::Float8E4M3FNUZ:
    case DataType::Float8E5M2:
    case DataType::Float8E5M2FNUZ:
    case DataType::Float8E8M0:
        return float8Tables().t[Float8Tables::slot(type)][bits];
    default:
        break;
    }
    throw Error(std::string(dataTypeName(type)) + " is not a float8 type");
}

float float4e2m1ToFloat(std::uint8_t bits)
{
    // S.EE.M, bias 1, no infinities or NaN: ±{0, 0.5, 1, 1.5, 2, 3, 4, 6}.
    return static_cast<float>(decodeMinifloat(bits & 0x0f, 2, 1, 1));
}

double elementAsDouble(DataType type, std::span<const std::byte> bytes, std::uint64_t index)
{
    checkIndex(type, bytes, index);
    const std::byte* p = bytes.data();
    switch (type) {
    case DataType::Float:
        return load<float>(p + index * 4);
    case DataType::Double:
        return load<double>(p + index * 8);
    case DataType::UInt8:
        return load<std::uint8_t>(p + index);
    case DataType::Int8:
        return load<std::int8_t>(p + index);
    case DataType::UInt16:
        return load<std::uint16_t>(p + index * 2);
    case DataType::Int16:
        return load<std::int16_t>(p + index * 2);
    case DataType::Int32:
        return load<std::int32_t>(p + index * 4);
    case DataType::UInt32:
        return load<std::uint32_t>(p + index * 4);
    case DataType::Int64:
        return double(load<std::int64_t>(p + index * 8));
    case DataType::UInt64:
        return double(load<std::uint64_t>(p + index * 8));
    case DataType::Bool:
        return load<std::uint8_t>(p + index) ? 1.0 : 0.0;
    case DataType::Float16:
        return float16ToFloat(load<std::uint16_t>(p + index * 2));
    case DataType::BFloat16:
        return bfloat16ToFloat(load<std::uint16_t>(p + index * 2));
    case DataType::Complex64:
        return load<float>(p + index * 8);
    case DataType::Complex128:
        return load<double>(p + index * 16);
    case DataType::Float8E4M3FN:
    case DataType::Float8E4M3FNUZ:
    case DataType::Float8E5M2:
    case DataType::Float8E5M2FNUZ:
    case DataType::Float8E8M0:
        return float8ToFloat(type, load<std::uint8_t>(p + index));
    case DataType::UInt4:
        return nibble(bytes, index);
    case DataType::Int4:
        return int4Value(nibble(bytes, index));
    case DataType::Float4E2M1:
        return float4e2m1ToFloat(nibble(bytes, index));
    case DataType::String:
    case DataType::Undefined:
        break;
    }
    throw Error("no numeric elements in a " + std::string(dataTypeName(type)) + " tensor");
}

std::string elementText(DataType type, std::span<const std::byte> bytes, std::uint64_t index)
{
    checkIndex(type, bytes, index);
    const std::byte* p = bytes.data();
    switch (type) {
    case DataType::Float:
        return floatText(load<float>(p + index * 4));
    case DataType::Double:
        return doubleText(load<double>(p + index * 8));
    case DataType::UInt8:
        return std::to_string(load<std::uint8_t>(p + index));
    case DataType::Int8:
        return std::to_string(load<std::int8_t>(p + index));
    case DataType::UInt16:
        return std::to_string(load<std::uint16_t>(p + index * 2));
    case DataType::Int16:
        return std::to_string(load<std::int16_t>(p + index * 2));
    case DataType::Int32:
        return std::to_string(load<std::int32_t>(p + index * 4));
    case DataType::UInt32:
        return std::to_string(load<std::uint32_t>(p + index * 4));
    case DataType::Int64:
        return std::to_string(load<std::int64_t>(p + index * 8));
    case DataType::UInt64:
        return std::to_string(load<std::uint64_t>(p + index * 8));
    case DataType::Bool:
        return load<std::uint8_t>(p + index) ? "true" : "false";
    case DataType::Float16:
        return narrowPatternText(load<std::uint16_t>(p + index * 2), 0x7fff,
            [](unsigned b) { return double(float16ToFloat(std::uint16_t(b))); });
    case DataType::BFloat16:
        return narrowPatternText(load<std::uint16_t>(p + index * 2), 0x7fff,
            [](unsigned b) { return double(bfloat16ToFloat(std::uint16_t(b))); });
    case DataType::Float8E4M3FN:
    case DataType::Float8E4M3FNUZ:
    case DataType::Float8E5M2:
    case DataType::Float8E5M2FNUZ:
        return narrowPatternText(load<std::uint8_t>(p + index), 0x7f,
            [type](unsigned b) { return double(float8ToFloat(type, std::uint8_t(b))); });
    case DataType::Float8E8M0: {
        // Unsigned powers of two: the neighbours are half and double.
        const double v = float8ToFloat(type, load<std::uint8_t>(p + index));
        return std::isfinite(v) ? narrowText(v, v / 2, v * 2) : nonFiniteText(v);
    }
    case DataType::Float4E2M1:
        return narrowPatternText(
            nibble(bytes, index), 0x7, [](unsigned b) { return double(float4e2m1ToFloat(std::uint8_t(b))); });
    case DataType::UInt4:
        return std::to_string(nibble(bytes, index));
    case DataType::Int4:
        return std::to_string(int4Value(nibble(bytes, index)));
    case DataType::Complex64:
        return complexText(load<float>(p + index * 8), load<float>(p + index * 8 + 4), true);
    case DataType::Complex128:
        return complexText(load<double>(p + index * 16), load<double>(p + index * 16 + 8), false);
    case DataType::String:
    case DataType::Undefined:
        break;
    }
    throw Error("no numeric elements in a " + std::string(dataTypeName(type)) + " tensor");
}

void decodeElements(
    DataType type, std::span<const std::byte> bytes, std::uint64_t first, std::size_t count, double* out)
{
    const std::byte* p = bytes.data();
    const auto scalar = [&]<typename T>(T*) {
        const std::byte* q = p + first * sizeof(T);
        for (std::size_t k = 0; k < count; ++k)
            out[k] = static_cast<double>(load<T>(q + k * sizeof(T)));
    };
    switch (type) {
    case DataType::Float:
        return scalar(static_cast<float*>(nullptr));
    case DataType::Double:
        return scalar(static_cast<double*>(nullptr));
    case DataType::UInt8:
        return scalar(static_cast<std::uint8_t*>(nullptr));
    case DataType::Int8:
        return scalar(static_cast<std::int8_t*>(nullptr));
    case DataType::UInt16:
        return scalar(static_cast<std::uint16_t*>(nullptr));
    case DataType::Int16:
        return scalar(static_cast<std::int16_t*>(nullptr));
    case DataType::Int32:
        return scalar(static_cast<std::int32_t*>(nullptr));
    case DataType::UInt32:
        return scalar(static_cast<std::uint32_t*>(nullptr));
    case DataType::Int64:
        return scalar(static_cast<std::int64_t*>(nullptr));
    case DataType::UInt64:
        return scalar(static_cast<std::uint64_t*>(nullptr));
    case DataType::Bool:
        for (std::size_t k = 0; k < count; ++k)
            out[k] = load<std::uint8_t>(p + first + k) ? 1.0 : 0.0;
        return;
    case DataType::Float16: {
        const auto& table = float16Table();
        for (std::size_t k = 0; k < count; ++k)
            out[k] = table[load<std::uint16_t>(p + (first + k) * 2)];
        return;
    }
    case DataType::BFloat16:
        for (std::size_t k = 0; k < count; ++k)
            out[k] = bfloat16ToFloat(load<std::uint16_t>(p + (first + k) * 2));
        return;
    case DataType::Float8E4M3FN:
    case DataType::Float8E4M3FNUZ:
    case DataType::Float8E5M2:
    case DataType::Float8E5M2FNUZ:
    case DataType::Float8E8M0: {
        const auto& table = float8Tables().t[Float8Tables::slot(type)];
        for (std::size_t k = 0; k < count; ++k)
            out[k] = table[load<std::uint8_t>(p + first + k)];
        return;
    }
    case DataType::UInt4:
        for (std::size_t k = 0; k < count; ++k)
            out[k] = nibble(bytes, first + k);
        return;
    case DataType::Int4:
        for (std::size_t k = 0; k < count; ++k)
            out[k] = int4Value(nibble(bytes, first + k));
        return;
    case DataType::Float4E2M1:
        for (std::size_t k = 0; k < count; ++k)
            out[k] = float4e2m1ToFloat(nibble(bytes, first + k));
        return;
    case DataType::Complex64:
        for (std::size_t k = 0; k < count; ++k) {
            const std::byte* q = p + (first + k) * 8;
            out[k] = std::hypot(double(load<float>(q)), double(load<float>(q + 4)));
        }
        return;
    case DataType::Complex128:
        for (std::size_t k = 0; k < count; ++k) {
            const std::byte* q = p + (first + k) * 16;
            out[k] = std::hypot(load<double>(q), load<double>(q + 8));
        }
        return;
    case DataType::String:
    case DataType::Undefined:
        break;
    }
    throw Error("no numeric elements in a " + std::string(dataTypeName(type)) + " tensor");
}

} // namespace nodus
