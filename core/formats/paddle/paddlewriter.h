#pragma once

#include <filesystem>

namespace nodus {

class Model;

// Saves a PaddlePaddle model read by Nodus with its weight values as they
// are now. The program goes to `path` byte for byte (a folder: into it,
// under the program's own file name); the parameters go beside it in the
// layout they were read in: one combined file (x.pdmodel -> x.pdiparams,
// __model__ -> __params__) or one file per weight, named after it. Each
// LoDTensor record keeps its header (LoD levels, TensorDesc) as read; an
// edited weight gets its new elements, which must keep its type and shape.
// Every file is written atomically (temporary file, then rename), so saving
// over the files the model was opened from is safe.
void writePaddleModel(const Model& model, const std::filesystem::path& path);

} // namespace nodus
