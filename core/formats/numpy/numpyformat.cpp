#include "numpyformat.h"

#include "ir/model.h"
#include "ir/nativedocument.h"
#include "util/atomicfile.h"
#include "util/error.h"
#include "util/mappedfile.h"
#include "util/npy.h"
#include "util/outputsink.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace nodus {

namespace {

constexpr char kNpyMagic[] = "\x93NUMPY";
constexpr std::size_t kNpyMagicSize = 6;

// What was read, to tell an untouched model (saved as a copy of the file)
// from an edited one (written anew).
class NumpyDocument final : public NativeDocument {
public:
    std::string_view formatName() const override { return "numpy"; }

    std::shared_ptr<const MappedFile> file;
    bool archive = false;
    struct Entry {
        std::shared_ptr<Tensor> tensor;
        std::string name;
        DataType dataType = DataType::Undefined;
        std::vector<std::int64_t> dims;
        std::shared_ptr<const TensorData> data;
        std::vector<std::string> strings;
    };
    std::vector<Entry> entries;
};

bool isNpy(std::span<const std::byte> bytes)
{
    return bytes.size() >= kNpyMagicSize && std::memcmp(bytes.data(), kNpyMagic, kNpyMagicSize) == 0;
}

std::string lowerExtension(const std::filesystem::path& path)
{
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return ext;
}

const NumpyDocument& numpyDocument(const Model& model)
{
    return nativeDocumentAs<NumpyDocument>(
        model, { "numpy" }, "NumPy arrays: it cannot be saved as them (export its weights instead)");
}

bool unchanged(const NumpyDocument& doc, const Model& model)
{
    const auto& initializers = model.graph->initializers;
    if (initializers.size() != doc.entries.size())
        return false;
    for (std::size_t k = 0; k < initializers.size(); ++k) {
        const auto& e = doc.entries[k];
        const Tensor& t = *initializers[k];
        if (initializers[k] != e.tensor || t.name != e.name || t.dataType != e.dataType || t.dims != e.dims
            || t.data != e.data || t.strings != e.strings)
            return false;
    }
    return true;
}

} // namespace

int NumpyFormat::sniff(const Probe& probe) const
{
    if (!probe.file)
        return 0;
    const auto bytes = probe.file->bytes();
    if (isNpy(bytes))
        return 95;
    // A zip whose first member is a .npy: numpy.savez's layout. Other zips
    // (PyTorch archives, Keras, ...) have other first members.
    constexpr std::size_t kLocalHeader = 30;
    if (bytes.size() >= kLocalHeader && std::memcmp(bytes.data(), "PK\x03\x04", 4) == 0) {
        const auto u16 = [&](std::size_t at) {
            return std::to_integer<unsigned>(bytes[at]) | (std::to_integer<unsigned>(bytes[at + 1]) << 8);
        };
        const std::size_t nameLength = u16(26);
        if (nameLength >= 4 && kLocalHeader + nameLength <= bytes.size()
            && std::memcmp(bytes.data() + kLocalHeader + nameLength - 4, ".npy", 4) == 0)
            return 80;
        return 0;
    }
    // numpy.savez with no arrays: only the end of the central directory.
    if (bytes.size() == 22 && std::memcmp(bytes.data(), "PK\x05\x06", 4) == 0 && probe.extension == ".npz")
        return 60;
    return 0;
}

std::unique_ptr<Model> NumpyFormat::read(const Probe& probe) const
{
    if (!probe.file)
        throw Error(probe.path.string() + ": NumPy arrays are a .npy or .npz file, not a folder");
    auto doc = std::make_shared<NumpyDocument>();
    doc->file = probe.file;
    const auto bytes = probe.file->bytes();
    std::vector<std::shared_ptr<Tensor>> tensors;
    if (isNpy(bytes)) {
        auto t = readNpyBytes(bytes, probe.path.string());
        t->name = probe.path.stem().string();
        tensors.push_back(std::move(t));
    } else {
        doc->archive = true;
        for (auto& [name, t] : readNpzBytes(bytes, probe.path.string())) {
            t->name = name;
            tensors.push_back(std::move(t));
        }
    }
    auto model = std::make_unique<Model>();
    model->format = "numpy";
    model->sourcePath = probe.path;
    model->native = doc;
    for (auto& t : tensors) {
        doc->entries.push_back({ t, t->name, t->dataType, t->dims, t->data, t->strings });
        model->graph->addInitializer(t);
    }
    return model;
}

void NumpyFormat::write(const Model& model, const std::filesystem::path& path, const WriteOptions&) const
{
    try {
        const NumpyDocument& doc = numpyDocument(model);
        const bool toNpy = lowerExtension(path) == ".npy";
        const auto& initializers = model.graph->initializers;
        // Untouched and kept as the same kind of file: the bytes as they were
        // (a compressed .npz stays compressed).
        if (toNpy != doc.archive && unchanged(doc, model)) {
            AtomicFile file(path);
            OutputSink sink(file.fd(), path.string());
            sink.copyRange(doc.file->fd(), 0, doc.file->size());
            sink.flush();
            file.commit();
            return;
        }
        if (toNpy) {
            if (initializers.size() != 1)
                throw Error("a .npy holds one array and this model has " + std::to_string(initializers.size())
                    + ": save it as .npz");
            writeNpy(*initializers.front(), path);
            return;
        }
        std::vector<std::pair<std::string, const Tensor*>> arrays;
        for (const auto& t : initializers)
            arrays.emplace_back(t->name, t.get());
        writeNpz(arrays, path);
    } catch (const std::exception& e) {
        rethrowSaveError(path, e);
    }
}

bool isNumpyArchive(const Model& model)
{
    return model.native && model.native->formatName() == "numpy"
        && static_cast<const NumpyDocument&>(*model.native).archive;
}

} // namespace nodus
