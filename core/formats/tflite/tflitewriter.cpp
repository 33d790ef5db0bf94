#include "tflitewriter.h"

#include "util/error.h"
#include "util/mappedfile.h"
#include "util/outputsink.h"
#include "util/splicewrite.h"

#include <algorithm>
#include <cstring>

namespace nodus {

namespace {

const TfliteDocument& tfliteDocument(const Model& model)
{
    if (!model.native || model.native->formatName() != "tflite")
        throw Error("this model was read as " + (model.format.empty() ? std::string("another format") : model.format)
            + ", not as a TensorFlow Lite file: it cannot be saved as one");
    return static_cast<const TfliteDocument&>(*model.native);
}

bool sameBytes(std::span<const std::byte> a, std::span<const std::byte> b)
{
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

} // namespace

TfliteWriter::TfliteWriter(const Model& model)
    : doc_(tfliteDocument(model))
{
}

void TfliteWriter::plan(const std::filesystem::path& path)
{
    for (const auto& s : doc_.tensors) {
        const Tensor& t = *s.tensor;
        if (t.data == s.original && t.dataType == s.dataType && t.dims == s.dims)
            continue;
        const std::string where = path.string() + ": cannot save tensor '" + t.name + "': ";
        if (t.dataType != s.dataType || t.dims != s.dims)
            throw Error(where
                + "a TFLite file fixes each tensor's type and shape in its FlatBuffer, so it can "
                  "only take new values of the same type and shape");
        if (!t.data)
            throw Error(where + "it has no data");
        if (t.data->size() != s.length)
            throw Error(where + "it has " + std::to_string(t.data->size()) + " bytes of data, its buffer holds "
                + std::to_string(s.length));
        patches_.push_back({ s.offset, s.length, &s });
    }
    std::sort(patches_.begin(), patches_.end(), [](const Patch& a, const Patch& b) { return a.offset < b.offset; });
    // Tensors may share a buffer (deduplicated constants): they must agree.
    for (std::size_t k = 1; k < patches_.size(); ++k) {
        const Patch& a = patches_[k - 1];
        const Patch& b = patches_[k];
        if (b.offset < a.offset + a.length
            && (b.offset != a.offset || b.length != a.length
                || !sameBytes(a.stored->tensor->data->bytes(), b.stored->tensor->data->bytes())))
            throw Error(path.string() + ": cannot save: tensors '" + a.stored->tensor->name + "' and '"
                + b.stored->tensor->name + "' share one buffer in the file but were given different values");
    }
    for (const Patch& p : patches_)
        for (const auto& s : doc_.tensors)
            if (&s != p.stored && s.offset == p.offset && s.length == p.length && s.tensor->data == s.original)
                throw Error(path.string() + ": cannot save: tensors '" + p.stored->tensor->name + "' and '"
                    + s.tensor->name + "' share one buffer in the file; edit both the same way");
}

void TfliteWriter::write(const std::filesystem::path& path)
{
    try {
        plan(path);
        std::vector<Splice> splices;
        for (const Patch& p : patches_)
            splices.push_back({ p.offset, p.stored->tensor->data->bytes() });
        writeSpliced(*doc_.file, path, std::move(splices));
    } catch (const std::exception& e) {
        rethrowSaveError(path, e);
    }
}

} // namespace nodus
