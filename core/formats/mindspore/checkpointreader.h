#pragma once

#include "checkpointdocument.h"

#include "ir/model.h"

#include <memory>

namespace nodus {

// Reads a checkpoint into a model with an empty graph whose initializers are
// its tensors, as zero-copy views onto tensor_content in the mapped file.
class CheckpointReader {
public:
    explicit CheckpointReader(std::shared_ptr<const MappedFile> file);
    std::unique_ptr<Model> read();

private:
    void addEntry(std::vector<CheckpointDocument::Slice> slices, const std::string& name);
    [[noreturn]] void fail(const std::string& what) const;

    std::shared_ptr<CheckpointDocument> doc_;
};

} // namespace nodus
