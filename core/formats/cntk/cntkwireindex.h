#pragma once

#include "cntkdocument.h"

#include <span>

namespace nodus {

// Walks the wire bytes of a CNTK Dictionary beside its parsed protobuf and
// records, in the document, where each NDArrayView and its packed elements
// lie in the file. Protobuf's parser gives no offsets, and the writer needs
// them to splice an edited array into otherwise untouched bytes.
//
// A place the walk cannot map one to one (a singular field repeated on the
// wire, which protobuf merges into one message) is simply not recorded:
// reading never depends on the index, only zero-copy views and edits do.
class CntkWireIndex {
public:
    explicit CntkWireIndex(CntkDocument& doc);
    void build();

private:
    using Bytes = std::span<const std::byte>;
    void dictionary(Bytes bytes, const ::nodus::cntk::Dictionary& dict, int depth);
    void value(Bytes bytes, const ::nodus::cntk::DictionaryValue& value, int depth);
    void vector(Bytes bytes, const ::nodus::cntk::Vector& vector, int depth);
    void arrayView(Bytes bytes, const ::nodus::cntk::NDArrayView& view);
    CntkDocument::Range range(Bytes bytes) const;

    CntkDocument& doc_;
    const std::byte* base_ = nullptr;
};

} // namespace nodus
