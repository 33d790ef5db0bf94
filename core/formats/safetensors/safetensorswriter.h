#pragma once

#include "ir/model.h"

#include <filesystem>

namespace nodus {

// Writes a model read from safetensors back, atomically. Untouched, the file
// is copied as it was (byte-identical). With only tensor values edited (same
// names, types and shapes), the header is kept byte for byte and the data
// rewritten at the same offsets. Renames and casts write a new header in the
// reference writer's layout, __metadata__ kept, tensors in their data order.
void writeSafetensorsModel(const Model& model, const std::filesystem::path& path);

} // namespace nodus
