#include "opmetadata.h"

#include "util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <tuple>

namespace nodus {

// Written by nodus-opmetagen into the build folder (onnxopmetadata_data.cpp).
extern const unsigned char kOnnxOpMetadata[];
extern const std::size_t kOnnxOpMetadataSize;

namespace {

using nlohmann::json;

std::string_view canonicalDomain(std::string_view domain)
{
    return domain == "ai.onnx" ? std::string_view() : domain;
}

// Locates a problem in a data file for the error message: the file, then the
// op (index and name, since hand-written files are edited by index-less eye).
class Reader {
public:
    explicit Reader(const std::string& sourceName)
        : source_(sourceName)
    {
    }

    void setOp(std::size_t index, std::string name)
    {
        opIndex_ = index;
        opName_ = std::move(name);
    }

    [[noreturn]] void fail(const std::string& what) const
    {
        std::string where = source_;
        if (opIndex_ != std::size_t(-1))
            where += ": op #" + std::to_string(opIndex_) + (opName_.empty() ? "" : " (" + opName_ + ")");
        throw Error(where + ": " + what);
    }

    std::string string(const json& object, const char* key, const char* context = nullptr) const
    {
        auto it = object.find(key);
        if (it == object.end() || it->is_null())
            return {};
        if (!it->is_string())
            fail(field(key, context) + " must be a string");
        return it->get<std::string>();
    }

    std::int64_t integer(const json& object, const char* key, std::int64_t fallback) const
    {
        auto it = object.find(key);
        if (it == object.end() || it->is_null())
            return fallback;
        if (!it->is_number_integer())
            fail(field(key, nullptr) + " must be an integer");
        return it->get<std::int64_t>();
    }

    int int32(const json& object, const char* key, int fallback) const
    {
        const auto v = integer(object, key, fallback);
        if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
            fail(field(key, nullptr) + " is out of range");
        return static_cast<int>(v);
    }

    bool boolean(const json& object, const char* key, const char* context = nullptr) const
    {
        auto it = object.find(key);
        if (it == object.end() || it->is_null())
            return false;
        if (!it->is_boolean())
            fail(field(key, context) + " must be true or false");
        return it->get<bool>();
    }

    const json& array(const json& object, const char* key) const
    {
        static const json empty = json::array();
        auto it = object.find(key);
        if (it == object.end() || it->is_null())
            return empty;
        if (!it->is_array())
            fail(field(key, nullptr) + " must be an array");
        return *it;
    }

    const json& object(const json& value, const char* what) const
    {
        if (!value.is_object())
            fail(std::string(what) + " must be an object");
        return value;
    }

private:
    static std::string field(const char* key, const char* context)
    {
        return context ? std::string(context) + " \"" + key + "\"" : "\"" + std::string(key) + "\"";
    }

    const std::string& source_;
    std::size_t opIndex_ = std::size_t(-1);
    std::string opName_;
};

bool attributeTypeFromName(std::string_view name, AttributeType& type)
{
    // The ONNX proto spellings are accepted too, for hand-written files.
    if (name == "type_proto") {
        type = AttributeType::Type;
        return true;
    }
    if (name == "type_protos") {
        type = AttributeType::Types;
        return true;
    }
    for (int k = int(AttributeType::Undefined); k <= int(AttributeType::Types); ++k) {
        if (attributeTypeName(AttributeType(k)) == name) {
            type = AttributeType(k);
            return true;
        }
    }
    return false;
}

// Model files store attribute floats as float32, and the importer widens them;
// rounding the default the same way makes "0.9" compare equal to a node's 0.9f.
double asStoredFloat(const json& v)
{
    return static_cast<double>(static_cast<float>(v.get<double>()));
}

// Builds the default as an Attribute and prints it with valueText(), so the
// text is the very spelling the GUI prints for a node's attribute.
std::string defaultText(const json& v, AttributeType declared, const Reader& reader, const std::string& attrName)
{
    Attribute a;
    const bool wantsFloat = declared == AttributeType::Float || declared == AttributeType::Floats;
    auto bad = [&] { reader.fail("attribute \"" + attrName + "\": default does not fit its type"); };
    if (v.is_boolean()) {
        a.type = AttributeType::Int;
        a.i = v.get<bool>() ? 1 : 0;
    } else if (v.is_number_integer() && !wantsFloat) {
        a.type = AttributeType::Int;
        a.i = v.get<std::int64_t>();
    } else if (v.is_number()) {
        a.type = AttributeType::Float;
        a.f = asStoredFloat(v);
    } else if (v.is_string()) {
        a.type = AttributeType::String;
        a.s = v.get<std::string>();
    } else if (v.is_array()) {
        const bool allStrings = std::all_of(v.begin(), v.end(), [](const json& e) { return e.is_string(); });
        const bool allIntegers = std::all_of(v.begin(), v.end(), [](const json& e) { return e.is_number_integer(); });
        const bool allNumbers = std::all_of(v.begin(), v.end(), [](const json& e) { return e.is_number(); });
        if (v.empty()) {
            a.type = wantsFloat                      ? AttributeType::Floats
                : declared == AttributeType::Strings ? AttributeType::Strings
                                                     : AttributeType::Ints;
        } else if (allStrings) {
            a.type = AttributeType::Strings;
            for (const auto& e : v)
                a.strings.push_back(e.get<std::string>());
        } else if (allIntegers && !wantsFloat) {
            a.type = AttributeType::Ints;
            for (const auto& e : v)
                a.ints.push_back(e.get<std::int64_t>());
        } else if (allNumbers) {
            a.type = AttributeType::Floats;
            for (const auto& e : v)
                a.floats.push_back(asStoredFloat(e));
        } else {
            bad();
        }
    } else {
        bad();
    }
    return a.valueText();
}

OpPortOption portOption(std::string_view name, const Reader& reader)
{
    if (name.empty() || name == "single")
        return OpPortOption::Single;
    if (name == "optional")
        return OpPortOption::Optional;
    if (name == "variadic")
        return OpPortOption::Variadic;
    reader.fail("unknown port option \"" + std::string(name) + "\" (single, optional or variadic)");
}

std::vector<OpPortInfo> readPorts(const json& list, const Reader& reader, const char* what)
{
    std::vector<OpPortInfo> ports;
    ports.reserve(list.size());
    for (const auto& p : list) {
        reader.object(p, what);
        OpPortInfo port;
        port.name = reader.string(p, "name", what);
        port.type = reader.string(p, "type", what);
        port.option = portOption(reader.string(p, "option", what), reader);
        port.description = reader.string(p, "description", what);
        ports.push_back(std::move(port));
    }
    return ports;
}

OpInfo readOp(const json& o, const Reader& reader)
{
    reader.object(o, "an op");
    OpInfo op;
    op.domain = canonicalDomain(reader.string(o, "domain"));
    op.name = reader.string(o, "name");
    if (op.name.empty())
        reader.fail("\"name\" is missing");
    op.sinceVersion = reader.integer(o, "since_version", 1);
    op.category = reader.string(o, "category");
    op.description = reader.string(o, "description");
    op.deprecated = reader.boolean(o, "deprecated");

    for (const auto& a : reader.array(o, "attributes")) {
        reader.object(a, "an attribute");
        OpAttributeInfo attr;
        attr.name = reader.string(a, "name", "attribute");
        if (attr.name.empty())
            reader.fail("an attribute has no \"name\"");
        const auto typeName = reader.string(a, "type", "attribute");
        if (!typeName.empty() && !attributeTypeFromName(typeName, attr.type))
            reader.fail("attribute \"" + attr.name + "\": unknown type \"" + typeName + "\"");
        attr.required = reader.boolean(a, "required", "attribute");
        if (auto d = a.find("default"); d != a.end() && !d->is_null()) {
            attr.hasDefault = true;
            attr.defaultText = defaultText(*d, attr.type, reader, attr.name);
        }
        attr.description = reader.string(a, "description", "attribute");
        op.attributes.push_back(std::move(attr));
    }
    std::sort(op.attributes.begin(), op.attributes.end(),
        [](const OpAttributeInfo& x, const OpAttributeInfo& y) { return x.name < y.name; });

    op.inputs = readPorts(reader.array(o, "inputs"), reader, "input");
    op.outputs = readPorts(reader.array(o, "outputs"), reader, "output");
    // Hand-written files may leave the arities out; the port list implies them.
    const auto arity = [](const std::vector<OpPortInfo>& ports, bool max) {
        int n = 0;
        for (const auto& p : ports) {
            if (p.option == OpPortOption::Variadic && max)
                return std::numeric_limits<int>::max();
            if (p.option == OpPortOption::Single || max)
                ++n;
        }
        return n;
    };
    op.minInput = reader.int32(o, "min_input", arity(op.inputs, false));
    op.maxInput = reader.int32(o, "max_input", arity(op.inputs, true));
    op.minOutput = reader.int32(o, "min_output", arity(op.outputs, false));
    op.maxOutput = reader.int32(o, "max_output", arity(op.outputs, true));

    for (const auto& t : reader.array(o, "type_constraints")) {
        reader.object(t, "a type constraint");
        OpTypeConstraint constraint;
        constraint.name = reader.string(t, "name", "type constraint");
        for (const auto& allowed : reader.array(t, "allowed")) {
            if (!allowed.is_string())
                reader.fail("type constraint \"" + constraint.name + "\": \"allowed\" must list strings");
            constraint.allowed.push_back(allowed.get<std::string>());
        }
        constraint.description = reader.string(t, "description", "type constraint");
        op.typeConstraints.push_back(std::move(constraint));
    }
    return op;
}

} // namespace

const OpMetadata& OpMetadata::onnx()
{
    // A function-local static: initialised once, thread-safe, and only when
    // something first asks (parsing takes a few tens of milliseconds).
    static const OpMetadata metadata
        = fromJson(std::string_view(reinterpret_cast<const char*>(kOnnxOpMetadata), kOnnxOpMetadataSize),
            "built-in onnx-metadata.json");
    return metadata;
}

OpMetadata OpMetadata::fromJson(std::string_view text, std::string sourceName)
{
    OpMetadata result;
    result.sourceName_ = std::move(sourceName);
    Reader reader(result.sourceName_);

    json document;
    try {
        document = json::parse(text.begin(), text.end());
    } catch (const json::exception& e) {
        reader.fail(std::string("not valid JSON: ") + e.what());
    }
    if (!document.is_array())
        reader.fail("expected a JSON array of ops");

    result.ops_.reserve(document.size());
    try {
        for (std::size_t k = 0; k < document.size(); ++k) {
            const auto& o = document[k];
            reader.setOp(k,
                o.is_object() && o.contains("name") && o["name"].is_string() ? o["name"].get<std::string>()
                                                                             : std::string());
            result.ops_.push_back(readOp(o, reader));
        }
    } catch (const json::exception& e) {
        // Reader checks every type it reads; this only guards the rest.
        reader.fail(e.what());
    }
    reader.setOp(std::size_t(-1), {});

    std::stable_sort(result.ops_.begin(), result.ops_.end(), [](const OpInfo& a, const OpInfo& b) {
        return std::tie(a.domain, a.name, a.sinceVersion) < std::tie(b.domain, b.name, b.sinceVersion);
    });
    for (std::size_t k = 0; k < result.ops_.size();) {
        const auto& first = result.ops_[k];
        std::size_t end = k + 1;
        while (end < result.ops_.size() && result.ops_[end].domain == first.domain
            && result.ops_[end].name == first.name) {
            if (result.ops_[end].sinceVersion == result.ops_[end - 1].sinceVersion)
                reader.fail("op " + (first.domain.empty() ? "" : first.domain + ".") + first.name
                    + " is listed twice for since_version " + std::to_string(result.ops_[end].sinceVersion));
            ++end;
        }
        result.index_[first.domain][first.name] = Range { k, end };
        k = end;
    }
    return result;
}

const OpMetadata::Range* OpMetadata::range(std::string_view domain, std::string_view opType) const
{
    auto names = index_.find(canonicalDomain(domain));
    if (names == index_.end())
        return nullptr;
    auto versions = names->second.find(opType);
    return versions == names->second.end() ? nullptr : &versions->second;
}

const OpInfo* OpMetadata::find(std::string_view domain, std::string_view opType, std::int64_t opsetVersion) const
{
    const Range* r = range(domain, opType);
    if (!r)
        return nullptr;
    const auto begin = ops_.begin() + std::ptrdiff_t(r->begin);
    const auto end = ops_.begin() + std::ptrdiff_t(r->end);
    auto newer = std::upper_bound(
        begin, end, opsetVersion, [](std::int64_t version, const OpInfo& op) { return version < op.sinceVersion; });
    return newer == begin ? &*begin : &*(newer - 1);
}

std::string_view OpMetadata::category(std::string_view domain, std::string_view opType) const
{
    const Range* r = range(domain, opType);
    return r ? std::string_view(ops_[r->end - 1].category) : std::string_view();
}

std::vector<std::string> OpMetadata::opNames(std::string_view domain) const
{
    std::vector<std::string> names;
    if (auto it = index_.find(canonicalDomain(domain)); it != index_.end()) {
        names.reserve(it->second.size());
        for (const auto& [name, range] : it->second)
            names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<std::string> OpMetadata::domains() const
{
    std::vector<std::string> result;
    for (const auto& [domain, names] : index_)
        result.push_back(domain);
    std::sort(result.begin(), result.end());
    return result;
}

} // namespace nodus
