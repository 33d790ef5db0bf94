#pragma once

#include <cstddef>

namespace nodus {

class Model;

// Fills in the types of values the file leaves unannotated (most
// intermediate tensors) with libonnx's shape inference, for display: edge
// labels and panels. The file is never changed: inference runs on a copy of
// the protobuf skeleton with only small shape-like initializers filled in
// (enough for Reshape/Expand targets), and only the IR's Value types are
// set, marked as inferred. Returns how many values got a type. Models not
// read as ONNX, and ops libonnx does not know, are left as they are.
std::size_t inferOnnxShapes(Model& model);

} // namespace nodus
