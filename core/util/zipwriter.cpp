#include "zipwriter.h"

#include "error.h"
#include "outputsink.h"

#include <span>

namespace nodus {

namespace {

constexpr std::uint64_t kZip32Limit = 0xffffffffu;
// The padding extra field PyTorch's writer uses ("FB").
constexpr std::uint16_t kPaddingId = 0x4246;

void put16(std::string& out, std::uint64_t v)
{
    out.push_back(static_cast<char>(v & 0xff));
    out.push_back(static_cast<char>((v >> 8) & 0xff));
}

void put32(std::string& out, std::uint64_t v)
{
    put16(out, v & 0xffff);
    put16(out, (v >> 16) & 0xffff);
}

void put64(std::string& out, std::uint64_t v)
{
    put32(out, v & 0xffffffffu);
    put32(out, v >> 32);
}

} // namespace

ZipWriter::ZipWriter(OutputSink& sink)
    : sink_(sink)
{
}

void ZipWriter::beginMember(const Member& m, std::uint64_t align)
{
    if (m.name.size() > 0xffff)
        throw Error("a zip member name is limited to 65,535 bytes ('" + m.name.substr(0, 40) + "...')");
    const std::uint64_t offset = sink_.position();
    const bool wide = m.compressedSize >= kZip32Limit || m.uncompressedSize >= kZip32Limit || offset >= kZip32Limit;
    const unsigned version = wide ? 45 : 20;

    std::string local;
    put32(local, 0x04034b50);
    put16(local, version);
    put16(local, 0); // flags
    put16(local, m.method);
    put32(local, 0); // no timestamp: readers ignore it
    put32(local, m.crc);
    put32(local, wide ? kZip32Limit : m.compressedSize);
    put32(local, wide ? kZip32Limit : m.uncompressedSize);
    put16(local, m.name.size());
    std::string extra;
    if (wide) {
        put16(extra, 0x0001);
        put16(extra, 16);
        put64(extra, m.uncompressedSize);
        put64(extra, m.compressedSize);
    }
    if (align > 1) {
        const std::uint64_t before = offset + local.size() + 2 + m.name.size() + extra.size();
        const std::uint64_t pad = (align - (before + 4) % align) % align;
        put16(extra, kPaddingId);
        put16(extra, pad);
        extra.append(pad, 'Z');
    }
    put16(local, extra.size());
    local += m.name;
    local += extra;
    sink_.write(std::as_bytes(std::span(local)));

    std::string cextra;
    if (wide) {
        put16(cextra, 0x0001);
        put16(cextra, 24);
        put64(cextra, m.uncompressedSize);
        put64(cextra, m.compressedSize);
        put64(cextra, offset);
    }
    put32(central_, 0x02014b50);
    put16(central_, version);
    put16(central_, version);
    put16(central_, 0);
    put16(central_, m.method);
    put32(central_, 0);
    put32(central_, m.crc);
    put32(central_, wide ? kZip32Limit : m.compressedSize);
    put32(central_, wide ? kZip32Limit : m.uncompressedSize);
    put16(central_, m.name.size());
    put16(central_, cextra.size());
    put16(central_, 0); // comment
    put16(central_, 0); // disk
    put16(central_, 0); // internal attributes
    put32(central_, 0); // external attributes
    put32(central_, wide ? kZip32Limit : offset);
    central_ += m.name;
    central_ += cextra;
    ++count_;
}

void ZipWriter::finish()
{
    const std::uint64_t centralAt = sink_.position();
    sink_.write(std::as_bytes(std::span(central_)));
    const std::uint64_t endAt = sink_.position();
    const bool wide = centralAt >= kZip32Limit || central_.size() >= kZip32Limit || count_ >= 0xffff;
    std::string end;
    if (wide) {
        put32(end, 0x06064b50);
        put64(end, 44);
        put16(end, 45);
        put16(end, 45);
        put32(end, 0);
        put32(end, 0);
        put64(end, count_);
        put64(end, count_);
        put64(end, central_.size());
        put64(end, centralAt);
        put32(end, 0x07064b50);
        put32(end, 0);
        put64(end, endAt);
        put32(end, 1);
    }
    put32(end, 0x06054b50);
    put16(end, 0);
    put16(end, 0);
    put16(end, wide ? 0xffff : count_);
    put16(end, wide ? 0xffff : count_);
    put32(end, wide ? kZip32Limit : central_.size());
    put32(end, wide ? kZip32Limit : centralAt);
    put16(end, 0);
    sink_.write(std::as_bytes(std::span(end)));
}

} // namespace nodus
