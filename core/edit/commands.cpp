#include "commands.h"

#include "formats/formatregistry.h"
#include "formats/numpy/numpyformat.h"
#include "ir/model.h"
#include "ir/opmetadata.h"
#include "ir/ownedtensordata.h"
#include "ir/tensorencode.h"
#include "ir/tensorvalues.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <unordered_set>

namespace nodus {

namespace {

std::string q(const std::string& s)
{
    return "'" + s + "'";
}

std::string numberText(double v)
{
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

Graph& mainGraph(Model& model)
{
    if (!model.graph)
        throw EditRefused("the model has no graph");
    return *model.graph;
}

void requireSave(const Model& model, EditKind kind)
{
    if (!canSaveEdit(model, kind))
        throw EditRefused((model.format.empty() ? std::string("this model") : model.format + " models")
            + " cannot save " + std::string(editKindName(kind)) + " edits");
}

std::shared_ptr<Tensor> findTensor(Model& model, const std::string& name)
{
    for (const auto& t : mainGraph(model).initializers)
        if (t->name == name)
            return t;
    throw EditRefused("the model has no stored tensor named " + q(name));
}

Node* findNode(Model& model, const std::string& name)
{
    Node* found = nullptr;
    int count = 0;
    for (const auto& n : mainGraph(model).nodes())
        if (n->name == name) {
            found = n.get();
            ++count;
        }
    if (!found)
        throw EditRefused("the graph has no node named " + q(name));
    if (count > 1)
        throw EditRefused(std::to_string(count) + " nodes are named " + q(name) + "; rename one first");
    return found;
}

std::vector<std::byte> bytesOf(const Tensor& t)
{
    if (!t.data)
        throw EditRefused("tensor " + q(t.name) + " has no element bytes");
    if (t.isSparse())
        throw EditRefused("tensor " + q(t.name) + " is sparse; its values cannot be edited here");
    const auto b = t.data->bytes();
    return { b.begin(), b.end() };
}

// Calls `visit` with the flat (row-major) index of every element of a
// slice, in order; every element for an empty slice. Nothing is allocated
// per element.
template <typename Visit> void forEachIndex(const Tensor& t, const TensorSlice& slice, Visit visit)
{
    const std::uint64_t count = t.elementCount().value_or(0);
    if (slice.ranges.empty()) {
        for (std::uint64_t k = 0; k < count; ++k)
            visit(k);
        return;
    }
    if (slice.ranges.size() != t.dims.size())
        throw EditRefused("a slice of " + std::to_string(slice.ranges.size()) + " axes for a tensor of rank "
            + std::to_string(t.dims.size()));
    for (std::size_t a = 0; a < t.dims.size(); ++a) {
        const auto [b, e] = slice.ranges[a];
        if (b < 0 || e > t.dims[a] || b > e)
            throw EditRefused("slice [" + std::to_string(b) + ", " + std::to_string(e) + ") is outside axis "
                + std::to_string(a) + " of size " + std::to_string(t.dims[a]));
        if (b == e)
            return;
    }
    std::vector<std::int64_t> at(t.dims.size());
    for (std::size_t a = 0; a < at.size(); ++a)
        at[a] = slice.ranges[a].first;
    while (true) {
        std::uint64_t flat = 0;
        for (std::size_t a = 0; a < at.size(); ++a)
            flat = flat * static_cast<std::uint64_t>(t.dims[a]) + static_cast<std::uint64_t>(at[a]);
        visit(flat);
        std::size_t a = at.size();
        while (true) {
            if (a == 0)
                return;
            --a;
            if (++at[a] < slice.ranges[a].second)
                break;
            at[a] = slice.ranges[a].first;
        }
    }
}

bool isComplex(DataType t)
{
    return t == DataType::Complex64 || t == DataType::Complex128;
}

// --- tensor values --------------------------------------------------------

// Replaces a tensor's data (and, for casts, its type); revert puts back the
// very same data object, so an undone edit saves as if never made.
class TensorDataCommand : public EditCommand {
public:
    TensorDataCommand(std::string tensor, EditKind kind)
        : tensor_(std::move(tensor))
        , kind_(kind)
    {
    }

    void apply(Model& model) override
    {
        requireSave(model, kind_);
        auto t = findTensor(model, tensor_);
        auto [data, strings, type] = compute(*t);
        before_ = t->data;
        beforeStrings_ = t->strings;
        beforeType_ = t->dataType;
        t->data = std::move(data);
        t->strings = std::move(strings);
        if (type != t->dataType) {
            t->dataType = type;
            retypeValues(model, type);
        }
    }

    void revert(Model& model) override
    {
        auto t = findTensor(model, tensor_);
        if (t->dataType != beforeType_) {
            t->dataType = beforeType_;
            retypeValues(model, beforeType_);
        }
        t->data = before_;
        t->strings = beforeStrings_;
    }

protected:
    struct Result {
        std::shared_ptr<const TensorData> data;
        std::vector<std::string> strings;
        DataType type;
    };
    virtual Result compute(const Tensor& t) = 0;

    std::string tensor_;

private:
    void retypeValues(Model& model, DataType type)
    {
        if (Value* v = mainGraph(model).findValue(tensor_))
            if (v->type.kind == ValueType::Kind::Tensor)
                v->type.elementType = type;
    }

    EditKind kind_;
    std::shared_ptr<const TensorData> before_;
    std::vector<std::string> beforeStrings_;
    DataType beforeType_ = DataType::Undefined;
};

class SetTensorData final : public TensorDataCommand {
public:
    SetTensorData(std::string tensor, std::shared_ptr<const TensorData> data)
        : TensorDataCommand(std::move(tensor), EditKind::TensorValues)
        , data_(std::move(data))
    {
    }
    std::string text() const override { return "Set the values of " + q(tensor_); }

private:
    Result compute(const Tensor& t) override
    {
        const auto expected = t.expectedBytes();
        if (!data_ || !expected || data_->size() != *expected)
            throw EditRefused("tensor " + q(t.name) + " holds " + std::to_string(expected.value_or(0))
                + " bytes; the new values have " + std::to_string(data_ ? data_->size() : 0));
        return { data_, t.strings, t.dataType };
    }
    std::shared_ptr<const TensorData> data_;
};

class ReplaceTensor final : public TensorDataCommand {
public:
    ReplaceTensor(std::string tensor, std::shared_ptr<const Tensor> source)
        : TensorDataCommand(std::move(tensor), EditKind::TensorValues)
        , source_(std::move(source))
    {
    }
    std::string text() const override { return "Replace the values of " + q(tensor_); }

private:
    Result compute(const Tensor& t) override
    {
        if (!source_)
            throw EditRefused("no tensor to take values from");
        if (source_->dims != t.dims) {
            auto text = [](const std::vector<std::int64_t>& d) {
                std::string s = "[";
                for (std::size_t k = 0; k < d.size(); ++k)
                    s += (k ? "," : "") + std::to_string(d[k]);
                return s + "]";
            };
            throw EditRefused(
                "tensor " + q(t.name) + " has shape " + text(t.dims) + "; the new values have " + text(source_->dims));
        }
        if (t.dataType == DataType::String || source_->dataType == DataType::String) {
            if (t.dataType != source_->dataType)
                throw EditRefused("strings and numbers do not convert into each other");
            return { t.data, source_->strings, t.dataType };
        }
        if (t.isSparse() || source_->isSparse())
            throw EditRefused("sparse tensors cannot be replaced element by element");
        const auto sourceBytes = source_->expectedBytes();
        if (!source_->data || !sourceBytes || source_->data->size() != *sourceBytes)
            throw EditRefused("the new values for " + q(t.name) + " do not hold the bytes their shape needs");
        if (source_->dataType == t.dataType)
            return { source_->data, t.strings, t.dataType };
        const auto in = source_->data->bytes();
        const std::uint64_t count = t.elementCount().value_or(0);
        std::vector<std::byte> out(t.expectedBytes().value_or(0));
        for (std::uint64_t k = 0; k < count; ++k) {
            try {
                convertElement(source_->dataType, in, t.dataType, out, k);
            } catch (const Error& e) {
                throw EditRefused("element " + std::to_string(k) + ": " + e.what());
            }
        }
        return { std::make_shared<OwnedTensorData>(std::move(out)), t.strings, t.dataType };
    }
    std::shared_ptr<const Tensor> source_;
};

class SetTensorElements final : public TensorDataCommand {
public:
    SetTensorElements(std::string tensor, std::vector<std::pair<std::uint64_t, std::string>> values)
        : TensorDataCommand(std::move(tensor), EditKind::TensorValues)
        , values_(std::move(values))
    {
    }
    std::string text() const override
    {
        if (values_.size() == 1)
            return "Set " + q(tensor_) + "[" + std::to_string(values_[0].first) + "] to " + values_[0].second;
        return "Set " + std::to_string(values_.size()) + " elements of " + q(tensor_);
    }

private:
    Result compute(const Tensor& t) override
    {
        const std::uint64_t count = t.elementCount().value_or(0);
        for (const auto& [index, text] : values_)
            if (index >= count)
                throw EditRefused("element " + std::to_string(index) + " is outside " + q(t.name) + " ("
                    + std::to_string(count) + " elements)");
        if (t.dataType == DataType::String) {
            auto strings = t.strings;
            strings.resize(count);
            for (const auto& [index, text] : values_)
                strings[index] = text;
            return { t.data, std::move(strings), t.dataType };
        }
        auto bytes = bytesOf(t);
        for (const auto& [index, text] : values_) {
            try {
                encodeElementText(t.dataType, bytes, index, text);
            } catch (const Error& e) {
                throw EditRefused(q(t.name) + "[" + std::to_string(index) + "]: " + e.what());
            }
        }
        return { std::make_shared<OwnedTensorData>(std::move(bytes)), t.strings, t.dataType };
    }
    std::vector<std::pair<std::uint64_t, std::string>> values_;
};

class TensorArithmetic final : public TensorDataCommand {
public:
    TensorArithmetic(std::string tensor, TensorOp op, double value, TensorSlice slice)
        : TensorDataCommand(std::move(tensor), EditKind::TensorValues)
        , op_(op)
        , value_(value)
        , slice_(std::move(slice))
    {
    }
    std::string text() const override
    {
        const std::string where = slice_.ranges.empty() ? q(tensor_) : "a slice of " + q(tensor_);
        switch (op_) {
        case TensorOp::Fill:
            return value_ == 0 ? "Zero " + where : "Fill " + where + " with " + numberText(value_);
        case TensorOp::Scale:
            return "Scale " + where + " by " + numberText(value_);
        case TensorOp::Add:
            return "Add " + numberText(value_) + " to " + where;
        }
        return "Edit " + where;
    }

private:
    Result compute(const Tensor& t) override
    {
        if (t.dataType == DataType::String)
            throw EditRefused("tensor " + q(t.name) + " holds strings, not numbers");
        auto bytes = bytesOf(t);
        // Integers exactly (64-bit values do not survive a double) when
        // the operand is whole; complex part by part; the rest in double.
        const bool exact = isIntegerType(t.dataType) && value_ == std::floor(value_) && std::abs(value_) < 0x1p62;
        const auto whole = static_cast<__int128>(exact ? value_ : 0);
        forEachIndex(t, slice_, [&](std::uint64_t index) {
            try {
                if (exact) {
                    const __int128 x = elementAsInteger(t.dataType, bytes, index);
                    encodeInteger(t.dataType, bytes, index,
                        op_ == TensorOp::Fill        ? whole
                            : op_ == TensorOp::Scale ? x * whole
                                                     : x + whole);
                } else if (isComplex(t.dataType)) {
                    const bool single = t.dataType == DataType::Complex64;
                    const auto part = [&](std::uint64_t k) {
                        return single ? elementAsDouble(DataType::Float, bytes, k)
                                      : elementAsDouble(DataType::Double, bytes, k);
                    };
                    double re = part(index * 2), im = part(index * 2 + 1);
                    if (op_ == TensorOp::Fill) {
                        re = value_;
                        im = 0;
                    } else if (op_ == TensorOp::Scale) {
                        re *= value_;
                        im *= value_;
                    } else {
                        re += value_;
                    }
                    const DataType partType = single ? DataType::Float : DataType::Double;
                    encodeElement(partType, bytes, index * 2, re);
                    encodeElement(partType, bytes, index * 2 + 1, im);
                } else {
                    const double x = elementAsDouble(t.dataType, bytes, index);
                    encodeElement(t.dataType, bytes, index,
                        op_ == TensorOp::Fill        ? value_
                            : op_ == TensorOp::Scale ? x * value_
                                                     : x + value_);
                }
            } catch (const Error& e) {
                throw EditRefused(q(t.name) + "[" + std::to_string(index) + "]: " + e.what());
            }
        });
        return { std::make_shared<OwnedTensorData>(std::move(bytes)), t.strings, t.dataType };
    }
    TensorOp op_;
    double value_;
    TensorSlice slice_;
};

class CastTensor final : public TensorDataCommand {
public:
    CastTensor(std::string tensor, DataType to)
        : TensorDataCommand(std::move(tensor), EditKind::TensorType)
        , to_(to)
    {
    }
    std::string text() const override { return "Cast " + q(tensor_) + " to " + std::string(dataTypeName(to_)); }

private:
    Result compute(const Tensor& t) override
    {
        if (t.dataType == DataType::String || to_ == DataType::String || dataTypeBits(to_) == 0)
            throw EditRefused("only numeric tensors cast to numeric types");
        if (to_ == t.dataType)
            throw EditRefused("tensor " + q(t.name) + " is already " + std::string(dataTypeName(to_)));
        const auto in = bytesOf(t);
        const std::uint64_t count = t.elementCount().value_or(0);
        const auto size = storageBytes(to_, count);
        if (!size)
            throw EditRefused("tensor " + q(t.name) + " is too large");
        std::vector<std::byte> out(*size);
        for (std::uint64_t k = 0; k < count; ++k) {
            try {
                convertElement(t.dataType, in, to_, out, k);
            } catch (const Error& e) {
                throw EditRefused("cannot cast " + q(t.name) + ": element " + std::to_string(k) + ": " + e.what());
            }
        }
        return { std::make_shared<OwnedTensorData>(std::move(out)), t.strings, to_ };
    }
    DataType to_;
};

// --- names ----------------------------------------------------------------

class RenameNode final : public EditCommand {
public:
    RenameNode(std::string from, std::string to)
        : from_(std::move(from))
        , to_(std::move(to))
    {
    }
    std::string text() const override { return "Rename node " + q(from_) + " to " + q(to_); }
    void apply(Model& model) override
    {
        requireSave(model, EditKind::Names);
        Node* n = findNode(model, from_);
        if (to_ != from_ && !to_.empty() && mainGraph(model).findNode(to_))
            throw EditRefused("another node is already named " + q(to_));
        n->name = to_;
        id_ = n->id();
    }
    void revert(Model& model) override
    {
        if (Node* n = mainGraph(model).nodeById(id_))
            n->name = from_;
        else
            findNode(model, to_)->name = from_;
    }

private:
    std::string from_, to_;
    Id id_ {};
};

class RenameValue final : public EditCommand {
public:
    RenameValue(std::string from, std::string to)
        : from_(std::move(from))
        , to_(std::move(to))
    {
    }
    std::string text() const override { return "Rename " + q(from_) + " to " + q(to_); }
    void apply(Model& model) override
    {
        requireSave(model, EditKind::Names);
        Graph& g = mainGraph(model);
        if (to_.empty())
            throw EditRefused("a value needs a name");
        Value* v = g.findValue(from_);
        if (!v || (!v->producer() && v->users().empty() && !v->initializer && !g.isInput(v) && !g.isOutput(v)))
            throw EditRefused("the graph has no value named " + q(from_));
        if (from_ == to_)
            return;
        // Subgraphs that read it from the main graph refer to it by name.
        std::vector<Graph*> graphs { &g };
        // ONNX names are single-assignment across nested graphs too: a name
        // any subgraph defines is taken.
        std::string takenIn;
        g.forEachSubgraph([&](Graph& sub) {
            if (Value* inner = sub.findValue(from_); inner && inner->fromOuterScope)
                graphs.push_back(&sub);
            if (Value* clash = sub.findValue(to_); clash && !clash->fromOuterScope && takenIn.empty())
                takenIn = sub.name;
        });
        if (!takenIn.empty())
            throw EditRefused("the name " + q(to_) + " is already used in subgraph " + q(takenIn));
        for (Graph* graph : graphs)
            if (graph->findValue(to_))
                throw EditRefused("the name " + q(to_) + " is already used"
                    + (graph == &g ? std::string() : " in subgraph " + q(graph->name)));
        for (Graph* graph : graphs)
            graph->renameValue(graph->findValue(from_), to_);
        if (v->initializer)
            v->initializer->name = to_;
        graphs_ = std::move(graphs);
    }
    void revert(Model&) override
    {
        for (Graph* graph : graphs_)
            if (Value* v = graph->findValue(to_)) {
                graph->renameValue(v, from_);
                if (v->initializer)
                    v->initializer->name = from_;
            }
        graphs_.clear();
    }

private:
    std::string from_, to_;
    std::vector<Graph*> graphs_;
};

// --- attributes ------------------------------------------------------------

std::string trimmed(std::string s)
{
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.erase(0, 1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.pop_back();
    return s;
}

std::string unquote(std::string s)
{
    s = trimmed(s);
    if (s.size() >= 2 && ((s.front() == '\'' && s.back() == '\'') || (s.front() == '"' && s.back() == '"')))
        return s.substr(1, s.size() - 2);
    return s;
}

std::vector<std::string> listItems(std::string s)
{
    s = trimmed(s);
    if (s.size() >= 2 && ((s.front() == '[' && s.back() == ']') || (s.front() == '(' && s.back() == ')')))
        s = s.substr(1, s.size() - 2);
    std::vector<std::string> out;
    if (trimmed(s).empty())
        return out;
    std::string item;
    char quote = 0;
    for (char c : s) {
        if (quote) {
            item += c;
            if (c == quote)
                quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
            item += c;
        } else if (c == ',') {
            out.push_back(trimmed(item));
            item.clear();
        } else {
            item += c;
        }
    }
    out.push_back(trimmed(item));
    return out;
}

std::optional<std::int64_t> parseInt(const std::string& s)
{
    std::int64_t v = 0;
    const std::string t = trimmed(s);
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || end != t.data() + t.size() || t.empty())
        return std::nullopt;
    return v;
}

std::optional<double> parseFloat(const std::string& s)
{
    const std::string t = trimmed(s);
    if (t == "nan" || t == "NaN")
        return std::nan("");
    if (t == "inf")
        return INFINITY;
    if (t == "-inf")
        return -INFINITY;
    double v = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || end != t.data() + t.size() || t.empty())
        return std::nullopt;
    return v;
}

// The attribute `text` spells, of `type` (Undefined: guessed).
Attribute parseAttribute(const std::string& name, AttributeType type, const std::string& text)
{
    const std::string t = trimmed(text);
    const bool listSyntax = !t.empty() && (t.front() == '[' || t.front() == '(');
    if (type == AttributeType::Undefined) {
        if (listSyntax) {
            const auto items = listItems(t);
            const bool ints = std::all_of(items.begin(), items.end(), [](auto& i) { return parseInt(i).has_value(); });
            const bool floats
                = std::all_of(items.begin(), items.end(), [](auto& i) { return parseFloat(i).has_value(); });
            type = ints ? AttributeType::Ints : floats ? AttributeType::Floats : AttributeType::Strings;
        } else {
            type = parseInt(t) ? AttributeType::Int : parseFloat(t) ? AttributeType::Float : AttributeType::String;
        }
    }
    Attribute a;
    a.name = name;
    a.type = type;
    auto bad = [&](const std::string& what) {
        return EditRefused(q(text) + " is not " + what + " (attribute " + q(name) + " is "
            + std::string(attributeTypeName(type)) + ")");
    };
    switch (type) {
    case AttributeType::Int: {
        auto v = parseInt(t);
        if (!v)
            throw bad("a whole number");
        a.i = *v;
        break;
    }
    case AttributeType::Float: {
        auto v = parseFloat(t);
        if (!v)
            throw bad("a number");
        a.f = static_cast<float>(*v);
        break;
    }
    case AttributeType::String:
        a.s = unquote(text);
        break;
    case AttributeType::Ints:
        for (const auto& item : listItems(t)) {
            auto v = parseInt(item);
            if (!v)
                throw bad("a list of whole numbers like [1,1]");
            a.ints.push_back(*v);
        }
        break;
    case AttributeType::Floats:
        for (const auto& item : listItems(t)) {
            auto v = parseFloat(item);
            if (!v)
                throw bad("a list of numbers like [0.5,2]");
            a.floats.push_back(static_cast<float>(*v));
        }
        break;
    case AttributeType::Strings:
        for (const auto& item : listItems(t))
            a.strings.push_back(unquote(item));
        break;
    default:
        throw EditRefused("attribute " + q(name) + " is a " + std::string(attributeTypeName(type))
            + "; only numbers, text and their lists are edited as text");
    }
    return a;
}

const OpInfo* schemaOf(const Model& model, const Node& n)
{
    const OpMetadata& meta = FormatRegistry::instance().opMetadataFor(model.format);
    std::int64_t version = std::numeric_limits<std::int64_t>::max();
    const std::string domain = n.domain == "ai.onnx" ? "" : n.domain;
    for (const auto& [d, v] : model.opsets)
        if ((d == "ai.onnx" ? std::string() : d) == domain)
            version = v;
    return meta.find(n.domain, n.opType, version);
}

class SetAttribute final : public EditCommand {
public:
    SetAttribute(std::string node, std::string attribute, std::string text)
        : node_(std::move(node))
        , attribute_(std::move(attribute))
        , text_(std::move(text))
    {
    }
    std::string text() const override { return "Set " + node_ + "." + attribute_ + " to " + text_; }
    void apply(Model& model) override
    {
        requireSave(model, EditKind::Attributes);
        Node* n = findNode(model, node_);
        if (attribute_.empty())
            throw EditRefused("an attribute needs a name");
        Attribute* current = n->attribute(attribute_);
        AttributeType type = current ? current->type : AttributeType::Undefined;
        if (const OpInfo* schema = model.format == "onnx" ? schemaOf(model, *n) : nullptr) {
            const OpAttributeInfo* info = schema->attribute(attribute_);
            if (!info)
                throw EditRefused(n->opType + " has no attribute " + q(attribute_) + " (version "
                    + std::to_string(schema->sinceVersion) + " of the op)");
            if (!current)
                type = info->type;
        }
        Attribute a = parseAttribute(attribute_, type, text_);
        if (current) {
            a.docString = current->docString;
            before_ = *current;
            *current = std::move(a);
        } else {
            before_.reset();
            n->attributes.push_back(std::move(a));
        }
        id_ = n->id();
    }
    void revert(Model& model) override
    {
        Node* n = mainGraph(model).nodeById(id_);
        if (!n)
            return;
        auto it = std::find_if(
            n->attributes.begin(), n->attributes.end(), [&](const Attribute& a) { return a.name == attribute_; });
        if (before_) {
            if (it != n->attributes.end())
                *it = *before_;
        } else if (it != n->attributes.end()) {
            n->attributes.erase(it);
        }
    }

private:
    std::string node_, attribute_, text_;
    std::optional<Attribute> before_;
    Id id_ {};
};

class RemoveAttribute final : public EditCommand {
public:
    RemoveAttribute(std::string node, std::string attribute)
        : node_(std::move(node))
        , attribute_(std::move(attribute))
    {
    }
    std::string text() const override { return "Remove " + node_ + "." + attribute_; }
    void apply(Model& model) override
    {
        requireSave(model, EditKind::Attributes);
        Node* n = findNode(model, node_);
        auto it = std::find_if(
            n->attributes.begin(), n->attributes.end(), [&](const Attribute& a) { return a.name == attribute_; });
        if (it == n->attributes.end())
            throw EditRefused("node " + q(node_) + " has no attribute " + q(attribute_));
        if (const OpInfo* schema = model.format == "onnx" ? schemaOf(model, *n) : nullptr)
            if (const OpAttributeInfo* info = schema->attribute(attribute_); info && info->required)
                throw EditRefused(n->opType + " requires its attribute " + q(attribute_));
        index_ = static_cast<std::size_t>(it - n->attributes.begin());
        before_ = *it;
        n->attributes.erase(it);
        id_ = n->id();
    }
    void revert(Model& model) override
    {
        if (Node* n = mainGraph(model).nodeById(id_))
            n->attributes.insert(
                n->attributes.begin() + static_cast<std::ptrdiff_t>(std::min(index_, n->attributes.size())), before_);
    }

private:
    std::string node_, attribute_;
    Attribute before_;
    std::size_t index_ = 0;
    Id id_ {};
};

// --- input shapes ------------------------------------------------------------

class SetInputShape final : public EditCommand {
public:
    SetInputShape(std::string input, std::vector<Dim> dims)
        : input_(std::move(input))
        , dims_(std::move(dims))
    {
    }
    std::string text() const override
    {
        Shape s;
        s.dims = dims_;
        s.rankKnown = true;
        return "Set the shape of " + q(input_) + " to " + s.toString();
    }
    void apply(Model& model) override
    {
        requireSave(model, EditKind::InputShapes);
        Graph& g = mainGraph(model);
        Value* v = g.findValue(input_);
        if (!v || !g.isInput(v) || v->initializer)
            throw EditRefused("the graph has no input named " + q(input_));
        if (v->type.kind != ValueType::Kind::Tensor)
            throw EditRefused("input " + q(input_) + " is not a tensor");
        for (const Dim& d : dims_)
            if (d.value && *d.value < 0)
                throw EditRefused("a dimension cannot be negative");
        before_ = v->type.shape;
        v->type.shape.dims = dims_;
        v->type.shape.rankKnown = true;
        // Shapes worked out from the old input shape (inferred, or stored by
        // the file as value_info) no longer hold: they go; graph outputs keep
        // their element type and rank.
        cleared_.clear();
        for (const auto& value : g.values()) {
            Value* x = value.get();
            if (x == v || x->initializer || g.isInput(x) || x->type.kind == ValueType::Kind::Unknown)
                continue;
            cleared_.push_back({ x, x->type, x->typeInferred, x->typeStale });
            x->typeStale = true;
            if (g.isOutput(x) && x->type.kind == ValueType::Kind::Tensor) {
                // ONNX wants an output's rank; its sizes become unknown.
                for (Dim& d : x->type.shape.dims)
                    d = Dim {};
            } else {
                x->type = ValueType {};
            }
            x->typeInferred = false;
        }
    }
    void revert(Model& model) override
    {
        if (Value* v = mainGraph(model).findValue(input_))
            v->type.shape = before_;
        for (auto& c : cleared_) {
            c.value->type = c.type;
            c.value->typeInferred = c.inferred;
            c.value->typeStale = c.stale;
        }
        cleared_.clear();
    }

private:
    std::string input_;
    std::vector<Dim> dims_;
    Shape before_;
    struct Cleared {
        Value* value;
        ValueType type;
        bool inferred;
        bool stale;
    };
    std::vector<Cleared> cleared_;
};

// --- structure ---------------------------------------------------------------

class DeleteNode final : public EditCommand {
public:
    DeleteNode(std::string node, DeleteMode mode)
        : node_(std::move(node))
        , mode_(mode)
    {
    }
    std::string text() const override
    {
        return (mode_ == DeleteMode::Bypass ? "Bypass and delete " : "Delete ") + q(node_)
            + (mode_ == DeleteMode::WithDanglingProducers ? " and its inputs" : "");
    }
    void apply(Model& model) override
    {
        requireSave(model, EditKind::Structure);
        Graph& g = mainGraph(model);
        Node* n = findNode(model, node_);
        rewires_.clear();
        outputs_ = g.outputs;
        removed_.clear();
        tensors_.clear();
        if (mode_ == DeleteMode::Bypass)
            bypass(g, n);
        else
            withProducers(g, n);
    }
    void revert(Model& model) override
    {
        Graph& g = mainGraph(model);
        for (auto it = tensors_.rbegin(); it != tensors_.rend(); ++it)
            g.restoreInitializer(it->first, it->second);
        for (auto it = removed_.rbegin(); it != removed_.rend(); ++it)
            g.restoreNode(std::move(*it));
        removed_.clear();
        tensors_.clear();
        for (auto it = rewires_.rbegin(); it != rewires_.rend(); ++it)
            g.setInput(it->node, it->index, it->before);
        rewires_.clear();
        g.outputs = outputs_;
        if (retyped_.value) {
            retyped_.value->type = retyped_.type;
            retyped_.value->typeInferred = retyped_.inferred;
            retyped_ = {};
        }
    }

private:
    struct Rewire {
        Node* node;
        int index;
        Value* before;
    };

    // Names subgraphs (If/Loop/Scan bodies) read from the main graph: those
    // values have readers the main graph's use lists do not show.
    static std::unordered_set<std::string> readInSubgraphs(const Graph& g)
    {
        std::unordered_set<std::string> names;
        g.forEachSubgraph([&](Graph& sub) {
            for (const auto& v : sub.values())
                if (v->fromOuterScope)
                    names.insert(v->name());
        });
        return names;
    }

    void bypass(Graph& g, Node* n)
    {
        std::vector<Value*> outs;
        for (Value* v : n->outputs())
            if (v)
                outs.push_back(v);
        if (outs.size() != 1 || n->inputs().empty() || !n->inputs()[0])
            throw EditRefused("only a node with a first input and one output can be bypassed; " + q(node_) + " has "
                + std::to_string(n->inputs().size()) + " inputs and " + std::to_string(outs.size()) + " outputs");
        Value* in = n->inputs()[0];
        Value* out = outs[0];
        if (readInSubgraphs(g).count(out->name()))
            throw EditRefused(q(node_) + "'s output " + q(out->name())
                + " is read inside a subgraph; bypassing it would leave that name unproduced");
        const ValueType& a = in->type;
        const ValueType& b = out->type;
        if (a.kind == ValueType::Kind::Tensor && b.kind == ValueType::Kind::Tensor) {
            if (a.elementType != DataType::Undefined && b.elementType != DataType::Undefined
                && a.elementType != b.elementType)
                throw EditRefused(
                    "bypassing " + q(node_) + " would feed " + a.toString() + " where " + b.toString() + " was");
            bool differ = false;
            if (a.shape.rankKnown && b.shape.rankKnown) {
                differ = a.shape.rank() != b.shape.rank();
                for (std::size_t k = 0; !differ && k < a.shape.rank(); ++k)
                    differ = a.shape.dims[k].value && b.shape.dims[k].value
                        && *a.shape.dims[k].value != *b.shape.dims[k].value;
            }
            if (differ)
                throw EditRefused(
                    "bypassing " + q(node_) + " would feed " + a.toString() + " where " + b.toString() + " was");
        }
        for (const Use& u : std::vector<Use>(out->users())) {
            rewires_.push_back({ u.node, u.index, out });
            g.setInput(u.node, u.index, in);
        }
        for (auto& o : g.outputs)
            if (o == out) {
                o = in;
                // The graph output keeps the type it had (ONNX needs one).
                if (in->type.kind == ValueType::Kind::Unknown || in->typeInferred) {
                    retyped_ = { in, in->type, in->typeInferred };
                    in->type = out->type;
                    in->typeInferred = false;
                }
            }
        removed_.push_back(g.removeNode(n));
    }

    void withProducers(Graph& g, Node* n)
    {
        // Refused while anything outside the deleted set reads its outputs.
        const auto inSubgraphs = readInSubgraphs(g);
        for (Value* v : n->outputs())
            if (v && inSubgraphs.count(v->name()))
                throw EditRefused(q(node_) + "'s output " + q(v->name()) + " is read inside a subgraph");
        for (Value* v : n->outputs())
            if (v)
                for (const Use& u : v->users())
                    throw EditRefused(q(node_) + "'s output " + q(v->name()) + " is read by " + q(u.node->name)
                        + "; delete that first, or bypass");
        int outputsLeft = 0;
        for (Value* o : g.outputs)
            if (std::find(n->outputs().begin(), n->outputs().end(), o) == n->outputs().end())
                ++outputsLeft;
        if (outputsLeft == 0)
            throw EditRefused(q(node_) + " makes every graph output; the graph would have none");
        std::erase_if(g.outputs,
            [n](Value* o) { return std::find(n->outputs().begin(), n->outputs().end(), o) != n->outputs().end(); });
        std::vector<Node*> queue { n };
        std::unordered_set<Node*> gone;
        while (!queue.empty()) {
            Node* victim = queue.back();
            queue.pop_back();
            if (gone.count(victim))
                continue;
            gone.insert(victim);
            std::vector<Value*> inputs(victim->inputs().begin(), victim->inputs().end());
            removed_.push_back(g.removeNode(victim));
            for (Value* in : inputs) {
                if (!in || !in->users().empty() || g.isOutput(in) || inSubgraphs.count(in->name()))
                    continue;
                if (Node* p = in->producer()) {
                    bool unused = true;
                    for (Value* o : p->outputs())
                        if (o && (!o->users().empty() || g.isOutput(o)))
                            unused = false;
                    if (unused)
                        queue.push_back(p);
                } else if (in->initializer && !g.isInput(in)) {
                    auto t = in->initializer;
                    tensors_.emplace_back(t, g.removeInitializer(t));
                }
            }
        }
    }

    std::string node_;
    DeleteMode mode_;
    std::vector<Rewire> rewires_;
    std::vector<Value*> outputs_;
    std::vector<Graph::DetachedNode> removed_;
    struct Retyped {
        Value* value = nullptr;
        ValueType type;
        bool inferred = false;
    } retyped_;
    std::vector<std::pair<std::shared_ptr<Tensor>, std::size_t>> tensors_;
};

// --- model properties --------------------------------------------------------

class SetModelProperties final : public EditCommand {
public:
    explicit SetModelProperties(ModelProperties p)
        : p_(std::move(p))
    {
    }
    std::string text() const override { return "Edit the model's properties"; }
    void apply(Model& model) override
    {
        requireSave(model, EditKind::Metadata);
        before_.producerName = model.producerName;
        before_.producerVersion = model.producerVersion;
        before_.docString = model.docString;
        before_.metadata = model.metadata;
        if (p_.metadata) {
            std::unordered_set<std::string> keys;
            for (const auto& [k, v] : *p_.metadata) {
                if (k.empty())
                    throw EditRefused("a metadata property needs a key");
                if (!keys.insert(k).second)
                    throw EditRefused("the metadata key " + q(k) + " appears twice");
            }
        }
        set(model, p_);
    }
    void revert(Model& model) override { set(model, before_); }

private:
    static void set(Model& model, const ModelProperties& p)
    {
        if (p.producerName)
            model.producerName = *p.producerName;
        if (p.producerVersion)
            model.producerVersion = *p.producerVersion;
        if (p.docString)
            model.docString = *p.docString;
        if (p.metadata)
            model.metadata = *p.metadata;
    }
    ModelProperties p_, before_;
};

class Compound final : public EditCommand {
public:
    Compound(std::string text, std::vector<EditCommandPtr> commands)
        : text_(std::move(text))
        , commands_(std::move(commands))
    {
    }
    std::string text() const override { return text_; }
    void apply(Model& model) override
    {
        std::size_t done = 0;
        try {
            for (; done < commands_.size(); ++done)
                commands_[done]->apply(model);
        } catch (...) {
            while (done > 0)
                commands_[--done]->revert(model);
            throw;
        }
    }
    void revert(Model& model) override
    {
        for (auto it = commands_.rbegin(); it != commands_.rend(); ++it)
            (*it)->revert(model);
    }

private:
    std::string text_;
    std::vector<EditCommandPtr> commands_;
};

} // namespace

std::string_view editKindName(EditKind kind)
{
    switch (kind) {
    case EditKind::TensorValues:
        return "tensor value";
    case EditKind::TensorType:
        return "tensor type";
    case EditKind::Names:
        return "rename";
    case EditKind::Attributes:
        return "attribute";
    case EditKind::InputShapes:
        return "input shape";
    case EditKind::Structure:
        return "node deletion";
    case EditKind::Metadata:
        return "model property";
    }
    return "these";
}

bool canSaveEdit(const Model& model, EditKind kind)
{
    // What each writer keeps: ONNX re-syncs its skeleton from the IR; the
    // others splice tensors into the file as it was.
    if (model.format == "onnx")
        return true;
    if (model.format == "mindspore-ckpt")
        return kind == EditKind::TensorValues || kind == EditKind::TensorType || kind == EditKind::Names;
    if (model.format == "mindir")
        return kind == EditKind::TensorValues || kind == EditKind::TensorType;
    if (model.format == "cntk")
        return kind == EditKind::TensorValues;
    if (model.format == "tflite")
        return kind == EditKind::TensorValues;
    if (model.format == "pytorch" || model.format == "torchscript")
        return kind == EditKind::TensorValues;
    // Their writers patch edited tensor bytes into the file as it was.
    if (model.format == "keras" || model.format == "tensorflow" || model.format == "mindspore-lite"
        || model.format == "coreml" || model.format == "ncnn" || model.format == "caffe"
        || model.format == "paddle")
        return kind == EditKind::TensorValues;
    // GGUF is written whole: values and the metadata as properties.
    if (model.format == "gguf")
        return kind == EditKind::TensorValues || kind == EditKind::Metadata;
    if (model.format == "safetensors")
        return kind == EditKind::TensorValues || kind == EditKind::TensorType || kind == EditKind::Names;
    // A .npy's one array is named after its file: only a .npz keeps names.
    if (model.format == "numpy")
        return kind == EditKind::TensorValues || kind == EditKind::TensorType
               || (kind == EditKind::Names && isNumpyArchive(model));
    return false;
}

EditCommandPtr setTensorData(std::string tensor, std::shared_ptr<const TensorData> data)
{
    return std::make_unique<SetTensorData>(std::move(tensor), std::move(data));
}

EditCommandPtr replaceTensor(std::string tensor, std::shared_ptr<const Tensor> source)
{
    return std::make_unique<ReplaceTensor>(std::move(tensor), std::move(source));
}

EditCommandPtr setTensorElements(std::string tensor, std::vector<std::pair<std::uint64_t, std::string>> values)
{
    return std::make_unique<SetTensorElements>(std::move(tensor), std::move(values));
}

EditCommandPtr tensorArithmetic(std::string tensor, TensorOp op, double value, TensorSlice slice)
{
    return std::make_unique<TensorArithmetic>(std::move(tensor), op, value, std::move(slice));
}

EditCommandPtr castTensor(std::string tensor, DataType to)
{
    return std::make_unique<CastTensor>(std::move(tensor), to);
}

EditCommandPtr renameNode(std::string from, std::string to)
{
    return std::make_unique<RenameNode>(std::move(from), std::move(to));
}

EditCommandPtr renameValue(std::string from, std::string to)
{
    return std::make_unique<RenameValue>(std::move(from), std::move(to));
}

EditCommandPtr setAttribute(std::string node, std::string attribute, std::string text)
{
    return std::make_unique<SetAttribute>(std::move(node), std::move(attribute), std::move(text));
}

EditCommandPtr removeAttribute(std::string node, std::string attribute)
{
    return std::make_unique<RemoveAttribute>(std::move(node), std::move(attribute));
}

EditCommandPtr setInputShape(std::string input, std::vector<Dim> dims)
{
    return std::make_unique<SetInputShape>(std::move(input), std::move(dims));
}

EditCommandPtr deleteNode(std::string node, DeleteMode mode)
{
    return std::make_unique<DeleteNode>(std::move(node), mode);
}

EditCommandPtr setModelProperties(ModelProperties properties)
{
    return std::make_unique<SetModelProperties>(std::move(properties));
}

EditCommandPtr compound(std::string text, std::vector<EditCommandPtr> commands)
{
    return std::make_unique<Compound>(std::move(text), std::move(commands));
}

} // namespace nodus
