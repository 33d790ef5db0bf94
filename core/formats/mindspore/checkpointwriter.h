#pragma once

#include "checkpointdocument.h"

#include "ir/model.h"

#include <filesystem>

namespace nodus {

// Writes a model read by CheckpointReader back, atomically: every entry as
// it was read unless its IR tensor changed, unedited contents copied from
// the source in the kernel. An edited tensor keeps its slicing when its size
// is unchanged and becomes one Value otherwise.
class CheckpointWriter {
public:
    explicit CheckpointWriter(const Model& model);
    void write(const std::filesystem::path& path);

private:
    const CheckpointDocument& doc_;
};

} // namespace nodus
