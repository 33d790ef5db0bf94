#pragma once

#include "ir/nativedocument.h"
#include "ir/tensor.h"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <vector>
#include <memory>
#include <unordered_map>
#include <unordered_set>

namespace nodus {

class Graph;
class MappedFile;
class Node;
class Value;

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

    // Where the IR's graphs, nodes and graph-level values came from, so
    // structural edits of the IR are written back into this skeleton
    // (onnxsync.h) with everything the IR does not model kept.
    std::unordered_map<const Graph*, ::onnx::GraphProto*> graphs;
    std::unordered_map<const Node*, ::onnx::NodeProto*> nodes;
    std::unordered_map<const ::onnx::ValueInfoProto*, const Value*> valueInfos;
    // Messages edits took out of the skeleton (deleted nodes, attributes,
    // tensors), kept alive so an undo can put them back.
    std::vector<std::unique_ptr<google::protobuf::Message>> detached;
    std::unordered_set<const ::onnx::TensorProto*> detachedTensors;
    std::unordered_map<const ::onnx::AttributeProto*, const ::onnx::NodeProto*> attributeOwners;
    std::unordered_map<const ::onnx::ValueInfoProto*, const ::onnx::GraphProto*> valueInfoOwners;
};

} // namespace nodus
