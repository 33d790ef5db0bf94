#include "atomicfile.h"

#include "error.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace nodus {

AtomicFile::AtomicFile(std::filesystem::path target)
    : target_(std::move(target))
{
    const auto folder = target_.parent_path().empty() ? std::filesystem::path(".") : target_.parent_path();
    std::string pattern = (folder / ("." + target_.filename().string() + ".XXXXXX")).string();
    fd_ = ::mkstemp(pattern.data());
    if (fd_ < 0)
        throw Error(target_.string() + ": cannot create a temporary file in " + folder.string() + ": "
                    + std::strerror(errno));
    temp_ = pattern;
    // Keep the permissions the target has; new files get the usual 0644.
    struct stat st {};
    const mode_t mode = ::stat(target_.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
    ::fchmod(fd_, mode);
}

AtomicFile::~AtomicFile()
{
    if (fd_ >= 0) {
        ::close(fd_);
        ::unlink(temp_.c_str());
    }
}

void AtomicFile::commit()
{
    if (::fsync(fd_) != 0) {
        const std::string why = std::strerror(errno);
        throw Error(target_.string() + ": cannot flush to disk: " + why);
    }
    if (::close(fd_) != 0) {
        fd_ = -1;
        ::unlink(temp_.c_str());
        throw Error(target_.string() + ": cannot close: " + std::strerror(errno));
    }
    fd_ = -1;
    if (std::rename(temp_.c_str(), target_.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(temp_.c_str());
        throw Error(target_.string() + ": cannot replace the file: " + why);
    }
}

} // namespace nodus
