#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nodus {

// The members of a zip archive held in memory (a mapped file): the central
// directory is parsed and checked against the bytes present, so a member's
// data range is known to lie inside the archive before anyone reads it.
// Stored members can be viewed in place (zero copy); deflated ones are
// inflated with zlib. Used by .npz (util/npy) and PyTorch checkpoints.
//
// Every problem throws nodus::Error starting with `nameForErrors`; a
// member's problems read "<name>: member '<member>' ...".
class ZipReader {
public:
    struct Entry {
        std::string name;
        unsigned flags = 0;
        unsigned method = 0; // 0 stored, 8 deflated
        std::uint32_t crc = 0;
        std::uint64_t compressedSize = 0;
        std::uint64_t uncompressedSize = 0;
        std::uint64_t localHeaderOffset = 0;
        std::uint64_t dataOffset = 0; // from the local header
        bool isFolder() const { return !name.empty() && name.back() == '/'; }
    };
    struct Options {
        // Refuse zip64 archives and members (".npz" readers promise that).
        bool allowZip64 = true;
        // What the file should be, for "not a <kind> (...)" when it is no zip.
        std::string kind = "zip archive";
    };

    ZipReader(std::span<const std::byte> bytes, std::string nameForErrors, Options options);
    ZipReader(std::span<const std::byte> bytes, std::string nameForErrors)
        : ZipReader(bytes, std::move(nameForErrors), Options {})
    {
    }

    // Cheap test: the bytes start with a local header or an (empty) end record.
    static bool startsLikeZip(std::span<const std::byte> bytes);

    const std::vector<Entry>& entries() const { return entries_; }
    const Entry* find(std::string_view name) const;
    // "<archive>: member '<name>'", the start of a member's error messages.
    std::string memberName(const Entry& entry) const;

    // A stored member's bytes in place (its CRC-32 is not checked: that would
    // read every page of a multi-gigabyte checkpoint; see verifyCrc).
    std::span<const std::byte> storedBytes(const Entry& entry) const;
    // A member's bytes, inflated if need be, CRC-32 checked.
    std::vector<std::byte> extract(const Entry& entry) const;
    void verifyCrc(const Entry& entry, std::span<const std::byte> contents) const;

private:
    std::span<const std::byte> bytes_;
    std::string name_;
    std::vector<Entry> entries_;
};

// Inflates a raw deflate stream of `declared` bytes; `member` starts errors.
std::vector<std::byte> inflateRaw(std::span<const std::byte> in, std::uint64_t declared, const std::string& member);

// The CRC-32 a zip member records (zlib's), over any length.
std::uint32_t zipCrc32(std::span<const std::byte> bytes);

} // namespace nodus
