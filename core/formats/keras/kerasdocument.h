#pragma once

#include "ir/datatype.h"
#include "ir/nativedocument.h"
#include "ir/tensor.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nodus {

class MappedFile;

// A Keras file as read, for write-back: where each weight's elements lie in
// the HDF5 bytes, so a save copies the file and patches only those ranges.
// For a .keras archive the HDF5 file is the member `weightsMember`.
class KerasDocument final : public NativeDocument {
public:
    std::string_view formatName() const override { return "keras"; }

    std::shared_ptr<const MappedFile> file;
    bool archive = false;
    std::string weightsMember; // .keras: "model.weights.h5"

    struct Entry {
        std::shared_ptr<Tensor> tensor;
        std::shared_ptr<const TensorData> data; // as imported
        DataType dataType = DataType::Undefined;
        std::vector<std::int64_t> dims;
        std::uint64_t offset = 0; // in the HDF5 bytes
        std::uint64_t size = 0;
        bool bigEndian = false;
    };
    std::vector<Entry> entries;
};

} // namespace nodus
