#pragma once

#include "mindirdocument.h"

#include "ir/model.h"

#include <filesystem>

namespace nodus {

// Writes a model read by MindirImporter back to a .mindir file, atomically.
// The protobuf skeleton is written as it was read (unknown fields included);
// each tensor's bytes come from its IR tensor, so unedited weights are copied
// byte for byte from the source in the kernel and edited ones are written
// from memory. Tensors kept in external files stay there when saving into
// the same folder unedited, and are written inline otherwise. An encrypted
// model is encrypted again with its key and layout.
class MindirWriter {
public:
    explicit MindirWriter(const Model& model);
    void write(const std::filesystem::path& path);

private:
    const MindirDocument& doc_;
};

} // namespace nodus
