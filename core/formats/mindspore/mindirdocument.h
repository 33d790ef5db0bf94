#pragma once

#include "mindsporecipher.h"
#include "protopayloadparser.h"

#include "formats/mindspore/mindir.pb.h"
#include "ir/nativedocument.h"
#include "ir/tensor.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace nodus {

class MappedFile;

// MindIR's native document: the ModelProto as read, minus the raw_data
// payloads, which stay in the mapped file (for an encrypted model: in the
// decrypted copy held in memory). Unknown fields of newer MindSpore releases
// live in the protobuf messages and are written back as they came.
class MindirDocument final : public NativeDocument {
public:
    std::string_view formatName() const override { return "mindir"; }

    mindir::ModelProto proto;
    // The bytes the proto was parsed from (the file, or the decrypted copy).
    std::shared_ptr<const MappedFile> file;
    // Where external data is looked up; empty when the model did not come
    // from a folder (bytes in memory).
    std::filesystem::path folder;

    std::unordered_map<const google::protobuf::Message*, ProtoPayloadParser::Payload> payloads;
    std::unordered_set<const google::protobuf::Message*> containers;
    // The IR tensor made from each TensorProto: its current bytes are what
    // the writer saves, so edits to the IR tensor reach the file.
    std::unordered_map<const mindir::TensorProto*, std::shared_ptr<Tensor>> tensors;
    // The data each tensor had when read: while a tensor still holds it, its
    // TensorProto is written exactly as it came.
    std::unordered_map<const mindir::TensorProto*, std::shared_ptr<const TensorData>> originalData;

    // Set when the file was encrypted: a re-save encrypts again, with the
    // same key and layout, rather than leaving the model in the clear.
    struct Encryption {
        MindSporeCipher::Layout layout;
        std::vector<unsigned char> key;
    };
    std::optional<Encryption> encryption;
};

} // namespace nodus
