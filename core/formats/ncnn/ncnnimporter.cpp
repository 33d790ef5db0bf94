#include "ncnnimporter.h"

#include "ncnnnet.h"
#include "ncnnweights.h"

#include "ir/mappedtensordata.h"
#include "ir/model.h"
#include "ir/ownedtensordata.h"
#include "util/error.h"
#include "util/mappedfile.h"
#include "util/zipreader.h"

#include <charconv>
#include <cstring>

namespace nodus {

namespace fs = std::filesystem;

namespace {

std::string lowerName(std::string s)
{
    for (auto& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

void setAttributes(Node& node, const NcnnLayer& layer)
{
    for (const auto& p : layer.params) {
        Attribute a;
        const NcnnParamInfo* info = ncnnParamInfo(layer.type, p.id);
        // Ids without a known name keep their number, so a save writes them back.
        a.name = info ? info->name : std::to_string(p.id);
        if (p.array) {
            a.type = p.isFloat ? AttributeType::Floats : AttributeType::Ints;
            for (const float f : p.floats)
                a.floats.push_back(f);
            for (const auto i : p.ints)
                a.ints.push_back(i);
        } else if (p.isFloat) {
            a.type = AttributeType::Float;
            a.f = p.f();
        } else {
            a.type = AttributeType::Int;
            a.i = p.i();
        }
        node.attributes.push_back(std::move(a));
    }
    for (const auto& e : layer.pnnxParams) {
        Attribute a;
        a.name = e.key;
        a.type = AttributeType::String;
        a.s = e.value;
        node.attributes.push_back(std::move(a));
    }
}

// Reads each layer's blobs from an ncnn .bin in load_model() order.
class BinReader {
public:
    BinReader(std::shared_ptr<const MappedFile> file)
        : file_(std::move(file))
    {
    }

    std::uint64_t remaining() const { return file_->size() - pos_; }
    std::uint64_t position() const { return pos_; }

    std::shared_ptr<Tensor> read(const NcnnWeightSpec& spec, const std::string& name)
    {
        const std::string where = file_->path().string() + ": " + name;
        if (spec.count < 0)
            throw Error(where + ": negative element count " + std::to_string(spec.count));
        const auto count = static_cast<std::uint64_t>(spec.count);
        auto tensor = std::make_shared<Tensor>();
        tensor->name = name;
        tensor->dims = spec.dims;
        std::uint64_t elementBytes = 4;
        tensor->dataType = DataType::Float;
        if (spec.flagged) {
            std::uint32_t tag = 0;
            need(4, where, "its storage tag");
            std::memcpy(&tag, file_->data() + pos_, 4);
            pos_ += 4;
            const auto b = reinterpret_cast<const unsigned char*>(&tag);
            if (tag == kNcnnTagFp16) {
                tensor->dataType = DataType::Float16;
                elementBytes = 2;
            } else if (tag == kNcnnTagInt8) {
                tensor->dataType = DataType::Int8;
                elementBytes = 1;
            } else if (tag != kNcnnTagFp32 && (b[0] | b[1] | b[2] | b[3]) != 0) {
                return readQuantized(tensor, count, where);
            }
        }
        if (count > remaining() / elementBytes)
            throw Error(where + ": needs " + std::to_string(count * elementBytes) + " bytes at offset "
                + std::to_string(pos_) + " but the weights file has " + std::to_string(remaining()) + " left");
        const std::uint64_t length = count * elementBytes;
        tensor->data = std::make_shared<MappedTensorData>(FileRegion { file_, pos_, length });
        pos_ += (length + 3) / 4 * 4;
        if (pos_ > file_->size())
            pos_ = file_->size();
        return tensor;
    }

private:
    void need(std::uint64_t n, const std::string& where, const char* what) const
    {
        if (remaining() < n)
            throw Error(where + ": the weights file ends before " + what + " (offset " + std::to_string(pos_) + ")");
    }

    // A 256-entry float table, then one uint8 index per element.
    std::shared_ptr<Tensor> readQuantized(std::shared_ptr<Tensor> tensor, std::uint64_t count, const std::string& where)
    {
        need(1024, where, "its quantization table");
        float table[256];
        std::memcpy(table, file_->data() + pos_, 1024);
        pos_ += 1024;
        need(count, where, "its quantized values");
        std::vector<std::byte> bytes(count * 4);
        const auto* index = reinterpret_cast<const unsigned char*>(file_->data() + pos_);
        for (std::uint64_t k = 0; k < count; ++k)
            std::memcpy(bytes.data() + 4 * k, &table[index[k]], 4);
        pos_ += (count + 3) / 4 * 4;
        if (pos_ > file_->size())
            pos_ = file_->size();
        tensor->data = std::make_shared<OwnedTensorData>(std::move(bytes));
        tensor->docString = "decoded from an 8-bit quantization table";
        return tensor;
    }

    std::shared_ptr<const MappedFile> file_;
    std::uint64_t pos_ = 0;
};

DataType pnnxType(std::string_view t)
{
    if (t == "f32")
        return DataType::Float;
    if (t == "f16")
        return DataType::Float16;
    if (t == "f64")
        return DataType::Double;
    if (t == "bf16")
        return DataType::BFloat16;
    if (t == "i64")
        return DataType::Int64;
    if (t == "i32")
        return DataType::Int32;
    if (t == "i16")
        return DataType::Int16;
    if (t == "i8")
        return DataType::Int8;
    if (t == "u8")
        return DataType::UInt8;
    if (t == "bool")
        return DataType::Bool;
    return DataType::Undefined;
}

// "(1,3,224,224)f32" -> dims and type; false when it is not that shape.
bool parsePnnxShape(std::string_view text, std::vector<std::int64_t>& dims, DataType& type, bool& known)
{
    known = true;
    if (text.size() < 2 || text[0] != '(')
        return false;
    const auto close = text.find(')');
    if (close == std::string_view::npos)
        return false;
    type = pnnxType(text.substr(close + 1));
    std::string_view inner = text.substr(1, close - 1);
    dims.clear();
    while (!inner.empty()) {
        const auto comma = inner.find(',');
        const auto item = inner.substr(0, comma);
        std::int64_t d = 0;
        const auto r = std::from_chars(item.data(), item.data() + item.size(), d);
        if (r.ec != std::errc() || r.ptr != item.data() + item.size() || d < 0)
            known = false;
        dims.push_back(d);
        inner = comma == std::string_view::npos ? std::string_view() : inner.substr(comma + 1);
    }
    return true;
}

} // namespace

fs::path ncnnWeightsPath(const fs::path& param)
{
    std::string name = param.filename().string();
    const std::string lower = lowerName(name);
    if (lower.ends_with(".param.bin"))
        name = name.substr(0, name.size() - 10);
    else if (lower.ends_with(".param"))
        name = name.substr(0, name.size() - 6);
    return param.parent_path() / (name + ".bin");
}

std::unique_ptr<Model> importNcnn(const Probe& probe)
{
    const std::string fileName = probe.path.string();
    if (!probe.file)
        throw Error(fileName + ": an ncnn model is a file, not a folder");
    const auto bytes = probe.file->bytes();
    std::int32_t magic = 0;
    if (bytes.size() >= 4)
        std::memcpy(&magic, bytes.data(), 4);
    const NcnnNet net = magic == kNcnnMagic
        ? parseNcnnBinaryParam(bytes, fileName)
        : parseNcnnTextParam(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), fileName);

    auto model = std::make_unique<Model>();
    model->producerName = net.pnnx ? "pnnx" : "ncnn";
    auto& g = *model->graph;
    g.name = probe.path.stem().string();
    std::vector<std::string> notes;

    // Weights: beside the param file, unless it came from memory.
    std::shared_ptr<const MappedFile> bin;
    const fs::path binPath = ncnnWeightsPath(probe.path);
    std::error_code ec;
    if (!probe.file->isInMemory() && fs::is_regular_file(binPath, ec))
        bin = MappedFile::open(binPath);
    if (!bin)
        notes.push_back("no weights: " + binPath.filename().string() + " is not beside the param file");

    std::unique_ptr<BinReader> reader;
    std::unique_ptr<ZipReader> zip;
    if (bin && !net.pnnx)
        reader = std::make_unique<BinReader>(bin);
    if (bin && net.pnnx)
        zip = std::make_unique<ZipReader>(
            bin->bytes(), binPath.string(), ZipReader::Options { true, "pnnx weight archive" });
    bool weightsLost = false;

    for (const auto& layer : net.layers) {
        Node* node = g.addNode(layer.type, layer.name);
        setAttributes(*node, layer);
        for (const auto& b : layer.bottoms)
            g.addInput(node, g.value(b));
        if (reader && !weightsLost) {
            std::string why;
            const auto layout = ncnnWeightLayout(layer, why);
            if (!layout) {
                weightsLost = true;
                notes.push_back("weights from layer '" + layer.name + "' on are not shown: " + why);
            } else {
                for (const auto& spec : *layout) {
                    const std::string name = layer.name + "." + spec.suffix;
                    if (g.findValue(name) && g.findValue(name)->initializer)
                        throw Error(fileName + ": two layers are named '" + layer.name + "'");
                    Tensor* t = g.addInitializer(reader->read(spec, name));
                    g.addInput(node, g.value(t->name));
                }
            }
        }
        if (zip) {
            for (const auto& w : layer.pnnxWeights) {
                std::vector<std::int64_t> dims;
                DataType type = DataType::Undefined;
                bool known = false;
                const std::string name = layer.name + "." + w.key;
                if (!parsePnnxShape(w.value, dims, type, known) || !known || type == DataType::Undefined)
                    throw Error(fileName + ": layer '" + layer.name + "': bad weight shape '" + w.value + "'");
                const ZipReader::Entry* entry = zip->find(name);
                if (!entry)
                    throw Error(binPath.string() + ": has no member '" + name + "'");
                auto tensor = std::make_shared<Tensor>();
                tensor->name = name;
                tensor->dataType = type;
                tensor->dims = dims;
                const auto expected = tensor->expectedBytes();
                if (!expected || *expected != entry->uncompressedSize)
                    throw Error(zip->memberName(*entry) + ": holds " + std::to_string(entry->uncompressedSize)
                        + " bytes, not the " + std::to_string(expected.value_or(0)) + " of " + w.value);
                if (entry->method == 0) {
                    const auto span = zip->storedBytes(*entry);
                    tensor->data = std::make_shared<MappedTensorData>(
                        FileRegion { bin, static_cast<std::uint64_t>(span.data() - bin->data()), span.size() });
                } else {
                    tensor->data = std::make_shared<OwnedTensorData>(zip->extract(*entry));
                }
                if (g.findValue(name) && g.findValue(name)->initializer)
                    throw Error(fileName + ": two layers are named '" + layer.name + "'");
                g.addInitializer(tensor);
                g.addInput(node, g.value(name));
            }
        }
        for (const auto& t : layer.tops) {
            Value* v = g.value(t);
            if (v->producer())
                throw Error(fileName + ": blob '" + t + "' is produced by two layers");
            g.addOutput(node, v);
        }
        for (const auto& s : layer.pnnxShapes) {
            std::vector<std::int64_t> dims;
            DataType type = DataType::Undefined;
            bool known = false;
            Value* v = g.findValue(s.key);
            if (v && parsePnnxShape(s.value, dims, type, known) && known)
                v->type = ValueType::tensor(type, Shape::of(dims));
        }
        if (layer.type == "Input" && layer.tops.size() == 1) {
            std::vector<std::int64_t> dims;
            for (const int id : { 2, 11, 1, 0 })
                if (const std::int32_t d = layer.intParam(id, 0); d > 0)
                    dims.push_back(d);
            if (!dims.empty())
                g.findValue(layer.tops[0])->type = ValueType::tensor(DataType::Float, Shape::of(dims));
        }
    }
    if (reader && !weightsLost && reader->remaining() >= 4)
        notes.push_back(std::to_string(reader->remaining()) + " bytes at the end of " + binPath.filename().string()
            + " belong to no layer");

    for (const auto& v : g.values())
        if (!v->initializer && v->producer() && v->users().empty())
            g.outputs.push_back(v.get());
    for (const auto& v : g.values())
        if (!v->initializer && !v->producer())
            throw Error(fileName + ": blob '" + v->name() + "' is used but no layer produces it");

    model->metadata.emplace_back("format", net.binary ? "ncnn binary param" : net.pnnx ? "pnnx param" : "ncnn param");
    if (bin)
        model->metadata.emplace_back("weights", binPath.filename().string());
    for (const auto& n : notes)
        model->metadata.emplace_back("note", n);
    return model;
}

} // namespace nodus
