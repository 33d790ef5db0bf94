#pragma once

#include <filesystem>

namespace nodus {

// Writes a file atomically: the bytes go to a temporary file beside the
// target, which is flushed to disk and renamed over the target by commit().
// Destroyed without commit() (an error, an exception), the temporary file is
// removed and the target is left exactly as it was.
class AtomicFile {
public:
    explicit AtomicFile(std::filesystem::path target);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    int fd() const { return fd_; }
    const std::filesystem::path& target() const { return target_; }
    void commit();

private:
    std::filesystem::path target_;
    std::filesystem::path temp_;
    int fd_ = -1;
};

} // namespace nodus
