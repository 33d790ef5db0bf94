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
    if (file->size_ == 0)
        return file;
    void* p = ::mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, file->fd_, 0);
    if (p == MAP_FAILED)
        throw Error(path.string() + ": cannot map into memory: " + std::strerror(errno));
    // Parsing jumps over payloads; default read-ahead would pull them in.
    ::madvise(p, file->size_, MADV_RANDOM);
    file->data_ = static_cast<const std::byte*>(p);
    return file;
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
