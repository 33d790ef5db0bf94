#include "checkpointwriter.h"

#include "mindsporedatatype.h"
#include "protopayloadwriter.h"

#include "ir/ownedtensordata.h"
#include "util/atomicfile.h"
#include "util/error.h"
#include "util/mappedfile.h"
#include "util/outputsink.h"

namespace nodus {

namespace {

constexpr int kContentField = 3;

const CheckpointDocument& checkpointDocument(const Model& model)
{
    return nativeDocumentAs<CheckpointDocument>(
        model, { "mindspore-ckpt" }, "a MindSpore checkpoint: it cannot be saved as one");
}

// A range of another tensor's bytes: an edited tensor written back into the
// slices it was read from.
class SliceData final : public TensorData {
public:
    SliceData(std::shared_ptr<const TensorData> whole, std::uint64_t offset, std::uint64_t length)
        : whole_(std::move(whole))
        , offset_(offset)
        , length_(length)
    {
        if (const FileRegion* r = whole_->region())
            region_ = FileRegion { r->file, r->offset + offset_, length_ };
    }
    std::uint64_t size() const override { return length_; }
    std::span<const std::byte> bytes() const override { return whole_->bytes().subspan(offset_, length_); }
    const FileRegion* region() const override { return region_.file ? &region_ : nullptr; }

private:
    std::shared_ptr<const TensorData> whole_;
    std::uint64_t offset_;
    std::uint64_t length_;
    FileRegion region_;
};

} // namespace

CheckpointWriter::CheckpointWriter(const Model& model)
    : doc_(checkpointDocument(model))
{
}

void CheckpointWriter::write(const std::filesystem::path& path)
{
    try {
        ProtoPayloadWriter writer(doc_.containers);
        for (const auto& entry : doc_.entries) {
            const Tensor& t = *entry.tensor;
            const bool renamed = t.name != entry.name;
            const bool retyped = t.dataType != entry.dataType;
            const bool reshaped = t.dims != entry.dims;
            const bool changedData = t.data != entry.data || t.strings != entry.strings;
            if (!renamed && !retyped && !reshaped && !changedData) {
                for (const auto& s : entry.slices)
                    if (s.stored)
                        writer.set(s.tensor, { nullptr, s.stored, kContentField, false });
                continue;
            }
            const bool inMap = entry.slices.front().value->has_maptensor();
            if (renamed && inMap)
                throw Error("tensor '" + entry.name + "' is part of a MapParameter and cannot be renamed");

            std::string typeName = entry.slices.front().tensor->tensor_type();
            if (retyped) {
                const auto name = checkpointFromDataType(t.dataType);
                if (!name)
                    throw Error("tensor '" + t.name + "': a MindSpore checkpoint has no element type "
                        + std::string(dataTypeName(t.dataType)));
                typeName = *name;
            }
            // MindSpore writes a scalar with dims [0].
            std::vector<std::int64_t> dims = t.dims;
            if (dims.empty())
                dims.push_back(0);

            std::shared_ptr<const TensorData> content = t.data;
            if (t.dataType == DataType::String) {
                std::vector<std::byte> bytes;
                for (const auto& s : t.strings)
                    for (char c : s)
                        bytes.push_back(static_cast<std::byte>(c));
                content = std::make_shared<OwnedTensorData>(std::move(bytes));
            } else if (!content) {
                content = std::make_shared<OwnedTensorData>(std::vector<std::byte> {});
            }

            // Keep the slicing when the size is unchanged; else one slice.
            std::vector<std::shared_ptr<const TensorData>> parts;
            std::uint64_t originalTotal = 0;
            for (const auto& s : entry.slices)
                originalTotal += s.stored ? s.stored->size() : 0;
            if (entry.slices.size() > 1 && content->size() == originalTotal) {
                std::uint64_t offset = 0;
                for (const auto& s : entry.slices) {
                    const std::uint64_t n = s.stored ? s.stored->size() : 0;
                    parts.push_back(std::make_shared<SliceData>(content, offset, n));
                    offset += n;
                }
            } else {
                parts.push_back(content);
            }

            for (std::size_t k = 0; k < entry.slices.size(); ++k) {
                const auto& s = entry.slices[k];
                if (k >= parts.size()) {
                    writer.set(s.value, { nullptr, nullptr, 0, true });
                    continue;
                }
                auto tensor = std::make_shared<ckpt::TensorProto>(*s.tensor);
                tensor->clear_tensor_content();
                tensor->set_tensor_type(typeName);
                tensor->clear_dims();
                for (auto d : dims)
                    tensor->add_dims(d);
                if (!renamed) {
                    writer.set(s.tensor, { tensor, parts[k], kContentField, false });
                    continue;
                }
                auto value = std::make_shared<ckpt::Checkpoint::Value>(*s.value);
                value->set_tag(t.name);
                *value->mutable_tensor() = *tensor;
                writer.addContainer(value.get());
                writer.set(&value->tensor(), { nullptr, parts[k], kContentField, false });
                writer.set(s.value, { value, nullptr, 0, false });
            }
        }

        AtomicFile file(path);
        OutputSink sink(file.fd(), path.string());
        writer.write(doc_.proto, sink);
        sink.flush();
        file.commit();
    } catch (const std::exception& e) {
        rethrowSaveError(path, e);
    }
}

} // namespace nodus
