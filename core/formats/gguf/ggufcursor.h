#pragma once

#include "ggufdocument.h"

#include "util/error.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>

namespace nodus {

// A bounds-checked little-endian reader over GGUF bytes. Every count and
// length is checked against the bytes that remain before anything is
// allocated; failures throw nodus::Error saying what did not fit (callers
// add the file's name and the place).
class GgufCursor {
public:
    // Arrays inside arrays: GGUF allows them, nothing real goes deeper than
    // two, and a bound keeps a crafted file off the stack.
    static constexpr int kMaxDepth = 8;

    explicit GgufCursor(std::span<const std::byte> bytes, std::uint64_t pos = 0)
        : bytes_(bytes)
        , pos_(pos)
    {
    }

    std::uint64_t pos() const { return pos_; }
    std::uint64_t remaining() const { return pos_ <= bytes_.size() ? bytes_.size() - pos_ : 0; }

    void need(std::uint64_t n, const char* what) const
    {
        if (n > remaining())
            throw Error(std::string(what) + " needs " + std::to_string(n) + " bytes at offset " + std::to_string(pos_)
                + " but only " + std::to_string(remaining()) + " remain");
    }

    template <typename T> T scalar(const char* what)
    {
        need(sizeof(T), what);
        T v;
        std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
        pos_ += sizeof(T);
        return v;
    }

    std::uint32_t u32(const char* what) { return scalar<std::uint32_t>(what); }
    std::uint64_t u64(const char* what) { return scalar<std::uint64_t>(what); }

    std::string string(const char* what)
    {
        const std::uint64_t n = u64(what);
        if (n > remaining())
            throw Error(std::string(what) + ": a string of " + std::to_string(n) + " bytes at offset "
                + std::to_string(pos_ - 8) + " is longer than the " + std::to_string(remaining())
                + " bytes that remain");
        std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
        pos_ += n;
        return s;
    }

    void skip(std::uint64_t n, const char* what)
    {
        need(n, what);
        pos_ += n;
    }

    std::span<const std::byte> slice(std::uint64_t from, std::uint64_t to) const
    {
        return bytes_.subspan(from, to - from);
    }

    static std::uint64_t scalarSize(GgufType type)
    {
        switch (type) {
        case GgufType::UInt8:
        case GgufType::Int8:
        case GgufType::Bool:
            return 1;
        case GgufType::UInt16:
        case GgufType::Int16:
            return 2;
        case GgufType::UInt32:
        case GgufType::Int32:
        case GgufType::Float32:
            return 4;
        case GgufType::UInt64:
        case GgufType::Int64:
        case GgufType::Float64:
            return 8;
        case GgufType::String:
        case GgufType::Array:
            return 0;
        }
        return 0;
    }

    static GgufType valueType(std::uint32_t raw, const char* what)
    {
        if (raw > static_cast<std::uint32_t>(GgufType::Float64))
            throw Error(std::string(what) + ": unknown value type " + std::to_string(raw)
                + " (GGUF knows 0 to 12: integers, floats, bool, string, array)");
        return static_cast<GgufType>(raw);
    }

    // One value of `type`, decoded.
    GgufValue value(GgufType type, int depth, const char* what)
    {
        GgufValue v;
        v.type = type;
        switch (type) {
        case GgufType::UInt8:
            v.u = scalar<std::uint8_t>(what);
            break;
        case GgufType::Int8:
            v.i = scalar<std::int8_t>(what);
            break;
        case GgufType::UInt16:
            v.u = scalar<std::uint16_t>(what);
            break;
        case GgufType::Int16:
            v.i = scalar<std::int16_t>(what);
            break;
        case GgufType::UInt32:
            v.u = scalar<std::uint32_t>(what);
            break;
        case GgufType::Int32:
            v.i = scalar<std::int32_t>(what);
            break;
        case GgufType::UInt64:
            v.u = scalar<std::uint64_t>(what);
            break;
        case GgufType::Int64:
            v.i = scalar<std::int64_t>(what);
            break;
        case GgufType::Float32:
            v.f = scalar<float>(what);
            break;
        case GgufType::Float64:
            v.f = scalar<double>(what);
            break;
        case GgufType::Bool: {
            const auto b = scalar<std::uint8_t>(what);
            if (b > 1)
                throw Error(std::string(what) + ": a bool holds " + std::to_string(b) + ", not 0 or 1");
            v.u = b;
            break;
        }
        case GgufType::String:
            v.s = string(what);
            break;
        case GgufType::Array: {
            if (depth >= kMaxDepth)
                throw Error(std::string(what) + ": arrays nested more than " + std::to_string(kMaxDepth) + " deep");
            v.elementType = valueType(u32(what), what);
            v.count = u64(what);
            const std::uint64_t begin = pos_;
            skipElements(v.elementType, v.count, depth + 1, what);
            const auto bytes = slice(begin, pos_);
            v.payload.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
            break;
        }
        }
        return v;
    }

    // Steps over `count` elements of `type`, validating them.
    void skipElements(GgufType type, std::uint64_t count, int depth, const char* what)
    {
        if (const auto size = scalarSize(type)) {
            if (count > remaining() / size)
                throw Error(std::string(what) + ": an array of " + std::to_string(count) + " "
                    + std::string(ggufTypeName(type)) + " needs more than the " + std::to_string(remaining())
                    + " bytes that remain");
            if (type == GgufType::Bool) {
                for (std::uint64_t k = 0; k < count; ++k)
                    (void)value(type, depth, what);
            } else {
                pos_ += count * size;
            }
            return;
        }
        // Strings take at least their 8-byte length, arrays 12 bytes.
        const std::uint64_t least = type == GgufType::String ? 8 : 12;
        if (count > remaining() / least)
            throw Error(std::string(what) + ": an array of " + std::to_string(count) + " "
                + std::string(ggufTypeName(type)) + "s cannot fit in the " + std::to_string(remaining())
                + " bytes that remain");
        for (std::uint64_t k = 0; k < count; ++k) {
            if (type == GgufType::String) {
                const std::uint64_t n = u64(what);
                if (n > remaining())
                    throw Error(std::string(what) + ": item " + std::to_string(k) + " is a string of "
                        + std::to_string(n) + " bytes, longer than the " + std::to_string(remaining())
                        + " bytes that remain");
                pos_ += n;
            } else {
                if (depth >= kMaxDepth)
                    throw Error(std::string(what) + ": arrays nested more than " + std::to_string(kMaxDepth) + " deep");
                const GgufType inner = valueType(u32(what), what);
                const std::uint64_t n = u64(what);
                skipElements(inner, n, depth + 1, what);
            }
        }
    }

private:
    std::span<const std::byte> bytes_;
    std::uint64_t pos_ = 0;
};

} // namespace nodus
