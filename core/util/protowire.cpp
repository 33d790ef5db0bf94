#include "protowire.h"

namespace nodus {

namespace {

bool readVarint(std::span<const std::byte> data, std::size_t& pos, std::uint64_t& out)
{
    out = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= data.size())
            return false;
        const auto b = static_cast<std::uint8_t>(data[pos++]);
        out |= static_cast<std::uint64_t>(b & 0x7f) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

} // namespace

bool scanProtoFields(std::span<const std::byte> data, const std::function<bool(const WireField&)>& visit)
{
    std::size_t pos = 0;
    while (pos < data.size()) {
        WireField f;
        f.offset = pos;
        std::uint64_t tag = 0;
        if (!readVarint(data, pos, tag) || tag > 0xffffffffu)
            return false;
        f.number = static_cast<std::uint32_t>(tag >> 3);
        f.wireType = static_cast<int>(tag & 7);
        if (f.number == 0)
            return false;
        switch (f.wireType) {
        case 0:
            if (!readVarint(data, pos, f.varint))
                return false;
            break;
        case 1:
        case 5: {
            const std::size_t n = f.wireType == 1 ? 8 : 4;
            if (data.size() - pos < n)
                return false;
            for (std::size_t k = 0; k < n; ++k)
                f.varint |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(data[pos + k])) << (8 * k);
            pos += n;
            break;
        }
        case 2: {
            std::uint64_t len = 0;
            if (!readVarint(data, pos, len) || len > data.size() - pos)
                return false;
            f.bytes = data.subspan(pos, len);
            pos += len;
            break;
        }
        default:
            return false;
        }
        if (!visit(f))
            return true;
    }
    return true;
}

} // namespace nodus
