#include "msliteimporter.h"

#include "mslite_schema.h"

#include "ir/mappedtensordata.h"
#include "ir/shape.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <algorithm>
#include <sstream>
#include <unordered_set>

namespace nodus {

namespace {

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
    reader.charge(v->count);
    out.reserve(v->count);
    for (std::uint32_t k = 0; k < v->count; ++k)
        out.push_back(reader.read<T>(v->offset + std::uint64_t(k) * sizeof(T), "a list"));
    return out;
}

void appendDoc(std::string& doc, const std::string& text)
{
    if (text.empty())
        return;
    if (!doc.empty())
        doc += "\n\n";
    doc += text;
}

std::string dimsText(const std::vector<std::int64_t>& dims)
{
    std::string s = "[";
    for (std::size_t k = 0; k < dims.size(); ++k)
        s += (k ? "," : "") + std::to_string(dims[k]);
    return s + "]";
}

double f64(const FlatBufferReader& reader, const FlatTable& t, int slot, double def = 0)
{
    const std::uint64_t at = t.fieldPosition(slot, 8);
    return at ? reader.read<double>(at, "a double field") : def;
}

bool printable(std::span<const std::byte> bytes)
{
    return std::all_of(bytes.begin(), bytes.end(), [](std::byte b) {
        const auto c = static_cast<unsigned char>(b);
        return c >= 0x20 && c < 0x7f;
    });
}

} // namespace

MsliteImporter::MsliteImporter(std::shared_ptr<const MappedFile> file)
    : doc_(std::make_shared<MsliteDocument>())
    , reader_(file->bytes(), file->path().string(), "MindSpore Lite")
{
    doc_->file = std::move(file);
}

std::unique_ptr<Model> MsliteImporter::import()
{
    using namespace mslite;
    if (reader_.size() < 8)
        reader_.fail("not a MindSpore Lite model: too short for a FlatBuffer");
    const std::string_view id = reader_.identifier();
    v0_ = id != kFileIdentifier;
    root_ = reader_.root("the model");
    const FlatTable& root = *root_;

    // Files from before the "MSL2" schema carry "MSL1" or no identifier at
    // all; without one, the MetaGraph's own lists must be there.
    nodes_ = root.vector(metagraph::Nodes, 4);
    const auto tensors = root.vector(metagraph::AllTensors, 4);
    if (id != kFileIdentifier && id != kFileIdentifierV0 && (!tensors || !nodes_)) {
        if (!root.has(metagraph::Nodes) && !root.has(metagraph::AllTensors) && root.has(predict::graphdef::Subgraphs))
            return importPredict();
        reader_.fail("not a MindSpore Lite model (no \"MSL2\" identifier, and no node and tensor lists)");
    }

    auto out = std::make_unique<Model>();
    out->native = doc_;
    out->producerName = "MindSpore Lite";
    if (auto v = root.string(metagraph::Version))
        out->producerVersion = std::string(*v);
    out->metadata.emplace_back("schema", v0_ ? "model_v0.fbs (before MindSpore Lite 1.2)" : "model.fbs (MSL2)");
    if (auto n = root.string(metagraph::Name); n && !n->empty())
        out->metadata.emplace_back("name", std::string(*n));
    const int fmk = root.i32(metagraph::FmkType);
    const std::string_view fmkName = fmkTypeName(fmk);
    out->metadata.emplace_back("fmk_type", fmkName.empty() ? std::to_string(fmk) : std::string(fmkName));
    if (root.has(metagraph::MempoolSize))
        out->metadata.emplace_back("mempool_size", std::to_string(root.u32(metagraph::MempoolSize)));
    if (root.boolean(metagraph::Obfuscate))
        out->metadata.emplace_back("obfuscated", "yes: node types are hidden by MindSpore's model obfuscation");

    readTensors(root);

    const std::uint32_t nodeCount = nodes_ ? nodes_->count : 0;
    const auto subgraphs = root.vector(metagraph::SubGraph, 4);
    out->graph = std::make_shared<Graph>(std::string(root.string(metagraph::Name).value_or("")));
    if (!subgraphs || subgraphs->count == 0) {
        std::vector<std::uint32_t> all(nodeCount);
        for (std::uint32_t k = 0; k < nodeCount; ++k)
            all[k] = k;
        buildGraph(*out->graph, all, indexList(root, metagraph::InputIndex, tensors_.size(), "a model input"),
            indexList(root, metagraph::OutputIndex, tensors_.size(), "a model output"), "the model");
    } else {
        for (std::uint32_t s = 0; s < subgraphs->count; ++s) {
            const std::string where = "subgraph " + std::to_string(s);
            const FlatTable sg = root.tableAt(*subgraphs, s, where);
            const auto nodeIndices = indexList(sg, subgraph::NodeIndices, nodeCount, "a node of " + where);
            const auto inputs = indexList(sg, subgraph::InputIndices, tensors_.size(), "an input of " + where);
            const auto outputs = indexList(sg, subgraph::OutputIndices, tensors_.size(), "an output of " + where);
            std::string name(sg.string(subgraph::Name).value_or(""));
            if (s == 0) {
                if (!name.empty())
                    out->graph->name = name;
                buildGraph(*out->graph, nodeIndices, inputs, outputs, where);
            } else {
                Function f;
                f.name = name.empty() ? "subgraph_" + std::to_string(s) : name;
                f.graph = std::make_shared<Graph>(f.name);
                buildGraph(*f.graph, nodeIndices, inputs, outputs, where);
                out->functions.push_back(std::move(f));
            }
        }
    }
    if (out->graph->name.empty())
        out->graph->name = "main";
    return out;
}

std::unique_ptr<Model> MsliteImporter::importPredict()
{
    using namespace mslite::predict;
    const FlatTable& root = *root_;
    const auto subgraphs = root.vector(graphdef::Subgraphs, 4);
    if (!subgraphs || subgraphs->count == 0)
        reader_.fail("not a MindSpore model: neither a Lite MetaGraph nor a \"predict\" GraphDef with subgraphs");
    auto out = std::make_unique<Model>();
    out->native = doc_;
    out->producerName = "MindSpore predict";
    out->metadata.emplace_back("schema", "predict/schema/ms.fbs (MindSpore 0.x \"predict\" module, before Lite)");
    if (const auto cfg = root.table(graphdef::MempoolCfg, "the memory pool settings"))
        out->metadata.emplace_back("mempool_size", std::to_string(cfg->u32(0)));

    for (std::uint32_t s = 0; s < subgraphs->count; ++s) {
        const std::string where = "subgraph " + std::to_string(s);
        const FlatTable sg = root.tableAt(*subgraphs, s, where);
        readPredictTensors(sg, where);
        auto graph = std::make_shared<Graph>(std::string(sg.string(subgraphdef::Name).value_or("")));
        if (graph->name.empty())
            graph->name
                = s == 0 ? std::string(root.string(graphdef::Name).value_or("main")) : "subgraph_" + std::to_string(s);
        std::unordered_map<std::uint32_t, Value*> values;
        const auto limit = static_cast<std::uint32_t>(tensors_.size());
        const auto inputs = indexList(sg, subgraphdef::InputIndex, limit, "an input of " + where);
        const auto outputs = indexList(sg, subgraphdef::OutputIndex, limit, "an output of " + where);
        std::unordered_set<std::string> nodeNames;
        if (const auto nodes = sg.vector(subgraphdef::Nodes, 4)) {
            for (std::uint32_t k = 0; k < nodes->count; ++k) {
                const std::string what = "node " + std::to_string(k) + " of " + where;
                const FlatTable nd = sg.tableAt(*nodes, k, what);
                const auto op = nd.table(nodedef::OpDef, "the operation of " + what);
                if (!op)
                    reader_.fail(what + " has no operation");
                const int unionType = op->u8(opdef::AttrType);
                std::string type(opName(unionType));
                if (type.empty())
                    type = unionType == 0 ? std::string("Unknown") : "OpT" + std::to_string(unionType);
                std::string name(op->string(opdef::Name).value_or(""));
                if (name.empty() || !nodeNames.insert(name).second)
                    name = (name.empty() ? type : name) + "_" + std::to_string(k);
                nodeNames.insert(name);
                Node* node = graph->addNode(type, name);
                for (const std::uint32_t i : indexList(*op, opdef::InputIndex, limit, "an input of " + what))
                    graph->addInput(node, tensorValue(*graph, values, i));
                for (const std::uint32_t i : indexList(*op, opdef::OutputIndex, limit, "an output of " + what))
                    graph->addOutput(node, tensorValue(*graph, values, i));
                node->metadata.emplace_back("fmk_type",
                    nd.i32(nodedef::FmkType) == 1       ? "CAFFE"
                        : nd.i32(nodedef::FmkType) == 0 ? "TF"
                                                        : std::to_string(nd.i32(nodedef::FmkType)));
                if (op->i32(opdef::QuantType) == 1)
                    node->metadata.emplace_back("quant_type", "QUANT_INT8");
            }
        }
        for (const std::uint32_t i : inputs)
            graph->inputs.push_back(tensorValue(*graph, values, i));
        for (const std::uint32_t i : outputs)
            graph->outputs.push_back(tensorValue(*graph, values, i));
        if (s == 0) {
            out->graph = std::move(graph);
        } else {
            Function f;
            f.name = graph->name;
            f.graph = std::move(graph);
            out->functions.push_back(std::move(f));
        }
    }
    return out;
}

void MsliteImporter::readPredictTensors(const FlatTable& sg, const std::string& where)
{
    using namespace mslite::predict;
    tensors_.clear();
    const auto list = sg.vector(subgraphdef::AllTensors, 4);
    if (!list)
        return;
    reader_.charge(list->count);
    tensors_.resize(list->count);
    for (std::uint32_t k = 0; k < list->count; ++k) {
        const std::string what = "tensor " + std::to_string(k) + " of " + where;
        const FlatTable t = sg.tableAt(*list, k, what);
        TensorInfo& info = tensors_[k];
        // Predict tensors have no names: the subgraph and index name them.
        info.name = "tensor_" + std::to_string(k);
        info.typeId = t.i32(tensordef::DataType);
        info.type = dataType(info.typeId);
        if (!info.type)
            info.typeName = "predict.DataType" + std::to_string(info.typeId);
        const auto dims = readVector<std::int32_t>(reader_, t.vector(tensordef::Dims, 4));
        info.dims.assign(dims.begin(), dims.end());
        const int format = t.i32(tensordef::Format);
        info.doc = "**Layout**: "
            + std::string(format == 0 ? "NCHW"
                    : format == 1     ? "NHWC"
                    : format == 100   ? "NC4HW4"
                                      : std::to_string(format));
        if (const auto q = t.table(tensordef::Quantization, "the quantization of " + what)) {
            const auto scale = readVector<float>(reader_, q->vector(quantizationdef::Scale, 4));
            const auto zero = readVector<std::int64_t>(reader_, q->vector(quantizationdef::ZeroPoint, 8));
            if (!scale.empty())
                appendDoc(info.doc,
                    "**Quantization**: scale = " + numberText(scale[0])
                        + ", zero point = " + (zero.empty() ? std::string("0") : std::to_string(zero[0]))
                        + (scale.size() > 1 ? " (first of " + std::to_string(scale.size()) + " channels)" : ""));
        }
        const auto data = t.vector(tensordef::Data, 1);
        if (!data || data->count == 0)
            continue;
        const auto elements = elementCount(info.dims);
        const auto needed = info.type && elements ? storageBytes(*info.type, *elements) : std::nullopt;
        if (!info.type || needed != data->count)
            reader_.fail(what + " has " + std::to_string(data->count) + " bytes of data, but its type (code "
                + std::to_string(info.typeId) + ") and shape " + dimsText(info.dims) + " need "
                + (needed ? std::to_string(*needed) : "an impossible number"));
        auto stored = std::make_shared<Tensor>();
        stored->name = info.name;
        stored->dataType = *info.type;
        stored->dims = info.dims;
        stored->data = std::make_shared<MappedTensorData>(FileRegion { doc_->file, data->offset, data->count });
        stored->docString = info.doc;
        doc_->tensors.push_back({ stored, stored->data, stored->dataType, stored->dims, data->offset, data->count });
        info.stored = std::move(stored);
    }
}

std::vector<std::uint32_t> MsliteImporter::indexList(
    const FlatTable& table, int slot, std::uint32_t limit, const std::string& what)
{
    auto list = readVector<std::uint32_t>(reader_, table.vector(slot, 4));
    for (const std::uint32_t i : list)
        if (i >= limit)
            reader_.fail(
                what + " refers to index " + std::to_string(i) + ", but there are only " + std::to_string(limit));
    return list;
}

void MsliteImporter::readTensors(const FlatTable& root)
{
    using namespace mslite;
    const auto list = root.vector(metagraph::AllTensors, 4);
    if (!list)
        return;
    tensors_.resize(list->count);
    std::unordered_set<std::string> names;
    for (std::uint32_t k = 0; k < list->count; ++k) {
        const std::string where = "tensor " + std::to_string(k);
        const FlatTable t = root.tableAt(*list, k, where);
        TensorInfo& info = tensors_[k];
        info.name = std::string(t.string(tensor::Name).value_or(""));
        if (info.name.empty())
            info.name = "tensor_" + std::to_string(k);
        // Names are unique per graph in the IR; a file may repeat one.
        if (!names.insert(info.name).second) {
            std::string unique = info.name + "_" + std::to_string(k);
            for (int n = 2; names.count(unique); ++n)
                unique = info.name + "_" + std::to_string(k) + "_" + std::to_string(n);
            info.name = unique;
            names.insert(unique);
        }
        info.typeId = t.i32(tensor::DataType);
        info.type = dataType(info.typeId);
        const auto dims = readVector<std::int32_t>(reader_, t.vector(tensor::Dims, 4));
        info.dims.assign(dims.begin(), dims.end());

        const int format = t.i32(tensor::Format);
        if (format != 0 || t.has(tensor::Format)) {
            const std::string_view f = formatName(format);
            info.doc = "**Layout**: " + (f.empty() ? std::to_string(format) : std::string(f));
        }
        if (const auto qp = t.vector(tensor::QuantParams, 4); qp && qp->count > 0) {
            std::string text = "**Quantization**: real = scale × (q − zero_point)";
            const std::uint32_t shown = std::min<std::uint32_t>(qp->count, 8);
            for (std::uint32_t j = 0; j < shown; ++j) {
                const FlatTable q = t.tableAt(*qp, j, "a quantization parameter of " + where);
                text += (qp->count > 1 ? "\n- channel " + std::to_string(j) + ": " : ", ");
                text += "scale = " + numberText(f64(reader_, q, quantparam::Scale))
                    + ", zero point = " + std::to_string(q.i32(quantparam::ZeroPoint))
                    + ", bits = " + std::to_string(q.i32(quantparam::NumBits, 8));
                if (q.has(quantparam::Min) || q.has(quantparam::Max))
                    text += ", min = " + numberText(f64(reader_, q, quantparam::Min))
                        + ", max = " + numberText(f64(reader_, q, quantparam::Max));
            }
            if (qp->count > shown)
                text += "\n- … (" + std::to_string(qp->count) + " channels in all)";
            appendDoc(info.doc, text);
        }
        if (const auto clusters = t.vector(tensor::QuantClusters, 4); clusters && clusters->count > 0)
            appendDoc(info.doc, "**Quantization clusters**: " + std::to_string(clusters->count) + " centroids");
        if (const auto ext = t.table(tensor::ExternalData, "the external data of " + where))
            appendDoc(info.doc,
                "**External data**: " + std::string(ext->string(externaldata::Location).value_or("?")) + ", offset "
                    + std::to_string(ext->i64(externaldata::Offset)) + ", "
                    + std::to_string(ext->i64(externaldata::Length)) + " bytes (not read: it lies outside the model)");

        const auto data = t.vector(tensor::Data, 1);
        if (!data || data->count == 0)
            continue;
        auto stored = std::make_shared<Tensor>();
        stored->name = info.name;
        const bool compressed = t.boolean(tensor::EnableHuffmanCode) || t.i32(tensor::WeightQuantCompressType) != 0;
        std::optional<std::uint64_t> needed;
        if (info.type) {
            const auto elements = elementCount(info.dims);
            needed = elements ? storageBytes(*info.type, *elements) : std::nullopt;
        }
        if (info.type && !compressed && needed == data->count) {
            stored->dataType = *info.type;
            stored->dims = info.dims;
        } else if (info.type && !compressed && info.typeId != 12) {
            reader_.fail(where + " ('" + info.name + "') has " + std::to_string(data->count)
                + " bytes of data, but its type " + std::string(dataTypeName(*info.type)) + " and shape "
                + dimsText(info.dims) + " need " + (needed ? std::to_string(*needed) : "an impossible number"));
        } else {
            // Compressed weights (Huffman, bit-packed or sparse) and types
            // Nodus has no element type for stay the file's bytes.
            stored->dataType = DataType::UInt8;
            stored->dims = { static_cast<std::int64_t>(data->count) };
            const std::string_view typeName = typeIdName(info.typeId);
            stored->docString = compressed ? "Compressed weights ("
                    + std::string(t.boolean(tensor::EnableHuffmanCode)
                            ? "Huffman coded"
                            : "compress type " + std::to_string(t.i32(tensor::WeightQuantCompressType)))
                    + "): the stored bytes; the tensor's shape is " + dimsText(info.dims)
                                           : "The stored bytes of a "
                    + (typeName.empty() ? "type " + std::to_string(info.typeId) : std::string(typeName))
                    + " tensor of shape " + dimsText(info.dims);
        }
        stored->data = std::make_shared<MappedTensorData>(FileRegion { doc_->file, data->offset, data->count });
        appendDoc(stored->docString, info.doc);
        doc_->tensors.push_back({ stored, stored->data, stored->dataType, stored->dims, data->offset, data->count });
        info.stored = std::move(stored);
    }
}

void MsliteImporter::buildGraph(Graph& graph, const std::vector<std::uint32_t>& nodeIndices,
    const std::vector<std::uint32_t>& inputs, const std::vector<std::uint32_t>& outputs, const std::string& where)
{
    (void)where;
    std::unordered_map<std::uint32_t, Value*> values;
    auto valueFor = [&](std::uint32_t i) { return values.count(i) ? values[i] : nullptr; };
    for (const std::uint32_t i : inputs)
        values.emplace(i, nullptr);
    for (const std::uint32_t i : outputs)
        values.emplace(i, nullptr);
    // Values are made on first reference, in file order of the nodes.
    std::unordered_set<std::string> nodeNames;
    for (const std::uint32_t n : nodeIndices) {
        importNode(n, graph, values);
        Node* node = graph.nodes().back().get();
        if (!nodeNames.insert(node->name).second) {
            node->name += "_" + std::to_string(n);
            nodeNames.insert(node->name);
        }
    }
    importNode(UINT32_MAX, graph, values); // makes the inputs and outputs no node used
    for (const std::uint32_t i : inputs)
        graph.inputs.push_back(valueFor(i));
    for (const std::uint32_t i : outputs)
        graph.outputs.push_back(valueFor(i));
}

Value* MsliteImporter::tensorValue(Graph& graph, std::unordered_map<std::uint32_t, Value*>& values, std::uint32_t i)
{
    using namespace mslite;
    Value*& v = values[i];
    if (v)
        return v;
    const TensorInfo& info = tensors_[i];
    v = graph.value(info.name);
    if (info.type) {
        Shape shape;
        shape.rankKnown = true;
        for (const std::int64_t d : info.dims)
            shape.dims.push_back(d >= 0 ? Dim::known(d) : Dim {});
        v->type = ValueType::tensor(*info.type, std::move(shape));
    } else {
        v->type.kind = ValueType::Kind::Opaque;
        const std::string_view n = info.typeName.empty() ? typeIdName(info.typeId) : std::string_view(info.typeName);
        v->type.opaqueName = "mindspore." + (n.empty() ? "TypeId" + std::to_string(info.typeId) : std::string(n));
    }
    v->docString = info.doc;
    if (info.stored)
        graph.addInitializer(info.stored);
    return v;
}

void MsliteImporter::importNode(std::uint32_t index, Graph& graph, std::unordered_map<std::uint32_t, Value*>& values)
{
    using namespace mslite;
    auto value = [&](std::uint32_t i) { return tensorValue(graph, values, i); };
    if (index == UINT32_MAX) {
        // Graph inputs and outputs no node touched.
        for (auto& [i, v] : values)
            if (!v)
                value(i);
        return;
    }

    const std::string where = "node " + std::to_string(index);
    const FlatTable n = root_->tableAt(*nodes_, index, where);
    std::string op;
    std::optional<FlatTable> options;
    int unionType = 0;
    if (const auto prim = n.table(cnode::Primitive, "the primitive of " + where)) {
        unionType = prim->u8(primitive::ValueType);
        op = std::string(opName(unionType, v0_));
        options = prim->table(primitive::Value, "the options of " + where);
    }
    if (op.empty())
        op = unionType == 0 ? std::string("Unknown") : "PrimitiveType" + std::to_string(unionType);
    std::string name(n.string(cnode::Name).value_or(""));
    if (name.empty())
        name = op + "_" + std::to_string(index);
    Node* node = graph.addNode(op, name);
    if (unionType == 0)
        node->docString = "The node names no primitive.";
    else if (opName(unionType, v0_).empty())
        node->docString = "Primitive union member " + std::to_string(unionType)
            + " is newer than this version of Nodus knows; its options are not shown.";

    for (const std::uint32_t i : indexList(n, cnode::InputIndex, tensors_.size(), "an input of " + where))
        graph.addInput(node, value(i));
    for (const std::uint32_t i : indexList(n, cnode::OutputIndex, tensors_.size(), "an output of " + where))
        graph.addOutput(node, value(i));

    if (const int q = n.i32(cnode::QuantType); q != 0) {
        const std::string_view qn = quantTypeName(q);
        node->metadata.emplace_back("quant_type", qn.empty() ? std::to_string(q) : std::string(qn));
    }
    if (n.has(cnode::DeviceType) && n.i32(cnode::DeviceType, -1) != -1)
        node->metadata.emplace_back("device_type", std::to_string(n.i32(cnode::DeviceType, -1)));
    if (options && !v0_) {
        if (op == "Custom")
            decodeCustom(*options, *node);
        else
            decodeOptions(*options, op, *node);
    }
}

void MsliteImporter::decodeOptions(const FlatTable& options, const std::string& op, Node& node)
{
    using namespace mslite;
    const OptionTable* table = mslite::optionTable(op);
    if (!table)
        return;
    int slot = 0;
    for (const OptionField& f : table->fields) {
        const int s = slot++;
        Attribute a;
        a.name = std::string(f.name);
        switch (f.kind) {
        case FieldKind::Long:
            a.type = AttributeType::Int;
            a.i = options.i64(s, static_cast<std::int64_t>(f.defaultValue));
            break;
        case FieldKind::Int:
            a.type = AttributeType::Int;
            a.i = options.i32(s, static_cast<std::int32_t>(f.defaultValue));
            break;
        case FieldKind::Float:
            a.type = AttributeType::Float;
            a.f = options.f32(s, static_cast<float>(f.defaultValue));
            break;
        case FieldKind::Bool:
            a.type = AttributeType::Int;
            a.i = options.boolean(s, f.defaultValue != 0) ? 1 : 0;
            break;
        case FieldKind::Longs:
            if (!options.has(s))
                continue;
            a.type = AttributeType::Ints;
            a.ints = readVector<std::int64_t>(reader_, options.vector(s, 8));
            break;
        case FieldKind::Ints: {
            if (!options.has(s))
                continue;
            const auto v = readVector<std::int32_t>(reader_, options.vector(s, 4));
            a.type = AttributeType::Ints;
            a.ints.assign(v.begin(), v.end());
            break;
        }
        case FieldKind::Floats: {
            if (!options.has(s))
                continue;
            const auto v = readVector<float>(reader_, options.vector(s, 4));
            a.type = AttributeType::Floats;
            a.floats.assign(v.begin(), v.end());
            break;
        }
        case FieldKind::String: {
            const auto v = options.string(s);
            if (!v)
                continue;
            a.type = AttributeType::String;
            a.s = std::string(*v);
            break;
        }
        case FieldKind::Vec2D: {
            const auto table2d = options.table(s, "the " + a.name + " of " + node.name);
            if (!table2d)
                continue;
            a.type = AttributeType::Ints;
            std::string rows;
            if (const auto list = table2d->vector(0, 4)) {
                for (std::uint32_t r = 0; r < list->count; ++r) {
                    const FlatTable row = table2d->tableAt(*list, r, "a row of " + a.name);
                    const auto v = readVector<std::int64_t>(reader_, row.vector(0, 8));
                    a.ints.insert(a.ints.end(), v.begin(), v.end());
                    rows += (r ? ", " : "") + std::to_string(v.size());
                }
                a.docString = "Rows of " + rows + " values, flattened.";
            }
            break;
        }
        case FieldKind::Format: {
            const int v = options.i32(s, static_cast<std::int32_t>(f.defaultValue));
            const std::string_view name = formatName(v);
            a.type = AttributeType::String;
            a.s = name.empty() ? std::to_string(v) : std::string(name);
            break;
        }
        case FieldKind::ByteEnum: {
            const int v = options.i8(s, static_cast<std::int8_t>(f.defaultValue));
            const int at = v - f.namesBase;
            a.type = AttributeType::String;
            a.s = at >= 0 && static_cast<std::size_t>(at) < f.names.size() ? std::string(f.names[at])
                                                                           : std::to_string(v);
            break;
        }
        }
        node.attributes.push_back(std::move(a));
    }
}

void MsliteImporter::decodeCustom(const FlatTable& options, Node& node)
{
    using namespace mslite;
    // Custom { type: string; attr: [Attribute { name: string; data: [ubyte] }] }
    if (const auto type = options.string(0)) {
        Attribute a;
        a.name = "type";
        a.type = AttributeType::String;
        a.s = std::string(*type);
        node.attributes.push_back(std::move(a));
        node.metadata.emplace_back("custom_type", std::string(*type));
    }
    const auto list = options.vector(1, 4);
    if (!list)
        return;
    for (std::uint32_t k = 0; k < list->count; ++k) {
        const FlatTable attr = options.tableAt(*list, k, "custom attribute " + std::to_string(k) + " of " + node.name);
        Attribute a;
        a.name = std::string(attr.string(customattr::Name).value_or("attr_" + std::to_string(k)));
        const auto data = attr.vector(customattr::Data, 1);
        const auto bytes = data ? reader_.bytes().subspan(data->offset, data->count) : std::span<const std::byte>();
        if (printable(bytes)) {
            a.type = AttributeType::String;
            a.s.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        } else {
            auto t = std::make_shared<Tensor>();
            t->name = a.name;
            t->dataType = DataType::UInt8;
            t->dims = { static_cast<std::int64_t>(bytes.size()) };
            t->data = std::make_shared<MappedTensorData>(FileRegion { doc_->file, data->offset, data->count });
            a.type = AttributeType::Tensor;
            a.tensors.push_back(std::move(t));
        }
        node.attributes.push_back(std::move(a));
    }
}

} // namespace nodus
