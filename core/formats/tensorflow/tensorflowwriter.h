#pragma once

#include <filesystem>

namespace nodus {

class Model;
class TensorflowDocument;

// Saves a TensorFlow model read by Nodus: the parsed document with each
// edited Const (or other tensor attribute) value re-encoded as
// tensor_content, every other field (unknown ones included) as read. A
// model opened as a SavedModel folder is saved as a folder: saved_model.pb,
// and variables/ with the data shards copied, edited variables patched in
// place and the index rewritten with their new checksums.
class TensorflowWriter {
public:
    explicit TensorflowWriter(const Model& model);
    void write(const std::filesystem::path& path);

private:
    void writeMessage(const std::filesystem::path& path);
    void writeVariables(const std::filesystem::path& prefix);

    const Model& model_;
    const TensorflowDocument* doc_ = nullptr;
};

} // namespace nodus
