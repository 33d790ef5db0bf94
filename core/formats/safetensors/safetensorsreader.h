#pragma once

#include "ir/model.h"

#include <memory>

namespace nodus {

class MappedFile;

// Reads a safetensors file into a model with an empty graph whose
// initializers are its tensors, in data order, as zero-copy views onto the
// mapped file; __metadata__ becomes the model's metadata. The header is
// validated as the reference implementation does (and a little more: it
// names the tensor and the problem): the header size within the file and
// at most 100 MB, a JSON object, every tensor with a known dtype, a shape of
// non-negative integers and data_offsets [begin, end] whose length is
// shape x dtype size, and tensors that tile the data area exactly: no
// overlap, no gap, nothing before or after.
std::unique_ptr<Model> readSafetensors(std::shared_ptr<const MappedFile> file);

} // namespace nodus
