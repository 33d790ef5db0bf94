#pragma once

#include "ir/datatype.h"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nodus {

class Tensor;

// The safetensors facts shared by the format and the weights exporter
// (core/convert/weightsexport.cpp).

// The header's dtype code ("F32", "BF16", ...) of `type`, null when
// safetensors has none.
const char* safetensorsDtype(DataType type);
std::optional<DataType> dataTypeFromSafetensors(std::string_view code);

// The reference implementation refuses headers larger than this.
constexpr std::uint64_t kSafetensorsMaxHeader = 100'000'000;

// Writes `tensors` as a safetensors file, atomically: an 8-byte header size,
// the JSON header (__metadata__ first when `metadata` is not empty, then the
// tensors in the order given, laid out one after the other) padded with
// spaces to 8 bytes as the reference writer does, then the data. Every tensor
// must be dense with a safetensors dtype and data matching its type and
// shape, and names must be unique; otherwise an Error says which and why.
void writeSafetensorsFile(const std::vector<const Tensor*>& tensors,
    const std::vector<std::pair<std::string, std::string>>& metadata, const std::filesystem::path& path);

} // namespace nodus
