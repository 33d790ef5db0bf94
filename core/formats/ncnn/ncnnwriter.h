#pragma once

#include <filesystem>

namespace nodus {

class Model;

// Writes an ncnn model as a text .param and, when it has weights, the .bin
// beside it in each layer's load_model() order, keeping each weight's
// storage (fp32, fp16, int8).
void writeNcnn(const Model& model, const std::filesystem::path& path);

} // namespace nodus
