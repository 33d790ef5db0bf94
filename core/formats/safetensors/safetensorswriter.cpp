#include "safetensorswriter.h"

#include "safetensorsdocument.h"
#include "safetensorsio.h"

#include "util/atomicfile.h"
#include "util/error.h"
#include "util/mappedfile.h"
#include "util/outputsink.h"

namespace nodus {

namespace {

const SafetensorsDocument& safetensorsDocument(const Model& model)
{
    return nativeDocumentAs<SafetensorsDocument>(
        model, { "safetensors" }, "safetensors: it cannot be saved as one (export its weights instead)");
}

} // namespace

void writeSafetensorsModel(const Model& model, const std::filesystem::path& path)
{
    try {
        const SafetensorsDocument& doc = safetensorsDocument(model);
        const auto& initializers = model.graph->initializers;
        // The same tensors in the same order, named, typed and shaped as read?
        bool sameLayout = initializers.size() == doc.entries.size() && model.metadata == doc.metadata;
        bool sameData = sameLayout;
        for (std::size_t k = 0; sameLayout && k < initializers.size(); ++k) {
            const auto& e = doc.entries[k];
            const Tensor& t = *initializers[k];
            sameLayout = initializers[k] == e.tensor && t.name == e.name && t.dataType == e.dataType && t.dims == e.dims
                && !t.isSparse() && t.data && t.data->size() == e.end - e.begin;
            sameData = sameData && sameLayout && t.data == e.data;
        }
        if (sameData || sameLayout) {
            AtomicFile file(path);
            OutputSink sink(file.fd(), path.string());
            if (sameData) {
                sink.copyRange(doc.file->fd(), 0, doc.file->size());
            } else {
                sink.copyRange(doc.file->fd(), 0, 8 + doc.headerSize);
                for (const auto& t : initializers)
                    sink.writeData(*t->data);
            }
            sink.flush();
            file.commit();
            return;
        }
        std::vector<const Tensor*> tensors;
        for (const auto& t : initializers)
            tensors.push_back(t.get());
        writeSafetensorsFile(tensors, model.metadata, path);
    } catch (const std::exception& e) {
        rethrowSaveError(path, e);
    }
}

} // namespace nodus
