#include "externalfiles.h"

#include "error.h"
#include "mappedfile.h"

namespace nodus {

namespace fs = std::filesystem;

namespace {

bool looksRelativeInside(const std::string& location)
{
    if (location.empty() || location.front() == '/' || location.front() == '\\')
        return false;
    if (location.size() >= 2 && location[1] == ':')
        return false;
    std::size_t start = 0;
    while (start <= location.size()) {
        std::size_t end = location.find_first_of("/\\", start);
        if (end == std::string::npos)
            end = location.size();
        if (location.compare(start, end - start, "..") == 0)
            return false;
        start = end + 1;
    }
    return location.find('\0') == std::string::npos;
}

} // namespace

ExternalFiles::ExternalFiles(fs::path modelPath, fs::path folder)
    : modelPath_(std::move(modelPath))
    , folder_(std::move(folder))
{
}

void ExternalFiles::fail(const std::string& what) const
{
    throw Error(modelPath_.string() + ": " + what);
}

std::shared_ptr<const MappedFile> ExternalFiles::map(const std::string& location, const std::string& what)
{
    if (folder_.empty())
        fail(what + " cannot be used: the model was not opened from a folder");
    if (!looksRelativeInside(location))
        fail(what + " is refused: it must be a relative path inside the model's folder");
    std::error_code ec;
    const fs::path base = fs::weakly_canonical(folder_, ec);
    const fs::path target = fs::weakly_canonical(base / location, ec);
    if (ec)
        fail(what + " cannot be resolved: " + ec.message());
    const auto rel = target.lexically_relative(base);
    if (rel.empty() || *rel.begin() == "..")
        fail(what + " is refused: it resolves outside the model's folder (through a link)");
    if (auto it = files_.find(target); it != files_.end())
        return it->second;
    if (!fs::exists(target))
        fail(what + ": file not found next to the model");
    auto file = MappedFile::open(target);
    files_.emplace(target, file);
    return file;
}

} // namespace nodus
