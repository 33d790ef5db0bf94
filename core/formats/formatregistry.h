#pragma once

#include "format.h"

#include <filesystem>
#include <memory>
#include <span>

namespace nodus {

// The one table of formats, and detection: content first (each sniffer's
// confidence), the file extension only as a tie-breaker.
class FormatRegistry {
public:
    static const FormatRegistry& instance();

    std::span<const Format* const> formats() const { return formats_; }
    const Format* byName(std::string_view name) const;
    const Format* byExtension(const std::filesystem::path& path) const;
    // Op metadata for models read as `formatName` (ONNX's for unknown names).
    const OpMetadata& opMetadataFor(std::string_view formatName) const;

    struct Detection {
        const Format* format = nullptr;
        int confidence = 0;
    };
    // Throws nodus::Error naming the file when no format claims it.
    Detection detect(const Probe& probe) const;
    static Probe probe(const std::filesystem::path& path);
    static Probe probe(std::shared_ptr<const MappedFile> file);

    // Detect and read. Errors name the file and what is wrong.
    std::unique_ptr<Model> open(const std::filesystem::path& path) const;
    // With what only the user can supply (the key of an encrypted model).
    std::unique_ptr<Model> open(const std::filesystem::path& path, const ReadOptions& options) const;
    std::unique_ptr<Model> open(const Probe& probe) const;
    // Write by an explicit format name, or by the target's extension.
    void save(const Model& model, const std::filesystem::path& path, std::string_view formatName = {},
              const WriteOptions& options = {}) const;

private:
    FormatRegistry();
    std::vector<const Format*> formats_;
};

} // namespace nodus
