#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace nodus {

class MappedFile;

// Where a tensor's bytes live in a file, so writers can copy the range
// without reading it and views can tell "unchanged since opened".
struct FileRegion {
    std::shared_ptr<const MappedFile> file;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

// Immutable element bytes of a tensor, packed little-endian in the IR's
// canonical layout (ONNX raw_data layout). Reading is explicit: bytes() may
// fault pages in or decode; size() never does.
class TensorData {
public:
    virtual ~TensorData() = default;
    virtual std::uint64_t size() const = 0;
    // Throws nodus::Error when the bytes cannot be produced (I/O, decoding).
    virtual std::span<const std::byte> bytes() const = 0;
    // Set when the bytes are an untouched range of a file.
    virtual const FileRegion* region() const { return nullptr; }
};

} // namespace nodus
