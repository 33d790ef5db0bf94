#include "tfliteimporter.h"

#include "tflite_schema.h"

#include "ir/mappedtensordata.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>
#include <unordered_set>

namespace nodus {

namespace {

// Subgraphs nested deeper than this are listed as functions instead of
// hanging off their caller (a damaged file could chain thousands).
constexpr int kMaxNesting = 64;

std::string inQuotes(std::string_view s)
{
    return "'" + std::string(s) + "'";
}

std::string numberText(double v)
{
    std::ostringstream out;
    out.precision(8);
    out << v;
    return out.str();
}

template <typename T> std::vector<T> readVector(const FlatBufferReader& reader, const std::optional<FlatVector>& v)
{
    std::vector<T> out;
    if (!v)
        return out;
    out.reserve(v->count);
    for (std::uint32_t k = 0; k < v->count; ++k)
        out.push_back(reader.read<T>(v->offset + std::uint64_t(k) * sizeof(T), "a list"));
    return out;
}

template <typename T> std::string listText(const std::vector<T>& values, std::size_t maxItems = 8)
{
    std::string out = "[";
    for (std::size_t k = 0; k < values.size() && k < maxItems; ++k) {
        if (k)
            out += ", ";
        out += numberText(static_cast<double>(values[k]));
    }
    if (values.size() > maxItems)
        out += ", … (" + std::to_string(values.size()) + " in all)";
    return out + "]";
}

// Quantization parameters as the properties panel shows them (a value's and
// a stored tensor's documentation).
std::string quantizationText(const FlatBufferReader& reader, const FlatTable& q, DataType type)
{
    using namespace tflite;
    const auto scale = readVector<float>(reader, q.vector(quantization::Scale, 4));
    const auto zeroPoint = readVector<std::int64_t>(reader, q.vector(quantization::ZeroPoint, 8));
    const auto min = readVector<float>(reader, q.vector(quantization::Min, 4));
    const auto max = readVector<float>(reader, q.vector(quantization::Max, 4));
    std::string text;
    if (!scale.empty()) {
        text = "**Quantization** (" + std::string(dataTypeName(type)) + "): real = scale × (q − zero_point)";
        if (scale.size() == 1) {
            text += ", scale = " + numberText(scale[0]);
            text += ", zero point = " + (zeroPoint.empty() ? std::string("0") : std::to_string(zeroPoint[0]));
        } else {
            text += ", per channel along dimension " + std::to_string(q.i32(quantization::QuantizedDimension))
                + ": scales " + listText(scale) + ", zero points " + listText(zeroPoint);
        }
    }
    if (!min.empty() || !max.empty()) {
        if (!text.empty())
            text += "\n\n";
        text += "**Range**: min " + listText(min) + ", max " + listText(max);
    }
    if (q.u8(quantization::DetailsType) != 0) {
        if (!text.empty())
            text += "\n\n";
        text += "**Custom quantization** (details the TFLite schema leaves to the runtime)";
    }
    return text;
}

void appendDoc(std::string& doc, const std::string& text)
{
    if (text.empty())
        return;
    if (!doc.empty())
        doc += "\n\n";
    doc += text;
}

// A metadata buffer's bytes as text when they are short printable text
// ("1.14.0" for min_runtime_version), else their size.
std::string metadataText(std::span<const std::byte> bytes)
{
    std::string s(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    while (!s.empty() && s.back() == '\0')
        s.pop_back();
    const bool printable
        = s.size() <= 256 && std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
    return printable ? s : "<" + std::to_string(bytes.size()) + " bytes>";
}

} // namespace

TfliteImporter::TfliteImporter(std::shared_ptr<const MappedFile> file)
    : doc_(std::make_shared<TfliteDocument>())
    , reader_(file->bytes(), file->path().string())
{
    doc_->file = std::move(file);
}

std::unique_ptr<Model> TfliteImporter::import()
{
    using namespace tflite;
    if (reader_.identifier() != kFileIdentifier)
        reader_.fail("not a TensorFlow Lite model (no \"TFL3\" identifier at byte 4)");
    root_ = reader_.root("the model");
    const FlatTable& root = *root_;

    auto out = std::make_unique<Model>();
    out->native = doc_;
    const std::uint32_t version = root.u32(model::Version);
    out->metadata.emplace_back("schema_version", std::to_string(version));
    if (auto d = root.string(model::Description)) {
        out->producerName = std::string(*d);
        out->docString = std::string(*d);
    }

    readOperatorCodes(root);
    readBuffers(root);

    subgraphs_ = root.vector(model::Subgraphs, 4);
    if (!subgraphs_ || subgraphs_->count == 0)
        reader_.fail("the model has no subgraphs");
    const std::uint32_t count = subgraphs_->count;
    graphs_.assign(count, nullptr);
    state_.assign(count, 0);
    referenced_.assign(count, false);

    graphs_[0] = std::make_shared<Graph>();
    importSubgraph(0, *graphs_[0]);
    out->graph = graphs_[0];
    for (std::uint32_t k = 1; k < count; ++k)
        if (state_[k] == 0) {
            graphs_[k] = std::make_shared<Graph>();
            importSubgraph(static_cast<int>(k), *graphs_[k]);
        }
    for (std::uint32_t k = 1; k < count; ++k)
        if (!referenced_[k]) {
            Function f;
            f.name = graphs_[k]->name;
            f.graph = graphs_[k];
            out->functions.push_back(std::move(f));
        }

    readMetadata(root, *out);
    return out;
}

void TfliteImporter::readOperatorCodes(const FlatTable& root)
{
    using namespace tflite;
    const auto codes = root.vector(model::OperatorCodes, 4);
    if (!codes)
        return;
    opcodes_.reserve(codes->count);
    for (std::uint32_t k = 0; k < codes->count; ++k) {
        const FlatTable c = root.tableAt(*codes, k, "operator code " + std::to_string(k));
        OpCode code;
        // Files before schema 3a only have the byte; later ones write both
        // and the byte saturates at 127 (PLACEHOLDER_FOR_GREATER_OP_CODES).
        code.builtin = std::max<int>(c.i8(opcode::DeprecatedBuiltinCode), c.i32(opcode::BuiltinCode));
        if (auto s = c.string(opcode::CustomCode))
            code.custom = std::string(*s);
        code.version = c.i32(opcode::Version, 1);
        opcodes_.push_back(std::move(code));
    }
}

void TfliteImporter::readBuffers(const FlatTable& root)
{
    using namespace tflite;
    const auto buffers = root.vector(model::Buffers, 4);
    if (!buffers)
        return;
    buffers_.resize(buffers->count);
    for (std::uint32_t k = 0; k < buffers->count; ++k) {
        const FlatTable b = root.tableAt(*buffers, k, "buffer " + std::to_string(k));
        BufferRange& range = buffers_[k];
        if (const auto data = b.vector(buffer::Data, 1)) {
            range = { data->offset, data->count, true };
            continue;
        }
        const std::uint64_t offset = b.u64(buffer::Offset);
        if (offset > 1) {
            const std::uint64_t size = b.u64(buffer::Size);
            reader_.check(offset, size, "the data of buffer " + std::to_string(k));
            range = { offset, size, true };
        }
    }
}

void TfliteImporter::readMetadata(const FlatTable& root, Model& out)
{
    using namespace tflite;
    if (const auto list = root.vector(model::Metadata, 4)) {
        for (std::uint32_t k = 0; k < list->count; ++k) {
            const FlatTable m = root.tableAt(*list, k, "metadata entry " + std::to_string(k));
            const std::string name(m.string(metadata::Name).value_or("metadata_" + std::to_string(k)));
            const std::uint32_t b = m.u32(metadata::Buffer);
            if (b >= buffers_.size())
                reader_.fail("metadata '" + name + "' refers to buffer " + std::to_string(b) + " of "
                    + std::to_string(buffers_.size()));
            const BufferRange& r = buffers_[b];
            out.metadata.emplace_back(name, metadataText(reader_.bytes().subspan(r.offset, r.length)));
        }
    }
    if (const auto list = root.vector(model::SignatureDefs, 4)) {
        for (std::uint32_t k = 0; k < list->count; ++k) {
            const FlatTable s = root.tableAt(*list, k, "signature " + std::to_string(k));
            auto names = [&](int slot) {
                std::string text;
                if (const auto maps = s.vector(slot, 4))
                    for (std::uint32_t j = 0; j < maps->count; ++j) {
                        const FlatTable m = s.tableAt(*maps, j, "a tensor of signature " + std::to_string(k));
                        if (j)
                            text += ", ";
                        text += std::string(m.string(tensormap::Name).value_or("?")) + " = tensor "
                            + std::to_string(m.u32(tensormap::TensorIndex));
                    }
                return text;
            };
            const std::string key(s.string(signature::Key).value_or(std::to_string(k)));
            out.metadata.emplace_back("signature." + key,
                "subgraph " + std::to_string(s.u32(signature::SubgraphIndex)) + "; inputs: " + names(signature::Inputs)
                    + "; outputs: " + names(signature::Outputs));
        }
    }
}

std::shared_ptr<Graph> TfliteImporter::subgraphFor(int index, int from)
{
    if (index <= 0 || static_cast<std::size_t>(index) >= graphs_.size() || index == from)
        return nullptr;
    // Each subgraph hangs off one node only, so the nesting is a tree: a
    // shared or recursive reference keeps its index attribute alone.
    if (state_[index] != 0 || referenced_[index] || nesting_ >= kMaxNesting)
        return nullptr;
    graphs_[index] = std::make_shared<Graph>(std::string(), graphs_[from].get());
    ++nesting_;
    importSubgraph(index, *graphs_[index]);
    --nesting_;
    referenced_[index] = true;
    return graphs_[index];
}

void TfliteImporter::importSubgraph(int index, Graph& graph)
{
    using namespace tflite;
    state_[index] = 1;
    const std::string where = "subgraph " + std::to_string(index);
    const FlatTable sg = root_->tableAt(*subgraphs_, static_cast<std::uint32_t>(index), where);
    graph.name = std::string(sg.string(subgraph::Name).value_or(""));
    if (graph.name.empty())
        graph.name = index == 0 ? "main" : "subgraph_" + std::to_string(index);

    std::vector<Value*> values;
    if (const auto tensors = sg.vector(subgraph::Tensors, 4)) {
        values.reserve(tensors->count);
        for (std::uint32_t k = 0; k < tensors->count; ++k) {
            const FlatTable t = sg.tableAt(*tensors, k, "tensor " + std::to_string(k) + " of " + where);
            std::string name(t.string(tensor::Name).value_or(""));
            if (name.empty())
                name = "tensor_" + std::to_string(k);
            // Names are unique per graph in the IR; a file may repeat one.
            if (graph.findValue(name)) {
                std::string unique = name + "_" + std::to_string(k);
                for (int n = 2; graph.findValue(unique); ++n)
                    unique = name + "_" + std::to_string(k) + "_" + std::to_string(n);
                name = unique;
            }
            Value* v = graph.value(name);
            values.push_back(v);

            const int typeCode = t.i8(tensor::Type);
            const auto type = dataType(typeCode);
            const auto dims32 = readVector<std::int32_t>(reader_, t.vector(tensor::Shape, 4));
            const auto signature = readVector<std::int32_t>(reader_, t.vector(tensor::ShapeSignature, 4));
            std::vector<std::int64_t> dims(dims32.begin(), dims32.end());
            Shape shape;
            shape.rankKnown = true;
            const auto& shown = signature.size() == dims32.size() && !signature.empty() ? signature : dims32;
            for (const std::int32_t d : shown)
                shape.dims.push_back(d >= 0 ? Dim::known(d) : Dim {});
            if (type) {
                v->type = ValueType::tensor(*type, std::move(shape));
            } else {
                v->type.kind = ValueType::Kind::Opaque;
                v->type.opaqueName = "tflite."
                    + std::string(tensorTypeName(typeCode).empty() ? "TensorType" + std::to_string(typeCode)
                                                                   : tensorTypeName(typeCode));
            }

            std::string doc;
            if (const auto q = t.table(tensor::Quantization, "the quantization of tensor " + std::to_string(k))) {
                doc = quantizationText(reader_, *q, type.value_or(DataType::Undefined));
                auto scale = readVector<float>(reader_, q->vector(quantization::Scale, 4));
                if (!scale.empty())
                    doc_->quantization[v->id()]
                        = { std::move(scale), readVector<std::int64_t>(reader_, q->vector(quantization::ZeroPoint, 8)),
                              q->i32(quantization::QuantizedDimension) };
            }
            if (t.boolean(tensor::IsVariable))
                appendDoc(doc, "A variable: operators update it in place between invocations.");

            const std::uint32_t b = t.u32(tensor::Buffer);
            if (b >= buffers_.size() && b != 0)
                reader_.fail("tensor '" + name + "' of " + where + " refers to buffer " + std::to_string(b)
                    + ", but the model has " + std::to_string(buffers_.size()));
            if (b != 0 && buffers_[b].present && buffers_[b].length > 0 && type) {
                auto stored = importTensorData(t, name, *type, dims);
                appendDoc(stored->docString, doc);
                const auto& r = buffers_[b];
                if (stored->data)
                    doc_->tensors.push_back(
                        { stored, stored->data, stored->dataType, stored->dims, r.offset, r.length });
                graph.addInitializer(std::move(stored));
            }
            v->docString = std::move(doc);
        }
    }

    auto indices = [&](int slot, const char* what) {
        std::vector<Value*> out;
        for (const std::int32_t i : readVector<std::int32_t>(reader_, sg.vector(slot, 4))) {
            if (i < 0 || static_cast<std::size_t>(i) >= values.size())
                reader_.fail(std::string(what) + " of " + where + " names tensor " + std::to_string(i) + " of "
                    + std::to_string(values.size()));
            out.push_back(values[static_cast<std::size_t>(i)]);
        }
        return out;
    };
    graph.inputs = indices(subgraph::Inputs, "an input");
    graph.outputs = indices(subgraph::Outputs, "an output");

    if (const auto ops = sg.vector(subgraph::Operators, 4)) {
        std::unordered_set<std::string> nodeNames;
        for (std::uint32_t k = 0; k < ops->count; ++k) {
            const FlatTable op = sg.tableAt(*ops, k, "operator " + std::to_string(k) + " of " + where);
            importOperator(op, index, graph, values);
            Node* node = graph.nodes().back().get();
            // Operators have no names: the first output's name places the
            // node in its scope ("sequential/conv2d/Relu").
            std::string name;
            for (Value* out : node->outputs())
                if (out) {
                    name = out->name();
                    break;
                }
            if (name.empty())
                name = node->opType + "_" + std::to_string(k);
            if (!nodeNames.insert(name).second) {
                name += "_" + std::to_string(k);
                nodeNames.insert(name);
            }
            node->name = std::move(name);
        }
    }
    state_[index] = 2;
}

void TfliteImporter::importOperator(const FlatTable& op, int subgraph, Graph& graph, const std::vector<Value*>& values)
{
    using namespace tflite;
    const std::uint32_t opcodeIndex = op.u32(op::OpcodeIndex);
    if (opcodeIndex >= opcodes_.size())
        reader_.fail(op.what() + " uses operator code " + std::to_string(opcodeIndex) + ", but the model lists "
            + std::to_string(opcodes_.size()));
    const OpCode& code = opcodes_[opcodeIndex];
    std::string opType;
    if (code.builtin == Custom)
        opType = code.custom.empty() ? std::string("Custom") : code.custom;
    else
        opType = opTypeName(code.builtin);
    Node* node = graph.addNode(std::move(opType));

    auto connect = [&](int slot, bool input) {
        for (const std::int32_t i : readVector<std::int32_t>(reader_, op.vector(slot, 4))) {
            Value* v = nullptr;
            if (i >= 0 && static_cast<std::size_t>(i) < values.size())
                v = values[static_cast<std::size_t>(i)];
            else if (i != -1)
                reader_.fail(op.what() + " names tensor " + std::to_string(i) + " of " + std::to_string(values.size()));
            if (input)
                graph.addInput(node, v);
            else
                graph.addOutput(node, v);
        }
    };
    connect(op::Inputs, true);
    connect(op::Outputs, false);

    if (code.builtin == Custom) {
        node->metadata.emplace_back("custom_code", code.custom);
    } else {
        const std::string_view schemaName = builtinOperatorName(code.builtin);
        node->metadata.emplace_back(
            "builtin_code", schemaName.empty() ? std::to_string(code.builtin) : std::string(schemaName));
    }
    node->metadata.emplace_back("version", std::to_string(code.version));
    if (const auto inter = op.vector(op::Intermediates, 4)) {
        std::string names;
        for (const std::int32_t i : readVector<std::int32_t>(reader_, inter))
            if (i >= 0 && static_cast<std::size_t>(i) < values.size())
                names += (names.empty() ? "" : ", ") + values[static_cast<std::size_t>(i)]->name();
        if (!names.empty())
            node->metadata.emplace_back("intermediates", names);
    }
    decodeOptions(op, code, *node, subgraph);
}

void TfliteImporter::decodeOptions(const FlatTable& op, const OpCode& code, Node& node, int subgraph)
{
    using namespace tflite;
    (void)code;
    const int unionType = op.u8(op::BuiltinOptionsType);
    if (unionType != 0) {
        const OptionsTable* table = builtinOptions(unionType);
        const auto options = op.table(op::BuiltinOptions, "the options of " + op.what());
        if (!table) {
            node.metadata.emplace_back("builtin_options",
                "union member " + std::to_string(unionType) + " (newer than this version of Nodus reads)");
        } else if (options) {
            for (int slot = 0; slot < table->fieldCount; ++slot) {
                const OptionField& f = table->fields[slot];
                if (f.kind == FieldKind::Deprecated || (f.onlyWhenSet && !options->has(slot)))
                    continue;
                Attribute a;
                a.name = std::string(f.name);
                auto enumText = [](std::string_view name, int value) {
                    return name.empty() ? std::to_string(value) : std::string(name);
                };
                switch (f.kind) {
                case FieldKind::Int:
                case FieldKind::Subgraph:
                    a.type = AttributeType::Int;
                    a.i = options->i32(slot, static_cast<std::int32_t>(f.defaultValue));
                    break;
                case FieldKind::UInt:
                    a.type = AttributeType::Int;
                    a.i = options->u32(slot, static_cast<std::uint32_t>(f.defaultValue));
                    break;
                case FieldKind::Long:
                    a.type = AttributeType::Int;
                    a.i = options->i64(slot, static_cast<std::int64_t>(f.defaultValue));
                    break;
                case FieldKind::Float:
                    a.type = AttributeType::Float;
                    a.f = options->f32(slot, static_cast<float>(f.defaultValue));
                    break;
                case FieldKind::Bool:
                    a.type = AttributeType::Int;
                    a.i = options->boolean(slot, f.defaultValue != 0) ? 1 : 0;
                    break;
                case FieldKind::Padding: {
                    const int v = options->i8(slot, static_cast<std::int8_t>(f.defaultValue));
                    a.type = AttributeType::String;
                    a.s = enumText(paddingName(v), v);
                    break;
                }
                case FieldKind::Activation: {
                    const int v = options->i8(slot, static_cast<std::int8_t>(f.defaultValue));
                    a.type = AttributeType::String;
                    a.s = enumText(activationName(v), v);
                    break;
                }
                case FieldKind::TensorType: {
                    const int v = options->i8(slot, static_cast<std::int8_t>(f.defaultValue));
                    a.type = AttributeType::String;
                    a.s = enumText(tensorTypeName(v), v);
                    break;
                }
                case FieldKind::Enum: {
                    const int v = options->i8(slot, static_cast<std::int8_t>(f.defaultValue));
                    a.type = AttributeType::String;
                    a.s = v >= 0 && v < f.nameCount ? std::string(f.names[v]) : std::to_string(v);
                    break;
                }
                case FieldKind::Ints: {
                    if (!options->has(slot))
                        continue;
                    const auto values = readVector<std::int32_t>(reader_, options->vector(slot, 4));
                    a.type = AttributeType::Ints;
                    a.ints.assign(values.begin(), values.end());
                    break;
                }
                case FieldKind::Longs: {
                    if (!options->has(slot))
                        continue;
                    a.type = AttributeType::Ints;
                    a.ints = readVector<std::int64_t>(reader_, options->vector(slot, 8));
                    break;
                }
                case FieldKind::Floats: {
                    if (!options->has(slot))
                        continue;
                    const auto values = readVector<float>(reader_, options->vector(slot, 4));
                    a.type = AttributeType::Floats;
                    a.floats.assign(values.begin(), values.end());
                    break;
                }
                case FieldKind::String: {
                    const auto s = options->string(slot);
                    if (!s)
                        continue;
                    a.type = AttributeType::String;
                    a.s = std::string(*s);
                    break;
                }
                case FieldKind::Deprecated:
                    continue;
                }
                const bool isSubgraph = f.kind == FieldKind::Subgraph;
                const auto target = static_cast<int>(a.i);
                node.attributes.push_back(std::move(a));
                if (isSubgraph) {
                    if (auto g = subgraphFor(target, subgraph)) {
                        Attribute ga;
                        std::string name(f.name);
                        ga.name = name.ends_with("_index") ? name.substr(0, name.size() - 6) : name + "_graph";
                        ga.type = AttributeType::Graph;
                        ga.graphs.push_back(std::move(g));
                        node.attributes.push_back(std::move(ga));
                    }
                }
            }
        }
    }
    if (op.u8(op::BuiltinOptions2Type) != 0)
        node.metadata.emplace_back(
            "builtin_options_2", "StableHLO options, member " + std::to_string(op.u8(op::BuiltinOptions2Type)));

    // Custom options stay bytes (FlexBuffers, or the op's own encoding):
    // shown as a uint8 tensor that views the file.
    std::uint64_t offset = 0, length = 0;
    if (const auto custom = op.vector(op::CustomOptions, 1)) {
        offset = custom->offset;
        length = custom->count;
    } else if (op.u64(op::LargeCustomOptionsOffset) > 1) {
        offset = op.u64(op::LargeCustomOptionsOffset);
        length = op.u64(op::LargeCustomOptionsSize);
        reader_.check(offset, length, "the custom options of " + op.what());
    }
    if (length > 0) {
        auto t = std::make_shared<Tensor>();
        t->name = "custom_options";
        t->dataType = DataType::UInt8;
        t->dims = { static_cast<std::int64_t>(length) };
        t->data = std::make_shared<MappedTensorData>(FileRegion { doc_->file, offset, length });
        Attribute a;
        a.name = "custom_options";
        a.type = AttributeType::Tensor;
        a.tensors.push_back(std::move(t));
        node.attributes.push_back(std::move(a));
    }
}

std::shared_ptr<Tensor> TfliteImporter::importTensorData(
    const FlatTable& t, const std::string& name, DataType type, const std::vector<std::int64_t>& dims)
{
    using namespace tflite;
    const BufferRange& r = buffers_[t.u32(tensor::Buffer)];
    auto out = std::make_shared<Tensor>();
    out->name = name;
    out->dataType = type;
    out->dims = dims;
    const auto bytes = reader_.bytes().subspan(r.offset, r.length);
    const std::string what = "tensor " + inQuotes(name);

    if (type == DataType::String) {
        // count, count + 1 offsets from the buffer's start, then the bytes.
        auto word = [&](std::uint64_t at) {
            if (at + 4 > bytes.size())
                reader_.fail(what + ": its strings run past its buffer");
            std::int32_t v;
            std::memcpy(&v, bytes.data() + at, 4);
            return v;
        };
        const std::int32_t count = word(0);
        if (count < 0 || std::uint64_t(count) > bytes.size() / 4)
            reader_.fail(what + ": its buffer claims " + std::to_string(count) + " strings");
        reader_.charge(std::uint64_t(count));
        out->strings.reserve(static_cast<std::size_t>(count));
        for (std::int32_t k = 0; k < count; ++k) {
            const std::int32_t begin = word(4 + 4 * std::uint64_t(k));
            const std::int32_t end = word(8 + 4 * std::uint64_t(k));
            if (begin < 0 || end < begin || std::uint64_t(end) > bytes.size())
                reader_.fail(what + ": string " + std::to_string(k) + " lies outside its buffer");
            out->strings.emplace_back(
                reinterpret_cast<const char*>(bytes.data()) + begin, static_cast<std::size_t>(end - begin));
        }
        const auto elements = elementCount(dims);
        if (!elements || *elements != static_cast<std::uint64_t>(count))
            reader_.fail(what + ": its buffer holds " + std::to_string(count) + " strings, its shape needs "
                + (elements ? std::to_string(*elements) : std::string("an impossible number")));
        return out;
    }

    if (t.has(tensor::Sparsity)) {
        // Sparse constants keep only the stored values (TACO format): the
        // initializer is that flat list; the value keeps the dense shape.
        const int bits = dataTypeBits(type);
        if (bits < 8 || (r.length * 8) % bits != 0)
            reader_.fail(what + ": a sparse tensor of " + std::string(dataTypeName(type)) + " is not supported");
        out->dims = { static_cast<std::int64_t>(r.length * 8 / bits) };
        out->docString = "Sparse: only the stored values; the dense shape is the value's.";
    }
    const auto elements = elementCount(out->dims);
    const auto needed = elements ? storageBytes(type, *elements) : std::nullopt;
    if (!needed || *needed != r.length) {
        std::string shape = "[";
        for (std::size_t k = 0; k < out->dims.size(); ++k)
            shape += (k ? "," : "") + std::to_string(out->dims[k]);
        reader_.fail(what + " has " + std::to_string(r.length) + " bytes of data, but its type "
            + std::string(dataTypeName(type)) + " and shape " + shape + "] need "
            + (needed ? std::to_string(*needed) : std::string("an impossible number")));
    }
    out->data = std::make_shared<MappedTensorData>(FileRegion { doc_->file, r.offset, r.length });
    return out;
}

} // namespace nodus
