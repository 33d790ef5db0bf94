#include "paddleparams.h"

#include "formats/paddle/paddle.pb.h"

#include "util/error.h"

#include <cstring>
#include <limits>
#include <string>

namespace nodus {

namespace {

template <typename T> T take(std::span<const std::byte> bytes, std::uint64_t& pos, const char* what)
{
    if (pos > bytes.size() || bytes.size() - pos < sizeof(T))
        throw Error(std::string(what) + " needs " + std::to_string(sizeof(T)) + " bytes at offset "
            + std::to_string(pos) + " but the file ends at " + std::to_string(bytes.size()));
    T v;
    std::memcpy(&v, bytes.data() + pos, sizeof(T));
    pos += sizeof(T);
    return v;
}

} // namespace

std::optional<DataType> paddleDataType(int code)
{
    switch (code) {
    case 0:
        return DataType::Bool;
    case 1:
        return DataType::Int16;
    case 2:
        return DataType::Int32;
    case 3:
        return DataType::Int64;
    case 4:
        return DataType::Float16;
    case 5:
        return DataType::Float;
    case 6:
        return DataType::Double;
    case 19:
        return DataType::UInt64; // SIZE_T
    case 20:
        return DataType::UInt8;
    case 21:
        return DataType::Int8;
    case 22:
        return DataType::BFloat16;
    case 23:
        return DataType::Complex64;
    case 24:
        return DataType::Complex128;
    default:
        return std::nullopt;
    }
}

PaddleTensorRecord readPaddleTensor(std::span<const std::byte> bytes, std::uint64_t& pos)
{
    const std::uint64_t start = pos;
    const auto version = take<std::uint32_t>(bytes, pos, "the LoDTensor version");
    if (version != 0)
        throw Error("LoDTensor version " + std::to_string(version) + " at offset " + std::to_string(pos - 4)
            + " (Paddle writes 0)");
    const auto levels = take<std::uint64_t>(bytes, pos, "the LoD level count");
    if (levels > (bytes.size() - pos) / 8)
        throw Error("a LoD of " + std::to_string(levels) + " levels cannot fit in the bytes that remain");
    for (std::uint64_t k = 0; k < levels; ++k) {
        const auto size = take<std::uint64_t>(bytes, pos, "a LoD level's size");
        if (size > bytes.size() - pos || size % 8 != 0)
            throw Error("LoD level " + std::to_string(k) + " claims " + std::to_string(size) + " bytes; "
                + std::to_string(bytes.size() - pos) + " remain and it must hold whole u64 offsets");
        pos += size;
    }
    const auto tensorVersion = take<std::uint32_t>(bytes, pos, "the tensor version");
    if (tensorVersion != 0)
        throw Error("tensor version " + std::to_string(tensorVersion) + " (Paddle writes 0)");
    const auto descSize = take<std::int32_t>(bytes, pos, "the TensorDesc size");
    if (descSize < 0 || std::uint64_t(descSize) > bytes.size() - pos)
        throw Error("a TensorDesc of " + std::to_string(descSize) + " bytes does not fit in the "
            + std::to_string(bytes.size() - pos) + " bytes that remain");
    nodus::paddle::VarType::TensorDesc desc;
    if (!desc.ParseFromArray(bytes.data() + pos, descSize))
        throw Error("the TensorDesc at offset " + std::to_string(pos) + " is not a valid protobuf message");
    pos += std::uint64_t(descSize);
    PaddleTensorRecord r;
    const auto type = paddleDataType(desc.data_type());
    if (!type)
        throw Error("the TensorDesc names data type " + std::to_string(desc.data_type()) + ", not an element type");
    r.dataType = *type;
    std::uint64_t elements = 1;
    for (const auto d : desc.dims()) {
        if (d < 0)
            throw Error("a stored tensor has an unknown dimension (" + std::to_string(d) + ")");
        r.dims.push_back(d);
        if (d != 0 && elements > std::numeric_limits<std::uint64_t>::max() / std::uint64_t(d))
            throw Error("a stored tensor's shape overflows");
        elements *= std::uint64_t(d);
    }
    const auto length = storageBytes(r.dataType, elements);
    if (!length || *length > bytes.size() - pos)
        throw Error("a " + std::string(dataTypeName(r.dataType)) + " tensor of " + std::to_string(elements)
            + " elements needs more than the " + std::to_string(bytes.size() - pos) + " bytes that remain");
    r.start = start;
    r.offset = pos;
    r.length = *length;
    pos += *length;
    return r;
}

} // namespace nodus
