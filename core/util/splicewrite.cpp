#include "splicewrite.h"

#include "atomicfile.h"
#include "error.h"
#include "mappedfile.h"
#include "outputsink.h"

#include <algorithm>

namespace nodus {

namespace {

// Below this a range is written from the mapping; above, copied in the kernel.
constexpr std::uint64_t kKernelCopyThreshold = 64 * 1024;

} // namespace

void writeSpliced(const MappedFile& source, const std::filesystem::path& path, std::vector<Splice> splices)
{
    std::sort(splices.begin(), splices.end(), [](const Splice& a, const Splice& b) { return a.offset < b.offset; });
    for (const Splice& s : splices)
        if (s.offset > source.size() || s.bytes.size() > source.size() - s.offset)
            throw Error(path.string() + ": cannot save: an edited range lies outside the original file");
    AtomicFile file(path);
    OutputSink sink(file.fd(), path.string());
    auto copy = [&](std::uint64_t begin, std::uint64_t end) {
        if (end <= begin)
            return;
        if (end - begin >= kKernelCopyThreshold && !source.isInMemory())
            sink.copyRange(source.fd(), begin, end - begin);
        else
            sink.write(source.bytes().subspan(begin, end - begin));
    };
    std::uint64_t pos = 0;
    for (const Splice& s : splices) {
        if (s.offset < pos)
            continue;
        copy(pos, s.offset);
        sink.write(s.bytes);
        pos = s.offset + s.bytes.size();
    }
    copy(pos, source.size());
    sink.flush();
    file.commit();
}

} // namespace nodus
