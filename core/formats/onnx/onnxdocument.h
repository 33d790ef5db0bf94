#pragma once

#include "ir/nativedocument.h"
#include "ir/tensor.h"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <unordered_set>

namespace nodus {

class MappedFile;

// ONNX's native document: the ModelProto as read, minus the raw_data payloads,
// which stay in the mapped file. Unknown fields (newer ONNX versions) live in
// the protobuf messages and are written back as they came.
class OnnxDocument final : public NativeDocument {
public:
    std::string_view formatName() const override { return "onnx"; }

    ::onnx::ModelProto proto;
    std::shared_ptr<const MappedFile> file;

    // raw_data left out of a TensorProto: where it sits in `file`.
    struct Payload {
        std::uint64_t offset = 0;
        std::uint64_t length = 0;
    };
    std::unordered_map<const ::onnx::TensorProto*, Payload> payloads;
    // Messages that hold a registered tensor somewhere below them; the writer
    // streams these field by field and lets protobuf serialize the rest.
    std::unordered_set<const google::protobuf::Message*> containers;
    // The IR tensor made from each TensorProto: its current bytes are what
    // the writer saves, so edits to the IR tensor reach the file.
    std::unordered_map<const ::onnx::TensorProto*, std::shared_ptr<Tensor>> tensors;
    // The data each tensor had when read: while a tensor still holds it, its
    // TensorProto can be written exactly as it came.
    std::unordered_map<const ::onnx::TensorProto*, std::shared_ptr<const TensorData>> originalData;
};

} // namespace nodus
