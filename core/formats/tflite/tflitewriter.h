#pragma once

#include "tflitedocument.h"

#include "ir/model.h"

#include <filesystem>
#include <string>
#include <vector>

namespace nodus {

// Saves a TFLite model read by TfliteImporter: the original file, byte for
// byte, with the bytes of every edited tensor overwritten where its buffer
// lies. Only edits that keep a tensor's type and shape can be saved (the
// FlatBuffer fixes each buffer's size); others are refused naming the tensor.
class TfliteWriter {
public:
    explicit TfliteWriter(const Model& model);
    void write(const std::filesystem::path& path);

private:
    struct Patch {
        std::uint64_t offset = 0;
        std::uint64_t length = 0;
        const TfliteDocument::Stored* stored = nullptr;
    };
    void plan(const std::filesystem::path& path);

    const TfliteDocument& doc_;
    std::vector<Patch> patches_;
};

} // namespace nodus
