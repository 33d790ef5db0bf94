#include "zipreader.h"

#include "error.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <optional>

namespace nodus {

namespace {

constexpr std::uint32_t kLocalHeaderSig = 0x04034b50;
constexpr std::uint32_t kCentralHeaderSig = 0x02014b50;
constexpr std::uint32_t kEndSig = 0x06054b50;
constexpr std::uint32_t kZip64LocatorSig = 0x07064b50;
constexpr std::uint32_t kZip64EndSig = 0x06064b50;
constexpr std::uint64_t kEndSize = 22;
constexpr std::uint64_t kZip64LocatorSize = 20;
constexpr std::uint64_t kZip64EndSize = 56;
constexpr std::uint64_t kCentralHeaderSize = 46;
constexpr std::uint64_t kLocalHeaderSize = 30;
constexpr std::uint16_t kZip64ExtraId = 0x0001;
// Deflate cannot expand one byte of input to more than about 1032 bytes.
constexpr std::uint64_t kMaxDeflateRatio = 1032;

std::uint16_t le16(const std::byte* p)
{
    return static_cast<std::uint16_t>(std::to_integer<unsigned>(p[0]) | (std::to_integer<unsigned>(p[1]) << 8));
}

std::uint32_t le32(const std::byte* p)
{
    return static_cast<std::uint32_t>(le16(p)) | (static_cast<std::uint32_t>(le16(p + 2)) << 16);
}

std::uint64_t le64(const std::byte* p)
{
    return static_cast<std::uint64_t>(le32(p)) | (static_cast<std::uint64_t>(le32(p + 4)) << 32);
}

[[noreturn]] void fail(const std::string& name, const std::string& what)
{
    throw Error(name + ": " + what);
}

// `member` is "file: member 'name'"; `what` continues the sentence.
[[noreturn]] void failMember(const std::string& member, const std::string& what)
{
    throw Error(member + " " + what);
}


} // namespace

std::vector<std::byte> inflateRaw(std::span<const std::byte> in, std::uint64_t declared, const std::string& member)
{
    if (declared / kMaxDeflateRatio > in.size() + 1)
        failMember(member,
            "declares " + std::to_string(declared) + " bytes uncompressed from " + std::to_string(in.size())
                + " compressed bytes, more than deflate can produce");

    z_stream z {};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
        failMember(member, "cannot be inflated (zlib failed to start)");
    struct End {
        z_stream* z;
        ~End() { inflateEnd(z); }
    } end { &z };

    const auto* next = reinterpret_cast<const Bytef*>(in.data());
    std::uint64_t inLeft = in.size();
    std::vector<std::byte> out;
    // Grow with the output actually produced: a size field alone never
    // allocates more than a small first buffer.
    out.resize(static_cast<std::size_t>(std::min<std::uint64_t>(declared, in.size() * 4 + 65536)));
    std::size_t produced = 0;
    bool finished = false;
    while (!finished) {
        if (produced == out.size()) {
            if (out.size() == declared) {
                // Full: the stream must end here.
                unsigned char extra = 0;
                z.next_out = &extra;
                z.avail_out = 1;
                z.next_in = const_cast<Bytef*>(next);
                z.avail_in = static_cast<uInt>(std::min<std::uint64_t>(inLeft, UINT_MAX));
                const uInt before = z.avail_in;
                const int r = inflate(&z, Z_NO_FLUSH);
                next += before - z.avail_in;
                inLeft -= before - z.avail_in;
                if (r == Z_STREAM_END && z.avail_out == 1)
                    break;
                if (z.avail_out == 0)
                    failMember(member, "inflates to more than the declared " + std::to_string(declared) + " bytes");
                if (r == Z_OK && inLeft > 0)
                    continue;
                failMember(member,
                    "has corrupt or truncated compressed data"
                        + (z.msg ? std::string(" (") + z.msg + ")" : std::string()));
            }
            out.resize(static_cast<std::size_t>(std::min<std::uint64_t>(declared, out.size() * 2)));
        }
        z.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
        z.avail_out = static_cast<uInt>(std::min<std::uint64_t>(out.size() - produced, 1u << 30));
        z.next_in = const_cast<Bytef*>(next);
        z.avail_in = static_cast<uInt>(std::min<std::uint64_t>(inLeft, 1u << 30));
        const uInt outBefore = z.avail_out;
        const uInt inBefore = z.avail_in;
        const int r = inflate(&z, Z_NO_FLUSH);
        produced += outBefore - z.avail_out;
        next += inBefore - z.avail_in;
        inLeft -= inBefore - z.avail_in;
        if (r == Z_STREAM_END) {
            finished = true;
        } else if (r == Z_OK) {
            continue;
        } else if (r == Z_BUF_ERROR && inLeft == 0) {
            failMember(member, "has truncated compressed data");
        } else {
            failMember(
                member, "has corrupt compressed data" + (z.msg ? std::string(" (") + z.msg + ")" : std::string()));
        }
    }
    if (produced != declared)
        failMember(
            member, "inflates to " + std::to_string(produced) + " bytes, not the declared " + std::to_string(declared));
    out.resize(produced);
    return out;
}

bool ZipReader::startsLikeZip(std::span<const std::byte> bytes)
{
    return bytes.size() >= kEndSize && (le32(bytes.data()) == kLocalHeaderSig || le32(bytes.data()) == kEndSig);
}

ZipReader::ZipReader(std::span<const std::byte> bytes, std::string nameForErrors, Options options)
    : bytes_(bytes)
    , name_(std::move(nameForErrors))
{
    const std::string& name = name_;
    const std::uint64_t size = bytes.size();
    const std::byte* base = bytes.data();
    // Members start with a local header; an archive with none is just the end record.
    if (size < 4 || (le32(base) != kLocalHeaderSig && le32(base) != kEndSig))
        fail(name, "not a " + options.kind + " (it does not start with a zip header)");
    if (size < kEndSize)
        fail(name, "the zip archive is truncated (no end of central directory record)");

    // The end record sits at the end, followed only by its comment.
    std::optional<std::uint64_t> endPos;
    const std::uint64_t lowest = size - kEndSize > 0xffff ? size - kEndSize - 0xffff : 0;
    for (std::uint64_t p = size - kEndSize + 1; p-- > lowest;) {
        if (le32(base + p) == kEndSig && p + kEndSize + le16(base + p + 20) <= size) {
            endPos = p;
            break;
        }
    }
    if (!endPos)
        fail(name, "the zip archive is truncated or corrupt (no end of central directory record)");
    const std::byte* end = base + *endPos;
    const bool hasLocator = *endPos >= kZip64LocatorSize && le32(end - kZip64LocatorSize) == kZip64LocatorSig;
    const std::string zip64Refused
        = "is a zip64 archive (a member or the archive is over 4 GiB), which is not supported";
    if (hasLocator && !options.allowZip64)
        failMember(name, zip64Refused);
    std::uint64_t disk = le16(end + 4);
    std::uint64_t cdDisk = le16(end + 6);
    std::uint64_t entriesHere = le16(end + 8);
    std::uint64_t entries = le16(end + 10);
    std::uint64_t cdSize = le32(end + 12);
    std::uint64_t cdOffset = le32(end + 16);
    // Where the central directory must end: the zip64 end record or the end record.
    std::uint64_t cdLimit = *endPos;
    if (hasLocator) {
        const std::byte* loc = end - kZip64LocatorSize;
        const std::uint64_t at = le64(loc + 8);
        if (at > *endPos - kZip64LocatorSize || *endPos - kZip64LocatorSize - at < kZip64EndSize
            || le32(base + at) != kZip64EndSig)
            fail(name, "the zip64 end of central directory record is missing or corrupt");
        const std::byte* z = base + at;
        disk = le32(z + 16);
        cdDisk = le32(z + 20);
        entriesHere = le64(z + 24);
        entries = le64(z + 32);
        cdSize = le64(z + 40);
        cdOffset = le64(z + 48);
        cdLimit = at;
    } else if (entries == 0xffff || cdSize == 0xffffffffu || cdOffset == 0xffffffffu) {
        if (!options.allowZip64)
            failMember(name, zip64Refused);
        fail(name, "the zip end record needs zip64 values but the archive has no zip64 locator (corrupt)");
    }
    if (disk != 0 || cdDisk != 0 || entriesHere != entries)
        failMember(name, "is a zip archive split over several disks, which is not supported");
    if (cdOffset > cdLimit || cdSize > cdLimit - cdOffset)
        fail(name, "the zip central directory lies outside the file (truncated or corrupt)");
    // Each entry takes at least a fixed header: a count beyond that is a lie.
    if (entries > cdSize / kCentralHeaderSize)
        fail(name, "the zip central directory is truncated or corrupt (fewer entries than declared)");

    entries_.reserve(static_cast<std::size_t>(entries));
    std::uint64_t p = cdOffset;
    const std::uint64_t cdEnd = cdOffset + cdSize;
    for (std::uint64_t i = 0; i < entries; ++i) {
        const std::string where = name + ": zip entry " + std::to_string(i + 1);
        if (cdEnd - p < kCentralHeaderSize || le32(base + p) != kCentralHeaderSig)
            fail(where, "the central directory is truncated or corrupt");
        const std::byte* c = base + p;
        Entry e;
        e.flags = le16(c + 8);
        e.method = le16(c + 10);
        e.crc = le32(c + 16);
        e.compressedSize = le32(c + 20);
        e.uncompressedSize = le32(c + 24);
        const std::uint64_t nameLength = le16(c + 28);
        const std::uint64_t extraLength = le16(c + 30);
        const std::uint64_t commentLength = le16(c + 32);
        e.localHeaderOffset = le32(c + 42);
        const std::uint64_t entrySize = kCentralHeaderSize + nameLength + extraLength + commentLength;
        if (cdEnd - p < entrySize)
            fail(where, "the central directory is truncated or corrupt");
        e.name.assign(reinterpret_cast<const char*>(c + kCentralHeaderSize), nameLength);
        const std::string memberName = name + ": member '" + e.name + "'";
        p += entrySize;
        if (e.isFolder()) {
            entries_.push_back(std::move(e));
            continue;
        }

        const bool wide = e.compressedSize == 0xffffffffu || e.uncompressedSize == 0xffffffffu
            || e.localHeaderOffset == 0xffffffffu;
        if (wide) {
            if (!options.allowZip64)
                failMember(memberName, "is stored as zip64 (over 4 GiB), which is not supported");
            // The zip64 extra field holds, in order, the values whose 32-bit
            // fields are all ones.
            bool found = false;
            const std::byte* x = c + kCentralHeaderSize + nameLength;
            for (std::uint64_t q = 0; q + 4 <= extraLength;) {
                const unsigned id = le16(x + q);
                const std::uint64_t len = le16(x + q + 2);
                if (q + 4 + len > extraLength)
                    break;
                if (id == kZip64ExtraId) {
                    const std::byte* v = x + q + 4;
                    std::uint64_t left = len;
                    auto take = [&](std::uint64_t& field) {
                        if (field != 0xffffffffu)
                            return;
                        if (left < 8)
                            failMember(memberName, "has a zip64 extra field that is too short (corrupt)");
                        field = le64(v);
                        v += 8;
                        left -= 8;
                    };
                    take(e.uncompressedSize);
                    take(e.compressedSize);
                    take(e.localHeaderOffset);
                    found = true;
                    break;
                }
                q += 4 + len;
            }
            if (!found)
                failMember(memberName, "declares zip64 sizes but has no zip64 extra field (corrupt)");
        }
        if (e.flags & 1u)
            failMember(memberName, "is encrypted");
        if (e.method != 0 && e.method != 8)
            failMember(memberName,
                "uses zip compression method " + std::to_string(e.method)
                    + "; only stored and deflated members are supported");
        if (e.localHeaderOffset > cdOffset || cdOffset - e.localHeaderOffset < kLocalHeaderSize
            || le32(base + e.localHeaderOffset) != kLocalHeaderSig)
            failMember(memberName, "has no local header where the central directory says (truncated or corrupt)");
        const std::byte* l = base + e.localHeaderOffset;
        const std::uint64_t localName = le16(l + 26);
        const std::uint64_t localExtra = le16(l + 28);
        e.dataOffset = e.localHeaderOffset + kLocalHeaderSize + localName + localExtra;
        if (e.dataOffset > cdOffset || cdOffset - e.dataOffset < e.compressedSize)
            failMember(memberName, "has data that runs past the central directory (truncated or corrupt)");
        if (localName != nameLength
            || std::memcmp(l + kLocalHeaderSize, c + kCentralHeaderSize, static_cast<std::size_t>(nameLength)) != 0)
            failMember(memberName, "has a local header that names a different file");
        if (e.method == 0 && e.compressedSize != e.uncompressedSize)
            failMember(memberName, "is stored but its compressed and uncompressed sizes differ");
        entries_.push_back(std::move(e));
    }
}

const ZipReader::Entry* ZipReader::find(std::string_view name) const
{
    for (const auto& e : entries_)
        if (e.name == name)
            return &e;
    return nullptr;
}

std::string ZipReader::memberName(const Entry& entry) const
{
    return name_ + ": member '" + entry.name + "'";
}

std::span<const std::byte> ZipReader::storedBytes(const Entry& entry) const
{
    if (entry.isFolder())
        failMember(memberName(entry), "is a folder");
    if (entry.method != 0)
        failMember(memberName(entry), "is compressed; it must be stored to be read in place");
    return bytes_.subspan(static_cast<std::size_t>(entry.dataOffset), static_cast<std::size_t>(entry.compressedSize));
}

void ZipReader::verifyCrc(const Entry& entry, std::span<const std::byte> contents) const
{
    if (zipCrc32(contents) != entry.crc)
        failMember(memberName(entry), "is corrupt (its CRC-32 does not match)");
}

std::vector<std::byte> ZipReader::extract(const Entry& entry) const
{
    if (entry.isFolder())
        failMember(memberName(entry), "is a folder");
    const auto stored
        = bytes_.subspan(static_cast<std::size_t>(entry.dataOffset), static_cast<std::size_t>(entry.compressedSize));
    std::vector<std::byte> out;
    if (entry.method == 0)
        out.assign(stored.begin(), stored.end());
    else
        out = inflateRaw(stored, entry.uncompressedSize, memberName(entry));
    verifyCrc(entry, out);
    return out;
}

std::uint32_t zipCrc32(std::span<const std::byte> bytes)
{
    uLong sum = crc32(0L, Z_NULL, 0);
    for (std::uint64_t done = 0; done < bytes.size();) {
        const uInt chunk = static_cast<uInt>(std::min<std::uint64_t>(bytes.size() - done, 1u << 30));
        sum = crc32(sum, reinterpret_cast<const Bytef*>(bytes.data() + done), chunk);
        done += chunk;
    }
    return static_cast<std::uint32_t>(sum);
}

} // namespace nodus
