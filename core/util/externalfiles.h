#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace nodus {

class MappedFile;

// Files a model names beside itself (external weights), mapped once each.
// A name may only reach a file inside the model's folder: absolute paths,
// ".." parts and links that lead out are refused (onnx CVE-2022-25882).
class ExternalFiles {
public:
    // `folder` empty: the model was not opened from a folder (in memory),
    // so it can name no files. Errors start with `modelPath`.
    ExternalFiles(std::filesystem::path modelPath, std::filesystem::path folder);

    // `what` says who asks, e.g. "tensor 'w': external data location 'w.bin'".
    std::shared_ptr<const MappedFile> map(const std::string& location, const std::string& what);

private:
    [[noreturn]] void fail(const std::string& what) const;

    std::filesystem::path modelPath_;
    std::filesystem::path folder_;
    std::map<std::filesystem::path, std::shared_ptr<const MappedFile>> files_;
};

} // namespace nodus
