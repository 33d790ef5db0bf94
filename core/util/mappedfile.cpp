#include "mappedfile.h"

#include "error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace nodus {

std::shared_ptr<const MappedFile> MappedFile::open(const std::filesystem::path& path)
{
    std::shared_ptr<MappedFile> file(new MappedFile());
    file->path_ = path;
    file->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (file->fd_ < 0)
        throw Error(path.string() + ": cannot open: " + std::strerror(errno));
    struct stat st {};
    if (::fstat(file->fd_, &st) != 0)
        throw Error(path.string() + ": cannot stat: " + std::strerror(errno));
    if (S_ISDIR(st.st_mode))
        throw Error(path.string() + ": is a folder, not a file");
    if (!S_ISREG(st.st_mode))
        throw Error(path.string() + ": is not a regular file");
    file->size_ = static_cast<std::uint64_t>(st.st_size);
    file->map();
    return file;
}

std::shared_ptr<const MappedFile> MappedFile::fromBytes(std::span<const std::byte> bytes,
                                                        const std::filesystem::path& name)
{
    std::shared_ptr<MappedFile> file(new MappedFile());
    file->path_ = name;
    file->inMemory_ = true;
    file->fd_ = ::memfd_create("nodus", MFD_CLOEXEC);
    if (file->fd_ < 0)
        throw Error(name.string() + ": cannot create an in-memory file: " + std::strerror(errno));
    const auto* p = bytes.data();
    std::size_t left = bytes.size();
    while (left) {
        const ssize_t n = ::write(file->fd_, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            throw Error(name.string() + ": cannot fill an in-memory file: " + std::strerror(errno));
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    file->size_ = bytes.size();
    file->map();
    return file;
}

void MappedFile::map()
{
    if (size_ == 0)
        return;
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (p == MAP_FAILED)
        throw Error(path_.string() + ": cannot map into memory: " + std::strerror(errno));
    // Parsing jumps over payloads; default read-ahead would pull them in.
    ::madvise(p, size_, MADV_RANDOM);
    data_ = static_cast<const std::byte*>(p);
}

MappedFile::~MappedFile()
{
    if (data_)
        ::munmap(const_cast<std::byte*>(data_), size_);
    if (fd_ >= 0)
        ::close(fd_);
}

void MappedFile::release(std::uint64_t offset, std::uint64_t length) const
{
    if (!data_ || offset >= size_)
        return;
    const long page = ::sysconf(_SC_PAGESIZE);
    std::uint64_t begin = offset - offset % static_cast<std::uint64_t>(page);
    std::uint64_t end = std::min(size_, offset + length);
    if (end > begin)
        ::madvise(const_cast<std::byte*>(data_) + begin, end - begin, MADV_DONTNEED);
}

} // namespace nodus
