#include "onnxlazyparser.h"

#include "util/error.h"
#include "util/mappedfile.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <climits>

namespace nodus {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::Message;
using google::protobuf::internal::WireFormatLite;

// Nested graphs deeper than this are treated as malicious input.
constexpr int kMaxDepth = 64;

// Fields that may lead to a TensorProto: the walker descends into these.
bool descends(const Descriptor* d, int field)
{
    if (d == ::onnx::ModelProto::descriptor())
        return field == 7 || field == 20 || field == 25;
    if (d == ::onnx::GraphProto::descriptor())
        return field == 1 || field == 5 || field == 15;
    if (d == ::onnx::NodeProto::descriptor())
        return field == 5;
    if (d == ::onnx::AttributeProto::descriptor())
        return field == 5 || field == 6 || field == 10 || field == 11 || field == 22 || field == 23;
    if (d == ::onnx::FunctionProto::descriptor())
        return field == 7;
    if (d == ::onnx::SparseTensorProto::descriptor())
        return field == 1 || field == 2;
    if (d == ::onnx::TrainingInfoProto::descriptor())
        return field == 1 || field == 2;
    return false;
}

const char* messageName(const Message& m)
{
    return m.GetDescriptor()->name().c_str();
}

} // namespace

OnnxLazyParser::OnnxLazyParser(OnnxDocument& doc)
    : doc_(doc)
{
}

void OnnxLazyParser::fail(const std::string& what, std::uint64_t offset) const
{
    throw Error(doc_.file->path().string() + ": not a valid ONNX model: " + what + " at byte "
                + std::to_string(offset));
}

void OnnxLazyParser::parse()
{
    parseMessage(doc_.proto, 0, doc_.file->size(), 0);
}

void OnnxLazyParser::parseMessage(Message& msg, std::uint64_t begin, std::uint64_t end, int depth)
{
    if (depth > kMaxDepth)
        fail("graphs nested more than " + std::to_string(kMaxDepth) + " deep", begin);
    if (end - begin > static_cast<std::uint64_t>(INT_MAX))
        fail(std::string(messageName(msg)) + " larger than 2 GB (protobuf's limit; use external data)", begin);

    const Descriptor* d = msg.GetDescriptor();
    const bool isTensor = d == ::onnx::TensorProto::descriptor();
    if (isTensor)
        doc_.containers.insert(stack_.begin(), stack_.end());
    stack_.push_back(&msg);

    const auto* start = reinterpret_cast<const std::uint8_t*>(doc_.file->data()) + begin;
    const int size = static_cast<int>(end - begin);
    google::protobuf::io::CodedInputStream in(start, size);
    in.SetTotalBytesLimit(INT_MAX);

    // Ordinary fields are collected into runs and parsed by protobuf in one go.
    int runStart = -1;
    auto flush = [&](int runEnd) {
        if (runStart < 0)
            return;
        google::protobuf::io::CodedInputStream sub(start + runStart, runEnd - runStart);
        sub.SetTotalBytesLimit(INT_MAX);
        if (!msg.MergePartialFromCodedStream(&sub) || !sub.ConsumedEntireMessage())
            fail(std::string("malformed ") + messageName(msg), begin + runStart);
        runStart = -1;
    };

    while (true) {
        const int pos = in.CurrentPosition();
        if (pos >= size)
            break;
        const std::uint32_t tag = in.ReadTag();
        if (tag == 0)
            fail(std::string("malformed field in ") + messageName(msg), begin + pos);
        const int field = static_cast<int>(tag >> 3);
        const bool delimited = WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
        const bool payload = isTensor && field == 9 && delimited;
        if (delimited && (payload || descends(d, field))) {
            flush(pos);
            std::uint32_t len = 0;
            if (!in.ReadVarint32(&len))
                fail("bad length", begin + pos);
            const int dataPos = in.CurrentPosition();
            if (len > static_cast<std::uint32_t>(size - dataPos))
                fail(std::string("field runs past the end of its ") + messageName(msg), begin + pos);
            if (payload) {
                doc_.payloads[static_cast<const ::onnx::TensorProto*>(&msg)] = {begin + dataPos, len};
            } else {
                const auto* fd = d->FindFieldByNumber(field);
                const auto* refl = msg.GetReflection();
                Message* sub = fd->is_repeated() ? refl->AddMessage(&msg, fd) : refl->MutableMessage(&msg, fd);
                parseMessage(*sub, begin + dataPos, begin + dataPos + len, depth + 1);
            }
            in.Skip(static_cast<int>(len));
        } else {
            if (runStart < 0)
                runStart = pos;
            if (!WireFormatLite::SkipField(&in, tag))
                fail(std::string("malformed field in ") + messageName(msg), begin + pos);
        }
    }
    flush(size);
    stack_.pop_back();
}

} // namespace nodus
