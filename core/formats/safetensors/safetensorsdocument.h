#pragma once

#include "ir/nativedocument.h"
#include "ir/tensor.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace nodus {

class MappedFile;

// A safetensors file as read: the header's facts and, per tensor, what it
// was when imported, so the writer can tell an untouched file (copied as it
// is) from edited values (the header kept byte for byte) from renames and
// casts (a new header).
class SafetensorsDocument final : public NativeDocument {
public:
    std::string_view formatName() const override { return "safetensors"; }

    std::shared_ptr<const MappedFile> file;
    std::uint64_t headerSize = 0; // the JSON's bytes, padding included
    // __metadata__, in the order of the header.
    std::vector<std::pair<std::string, std::string>> metadata;

    struct Entry {
        std::shared_ptr<Tensor> tensor;
        // As imported.
        std::string name;
        DataType dataType = DataType::Undefined;
        std::vector<std::int64_t> dims;
        std::shared_ptr<const TensorData> data;
        std::uint64_t begin = 0; // data_offsets, relative to the data area
        std::uint64_t end = 0;
    };
    // In data order (the order of data_offsets).
    std::vector<Entry> entries;
};

} // namespace nodus
