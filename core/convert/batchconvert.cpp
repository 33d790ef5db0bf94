#include "batchconvert.h"

#include "onnxexport.h"

#include "formats/formatregistry.h"
#include "ir/model.h"
#include "util/atomicfile.h"
#include "util/error.h"

#include <algorithm>
#include <set>

namespace nodus {

namespace fs = std::filesystem;

namespace {

bool hidden(const fs::path& p)
{
    const std::string name = p.filename().string();
    return !name.empty() && name[0] == '.';
}

// Whether some format reads the file (content first, as opening does).
bool recognised(const fs::path& p)
{
    try {
        const FormatRegistry& registry = FormatRegistry::instance();
        return registry.detect(FormatRegistry::probe(p)).format != nullptr;
    } catch (const std::exception&) {
        return false;
    }
}

fs::path normal(const fs::path& p)
{
    std::error_code ec;
    const fs::path c = fs::weakly_canonical(p, ec);
    return ec ? p.lexically_normal() : c;
}

} // namespace

BatchCollection collectBatchSources(const std::vector<fs::path>& inputs)
{
    BatchCollection out;
    for (const fs::path& input : inputs) {
        std::error_code ec;
        if (!fs::is_directory(input, ec)) {
            out.sources.push_back({ input, {} });
            continue;
        }
        const fs::path root = input.filename().empty() ? input.parent_path() : input;
        std::vector<fs::path> files;
        fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
        for (; !ec && it != end; it.increment(ec)) {
            const fs::path& p = it->path();
            if (hidden(p)) {
                if (it->is_directory(ec))
                    it.disable_recursion_pending();
                continue;
            }
            if (it->is_regular_file(ec) && !AtomicFile::isTempName(p.filename().string()))
                files.push_back(p);
        }
        std::sort(files.begin(), files.end());
        for (const fs::path& p : files) {
            if (!recognised(p)) {
                ++out.ignored;
                continue;
            }
            // Kept below a folder named after the dropped one.
            out.sources.push_back({ p, root.filename() / p.parent_path().lexically_relative(root) });
        }
    }
    return out;
}

BatchConverter::BatchConverter(BatchConvertOptions options)
    : options_(std::move(options))
{
}

fs::path BatchConverter::outputFor(const BatchSource& source)
{
    const Format* target = FormatRegistry::instance().byName(options_.format);
    if (!target)
        throw Error("no format is named '" + options_.format + "'");
    const auto exts = target->extensions();
    const std::string ext = exts.empty() ? std::string() : exts.front();
    const fs::path dir = (options_.outputDir / source.relativeDir).lexically_normal();
    const fs::path self = normal(source.file);
    const auto clash = [&](const fs::path& candidate) {
        const fs::path n = normal(candidate);
        return n == self || std::find(taken_.begin(), taken_.end(), n) != taken_.end()
            || std::find(sources_.begin(), sources_.end(), n) != sources_.end();
    };
    const std::string stem = source.file.stem().string();
    fs::path out = dir / (stem + ext);
    if (clash(out))
        out = dir / (source.file.filename().string() + ext);
    for (int k = 2; clash(out); ++k)
        out = dir / (source.file.filename().string() + "." + std::to_string(k) + ext);
    taken_.push_back(normal(out));
    return out;
}

BatchResult BatchConverter::convert(const BatchSource& source)
{
    BatchResult r;
    r.source = source.file;
    OnnxExportReport report;
    fs::path output;
    try {
        output = outputFor(source);
        const FormatRegistry& registry = FormatRegistry::instance();
        const auto model = registry.open(source.file);
        std::error_code ec;
        fs::create_directories(output.parent_path(), ec);
        if (ec)
            throw Error(output.parent_path().string() + ": cannot create the folder: " + ec.message());
        WriteOptions w;
        w.onnxOpset = options_.onnxOpset;
        w.partialExport = options_.partial;
        w.externalData = options_.externalData;
        w.inferShapes = options_.inferShapes;
        w.exportReport = &report;
        registry.save(*model, output, options_.format, w);
        r.ok = true;
        r.output = output;
        for (const auto& n : report.notes)
            r.message += (r.message.empty() ? "" : "\n") + n;
    } catch (const std::exception& e) {
        // The result sits beside its source, so the reason need not repeat it.
        r.message = e.what();
        const std::string prefix = source.file.string() + ": ";
        if (r.message.starts_with(prefix))
            r.message.erase(0, prefix.size());
    }
    std::set<std::string> seen;
    for (const auto& u : report.unsupported)
        if (seen.insert(u.opType).second)
            r.unsupportedOps.push_back(u.opType);
    r.nodesIn = report.nodesIn;
    r.nodesOut = report.nodesOut;
    return r;
}

std::vector<BatchResult> BatchConverter::convertAll(const std::vector<BatchSource>& sources,
    const std::function<void(std::size_t, const BatchResult&)>& progress, const std::atomic<bool>* cancel)
{
    std::vector<BatchResult> results;
    // No output may land on a file the batch has yet to read.
    sources_.clear();
    for (const BatchSource& s : sources)
        sources_.push_back(normal(s.file));
    for (std::size_t i = 0; i < sources.size(); ++i) {
        if (cancel && cancel->load())
            break;
        results.push_back(convert(sources[i]));
        if (progress)
            progress(i, results.back());
    }
    sources_.clear();
    return results;
}

} // namespace nodus
