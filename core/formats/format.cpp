#include "format.h"

#include "ir/opmetadata.h"
#include "util/error.h"

namespace nodus {

void Format::write(const Model&, const std::filesystem::path& path, const WriteOptions&) const
{
    throw Error(path.string() + ": " + std::string(displayName()) + " files cannot be written");
}

const OpMetadata& Format::opMetadata() const
{
    return OpMetadata::onnx();
}

} // namespace nodus
