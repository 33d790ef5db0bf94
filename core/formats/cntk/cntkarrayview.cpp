#include "cntkarrayview.h"

#include "ir/tensorencode.h"

#include "ir/tensorvalues.h"
#include "util/error.h"

#include <bit>
#include <cstring>
#include <limits>

namespace nodus {

namespace {

// CNTK's NDShape sentinels (size_t values near SIZE_MAX).
constexpr std::uint64_t kInferredDimension = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t kUnknownShapeSentinel = kInferredDimension - 1;
constexpr std::uint64_t kFreeDimension = kInferredDimension - 2;

template <typename T>
void appendLittleEndian(std::vector<std::byte>& out, T value)
{
    static_assert(std::endian::native == std::endian::little, "the IR layout is little-endian");
    const auto* p = reinterpret_cast<const std::byte*>(&value);
    out.insert(out.end(), p, p + sizeof(T));
}

} // namespace

std::optional<DataType> cntkElementType(std::uint64_t cntkDataType)
{
    switch (cntkDataType) {
    case 1: return DataType::Float;
    case 2: return DataType::Double;
    case 3: return DataType::UInt8;
    case 4: return DataType::Float16;
    case 5: return DataType::Int8;
    case 6: return DataType::Int16;
    default: return std::nullopt;
    }
}

Shape cntkRowMajorShape(const ::nodus::cntk::NDShape& shape)
{
    Shape s;
    s.rankKnown = true;
    for (int k = shape.shape_dim_size() - 1; k >= 0; --k) {
        const std::uint64_t d = shape.shape_dim(k);
        if (d == kUnknownShapeSentinel) {
            return Shape {};
        } else if (d == kFreeDimension) {
            s.dims.push_back(Dim::symbolic("free"));
        } else if (d > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            s.dims.push_back(Dim {});
        } else {
            s.dims.push_back(Dim::known(static_cast<std::int64_t>(d)));
        }
    }
    return s;
}

std::optional<std::vector<std::int64_t>> cntkTensorDims(const ::nodus::cntk::NDShape& shape)
{
    std::vector<std::int64_t> dims;
    dims.reserve(shape.shape_dim_size());
    for (int k = shape.shape_dim_size() - 1; k >= 0; --k) {
        const std::uint64_t d = shape.shape_dim(k);
        if (d > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            return std::nullopt;
        dims.push_back(static_cast<std::int64_t>(d));
    }
    if (!elementCount(dims))
        return std::nullopt;
    return dims;
}

std::uint64_t cntkStoredElementCount(const ::nodus::cntk::NDArrayView& view)
{
    using V = ::nodus::cntk::NDArrayView;
    switch (view.values_case()) {
    case V::kFloatValues: return static_cast<std::uint64_t>(view.float_values().value_size());
    case V::kDoubleValues: return static_cast<std::uint64_t>(view.double_values().value_size());
    case V::kBytesValue: return view.bytes_value().value().size();
    case V::kSint32Values: return static_cast<std::uint64_t>(view.sint32_values().value_size());
    default: return 0;
    }
}

std::vector<std::byte> cntkNarrowFloats(std::span<const std::byte> floats, std::uint64_t count)
{
    std::vector<std::byte> out;
    out.reserve(count * 2);
    for (std::uint64_t k = 0; k < count && (k + 1) * 4 <= floats.size(); ++k) {
        float f;
        std::memcpy(&f, floats.data() + k * 4, 4);
        appendLittleEndian(out, floatToFloat16(f));
    }
    return out;
}

std::vector<std::byte> cntkDecodeValues(const ::nodus::cntk::NDArrayView& view, DataType type)
{
    std::vector<std::byte> out;
    switch (type) {
    case DataType::Float:
        out.resize(view.float_values().value_size() * sizeof(float));
        if (!out.empty())
            std::memcpy(out.data(), view.float_values().value().data(), out.size());
        break;
    case DataType::Double:
        out.resize(view.double_values().value_size() * sizeof(double));
        if (!out.empty())
            std::memcpy(out.data(), view.double_values().value().data(), out.size());
        break;
    case DataType::Float16: {
        const auto& v = view.float_values().value();
        out.reserve(v.size() * 2);
        for (float f : v)
            appendLittleEndian(out, floatToFloat16(f));
        break;
    }
    case DataType::Int8:
    case DataType::UInt8: {
        const std::string& b = view.bytes_value().value();
        out.resize(b.size());
        std::memcpy(out.data(), b.data(), b.size());
        break;
    }
    case DataType::Int16:
        out.reserve(view.sint32_values().value_size() * 2);
        for (std::int32_t v : view.sint32_values().value())
            appendLittleEndian(out, static_cast<std::int16_t>(v));
        break;
    default:
        break;
    }
    return out;
}

void cntkEncodeValues(::nodus::cntk::NDArrayView& view, DataType type, std::span<const std::byte> bytes,
                      const std::string& tensorName)
{
    const int width = dataTypeBits(type) / 8;
    if (width == 0 || bytes.size() % width != 0)
        throw Error("tensor '" + tensorName + "': " + std::to_string(bytes.size()) + " bytes do not make whole "
                    + std::string(dataTypeName(type)) + " elements");
    const std::size_t count = bytes.size() / width;
    if (count > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        throw Error("tensor '" + tensorName + "' has too many elements for a CNTK file");
    view.clear_values();
    switch (type) {
    case DataType::Float: {
        auto* v = view.mutable_float_values()->mutable_value();
        v->Resize(static_cast<int>(count), 0.0f);
        std::memcpy(v->mutable_data(), bytes.data(), bytes.size());
        break;
    }
    case DataType::Double: {
        auto* v = view.mutable_double_values()->mutable_value();
        v->Resize(static_cast<int>(count), 0.0);
        std::memcpy(v->mutable_data(), bytes.data(), bytes.size());
        break;
    }
    case DataType::Float16: {
        auto* v = view.mutable_float_values()->mutable_value();
        v->Reserve(static_cast<int>(count));
        for (std::size_t k = 0; k < count; ++k) {
            std::uint16_t h;
            std::memcpy(&h, bytes.data() + k * 2, 2);
            v->Add(float16ToFloat(h));
        }
        break;
    }
    case DataType::Int8:
    case DataType::UInt8:
        view.mutable_bytes_value()->set_value(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        break;
    case DataType::Int16: {
        auto* v = view.mutable_sint32_values()->mutable_value();
        v->Reserve(static_cast<int>(count));
        for (std::size_t k = 0; k < count; ++k) {
            std::int16_t s;
            std::memcpy(&s, bytes.data() + k * 2, 2);
            v->Add(s);
        }
        break;
    }
    default:
        throw Error("tensor '" + tensorName + "': CNTK files cannot hold " + std::string(dataTypeName(type))
                    + " elements");
    }
}


} // namespace nodus
