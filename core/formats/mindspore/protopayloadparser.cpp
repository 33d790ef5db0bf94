#include "protopayloadparser.h"

#include "util/error.h"
#include "util/mappedfile.h"

#include <google/protobuf/io/coded_stream.h>

#include <climits>

namespace nodus {

namespace {

using google::protobuf::FieldDescriptor;

// Nested graphs (MindIR closures, attribute values) deeper than this are
// treated as malicious input; protobuf's own parser has its own limit.
constexpr int kMaxDepth = 64;

const char* messageName(const google::protobuf::Message& m)
{
    return m.GetDescriptor()->name().c_str();
}

} // namespace

ProtoPayloadParser::ProtoPayloadParser(std::shared_ptr<const MappedFile> file, std::string what,
    std::vector<std::pair<const Descriptor*, int>> payloadFields)
    : file_(std::move(file))
    , what_(std::move(what))
    , payloadFields_(std::move(payloadFields))
{
}

void ProtoPayloadParser::fail(const std::string& what, std::uint64_t offset) const
{
    throw Error(file_->path().string() + ": not a valid " + what_ + ": " + what + " at byte " + std::to_string(offset));
}

int ProtoPayloadParser::payloadField(const Descriptor* d) const
{
    for (const auto& [descriptor, field] : payloadFields_)
        if (descriptor == d)
            return field;
    return 0;
}

bool ProtoPayloadParser::reaches(const Descriptor* d) const
{
    auto it = reaches_.find(d);
    return it != reaches_.end() && it->second;
}

void ProtoPayloadParser::computeReach(const Descriptor* root)
{
    // Every message type the root can contain, then a fixed point: a type
    // reaches a payload when it has one or a field of a type that does.
    // (Graph and attribute types are mutually recursive, so one depth-first
    // pass is not enough.)
    std::vector<const Descriptor*> types { root };
    reaches_.clear();
    reaches_[root] = false;
    for (std::size_t k = 0; k < types.size(); ++k) {
        const Descriptor* d = types[k];
        for (int f = 0; f < d->field_count(); ++f) {
            const FieldDescriptor* fd = d->field(f);
            if (fd->type() == FieldDescriptor::TYPE_MESSAGE && reaches_.emplace(fd->message_type(), false).second)
                types.push_back(fd->message_type());
        }
    }
    for (const Descriptor* d : types)
        reaches_[d] = payloadField(d) != 0;
    for (bool changed = true; changed;) {
        changed = false;
        for (const Descriptor* d : types) {
            if (reaches_[d])
                continue;
            for (int f = 0; f < d->field_count(); ++f) {
                const FieldDescriptor* fd = d->field(f);
                if (fd->type() == FieldDescriptor::TYPE_MESSAGE && reaches_[fd->message_type()]) {
                    reaches_[d] = changed = true;
                    break;
                }
            }
        }
    }
}

void ProtoPayloadParser::parse(Message& root)
{
    computeReach(root.GetDescriptor());
    parseMessage(root, 0, file_->size(), 0);
}

void ProtoPayloadParser::parseMessage(Message& msg, std::uint64_t begin, std::uint64_t end, int depth)
{
    if (depth > kMaxDepth)
        fail("messages nested more than " + std::to_string(kMaxDepth) + " deep", begin);

    const Descriptor* d = msg.GetDescriptor();
    const int payload = payloadField(d);
    if (payload)
        containers.insert(stack_.begin(), stack_.end());
    stack_.push_back(&msg);

    const auto* base = reinterpret_cast<const std::uint8_t*>(file_->data());
    auto readVarint = [&](std::uint64_t& pos, std::uint64_t& out) {
        out = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end)
                return false;
            const std::uint8_t b = base[pos++];
            out |= static_cast<std::uint64_t>(b & 0x7f) << shift;
            if (!(b & 0x80))
                return true;
        }
        return false;
    };

    // Ordinary fields are collected into runs and parsed by protobuf in one go.
    std::uint64_t runStart = end;
    bool inRun = false;
    auto flush = [&](std::uint64_t runEnd) {
        if (!inRun)
            return;
        inRun = false;
        if (runEnd - runStart > static_cast<std::uint64_t>(INT_MAX))
            fail(std::string(messageName(msg)) + " fields larger than 2 GB (protobuf's limit)", runStart);
        google::protobuf::io::CodedInputStream sub(base + runStart, static_cast<int>(runEnd - runStart));
        sub.SetTotalBytesLimit(INT_MAX);
        if (!msg.MergePartialFromCodedStream(&sub) || !sub.ConsumedEntireMessage())
            fail(std::string("malformed ") + messageName(msg), runStart);
    };

    std::uint64_t pos = begin;
    while (pos < end) {
        const std::uint64_t tagPos = pos;
        std::uint64_t tag = 0;
        if (!readVarint(pos, tag) || tag > 0xffffffffu || (tag >> 3) == 0)
            fail(std::string("malformed field in ") + messageName(msg), tagPos);
        const int field = static_cast<int>(tag >> 3);
        const int wireType = static_cast<int>(tag & 7);
        bool descend = false;
        if (wireType == 2 && field != payload) {
            const FieldDescriptor* fd = d->FindFieldByNumber(field);
            descend = fd && fd->type() == FieldDescriptor::TYPE_MESSAGE && reaches(fd->message_type());
        }
        if (wireType == 2 && (field == payload || descend)) {
            flush(tagPos);
            std::uint64_t len = 0;
            if (!readVarint(pos, len))
                fail("bad length", tagPos);
            if (len > end - pos)
                fail(std::string("field runs past the end of its ") + messageName(msg), tagPos);
            if (field == payload) {
                payloads[&msg] = { pos, len };
            } else {
                const FieldDescriptor* fd = d->FindFieldByNumber(field);
                const auto* refl = msg.GetReflection();
                Message* sub = fd->is_repeated() ? refl->AddMessage(&msg, fd) : refl->MutableMessage(&msg, fd);
                parseMessage(*sub, pos, pos + len, depth + 1);
            }
            pos += len;
            continue;
        }
        if (!inRun) {
            runStart = tagPos;
            inRun = true;
        }
        std::uint64_t skip = 0;
        switch (wireType) {
        case 0:
            if (!readVarint(pos, skip))
                fail(std::string("malformed field in ") + messageName(msg), tagPos);
            break;
        case 1:
        case 5: {
            const std::uint64_t n = wireType == 1 ? 8 : 4;
            if (end - pos < n)
                fail(std::string("field runs past the end of its ") + messageName(msg), tagPos);
            pos += n;
            break;
        }
        case 2:
            if (!readVarint(pos, skip) || skip > end - pos)
                fail(std::string("field runs past the end of its ") + messageName(msg), tagPos);
            pos += skip;
            break;
        default:
            // Groups (3, 4) are not used by any format read this way.
            fail(std::string("unsupported wire type ") + std::to_string(wireType) + " in " + messageName(msg), tagPos);
        }
    }
    flush(end);
    stack_.pop_back();
}

} // namespace nodus
