#pragma once

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace nodus {

// Converting whole sets of files: what a drop on the window's Convert target,
// File > Convert Files... and `nodus-cli convert --output-dir` do.

struct BatchConvertOptions {
    std::string format = "onnx"; // registry short name of the target format
    int onnxOpset = 0;           // 0: the default
    bool partial = false;        // keep ops without an ONNX mapping as custom ops
    bool externalData = false;
    bool inferShapes = true;
    std::filesystem::path outputDir;
};

// One file to convert and where its output goes, relative to the output
// folder (a dropped folder's structure is kept below it).
struct BatchSource {
    std::filesystem::path file;
    std::filesystem::path relativeDir;
};

struct BatchCollection {
    std::vector<BatchSource> sources;
    // Files inside dropped folders that no format recognises (left alone).
    std::size_t ignored = 0;
};

// Files as given; folders searched recursively for files a format
// recognises by content (hidden files and folders skipped). Paths that do
// not exist are kept, so their conversion reports that.
BatchCollection collectBatchSources(const std::vector<std::filesystem::path>& inputs);

struct BatchResult {
    std::filesystem::path source;
    std::filesystem::path output; // empty when nothing was written
    bool ok = false;
    // Why it failed (without the source's path, shown beside it); for
    // successes, notes worth reading.
    std::string message;
    // Op types that kept the model from converting (or that a partial
    // conversion kept as custom ops), each once.
    std::vector<std::string> unsupportedOps;
    std::size_t nodesIn = 0;
    std::size_t nodesOut = 0;
};

// Converts the sources one by one. `progress` (optional) hears each result
// as it comes; `cancel` (optional) is checked between files, and a cancelled
// batch returns what finished. Outputs never overwrite a source or each
// other: a clash gets the source's extension in its name ("a.dnn.onnx").
class BatchConverter {
public:
    explicit BatchConverter(BatchConvertOptions options);

    BatchResult convert(const BatchSource& source);
    std::vector<BatchResult> convertAll(const std::vector<BatchSource>& sources,
        const std::function<void(std::size_t index, const BatchResult&)>& progress = {},
        const std::atomic<bool>* cancel = nullptr);

    const BatchConvertOptions& options() const { return options_; }

private:
    std::filesystem::path outputFor(const BatchSource& source);

    BatchConvertOptions options_;
    std::vector<std::filesystem::path> taken_;   // outputs so far
    std::vector<std::filesystem::path> sources_; // of the batch under way
};

} // namespace nodus
