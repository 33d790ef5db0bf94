#include "mappedtensordata.h"

#include "util/error.h"
#include "util/mappedfile.h"

namespace nodus {

MappedTensorData::MappedTensorData(FileRegion region)
    : region_(std::move(region))
{
    if (!region_.file || region_.offset > region_.file->size()
        || region_.length > region_.file->size() - region_.offset)
        throw Error((region_.file ? region_.file->path().string() : std::string("<no file>"))
                    + ": tensor data range lies outside the file");
}

std::span<const std::byte> MappedTensorData::bytes() const
{
    return region_.file->bytes().subspan(region_.offset, region_.length);
}

} // namespace nodus
