#pragma once

#include <google/protobuf/message.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace nodus {

class MappedFile;

// Parses a protobuf message out of a mapped file without copying tensor
// payloads: it walks the wire format itself (64-bit offsets, so a checkpoint
// of many gigabytes is fine as long as each entry is under 2 GB), descends
// into every message field whose type can lead to a payload, records where
// each payload lies in the file, and hands every other run of fields to
// protobuf's own parser, which keeps unknown fields for a lossless re-save.
// The same walk as OnnxLazyParser, driven by descriptors instead of field
// lists, so MindIR and checkpoints share it.
class ProtoPayloadParser {
public:
    struct Payload {
        std::uint64_t offset = 0;
        std::uint64_t length = 0;
    };
    using Descriptor = google::protobuf::Descriptor;
    using Message = google::protobuf::Message;

    // `payloadFields`: per message type, the bytes field left in the file
    // (MindIR TensorProto.raw_data, checkpoint TensorProto.tensor_content).
    // `what` names the format in messages: "not a valid <what>: ...".
    ProtoPayloadParser(std::shared_ptr<const MappedFile> file, std::string what,
        std::vector<std::pair<const Descriptor*, int>> payloadFields);

    // Throws nodus::Error naming the file, what is wrong and the byte offset.
    void parse(Message& root);

    // Messages whose payload field was left in the file, and where it lies.
    std::unordered_map<const Message*, Payload> payloads;
    // Messages with a payload-carrying message somewhere below them: a
    // writer streams these field by field.
    std::unordered_set<const Message*> containers;

private:
    void parseMessage(Message& msg, std::uint64_t begin, std::uint64_t end, int depth);
    int payloadField(const Descriptor* d) const;
    bool reaches(const Descriptor* d) const;
    void computeReach(const Descriptor* root);
    [[noreturn]] void fail(const std::string& what, std::uint64_t offset) const;

    std::shared_ptr<const MappedFile> file_;
    std::string what_;
    std::vector<std::pair<const Descriptor*, int>> payloadFields_;
    std::unordered_map<const Descriptor*, bool> reaches_;
    std::vector<const Message*> stack_;
};

} // namespace nodus
