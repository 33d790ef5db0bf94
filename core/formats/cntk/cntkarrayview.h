#pragma once

#include "ir/datatype.h"
#include "ir/shape.h"

#include "formats/cntk/cntk.pb.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace nodus {

// How CNTK's element types, shapes and NDArrayView payloads map to the IR.
// Free functions shared by the importer and the writer so that reading and
// saving agree element for element.

// CNTK's DataType numbering (Variable.data_type, NDArrayView.data_type):
// 1 float, 2 double, 3 uchar, 4 float16, 5 int8, 6 int16. Nullopt otherwise.
std::optional<DataType> cntkElementType(std::uint64_t cntkDataType);

// CNTK shapes are column-major (the first dim varies fastest), the IR's are
// row-major, as Netron and CNTK's own Python API show them: reversing the
// dims describes the very same bytes. CNTK's sentinel dims become unknown
// dims (InferredDimension), the symbol "free" (FreeDimension), or an unknown
// rank (the "unknown shape" sentinel).
Shape cntkRowMajorShape(const ::nodus::cntk::NDShape& shape);

// The row-major dims of an NDArrayView, or nullopt when a dim is a sentinel
// or the element count overflows.
std::optional<std::vector<std::int64_t>> cntkTensorDims(const ::nodus::cntk::NDShape& shape);

// Number of elements the view's value field holds (float_values for Float
// and Float16, double_values, bytes_value, sint32_values).
std::uint64_t cntkStoredElementCount(const ::nodus::cntk::NDArrayView& view);

// The view's elements in the IR's packed little-endian layout for `type`.
// CNTK stores float16 widened to float; it is narrowed back here.
std::vector<std::byte> cntkDecodeValues(const ::nodus::cntk::NDArrayView& view, DataType type);

// Float16 arrays are stored as float32 words: narrows `count` of them from
// `floats` (little-endian) to float16 bits.
std::vector<std::byte> cntkNarrowFloats(std::span<const std::byte> floats, std::uint64_t count);

// Replaces the view's values with `bytes` (IR layout of `type`), in the
// field CNTK uses for that type. Throws Error when the size does not fit.
void cntkEncodeValues(::nodus::cntk::NDArrayView& view, DataType type, std::span<const std::byte> bytes,
                      const std::string& tensorName);


} // namespace nodus
