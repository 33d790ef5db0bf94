#include "outputsink.h"

#include "ir/tensordata.h"
#include "util/mappedfile.h"

#include "error.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace nodus {

namespace {
constexpr std::size_t kBufferSize = 1 << 20;
// Write-back is started on each run of this many finished bytes; copies
// from other files go in runs of this size for the same reason.
constexpr std::uint64_t kWriteBackChunk = 8 << 20;
} // namespace

OutputSink::OutputSink(int fd, std::string name)
    : fd_(fd)
    , name_(std::move(name))
    , buffer_(kBufferSize)
    , base_(::lseek(fd, 0, SEEK_CUR))
{
}

bool OutputSink::Next(void** data, int* size)
{
    if (used_ == buffer_.size())
        flush();
    *data = buffer_.data() + used_;
    *size = static_cast<int>(buffer_.size() - used_);
    used_ = buffer_.size();
    return true;
}

void OutputSink::BackUp(int count)
{
    used_ -= static_cast<std::size_t>(count);
}

void OutputSink::write(std::span<const std::byte> bytes)
{
    if (bytes.empty())
        return;
    if (bytes.size() >= buffer_.size()) {
        flush();
        writeAll(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
        return;
    }
    if (buffer_.size() - used_ < bytes.size())
        flush();
    std::memcpy(buffer_.data() + used_, bytes.data(), bytes.size());
    used_ += bytes.size();
}

void OutputSink::zeros(std::uint64_t count)
{
    static const std::byte zero[64] = {};
    while (count) {
        const auto n = std::min<std::uint64_t>(count, sizeof zero);
        write({ zero, static_cast<std::size_t>(n) });
        count -= n;
    }
}

void OutputSink::copyRange(int srcFd, std::uint64_t offset, std::uint64_t length)
{
    flush();
    auto off = static_cast<loff_t>(offset);
    while (length) {
        const ssize_t n
            = ::copy_file_range(srcFd, &off, fd_, nullptr, std::min<std::uint64_t>(length, kWriteBackChunk), 0);
        if (n > 0) {
            length -= static_cast<std::uint64_t>(n);
            written_ += static_cast<std::uint64_t>(n);
            startWriteBack();
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            throw Error(name_ + ": the source file ended early while copying tensor data");
        // Kernels, filesystems or file pairs copy_file_range does not serve:
        // plain reads. Real failures (disk full, I/O) are reported as such.
        if (errno != EXDEV && errno != EINVAL && errno != EOPNOTSUPP && errno != ENOSYS && errno != EBADF)
            throw Error(name_ + ": cannot write: " + std::strerror(errno));
        readAndWrite(srcFd, static_cast<std::uint64_t>(off), length);
        return;
    }
}

void OutputSink::readAndWrite(int srcFd, std::uint64_t offset, std::uint64_t length)
{
    std::vector<std::uint8_t> chunk(std::min<std::uint64_t>(length, kBufferSize));
    while (length) {
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(length, chunk.size()));
        const ssize_t r = ::pread(srcFd, chunk.data(), want, static_cast<off_t>(offset));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            throw Error(name_ + ": cannot read tensor data to copy: " + std::strerror(errno));
        if (r == 0)
            throw Error(name_ + ": the source file ended early while copying tensor data");
        writeAll(chunk.data(), static_cast<std::size_t>(r));
        offset += static_cast<std::uint64_t>(r);
        length -= static_cast<std::uint64_t>(r);
    }
}

void OutputSink::flush()
{
    if (used_) {
        const std::size_t n = used_;
        used_ = 0;
        writeAll(buffer_.data(), n);
    }
}

void OutputSink::writeAll(const std::uint8_t* data, std::size_t size)
{
    while (size) {
        const ssize_t n = ::write(fd_, data, std::min<std::size_t>(size, kWriteBackChunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            throw Error(name_ + ": cannot write: " + std::strerror(errno));
        data += n;
        size -= static_cast<std::size_t>(n);
        written_ += static_cast<std::uint64_t>(n);
        startWriteBack();
    }
}

void OutputSink::startWriteBack()
{
    if (base_ < 0 || written_ - writeBackFrom_ < kWriteBackChunk)
        return;
    // A hint: where it is refused (pipes, memfd, old kernels) nothing is lost.
    ::sync_file_range(fd_, base_ + static_cast<std::int64_t>(writeBackFrom_),
        static_cast<std::int64_t>(written_ - writeBackFrom_), SYNC_FILE_RANGE_WRITE);
    writeBackFrom_ = written_;
}

void OutputSink::writeData(const TensorData& data)
{
    if (const FileRegion* r = data.region())
        copyRange(r->file->fd(), r->offset, r->length);
    else
        write(data.bytes());
}

} // namespace nodus
