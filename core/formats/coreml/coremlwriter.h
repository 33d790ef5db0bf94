#pragma once

#include "coremldocument.h"

#include "ir/model.h"

#include <filesystem>
#include <vector>

namespace nodus {

// Saves a Core ML model read by CoremlImporter: the original file, byte for
// byte, with the packed bytes of every edited weight overwritten where they
// lie. An edit that keeps a weight's type and shape keeps every length
// prefix around it; other edits are refused naming the weight.
class CoremlWriter {
public:
    explicit CoremlWriter(const Model& model);
    void write(const std::filesystem::path& path);

private:
    const CoremlDocument& doc_;
    std::vector<const CoremlDocument::Stored*> patches_;
};

} // namespace nodus
