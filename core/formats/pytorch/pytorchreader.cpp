#include "pytorchreader.h"

#include "pickle.h"
#include "pytorchdocument.h"
#include "torchscriptcode.h"
#include "torchscriptgraph.h"

#include "ir/lazytensordata.h"
#include "ir/mappedtensordata.h"
#include "ir/ownedtensordata.h"
#include "util/error.h"
#include "util/mappedfile.h"
#include "util/zipreader.h"

#include <cstring>
#include <optional>

namespace nodus::pytorch {

namespace {

// PROTO 2, LONG1 10, the magic number's ten bytes, STOP.
constexpr unsigned char kLegacyMagic[]
    = { 0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e };
constexpr std::int64_t kLegacyProtocol = 1001;
// Bounds on the saved object's shape, against hostile files.
constexpr int kMaxDepth = 100;
constexpr std::size_t kMaxVisits = 1u << 22;
constexpr std::size_t kMaxMetadata = 256;

using pickle::Value;
using pickle::ValuePtr;

// Finds "<prefix>data.pkl" in a zip: "data.pkl" at the top or one folder down.
std::optional<std::string> archivePrefix(const ZipReader& zip)
{
    for (const auto& e : zip.entries()) {
        if (e.name == "data.pkl")
            return std::string();
        const auto slash = e.name.find('/');
        if (slash != std::string::npos && e.name.compare(slash + 1, std::string::npos, "data.pkl") == 0)
            return e.name.substr(0, slash + 1);
    }
    return std::nullopt;
}

std::string scalarText(const Value& v)
{
    switch (v.kind) {
    case Value::Kind::None:
        return "None";
    case Value::Kind::Bool:
        return v.boolean ? "True" : "False";
    case Value::Kind::Int:
        return std::to_string(v.integer);
    case Value::Kind::Float: {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.9g", v.real);
        return buf;
    }
    case Value::Kind::String:
        return v.text.size() > 200 ? v.text.substr(0, 200) + "..." : v.text;
    case Value::Kind::Global: // torch.float16 and the like
        return v.text;
    default:
        return {};
    }
}

class Reader {
public:
    Reader(std::shared_ptr<const MappedFile> file, bool torchScript)
        : file_(std::move(file))
        , torchScript_(torchScript)
        , doc_(std::make_shared<PytorchDocument>(torchScript ? "torchscript" : "pytorch"))
        , name_(file_->path().string())
    {
        doc_->file = file_;
    }

    std::unique_ptr<Model> read()
    {
        auto model = std::make_unique<Model>();
        model->format = torchScript_ ? "torchscript" : "pytorch";
        model->sourcePath = file_->path();
        model->producerName = "PyTorch";
        model_ = model.get();
        if (isLegacyCheckpoint(file_->bytes())) {
            if (torchScript_)
                fail("a legacy torch.save checkpoint, not a TorchScript archive");
            readLegacy();
        } else {
            readZip();
        }
        model->native = doc_;
        if (scriptGraph_) {
            model->graph = scriptGraph_; // holds the initializers already
        } else {
            for (const auto& e : doc_->entries)
                model->graph->addInitializer(e.tensor);
        }
        return model;
    }

private:
    [[noreturn]] void fail(const std::string& what) const { throw Error(name_ + ": " + what); }

    void readZip()
    {
        const ZipReader zip(file_->bytes(), name_, { .allowZip64 = true, .kind = "PyTorch zip archive" });
        const auto prefix = archivePrefix(zip);
        if (!prefix)
            fail("not a PyTorch archive (the zip has no data.pkl)");
        doc_->prefix = *prefix;
        if (const auto* order = zip.find(*prefix + "byteorder")) {
            const auto bytes = zip.extract(*order);
            const std::string text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
            if (text != "little")
                fail("the tensors are stored " + text + "-endian; only little-endian archives are supported");
        }
        const bool scriptArchive = zip.find(*prefix + "constants.pkl") != nullptr;
        if (scriptArchive != torchScript_)
            fail(torchScript_ ? "a torch.save checkpoint, not a TorchScript archive (no constants.pkl)"
                              : "a TorchScript archive, not a torch.save checkpoint");

        pickle::Options options;
        options.torchScriptClasses = torchScript_;
        options.persistentLoad = [&](const ValuePtr& pid) { return zipStorage(zip, "data/", pid); };
        const auto* data = zip.find(*prefix + "data.pkl");
        const auto pkl = zip.extract(*data);
        const auto root = pickle::load(pkl, zip.memberName(*data), options, arena_);
        flatten(root, "", 0);
        if (torchScript_) {
            const auto* constants = zip.find(*prefix + "constants.pkl");
            const auto cpkl = zip.extract(*constants);
            // Constants keep their storages in a folder of their own.
            options.persistentLoad = [&](const ValuePtr& pid) { return zipStorage(zip, "constants/", pid); };
            const auto c = pickle::load(cpkl, zip.memberName(*constants), options, arena_);
            flatten(c, "constants", 0);
            if (const auto* version = zip.find(*prefix + "version")) {
                const auto v = zip.extract(*version);
                std::string text(reinterpret_cast<const char*>(v.data()), std::min<std::size_t>(v.size(), 32));
                while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
                    text.pop_back();
                model_->metadata.emplace_back("archive version", text);
            }
            std::size_t code = 0;
            for (const auto& e : zip.entries())
                if (e.name.starts_with(*prefix + "code/") && e.name.ends_with(".py"))
                    ++code;
            model_->metadata.emplace_back("code files", std::to_string(code));
            buildScriptGraph(zip, root);
        }
    }

    // The graph from code/; when the code cannot be followed the archive
    // still opens with its tensors, and a note says where and why.
    void buildScriptGraph(const ZipReader& zip, const ValuePtr& root)
    {
        constexpr std::uint64_t kMaxCodeFile = 8u << 20;
        const std::string prefix = doc_->prefix;
        const torchscript::CodeLoader load = [&](const std::string& path) -> std::optional<std::string> {
            const auto* member = zip.find(prefix + path);
            if (!member)
                return std::nullopt;
            if (member->uncompressedSize > kMaxCodeFile)
                throw torchscript::CodeError { path, 0,
                    "is larger than " + std::to_string(kMaxCodeFile >> 20) + " MiB" };
            try {
                const auto bytes = zip.extract(*member);
                return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
            } catch (const Error& e) {
                throw torchscript::CodeError { path, 0, std::string("cannot be read: ") + e.what() };
            }
        };
        std::vector<std::shared_ptr<Tensor>> tensors;
        tensors.reserve(doc_->entries.size());
        for (const auto& e : doc_->entries)
            tensors.push_back(e.tensor);
        std::string note;
        scriptGraph_ = torchscript::buildGraph(*root, tensors, load, note);
        if (!scriptGraph_)
            model_->metadata.emplace_back("note", "graph not built: " + note);
    }

    std::string storageKey(const ValuePtr& pid, std::size_t fields, ValuePtr& type, std::int64_t& elements)
    {
        if (pid->kind != Value::Kind::Tuple || pid->items.size() < fields || !pid->items[0]->isString()
            || pid->items[0]->text != "storage")
            fail("the pickle refers to outside data that is not a storage");
        type = pid->items[1];
        if (type->kind != Value::Kind::Global)
            fail("a storage's type is not a torch storage class");
        if (!pid->items[2]->isString())
            fail("a storage's key is not a string");
        if (pid->items[4]->kind != Value::Kind::Int || pid->items[4]->integer < 0)
            fail("storage '" + pid->items[2]->text + "' has no valid element count");
        elements = pid->items[4]->integer;
        return pid->items[2]->text;
    }

    ValuePtr storageValue(const std::string& key, const std::string& type, std::int64_t elements)
    {
        auto v = arena_.make(Value::Kind::Storage);
        v->text = key;
        v->storageType = type;
        v->elements = elements;
        return v;
    }

    PytorchDocument::Storage describe(const std::string& key, const std::string& globalName, std::int64_t elements)
    {
        const std::string type = globalName.substr(globalName.rfind('.') + 1);
        PytorchDocument::Storage s;
        s.type = storageDataType(type);
        if (s.type == DataType::Undefined)
            fail("storage '" + key + "' has type " + globalName + ", which Nodus does not know");
        s.elementSize = static_cast<std::uint64_t>(dataTypeBits(s.type) / 8);
        s.elements = static_cast<std::uint64_t>(elements);
        return s;
    }

    // Storages live in "<prefix><folder><key>"; the document names them "<folder><key>".
    ValuePtr zipStorage(const ZipReader& zip, const std::string& folder, const ValuePtr& pid)
    {
        ValuePtr type;
        std::int64_t elements = 0;
        const std::string key = folder + storageKey(pid, 5, type, elements);
        if (doc_->storages.count(key))
            return storageValue(key, type->text, elements);
        auto s = describe(key, type->text, elements);
        const auto* member = zip.find(doc_->prefix + key);
        if (!member)
            fail("storage '" + key + "' is missing from the archive (no " + doc_->prefix + key + ")");
        const auto need = storageBytes(s.type, s.elements);
        if (!need || member->uncompressedSize < *need)
            fail("storage '" + key + "' holds " + std::to_string(member->uncompressedSize) + " bytes, fewer than its "
                + std::to_string(elements) + " elements need");
        if (member->method == 0) {
            s.bytes = std::make_shared<MappedTensorData>(FileRegion { file_, member->dataOffset, *need });
        } else {
            auto bytes = zip.extract(*member);
            bytes.resize(static_cast<std::size_t>(*need));
            s.bytes = std::make_shared<OwnedTensorData>(std::move(bytes));
        }
        doc_->storages.emplace(key, std::move(s));
        return storageValue(key, type->text, elements);
    }

    void readLegacy()
    {
        doc_->legacy = true;
        const auto bytes = file_->bytes();
        std::size_t at = 0;
        auto next = [&](const char* what, const pickle::Options& options) {
            std::size_t used = 0;
            auto v = pickle::load(bytes.subspan(at), name_ + ": " + what, options, arena_, &used);
            at += used;
            return v;
        };
        pickle::Options plain;
        (void)next("magic number", plain);
        const auto protocol = next("protocol version", plain);
        if (protocol->kind != Value::Kind::Int || protocol->integer != kLegacyProtocol)
            fail("unknown legacy checkpoint protocol version (expected 1001)");
        const auto sysInfo = next("system info", plain);
        if (sysInfo->kind == Value::Kind::Dict)
            for (const auto& [k, v] : sysInfo->entries)
                if (k->isString() && k->text == "little_endian" && v->kind == Value::Kind::Bool && !v->boolean)
                    fail("the tensors are stored big-endian; only little-endian checkpoints are supported");

        struct View {
            std::string root;
            std::int64_t offset, size;
        };
        std::map<std::string, View> views;
        std::map<std::string, std::pair<std::string, std::int64_t>> roots; // key -> type, elements
        pickle::Options options;
        options.persistentLoad = [&](const ValuePtr& pid) {
            ValuePtr type;
            std::int64_t elements = 0;
            const std::string key = storageKey(pid, 6, type, elements);
            roots.emplace(key, std::make_pair(type->text, elements));
            const auto& view = pid->items[5];
            if (view->kind == Value::Kind::None)
                return storageValue(key, type->text, elements);
            // (view key, offset, size): a storage that is part of another.
            if (view->kind != Value::Kind::Tuple || view->items.size() != 3 || !view->items[0]->isString()
                || view->items[1]->kind != Value::Kind::Int || view->items[2]->kind != Value::Kind::Int)
                fail("storage '" + key + "' has malformed view metadata");
            const std::string viewKey = view->items[0]->text;
            views[viewKey] = View { key, view->items[1]->integer, view->items[2]->integer };
            return storageValue(viewKey, type->text, view->items[2]->integer);
        };
        const auto root = next("saved object", options);
        const auto keys = next("storage keys", plain);
        if (keys->kind != Value::Kind::List)
            fail("the storage key list is missing");
        for (const auto& k : keys->items) {
            if (!k->isString())
                fail("a storage key is not a string");
            auto it = roots.find(k->text);
            if (it == roots.end())
                fail("storage '" + k->text + "' is listed but no tensor uses it");
            auto s = describe(k->text, it->second.first, it->second.second);
            if (bytes.size() - at < 8)
                fail("the file is truncated (storage '" + k->text + "' is missing)");
            std::uint64_t count = 0;
            std::memcpy(&count, bytes.data() + at, 8);
            at += 8;
            const auto need = storageBytes(s.type, count);
            if (count != s.elements || !need || *need > bytes.size() - at)
                fail("the file is truncated or corrupt (storage '" + k->text + "' declares " + std::to_string(count)
                    + " elements)");
            s.fileOffset = at;
            s.bytes = std::make_shared<MappedTensorData>(FileRegion { file_, at, *need });
            at += static_cast<std::size_t>(*need);
            doc_->storages.emplace(k->text, std::move(s));
        }
        for (const auto& [viewKey, view] : views) {
            auto it = doc_->storages.find(view.root);
            if (it == doc_->storages.end())
                fail("storage view '" + viewKey + "' is of a storage the file does not hold");
            const auto& r = it->second;
            if (view.offset < 0 || view.size < 0 || static_cast<std::uint64_t>(view.offset) > r.elements
                || static_cast<std::uint64_t>(view.size) > r.elements - static_cast<std::uint64_t>(view.offset))
                fail("storage view '" + viewKey + "' lies outside its storage");
            PytorchDocument::Storage s = r;
            s.elements = static_cast<std::uint64_t>(view.size);
            s.fileOffset = r.fileOffset + static_cast<std::uint64_t>(view.offset) * r.elementSize;
            s.bytes
                = std::make_shared<MappedTensorData>(FileRegion { file_, s.fileOffset, s.elements * s.elementSize });
            doc_->storages.emplace(viewKey, std::move(s));
        }
        flatten(root, "", 0);
    }

    void flatten(const ValuePtr& v, const std::string& path, int depth)
    {
        if (depth > kMaxDepth)
            fail("the saved object nests deeper than " + std::to_string(kMaxDepth) + " levels");
        if (++visits_ > kMaxVisits)
            fail("the saved object has more than " + std::to_string(kMaxVisits) + " parts");
        auto join = [&](const std::string& key) { return path.empty() ? key : path + "." + key; };
        switch (v->kind) {
        case Value::Kind::Tensor:
            addTensor(*v, path.empty() ? "tensor" : path);
            return;
        case Value::Kind::Dict:
            for (const auto& [k, item] : v->entries) {
                std::string key;
                if (k->isString())
                    key = k->text;
                else if (k->kind == Value::Kind::Int)
                    key = std::to_string(k->integer);
                else
                    continue;
                flatten(item, join(key), depth + 1);
            }
            return;
        case Value::Kind::List:
        case Value::Kind::Tuple:
            for (std::size_t k = 0; k < v->items.size(); ++k)
                flatten(v->items[k], join(std::to_string(k)), depth + 1);
            return;
        case Value::Kind::Object:
            // A TorchScript module: its class goes to the metadata (the
            // hierarchy, one line a module), its attributes are its state.
            if (model_->metadata.size() < kMaxMetadata) {
                std::string cls = v->text;
                if (cls.starts_with("__torch__."))
                    cls.erase(0, 10);
                model_->metadata.emplace_back(path.empty() ? "module" : path + " (module)", cls);
            }
            if (v->state)
                flatten(v->state, path, depth + 1);
            return;
        default:
            if (!path.empty() && model_->metadata.size() < kMaxMetadata) {
                const std::string text = scalarText(*v);
                if (!text.empty() || v->kind == Value::Kind::String)
                    model_->metadata.emplace_back(path, text);
            }
            return;
        }
    }

    void addTensor(const Value& v, const std::string& name)
    {
        const auto it = doc_->storages.find(v.storage->text);
        if (it == doc_->storages.end())
            fail("tensor '" + name + "' uses storage '" + v.storage->text + "', which the file does not hold");
        const auto& s = it->second;
        auto t = std::make_shared<Tensor>();
        t->name = name;
        t->dataType = s.type;
        t->dims = v.sizes;
        std::uint64_t count = 1;
        bool contiguous = true;
        std::uint64_t expect = 1;
        std::uint64_t last = static_cast<std::uint64_t>(v.offset); // highest element index used
        if (v.offset < 0)
            fail("tensor '" + name + "' has a negative storage offset");
        for (std::size_t k = v.sizes.size(); k-- > 0;) {
            const std::int64_t size = v.sizes[k], stride = v.strides[k];
            if (size < 0 || stride < 0)
                fail("tensor '" + name + "' has a negative size or stride");
            if (size != 0 && __builtin_mul_overflow(count, static_cast<std::uint64_t>(size), &count))
                fail("tensor '" + name + "' has too many elements");
            if (size == 0)
                count = 0;
            if (size > 1 && static_cast<std::uint64_t>(stride) != expect)
                contiguous = false;
            if (size != 0 && __builtin_mul_overflow(expect, static_cast<std::uint64_t>(size), &expect))
                fail("tensor '" + name + "' has too many elements");
            std::uint64_t reach = 0;
            if (size > 0
                && (__builtin_mul_overflow(
                        static_cast<std::uint64_t>(size - 1), static_cast<std::uint64_t>(stride), &reach)
                    || __builtin_add_overflow(last, reach, &last)))
                fail("tensor '" + name + "' has strides that reach past any storage");
        }
        if (count == 0) {
            t->data = std::make_shared<OwnedTensorData>(std::vector<std::byte> {});
        } else {
            if (last >= s.elements)
                fail("tensor '" + name + "' reaches element " + std::to_string(last) + " of storage '" + v.storage->text
                    + "', which has " + std::to_string(s.elements));
            const std::uint64_t es = s.elementSize;
            const std::uint64_t length = count * es;
            const std::uint64_t begin = static_cast<std::uint64_t>(v.offset) * es;
            const auto storage = s.bytes;
            if (contiguous) {
                if (const FileRegion* r = storage->region())
                    t->data = std::make_shared<MappedTensorData>(FileRegion { r->file, r->offset + begin, length });
                else
                    t->data = std::make_shared<LazyTensorData>(length, [storage, begin, length] {
                        const auto b = storage->bytes().subspan(begin, length);
                        return std::vector<std::byte>(b.begin(), b.end());
                    });
            } else {
                // Materialized in C order: the stride math above keeps every
                // index inside the storage.
                const auto sizes = v.sizes;
                const auto strides = v.strides;
                const std::uint64_t offset = static_cast<std::uint64_t>(v.offset);
                t->data = std::make_shared<LazyTensorData>(length, [storage, sizes, strides, offset, es, length] {
                    std::vector<std::byte> out(length);
                    const auto src = storage->bytes();
                    std::vector<std::int64_t> index(sizes.size(), 0);
                    for (std::uint64_t n = 0; n < length / es; ++n) {
                        std::uint64_t at = offset;
                        for (std::size_t d = 0; d < sizes.size(); ++d)
                            at += static_cast<std::uint64_t>(index[d]) * static_cast<std::uint64_t>(strides[d]);
                        std::memcpy(out.data() + n * es, src.data() + at * es, es);
                        for (std::size_t d = sizes.size(); d-- > 0;) {
                            if (++index[d] < sizes[d])
                                break;
                            index[d] = 0;
                        }
                    }
                    return out;
                });
            }
        }
        if (!contiguous)
            t->docString = "stored with strides; shown in C order (a copy)";
        PytorchDocument::Entry e;
        e.tensor = t;
        e.storageKey = v.storage->text;
        e.offset = v.offset;
        e.strides = v.strides;
        e.name = t->name;
        e.dataType = t->dataType;
        e.dims = t->dims;
        e.data = t->data;
        doc_->entries.push_back(std::move(e));
    }

    std::shared_ptr<const MappedFile> file_;
    bool torchScript_;
    std::shared_ptr<PytorchDocument> doc_;
    std::string name_;
    Model* model_ = nullptr;
    std::size_t visits_ = 0;
    pickle::Arena arena_;
    std::shared_ptr<Graph> scriptGraph_;
};

} // namespace

bool isLegacyCheckpoint(std::span<const std::byte> bytes)
{
    return bytes.size() >= sizeof kLegacyMagic && std::memcmp(bytes.data(), kLegacyMagic, sizeof kLegacyMagic) == 0;
}

int zipKind(const MappedFile& file)
{
    if (!ZipReader::startsLikeZip(file.bytes()))
        return 0;
    try {
        const ZipReader zip(file.bytes(), file.path().string());
        const auto prefix = archivePrefix(zip);
        if (!prefix)
            return 0;
        return zip.find(*prefix + "constants.pkl") ? 2 : 1;
    } catch (const Error&) {
        return 0;
    }
}

DataType storageDataType(const std::string& storageType)
{
    static const std::pair<const char*, DataType> table[] = { { "FloatStorage", DataType::Float },
        { "DoubleStorage", DataType::Double }, { "HalfStorage", DataType::Float16 },
        { "BFloat16Storage", DataType::BFloat16 }, { "LongStorage", DataType::Int64 },
        { "IntStorage", DataType::Int32 }, { "ShortStorage", DataType::Int16 }, { "CharStorage", DataType::Int8 },
        { "ByteStorage", DataType::UInt8 }, { "BoolStorage", DataType::Bool },
        { "ComplexFloatStorage", DataType::Complex64 }, { "ComplexDoubleStorage", DataType::Complex128 },
        { "Float8_e4m3fnStorage", DataType::Float8E4M3FN }, { "Float8_e5m2Storage", DataType::Float8E5M2 },
        { "Float8_e4m3fnuzStorage", DataType::Float8E4M3FNUZ }, { "Float8_e5m2fnuzStorage", DataType::Float8E5M2FNUZ },
        { "UInt16Storage", DataType::UInt16 }, { "UInt32Storage", DataType::UInt32 },
        { "UInt64Storage", DataType::UInt64 } };
    for (const auto& [name, type] : table)
        if (storageType == name)
            return type;
    return DataType::Undefined;
}

std::unique_ptr<Model> read(std::shared_ptr<const MappedFile> file, bool torchScript)
{
    return Reader(std::move(file), torchScript).read();
}

} // namespace nodus::pytorch
