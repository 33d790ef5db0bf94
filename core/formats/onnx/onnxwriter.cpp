#include "onnxwriter.h"

#include "util/atomicfile.h"
#include "util/error.h"
#include "util/mappedfile.h"
#include "util/outputsink.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format.h>
#include <google/protobuf/wire_format_lite.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <random>
#include <set>

namespace nodus {

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::internal::WireFormat;
using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedOutputStream;

constexpr int kRawDataField = 9;
constexpr std::uint64_t kExternalAlignment = 64;

std::uint64_t delimitedSize(int field, std::uint64_t bodySize)
{
    return CodedOutputStream::VarintSize32(static_cast<std::uint32_t>(field) << 3)
        + CodedOutputStream::VarintSize64(bodySize) + bodySize;
}

void writeDelimitedHeader(CodedOutputStream& out, int field, std::uint64_t bodySize)
{
    out.WriteTag(WireFormatLite::MakeTag(field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
    out.WriteVarint64(bodySize);
}

const OnnxDocument& onnxDocument(const Model& model)
{
    return nativeDocumentAs<OnnxDocument>(model, { "onnx" }, "ONNX: export it to ONNX instead of saving it as ONNX");
}

bool sameMeta(const ::onnx::TensorProto& p, const Tensor& t)
{
    if (p.name() != t.name || p.data_type() != static_cast<int>(t.dataType)
        || p.dims_size() != static_cast<int>(t.dims.size()))
        return false;
    for (int k = 0; k < p.dims_size(); ++k)
        if (p.dims(k) != t.dims[k])
            return false;
    return true;
}

bool sameStrings(const ::onnx::TensorProto& p, const Tensor& t)
{
    if (p.string_data_size() != static_cast<int>(t.strings.size()))
        return false;
    for (int k = 0; k < p.string_data_size(); ++k)
        if (p.string_data(k) != t.strings[k])
            return false;
    return true;
}

void clearData(::onnx::TensorProto& p)
{
    p.clear_float_data();
    p.clear_int32_data();
    p.clear_int64_data();
    p.clear_double_data();
    p.clear_uint64_data();
    p.clear_string_data();
    p.clear_raw_data();
    p.clear_external_data();
    p.clear_data_location();
}

// External data goes to "<model>.data", or where that name is taken (saving
// over a model whose data has it) to "<model>.nodus-XXXXXX.data": never into
// a file the model on disk reads, so the data is committed first and the
// model that names it second, and a crash between the two leaves the old
// model with its old data.
constexpr std::string_view kDataTag = ".nodus-";
constexpr std::size_t kDataRandomChars = 6;

bool isOwnDataName(const std::string& name, const std::string& model)
{
    if (name == model + ".data")
        return true;
    const std::string prefix = model + std::string(kDataTag);
    if (name.size() != prefix.size() + kDataRandomChars + 5 || !name.starts_with(prefix) || !name.ends_with(".data"))
        return false;
    return std::all_of(name.begin() + static_cast<std::ptrdiff_t>(prefix.size()), name.end() - 5, [](char c) {
        return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c));
    });
}

std::string freshDataLocation(const std::filesystem::path& path)
{
    static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    const std::string model = path.filename().string();
    std::string name = model + ".data";
    std::random_device seed;
    std::mt19937 random(seed());
    std::error_code ec;
    while (std::filesystem::exists(std::filesystem::symlink_status(path.parent_path() / name, ec))) {
        name = model + std::string(kDataTag);
        for (std::size_t k = 0; k < kDataRandomChars; ++k)
            name += kChars[random() % (sizeof kChars - 1)];
        name += ".data";
    }
    return name;
}

// After the model at `path` has been replaced: removes the files by this
// writer's names for its external data that the new model does not read
// (it reads `keep`, or none when empty): the data of the model it replaced,
// and what interrupted saves left. Files the saved document still reads,
// when it came from another model, are kept. Best effort: the save itself
// has succeeded.
void removeReplacedDataFiles(const std::filesystem::path& path, const std::string& keep, const OnnxDocument& doc)
{
    namespace fs = std::filesystem;
    const fs::path folder = path.parent_path().empty() ? fs::path(".") : path.parent_path();
    const std::string model = path.filename().string();
    std::error_code ec1, ec2, ec;
    const bool inPlace = doc.file && !doc.file->isInMemory()
        && fs::weakly_canonical(doc.file->path(), ec1) == fs::weakly_canonical(path, ec2) && !ec1 && !ec2;
    std::set<fs::path> stillRead;
    if (!inPlace)
        for (const auto& entry : doc.tensors)
            if (entry.second->data)
                if (const FileRegion* r = entry.second->data->region())
                    stillRead.insert(fs::weakly_canonical(r->file->path(), ec));
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        std::error_code ignored;
        if (name == keep || !isOwnDataName(name, model) || stillRead.count(fs::weakly_canonical(it->path(), ignored)))
            continue;
        fs::remove(it->path(), ignored);
    }
}

} // namespace

OnnxWriter::OnnxWriter(const Model& model, OnnxWriteOptions options)
    : doc_(onnxDocument(model))
    , options_(options)
{
}

void OnnxWriter::write(const std::filesystem::path& path)
{
    try {
        const std::string location = freshDataLocation(path);
        std::optional<AtomicFile> dataFile;
        std::optional<OutputSink> dataSink;
        // Only open a data file when some tensor will go there.
        std::uint64_t inlineBytes = 0;
        bool anyExternal = false;
        for (const auto& [proto, tensor] : doc_.tensors) {
            if (!tensor->data || doc_.detachedTensors.count(proto))
                continue;
            inlineBytes += tensor->data->size();
            anyExternal |= proto->data_location() == ::onnx::TensorProto::EXTERNAL
                && tensor->data->size() >= options_.externalThreshold;
        }
        const bool tooBig = inlineBytes > options_.inlineLimit;
        if (options_.externalData == OnnxWriteOptions::ExternalData::Always
            || (options_.externalData == OnnxWriteOptions::ExternalData::Auto && (anyExternal || tooBig))) {
            dataFile.emplace(path.parent_path() / location);
            dataSink.emplace(dataFile->fd(), dataFile->target().string());
        }
        plan(location, dataSink ? &*dataSink : nullptr, tooBig);

        AtomicFile modelFile(path);
        OutputSink sink(modelFile.fd(), path.string());
        {
            CodedOutputStream out(&sink);
            elementSize(doc_.proto); // caches the sizes protobuf's serializer relies on
            writeMessage(doc_.proto, out, sink);
            out.Trim();
            if (out.HadError())
                throw Error(path.string() + ": cannot write the model");
        }
        sink.flush();
        if (dataFile) {
            dataSink->flush();
            dataFile->commit();
        }
        modelFile.commit();
        removeReplacedDataFiles(path, dataFile ? location : std::string(), doc_);
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(path.string() + ": cannot save: " + e.what());
    }
}

void OnnxWriter::plan(const std::string& dataLocation, OutputSink* dataSink, bool tooBig)
{
    using Mode = OnnxWriteOptions::ExternalData;

    // Deterministic order for the data file: walk tensors in proto order is
    // not available from the map, so order by their offsets in the source.
    std::vector<std::pair<const ::onnx::TensorProto*, std::shared_ptr<Tensor>>> ordered(
        doc_.tensors.begin(), doc_.tensors.end());
    std::sort(ordered.begin(), ordered.end(), [this](const auto& a, const auto& b) {
        auto key = [this](const auto& entry) {
            auto it = doc_.payloads.find(entry.first);
            return it == doc_.payloads.end() ? std::uint64_t(0) : it->second.offset;
        };
        const auto ka = key(a), kb = key(b);
        return ka != kb ? ka < kb : a.second->id < b.second->id;
    });

    for (const auto& entry : ordered) {
        const ::onnx::TensorProto* orig = entry.first;
        if (doc_.detachedTensors.count(orig))
            continue; // deleted by an edit: not in the file any more
        const std::shared_ptr<Tensor>& tensor = entry.second;
        Emission e;
        e.proto = orig;
        auto copy = [&]() -> ::onnx::TensorProto& {
            if (!e.copy) {
                e.copy = std::make_shared<::onnx::TensorProto>(*orig);
                e.proto = e.copy.get();
            }
            return *e.copy;
        };
        if (!sameMeta(*orig, *tensor)) {
            auto& c = copy();
            c.set_name(tensor->name);
            c.set_data_type(static_cast<int>(tensor->dataType));
            c.clear_dims();
            for (auto d : tensor->dims)
                c.add_dims(d);
        }
        if (tensor->dataType == DataType::String || !tensor->data) {
            if (tensor->dataType == DataType::String && !sameStrings(*orig, *tensor)) {
                auto& c = copy();
                clearData(c);
                for (const auto& s : tensor->strings)
                    c.add_string_data(s);
            }
            emissions_[orig] = std::move(e);
            continue;
        }
        auto original = doc_.originalData.find(orig);
        const bool unchanged = original != doc_.originalData.end() && original->second == tensor->data;
        const bool wasExternal = orig->data_location() == ::onnx::TensorProto::EXTERNAL;
        const bool hadPayload = doc_.payloads.count(orig) > 0;
        const std::uint64_t size = tensor->data->size();
        const bool external = dataSink && size >= options_.externalThreshold
            && (options_.externalData == Mode::Always || wasExternal || tooBig);

        if (external) {
            auto& c = copy();
            clearData(c);
            const std::uint64_t pad
                = (kExternalAlignment - dataSink->position() % kExternalAlignment) % kExternalAlignment;
            dataSink->zeros(pad);
            const std::uint64_t offset = dataSink->position();
            dataSink->writeData(*tensor->data);
            c.set_data_location(::onnx::TensorProto::EXTERNAL);
            auto add = [&c](const std::string& key, const std::string& value) {
                auto* kv = c.add_external_data();
                kv->set_key(key);
                kv->set_value(value);
            };
            add("location", dataLocation);
            add("offset", std::to_string(offset));
            add("length", std::to_string(size));
        } else if (wasExternal || hadPayload || !unchanged) {
            if (wasExternal || !unchanged)
                clearData(copy());
            e.payload = tensor->data.get();
        }
        emissions_[orig] = std::move(e);
    }
}

const OnnxWriter::Emission& OnnxWriter::emission(const ::onnx::TensorProto& original) const
{
    static const Emission none;
    auto it = emissions_.find(&original);
    return it == emissions_.end() ? none : it->second;
}

std::uint64_t OnnxWriter::elementSize(const Message& m) const
{
    if (m.GetDescriptor() == ::onnx::TensorProto::descriptor()) {
        const Emission& e = emission(static_cast<const ::onnx::TensorProto&>(m));
        const auto& proto = e.proto ? *e.proto : static_cast<const ::onnx::TensorProto&>(m);
        std::uint64_t size = proto.ByteSizeLong();
        if (e.payload)
            size += delimitedSize(kRawDataField, e.payload->size());
        return size;
    }
    if (!doc_.containers.count(&m))
        return m.ByteSizeLong();
    return messageSize(m);
}

std::uint64_t OnnxWriter::messageSize(const Message& m) const
{
    // Sets protobuf's cached sizes for the plain fields written below.
    m.ByteSizeLong();
    const auto* refl = m.GetReflection();
    std::vector<const FieldDescriptor*> fields;
    refl->ListFields(m, &fields);
    std::uint64_t total = 0;
    for (const auto* fd : fields) {
        if (fd->type() != FieldDescriptor::TYPE_MESSAGE) {
            total += WireFormat::FieldByteSize(fd, m);
            continue;
        }
        const int count = fd->is_repeated() ? refl->FieldSize(m, fd) : 1;
        for (int k = 0; k < count; ++k) {
            const Message& elem = fd->is_repeated() ? refl->GetRepeatedMessage(m, fd, k) : refl->GetMessage(m, fd);
            total += delimitedSize(fd->number(), elementSize(elem));
        }
    }
    return total + WireFormat::ComputeUnknownFieldsSize(refl->GetUnknownFields(m));
}

void OnnxWriter::writeMessage(const Message& m, CodedOutputStream& out, OutputSink& sink) const
{
    const auto* refl = m.GetReflection();
    if (m.GetDescriptor() == ::onnx::TensorProto::descriptor()) {
        const Emission& e = emission(static_cast<const ::onnx::TensorProto&>(m));
        const Message& proto = e.proto ? static_cast<const Message&>(*e.proto) : m;
        if (!e.payload) {
            proto.SerializeWithCachedSizes(&out);
            return;
        }
        // Fields in number order with raw_data in its place, as protobuf would.
        const auto* prefl = proto.GetReflection();
        std::vector<const FieldDescriptor*> fields;
        prefl->ListFields(proto, &fields);
        bool payloadDone = false;
        for (const auto* fd : fields) {
            if (!payloadDone && fd->number() > kRawDataField) {
                writeDelimitedHeader(out, kRawDataField, e.payload->size());
                out.Trim();
                sink.writeData(*e.payload);
                payloadDone = true;
            }
            WireFormat::SerializeFieldWithCachedSizes(fd, proto, &out);
        }
        if (!payloadDone) {
            writeDelimitedHeader(out, kRawDataField, e.payload->size());
            out.Trim();
            sink.writeData(*e.payload);
        }
        WireFormat::SerializeUnknownFields(prefl->GetUnknownFields(proto), &out);
        return;
    }
    if (!doc_.containers.count(&m)) {
        m.SerializeWithCachedSizes(&out);
        return;
    }
    std::vector<const FieldDescriptor*> fields;
    refl->ListFields(m, &fields);
    for (const auto* fd : fields) {
        if (fd->type() != FieldDescriptor::TYPE_MESSAGE) {
            WireFormat::SerializeFieldWithCachedSizes(fd, m, &out);
            continue;
        }
        const int count = fd->is_repeated() ? refl->FieldSize(m, fd) : 1;
        for (int k = 0; k < count; ++k) {
            const Message& elem = fd->is_repeated() ? refl->GetRepeatedMessage(m, fd, k) : refl->GetMessage(m, fd);
            writeDelimitedHeader(out, fd->number(), elementSize(elem));
            writeMessage(elem, out, sink);
        }
    }
    WireFormat::SerializeUnknownFields(refl->GetUnknownFields(m), &out);
}

} // namespace nodus
