#include "checkpointreader.h"

#include "mindsporedatatype.h"

#include "ir/lazytensordata.h"
#include "ir/mappedtensordata.h"
#include "ir/ownedtensordata.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <cstring>

namespace nodus {

namespace {

constexpr int kContentField = 3;

// MapParameter parts in the order MindSpore stores them.
std::string mapPartSuffix(int index)
{
    switch (index) {
    case 0:
        return ".key";
    case 1:
        return ".value";
    case 2:
        return ".status";
    default:
        return ".tensor" + std::to_string(index);
    }
}

bool sameShape(const ckpt::TensorProto& a, const ckpt::TensorProto& b)
{
    if (a.tensor_type() != b.tensor_type() || a.dims_size() != b.dims_size())
        return false;
    for (int k = 0; k < a.dims_size(); ++k)
        if (a.dims(k) != b.dims(k))
            return false;
    return true;
}

} // namespace

CheckpointReader::CheckpointReader(std::shared_ptr<const MappedFile> file)
    : doc_(std::make_shared<CheckpointDocument>())
{
    doc_->file = std::move(file);
}

void CheckpointReader::fail(const std::string& what) const
{
    throw Error(doc_->file->path().string() + ": " + what);
}

std::unique_ptr<Model> CheckpointReader::read()
{
    ProtoPayloadParser parser(
        doc_->file, "MindSpore checkpoint", { { ckpt::TensorProto::descriptor(), kContentField } });
    parser.parse(doc_->proto);
    doc_->payloads = std::move(parser.payloads);
    doc_->containers = std::move(parser.containers);

    auto model = std::make_unique<Model>();
    model->format = "mindspore-ckpt";
    model->sourcePath = doc_->file->path();
    model->native = doc_;
    // The reader adds entries to this graph through addEntry().
    auto& values = doc_->proto.value();
    auto stored = [this](const ckpt::TensorProto& t) -> std::shared_ptr<const TensorData> {
        auto it = doc_->payloads.find(&t);
        if (it == doc_->payloads.end())
            return nullptr;
        return std::make_shared<MappedTensorData>(FileRegion { doc_->file, it->second.offset, it->second.length });
    };
    for (int k = 0; k < values.size();) {
        const auto& v = values[k];
        if (v.has_maptensor()) {
            for (int part = 0; part < v.maptensor().tensor_size(); ++part) {
                const auto& t = v.maptensor().tensor(part);
                addEntry({ { &v, &t, stored(t) } }, v.tag() + mapPartSuffix(part));
            }
            ++k;
            continue;
        }
        if (!v.has_tensor()) {
            ++k; // nothing to show; kept in the file as it is
            continue;
        }
        // Consecutive Values of one tag are slices of one tensor.
        std::vector<CheckpointDocument::Slice> slices { { &v, &v.tensor(), stored(v.tensor()) } };
        int next = k + 1;
        while (next < values.size() && values[next].has_tensor() && values[next].tag() == v.tag()
            && sameShape(values[next].tensor(), v.tensor())) {
            slices.push_back({ &values[next], &values[next].tensor(), stored(values[next].tensor()) });
            ++next;
        }
        addEntry(std::move(slices), v.tag());
        k = next;
    }
    for (const auto& e : doc_->entries)
        model->graph->addInitializer(e.tensor);
    return model;
}

void CheckpointReader::addEntry(std::vector<CheckpointDocument::Slice> slices, const std::string& name)
{
    CheckpointDocument::Entry entry;
    const ckpt::TensorProto& first = *slices.front().tensor;
    auto t = std::make_shared<Tensor>();
    t->name = name;
    t->dims.assign(first.dims().begin(), first.dims().end());
    const auto type = dataTypeFromCheckpoint(first.tensor_type());
    t->dataType = type.value_or(DataType::Undefined);
    if (!type)
        t->docString = "unknown tensor_type '" + first.tensor_type() + "': bytes shown as stored";

    std::uint64_t total = 0;
    for (const auto& s : slices)
        total += s.stored ? s.stored->size() : 0;

    if (t->dataType == DataType::String) {
        // MindSpore stores a string parameter's text as its contents.
        std::string text;
        for (const auto& s : slices)
            if (s.stored) {
                const auto bytes = s.stored->bytes();
                text.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
            }
        t->strings.push_back(std::move(text));
    } else if (slices.size() == 1) {
        t->data = slices.front().stored ? slices.front().stored
                                        : std::make_shared<OwnedTensorData>(std::vector<std::byte> {});
    } else {
        std::vector<std::shared_ptr<const TensorData>> parts;
        for (const auto& s : slices)
            if (s.stored)
                parts.push_back(s.stored);
        t->data = std::make_shared<LazyTensorData>(total, [parts] {
            std::vector<std::byte> out;
            for (const auto& p : parts) {
                const auto bytes = p->bytes();
                out.insert(out.end(), bytes.begin(), bytes.end());
            }
            return out;
        });
    }
    // A scalar is written with dims [0] and one element of contents.
    if (type && t->dataType != DataType::String && t->dims == std::vector<std::int64_t> { 0 }) {
        const auto one = storageBytes(t->dataType, 1);
        if (one && total == *one) {
            t->dims.clear();
            entry.scalarAsZeroDim = true;
        }
    }
    entry.slices = std::move(slices);
    entry.tensor = t;
    entry.name = t->name;
    entry.dataType = t->dataType;
    entry.dims = t->dims;
    entry.data = t->data;
    entry.strings = t->strings;
    doc_->entries.push_back(std::move(entry));
}

} // namespace nodus
