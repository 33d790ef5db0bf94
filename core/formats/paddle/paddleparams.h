#pragma once

#include "ir/datatype.h"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace nodus {

// The IR's element type of a Paddle VarType code (BOOL 0 ... COMPLEX128 24);
// nullopt for variable kinds (LOD_TENSOR, FEED_MINIBATCH, ...).
std::optional<DataType> paddleDataType(int code);

// One tensor of a Paddle parameter file, as saved by save/save_combine: a
// LoDTensor stream (u32 version 0, u64 LoD level count, each level a u64
// byte size and its offsets, u32 tensor version 0, i32 size of a TensorDesc
// protobuf, the TensorDesc, then the raw little-endian elements).
struct PaddleTensorRecord {
    DataType dataType = DataType::Undefined;
    std::vector<std::int64_t> dims;
    std::uint64_t start = 0; // of the record (its version field)
    std::uint64_t offset = 0; // of the elements, within the bytes given
    std::uint64_t length = 0;
};

// Reads the record at `pos`, leaving `pos` after it. Every size is checked
// against the bytes that remain; throws nodus::Error saying what is wrong.
PaddleTensorRecord readPaddleTensor(std::span<const std::byte> bytes, std::uint64_t& pos);

} // namespace nodus
