#pragma once

#include <cstdint>
#include <string>

namespace nodus {

class OutputSink;

// Writes a zip archive member by member onto an OutputSink: the local
// header, then the caller's data, and at finish() the central directory and
// end records, with Zip64 fields wherever a size or offset needs them. Used
// by the .npz writer and the PyTorch checkpoint writer.
class ZipWriter {
public:
    struct Member {
        std::string name;
        unsigned method = 0; // 0 stored, 8 deflated (data passed through as it is)
        std::uint32_t crc = 0;
        std::uint64_t compressedSize = 0;
        std::uint64_t uncompressedSize = 0;
    };

    explicit ZipWriter(OutputSink& sink);

    // Writes `m`'s local header; the caller then writes exactly
    // m.compressedSize bytes. With `align` > 1 the data starts on that
    // boundary (padded with an extra field, as PyTorch's writer does, so
    // readers can map it).
    void beginMember(const Member& m, std::uint64_t align = 1);
    // The central directory and the end records.
    void finish();

private:
    OutputSink& sink_;
    std::string central_;
    std::uint64_t count_ = 0;
};

} // namespace nodus
