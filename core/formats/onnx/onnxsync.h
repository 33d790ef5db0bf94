#pragma once

namespace nodus {

class Model;

// Writes the IR's structural edits (names, attributes, input shapes, deleted
// nodes and tensors, model properties) into an ONNX model's protobuf
// skeleton before it is saved. Only what differs is touched: an unedited
// model keeps every byte, and fields the IR does not model stay as read.
// Models not read as ONNX are left alone. Throws nodus::Error for an edit
// ONNX cannot hold.
void syncOnnxDocument(const Model& model);

} // namespace nodus
