#include "layoutcache.h"

#include "util/atomicfile.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <unistd.h>

namespace nodus {

namespace {
constexpr char kMagic[8] = {'N', 'O', 'D', 'U', 'S', 'L', 'C', '1'};
}

LayoutCache::LayoutCache(std::filesystem::path file)
    : file_(std::move(file))
{
    std::ifstream in(file_, std::ios::binary);
    if (!in)
        return;
    const std::string bytes{std::istreambuf_iterator<char>(in), {}};
    if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
        return;
    std::size_t pos = sizeof kMagic;
    while (pos + sizeof(std::uint64_t) <= bytes.size()) {
        std::uint64_t key = 0;
        std::memcpy(&key, bytes.data() + pos, sizeof key);
        pos += sizeof key;
        LayoutResult r;
        if (!r.deserialize(bytes, pos)) {
            entries_.clear(); // a damaged file: start afresh
            return;
        }
        entries_.emplace(key, std::move(r));
    }
}

bool LayoutCache::find(std::uint64_t key, LayoutResult& out) const
{
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end())
        return false;
    out = it->second;
    return true;
}

void LayoutCache::insert(std::uint64_t key, LayoutResult result)
{
    std::lock_guard lock(mutex_);
    entries_[key] = std::move(result);
    dirty_ = true;
}

std::size_t LayoutCache::size() const
{
    std::lock_guard lock(mutex_);
    return entries_.size();
}

void LayoutCache::save()
{
    std::lock_guard lock(mutex_);
    if (file_.empty() || !dirty_)
        return;
    std::string out(kMagic, sizeof kMagic);
    for (const auto& [key, r] : entries_) {
        out.append(reinterpret_cast<const char*>(&key), sizeof key);
        out += r.serialize();
    }
    std::error_code ec;
    std::filesystem::create_directories(file_.parent_path(), ec);
    try {
        AtomicFile f(file_);
        std::size_t done = 0;
        while (done < out.size()) {
            const ssize_t n = ::write(f.fd(), out.data() + done, out.size() - done);
            if (n <= 0)
                return; // a cache that cannot be written is only a missed speed-up
            done += static_cast<std::size_t>(n);
        }
        f.commit();
        dirty_ = false;
    } catch (const std::exception&) {
    }
}

std::filesystem::path LayoutCache::defaultFolder()
{
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
        return std::filesystem::path(xdg) / "nodus" / "layouts";
    if (const char* home = std::getenv("HOME"); home && *home)
        return std::filesystem::path(home) / ".cache" / "nodus" / "layouts";
    return std::filesystem::temp_directory_path() / "nodus-layouts";
}

std::filesystem::path LayoutCache::fileFor(std::uint64_t graphHash)
{
    char name[32];
    std::snprintf(name, sizeof name, "%016llx.layout", static_cast<unsigned long long>(graphHash));
    return defaultFolder() / name;
}

} // namespace nodus
