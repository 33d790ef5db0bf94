#pragma once

#include <google/protobuf/io/zero_copy_stream.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace nodus {

class TensorData;

// A buffered protobuf output stream onto a file descriptor that can also
// splice byte ranges from another file in the kernel (copy_file_range), so
// saving a model copies unedited weights the way `cp` does: without pulling
// them through this process's memory.
//
// As it goes, the sink has the kernel start writing each finished 8 MiB back
// to disk (sync_file_range SYNC_FILE_RANGE_WRITE, which does not wait for
// the disk), so the disk works while the rest is written and the flush that
// makes the file durable (AtomicFile::commit) has little left to wait for.
// That is only a head start: it promises nothing about durability.
class OutputSink final : public google::protobuf::io::ZeroCopyOutputStream {
public:
    OutputSink(int fd, std::string name);
    ~OutputSink() override = default;

    bool Next(void** data, int* size) override;
    void BackUp(int count) override;
    int64_t ByteCount() const override { return static_cast<int64_t>(written_ + used_); }

    void write(std::span<const std::byte> bytes);
    void copyRange(int srcFd, std::uint64_t offset, std::uint64_t length);
    // A tensor's bytes: copied in the kernel from the file they still lie
    // in, written from memory otherwise.
    void writeData(const TensorData& data);
    void zeros(std::uint64_t count);
    void flush();
    std::uint64_t position() const { return written_ + used_; }

private:
    void writeAll(const std::uint8_t* data, std::size_t size);
    void readAndWrite(int srcFd, std::uint64_t offset, std::uint64_t length);
    void startWriteBack();

    int fd_;
    std::string name_;
    std::vector<std::uint8_t> buffer_;
    std::size_t used_ = 0;
    std::uint64_t written_ = 0;
    // Where the file offset was when the sink began (-1: not a seekable
    // file, no write-back), and how far write-back has been started.
    std::int64_t base_ = -1;
    std::uint64_t writeBackFrom_ = 0;
};

} // namespace nodus
