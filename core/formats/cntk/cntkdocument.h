#pragma once

#include "ir/nativedocument.h"
#include "ir/tensor.h"

#include "formats/cntk/cntk.pb.h"

#include <cstdint>
#include <memory>
#include <unordered_map>

namespace nodus {

class MappedFile;

// CNTK model-v2's native document: the Dictionary as parsed, plus where each
// NDArrayView lies in the mapped file. Saving copies the file and splices in
// only the NDArrayViews whose tensors were edited, so every other byte
// (entry order, unknown fields, odd encodings) stays as CNTK wrote it.
class CntkDocument final : public NativeDocument {
public:
    std::string_view formatName() const override { return "cntk"; }

    ::nodus::cntk::Dictionary proto;
    std::shared_ptr<const MappedFile> file;

    struct Range {
        std::uint64_t offset = 0;
        std::uint64_t length = 0;
    };
    // The body of each NDArrayView message in `file`. Views the index could
    // not place unambiguously (a field repeated on the wire, which protobuf
    // merges) are absent: they read fine but cannot take an edit.
    std::unordered_map<const ::nodus::cntk::NDArrayView*, Range> views;
    // Where the packed elements of a view lie in `file`, when they are one
    // contiguous little-endian run the tensor can map without a copy.
    std::unordered_map<const ::nodus::cntk::NDArrayView*, Range> payloads;

    // The IR tensor made from each NDArrayView, and the data it had when
    // read: a tensor still holding that data is saved as the original bytes.
    std::unordered_map<const ::nodus::cntk::NDArrayView*, std::shared_ptr<Tensor>> tensors;
    std::unordered_map<const ::nodus::cntk::NDArrayView*, std::shared_ptr<const TensorData>> originalData;
};

} // namespace nodus
