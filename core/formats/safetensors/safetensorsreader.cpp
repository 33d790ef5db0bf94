#include "safetensorsreader.h"

#include "safetensorsdocument.h"
#include "safetensorsio.h"

#include "ir/mappedtensordata.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>
#include <set>
#include <string_view>

namespace nodus {

namespace {

using Json = nlohmann::ordered_json;

// Root object, a tensor's object, its shape: anything deeper is not a
// safetensors header (and a deep nesting must not cost us anything).
constexpr int kMaxDepth = 3;

std::string named(const std::string& s)
{
    return "'" + s + "'";
}

class HeaderParser {
public:
    explicit HeaderParser(std::shared_ptr<const MappedFile> file)
        : file_(std::move(file))
        , doc_(std::make_shared<SafetensorsDocument>())
    {
        doc_->file = file_;
    }

    std::unique_ptr<Model> read();

private:
    [[noreturn]] void fail(const std::string& what) const { throw Error(file_->path().string() + ": " + what); }
    std::uint64_t offsetValue(const Json& v, const std::string& tensor, const char* which) const;
    void addTensor(const std::string& name, const Json& info);
    void validateLayout(std::uint64_t dataSize);

    std::shared_ptr<const MappedFile> file_;
    std::shared_ptr<SafetensorsDocument> doc_;
};

std::uint64_t HeaderParser::offsetValue(const Json& v, const std::string& tensor, const char* which) const
{
    if (!v.is_number_unsigned())
        fail("tensor " + named(tensor) + ": data_offsets " + which + " " + v.dump() + " is not a non-negative integer");
    return v.get<std::uint64_t>();
}

void HeaderParser::addTensor(const std::string& name, const Json& info)
{
    const std::string what = "tensor " + named(name);
    if (!info.is_object())
        fail(what + ": its entry is not an object with dtype, shape and data_offsets");
    const auto dtypeIt = info.find("dtype");
    const auto shapeIt = info.find("shape");
    const auto offsetsIt = info.find("data_offsets");
    if (dtypeIt == info.end())
        fail(what + ": no dtype");
    if (shapeIt == info.end())
        fail(what + ": no shape");
    if (offsetsIt == info.end())
        fail(what + ": no data_offsets");
    if (!dtypeIt->is_string())
        fail(what + ": dtype " + dtypeIt->dump() + " is not a string");
    const std::string code = dtypeIt->get<std::string>();
    const auto type = dataTypeFromSafetensors(code);
    if (!type)
        fail(what + ": unknown dtype " + named(code));

    if (!shapeIt->is_array())
        fail(what + ": shape " + shapeIt->dump() + " is not a list of dimensions");
    std::vector<std::int64_t> dims;
    std::uint64_t elements = 1;
    bool overflow = false;
    for (const auto& d : *shapeIt) {
        if (!d.is_number_unsigned())
            fail(what + ": shape " + shapeIt->dump() + " has " + d.dump() + ", not a non-negative integer");
        const auto n = d.get<std::uint64_t>();
        if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            fail(what + ": shape " + shapeIt->dump() + " has a dimension too large to address");
        dims.push_back(static_cast<std::int64_t>(n));
        if (n != 0 && elements > std::numeric_limits<std::uint64_t>::max() / n)
            overflow = true;
        elements *= n;
    }
    // A zero dimension makes the product 0 whatever overflowed before it.
    if (std::find(dims.begin(), dims.end(), 0) != dims.end()) {
        elements = 0;
        overflow = false;
    }
    const auto bytes = overflow ? std::nullopt : storageBytes(*type, elements);
    if (!bytes)
        fail(what + ": shape " + shapeIt->dump() + " x " + code + " overflows a 64-bit byte count");

    if (!offsetsIt->is_array() || offsetsIt->size() != 2)
        fail(what + ": data_offsets " + offsetsIt->dump() + " is not [begin, end]");
    const std::uint64_t begin = offsetValue((*offsetsIt)[0], name, "begin");
    const std::uint64_t end = offsetValue((*offsetsIt)[1], name, "end");
    if (begin > end)
        fail(what + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + "] begins after it ends");
    if (end - begin != *bytes)
        fail(what + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + "] hold "
            + std::to_string(end - begin) + " bytes but shape " + shapeIt->dump() + " x " + code + " needs "
            + std::to_string(*bytes));

    SafetensorsDocument::Entry entry;
    entry.name = name;
    entry.dataType = *type;
    entry.dims = std::move(dims);
    entry.begin = begin;
    entry.end = end;
    doc_->entries.push_back(std::move(entry));
}

void HeaderParser::validateLayout(std::uint64_t dataSize)
{
    auto& entries = doc_->entries;
    std::stable_sort(entries.begin(), entries.end(),
        [](const auto& a, const auto& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
    // The reference reader needs the tensors to tile the data area exactly.
    std::uint64_t expected = 0;
    const SafetensorsDocument::Entry* previous = nullptr;
    for (const auto& e : entries) {
        const std::string range = "[" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "]";
        if (e.end > dataSize)
            fail("tensor " + named(e.name) + ": data_offsets " + range + " lie outside the data area ("
                + std::to_string(dataSize) + " bytes)");
        if (e.begin < expected)
            fail("tensor " + named(e.name) + ": data_offsets " + range + " overlap tensor " + named(previous->name)
                + " (which ends at " + std::to_string(expected) + ")");
        if (e.begin > expected)
            fail("tensor " + named(e.name) + ": data_offsets " + range + " leave a gap of "
                + std::to_string(e.begin - expected) + " bytes before it (from " + std::to_string(expected)
                + "); safetensors data must be contiguous");
        expected = e.end;
        previous = &e;
    }
    if (expected != dataSize)
        fail("the tensors cover " + std::to_string(expected) + " bytes of the data area but it has "
            + std::to_string(dataSize) + " (" + std::to_string(dataSize - expected)
            + " trailing bytes); safetensors data must be covered exactly");
}

std::unique_ptr<Model> HeaderParser::read()
{
    const std::uint64_t fileSize = file_->size();
    if (fileSize < 8)
        fail("not a safetensors file: " + std::to_string(fileSize) + " bytes, too short for the 8-byte header size");
    const auto bytes = file_->bytes();
    std::uint64_t n = 0;
    for (int i = 0; i < 8; ++i)
        n |= static_cast<std::uint64_t>(std::to_integer<std::uint8_t>(bytes[i])) << (8 * i);
    if (n > kSafetensorsMaxHeader)
        fail("safetensors header size " + std::to_string(n) + " bytes is absurd (more than 100 MB)");
    if (n > fileSize - 8)
        fail("safetensors header size " + std::to_string(n) + " bytes is larger than the file ("
            + std::to_string(fileSize) + " bytes, " + std::to_string(fileSize - 8) + " after the size)");
    doc_->headerSize = n;
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()) + 8, n);
    if (text.empty() || text.front() != '{')
        fail("the safetensors header is not a JSON object (it does not start with '{')");

    // Keys of the root object, to refuse a tensor listed twice (a JSON
    // library would keep one of them silently).
    std::set<std::string> rootKeys;
    std::string duplicate;
    Json header;
    try {
        header = Json::parse(text, [&](int depth, Json::parse_event_t event, Json& parsed) {
            if ((event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start)
                && depth >= kMaxDepth)
                throw Error("nested deeper than a safetensors header is");
            if (event == Json::parse_event_t::key && depth == 1 && !rootKeys.insert(parsed.get<std::string>()).second
                && duplicate.empty())
                duplicate = parsed.get<std::string>();
            return true;
        });
    } catch (const Error& e) {
        fail("the safetensors header is not valid: " + std::string(e.what()));
    } catch (const nlohmann::json::exception& e) {
        std::string why = e.what();
        // "[json.exception.parse_error.101] parse error at line 1, ...": the part after the tag.
        if (const auto close = why.find("] "); close != std::string::npos)
            why = why.substr(close + 2);
        fail("the safetensors header is not valid JSON: " + why);
    }
    if (!header.is_object())
        fail("the safetensors header is not a JSON object");
    if (!duplicate.empty())
        fail("the safetensors header lists " + named(duplicate) + " twice");

    for (const auto& [key, value] : header.items()) {
        if (key == "__metadata__") {
            if (!value.is_object())
                fail("__metadata__ is not an object of strings");
            for (const auto& [mk, mv] : value.items()) {
                if (!mv.is_string())
                    fail("__metadata__ entry " + named(mk) + " is " + mv.dump() + ", not a string");
                doc_->metadata.emplace_back(mk, mv.get<std::string>());
            }
            continue;
        }
        addTensor(key, value);
    }
    const std::uint64_t dataStart = 8 + n;
    validateLayout(fileSize - dataStart);

    auto model = std::make_unique<Model>();
    model->format = "safetensors";
    model->sourcePath = file_->path();
    model->metadata = doc_->metadata;
    model->native = doc_;
    for (auto& e : doc_->entries) {
        auto t = std::make_shared<Tensor>();
        t->name = e.name;
        t->dataType = e.dataType;
        t->dims = e.dims;
        t->data = std::make_shared<MappedTensorData>(FileRegion { file_, dataStart + e.begin, e.end - e.begin });
        e.tensor = t;
        e.data = t->data;
        model->graph->addInitializer(t);
    }
    return model;
}

} // namespace

std::unique_ptr<Model> readSafetensors(std::shared_ptr<const MappedFile> file)
{
    return HeaderParser(std::move(file)).read();
}

} // namespace nodus
