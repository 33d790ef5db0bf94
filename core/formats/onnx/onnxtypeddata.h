#pragma once

#include <onnx/onnx_pb.h>

#include <cstddef>
#include <optional>
#include <vector>

namespace nodus {

// Whether a TensorProto keeps its elements in the typed fields (float_data,
// int32_data, ...) rather than raw_data, and their size in canonical raw
// layout. nullopt when the tensor has no typed elements.
std::optional<std::uint64_t> onnxTypedDataBytes(const ::onnx::TensorProto& proto);

// Converts the typed fields to the raw little-endian layout ONNX uses for
// raw_data (fp16/bf16/fp8 bit patterns from int32_data, two int4 per byte).
// Throws nodus::Error if the element count does not match the dims.
std::vector<std::byte> decodeOnnxTypedData(const ::onnx::TensorProto& proto);

} // namespace nodus
