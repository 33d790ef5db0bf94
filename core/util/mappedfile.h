#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>

namespace nodus {

// A read-only memory map of a whole file. Tensor payloads point into it, so
// opening a multi-gigabyte model touches only the pages that are parsed.
// The descriptor stays open so writers can copy byte ranges in the kernel
// (copy_file_range) without faulting the pages into this process.
class MappedFile {
public:
    static std::shared_ptr<const MappedFile> open(const std::filesystem::path& path);
    // An anonymous in-memory file (memfd) holding `bytes`, named `name` in
    // messages: for embedded samples, clipboard data and fuzzing.
    static std::shared_ptr<const MappedFile> fromBytes(std::span<const std::byte> bytes,
                                                       const std::filesystem::path& name);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::span<const std::byte> bytes() const { return {data_, size_}; }
    const std::byte* data() const { return data_; }
    std::uint64_t size() const { return size_; }
    int fd() const { return fd_; }
    // Made by fromBytes(): there is no folder to resolve neighbours in.
    bool isInMemory() const { return inMemory_; }

    // Gives back the resident pages of a range (after a one-off read such as
    // statistics or a save) so the process's footprint stays small.
    void release(std::uint64_t offset, std::uint64_t length) const;

private:
    MappedFile() = default;
    void map();
    std::filesystem::path path_;
    const std::byte* data_ = nullptr;
    std::uint64_t size_ = 0;
    int fd_ = -1;
    bool inMemory_ = false;
};

} // namespace nodus
