#include "inplacesave.h"

#include "ir/tensor.h"
#include "util/error.h"
#include "util/splicewrite.h"

#include <algorithm>
#include <cstring>

namespace nodus {

namespace {

bool sameBytes(std::span<const std::byte> a, std::span<const std::byte> b)
{
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

bool edited(const StoredTensor& s)
{
    const Tensor& t = *s.tensor;
    return t.data != s.original || t.dataType != s.dataType || t.dims != s.dims;
}

} // namespace

void saveEditedInPlace(const MappedFile& source, const std::vector<StoredTensor>& tensors,
    const std::filesystem::path& path, std::string_view fixedBy)
{
    try {
        std::vector<const StoredTensor*> patches;
        for (const auto& s : tensors) {
            if (!edited(s))
                continue;
            const Tensor& t = *s.tensor;
            const std::string where = path.string() + ": cannot save tensor '" + t.name + "': ";
            if (t.dataType != s.dataType || t.dims != s.dims)
                throw Error(
                    where + std::string(fixedBy) + ", so it can only take new values of the same type and shape");
            if (!t.data || t.data->size() != s.length)
                throw Error(where + "its data is not the " + std::to_string(s.length) + " bytes the file holds");
            if (!s.contiguous)
                throw Error(
                    where + "its values are not stored as one run of bytes, so they cannot be overwritten in place");
            patches.push_back(&s);
        }
        std::sort(patches.begin(), patches.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
        // Tensors may share a range (deduplicated constants): they must agree,
        // and an edited range must not also hold an unedited tensor.
        for (std::size_t k = 1; k < patches.size(); ++k) {
            const StoredTensor& a = *patches[k - 1];
            const StoredTensor& b = *patches[k];
            if (b.offset < a.offset + a.length
                && (b.offset != a.offset || b.length != a.length
                    || !sameBytes(a.tensor->data->bytes(), b.tensor->data->bytes())))
                throw Error(path.string() + ": cannot save: tensors '" + a.tensor->name + "' and '" + b.tensor->name
                    + "' share their bytes in the file but were given different values");
        }
        std::vector<Splice> splices;
        for (const StoredTensor* p : patches) {
            for (const auto& s : tensors)
                if (&s != p && !edited(s) && s.offset < p->offset + p->length && p->offset < s.offset + s.length
                    && s.contiguous)
                    throw Error(path.string() + ": cannot save: tensors '" + p->tensor->name + "' and '"
                        + s.tensor->name + "' share their bytes in the file; edit both the same way");
            splices.push_back({ p->offset, p->tensor->data->bytes() });
        }
        writeSpliced(source, path, std::move(splices));
    } catch (const std::exception& e) {
        rethrowSaveError(path, e);
    }
}

} // namespace nodus
