#include "atomicfile.h"

#include "error.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace nodus {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kTempTag = ".nodus-tmp-";
constexpr std::size_t kRandomChars = 6; // mkstemp's XXXXXX
constexpr std::size_t kMaxNameLength = 255;

fs::path folderOf(const fs::path& target)
{
    return target.parent_path().empty() ? fs::path(".") : target.parent_path();
}

// Makes the renames done in `folder` durable. Filesystems that cannot sync
// a folder (EINVAL) have nothing more to offer and are not an error.
void syncFolder(const fs::path& folder, const fs::path& target)
{
    const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int err = fd < 0 ? errno : 0;
    if (fd >= 0) {
        if (::fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
            err = errno;
        ::close(fd);
    }
    if (err)
        throw Error(target.string() + ": the file was replaced, but its folder " + folder.string()
            + " cannot be flushed to disk: " + std::strerror(err));
}

} // namespace

AtomicFile::AtomicFile(fs::path target)
    : target_(std::move(target))
{
    const fs::path folder = folderOf(target_);
    std::string name = target_.filename().string();
    // Keep the temporary name within the filesystem's limit on long names.
    const std::size_t extra = 1 + kTempTag.size() + kRandomChars;
    if (name.size() + extra > kMaxNameLength)
        name.resize(kMaxNameLength - extra);
    std::string pattern = (folder / ("." + name + std::string(kTempTag) + "XXXXXX")).string();
    fd_ = ::mkostemp(pattern.data(), O_CLOEXEC);
    if (fd_ < 0)
        throw Error(
            target_.string() + ": cannot create a temporary file in " + folder.string() + ": " + std::strerror(errno));
    temp_ = pattern;
    // Keep the permissions the target has; new files get the usual 0644.
    struct stat st { };
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
    if (fd_ < 0)
        throw Error(target_.string() + ": the file was already committed");
    // fdatasync flushes the bytes and what it takes to read them back (size,
    // blocks). It may leave the rest of the inode (its mode) to later; on the
    // journaling filesystems Linux desktops use (ext4, XFS, btrfs) that goes
    // to disk with the folder's flush below, which commits the journal.
    if (::fdatasync(fd_) != 0) {
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
    const fs::path folder = folderOf(target_);
    syncFolder(folder, target_);
    removeStaleTemps(folder);
}

bool AtomicFile::isTempName(const std::string& fileName)
{
    const std::size_t tail = kTempTag.size() + kRandomChars;
    if (fileName.size() < 1 + tail + 1 || fileName.front() != '.')
        return false;
    if (fileName.compare(fileName.size() - tail, kTempTag.size(), kTempTag) != 0)
        return false;
    for (std::size_t k = fileName.size() - kRandomChars; k < fileName.size(); ++k)
        if (!std::isalnum(static_cast<unsigned char>(fileName[k])))
            return false;
    return true;
}

int AtomicFile::removeStaleTemps(const fs::path& folder, std::chrono::seconds age)
{
    int removed = 0;
    const std::time_t cutoff = std::time(nullptr) - static_cast<std::time_t>(age.count());
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path& path = it->path();
        if (!isTempName(path.filename().string()))
            continue;
        struct stat st { };
        if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() || st.st_mtime > cutoff)
            continue;
        removed += ::unlink(path.c_str()) == 0;
    }
    return removed;
}

} // namespace nodus
