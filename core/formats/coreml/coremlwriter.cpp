#include "coremlwriter.h"

#include "util/error.h"
#include "util/mappedfile.h"
#include "util/outputsink.h"
#include "util/splicewrite.h"

#include <algorithm>

namespace nodus {

namespace {

const CoremlDocument& coremlDocument(const Model& model)
{
    if (!model.native || model.native->formatName() != "coreml")
        throw Error("this model was read as " + (model.format.empty() ? std::string("another format") : model.format)
            + ", not as a Core ML file: it cannot be saved as one");
    return static_cast<const CoremlDocument&>(*model.native);
}

} // namespace

CoremlWriter::CoremlWriter(const Model& model)
    : doc_(coremlDocument(model))
{
}

void CoremlWriter::write(const std::filesystem::path& path)
{
    try {
        for (const auto& s : doc_.tensors) {
            const Tensor& t = *s.tensor;
            if (t.data == s.original && t.dataType == s.dataType && t.dims == s.dims)
                continue;
            const std::string where = path.string() + ": cannot save tensor '" + t.name + "': ";
            if (t.dataType != s.dataType || t.dims != s.dims)
                throw Error(where
                    + "a Core ML file fixes each weight's type and its shape by the layer's parameters, so it can only "
                      "take new values of the same type and shape");
            if (!t.data || t.data->size() != s.length)
                throw Error(where + "its data is not the " + std::to_string(s.length) + " bytes the file holds");
            if (!s.contiguous)
                throw Error(where
                    + "its values are stored as separate protobuf fields, not one packed run, so they cannot be "
                      "overwritten in place");
            patches_.push_back(&s);
        }
        std::sort(patches_.begin(), patches_.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
        // Distinct weights never share bytes in a protobuf; a damaged
        // document could claim they do.
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
