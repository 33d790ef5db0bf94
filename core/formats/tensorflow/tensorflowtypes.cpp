#include "tensorflowtypes.h"

#include "ir/lazytensordata.h"
#include "ir/ownedtensordata.h"
#include "util/error.h"

#include <cstring>
#include <limits>

namespace nodus {

namespace {

// tensor_content viewed where the parsed document holds it.
class ProtoBytesTensorData final : public TensorData {
public:
    ProtoBytesTensorData(std::span<const std::byte> bytes, std::shared_ptr<const void> owner)
        : bytes_(bytes)
        , owner_(std::move(owner))
    {
    }
    std::uint64_t size() const override { return bytes_.size(); }
    std::span<const std::byte> bytes() const override { return bytes_; }

private:
    std::span<const std::byte> bytes_;
    std::shared_ptr<const void> owner_;
};

// A typed value list may hold fewer values than the shape has elements: TF
// repeats the last one (an empty list means zeros). Splatting is done on
// first read; this caps what a tiny file can make us allocate.
constexpr std::uint64_t kMaxSplatBytes = std::uint64_t(1) << 30;

template <typename Field, typename Put>
std::vector<std::byte> expand(const Field& values, std::uint64_t count, std::size_t elementSize, Put put)
{
    std::vector<std::byte> out(count * elementSize);
    if (values.empty())
        return out;
    for (std::uint64_t k = 0; k < count; ++k) {
        const auto index = static_cast<int>(std::min<std::uint64_t>(k, std::uint64_t(values.size()) - 1));
        put(values.Get(index), out.data() + k * elementSize);
    }
    return out;
}

template <typename T> auto copyAs()
{
    return [](auto v, std::byte* dst) {
        const T x = static_cast<T>(v);
        std::memcpy(dst, &x, sizeof x);
    };
}

} // namespace

DataType fromTfDataType(int code)
{
    if (code > 100)
        code -= 100;
    switch (code) {
    case tf::DT_FLOAT:
        return DataType::Float;
    case tf::DT_DOUBLE:
        return DataType::Double;
    case tf::DT_INT32:
    case tf::DT_QINT32:
        return DataType::Int32;
    case tf::DT_UINT8:
    case tf::DT_QUINT8:
        return DataType::UInt8;
    case tf::DT_INT16:
    case tf::DT_QINT16:
        return DataType::Int16;
    case tf::DT_INT8:
    case tf::DT_QINT8:
        return DataType::Int8;
    case tf::DT_STRING:
        return DataType::String;
    case tf::DT_COMPLEX64:
        return DataType::Complex64;
    case tf::DT_INT64:
        return DataType::Int64;
    case tf::DT_BOOL:
        return DataType::Bool;
    case tf::DT_BFLOAT16:
        return DataType::BFloat16;
    case tf::DT_UINT16:
    case tf::DT_QUINT16:
        return DataType::UInt16;
    case tf::DT_COMPLEX128:
        return DataType::Complex128;
    case tf::DT_HALF:
        return DataType::Float16;
    case tf::DT_UINT32:
        return DataType::UInt32;
    case tf::DT_UINT64:
        return DataType::UInt64;
    case tf::DT_FLOAT8_E5M2:
        return DataType::Float8E5M2;
    case tf::DT_FLOAT8_E4M3FN:
        return DataType::Float8E4M3FN;
    case tf::DT_INT4:
        return DataType::Int4;
    case tf::DT_UINT4:
        return DataType::UInt4;
    default:
        return DataType::Undefined;
    }
}

std::optional<int> toTfDataType(DataType type)
{
    switch (type) {
    case DataType::Float:
        return tf::DT_FLOAT;
    case DataType::Double:
        return tf::DT_DOUBLE;
    case DataType::Int32:
        return tf::DT_INT32;
    case DataType::UInt8:
        return tf::DT_UINT8;
    case DataType::Int16:
        return tf::DT_INT16;
    case DataType::Int8:
        return tf::DT_INT8;
    case DataType::String:
        return tf::DT_STRING;
    case DataType::Complex64:
        return tf::DT_COMPLEX64;
    case DataType::Int64:
        return tf::DT_INT64;
    case DataType::Bool:
        return tf::DT_BOOL;
    case DataType::BFloat16:
        return tf::DT_BFLOAT16;
    case DataType::UInt16:
        return tf::DT_UINT16;
    case DataType::Complex128:
        return tf::DT_COMPLEX128;
    case DataType::Float16:
        return tf::DT_HALF;
    case DataType::UInt32:
        return tf::DT_UINT32;
    case DataType::UInt64:
        return tf::DT_UINT64;
    case DataType::Float8E5M2:
        return tf::DT_FLOAT8_E5M2;
    case DataType::Float8E4M3FN:
        return tf::DT_FLOAT8_E4M3FN;
    case DataType::Int4:
        return tf::DT_INT4;
    case DataType::UInt4:
        return tf::DT_UINT4;
    default:
        return std::nullopt;
    }
}

std::string tfDataTypeName(int code)
{
    const bool ref = code > 100;
    const int base = ref ? code - 100 : code;
    if (!tf::DataType_IsValid(base))
        return std::to_string(code);
    return tf::DataType_Name(static_cast<tf::DataType>(base)) + (ref ? "_REF" : "");
}

Shape shapeFromProto(const tf::TensorShapeProto& shape)
{
    Shape out;
    if (shape.unknown_rank())
        return out;
    out.rankKnown = true;
    for (const auto& d : shape.dim()) {
        if (d.size() >= 0)
            out.dims.push_back(Dim::known(d.size()));
        else if (!d.name().empty())
            out.dims.push_back(Dim::symbolic(d.name()));
        else
            out.dims.push_back(Dim {});
    }
    return out;
}

std::shared_ptr<Tensor> tensorFromProto(const tf::TensorProto& proto, const std::string& name,
    const std::shared_ptr<const void>& keepAlive, const std::string& what)
{
    auto t = std::make_shared<Tensor>();
    t->name = name;
    t->dataType = fromTfDataType(proto.dtype());
    if (proto.tensor_shape().unknown_rank())
        throw Error(what + ": a stored tensor of unknown rank");
    for (const auto& d : proto.tensor_shape().dim()) {
        if (d.size() < 0)
            throw Error(what + ": a stored tensor with a dimension of unknown size (" + std::to_string(d.size()) + ")");
        t->dims.push_back(d.size());
    }
    if (t->dataType == DataType::Undefined) {
        // Resource handles and variants have no element bytes we can show.
        t->docString = "TensorFlow " + tfDataTypeName(proto.dtype()) + " tensor (values not shown)";
        return t;
    }
    const auto count = elementCount(t->dims);
    if (!count)
        throw Error(what + ": the tensor's shape overflows");
    if (t->dataType == DataType::String) {
        if (!proto.tensor_content().empty())
            throw Error(what + ": a string tensor with tensor_content (TF stores strings in string_val)");
        if (proto.string_val_size() > 0 && std::uint64_t(proto.string_val_size()) != *count
            && proto.string_val_size() != 1)
            throw Error(what + ": " + std::to_string(proto.string_val_size()) + " strings for " + std::to_string(*count)
                + " elements");
        if (*count > (std::uint64_t(1) << 24) && proto.string_val_size() <= 1)
            throw Error(what + ": " + std::to_string(*count) + " string elements is more than Nodus expands");
        for (std::uint64_t k = 0; k < *count; ++k)
            t->strings.push_back(proto.string_val_size() == 0
                    ? std::string()
                    : proto.string_val(
                        static_cast<int>(std::min<std::uint64_t>(k, std::uint64_t(proto.string_val_size()) - 1))));
        return t;
    }
    const auto bytes = storageBytes(t->dataType, *count);
    if (!bytes)
        throw Error(what + ": the tensor's size overflows");
    if (!proto.tensor_content().empty()) {
        if (proto.tensor_content().size() != *bytes)
            throw Error(what + ": tensor_content holds " + std::to_string(proto.tensor_content().size())
                + " bytes, its dtype and shape need " + std::to_string(*bytes));
        const auto* p = reinterpret_cast<const std::byte*>(proto.tensor_content().data());
        t->data = std::make_shared<ProtoBytesTensorData>(std::span(p, proto.tensor_content().size()), keepAlive);
        return t;
    }
    if (*bytes > kMaxSplatBytes)
        throw Error(
            what + ": a " + std::to_string(*bytes) + "-byte tensor given by value lists is more than Nodus expands");
    const tf::TensorProto* pp = &proto;
    const DataType type = t->dataType;
    const std::uint64_t n = *count;
    std::size_t listSize = 0;
    switch (proto.dtype() > 100 ? proto.dtype() - 100 : proto.dtype()) {
    case tf::DT_FLOAT:
        listSize = proto.float_val_size();
        break;
    case tf::DT_DOUBLE:
        listSize = proto.double_val_size();
        break;
    case tf::DT_INT64:
        listSize = proto.int64_val_size();
        break;
    case tf::DT_BOOL:
        listSize = proto.bool_val_size();
        break;
    case tf::DT_HALF:
    case tf::DT_BFLOAT16:
        listSize = proto.half_val_size();
        break;
    case tf::DT_UINT32:
        listSize = proto.uint32_val_size();
        break;
    case tf::DT_UINT64:
        listSize = proto.uint64_val_size();
        break;
    case tf::DT_COMPLEX64:
        listSize = proto.scomplex_val_size() / 2;
        break;
    case tf::DT_COMPLEX128:
        listSize = proto.dcomplex_val_size() / 2;
        break;
    case tf::DT_FLOAT8_E5M2:
    case tf::DT_FLOAT8_E4M3FN:
    case tf::DT_INT4:
    case tf::DT_UINT4:
        if (n > 0)
            throw Error(
                what + ": " + tfDataTypeName(proto.dtype()) + " values outside tensor_content are not supported");
        break;
    default:
        listSize = proto.int_val_size();
        break;
    }
    if (listSize > n)
        throw Error(what + ": " + std::to_string(listSize) + " values for " + std::to_string(n) + " elements");
    t->data = std::make_shared<LazyTensorData>(*bytes, [pp, type, n, keepAlive]() {
        const tf::TensorProto& p = *pp;
        switch (type) {
        case DataType::Float:
            return expand(p.float_val(), n, 4, copyAs<float>());
        case DataType::Double:
            return expand(p.double_val(), n, 8, copyAs<double>());
        case DataType::Int64:
            return expand(p.int64_val(), n, 8, copyAs<std::int64_t>());
        case DataType::Bool:
            return expand(p.bool_val(), n, 1, copyAs<std::uint8_t>());
        case DataType::Float16:
        case DataType::BFloat16:
            return expand(p.half_val(), n, 2, copyAs<std::uint16_t>());
        case DataType::UInt32:
            return expand(p.uint32_val(), n, 4, copyAs<std::uint32_t>());
        case DataType::UInt64:
            return expand(p.uint64_val(), n, 8, copyAs<std::uint64_t>());
        case DataType::Int32:
            return expand(p.int_val(), n, 4, copyAs<std::int32_t>());
        case DataType::UInt16:
            return expand(p.int_val(), n, 2, copyAs<std::uint16_t>());
        case DataType::Int16:
            return expand(p.int_val(), n, 2, copyAs<std::int16_t>());
        case DataType::UInt8:
            return expand(p.int_val(), n, 1, copyAs<std::uint8_t>());
        case DataType::Int8:
            return expand(p.int_val(), n, 1, copyAs<std::int8_t>());
        case DataType::Complex64:
        case DataType::Complex128: {
            // Pairs (real, imaginary); a short list repeats its last pair.
            const bool wide = type == DataType::Complex128;
            const std::size_t half = wide ? 8 : 4;
            std::vector<std::byte> out(n * 2 * half);
            const int pairs = wide ? p.dcomplex_val_size() / 2 : p.scomplex_val_size() / 2;
            for (std::uint64_t k = 0; pairs > 0 && k < n; ++k) {
                const int i = static_cast<int>(std::min<std::uint64_t>(k, std::uint64_t(pairs) - 1));
                for (int c = 0; c < 2; ++c) {
                    if (wide) {
                        const double v = p.dcomplex_val(2 * i + c);
                        std::memcpy(out.data() + (2 * k + c) * half, &v, half);
                    } else {
                        const float v = p.scomplex_val(2 * i + c);
                        std::memcpy(out.data() + (2 * k + c) * half, &v, half);
                    }
                }
            }
            return out;
        }
        default:
            return std::vector<std::byte>(storageBytes(type, n).value_or(0));
        }
    });
    return t;
}

void tensorToProto(const Tensor& tensor, tf::TensorProto& proto)
{
    const auto code = toTfDataType(tensor.dataType);
    if (!code)
        throw Error(
            "tensor '" + tensor.name + "': TensorFlow has no " + std::string(dataTypeName(tensor.dataType)) + " type");
    // Keep a reference type's "_REF" and a quantized type's own code when the
    // element type did not change.
    if (fromTfDataType(proto.dtype()) != tensor.dataType)
        proto.set_dtype(static_cast<tf::DataType>(*code));
    auto* shape = proto.mutable_tensor_shape();
    shape->Clear();
    for (const auto d : tensor.dims)
        shape->add_dim()->set_size(d);
    proto.clear_tensor_content();
    proto.clear_float_val();
    proto.clear_double_val();
    proto.clear_int_val();
    proto.clear_string_val();
    proto.clear_scomplex_val();
    proto.clear_int64_val();
    proto.clear_bool_val();
    proto.clear_dcomplex_val();
    proto.clear_half_val();
    proto.clear_uint32_val();
    proto.clear_uint64_val();
    if (tensor.dataType == DataType::String) {
        for (const auto& s : tensor.strings)
            proto.add_string_val(s);
        return;
    }
    if (!tensor.data)
        throw Error("tensor '" + tensor.name + "' has no values to store");
    const auto bytes = tensor.data->bytes();
    if (const auto expected = tensor.expectedBytes(); expected && *expected != bytes.size())
        throw Error("tensor '" + tensor.name + "' holds " + std::to_string(bytes.size()) + " bytes, its shape needs "
            + std::to_string(*expected));
    proto.set_tensor_content(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

} // namespace nodus
