#pragma once

#include "ir/datatype.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace nodus {
class Tensor;
}

namespace nodus::rt {

// How elements of an ONNX type live on the device: every floating type
// (float16, bfloat16, float8, double) computes as float32; bool and integers
// up to 32 bits as int32 (uint32 keeps its bits); int64 and uint64 as int64.
// Kernels pick the shader variant (_f32, _i32, _i64) by rep.
enum class Rep : std::uint8_t { F32, I32, I64 };

// Throws RuntimeError for types the runtime cannot hold (string, complex).
Rep repOf(DataType type);
bool hasRep(DataType type);
inline std::size_t repBytes(Rep r) { return r == Rep::I64 ? 8 : 4; }
inline std::size_t repBytes(DataType t) { return repBytes(repOf(t)); }
// "f32", "i32", "i64": the shader variant suffix.
const char* repSuffix(Rep r);

// Element count of `shape`; throws RuntimeError on negative dims or overflow.
std::uint64_t shapeCount(std::span<const std::int64_t> shape);
std::string shapeText(std::span<const std::int64_t> shape);

// Tensor values on the host, in device representation (so an upload is a
// copy): shapes computed on the host, small constants, read-back outputs.
struct HostTensor {
    DataType type = DataType::Float;
    std::vector<std::int64_t> shape;
    std::vector<std::byte> data; // count() elements of repBytes(type)

    std::uint64_t count() const { return shapeCount(shape); }
    Rep rep() const { return repOf(type); }
    template <class T> const T* as() const { return reinterpret_cast<const T*>(data.data()); }
    template <class T> T* as() { return reinterpret_cast<T*>(data.data()); }

    // Values as int64 / double whatever the rep.
    std::vector<std::int64_t> ints() const;
    std::vector<double> doubles() const;
    std::int64_t intAt(std::uint64_t i) const;
    double doubleAt(std::uint64_t i) const;

    // Values stored in `type`'s rep (floats rounded to `type` first, so a
    // float16 tensor holds float16 values; integers wrap to `type`).
    static HostTensor fromInts(DataType type, std::vector<std::int64_t> shape, std::span<const std::int64_t> values);
    static HostTensor fromDoubles(DataType type, std::vector<std::int64_t> shape, std::span<const double> values);
    static HostTensor zeros(DataType type, std::vector<std::int64_t> shape);
};

// An IR tensor (initializer, Constant value, input) in device representation.
HostTensor toHost(const Tensor& tensor);
// Back to the ONNX type's packed bytes, as an IR tensor named `name`.
std::shared_ptr<Tensor> toTensor(const HostTensor& host, const std::string& name);
// Converts device-representation bytes of `type` (as read back) in place to
// the values `type` can hold: float16/bfloat16/float8 rounding, integer
// wrapping, bool to 0/1. Kernels compute in the wide rep; this keeps results
// equal to what the narrow type would give.
void narrowToType(DataType type, std::span<std::byte> repBytes);

} // namespace nodus::rt
