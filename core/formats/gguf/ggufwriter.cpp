#include "ggufwriter.h"

#include "ggufcursor.h"

#include "ir/model.h"
#include "util/atomicfile.h"
#include "util/error.h"
#include "util/outputsink.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstring>
#include <map>

namespace nodus {

namespace {

class Encoder {
public:
    template <typename T> void scalar(T v)
    {
        char b[sizeof(T)];
        std::memcpy(b, &v, sizeof(T));
        out.append(b, sizeof(T));
    }
    void string(const std::string& s)
    {
        scalar<std::uint64_t>(s.size());
        out += s;
    }
    void value(const GgufValue& v)
    {
        switch (v.type) {
        case GgufType::UInt8:
            scalar<std::uint8_t>(std::uint8_t(v.u));
            break;
        case GgufType::Int8:
            scalar<std::int8_t>(std::int8_t(v.i));
            break;
        case GgufType::UInt16:
            scalar<std::uint16_t>(std::uint16_t(v.u));
            break;
        case GgufType::Int16:
            scalar<std::int16_t>(std::int16_t(v.i));
            break;
        case GgufType::UInt32:
            scalar<std::uint32_t>(std::uint32_t(v.u));
            break;
        case GgufType::Int32:
            scalar<std::int32_t>(std::int32_t(v.i));
            break;
        case GgufType::UInt64:
            scalar<std::uint64_t>(v.u);
            break;
        case GgufType::Int64:
            scalar<std::int64_t>(v.i);
            break;
        case GgufType::Float32:
            scalar<float>(float(v.f));
            break;
        case GgufType::Float64:
            scalar<double>(v.f);
            break;
        case GgufType::Bool:
            scalar<std::uint8_t>(v.u ? 1 : 0);
            break;
        case GgufType::String:
            string(v.s);
            break;
        case GgufType::Array:
            scalar<std::uint32_t>(static_cast<std::uint32_t>(v.elementType));
            scalar<std::uint64_t>(v.count);
            out += v.payload;
            break;
        }
    }
    std::string out;
};

bool isInteger(GgufType t)
{
    return t == GgufType::UInt8 || t == GgufType::Int8 || t == GgufType::UInt16 || t == GgufType::Int16
        || t == GgufType::UInt32 || t == GgufType::Int32 || t == GgufType::UInt64 || t == GgufType::Int64;
}

bool isSigned(GgufType t)
{
    return t == GgufType::Int8 || t == GgufType::Int16 || t == GgufType::Int32 || t == GgufType::Int64;
}

// The range of an integer type, as [lo, hi] in 128 bits to cover both int64 and uint64.
std::pair<__int128, __int128> integerRange(GgufType t)
{
    switch (t) {
    case GgufType::UInt8:
        return { 0, 0xFF };
    case GgufType::Int8:
        return { -128, 127 };
    case GgufType::UInt16:
        return { 0, 0xFFFF };
    case GgufType::Int16:
        return { -32768, 32767 };
    case GgufType::UInt32:
        return { 0, 0xFFFFFFFFll };
    case GgufType::Int32:
        return { INT32_MIN, INT32_MAX };
    case GgufType::UInt64:
        return { 0, __int128(UINT64_MAX) };
    default:
        return { INT64_MIN, INT64_MAX };
    }
}

GgufValue integerValue(GgufType type, __int128 n, const std::string& what)
{
    const auto [lo, hi] = integerRange(type);
    if (n < lo || n > hi)
        throw Error(what + " is out of the range of a " + std::string(ggufTypeName(type)));
    GgufValue v;
    v.type = type;
    if (isSigned(type))
        v.i = static_cast<std::int64_t>(n);
    else
        v.u = static_cast<std::uint64_t>(n);
    return v;
}

// A scalar of `type` from a JSON value (array elements) or from text.
GgufValue scalarFromJson(GgufType type, const nlohmann::json& j, const std::string& what)
{
    if (type == GgufType::String) {
        if (!j.is_string())
            throw Error(what + " is " + j.dump() + ", not a string");
        return GgufValue::string(j.get<std::string>());
    }
    if (type == GgufType::Bool) {
        if (!j.is_boolean())
            throw Error(what + " is " + j.dump() + ", not true or false");
        GgufValue v;
        v.type = type;
        v.u = j.get<bool>() ? 1 : 0;
        return v;
    }
    if (isInteger(type)) {
        if (j.is_number_unsigned())
            return integerValue(type, __int128(j.get<std::uint64_t>()), what);
        if (j.is_number_integer())
            return integerValue(type, __int128(j.get<std::int64_t>()), what);
        throw Error(what + " is " + j.dump() + ", not an integer");
    }
    if (!j.is_number())
        throw Error(what + " is " + j.dump() + ", not a number");
    GgufValue v;
    v.type = type;
    v.f = j.get<double>();
    return v;
}

GgufValue valueFromText(const GgufValue& original, const std::string& text, const std::string& key)
{
    const std::string what = "metadata '" + key + "' (" + std::string(ggufTypeName(original.type)) + ") '" + text + "'";
    if (original.type == GgufType::String)
        return GgufValue::string(text);
    if (original.type == GgufType::Array) {
        if (original.elementType == GgufType::Array)
            throw Error(what + ": an array of arrays cannot be edited as text");
        nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
        if (!j.is_array())
            throw Error("metadata '" + key + "' is an array of " + std::to_string(original.count) + " "
                + std::string(ggufTypeName(original.elementType))
                + " items; its edited text is not a JSON array (an abridged array cannot be edited as text)");
        Encoder e;
        for (std::size_t k = 0; k < j.size(); ++k) {
            const auto v
                = scalarFromJson(original.elementType, j[k], "metadata '" + key + "' item " + std::to_string(k));
            e.value(v);
        }
        GgufValue v;
        v.type = GgufType::Array;
        v.elementType = original.elementType;
        v.count = j.size();
        v.payload = std::move(e.out);
        return v;
    }
    if (original.type == GgufType::Bool) {
        if (text == "true" || text == "1")
            return scalarFromJson(GgufType::Bool, true, what);
        if (text == "false" || text == "0")
            return scalarFromJson(GgufType::Bool, false, what);
        throw Error(what + " is not true or false");
    }
    if (isInteger(original.type)) {
        std::int64_t si = 0;
        std::uint64_t ui = 0;
        const char* end = text.data() + text.size();
        if (auto r = std::from_chars(text.data(), end, ui); r.ec == std::errc() && r.ptr == end)
            return integerValue(original.type, __int128(ui), what);
        if (auto r = std::from_chars(text.data(), end, si); r.ec == std::errc() && r.ptr == end)
            return integerValue(original.type, __int128(si), what);
        throw Error(what + " is not an integer");
    }
    double d = 0;
    const char* end = text.data() + text.size();
    if (auto r = std::from_chars(text.data(), end, d); r.ec != std::errc() || r.ptr != end)
        throw Error(what + " is not a number");
    GgufValue v;
    v.type = original.type;
    v.f = d;
    return v;
}

const GgufDocument* ggufDocument(const Model& model)
{
    if (model.native && model.native->formatName() == "gguf")
        return static_cast<const GgufDocument*>(model.native.get());
    return nullptr;
}

} // namespace

void writeGgufFile(const std::vector<GgufKeyValue>& metadata, const std::vector<GgufWriteTensor>& tensors,
    std::uint64_t alignment, const std::filesystem::path& path)
{
    if (alignment == 0 || (alignment & (alignment - 1)) != 0)
        throw Error(path.string() + ": cannot save: alignment " + std::to_string(alignment) + " is not a power of two");
    Encoder e;
    e.out = "GGUF";
    e.scalar<std::uint32_t>(3);
    e.scalar<std::uint64_t>(tensors.size());
    e.scalar<std::uint64_t>(metadata.size());
    for (const auto& kv : metadata) {
        e.string(kv.key);
        e.scalar<std::uint32_t>(static_cast<std::uint32_t>(kv.value.type));
        e.value(kv.value);
    }
    auto pad = [alignment](std::uint64_t n) { return (alignment - n % alignment) % alignment; };
    std::uint64_t offset = 0;
    for (const auto& t : tensors) {
        if (t.ne.empty() || t.ne.size() > 4)
            throw Error(path.string() + ": cannot save: tensor '" + t.name + "' has " + std::to_string(t.ne.size())
                + " dimensions; GGUF stores 1 to 4");
        std::uint64_t elements = 1;
        for (auto n : t.ne) {
            if (n != 0 && elements > UINT64_MAX / n)
                throw Error(path.string() + ": cannot save: tensor '" + t.name + "' is too large");
            elements *= n;
        }
        const auto bytes = ggmlTensorBytes(t.type, elements);
        if (!t.data || !bytes || t.data->size() != *bytes)
            throw Error(path.string() + ": cannot save: tensor '" + t.name + "' holds "
                + std::to_string(t.data ? t.data->size() : 0) + " bytes, but " + std::to_string(elements) + " "
                + std::string(t.type.name) + " values take "
                + (bytes ? std::to_string(*bytes) : std::string("a whole number of blocks")));
        e.string(t.name);
        e.scalar<std::uint32_t>(static_cast<std::uint32_t>(t.ne.size()));
        for (auto n : t.ne)
            e.scalar<std::uint64_t>(n);
        e.scalar<std::uint32_t>(t.type.id);
        e.scalar<std::uint64_t>(offset);
        offset += *bytes + pad(*bytes);
    }
    try {
        AtomicFile file(path);
        OutputSink sink(file.fd(), path.string());
        sink.write(std::as_bytes(std::span(e.out.data(), e.out.size())));
        if (!tensors.empty())
            sink.zeros(pad(e.out.size()));
        for (const auto& t : tensors) {
            sink.writeData(*t.data);
            sink.zeros(pad(t.data->size()));
        }
        sink.flush();
        file.commit();
    } catch (const std::exception& ex) {
        rethrowSaveError(path, ex);
    }
}

void writeGgufModel(const Model& model, const std::filesystem::path& path)
{
    try {
        const GgufDocument* doc = ggufDocument(model);
        std::vector<GgufKeyValue> metadata;
        std::uint64_t alignment = 32;
        for (const auto& [key, text] : model.metadata) {
            const GgufValue* original = doc ? doc->find(key) : nullptr;
            GgufKeyValue kv { key, {} };
            if (!original)
                kv.value = GgufValue::string(text);
            else if (ggufValueText(*original) == text)
                kv.value = *original;
            else
                kv.value = valueFromText(*original, text, key);
            if (key == "general.alignment") {
                if (kv.value.type != GgufType::UInt32 || kv.value.u == 0 || (kv.value.u & (kv.value.u - 1)) != 0)
                    throw Error("metadata 'general.alignment' must be a uint32 power of two");
                alignment = kv.value.u;
            }
            metadata.push_back(std::move(kv));
        }
        std::vector<GgufWriteTensor> tensors;
        for (const auto& t : model.graph->initializers) {
            const std::string what = "tensor '" + t->name + "'";
            if (t->isSparse())
                throw Error(what + " is sparse; GGUF stores dense tensors only");
            if (!t->data)
                throw Error(what + " has no stored values");
            GgufWriteTensor w;
            w.name = t->name;
            w.data = t->data.get();
            for (auto it = t->dims.rbegin(); it != t->dims.rend(); ++it) {
                if (*it < 0)
                    throw Error(what + " has a negative dimension");
                w.ne.push_back(static_cast<std::uint64_t>(*it));
            }
            if (w.ne.empty())
                w.ne.push_back(1); // ggml has no rank-0 tensors
            if (t->dataType == DataType::Undefined) {
                const GgufDocument::TensorInfo* info = nullptr;
                if (doc)
                    for (const auto& i : doc->tensors)
                        if (i.tensor == t)
                            info = &i;
                if (!info || !info->type.quantized())
                    throw Error(what + " has no element type");
                if (info->ne != w.ne)
                    throw Error(what + " is " + std::string(info->type.name)
                        + "-quantized; its shape cannot change without requantizing");
                w.type = info->type;
            } else if (const auto type = ggmlTypeFor(t->dataType)) {
                w.type = *type;
            } else {
                throw Error(what + " is " + std::string(dataTypeName(t->dataType))
                    + "; GGUF stores float32, float16, bfloat16, float64, int8, int16, int32 and int64 "
                      "(and ggml's quantized blocks)");
            }
            tensors.push_back(std::move(w));
        }
        writeGgufFile(metadata, tensors, alignment, path);
    } catch (const std::exception& e) {
        rethrowSaveError(path, e);
    }
}

} // namespace nodus
