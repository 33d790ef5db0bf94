#pragma once

#include "ggufdocument.h"

#include <filesystem>
#include <vector>

namespace nodus {

class Model;
class TensorData;

// One tensor to lay out: its ggml type, dims in ggml order and its bytes
// (already in that type's encoding).
struct GgufWriteTensor {
    std::string name;
    GgmlTypeInfo type;
    std::vector<std::uint64_t> ne;
    const TensorData* data = nullptr;
};

// Writes a GGUF v3 file: the header, `metadata` as given, the tensor infos
// and each tensor's bytes at offsets aligned to `alignment` (which must match
// general.alignment when the metadata has one). Atomic: the target is
// replaced only when everything was written.
void writeGgufFile(const std::vector<GgufKeyValue>& metadata, const std::vector<GgufWriteTensor>& tensors,
    std::uint64_t alignment, const std::filesystem::path& path);

// Writes a model as GGUF. Metadata comes from the model's properties: an
// entry whose text is unchanged keeps its stored type and value (abridged
// arrays included), an edited one is parsed back as its stored type (an
// array from a JSON array), a new one is a string. Tensors of plain types
// are written from their current bytes; quantized ones (read from a GGUF
// file, DataType::Undefined) as stored. Models of other formats are written
// too, when their tensors have types GGUF stores.
void writeGgufModel(const Model& model, const std::filesystem::path& path);

} // namespace nodus
