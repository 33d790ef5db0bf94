#pragma once

#include <google/protobuf/io/zero_copy_stream.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace nodus {

// A buffered protobuf output stream onto a file descriptor that can also
// splice byte ranges from another file in the kernel (copy_file_range), so
// saving a model copies unedited weights the way `cp` does: without pulling
// them through this process's memory.
class OutputSink final : public google::protobuf::io::ZeroCopyOutputStream {
public:
    OutputSink(int fd, std::string name);
    ~OutputSink() override = default;

    bool Next(void** data, int* size) override;
    void BackUp(int count) override;
    int64_t ByteCount() const override { return static_cast<int64_t>(written_ + used_); }

    void write(std::span<const std::byte> bytes);
    void copyRange(int srcFd, std::uint64_t offset, std::uint64_t length);
    void zeros(std::uint64_t count);
    void flush();
    std::uint64_t position() const { return written_ + used_; }

private:
    void writeAll(const std::uint8_t* data, std::size_t size);

    int fd_;
    std::string name_;
    std::vector<std::uint8_t> buffer_;
    std::size_t used_ = 0;
    std::uint64_t written_ = 0;
};

} // namespace nodus
