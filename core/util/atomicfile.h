#pragma once

#include <chrono>
#include <filesystem>
#include <string>

namespace nodus {

// Writes a file atomically: the bytes go to a temporary file beside the
// target, which commit() flushes to disk (fdatasync), renames over the target
// and makes the rename itself durable (fsync of the folder). Whatever happens
// before the rename, a crash or power loss included, the target holds either
// its old bytes or all of the new ones. Destroyed without commit() (an error,
// an exception), the temporary file is removed and the target is left
// exactly as it was.
//
// A process killed mid-save cannot remove its temporary file. Temporary
// files are named ".<target name>.nodus-tmp-XXXXXX", and every commit removes
// such files in its folder that are older than kStaleAfter (measured from
// their last write, so a save still under way elsewhere is left alone).
class AtomicFile {
public:
    static constexpr std::chrono::minutes kStaleAfter { 15 };

    explicit AtomicFile(std::filesystem::path target);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    int fd() const { return fd_; }
    const std::filesystem::path& target() const { return target_; }
    const std::filesystem::path& tempPath() const { return temp_; }
    // Throws nodus::Error naming the target when the bytes cannot be made
    // durable or the target cannot be replaced; the target is then as it was.
    void commit();

    // Whether `fileName` has the pattern of AtomicFile's temporary files.
    static bool isTempName(const std::string& fileName);
    // Removes this user's temporary files in `folder` whose last write is
    // older than `age`. Best effort: errors are ignored. Returns how many
    // were removed.
    static int removeStaleTemps(const std::filesystem::path& folder, std::chrono::seconds age = kStaleAfter);

private:
    std::filesystem::path target_;
    std::filesystem::path temp_;
    int fd_ = -1;
};

} // namespace nodus
