#include "mslitewriter.h"

#include "util/error.h"
#include "util/mappedfile.h"
#include "util/outputsink.h"
#include "util/splicewrite.h"

#include <algorithm>

namespace nodus {

namespace {

const MsliteDocument& msliteDocument(const Model& model)
{
    if (!model.native || model.native->formatName() != "mindspore-lite")
        throw Error("this model was read as " + (model.format.empty() ? std::string("another format") : model.format)
            + ", not as a MindSpore Lite file: it cannot be saved as one");
    return static_cast<const MsliteDocument&>(*model.native);
}

} // namespace

MsliteWriter::MsliteWriter(const Model& model)
    : doc_(msliteDocument(model))
{
}

void MsliteWriter::write(const std::filesystem::path& path)
{
    try {
        for (const auto& s : doc_.tensors) {
            const Tensor& t = *s.tensor;
            if (t.data == s.original && t.dataType == s.dataType && t.dims == s.dims)
                continue;
            const std::string where = path.string() + ": cannot save tensor '" + t.name + "': ";
            if (t.dataType != s.dataType || t.dims != s.dims)
                throw Error(where
                    + "a MindSpore Lite file fixes each tensor's type and shape in its FlatBuffer, so it can only "
                      "take new values of the same type and shape");
            if (!t.data || t.data->size() != s.length)
                throw Error(where + "its data is not the " + std::to_string(s.length) + " bytes the file holds");
            patches_.push_back(&s);
        }
        std::sort(patches_.begin(), patches_.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
        // A writer that shares one data vector between tensors (none that we
        // know of does) would make two edits collide.
        for (std::size_t k = 1; k < patches_.size(); ++k)
            if (patches_[k]->offset < patches_[k - 1]->offset + patches_[k - 1]->length)
                throw Error(path.string() + ": cannot save: tensors '" + patches_[k - 1]->tensor->name + "' and '"
                    + patches_[k]->tensor->name + "' share their bytes in the file");

        std::vector<Splice> splices;
        for (const auto* p : patches_)
            splices.push_back({ p->offset, p->tensor->data->bytes() });
        writeSpliced(*doc_.file, path, std::move(splices));
    } catch (const std::exception& e) {
        rethrowSaveError(path, e);
    }
}

} // namespace nodus
