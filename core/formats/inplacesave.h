#pragma once

#include "ir/datatype.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

namespace nodus {

class MappedFile;
class Tensor;
class TensorData;

// A tensor whose bytes lie in its file as one range, with what it was read
// as: the native documents of TFLite, MindSpore Lite and Core ML keep one
// per stored tensor for saving.
struct StoredTensor {
    std::shared_ptr<Tensor> tensor;
    std::shared_ptr<const TensorData> original;
    DataType dataType = DataType::Undefined;
    std::vector<std::int64_t> dims;
    std::uint64_t offset = 0; // of the bytes in the file
    std::uint64_t length = 0;
    bool contiguous = true; // false: not one byte range (Core ML's unpacked floats)
};

// Saves `source` as `path`, byte for byte, with the bytes of every edited
// tensor overwritten where they lie. Only edits that keep type, shape and
// size fit; others are refused naming the tensor, `fixedBy` saying why
// ("a TFLite file fixes each tensor's type and shape in its FlatBuffer").
// Tensors that share one range (deduplicated buffers) must be edited alike.
void saveEditedInPlace(const MappedFile& source, const std::vector<StoredTensor>& tensors,
    const std::filesystem::path& path, std::string_view fixedBy);

} // namespace nodus
