#include "safetensorsio.h"

#include "ir/tensor.h"
#include "util/atomicfile.h"
#include "util/error.h"
#include "util/outputsink.h"

#include <nlohmann/json.hpp>

#include <set>
#include <span>

namespace nodus {

namespace {

struct DtypeCode {
    DataType type;
    const char* code;
};

// safetensors' Dtype enum as written in headers.
constexpr DtypeCode kDtypes[] = {
    { DataType::Double, "F64" },
    { DataType::Float, "F32" },
    { DataType::Float16, "F16" },
    { DataType::BFloat16, "BF16" },
    { DataType::Float8E4M3FN, "F8_E4M3" },
    { DataType::Float8E5M2, "F8_E5M2" },
    { DataType::Int64, "I64" },
    { DataType::Int32, "I32" },
    { DataType::Int16, "I16" },
    { DataType::Int8, "I8" },
    { DataType::UInt64, "U64" },
    { DataType::UInt32, "U32" },
    { DataType::UInt16, "U16" },
    { DataType::UInt8, "U8" },
    { DataType::Bool, "BOOL" },
};

} // namespace

const char* safetensorsDtype(DataType type)
{
    for (const auto& d : kDtypes)
        if (d.type == type)
            return d.code;
    return nullptr;
}

std::optional<DataType> dataTypeFromSafetensors(std::string_view code)
{
    for (const auto& d : kDtypes)
        if (code == d.code)
            return d.type;
    return std::nullopt;
}

void writeSafetensorsFile(const std::vector<const Tensor*>& tensors,
    const std::vector<std::pair<std::string, std::string>>& metadata, const std::filesystem::path& path)
{
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) {
        nlohmann::ordered_json meta = nlohmann::ordered_json::object();
        for (const auto& [key, value] : metadata)
            meta[key] = value;
        header["__metadata__"] = meta;
    }
    std::set<std::string> names;
    std::uint64_t offset = 0;
    for (const Tensor* t : tensors) {
        const std::string what = "tensor '" + t->name + "'";
        if (t->name == "__metadata__")
            throw Error(what + ": the name is reserved for the file's metadata");
        if (!names.insert(t->name).second)
            throw Error(what + ": another tensor has the same name");
        if (t->isSparse())
            throw Error(what + ": safetensors holds dense tensors only");
        const char* dtype = safetensorsDtype(t->dataType);
        if (!dtype)
            throw Error(what + ": safetensors has no " + std::string(dataTypeName(t->dataType)) + " type");
        const auto expected = t->expectedBytes();
        if (!t->data || !expected || *expected != t->data->size())
            throw Error(what + ": its data does not match its type and shape");
        for (auto d : t->dims)
            if (d < 0)
                throw Error(what + ": its shape has a negative dimension");
        const std::uint64_t size = t->data->size();
        header[t->name] = { { "dtype", dtype }, { "shape", t->dims }, { "data_offsets", { offset, offset + size } } };
        offset += size;
    }
    std::string text;
    try {
        text = header.dump();
    } catch (const nlohmann::json::exception&) {
        throw Error("a tensor name or metadata entry is not valid UTF-8");
    }
    // The data starts 8-aligned, as the reference writer pads it.
    text.append((8 - text.size() % 8) % 8, ' ');
    std::byte prefix[8];
    for (int i = 0; i < 8; ++i)
        prefix[i] = static_cast<std::byte>((static_cast<std::uint64_t>(text.size()) >> (8 * i)) & 0xff);
    AtomicFile file(path);
    OutputSink sink(file.fd(), path.string());
    sink.write(std::span<const std::byte>(prefix, 8));
    sink.write(std::as_bytes(std::span(text)));
    for (const Tensor* t : tensors)
        sink.writeData(*t->data);
    sink.flush();
    file.commit();
}

} // namespace nodus
