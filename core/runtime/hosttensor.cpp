#include "hosttensor.h"

#include "ir/ownedtensordata.h"
#include "ir/tensor.h"
#include "ir/tensorencode.h"
#include "ir/tensorvalues.h"
#include "runtimeerror.h"

#include <cmath>
#include <cstring>

namespace nodus::rt {

bool hasRep(DataType type)
{
    switch (type) {
    case DataType::Undefined:
    case DataType::String:
    case DataType::Complex64:
    case DataType::Complex128:
        return false;
    default:
        return true;
    }
}

Rep repOf(DataType type)
{
    if (type == DataType::Bool || isIntegerType(type))
        return dataTypeBits(type) > 32 ? Rep::I64 : Rep::I32;
    if (!hasRep(type))
        throw RuntimeError("the Vulkan runtime cannot hold " + std::string(dataTypeName(type)) + " tensors");
    return Rep::F32;
}

const char* repSuffix(Rep r)
{
    switch (r) {
    case Rep::F32: return "f32";
    case Rep::I32: return "i32";
    case Rep::I64: return "i64";
    }
    return "f32";
}

std::uint64_t shapeCount(std::span<const std::int64_t> shape)
{
    std::uint64_t n = 1;
    for (auto d : shape) {
        if (d < 0)
            throw RuntimeError("negative dimension in shape " + shapeText(shape));
        if (d != 0 && n > (std::uint64_t(1) << 40) / std::uint64_t(d))
            throw RuntimeError("shape " + shapeText(shape) + " is too large");
        n *= std::uint64_t(d);
    }
    return n;
}

std::string shapeText(std::span<const std::int64_t> shape)
{
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        s += (i ? "," : "") + std::to_string(shape[i]);
    return s + "]";
}

std::int64_t HostTensor::intAt(std::uint64_t i) const
{
    switch (rep()) {
    case Rep::F32: return std::int64_t(as<float>()[i]);
    case Rep::I32: return type == DataType::UInt32 ? std::int64_t(as<std::uint32_t>()[i]) : as<std::int32_t>()[i];
    case Rep::I64: return as<std::int64_t>()[i];
    }
    return 0;
}

double HostTensor::doubleAt(std::uint64_t i) const
{
    switch (rep()) {
    case Rep::F32: return as<float>()[i];
    case Rep::I32: return type == DataType::UInt32 ? double(as<std::uint32_t>()[i]) : as<std::int32_t>()[i];
    case Rep::I64: return type == DataType::UInt64 ? double(as<std::uint64_t>()[i]) : double(as<std::int64_t>()[i]);
    }
    return 0;
}

std::vector<std::int64_t> HostTensor::ints() const
{
    std::vector<std::int64_t> out(count());
    for (std::uint64_t i = 0; i < out.size(); ++i)
        out[i] = intAt(i);
    return out;
}

std::vector<double> HostTensor::doubles() const
{
    std::vector<double> out(count());
    for (std::uint64_t i = 0; i < out.size(); ++i)
        out[i] = doubleAt(i);
    return out;
}

namespace {

std::int64_t wrapInt(DataType type, std::int64_t v)
{
    switch (type) {
    case DataType::Bool: return v != 0;
    case DataType::Int8: return std::int8_t(v);
    case DataType::UInt8: return std::uint8_t(v);
    case DataType::Int16: return std::int16_t(v);
    case DataType::UInt16: return std::uint16_t(v);
    case DataType::Int32: return std::int32_t(v);
    case DataType::UInt32: return std::uint32_t(v);
    case DataType::Int4: return ((v & 15) ^ 8) - 8;
    case DataType::UInt4: return v & 15;
    default: return v;
    }
}

float roundFloat(DataType type, double v)
{
    switch (type) {
    case DataType::Float16: return float16ToFloat(floatToFloat16(float(v)));
    case DataType::BFloat16: return bfloat16ToFloat(floatToBFloat16(float(v)));
    default: return float(v);
    }
}

} // namespace

HostTensor HostTensor::zeros(DataType type, std::vector<std::int64_t> shape)
{
    HostTensor t;
    t.type = type;
    t.shape = std::move(shape);
    t.data.assign(t.count() * repBytes(type), std::byte { 0 });
    return t;
}

HostTensor HostTensor::fromInts(DataType type, std::vector<std::int64_t> shape, std::span<const std::int64_t> values)
{
    HostTensor t = zeros(type, std::move(shape));
    if (values.size() != t.count())
        throw RuntimeError("internal error: " + std::to_string(values.size()) + " values for shape " + shapeText(t.shape));
    for (std::size_t i = 0; i < values.size(); ++i) {
        switch (t.rep()) {
        case Rep::F32: t.as<float>()[i] = roundFloat(type, double(values[i])); break;
        case Rep::I32: t.as<std::int32_t>()[i] = std::int32_t(wrapInt(type, values[i])); break;
        case Rep::I64: t.as<std::int64_t>()[i] = values[i]; break;
        }
    }
    return t;
}

HostTensor HostTensor::fromDoubles(DataType type, std::vector<std::int64_t> shape, std::span<const double> values)
{
    HostTensor t = zeros(type, std::move(shape));
    if (values.size() != t.count())
        throw RuntimeError("internal error: " + std::to_string(values.size()) + " values for shape " + shapeText(t.shape));
    for (std::size_t i = 0; i < values.size(); ++i) {
        double v = values[i];
        switch (t.rep()) {
        case Rep::F32: t.as<float>()[i] = roundFloat(type, v); break;
        case Rep::I32:
            t.as<std::int32_t>()[i] = std::isfinite(v) ? std::int32_t(wrapInt(type, std::int64_t(v))) : 0;
            break;
        case Rep::I64:
            t.as<std::int64_t>()[i] = type == DataType::UInt64 && v >= 9.2e18 ? std::int64_t(std::uint64_t(v))
                                      : std::isfinite(v)                    ? std::int64_t(v)
                                                                            : 0;
            break;
        }
    }
    return t;
}

HostTensor toHost(const Tensor& tensor)
{
    if (tensor.isSparse())
        throw RuntimeError("tensor '" + tensor.name + "' is sparse, which the Vulkan runtime does not run");
    HostTensor t;
    t.type = tensor.dataType;
    t.shape = tensor.dims;
    Rep rep = repOf(tensor.dataType);
    std::uint64_t n = t.count();
    t.data.resize(n * repBytes(rep));
    if (n == 0)
        return t;
    if (!tensor.data)
        throw RuntimeError("tensor '" + tensor.name + "' has no data");
    auto bytes = tensor.data->bytes();
    auto need = storageBytes(tensor.dataType, n);
    if (!need || bytes.size() < *need)
        throw RuntimeError("tensor '" + tensor.name + "' holds fewer bytes than its shape needs");
    if (tensor.dataType == DataType::Float || tensor.dataType == DataType::Int32 || tensor.dataType == DataType::UInt32
        || tensor.dataType == DataType::Int64 || tensor.dataType == DataType::UInt64) {
        std::memcpy(t.data.data(), bytes.data(), t.data.size());
        return t;
    }
    const std::uint64_t chunk = 4096;
    std::vector<double> tmp(chunk);
    for (std::uint64_t first = 0; first < n; first += chunk) {
        std::size_t c = std::size_t(std::min(chunk, n - first));
        decodeElements(tensor.dataType, bytes, first, c, tmp.data());
        for (std::size_t i = 0; i < c; ++i) {
            switch (rep) {
            case Rep::F32: t.as<float>()[first + i] = float(tmp[i]); break;
            case Rep::I32: t.as<std::int32_t>()[first + i] = std::int32_t(tmp[i]); break;
            case Rep::I64: t.as<std::int64_t>()[first + i] = std::int64_t(tmp[i]); break;
            }
        }
    }
    return t;
}

void narrowToType(DataType type, std::span<std::byte> bytes)
{
    Rep rep = repOf(type);
    std::size_t n = bytes.size() / repBytes(rep);
    if (rep == Rep::F32) {
        if (type == DataType::Float)
            return;
        auto* f = reinterpret_cast<float*>(bytes.data());
        std::byte one[8];
        for (std::size_t i = 0; i < n; ++i) {
            encodeElement(type, one, 0, double(f[i]));
            f[i] = float(elementAsDouble(type, one, 0));
        }
    } else if (rep == Rep::I32) {
        auto* v = reinterpret_cast<std::int32_t*>(bytes.data());
        for (std::size_t i = 0; i < n; ++i)
            v[i] = std::int32_t(wrapInt(type, v[i]));
    }
}

std::shared_ptr<Tensor> toTensor(const HostTensor& host, const std::string& name)
{
    auto t = std::make_shared<Tensor>();
    t->name = name;
    t->dataType = host.type;
    t->dims = host.shape;
    std::uint64_t n = host.count();
    auto bytesNeeded = storageBytes(host.type, n);
    if (!bytesNeeded)
        throw RuntimeError("output '" + name + "' is too large");
    std::vector<std::byte> out(*bytesNeeded);
    switch (host.type) {
    case DataType::Float:
    case DataType::Int32:
    case DataType::UInt32:
    case DataType::Int64:
    case DataType::UInt64:
        if (!out.empty())
            std::memcpy(out.data(), host.data.data(), out.size());
        break;
    case DataType::Bool:
        for (std::uint64_t i = 0; i < n; ++i)
            out[i] = std::byte(host.intAt(i) != 0);
        break;
    default:
        for (std::uint64_t i = 0; i < n; ++i) {
            if (host.rep() == Rep::F32)
                encodeElement(host.type, out, i, double(host.as<float>()[i]));
            else
                encodeInteger(host.type, out, i, wrapInt(host.type, host.intAt(i)));
        }
    }
    t->data = std::make_shared<OwnedTensorData>(std::move(out));
    return t;
}

} // namespace nodus::rt
