#include "cntkwireindex.h"

#include "util/mappedfile.h"
#include "util/protowire.h"

namespace nodus {

namespace {

// Deeper than protobuf's own recursion limit: such a file never parses.
constexpr int kMaxDepth = 128;

} // namespace

CntkWireIndex::CntkWireIndex(CntkDocument& doc)
    : doc_(doc)
{
}

void CntkWireIndex::build()
{
    const auto bytes = doc_.file->bytes();
    base_ = bytes.data();
    dictionary(bytes, doc_.proto, 0);
}

CntkDocument::Range CntkWireIndex::range(Bytes bytes) const
{
    return {static_cast<std::uint64_t>(bytes.data() - base_), bytes.size()};
}

void CntkWireIndex::dictionary(Bytes bytes, const ::nodus::cntk::Dictionary& dict, int depth)
{
    if (depth > kMaxDepth)
        return;
    int entry = 0;
    scanProtoFields(bytes, [&](const WireField& f) {
        if (f.number != 2 || f.wireType != 2)
            return true;
        if (entry >= dict.data_size())
            return false;
        const auto& parsed = dict.data(entry++);
        Bytes valueBytes;
        int values = 0;
        scanProtoFields(f.bytes, [&](const WireField& e) {
            if (e.number == 2 && e.wireType == 2) {
                valueBytes = e.bytes;
                ++values;
            }
            return true;
        });
        if (values == 1)
            value(valueBytes, parsed.value(), depth + 1);
        return true;
    });
}

void CntkWireIndex::value(Bytes bytes, const ::nodus::cntk::DictionaryValue& v, int depth)
{
    // The oneof's members are fields 3..13; with more than one on the wire
    // protobuf keeps the last or merges, and the bytes no longer map 1:1.
    int members = 0;
    WireField member;
    scanProtoFields(bytes, [&](const WireField& f) {
        if (f.number >= 3 && f.number <= 13) {
            ++members;
            member = f;
        }
        return true;
    });
    if (members != 1 || member.wireType != 2)
        return;
    using V = ::nodus::cntk::DictionaryValue;
    if (member.number == 11 && v.value_case() == V::kVectorValue)
        vector(member.bytes, v.vector_value(), depth + 1);
    else if (member.number == 12 && v.value_case() == V::kDictionaryValue)
        dictionary(member.bytes, v.dictionary_value(), depth + 1);
    else if (member.number == 13 && v.value_case() == V::kNdArrayViewValue)
        arrayView(member.bytes, v.nd_array_view_value());
}

void CntkWireIndex::vector(Bytes bytes, const ::nodus::cntk::Vector& vec, int depth)
{
    if (depth > kMaxDepth)
        return;
    int index = 0;
    scanProtoFields(bytes, [&](const WireField& f) {
        if (f.number != 1 || f.wireType != 2)
            return true;
        if (index >= vec.value_size())
            return false;
        value(f.bytes, vec.value(index++), depth + 1);
        return true;
    });
}

void CntkWireIndex::arrayView(Bytes bytes, const ::nodus::cntk::NDArrayView& view)
{
    doc_.views[&view] = range(bytes);
    int members = 0;
    WireField member;
    scanProtoFields(bytes, [&](const WireField& f) {
        if (f.number >= 4 && f.number <= 7) {
            ++members;
            member = f;
        }
        return true;
    });
    // Float, double and int8 payloads are the IR's own little-endian layout
    // on the wire; zigzag int16 is not, and is decoded instead.
    if (members != 1 || member.wireType != 2 || member.number == 7)
        return;
    int runs = 0;
    Bytes run;
    scanProtoFields(member.bytes, [&](const WireField& f) {
        ++runs;
        if (f.number == 1 && f.wireType == 2)
            run = f.bytes;
        return true;
    });
    if (runs == 1 && run.data())
        doc_.payloads[&view] = range(run);
}

} // namespace nodus
