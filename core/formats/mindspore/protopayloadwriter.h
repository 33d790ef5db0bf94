#pragma once

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/message.h>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <unordered_set>

namespace nodus {

class OutputSink;
class TensorData;

// Writes a message tree parsed by ProtoPayloadParser back out. Messages that
// hold no payload are serialized by protobuf as they were read (unknown
// fields included); payload-carrying messages and the containers above them
// are streamed field by field in field-number order, with each payload's
// bytes spliced in from the source file in the kernel (unedited) or written
// from memory (edited). An unedited tree therefore comes out byte for byte as
// protobuf would have written it, which is how MindSpore writes its files.
class ProtoPayloadWriter {
public:
    using Message = google::protobuf::Message;

    // What to write in place of one message of the original tree.
    struct Emission {
        // Serialized instead of the original when set (an edited copy).
        std::shared_ptr<const Message> replacement;
        // Written as length-delimited field `field`, in field order.
        std::shared_ptr<const TensorData> payload;
        int field = 0;
        // Left out of its container altogether.
        bool drop = false;
    };

    explicit ProtoPayloadWriter(const std::unordered_set<const Message*>& containers);

    void set(const Message* original, Emission emission);
    // Streams `m` field by field too: for a replacement whose own
    // sub-messages carry emissions (a renamed checkpoint entry).
    void addContainer(const Message* m);
    // The serialized size of `root` (without a length prefix).
    std::uint64_t size(const Message& root);
    // Writes `root`'s fields (no length prefix) to the sink.
    void write(const Message& root, OutputSink& sink);

private:
    const Emission* emission(const Message& m) const;
    std::uint64_t elementSize(const Message& m);
    void writeMessage(const Message& m, google::protobuf::io::CodedOutputStream& out, OutputSink& sink);

    bool streamed(const Message& original, const Message& m, const Emission* e) const;

    const std::unordered_set<const Message*>& containers_;
    std::unordered_set<const Message*> extraContainers_;
    std::unordered_map<const Message*, Emission> emissions_;
    std::unordered_map<const Message*, std::uint64_t> sizes_;
};

} // namespace nodus
