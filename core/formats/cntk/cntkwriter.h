#pragma once

#include "cntkdocument.h"

#include "ir/model.h"

#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

namespace nodus {

class OutputSink;

// Saves a CNTK model-v2 read by CntkImporter. The file is written as the
// source bytes with only the NDArrayViews of edited tensors re-serialized
// and spliced in (the length prefixes of the messages around them
// adjusted), so an unedited model is saved byte for byte, and an edited one
// keeps every other byte: entry order, unknown fields, everything. Unedited
// stretches are copied from the source in the kernel; the save is atomic.
class CntkWriter {
public:
    explicit CntkWriter(const Model& model);
    void write(const std::filesystem::path& path);

private:
    struct Splice {
        std::uint64_t begin = 0; // the NDArrayView body in the source file
        std::uint64_t end = 0;
        std::string bytes;       // its replacement
    };

    void plan(const std::filesystem::path& path);
    std::uint64_t size(std::uint64_t begin, std::uint64_t end);
    void emit(std::uint64_t begin, std::uint64_t end, OutputSink& sink);
    void copy(std::uint64_t begin, std::uint64_t end, OutputSink& sink) const;
    // The splices lying inside [begin, end), as an index range.
    std::pair<std::size_t, std::size_t> inside(std::uint64_t begin, std::uint64_t end) const;

    const CntkDocument& doc_;
    std::vector<Splice> splices_; // sorted, disjoint
    std::unordered_map<std::uint64_t, std::uint64_t> sizes_; // rewritten size by message start
    std::size_t applied_ = 0;
};

} // namespace nodus
