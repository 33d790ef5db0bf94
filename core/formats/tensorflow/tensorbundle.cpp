#include "tensorbundle.h"

#include "tensorflowtypes.h"

#include "ir/mappedtensordata.h"
#include "ir/tensor.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <array>
#include <cstdio>
#include <map>

namespace nodus {

namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kTableMagic = 0xdb4775248b80fb57ull;
constexpr std::size_t kFooterSize = 48;
constexpr std::size_t kBlockTrailerSize = 5; // type byte + masked CRC-32C

std::uint32_t le32(const std::byte* p)
{
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k)
        v |= std::uint32_t(std::uint8_t(p[k])) << (8 * k);
    return v;
}

// Reads LevelDB's table format; every offset and length is checked against
// the bytes there are before it is used.
class TableReader {
public:
    TableReader(std::span<const std::byte> bytes, std::string name)
        : bytes_(bytes)
        , name_(std::move(name))
    {
    }

    std::vector<std::pair<std::string, std::string>> entries()
    {
        if (bytes_.size() < kFooterSize)
            fail("too short for a table footer (" + std::to_string(bytes_.size()) + " bytes)");
        const auto footer = bytes_.subspan(bytes_.size() - kFooterSize);
        std::uint64_t magic = 0;
        for (int k = 0; k < 8; ++k)
            magic |= std::uint64_t(std::uint8_t(footer[40 + k])) << (8 * k);
        if (magic != kTableMagic)
            fail("not a TensorFlow table (bad footer magic)");
        std::size_t pos = 0;
        const auto footerBytes = footer.first(40);
        // TF writes no meta blocks; the (empty) metaindex is still checked.
        const auto [metaOffset, metaSize] = handle(footerBytes, pos);
        (void)block(metaOffset, metaSize, "metaindex block");
        const auto [indexOffset, indexSize] = handle(footerBytes, pos);
        std::vector<std::pair<std::string, std::string>> out;
        for (const auto& [key, value] : block(indexOffset, indexSize, "index block")) {
            std::size_t p = 0;
            const auto [offset, size] = handle(std::as_bytes(std::span(value)), p);
            for (auto& e : block(offset, size, "data block at " + std::to_string(offset)))
                out.push_back(std::move(e));
        }
        return out;
    }

private:
    [[noreturn]] void fail(const std::string& what) const { throw Error(name_ + ": " + what); }

    std::uint64_t varint(std::span<const std::byte> data, std::size_t& pos, const char* what) const
    {
        std::uint64_t out = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= data.size())
                fail(std::string("truncated ") + what);
            const auto b = std::uint8_t(data[pos++]);
            out |= std::uint64_t(b & 0x7f) << shift;
            if (!(b & 0x80))
                return out;
        }
        fail(std::string("bad varint in ") + what);
    }

    std::pair<std::uint64_t, std::uint64_t> handle(std::span<const std::byte> data, std::size_t& pos) const
    {
        const auto offset = varint(data, pos, "block handle");
        const auto size = varint(data, pos, "block handle");
        return { offset, size };
    }

    std::vector<std::pair<std::string, std::string>> block(
        std::uint64_t offset, std::uint64_t size, const std::string& what) const
    {
        const std::uint64_t limit = bytes_.size() - kFooterSize;
        if (offset > limit || size > limit - offset || kBlockTrailerSize > limit - offset - size)
            fail(what + " lies outside the file (offset " + std::to_string(offset) + ", " + std::to_string(size)
                + " bytes)");
        const auto contents = bytes_.subspan(offset, size);
        const auto* trailer = bytes_.data() + offset + size;
        const auto type = std::uint8_t(trailer[0]);
        if (type == 1)
            fail(what + " is Snappy-compressed, which Nodus does not read (TensorFlow writes bundles uncompressed)");
        if (type != 0)
            fail(what + " has unknown compression type " + std::to_string(type));
        const std::uint32_t crc = crc32c(std::span(trailer, 1), crc32c(contents));
        if (maskCrc(crc) != le32(trailer + 1))
            fail(what + " fails its CRC-32C check (the file is damaged)");
        if (size < 4)
            fail(what + " is too short for its restart count");
        const std::uint64_t restarts = le32(contents.data() + size - 4);
        if (restarts > (size - 4) / 4)
            fail(what + " claims " + std::to_string(restarts) + " restart points, more than it can hold");
        const std::size_t end = size - 4 - restarts * 4;
        std::vector<std::pair<std::string, std::string>> out;
        std::string key;
        std::size_t pos = 0;
        while (pos < end) {
            const auto data = contents.first(end);
            const auto shared = varint(data, pos, "block entry");
            const auto unshared = varint(data, pos, "block entry");
            const auto valueSize = varint(data, pos, "block entry");
            if (shared > key.size())
                fail(what + ": an entry shares " + std::to_string(shared) + " bytes of a " + std::to_string(key.size())
                    + "-byte key");
            if (unshared > end - pos || valueSize > end - pos - unshared)
                fail(what + ": an entry runs past the end of its block");
            key.resize(shared);
            key.append(reinterpret_cast<const char*>(data.data() + pos), unshared);
            pos += unshared;
            out.emplace_back(key, std::string(reinterpret_cast<const char*>(data.data() + pos), valueSize));
            pos += valueSize;
        }
        return out;
    }

    std::span<const std::byte> bytes_;
    std::string name_;
};

} // namespace

std::uint32_t crc32c(std::span<const std::byte> bytes, std::uint32_t crc)
{
    static const auto table = [] {
        std::array<std::uint32_t, 256> t {};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k)
                c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    crc = ~crc;
    for (const auto b : bytes)
        crc = table[(crc ^ std::uint8_t(b)) & 0xff] ^ (crc >> 8);
    return ~crc;
}

std::vector<std::pair<std::string, std::string>> TensorBundle::readTable(
    std::span<const std::byte> bytes, const std::string& name)
{
    return TableReader(bytes, name).entries();
}

TensorBundle TensorBundle::read(const fs::path& prefix)
{
    TensorBundle bundle;
    bundle.prefix_ = prefix;
    const fs::path indexPath = prefix.string() + ".index";
    const auto file = MappedFile::open(indexPath);
    const std::string name = indexPath.string();
    bool sawHeader = false;
    for (auto& [key, value] : readTable(file->bytes(), name)) {
        if (key.empty()) {
            if (!bundle.header_.ParseFromString(value))
                throw Error(name + ": the bundle header is not a valid BundleHeaderProto");
            sawHeader = true;
            continue;
        }
        Entry e;
        e.key = key;
        if (!e.proto.ParseFromString(value))
            throw Error(name + ": the entry of '" + key + "' is not a valid BundleEntryProto");
        bundle.entries_.push_back(std::move(e));
    }
    if (!sawHeader)
        throw Error(name + ": the bundle has no header entry");
    if (bundle.header_.endianness() != tf::BundleHeaderProto::LITTLE)
        throw Error(name + ": the bundle is big-endian, which Nodus does not read");
    if (bundle.header_.num_shards() < 1 || bundle.header_.num_shards() > 99999)
        throw Error(name + ": the bundle claims " + std::to_string(bundle.header_.num_shards()) + " data shards");
    return bundle;
}

fs::path TensorBundle::shardPath(int shard) const
{
    char suffix[40];
    std::snprintf(suffix, sizeof suffix, ".data-%05d-of-%05d", shard, header_.num_shards());
    return prefix_.string() + suffix;
}

std::vector<std::shared_ptr<Tensor>> TensorBundle::tensors() const
{
    std::map<int, std::shared_ptr<const MappedFile>> shards;
    std::vector<std::shared_ptr<Tensor>> out;
    for (const auto& e : entries_) {
        const std::string what = prefix_.string() + ".index: variable '" + e.key + "'";
        auto t = std::make_shared<Tensor>();
        t->name = e.key;
        t->dataType = fromTfDataType(e.proto.dtype());
        for (const auto& d : e.proto.shape().dim()) {
            if (d.size() < 0)
                throw Error(what + " has a dimension of unknown size");
            t->dims.push_back(d.size());
        }
        out.push_back(t);
        if (e.proto.slices_size() > 0) {
            t->docString = "partitioned variable: its slices are stored under other keys";
            continue;
        }
        if (t->dataType == DataType::Undefined || t->dataType == DataType::String) {
            t->docString = "TensorFlow " + tfDataTypeName(e.proto.dtype()) + " variable (values not shown)";
            continue;
        }
        const auto expected = t->expectedBytes();
        if (!expected || e.proto.size() < 0 || std::uint64_t(e.proto.size()) != *expected)
            throw Error(what + " holds " + std::to_string(e.proto.size()) + " bytes, its dtype and shape need "
                + (expected ? std::to_string(*expected) : std::string("an impossible size")));
        if (e.proto.shard_id() < 0 || e.proto.shard_id() >= header_.num_shards())
            throw Error(what + " is in shard " + std::to_string(e.proto.shard_id()) + " of "
                + std::to_string(header_.num_shards()));
        auto& shard = shards[e.proto.shard_id()];
        if (!shard) {
            const auto path = shardPath(e.proto.shard_id());
            std::error_code ec;
            if (!fs::is_regular_file(path, ec))
                throw Error(what + ": its data file " + path.string() + " is missing");
            shard = MappedFile::open(path);
        }
        if (e.proto.offset() < 0 || std::uint64_t(e.proto.offset()) > shard->size()
            || *expected > shard->size() - std::uint64_t(e.proto.offset()))
            throw Error(what + " lies outside " + shard->path().string() + " (offset "
                + std::to_string(e.proto.offset()) + ", " + std::to_string(*expected) + " bytes)");
        t->data = std::make_shared<MappedTensorData>(FileRegion { shard, std::uint64_t(e.proto.offset()), *expected });
    }
    return out;
}

} // namespace nodus
