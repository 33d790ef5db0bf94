#include "caffeformat.h"

#include "caffeimporter.h"
#include "caffewriter.h"

#include "ir/model.h"
#include "ir/opmetadata.h"
#include "util/mappedfile.h"

namespace nodus {

// Generated from core/formats/caffe/caffe-ops.json by nodus_embed_file().
extern const unsigned char kCaffeOpMetadata[];
extern const std::size_t kCaffeOpMetadataSize;

const OpMetadata& CaffeFormat::opMetadata() const
{
    static const OpMetadata metadata
        = OpMetadata::fromJson(std::string_view(reinterpret_cast<const char*>(kCaffeOpMetadata), kCaffeOpMetadataSize),
            "built-in caffe-ops.json");
    return metadata;
}

int CaffeFormat::sniff(const Probe& probe) const
{
    if (!probe.file)
        return 0;
    return sniffCaffe(probe.file->bytes());
}

std::unique_ptr<Model> CaffeFormat::read(const Probe& probe) const
{
    return importCaffe(probe);
}

void CaffeFormat::write(const Model& model, const std::filesystem::path& path, const WriteOptions&) const
{
    writeCaffe(model, path);
}

} // namespace nodus
