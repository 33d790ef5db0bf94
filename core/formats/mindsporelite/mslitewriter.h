#pragma once

#include "mslitedocument.h"

#include "ir/model.h"

#include <filesystem>
#include <vector>

namespace nodus {

// Saves a MindSpore Lite model read by MsliteImporter: the original file,
// byte for byte, with the data of every edited tensor overwritten where it
// lies. Edits that change a tensor's type or shape are refused naming the
// tensor, since the FlatBuffer fixes the size of each data vector.
class MsliteWriter {
public:
    explicit MsliteWriter(const Model& model);
    void write(const std::filesystem::path& path);

private:
    const MsliteDocument& doc_;
    std::vector<const MsliteDocument::Stored*> patches_;
};

} // namespace nodus
