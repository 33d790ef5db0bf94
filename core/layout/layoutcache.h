#pragma once

#include "layoutjob.h"

#include <filesystem>
#include <mutex>
#include <unordered_map>

namespace nodus {

// Layouts by job hash, in memory and optionally in a file, so reopening a
// model (same structure, same sizes) lays it out without running Graphviz.
// The file is rewritten atomically; a damaged file is ignored.
class LayoutCache {
public:
    LayoutCache() = default;
    explicit LayoutCache(std::filesystem::path file);

    bool find(std::uint64_t key, LayoutResult& out) const;
    void insert(std::uint64_t key, LayoutResult result);
    std::size_t size() const;
    // Writes the file if anything was added since it was read.
    void save();

    // $XDG_CACHE_HOME/nodus/layouts (or ~/.cache/nodus/layouts).
    static std::filesystem::path defaultFolder();
    static std::filesystem::path fileFor(std::uint64_t graphHash);

private:
    std::filesystem::path file_;
    mutable std::mutex mutex_;
    std::unordered_map<std::uint64_t, LayoutResult> entries_;
    bool dirty_ = false;
};

} // namespace nodus
