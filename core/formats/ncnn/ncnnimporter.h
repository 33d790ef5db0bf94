#pragma once

#include "formats/format.h"

#include <filesystem>
#include <memory>

namespace nodus {

class Model;

// Builds the IR from an ncnn .param (text or binary) and the weights in the
// .bin beside it (x.param -> x.bin, x.param.bin -> x.bin), or from a pnnx
// graph whose .bin is a zip of "<layer>.<attribute>" members.
std::unique_ptr<Model> importNcnn(const Probe& probe);

// The weights file that belongs to a param file.
std::filesystem::path ncnnWeightsPath(const std::filesystem::path& param);

} // namespace nodus
