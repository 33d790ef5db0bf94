#pragma once

#include "onnxdocument.h"

#include <string>
#include <vector>

namespace nodus {

// Parses a ModelProto out of a mapped file without copying tensor payloads:
// it walks the wire format with protobuf's CodedInputStream, descends into
// the messages that can hold tensors (graph, node, attribute, function,
// tensor, ...), records where each TensorProto.raw_data lies in the file, and
// hands every other run of fields to protobuf's own parser (which keeps
// unknown fields).
class OnnxLazyParser {
public:
    explicit OnnxLazyParser(OnnxDocument& doc);
    // Throws nodus::Error naming the file and the byte offset on bad input.
    void parse();

private:
    void parseMessage(google::protobuf::Message& msg, std::uint64_t begin, std::uint64_t end, int depth);
    [[noreturn]] void fail(const std::string& what, std::uint64_t offset) const;

    OnnxDocument& doc_;
    std::vector<const google::protobuf::Message*> stack_;
};

} // namespace nodus
