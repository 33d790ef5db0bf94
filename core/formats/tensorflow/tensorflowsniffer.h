#pragma once

#include <cstddef>
#include <span>

namespace nodus {

// What a file's bytes look like to the TensorFlow reader. Protobuf has no
// magic: binary messages are told apart by their field structure down to
// the NodeDefs (a string name and an op name that is an identifier), so
// ONNX, MindIR, CNTK, Caffe, Paddle and other protobuf formats are not taken.
enum class TfContent { None, GraphDef, MetaGraph, SavedModel, GraphDefText, MetaGraphText, SavedModelText };

TfContent sniffTensorflow(std::span<const std::byte> bytes);

} // namespace nodus
