#pragma once

#include "ir/nativedocument.h"
#include "ir/tensor.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace nodus {

class MappedFile;

// A PyTorch checkpoint or TorchScript archive as read: where each storage's
// bytes lie, and how each shown tensor views its storage, so an edited
// tensor can be written back into the storage it came from.
class PytorchDocument final : public NativeDocument {
public:
    explicit PytorchDocument(std::string format)
        : format_(std::move(format))
    {
    }
    std::string_view formatName() const override { return format_; }

    std::shared_ptr<const MappedFile> file;
    bool legacy = false; // pre-1.6 pickle stream, not a zip
    std::string prefix; // zip: the archive's folder, with its '/'

    struct Storage {
        DataType type = DataType::Undefined;
        std::uint64_t elementSize = 0;
        std::uint64_t elements = 0;
        std::shared_ptr<const TensorData> bytes; // elements * elementSize
        // Legacy: where the bytes lie in the file (after the u64 count).
        std::uint64_t fileOffset = 0;
    };
    // Zip: by member name under the prefix ("data/0", "constants/0"); legacy: by key.
    std::map<std::string, Storage> storages;

    struct Entry {
        std::shared_ptr<Tensor> tensor;
        std::string storageKey;
        std::int64_t offset = 0; // elements
        std::vector<std::int64_t> strides;
        // As imported, to tell an edited tensor from an untouched one.
        std::string name;
        DataType dataType = DataType::Undefined;
        std::vector<std::int64_t> dims;
        std::shared_ptr<const TensorData> data;
    };
    std::vector<Entry> entries;

private:
    std::string format_;
};

} // namespace nodus
