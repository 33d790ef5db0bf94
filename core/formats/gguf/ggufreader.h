#pragma once

#include "ir/model.h"

#include <memory>

namespace nodus {

class MappedFile;

// Reads a GGUF file (versions 2 and 3, little-endian): its metadata become
// the model's properties (arrays abridged past kGgufFullArrayItems, kept
// whole in the GgufDocument), its tensors a weight set: an empty graph whose
// initializers are zero-copy views of the data section, dims in the IR's
// order (the reverse of ggml's ne[]). Plain ggml types map to IR element
// types; quantized blocks keep DataType::Undefined and the ggml type name in
// the tensor's docString. Every count, length and offset is checked against
// the file before it is used.
std::unique_ptr<Model> readGguf(std::shared_ptr<const MappedFile> file);

} // namespace nodus
