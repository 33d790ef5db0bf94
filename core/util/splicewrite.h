#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

namespace nodus {

class MappedFile;

// A byte range of a file replaced by as many new bytes.
struct Splice {
    std::uint64_t offset = 0;
    std::span<const std::byte> bytes;
};

// Writes `source` to `path` atomically, byte for byte, with each splice's
// range overwritten: what the in-place writers (TFLite, MindSpore Lite,
// Core ML) share. Splices must not overlap, except that one starting inside
// the previous is skipped (the same bytes shared by several tensors; the
// caller has checked they agree). Long unchanged ranges are copied by the
// kernel. Errors come as nodus::Error (wrap them with rethrowSaveError).
void writeSpliced(const MappedFile& source, const std::filesystem::path& path, std::vector<Splice> splices);

} // namespace nodus
