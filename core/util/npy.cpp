#include "npy.h"

#include "atomicfile.h"
#include "error.h"
#include "mappedfile.h"
#include "outputsink.h"
#include "zipreader.h"
#include "zipwriter.h"

#include "ir/ownedtensordata.h"
#include "ir/shape.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstring>
#include <limits>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>

namespace nodus {

namespace {

// ---------------------------------------------------------------------------
// The .npy header: a Python dict literal such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// ---------------------------------------------------------------------------

constexpr std::string_view kMagic = "\x93NUMPY";
constexpr int kMaxLiteralDepth = 16;
// numpy.lib.format: ARRAY_ALIGN and GROWTH_AXIS_MAX_DIGITS.
constexpr std::size_t kArrayAlign = 64;
constexpr std::size_t kGrowthAxisMaxDigits = 21;

[[noreturn]] void fail(const std::string& name, const std::string& what)
{
    throw Error(name + ": " + what);
}

struct Literal {
    enum class Kind { String, Int, Bool, None, Tuple, List, Dict };
    Kind kind = Kind::None;
    std::string text;
    std::int64_t integer = 0;
    bool boolean = false;
    std::vector<Literal> items; // Tuple, List
    // Dict: keys[k] maps to values[k] (a vector of pairs of an incomplete
    // type is not portable).
    std::vector<Literal> keys, values;
};

class LiteralParser {
public:
    LiteralParser(std::string_view text, const std::string& name)
        : text_(text)
        , name_(name)
    {
    }

    Literal parseDocument()
    {
        Literal value = parseValue(0);
        skipSpace();
        if (pos_ != text_.size())
            error("unexpected text after the header dictionary");
        return value;
    }

private:
    [[noreturn]] void error(const std::string& what) const
    {
        fail(name_, "malformed .npy header: " + what + " at offset " + std::to_string(pos_) + " of the header");
    }

    void skipSpace()
    {
        while (pos_ < text_.size()
            && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
            ++pos_;
    }

    bool consume(char c)
    {
        skipSpace();
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }

    void expect(char c)
    {
        if (!consume(c))
            error(std::string("expected '") + c + "'");
    }

    bool peek(char c)
    {
        skipSpace();
        return pos_ < text_.size() && text_[pos_] == c;
    }

    Literal parseValue(int depth)
    {
        if (depth > kMaxLiteralDepth)
            error("nested too deeply");
        skipSpace();
        if (pos_ >= text_.size())
            error("the header ends early");
        const char c = text_[pos_];
        if (c == '\'' || c == '"')
            return parseString();
        if (c == '-' || (c >= '0' && c <= '9'))
            return parseInt();
        if (c == '(')
            return parseSequence(depth, '(', ')', Literal::Kind::Tuple);
        if (c == '[')
            return parseSequence(depth, '[', ']', Literal::Kind::List);
        if (c == '{')
            return parseDict(depth);
        for (auto [word, kind, value] : { std::tuple { std::string_view("True"), Literal::Kind::Bool, true },
                 std::tuple { std::string_view("False"), Literal::Kind::Bool, false },
                 std::tuple { std::string_view("None"), Literal::Kind::None, false } }) {
            if (text_.substr(pos_, word.size()) == word) {
                const std::size_t end = pos_ + word.size();
                if (end < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[end])) || text_[end] == '_'))
                    break;
                pos_ = end;
                Literal l;
                l.kind = kind;
                l.boolean = value;
                return l;
            }
        }
        error("unexpected character '" + printable(c) + "'");
    }

    static std::string printable(char c)
    {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7f)
            return std::string(1, c);
        static const char* hex = "0123456789abcdef";
        return std::string("\\x") + hex[u >> 4] + hex[u & 15];
    }

    Literal parseString()
    {
        const char quote = text_[pos_++];
        Literal l;
        l.kind = Literal::Kind::String;
        for (;;) {
            if (pos_ >= text_.size())
                error("a string is not closed");
            const char c = text_[pos_++];
            if (c == quote)
                return l;
            if (c == '\n')
                error("a string runs past the end of the line");
            if (c == '\\') {
                if (pos_ >= text_.size())
                    error("a string is not closed");
                const char e = text_[pos_++];
                if (e != '\\' && e != '\'' && e != '"')
                    error(std::string("unsupported escape sequence '\\") + printable(e) + "' in a string");
                l.text += e;
                continue;
            }
            l.text += c;
        }
    }

    Literal parseInt()
    {
        bool negative = false;
        if (text_[pos_] == '-') {
            negative = true;
            ++pos_;
        }
        if (pos_ >= text_.size() || text_[pos_] < '0' || text_[pos_] > '9')
            error("expected a digit");
        std::uint64_t value = 0;
        const std::uint64_t limit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
        while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
            const unsigned digit = static_cast<unsigned>(text_[pos_] - '0');
            if (value > (limit - digit) / 10)
                error("an integer does not fit in 64 bits");
            value = value * 10 + digit;
            ++pos_;
        }
        // Python 2 wrote long integers with an L suffix: (3L, 4L).
        if (pos_ < text_.size() && (text_[pos_] == 'L' || text_[pos_] == 'l'))
            ++pos_;
        Literal l;
        l.kind = Literal::Kind::Int;
        l.integer = negative ? -static_cast<std::int64_t>(value) : static_cast<std::int64_t>(value);
        return l;
    }

    Literal parseSequence(int depth, char open, char close, Literal::Kind kind)
    {
        expect(open);
        Literal l;
        l.kind = kind;
        bool sawComma = false;
        while (!consume(close)) {
            l.items.push_back(parseValue(depth + 1));
            if (consume(',')) {
                sawComma = true;
                continue;
            }
            expect(close);
            break;
        }
        // "(3)" is the integer 3 in Python, not a tuple.
        if (kind == Literal::Kind::Tuple && l.items.size() == 1 && !sawComma) {
            Literal inner = std::move(l.items.front());
            return inner;
        }
        return l;
    }

    Literal parseDict(int depth)
    {
        expect('{');
        Literal l;
        l.kind = Literal::Kind::Dict;
        while (!consume('}')) {
            Literal key = parseValue(depth + 1);
            expect(':');
            Literal value = parseValue(depth + 1);
            l.keys.push_back(std::move(key));
            l.values.push_back(std::move(value));
            if (consume(','))
                continue;
            expect('}');
            break;
        }
        return l;
    }

    std::string_view text_;
    const std::string& name_;
    std::size_t pos_ = 0;
};

// ---------------------------------------------------------------------------
// dtypes
// ---------------------------------------------------------------------------

struct NpyType {
    enum class Kind { Number, Bytes, Unicode };
    Kind kind = Kind::Number;
    DataType dataType = DataType::Undefined;
    std::uint64_t itemSize = 0; // bytes one element takes in the file
    bool bigEndian = false;
    std::uint64_t swapUnit = 1; // bytes swapped as one word (complex: half the item)
};

NpyType parseDescr(const std::string& descr, const std::string& name)
{
    const std::string quoted = "'" + descr + "'";
    std::string_view s = descr;
    char order = '=';
    if (!s.empty() && (s[0] == '<' || s[0] == '>' || s[0] == '|' || s[0] == '=')) {
        order = s[0];
        s.remove_prefix(1);
    }
    if (s.empty())
        fail(name, "dtype " + quoted + " names no type");
    const char kind = s[0];
    s.remove_prefix(1);

    switch (kind) {
    case 'O':
        fail(name, "dtype " + quoted + " holds Python objects (a pickle), which cannot be read as a tensor");
    case 'V':
        fail(name,
            "dtype " + quoted
                + " is raw void bytes, which has no tensor type (ml_dtypes' bfloat16 and float8 arrays are "
                  "saved this way; convert them to float32 first)");
    case 'M':
    case 'm':
        fail(name, "dtype " + quoted + " (" + (kind == 'M' ? "datetime64" : "timedelta64") + ") has no tensor type");
    default:
        break;
    }

    std::uint64_t count = 0;
    if (s.empty())
        fail(name, "dtype " + quoted + " has no size");
    for (char c : s) {
        if (c < '0' || c > '9')
            fail(name, "dtype " + quoted + " is not a NumPy type string");
        if (count > 1'000'000'000)
            fail(name, "dtype " + quoted + " is too wide");
        count = count * 10 + static_cast<std::uint64_t>(c - '0');
    }

    NpyType t;
    t.bigEndian = order == '>';
    if (kind == 'S' || kind == 'a' || kind == 'U') {
        if (count == 0)
            fail(name, "dtype " + quoted + " is a zero-width string type");
        t.kind = kind == 'U' ? NpyType::Kind::Unicode : NpyType::Kind::Bytes;
        t.dataType = DataType::String;
        t.itemSize = kind == 'U' ? count * 4 : count;
        t.swapUnit = kind == 'U' ? 4 : 1;
        return t;
    }

    struct Entry {
        char kind;
        std::uint64_t size;
        DataType type;
    };
    static constexpr Entry kTypes[] = {
        { 'b', 1, DataType::Bool },
        { 'i', 1, DataType::Int8 },
        { 'i', 2, DataType::Int16 },
        { 'i', 4, DataType::Int32 },
        { 'i', 8, DataType::Int64 },
        { 'u', 1, DataType::UInt8 },
        { 'u', 2, DataType::UInt16 },
        { 'u', 4, DataType::UInt32 },
        { 'u', 8, DataType::UInt64 },
        { 'f', 2, DataType::Float16 },
        { 'f', 4, DataType::Float },
        { 'f', 8, DataType::Double },
        { 'c', 8, DataType::Complex64 },
        { 'c', 16, DataType::Complex128 },
    };
    for (const auto& e : kTypes) {
        if (e.kind == kind && e.size == count) {
            t.dataType = e.type;
            t.itemSize = count;
            t.swapUnit = kind == 'c' ? count / 2 : count;
            return t;
        }
    }
    if (kind == 'f' && (count == 12 || count == 16))
        fail(name, "dtype " + quoted + " is long double, which has no tensor type");
    if (kind == 'c' && (count == 24 || count == 32))
        fail(name, "dtype " + quoted + " is complex long double, which has no tensor type");
    if (std::string_view("biufc").find(kind) != std::string_view::npos)
        fail(name, "dtype " + quoted + " has a size NumPy does not use for this kind");
    fail(name, "dtype " + quoted + " is not supported");
}

// The descr numpy writes for a tensor type, or nullopt for types NumPy has no dtype for.
std::optional<std::string> descrOf(DataType type)
{
    switch (type) {
    case DataType::Bool:
        return "|b1";
    case DataType::Int8:
        return "|i1";
    case DataType::Int16:
        return "<i2";
    case DataType::Int32:
        return "<i4";
    case DataType::Int64:
        return "<i8";
    case DataType::UInt8:
        return "|u1";
    case DataType::UInt16:
        return "<u2";
    case DataType::UInt32:
        return "<u4";
    case DataType::UInt64:
        return "<u8";
    case DataType::Float16:
        return "<f2";
    case DataType::Float:
        return "<f4";
    case DataType::Double:
        return "<f8";
    case DataType::Complex64:
        return "<c8";
    case DataType::Complex128:
        return "<c16";
    default:
        return std::nullopt;
    }
}

std::string shapeText(const std::vector<std::int64_t>& dims)
{
    std::string out = "(";
    for (std::size_t i = 0; i < dims.size(); ++i) {
        if (i)
            out += ", ";
        out += std::to_string(dims[i]);
    }
    if (dims.size() == 1)
        out += ',';
    return out + ")";
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

std::uint16_t le16(const std::byte* p)
{
    return static_cast<std::uint16_t>(std::to_integer<unsigned>(p[0]) | (std::to_integer<unsigned>(p[1]) << 8));
}

std::uint32_t le32(const std::byte* p)
{
    return static_cast<std::uint32_t>(le16(p)) | (static_cast<std::uint32_t>(le16(p + 2)) << 16);
}

// Fortran order (first index fastest) to C order (last index fastest).
std::vector<std::byte> fortranToC(
    std::span<const std::byte> src, const std::vector<std::int64_t>& dims, std::uint64_t count, std::size_t itemSize)
{
    std::vector<std::byte> out(src.size());
    const std::size_t rank = dims.size();
    std::vector<std::uint64_t> stride(rank); // byte stride of each index in the source
    std::uint64_t s = itemSize;
    for (std::size_t k = 0; k < rank; ++k) {
        stride[k] = s;
        s *= static_cast<std::uint64_t>(dims[k]);
    }
    std::vector<std::int64_t> index(rank, 0);
    std::uint64_t offset = 0;
    std::byte* dst = out.data();
    for (std::uint64_t n = 0; n < count; ++n) {
        std::memcpy(dst, src.data() + offset, itemSize);
        dst += itemSize;
        std::size_t k = rank - 1;
        ++index[k];
        offset += stride[k];
        while (index[k] == dims[k] && k > 0) {
            offset -= static_cast<std::uint64_t>(dims[k]) * stride[k];
            index[k] = 0;
            --k;
            ++index[k];
            offset += stride[k];
        }
    }
    return out;
}

void appendUtf8(std::string& out, std::uint32_t cp)
{
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

std::vector<std::string> decodeStrings(
    std::span<const std::byte> data, const NpyType& type, std::uint64_t count, const std::string& name)
{
    std::vector<std::string> out;
    out.reserve(count);
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    for (std::uint64_t i = 0; i < count; ++i, p += type.itemSize) {
        if (type.kind == NpyType::Kind::Bytes) {
            std::size_t len = type.itemSize;
            while (len > 0 && p[len - 1] == 0)
                --len;
            out.emplace_back(reinterpret_cast<const char*>(p), len);
            continue;
        }
        const std::size_t units = type.itemSize / 4;
        std::size_t len = units;
        auto unit = [&](std::size_t k) {
            const unsigned char* q = p + 4 * k;
            return type.bigEndian
                ? (std::uint32_t(q[0]) << 24 | std::uint32_t(q[1]) << 16 | std::uint32_t(q[2]) << 8 | q[3])
                : (std::uint32_t(q[3]) << 24 | std::uint32_t(q[2]) << 16 | std::uint32_t(q[1]) << 8 | q[0]);
        };
        while (len > 0 && unit(len - 1) == 0)
            --len;
        std::string s;
        for (std::size_t k = 0; k < len; ++k) {
            const std::uint32_t cp = unit(k);
            if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                fail(name,
                    "element " + std::to_string(i) + " of the unicode array holds an invalid code point "
                        + std::to_string(cp));
            appendUtf8(s, cp);
        }
        out.push_back(std::move(s));
    }
    return out;
}

struct Header {
    NpyType type;
    std::string descr;
    bool fortranOrder = false;
    std::vector<std::int64_t> dims;
    std::uint64_t count = 0;
    std::uint64_t dataOffset = 0; // where the array data starts
    std::uint64_t dataBytes = 0; // what the header says the data takes
};

Header parseHeader(std::span<const std::byte> bytes, const std::string& name)
{
    const std::uint64_t size = bytes.size();
    if (size < kMagic.size() || std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) != 0)
        fail(name, "not a NumPy .npy file (it does not start with \\x93NUMPY)");
    if (size < 8)
        fail(name, "the .npy file ends inside its version number");
    const unsigned major = std::to_integer<unsigned>(bytes[6]);
    const unsigned minor = std::to_integer<unsigned>(bytes[7]);
    if ((major != 1 && major != 2 && major != 3) || minor != 0)
        fail(name,
            "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor)
                + " (1.0, 2.0 and 3.0 are known)");
    const std::uint64_t lengthBytes = major == 1 ? 2 : 4;
    if (size < 8 + lengthBytes)
        fail(name, "the .npy file ends inside its header length");
    const std::uint64_t headerLength = major == 1 ? le16(bytes.data() + 8) : le32(bytes.data() + 8);
    const std::uint64_t headerStart = 8 + lengthBytes;
    if (headerLength > size - headerStart)
        fail(name,
            "the .npy header is " + std::to_string(headerLength) + " bytes long but the file has only "
                + std::to_string(size - headerStart) + " bytes after the header length");

    const std::string_view text(reinterpret_cast<const char*>(bytes.data() + headerStart), headerLength);
    const Literal dict = LiteralParser(text, name).parseDocument();
    if (dict.kind != Literal::Kind::Dict)
        fail(name, "malformed .npy header: it is not a dictionary");

    Header h;
    h.dataOffset = headerStart + headerLength;
    const Literal* descr = nullptr;
    const Literal* fortran = nullptr;
    const Literal* shape = nullptr;
    for (std::size_t entry = 0; entry < dict.keys.size(); ++entry) {
        const Literal& key = dict.keys[entry];
        const Literal& value = dict.values[entry];
        if (key.kind != Literal::Kind::String)
            fail(name, "malformed .npy header: a key is not a string");
        const Literal** slot = key.text == "descr" ? &descr
            : key.text == "fortran_order"          ? &fortran
            : key.text == "shape"                  ? &shape
                                                   : nullptr;
        if (!slot)
            fail(name, "malformed .npy header: unexpected key '" + key.text + "'");
        if (*slot)
            fail(name, "malformed .npy header: key '" + key.text + "' appears twice");
        *slot = &value;
    }
    for (const auto& [key, slot] : { std::pair { "descr", descr }, { "fortran_order", fortran }, { "shape", shape } })
        if (!slot)
            fail(name, std::string("malformed .npy header: the key '") + key + "' is missing");

    if (descr->kind == Literal::Kind::List)
        fail(name, "the array has a structured dtype (named fields), which has no tensor type");
    if (descr->kind != Literal::Kind::String)
        fail(name, "malformed .npy header: 'descr' is not a string");
    h.descr = descr->text;
    h.type = parseDescr(descr->text, name);

    if (fortran->kind != Literal::Kind::Bool)
        fail(name, "malformed .npy header: 'fortran_order' is not True or False");
    h.fortranOrder = fortran->boolean;

    if (shape->kind != Literal::Kind::Tuple)
        fail(name, "malformed .npy header: 'shape' is not a tuple");
    for (const auto& d : shape->items) {
        if (d.kind != Literal::Kind::Int)
            fail(name, "malformed .npy header: 'shape' holds something other than integers");
        if (d.integer < 0)
            fail(name, "malformed .npy header: 'shape' has the negative dimension " + std::to_string(d.integer));
        h.dims.push_back(d.integer);
    }
    const auto count = elementCount(h.dims);
    if (!count)
        fail(name, "the shape " + shapeText(h.dims) + " has more elements than fit in 64 bits");
    h.count = *count;
    if (h.count > std::numeric_limits<std::uint64_t>::max() / h.type.itemSize)
        fail(name, "the shape " + shapeText(h.dims) + " of '" + h.descr + "' needs more bytes than fit in 64 bits");
    h.dataBytes = h.count * h.type.itemSize;
    return h;
}

std::shared_ptr<Tensor> parseNpy(std::span<const std::byte> bytes, const std::string& name)
{
    const Header h = parseHeader(bytes, name);
    const std::uint64_t present = bytes.size() - h.dataOffset;
    if (present != h.dataBytes)
        fail(name,
            "the shape " + shapeText(h.dims) + " of '" + h.descr + "' needs " + std::to_string(h.dataBytes)
                + " bytes of data but the file holds " + std::to_string(present)
                + (present < h.dataBytes ? " (the file is truncated)" : ""));

    std::span<const std::byte> data = bytes.subspan(h.dataOffset);
    std::vector<std::byte> cOrder;
    if (h.fortranOrder && h.dims.size() > 1 && h.count > 1) {
        cOrder = fortranToC(data, h.dims, h.count, h.type.itemSize);
        data = cOrder;
    }

    auto tensor = std::make_shared<Tensor>();
    tensor->dataType = h.type.dataType;
    tensor->dims = h.dims;
    if (h.type.kind != NpyType::Kind::Number) {
        tensor->strings = decodeStrings(data, h.type, h.count, name);
        return tensor;
    }

    std::vector<std::byte> out;
    if (!cOrder.empty())
        out = std::move(cOrder);
    else
        out.assign(data.begin(), data.end());
    if (h.type.bigEndian && h.type.swapUnit > 1) {
        const std::size_t unit = h.type.swapUnit;
        for (std::size_t i = 0; i + unit <= out.size(); i += unit)
            std::reverse(
                out.begin() + static_cast<std::ptrdiff_t>(i), out.begin() + static_cast<std::ptrdiff_t>(i + unit));
    }
    if (h.type.dataType == DataType::Bool)
        for (auto& b : out)
            b = b != std::byte { 0 } ? std::byte { 1 } : std::byte { 0 };
    tensor->data = std::make_shared<OwnedTensorData>(std::move(out));
    return tensor;
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

// The header and the element bytes of a tensor. `payload` points into the
// tensor's own bytes where no conversion is needed, else into `converted`.
struct Encoded {
    std::string header;
    std::vector<std::byte> converted;
    std::span<const std::byte> payload;
};

Encoded encode(const Tensor& tensor)
{
    const std::string name = tensor.name.empty() ? std::string("the tensor") : "tensor '" + tensor.name + "'";
    if (tensor.isSparse())
        throw Error(name + " is sparse; .npy holds dense arrays only");
    const auto descrFor = descrOf(tensor.dataType);
    if (!descrFor && tensor.dataType != DataType::String)
        throw Error(name + " has the type " + std::string(dataTypeName(tensor.dataType))
            + ", which NumPy has no dtype for; .npy cannot hold it");
    for (auto d : tensor.dims)
        if (d < 0)
            throw Error(name + " has the negative or unknown dimension " + std::to_string(d));
    const auto count = tensor.elementCount();
    if (!count)
        throw Error(name + " has more elements than fit in 64 bits");

    Encoded e;
    std::string descr;
    if (tensor.dataType == DataType::String) {
        if (tensor.strings.size() != *count)
            throw Error(name + " has " + std::to_string(tensor.strings.size()) + " strings but its shape needs "
                + std::to_string(*count));
        std::uint64_t width = 1;
        for (const auto& s : tensor.strings)
            width = std::max<std::uint64_t>(width, s.size());
        if (*count > std::numeric_limits<std::uint64_t>::max() / width)
            throw Error(name + " is too large to write");
        descr = "|S" + std::to_string(width);
        e.converted.assign(*count * width, std::byte { 0 });
        for (std::size_t i = 0; i < tensor.strings.size(); ++i)
            std::memcpy(e.converted.data() + i * width, tensor.strings[i].data(), tensor.strings[i].size());
        e.payload = e.converted;
    } else {
        descr = *descrFor;
        const auto expected = tensor.expectedBytes();
        if (!tensor.data && expected && *expected > 0)
            throw Error(name + " has no element data");
        std::span<const std::byte> bytes;
        if (tensor.data)
            bytes = tensor.data->bytes();
        if (!expected || bytes.size() != *expected)
            throw Error(name + " holds " + std::to_string(bytes.size()) + " bytes but its type and shape need "
                + (expected ? std::to_string(*expected) : std::string("more than fit in 64 bits")));
        if (tensor.dataType == DataType::Bool) {
            e.converted.resize(bytes.size());
            for (std::size_t i = 0; i < bytes.size(); ++i)
                e.converted[i] = bytes[i] != std::byte { 0 } ? std::byte { 1 } : std::byte { 0 };
            e.payload = e.converted;
        } else {
            e.payload = bytes;
        }
    }

    // The dictionary exactly as numpy.lib.format writes it, with its spare
    // room for growing the first axis and padding to a 64-byte boundary.
    std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shapeText(tensor.dims) + ", }";
    if (!tensor.dims.empty()) {
        const std::size_t digits = std::to_string(tensor.dims.front()).size();
        if (digits < kGrowthAxisMaxDigits)
            dict.append(kGrowthAxisMaxDigits - digits, ' ');
    }
    for (int version : { 1, 2 }) {
        const std::size_t prefix = kMagic.size() + 2 + (version == 1 ? 2 : 4);
        const std::size_t withNewline = dict.size() + 1;
        const std::size_t pad = kArrayAlign - (prefix + withNewline) % kArrayAlign;
        const std::uint64_t headerLength = withNewline + pad;
        if (version == 1 && headerLength > 0xffff)
            continue;
        if (headerLength > 0xffffffffu)
            throw Error(name + " has a shape too long for a .npy header");
        e.header.assign(kMagic);
        e.header += static_cast<char>(version);
        e.header += '\0';
        for (std::size_t k = 0; k < (version == 1 ? 2u : 4u); ++k)
            e.header += static_cast<char>((headerLength >> (8 * k)) & 0xff);
        e.header += dict;
        e.header.append(pad, ' ');
        e.header += '\n';
        break;
    }
    return e;
}

// ---------------------------------------------------------------------------
// .npz
// ---------------------------------------------------------------------------

std::vector<std::pair<std::string, std::shared_ptr<Tensor>>> parseNpz(
    std::span<const std::byte> bytes, const std::string& name)
{
    const ZipReader zip(bytes, name, { .allowZip64 = false, .kind = ".npz file" });
    std::vector<std::pair<std::string, std::shared_ptr<Tensor>>> out;
    std::set<std::string> seen;
    for (const auto& entry : zip.entries()) {
        if (entry.isFolder())
            continue;
        const std::string memberName = zip.memberName(entry);
        const std::string& member = entry.name;
        if (member.size() < 4 || member.compare(member.size() - 4, 4, ".npy") != 0)
            throw Error(memberName + " is not a .npy array");
        std::string arrayName = member.substr(0, member.size() - 4);
        if (!seen.insert(arrayName).second)
            throw Error(memberName + " appears twice in the archive");
        std::vector<std::byte> inflated;
        std::span<const std::byte> npy;
        if (entry.method == 0) {
            npy = zip.storedBytes(entry);
            zip.verifyCrc(entry, npy);
        } else {
            inflated = zip.extract(entry);
            npy = inflated;
        }
        auto tensor = parseNpy(npy, memberName);
        tensor->name = arrayName;
        out.emplace_back(std::move(arrayName), std::move(tensor));
    }
    return out;
}

} // namespace

std::shared_ptr<Tensor> readNpyBytes(std::span<const std::byte> bytes, const std::string& nameForErrors)
{
    return parseNpy(bytes, nameForErrors);
}

std::shared_ptr<Tensor> readNpy(const std::filesystem::path& path)
{
    const auto file = MappedFile::open(path);
    auto tensor = parseNpy(file->bytes(), path.string());
    tensor->name = path.stem().string();
    return tensor;
}

std::vector<std::byte> npyBytes(const Tensor& tensor)
{
    const Encoded e = encode(tensor);
    std::vector<std::byte> out(e.header.size() + e.payload.size());
    std::memcpy(out.data(), e.header.data(), e.header.size());
    if (!e.payload.empty())
        std::memcpy(out.data() + e.header.size(), e.payload.data(), e.payload.size());
    return out;
}

bool npyCanHold(DataType type)
{
    return type == DataType::String || descrOf(type).has_value();
}

void writeNpy(const Tensor& tensor, const std::filesystem::path& path)
{
    try {
        const Encoded e = encode(tensor);
        AtomicFile file(path);
        OutputSink sink(file.fd(), path.string());
        sink.write(std::as_bytes(std::span(e.header)));
        sink.write(e.payload);
        sink.flush();
        file.commit();
    } catch (const std::exception& e) {
        rethrowSaveError(path, e);
    }
}

// readNpz refuses Zip64, so the writer stays within what it reads.
constexpr std::uint64_t kNpzLimit = 0xffffffffu;

void writeNpz(const std::vector<std::pair<std::string, const Tensor*>>& arrays, const std::filesystem::path& path)
{
    try {
        std::set<std::string> names;
        for (const auto& [name, tensor] : arrays) {
            if (name.empty())
                throw Error("an array has no name");
            if (!names.insert(name).second)
                throw Error("two arrays are named '" + name + "'");
        }
        AtomicFile file(path);
        OutputSink sink(file.fd(), path.string());
        ZipWriter zip(sink);
        for (const auto& [name, tensor] : arrays) {
            const Encoded e = encode(*tensor);
            if (sink.position() + e.header.size() + e.payload.size() >= kNpzLimit)
                throw Error("the arrays need more than the 4 GiB a .npz without Zip64 can hold");
            ZipWriter::Member m;
            m.name = name + ".npy";
            m.compressedSize = m.uncompressedSize = e.header.size() + e.payload.size();
            m.crc = static_cast<std::uint32_t>(crc32_combine(zipCrc32(std::as_bytes(std::span(e.header))),
                zipCrc32(e.payload), static_cast<z_off_t>(e.payload.size())));
            zip.beginMember(m);
            sink.write(std::as_bytes(std::span(e.header)));
            sink.write(e.payload);
        }
        zip.finish();
        sink.flush();
        file.commit();
    } catch (const std::exception& e) {
        rethrowSaveError(path, e);
    }
}

std::vector<std::pair<std::string, std::shared_ptr<Tensor>>> readNpz(const std::filesystem::path& path)
{
    const auto file = MappedFile::open(path);
    return parseNpz(file->bytes(), path.string());
}

std::vector<std::pair<std::string, std::shared_ptr<Tensor>>> readNpzBytes(
    std::span<const std::byte> bytes, const std::string& nameForErrors)
{
    return parseNpz(bytes, nameForErrors);
}

} // namespace nodus
