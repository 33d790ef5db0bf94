#pragma once

#include <filesystem>

namespace nodus {

class Model;

// Saves a model opened from Caffe: a .caffemodel is the parsed NetParameter
// with each weight blob's values taken from the IR (every other field kept,
// unknown ones included); a .prototxt is the network as text, without blobs.
// Layer names follow the nodes' names.
void writeCaffe(const Model& model, const std::filesystem::path& path);

} // namespace nodus
