#include "hdf5file.h"

#include "util/error.h"

#include <algorithm>
#include <cstring>
#include <set>

namespace nodus {

namespace {

constexpr char kSignature[] = "\x89HDF\r\n\x1a\n";
// Limits that no Keras file comes near; they keep a corrupt file from
// costing time or memory.
constexpr int kMaxDepth = 32;
constexpr std::size_t kMaxMessages = 100000;
constexpr std::size_t kMaxLinks = 1000000;
constexpr std::size_t kMaxContinuations = 10000;
constexpr std::uint64_t kMaxRank = 32;
constexpr std::uint64_t kMaxAttributeElements = 1u << 24;

enum MessageType : std::uint16_t {
    kDataspace = 0x1,
    kLinkInfo = 0x2,
    kDatatype = 0x3,
    kLink = 0x6,
    kLayout = 0x8,
    kFilters = 0xB,
    kAttribute = 0xC,
    kContinuation = 0x10,
    kSymbolTable = 0x11,
    kAttributeInfo = 0x15,
};

std::string hex(std::uint64_t v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

} // namespace

// A cursor over [pos, end) of the file's bytes; every read is checked.
struct Hdf5File::Reader {
    const Hdf5File& f;
    std::uint64_t pos;
    std::uint64_t end;
    const char* what;

    Reader(const Hdf5File& file, std::uint64_t start, std::uint64_t length, const char* what_)
        : f(file)
        , pos(start)
        , end(0)
        , what(what_)
    {
        if (start > f.bytes_.size() || length > f.bytes_.size() - start)
            f.fail(std::string(what) + " at " + hex(start) + " (" + std::to_string(length)
                + " bytes) lies outside the file (" + std::to_string(f.bytes_.size()) + " bytes)");
        end = start + length;
    }
    void need(std::uint64_t n) const
    {
        if (n > end - pos)
            f.fail(
                std::string(what) + " is truncated (needs " + std::to_string(n) + " more bytes at " + hex(pos) + ")");
    }
    std::uint64_t uint(int n)
    {
        need(n);
        std::uint64_t v = 0;
        for (int i = 0; i < n; ++i)
            v |= static_cast<std::uint64_t>(std::to_integer<std::uint8_t>(f.bytes_[pos + i])) << (8 * i);
        pos += n;
        return v;
    }
    std::uint8_t u8() { return static_cast<std::uint8_t>(uint(1)); }
    std::uint16_t u16() { return static_cast<std::uint16_t>(uint(2)); }
    std::uint32_t u32() { return static_cast<std::uint32_t>(uint(4)); }
    std::uint64_t offset() { return uint(f.offsetSize_); }
    std::uint64_t length() { return uint(f.lengthSize_); }
    void skip(std::uint64_t n)
    {
        need(n);
        pos += n;
    }
    bool startsWith(const char* sig)
    {
        const std::size_t n = std::strlen(sig);
        need(n);
        const bool same = std::memcmp(f.bytes_.data() + pos, sig, n) == 0;
        pos += n;
        return same;
    }
    std::string text(std::uint64_t n)
    {
        need(n);
        std::string s(reinterpret_cast<const char*>(f.bytes_.data()) + pos, n);
        pos += n;
        return s;
    }
};

const Hdf5File::Attribute* Hdf5File::Object::attribute(std::string_view name) const
{
    for (const auto& a : attributes)
        if (a.name == name)
            return &a;
    return nullptr;
}

void Hdf5File::fail(const std::string& what) const
{
    throw Error(name_ + ": " + what);
}

std::int64_t Hdf5File::signatureOffset(std::span<const std::byte> bytes)
{
    for (std::uint64_t at = 0; at + 8 <= bytes.size(); at = at == 0 ? 512 : at * 2)
        if (std::memcmp(bytes.data() + at, kSignature, 8) == 0)
            return static_cast<std::int64_t>(at);
    return -1;
}

bool Hdf5File::undefined(std::uint64_t address) const
{
    return offsetSize_ == 8 ? address == ~std::uint64_t(0) : address == (std::uint64_t(1) << (8 * offsetSize_)) - 1;
}

std::uint64_t Hdf5File::absolute(std::uint64_t address, const char* what) const
{
    if (undefined(address) || address > bytes_.size() || base_ > bytes_.size() - address)
        fail(std::string(what) + " address " + hex(address) + " lies outside the file (" + std::to_string(bytes_.size())
            + " bytes)");
    return base_ + address;
}

Hdf5File::Hdf5File(std::span<const std::byte> bytes, std::string nameForErrors)
    : bytes_(bytes)
    , name_(std::move(nameForErrors))
{
    const std::int64_t at = signatureOffset(bytes);
    if (at < 0)
        fail("not an HDF5 file (no HDF5 signature at 0, 512, 1024, ...)");
    Reader r(*this, static_cast<std::uint64_t>(at) + 8, bytes.size() - at - 8, "the HDF5 superblock");
    const int version = r.u8();
    std::uint64_t rootAddress = 0;
    std::uint64_t endOfFile = 0;
    if (version == 0 || version == 1) {
        r.skip(4); // free-space, root symbol table entry and shared header versions, reserved
        offsetSize_ = r.u8();
        lengthSize_ = r.u8();
        if ((offsetSize_ != 4 && offsetSize_ != 8) || (lengthSize_ != 4 && lengthSize_ != 8))
            fail("HDF5 superblock: unsupported offset/length sizes " + std::to_string(offsetSize_) + "/"
                + std::to_string(lengthSize_));
        r.skip(1 + 2 + 2 + 4); // reserved, group leaf/internal K, consistency flags
        if (version == 1)
            r.skip(4);
        base_ = r.offset();
        r.offset(); // free-space info
        endOfFile = r.offset();
        r.offset(); // driver info
        r.offset(); // root entry: link name offset
        rootAddress = r.offset();
    } else if (version == 2 || version == 3) {
        offsetSize_ = r.u8();
        lengthSize_ = r.u8();
        if ((offsetSize_ != 4 && offsetSize_ != 8) || (lengthSize_ != 4 && lengthSize_ != 8))
            fail("HDF5 superblock: unsupported offset/length sizes " + std::to_string(offsetSize_) + "/"
                + std::to_string(lengthSize_));
        r.skip(1); // consistency flags
        base_ = r.offset();
        r.offset(); // superblock extension
        endOfFile = r.offset();
        rootAddress = r.offset();
    } else {
        fail("unsupported HDF5 superblock version " + std::to_string(version));
    }
    // The base address is absolute; a file with a user block records it.
    if (base_ > bytes.size())
        fail("HDF5 superblock: base address " + hex(base_) + " lies outside the file");
    // A cut-off copy is told apart here, before anything points past its end.
    if (!undefined(endOfFile) && endOfFile > bytes.size() - base_)
        fail("the file is truncated: HDF5 says it has " + std::to_string(base_ + endOfFile) + " bytes, but it has "
            + std::to_string(bytes.size()));
    root_ = object(rootAddress);
    if (!root_.isGroup)
        fail("the HDF5 root object is not a group");
}

void Hdf5File::v1Messages(std::uint64_t start, std::uint64_t length, int count, std::vector<Message>& out,
    std::vector<std::pair<std::uint64_t, std::uint64_t>>& continuations) const
{
    Reader r(*this, start, length, "an HDF5 object header block");
    while (r.end - r.pos >= 8 && (count < 0 || static_cast<int>(out.size()) < count)) {
        Message m;
        m.type = r.u16();
        m.size = r.u16();
        m.flags = r.u8();
        r.skip(3);
        m.offset = r.pos;
        r.skip(m.size);
        if (m.type == kContinuation) {
            Reader c(*this, m.offset, m.size, "an HDF5 continuation message");
            const std::uint64_t at = c.offset();
            continuations.emplace_back(absolute(at, "continuation block"), c.length());
        } else {
            out.push_back(m);
        }
        if (out.size() > kMaxMessages)
            fail("an HDF5 object header has too many messages");
    }
}

void Hdf5File::v2Messages(std::uint64_t start, std::uint64_t length, bool creationOrder, std::vector<Message>& out,
    std::vector<std::pair<std::uint64_t, std::uint64_t>>& continuations) const
{
    Reader r(*this, start, length, "an HDF5 object header block");
    const std::uint64_t header = creationOrder ? 6 : 4;
    while (r.end - r.pos >= header) {
        Message m;
        m.type = r.u8();
        m.size = r.u16();
        m.flags = r.u8();
        if (creationOrder)
            r.skip(2);
        m.offset = r.pos;
        r.skip(m.size);
        if (m.type == kContinuation) {
            Reader c(*this, m.offset, m.size, "an HDF5 continuation message");
            const std::uint64_t at = c.offset();
            continuations.emplace_back(absolute(at, "continuation block"), c.length());
        } else if (m.type != 0) {
            out.push_back(m);
        }
        if (out.size() > kMaxMessages)
            fail("an HDF5 object header has too many messages");
    }
}

std::vector<Hdf5File::Message> Hdf5File::headerMessages(std::uint64_t address) const
{
    const std::uint64_t at = absolute(address, "object header");
    std::vector<Message> out;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> continuations;
    Reader r(*this, at, bytes_.size() - at, "an HDF5 object header");
    r.need(4);
    if (std::memcmp(bytes_.data() + at, "OHDR", 4) == 0) {
        r.skip(4);
        const int version = r.u8();
        if (version != 2)
            fail("HDF5 object header at " + hex(address) + ": unsupported version " + std::to_string(version));
        const std::uint8_t flags = r.u8();
        if (flags & 0x20)
            r.skip(16);
        if (flags & 0x10)
            r.skip(4);
        const std::uint64_t chunk = r.uint(1 << (flags & 3));
        const bool order = flags & 0x04;
        v2Messages(r.pos, chunk, order, out, continuations);
        for (std::size_t k = 0; k < continuations.size(); ++k) {
            if (k >= kMaxContinuations)
                fail("HDF5 object header at " + hex(address) + " has too many continuation blocks");
            auto [cAt, cLen] = continuations[k];
            Reader c(*this, cAt, cLen, "an HDF5 continuation block");
            if (cLen < 8 || !c.startsWith("OCHK"))
                fail("HDF5 continuation block at " + hex(cAt) + " has no OCHK signature");
            v2Messages(cAt + 4, cLen - 8, order, out, continuations);
        }
        return out;
    }
    const int version = r.u8();
    if (version != 1)
        fail("HDF5 object header at " + hex(address) + ": unsupported version " + std::to_string(version));
    r.skip(1);
    const int count = r.u16();
    r.skip(4); // reference count
    const std::uint64_t size = r.u32();
    r.skip(4); // padding to 8 bytes
    v1Messages(r.pos, size, count, out, continuations);
    for (std::size_t k = 0; k < continuations.size(); ++k) {
        if (k >= kMaxContinuations)
            fail("HDF5 object header at " + hex(address) + " has too many continuation blocks");
        v1Messages(continuations[k].first, continuations[k].second, count, out, continuations);
    }
    return out;
}

Hdf5File::Type Hdf5File::parseType(std::uint64_t offset, std::uint64_t size, std::uint64_t* used) const
{
    Reader r(*this, offset, size, "an HDF5 datatype message");
    const std::uint8_t classVersion = r.u8();
    const int cls = classVersion & 0x0F;
    const std::uint32_t bits = r.u8() | (r.u8() << 8) | (r.u8() << 16);
    Type t;
    t.size = r.u32();
    switch (cls) {
    case 0: // fixed-point
        t.cls = Type::Integer;
        t.bigEndian = bits & 1;
        t.isSigned = bits & 8;
        r.skip(4);
        t.description = std::string(t.isSigned ? "int" : "uint") + std::to_string(t.size * 8);
        break;
    case 1: // floating point
        t.cls = Type::Float;
        t.bigEndian = bits & 1;
        if (bits & 0x40)
            fail("HDF5 datatype: VAX floating point is not supported");
        r.skip(12);
        t.description = "float" + std::to_string(t.size * 8);
        break;
    case 3:
        t.cls = Type::String;
        t.description = "string";
        break;
    case 8: { // enum (h5py's bool): read as its base integer type
        Type base = parseType(r.pos, r.end - r.pos);
        base.description = "enum of " + base.description;
        if (used)
            *used = r.end - offset;
        return base;
    }
    case 9: { // variable length
        if ((bits & 0x0F) != 1)
            fail("HDF5 datatype: variable-length sequences are not supported (only variable-length strings)");
        t.cls = Type::VarString;
        t.description = "variable-length string";
        std::uint64_t baseUsed = 0;
        (void)parseType(r.pos, r.end - r.pos, &baseUsed);
        r.skip(baseUsed);
        break;
    }
    default:
        t.cls = Type::Other;
        t.description = "HDF5 type class " + std::to_string(cls);
        r.pos = r.end;
        break;
    }
    if (used)
        *used = r.pos - offset;
    return t;
}

std::vector<std::uint64_t> Hdf5File::parseSpace(std::uint64_t offset, std::uint64_t size, bool* isNull) const
{
    Reader r(*this, offset, size, "an HDF5 dataspace message");
    const int version = r.u8();
    const std::uint64_t rank = r.u8();
    const std::uint8_t flags = r.u8();
    if (isNull)
        *isNull = false;
    if (version == 1) {
        r.skip(5);
    } else if (version == 2) {
        const int type = r.u8();
        if (type == 2 && isNull)
            *isNull = true;
    } else {
        fail("HDF5 dataspace: unsupported version " + std::to_string(version));
    }
    if (rank > kMaxRank)
        fail("HDF5 dataspace: rank " + std::to_string(rank) + " is absurd");
    std::vector<std::uint64_t> dims;
    for (std::uint64_t k = 0; k < rank; ++k)
        dims.push_back(r.length());
    (void)flags;
    return dims;
}

namespace {

// Element count, nullopt on overflow.
std::optional<std::uint64_t> elementCount(const std::vector<std::uint64_t>& dims)
{
    std::uint64_t n = 1;
    for (auto d : dims) {
        if (d != 0 && n > ~std::uint64_t(0) / d)
            return std::nullopt;
        n *= d;
    }
    return n;
}

} // namespace

std::string Hdf5File::globalHeapObject(std::uint64_t collection, std::uint32_t index, std::uint64_t length) const
{
    const std::uint64_t at = absolute(collection, "global heap collection");
    Reader h(*this, at, std::min<std::uint64_t>(bytes_.size() - at, 16), "an HDF5 global heap collection");
    if (!h.startsWith("GCOL"))
        fail("HDF5 global heap at " + hex(collection) + " has no GCOL signature");
    h.skip(4);
    const std::uint64_t size = h.length();
    Reader r(*this, at, size, "an HDF5 global heap collection");
    r.skip(8 + lengthSize_);
    while (r.end - r.pos >= 8 + static_cast<std::uint64_t>(lengthSize_)) {
        const std::uint16_t id = r.u16();
        r.skip(6);
        const std::uint64_t objectSize = r.length();
        if (id == 0)
            break;
        r.need(objectSize);
        if (id == index) {
            if (length > objectSize)
                fail("HDF5 global heap object " + std::to_string(index) + " holds " + std::to_string(objectSize)
                    + " bytes, fewer than the " + std::to_string(length) + " its reference needs");
            return r.text(length);
        }
        r.skip(objectSize);
        r.skip(std::min<std::uint64_t>((8 - objectSize % 8) % 8, r.end - r.pos));
    }
    fail("HDF5 global heap at " + hex(collection) + " has no object " + std::to_string(index));
}

Hdf5File::Attribute Hdf5File::parseAttribute(const Message& m) const
{
    Reader r(*this, m.offset, m.size, "an HDF5 attribute message");
    const int version = r.u8();
    const std::uint8_t flags = r.u8();
    const std::uint64_t nameSize = r.u16();
    const std::uint64_t typeSize = r.u16();
    const std::uint64_t spaceSize = r.u16();
    if (version < 1 || version > 3)
        fail("HDF5 attribute: unsupported version " + std::to_string(version));
    if (version >= 2 && (flags & 3))
        fail("HDF5 attribute: shared datatypes or dataspaces are not supported");
    if (version == 3)
        r.skip(1); // name character set
    auto padded = [&](std::uint64_t n) { return version == 1 ? (n + 7) / 8 * 8 : n; };
    Attribute a;
    a.name = r.text(nameSize);
    r.skip(padded(nameSize) - nameSize);
    if (const auto nul = a.name.find('\0'); nul != std::string::npos)
        a.name.resize(nul);
    const std::uint64_t typeAt = r.pos;
    r.skip(padded(typeSize));
    a.type = parseType(typeAt, typeSize);
    const std::uint64_t spaceAt = r.pos;
    r.skip(padded(spaceSize));
    bool isNull = false;
    a.dims = parseSpace(spaceAt, spaceSize, &isNull);
    if (isNull)
        return a;
    const auto count = elementCount(a.dims);
    if (!count || *count > kMaxAttributeElements || (a.type.size != 0 && *count > (r.end - r.pos) / a.type.size))
        fail("HDF5 attribute '" + a.name + "': its data does not fit in its message");
    const std::uint64_t n = *count;
    r.need(n * a.type.size);
    for (std::uint64_t k = 0; k < n; ++k) {
        const std::uint64_t at = r.pos + k * a.type.size;
        Reader e(*this, at, a.type.size, "an HDF5 attribute value");
        switch (a.type.cls) {
        case Type::String: {
            std::string s = e.text(a.type.size);
            if (const auto nul = s.find('\0'); nul != std::string::npos)
                s.resize(nul);
            while (!s.empty() && s.back() == ' ')
                s.pop_back();
            a.strings.push_back(std::move(s));
            break;
        }
        case Type::VarString: {
            const std::uint64_t length = e.u32();
            const std::uint64_t collection = e.offset();
            const std::uint32_t index = e.u32();
            a.strings.push_back(length == 0 ? std::string() : globalHeapObject(collection, index, length));
            break;
        }
        case Type::Integer: {
            if (a.type.size > 8 || a.type.size == 0)
                fail("HDF5 attribute '" + a.name + "': " + std::to_string(a.type.size) + "-byte integers");
            std::uint64_t v = 0;
            for (std::uint32_t b = 0; b < a.type.size; ++b) {
                const std::uint32_t i = a.type.bigEndian ? a.type.size - 1 - b : b;
                v |= static_cast<std::uint64_t>(std::to_integer<std::uint8_t>(bytes_[at + i])) << (8 * b);
            }
            if (a.type.isSigned && a.type.size < 8 && (v >> (8 * a.type.size - 1)) & 1)
                v |= ~std::uint64_t(0) << (8 * a.type.size);
            a.numbers.push_back(a.type.isSigned ? double(static_cast<std::int64_t>(v)) : double(v));
            break;
        }
        case Type::Float: {
            unsigned char raw[8] = {};
            if (a.type.size != 4 && a.type.size != 8)
                fail("HDF5 attribute '" + a.name + "': " + a.type.description + " attributes are not supported");
            for (std::uint32_t b = 0; b < a.type.size; ++b)
                raw[b] = std::to_integer<unsigned char>(bytes_[at + (a.type.bigEndian ? a.type.size - 1 - b : b)]);
            if (a.type.size == 4) {
                float f;
                std::memcpy(&f, raw, 4);
                a.numbers.push_back(f);
            } else {
                double d;
                std::memcpy(&d, raw, 8);
                a.numbers.push_back(d);
            }
            break;
        }
        case Type::Other:
            return a; // kept by name only: Keras never needs its value
        }
    }
    return a;
}

Hdf5File::Dataset Hdf5File::parseLayout(
    const Message& m, const Type& type, const std::vector<std::uint64_t>& dims) const
{
    Reader r(*this, m.offset, m.size, "an HDF5 data layout message");
    Dataset d;
    d.type = type;
    d.dims = dims;
    const auto count = elementCount(dims);
    if (!count || (type.size && *count > ~std::uint64_t(0) / type.size))
        fail("HDF5 dataset: shape overflows a 64-bit byte count");
    const std::uint64_t expected = *count * type.size;
    const int version = r.u8();
    int cls = -1;
    if (version == 1 || version == 2) {
        const std::uint64_t rank = r.u8();
        cls = r.u8();
        r.skip(5);
        if (cls == 1) {
            d.offset = r.offset();
        } else if (cls == 0) {
            r.skip(rank * 4);
            d.size = r.u32();
            d.offset = r.pos;
            r.need(d.size);
        }
        if (cls == 1)
            d.size = expected;
    } else if (version == 3 || version == 4) {
        cls = r.u8();
        if (cls == 0) {
            d.size = r.u16();
            d.offset = r.pos;
            r.need(d.size);
        } else if (cls == 1) {
            d.offset = r.offset();
            d.size = r.length();
        }
    } else {
        fail("HDF5 data layout: unsupported version " + std::to_string(version));
    }
    if (cls == 2) {
        d.unsupported = "chunked storage is not supported (save the file without chunking or compression)";
        return d;
    }
    if (cls != 0 && cls != 1) {
        d.unsupported = "HDF5 layout class " + std::to_string(cls) + " is not supported";
        return d;
    }
    if (cls == 1) {
        if (undefined(d.offset)) {
            d.allocated = false;
            d.offset = 0;
            d.size = 0;
        } else {
            d.offset = absolute(d.offset, "dataset data");
            if (d.size > bytes_.size() - d.offset)
                fail("HDF5 dataset data at " + hex(d.offset) + " (" + std::to_string(d.size)
                    + " bytes) runs past the end of the file (" + std::to_string(bytes_.size()) + " bytes)");
        }
    }
    if (d.allocated && d.size != expected)
        fail("HDF5 dataset holds " + std::to_string(d.size) + " bytes but its shape and " + type.description + " need "
            + std::to_string(expected));
    return d;
}

void Hdf5File::btreeNode(std::uint64_t address, std::uint64_t heapData, std::uint64_t heapSize, int depth, Object& out,
    std::set<std::uint64_t>& visited) const
{
    if (depth > kMaxDepth)
        fail("HDF5 group B-tree is nested too deeply");
    // A B-tree never shares nodes: a node seen twice is a cycle or a
    // corrupt file, and following it again could cost exponential time.
    if (!visited.insert(address).second)
        fail("HDF5 group B-tree node at " + hex(address) + " is reached twice");
    const std::uint64_t at = absolute(address, "B-tree node");
    Reader r(*this, at, bytes_.size() - at, "an HDF5 B-tree node");
    if (!r.startsWith("TREE"))
        fail("HDF5 B-tree node at " + hex(address) + " has no TREE signature");
    const int type = r.u8();
    const int level = r.u8();
    const std::uint64_t entries = r.u16();
    if (type != 0)
        fail("HDF5 B-tree node at " + hex(address) + " is not a group node");
    r.offset();
    r.offset();
    std::vector<std::uint64_t> children;
    r.length(); // key 0
    for (std::uint64_t k = 0; k < entries; ++k) {
        children.push_back(r.offset());
        r.length();
    }
    for (auto child : children) {
        if (level > 0) {
            btreeNode(child, heapData, heapSize, depth + 1, out, visited);
            continue;
        }
        if (!visited.insert(child).second)
            fail("HDF5 symbol table node at " + hex(child) + " is reached twice");
        const std::uint64_t snodAt = absolute(child, "symbol table node");
        Reader s(*this, snodAt, bytes_.size() - snodAt, "an HDF5 symbol table node");
        if (!s.startsWith("SNOD"))
            fail("HDF5 symbol table node at " + hex(child) + " has no SNOD signature");
        s.skip(2);
        const std::uint64_t symbols = s.u16();
        for (std::uint64_t k = 0; k < symbols; ++k) {
            const std::uint64_t nameOffset = s.offset();
            const std::uint64_t objectAddress = s.offset();
            s.skip(24);
            if (nameOffset >= heapSize)
                fail("HDF5 symbol table entry names heap offset " + std::to_string(nameOffset)
                    + " beyond the local heap (" + std::to_string(heapSize) + " bytes)");
            const char* name = reinterpret_cast<const char*>(bytes_.data() + heapData + nameOffset);
            const std::size_t len = strnlen(name, heapSize - nameOffset);
            if (len == heapSize - nameOffset)
                fail("HDF5 local heap name at offset " + std::to_string(nameOffset) + " is not terminated");
            out.links.emplace_back(std::string(name, len), objectAddress);
            if (out.links.size() > kMaxLinks)
                fail("HDF5 group has too many members");
        }
    }
}

void Hdf5File::symbolTableLinks(std::uint64_t btree, std::uint64_t heap, Object& out) const
{
    const std::uint64_t heapAt = absolute(heap, "local heap");
    Reader h(*this, heapAt, bytes_.size() - heapAt, "an HDF5 local heap");
    if (!h.startsWith("HEAP"))
        fail("HDF5 local heap at " + hex(heap) + " has no HEAP signature");
    h.skip(4);
    const std::uint64_t size = h.length();
    h.length(); // free list
    const std::uint64_t data = absolute(h.offset(), "local heap data");
    if (size > bytes_.size() - data)
        fail("HDF5 local heap data at " + hex(data) + " runs past the end of the file");
    std::set<std::uint64_t> visited;
    btreeNode(btree, data, size, 0, out, visited);
}

void Hdf5File::linkMessage(const Message& m, Object& out) const
{
    Reader r(*this, m.offset, m.size, "an HDF5 link message");
    if (r.u8() != 1)
        fail("HDF5 link message: unsupported version");
    const std::uint8_t flags = r.u8();
    int linkType = 0;
    if (flags & 0x08)
        linkType = r.u8();
    if (flags & 0x04)
        r.skip(8);
    if (flags & 0x10)
        r.skip(1);
    const std::uint64_t nameLength = r.uint(1 << (flags & 3));
    std::string name = r.text(nameLength);
    if (linkType != 0)
        return; // soft and external links point at no object of this file
    out.links.emplace_back(std::move(name), r.offset());
    if (out.links.size() > kMaxLinks)
        fail("HDF5 group has too many members");
}

Hdf5File::Object Hdf5File::object(std::uint64_t address, int depth) const
{
    if (depth > kMaxDepth)
        fail("HDF5 groups are nested too deeply");
    Object o;
    o.address = address;
    const auto messages = headerMessages(address);
    std::optional<Type> type;
    std::vector<std::uint64_t> dims;
    const Message* layout = nullptr;
    bool filtered = false;
    for (const auto& m : messages) {
        const bool shared = m.flags & 0x02;
        switch (m.type) {
        case kSymbolTable: {
            Reader r(*this, m.offset, m.size, "an HDF5 symbol table message");
            const std::uint64_t btree = r.offset();
            const std::uint64_t heap = r.offset();
            o.isGroup = true;
            symbolTableLinks(btree, heap, o);
            break;
        }
        case kLinkInfo: {
            Reader r(*this, m.offset, m.size, "an HDF5 link info message");
            r.u8();
            const std::uint8_t flags = r.u8();
            if (flags & 1)
                r.skip(8);
            const std::uint64_t heap = r.offset();
            o.isGroup = true;
            if (!undefined(heap))
                fail("HDF5 group at " + hex(address)
                    + " keeps its links in dense storage (a fractal heap), which is not supported");
            break;
        }
        case kLink:
            o.isGroup = true;
            linkMessage(m, o);
            break;
        case kAttributeInfo: {
            Reader r(*this, m.offset, m.size, "an HDF5 attribute info message");
            r.u8();
            const std::uint8_t flags = r.u8();
            if (flags & 1)
                r.skip(2);
            if (!undefined(r.offset()))
                fail("HDF5 object at " + hex(address)
                    + " keeps its attributes in dense storage (a fractal heap), which is not supported");
            break;
        }
        case kAttribute:
            if (shared)
                fail("HDF5 object at " + hex(address) + ": shared attribute messages are not supported");
            o.attributes.push_back(parseAttribute(m));
            break;
        case kDatatype:
            if (shared)
                fail("HDF5 dataset at " + hex(address) + ": committed (shared) datatypes are not supported");
            type = parseType(m.offset, m.size);
            break;
        case kDataspace:
            dims = parseSpace(m.offset, m.size);
            break;
        case kLayout:
            layout = &m;
            break;
        case kFilters:
            filtered = true;
            break;
        default:
            break;
        }
    }
    if (layout) {
        if (!type)
            fail("HDF5 dataset at " + hex(address) + " has no datatype");
        o.dataset = parseLayout(*layout, *type, dims);
        if (filtered && o.dataset->unsupported.empty())
            o.dataset->unsupported = "filtered (compressed) data is not supported";
    }
    return o;
}

std::optional<Hdf5File::Object> Hdf5File::find(const Object& parent, std::string_view path) const
{
    std::optional<Object> current;
    const Object* at = &parent;
    int depth = 0;
    while (!path.empty()) {
        const auto slash = path.find('/');
        const std::string_view part = path.substr(0, slash);
        path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
        if (part.empty())
            continue;
        const auto it
            = std::find_if(at->links.begin(), at->links.end(), [&](const auto& l) { return l.first == part; });
        if (it == at->links.end())
            return std::nullopt;
        current = object(it->second, ++depth);
        at = &*current;
    }
    if (!current)
        return parent;
    return current;
}

} // namespace nodus
