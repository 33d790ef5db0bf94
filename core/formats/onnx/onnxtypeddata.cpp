#include "onnxtypeddata.h"

#include "ir/datatype.h"
#include "ir/shape.h"
#include "util/error.h"

#include <cstring>

namespace nodus {

namespace {

using TP = ::onnx::TensorProto;

template <typename Out, typename Field>
void append(std::vector<std::byte>& out, const Field& field)
{
    const std::size_t at = out.size();
    out.resize(at + field.size() * sizeof(Out));
    std::size_t k = 0;
    for (auto v : field) {
        Out o = static_cast<Out>(v);
        std::memcpy(out.data() + at + sizeof(Out) * k++, &o, sizeof(Out));
    }
}

} // namespace

std::optional<std::uint64_t> onnxTypedDataBytes(const TP& p)
{
    const auto type = static_cast<DataType>(p.data_type());
    const bool any = p.float_data_size() || p.int32_data_size() || p.int64_data_size() || p.double_data_size()
        || p.uint64_data_size();
    if (!any)
        return std::nullopt;
    auto n = elementCount(std::vector<std::int64_t>(p.dims().begin(), p.dims().end()));
    if (!n)
        return std::nullopt;
    return storageBytes(type, *n);
}

std::vector<std::byte> decodeOnnxTypedData(const TP& p)
{
    const auto type = static_cast<DataType>(p.data_type());
    std::vector<std::byte> out;
    switch (type) {
    case DataType::Float:
    case DataType::Complex64:
        append<float>(out, p.float_data());
        break;
    case DataType::Double:
    case DataType::Complex128:
        append<double>(out, p.double_data());
        break;
    case DataType::Int64:
        append<std::int64_t>(out, p.int64_data());
        break;
    case DataType::UInt32:
        append<std::uint32_t>(out, p.uint64_data());
        break;
    case DataType::UInt64:
        append<std::uint64_t>(out, p.uint64_data());
        break;
    case DataType::Int32:
        append<std::int32_t>(out, p.int32_data());
        break;
    case DataType::Int16:
    case DataType::UInt16:
    case DataType::Float16:
    case DataType::BFloat16:
        append<std::uint16_t>(out, p.int32_data());
        break;
    case DataType::Int8:
    case DataType::UInt8:
    case DataType::Bool:
    case DataType::Float8E4M3FN:
    case DataType::Float8E4M3FNUZ:
    case DataType::Float8E5M2:
    case DataType::Float8E5M2FNUZ:
    case DataType::Float8E8M0:
    // 4-bit types: each int32 holds one byte of two packed elements.
    case DataType::Int4:
    case DataType::UInt4:
    case DataType::Float4E2M1:
        append<std::uint8_t>(out, p.int32_data());
        break;
    default:
        throw Error("tensor '" + p.name() + "': typed data of element type "
                    + std::string(dataTypeName(type)) + " cannot be decoded");
    }
    const auto expected = onnxTypedDataBytes(p);
    if (!expected || *expected != out.size())
        throw Error("tensor '" + p.name() + "': stored element count does not match its dims");
    return out;
}

} // namespace nodus
