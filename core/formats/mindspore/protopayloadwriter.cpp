#include "protopayloadwriter.h"

#include "ir/tensordata.h"
#include "util/error.h"
#include "util/mappedfile.h"
#include "util/outputsink.h"

#include <google/protobuf/wire_format.h>
#include <google/protobuf/wire_format_lite.h>

#include <vector>

namespace nodus {

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::internal::WireFormat;
using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedOutputStream;

std::uint64_t delimitedSize(int field, std::uint64_t bodySize)
{
    return CodedOutputStream::VarintSize32(static_cast<std::uint32_t>(field) << 3)
        + CodedOutputStream::VarintSize64(bodySize) + bodySize;
}

void writeDelimitedHeader(CodedOutputStream& out, int field, std::uint64_t bodySize)
{
    out.WriteTag(WireFormatLite::MakeTag(field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
    out.WriteVarint64(bodySize);
}

} // namespace

ProtoPayloadWriter::ProtoPayloadWriter(const std::unordered_set<const Message*>& containers)
    : containers_(containers)
{
}

void ProtoPayloadWriter::set(const Message* original, Emission emission)
{
    emissions_[original] = std::move(emission);
    sizes_.clear();
}

void ProtoPayloadWriter::addContainer(const Message* m)
{
    extraContainers_.insert(m);
    sizes_.clear();
}

bool ProtoPayloadWriter::streamed(const Message& original, const Message& m, const Emission* e) const
{
    return (e && e->payload) || containers_.count(&original) || extraContainers_.count(&original)
        || extraContainers_.count(&m);
}

const ProtoPayloadWriter::Emission* ProtoPayloadWriter::emission(const Message& m) const
{
    auto it = emissions_.find(&m);
    return it == emissions_.end() ? nullptr : &it->second;
}

std::uint64_t ProtoPayloadWriter::size(const Message& root)
{
    return elementSize(root);
}

std::uint64_t ProtoPayloadWriter::elementSize(const Message& original)
{
    const Emission* e = emission(original);
    const Message& m = e && e->replacement ? *e->replacement : original;
    if (!streamed(original, m, e))
        return m.ByteSizeLong(); // also caches the sizes SerializeWithCachedSizes relies on
    if (auto it = sizes_.find(&original); it != sizes_.end())
        return it->second;

    m.ByteSizeLong(); // caches the sizes of the plain fields' sub-messages
    const auto* refl = m.GetReflection();
    std::vector<const FieldDescriptor*> fields;
    refl->ListFields(m, &fields);
    std::uint64_t total = 0;
    for (const auto* fd : fields) {
        if (fd->type() != FieldDescriptor::TYPE_MESSAGE) {
            total += WireFormat::FieldByteSize(fd, m);
            continue;
        }
        const int count = fd->is_repeated() ? refl->FieldSize(m, fd) : 1;
        for (int k = 0; k < count; ++k) {
            const Message& elem = fd->is_repeated() ? refl->GetRepeatedMessage(m, fd, k) : refl->GetMessage(m, fd);
            if (const Emission* ee = emission(elem); ee && ee->drop)
                continue;
            total += delimitedSize(fd->number(), elementSize(elem));
        }
    }
    if (e && e->payload)
        total += delimitedSize(e->field, e->payload->size());
    total += WireFormat::ComputeUnknownFieldsSize(refl->GetUnknownFields(m));
    sizes_[&original] = total;
    return total;
}

void ProtoPayloadWriter::write(const Message& root, OutputSink& sink)
{
    sizes_.clear();
    elementSize(root);
    CodedOutputStream out(&sink);
    writeMessage(root, out, sink);
    out.Trim();
    if (out.HadError())
        throw Error("cannot write the serialized model");
}

void ProtoPayloadWriter::writeMessage(const Message& original, CodedOutputStream& out, OutputSink& sink)
{
    const Emission* e = emission(original);
    const Message& m = e && e->replacement ? *e->replacement : original;
    const TensorData* payload = e ? e->payload.get() : nullptr;
    if (!streamed(original, m, e)) {
        m.SerializeWithCachedSizes(&out);
        return;
    }
    const auto* refl = m.GetReflection();
    std::vector<const FieldDescriptor*> fields;
    refl->ListFields(m, &fields);
    // Fields in number order with the payload in its place, as protobuf would.
    bool payloadDone = payload == nullptr;
    auto emitPayload = [&] {
        writeDelimitedHeader(out, e->field, payload->size());
        out.Trim();
        sink.writeData(*payload);
        payloadDone = true;
    };
    for (const auto* fd : fields) {
        if (!payloadDone && fd->number() > e->field)
            emitPayload();
        if (fd->type() != FieldDescriptor::TYPE_MESSAGE) {
            WireFormat::SerializeFieldWithCachedSizes(fd, m, &out);
            continue;
        }
        const int count = fd->is_repeated() ? refl->FieldSize(m, fd) : 1;
        for (int k = 0; k < count; ++k) {
            const Message& elem = fd->is_repeated() ? refl->GetRepeatedMessage(m, fd, k) : refl->GetMessage(m, fd);
            if (const Emission* ee = emission(elem); ee && ee->drop)
                continue;
            writeDelimitedHeader(out, fd->number(), elementSize(elem));
            writeMessage(elem, out, sink);
        }
    }
    if (!payloadDone)
        emitPayload();
    WireFormat::SerializeUnknownFields(refl->GetUnknownFields(m), &out);
}

} // namespace nodus
