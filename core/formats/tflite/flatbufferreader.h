#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace nodus {

class FlatBufferReader;

// A vector inside a FlatBuffer: `count` elements of `elementSize` bytes from
// `offset` (absolute, past the length prefix). Always inside the buffer.
struct FlatVector {
    std::uint64_t offset = 0;
    std::uint32_t count = 0;
    std::uint32_t elementSize = 0;

    std::uint64_t byteSize() const { return std::uint64_t(count) * elementSize; }
};

// One table of a FlatBuffer. Every read is checked against the buffer's
// bounds; a field the table's vtable does not reach reads as its default.
// `what` names the table in error messages ("operator 3 of subgraph 0").
class FlatTable {
public:
    FlatTable(const FlatBufferReader& reader, std::uint64_t position, std::string what);

    const std::string& what() const { return what_; }
    std::uint64_t position() const { return position_; }
    bool has(int slot) const { return fieldOffset(slot) != 0; }

    std::int8_t i8(int slot, std::int8_t def = 0) const;
    std::uint8_t u8(int slot, std::uint8_t def = 0) const;
    std::int32_t i32(int slot, std::int32_t def = 0) const;
    std::uint32_t u32(int slot, std::uint32_t def = 0) const;
    std::int64_t i64(int slot, std::int64_t def = 0) const;
    std::uint64_t u64(int slot, std::uint64_t def = 0) const;
    float f32(int slot, float def = 0) const;
    bool boolean(int slot, bool def = false) const { return u8(slot, def ? 1 : 0) != 0; }

    std::optional<FlatTable> table(int slot, std::string what) const;
    std::optional<std::string_view> string(int slot) const;
    // A vector of scalars or structs of `elementSize` bytes; nullopt when absent.
    std::optional<FlatVector> vector(int slot, std::uint32_t elementSize) const;
    // Element `index` of a vector of tables.
    FlatTable tableAt(const FlatVector& v, std::uint32_t index, std::string what) const;

    // Absolute position of a field's bytes (0 when absent), for callers
    // that record where something lies in the file.
    std::uint64_t fieldPosition(int slot, std::uint32_t width) const;

private:
    std::uint16_t fieldOffset(int slot) const;
    std::uint64_t target(int slot) const; // follows a uoffset field; 0 when absent

    const FlatBufferReader* reader_;
    std::uint64_t position_;
    std::uint64_t vtable_ = 0;
    std::uint16_t vtableSize_ = 0;
    std::uint16_t tableSize_ = 0;
    std::string what_;
};

// Reads a FlatBuffer held in memory (a mapped file) without trusting it:
// every offset and length is checked against the buffer, and the number of
// elements a reader may visit is bounded by the buffer's size, so offsets
// that alias one big vector many times cannot make the walk quadratic.
// Errors are nodus::Error naming `name` and what is wrong.
class FlatBufferReader {
public:
    // `kind` names the format in errors: "damaged <kind> file: ...".
    FlatBufferReader(std::span<const std::byte> bytes, std::string name, std::string kind = "TFLite");

    std::span<const std::byte> bytes() const { return bytes_; }
    std::uint64_t size() const { return bytes_.size(); }
    const std::string& name() const { return name_; }

    // The root table (the uoffset at byte 0).
    FlatTable root(std::string what) const;
    // The 4 bytes after the root offset, where a file identifier goes.
    std::string_view identifier() const;

    template <typename T> T read(std::uint64_t at, const char* what) const;
    // Throws unless [at, at + length) lies inside the buffer.
    void check(std::uint64_t at, std::uint64_t length, const std::string& what) const;
    // Counts `n` more elements visited; throws past the budget.
    void charge(std::uint64_t n) const;
    [[noreturn]] void fail(const std::string& what) const;
    // fail("damaged <kind> file: " + what).
    [[noreturn]] void damaged(const std::string& what) const;

private:
    std::span<const std::byte> bytes_;
    std::string name_;
    std::string kind_;
    mutable std::uint64_t visited_ = 0;
    std::uint64_t budget_ = 0;
};

template <typename T> T FlatBufferReader::read(std::uint64_t at, const char* what) const
{
    check(at, sizeof(T), what);
    T value;
    std::memcpy(&value, bytes_.data() + at, sizeof(T)); // little-endian hosts only, as FlatBuffers itself
    return value;
}

} // namespace nodus
