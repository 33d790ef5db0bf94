#pragma once

#include "protopayloadparser.h"

#include "formats/mindspore/checkpoint.pb.h"
#include "ir/nativedocument.h"
#include "ir/tensor.h"

#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace nodus {

class MappedFile;

// A MindSpore checkpoint as read: the Checkpoint message without the tensor
// contents, which stay in the mapped file, and one entry per IR tensor.
class CheckpointDocument final : public NativeDocument {
public:
    std::string_view formatName() const override { return "mindspore-ckpt"; }

    ckpt::Checkpoint proto;
    std::shared_ptr<const MappedFile> file;
    std::unordered_map<const google::protobuf::Message*, ProtoPayloadParser::Payload> payloads;
    std::unordered_set<const google::protobuf::Message*> containers;

    // One stored TensorProto of an entry, with its contents as read.
    struct Slice {
        const ckpt::Checkpoint::Value* value = nullptr;
        const ckpt::TensorProto* tensor = nullptr;
        std::shared_ptr<const TensorData> stored; // null when it had no contents
    };
    // One IR tensor: a parameter (MindSpore writes tensors over 512 MB as
    // several consecutive Values with the same tag), or one tensor of a
    // MapParameter.
    struct Entry {
        std::vector<Slice> slices;
        std::shared_ptr<Tensor> tensor;
        // As imported, to tell an edited tensor from an untouched one.
        std::string name;
        DataType dataType = DataType::Undefined;
        std::vector<std::int64_t> dims;
        std::shared_ptr<const TensorData> data;
        std::vector<std::string> strings;
        // MindSpore writes a scalar with dims [0]; the IR has dims [].
        bool scalarAsZeroDim = false;
    };
    std::vector<Entry> entries;
};

} // namespace nodus
