#include "flatbufferreader.h"

#include "util/error.h"

#include <algorithm>

namespace nodus {

FlatBufferReader::FlatBufferReader(std::span<const std::byte> bytes, std::string name, std::string kind)
    : bytes_(bytes)
    , name_(std::move(name))
    , kind_(std::move(kind))
    // A well-formed file visits fewer elements than it has bytes; the
    // margin covers small files and lists read twice.
    , budget_(std::max<std::uint64_t>(std::uint64_t(1) << 20, std::uint64_t(bytes.size()) * 2))
{
}

void FlatBufferReader::fail(const std::string& what) const
{
    throw Error(name_ + ": " + what);
}

void FlatBufferReader::damaged(const std::string& what) const
{
    fail("damaged " + kind_ + " file: " + what);
}

void FlatBufferReader::check(std::uint64_t at, std::uint64_t length, const std::string& what) const
{
    if (at > size() || length > size() - at)
        damaged(what + " (bytes " + std::to_string(at) + ".." + std::to_string(at + length)
            + ") lies outside the file's " + std::to_string(size()) + " bytes");
}

void FlatBufferReader::charge(std::uint64_t n) const
{
    visited_ += n;
    if (visited_ > budget_)
        damaged("its tables refer to more elements than a file of this size can hold "
                "(offsets that point into each other)");
}

FlatTable FlatBufferReader::root(std::string what) const
{
    const auto at = read<std::uint32_t>(0, "the root offset");
    return FlatTable(*this, at, std::move(what));
}

std::string_view FlatBufferReader::identifier() const
{
    if (size() < 8)
        return {};
    return { reinterpret_cast<const char*>(bytes_.data()) + 4, 4 };
}

FlatTable::FlatTable(const FlatBufferReader& reader, std::uint64_t position, std::string what)
    : reader_(&reader)
    , position_(position)
    , what_(std::move(what))
{
    reader.charge(1);
    const auto soffset = reader.read<std::int32_t>(position, what_.c_str());
    const std::int64_t vtable = static_cast<std::int64_t>(position) - soffset;
    if (vtable < 0 || static_cast<std::uint64_t>(vtable) + 4 > reader.size())
        reader.damaged("the field table of " + what_ + " lies outside the file");
    vtable_ = static_cast<std::uint64_t>(vtable);
    vtableSize_ = reader.read<std::uint16_t>(vtable_, what_.c_str());
    tableSize_ = reader.read<std::uint16_t>(vtable_ + 2, what_.c_str());
    if (vtableSize_ < 4 || vtableSize_ % 2 != 0)
        reader.damaged(
            "the field table of " + what_ + " has an impossible size (" + std::to_string(vtableSize_) + " bytes)");
    reader.check(vtable_, vtableSize_, "the field table of " + what_);
    if (tableSize_ < 4)
        reader.damaged(what_ + " has an impossible size (" + std::to_string(tableSize_) + " bytes)");
    reader.check(position_, tableSize_, what_);
}

std::uint16_t FlatTable::fieldOffset(int slot) const
{
    const std::uint64_t entry = 4 + 2 * static_cast<std::uint64_t>(slot);
    if (slot < 0 || entry + 2 > vtableSize_)
        return 0;
    return reader_->read<std::uint16_t>(vtable_ + entry, what_.c_str());
}

std::uint64_t FlatTable::fieldPosition(int slot, std::uint32_t width) const
{
    const std::uint16_t offset = fieldOffset(slot);
    if (offset == 0)
        return 0;
    if (std::uint64_t(offset) + width > tableSize_)
        reader_->damaged("field " + std::to_string(slot) + " of " + what_ + " lies outside its table");
    return position_ + offset;
}

namespace {

template <typename T> T scalar(const FlatBufferReader& reader, const FlatTable& table, std::uint64_t at, T def)
{
    return at == 0 ? def : reader.read<T>(at, table.what().c_str());
}

} // namespace

std::int8_t FlatTable::i8(int slot, std::int8_t def) const
{
    return scalar(*reader_, *this, fieldPosition(slot, 1), def);
}

std::uint8_t FlatTable::u8(int slot, std::uint8_t def) const
{
    return scalar(*reader_, *this, fieldPosition(slot, 1), def);
}

std::int32_t FlatTable::i32(int slot, std::int32_t def) const
{
    return scalar(*reader_, *this, fieldPosition(slot, 4), def);
}

std::uint32_t FlatTable::u32(int slot, std::uint32_t def) const
{
    return scalar(*reader_, *this, fieldPosition(slot, 4), def);
}

std::int64_t FlatTable::i64(int slot, std::int64_t def) const
{
    return scalar(*reader_, *this, fieldPosition(slot, 8), def);
}

std::uint64_t FlatTable::u64(int slot, std::uint64_t def) const
{
    return scalar(*reader_, *this, fieldPosition(slot, 8), def);
}

float FlatTable::f32(int slot, float def) const
{
    return scalar(*reader_, *this, fieldPosition(slot, 4), def);
}

std::uint64_t FlatTable::target(int slot) const
{
    const std::uint64_t at = fieldPosition(slot, 4);
    if (at == 0)
        return 0;
    const std::uint64_t to = at + reader_->read<std::uint32_t>(at, what_.c_str());
    if (to >= reader_->size())
        reader_->damaged("field " + std::to_string(slot) + " of " + what_ + " points past the end of the file");
    return to;
}

std::optional<FlatTable> FlatTable::table(int slot, std::string what) const
{
    const std::uint64_t at = target(slot);
    if (at == 0)
        return std::nullopt;
    return FlatTable(*reader_, at, std::move(what));
}

std::optional<FlatVector> FlatTable::vector(int slot, std::uint32_t elementSize) const
{
    const std::uint64_t at = target(slot);
    if (at == 0)
        return std::nullopt;
    const auto count = reader_->read<std::uint32_t>(at, what_.c_str());
    FlatVector v { at + 4, count, elementSize };
    if (v.offset > reader_->size() || (reader_->size() - v.offset) / elementSize < count)
        reader_->damaged(
            "a list in " + what_ + " claims " + std::to_string(count) + " elements, more than the file holds");
    reader_->charge(count / 8); // scalars are cheap; tables are charged one by one
    return v;
}

std::optional<std::string_view> FlatTable::string(int slot) const
{
    const auto v = vector(slot, 1);
    if (!v)
        return std::nullopt;
    return std::string_view(reinterpret_cast<const char*>(reader_->bytes().data()) + v->offset, v->count);
}

FlatTable FlatTable::tableAt(const FlatVector& v, std::uint32_t index, std::string what) const
{
    if (index >= v.count || v.elementSize != 4)
        reader_->damaged("no element " + std::to_string(index) + " in a list of " + what_);
    const std::uint64_t at = v.offset + 4 * std::uint64_t(index);
    const std::uint64_t to = at + reader_->read<std::uint32_t>(at, what.c_str());
    if (to >= reader_->size())
        reader_->damaged(what + " lies past the end of the file");
    return FlatTable(*reader_, to, std::move(what));
}

} // namespace nodus
