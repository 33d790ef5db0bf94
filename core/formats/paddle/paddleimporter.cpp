#include "paddleimporter.h"

#include "paddledocument.h"
#include "paddleparams.h"

#include "formats/paddle/paddle.pb.h"

#include "ir/mappedtensordata.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <algorithm>
#include <climits>
#include <map>
#include <set>

namespace nodus {

namespace fs = std::filesystem;

namespace {

constexpr int kLodTensor = 7;
// Sub-blocks inside sub-blocks: real programs nest a few levels; a bound
// keeps a block that names itself from recursing forever.
constexpr int kMaxBlockDepth = 16;

std::string text(const std::string& bytes)
{
    return bytes;
}

class Importer {
public:
    explicit Importer(std::shared_ptr<const MappedFile> file)
        : file_(std::move(file))
    {
    }

    std::unique_ptr<Model> run();

private:
    [[noreturn]] void fail(const std::string& what) const { throw Error(file_->path().string() + ": " + what); }
    void buildBlock(Graph& graph, int blockIndex, int depth);
    Attribute attribute(const paddle::OpDesc::Attr& a, Graph& graph, int depth);
    void loadParameters(Model& model, PaddleDocument& doc);

    std::shared_ptr<const MappedFile> file_;
    paddle::ProgramDesc program_;
};

ValueType valueType(const paddle::VarDesc& var)
{
    if (!var.has_type() || var.type().type() != kLodTensor || !var.type().has_lod_tensor())
        return {};
    const auto& desc = var.type().lod_tensor().tensor();
    const auto type = paddleDataType(desc.data_type());
    Shape shape;
    shape.rankKnown = true;
    for (const auto d : desc.dims())
        shape.dims.push_back(d >= 0 ? Dim::known(d) : Dim {});
    return ValueType::tensor(type.value_or(DataType::Undefined), std::move(shape));
}

Attribute Importer::attribute(const paddle::OpDesc::Attr& a, Graph& graph, int depth)
{
    Attribute out;
    out.name = a.name();
    using T = paddle::AttrType;
    switch (a.type()) {
    case T::INT:
        out.type = AttributeType::Int;
        out.i = a.i();
        break;
    case T::LONG:
        out.type = AttributeType::Int;
        out.i = a.l();
        break;
    case T::BOOLEAN:
        out.type = AttributeType::Int;
        out.i = a.b() ? 1 : 0;
        break;
    case T::FLOAT:
        out.type = AttributeType::Float;
        out.f = a.f();
        break;
    case T::FLOAT64:
        out.type = AttributeType::Float;
        out.f = a.float64();
        break;
    case T::STRING:
        out.type = AttributeType::String;
        out.s = text(a.s());
        break;
    case T::VAR:
        out.type = AttributeType::String;
        out.s = a.var_name();
        break;
    case T::INTS:
        out.type = AttributeType::Ints;
        out.ints.assign(a.ints().begin(), a.ints().end());
        break;
    case T::LONGS:
        out.type = AttributeType::Ints;
        out.ints.assign(a.longs().begin(), a.longs().end());
        break;
    case T::BOOLEANS:
        out.type = AttributeType::Ints;
        for (bool b : a.bools())
            out.ints.push_back(b ? 1 : 0);
        break;
    case T::FLOATS:
        out.type = AttributeType::Floats;
        out.floats.assign(a.floats().begin(), a.floats().end());
        break;
    case T::FLOAT64S:
        out.type = AttributeType::Floats;
        out.floats.assign(a.float64s().begin(), a.float64s().end());
        break;
    case T::STRINGS:
        out.type = AttributeType::Strings;
        for (const auto& s : a.strings())
            out.strings.push_back(text(s));
        break;
    case T::VARS:
        out.type = AttributeType::Strings;
        out.strings.assign(a.vars_name().begin(), a.vars_name().end());
        break;
    case T::SCALAR:
        if (a.scalar().type() == paddle::Scalar::LONG || a.scalar().type() == paddle::Scalar::BOOLEAN) {
            out.type = AttributeType::Int;
            out.i = a.scalar().type() == paddle::Scalar::LONG ? a.scalar().i() : a.scalar().b();
        } else {
            out.type = AttributeType::Float;
            out.f = a.scalar().r();
        }
        break;
    case T::SCALARS:
        out.type = AttributeType::Floats;
        for (const auto& s : a.scalars())
            out.floats.push_back(s.type() == paddle::Scalar::LONG ? double(s.i())
                    : s.type() == paddle::Scalar::BOOLEAN         ? double(s.b())
                                                                  : s.r());
        break;
    case T::BLOCK:
    case T::BLOCKS: {
        out.type = AttributeType::Graphs;
        std::vector<int> blocks;
        if (a.type() == T::BLOCK)
            blocks.push_back(a.block_idx());
        else
            blocks.assign(a.blocks_idx().begin(), a.blocks_idx().end());
        for (int b : blocks) {
            auto sub = std::make_shared<Graph>("block " + std::to_string(b), &graph);
            buildBlock(*sub, b, depth + 1);
            out.graphs.push_back(sub);
        }
        if (a.type() == T::BLOCK)
            out.type = AttributeType::Graph;
        break;
    }
    }
    return out;
}

void Importer::buildBlock(Graph& graph, int blockIndex, int depth)
{
    if (blockIndex < 0 || blockIndex >= program_.blocks_size())
        fail("an op refers to block " + std::to_string(blockIndex) + " but the program has "
            + std::to_string(program_.blocks_size()));
    if (depth > kMaxBlockDepth)
        fail("blocks nest more than " + std::to_string(kMaxBlockDepth) + " deep (does a block contain itself?)");
    const auto& block = program_.blocks(blockIndex);
    std::map<std::string, const paddle::VarDesc*> vars;
    for (const auto& v : block.vars()) {
        if (v.name().empty())
            fail("block " + std::to_string(blockIndex) + " has a variable without a name");
        vars.emplace(v.name(), &v);
    }
    // The value a name holds now: Paddle rewrites variables in place.
    std::map<std::string, Value*> latest;
    auto valueOf = [&](const std::string& name) {
        if (auto it = latest.find(name); it != latest.end())
            return it->second;
        Value* value = graph.value(name);
        if (auto it = vars.find(name); it != vars.end() && value->type.kind == ValueType::Kind::Unknown)
            value->type = valueType(*it->second);
        else if (it == vars.end() && graph.parent())
            value->fromOuterScope = !value->producer();
        return value;
    };
    std::map<int, Value*> feeds, fetches;
    std::set<Value*> fed;
    int opIndex = 0;
    for (const auto& op : block.ops()) {
        const std::string where = "block " + std::to_string(blockIndex) + " op " + std::to_string(opIndex);
        if (op.type().empty())
            fail(where + " has no type");
        auto col = [&] {
            for (const auto& a : op.attrs())
                if (a.name() == "col")
                    return a.i();
            return opIndex;
        };
        if (op.type() == "feed" || op.type() == "fetch") {
            const bool feed = op.type() == "feed";
            for (const auto& v : (feed ? op.outputs() : op.inputs()))
                for (const auto& arg : v.arguments())
                    (feed ? feeds : fetches)[col()] = valueOf(arg);
            if (feed)
                for (const auto& [c, v] : feeds)
                    fed.insert(v);
            ++opIndex;
            continue;
        }
        Node* node = graph.addNode(op.type(), op.type() + "_" + std::to_string(opIndex));
        std::string ports;
        for (const auto& v : op.inputs()) {
            for (const auto& arg : v.arguments()) {
                graph.addInput(node, valueOf(arg));
                ports += (ports.empty() ? "" : ", ") + v.parameter() + ": " + arg;
            }
        }
        if (!ports.empty())
            node->metadata.emplace_back("inputs", ports);
        ports.clear();
        for (const auto& v : op.outputs()) {
            for (const auto& arg : v.arguments()) {
                Value* out = valueOf(arg);
                const auto var = vars.find(arg);
                if (out->producer() || fed.count(out) || (var != vars.end() && var->second->persistable())) {
                    // Paddle programs reuse a name for an in-place result
                    // (batch_norm's MeanOut is its Mean); the IR's values
                    // have one producer, so the rewrite is a new value
                    // that later readers of the name see.
                    out = graph.value(arg + "@" + std::to_string(opIndex));
                    if (var != vars.end())
                        out->type = valueType(*var->second);
                    latest[arg] = out;
                }
                graph.addOutput(node, out);
                ports += (ports.empty() ? "" : ", ") + v.parameter() + ": " + arg;
            }
        }
        if (!ports.empty())
            node->metadata.emplace_back("outputs", ports);
        for (const auto& a : op.attrs()) {
            if (a.name().empty())
                fail(where + " (" + op.type() + ") has an attribute without a name");
            node->attributes.push_back(attribute(a, graph, depth));
        }
        ++opIndex;
    }
    for (const auto& [c, v] : feeds)
        graph.inputs.push_back(v);
    for (const auto& [c, v] : fetches)
        graph.outputs.push_back(v);

    // Weights: persistable tensors, in the block's order.
    for (const auto& v : block.vars()) {
        if (!v.persistable() || !v.has_type() || v.type().type() != kLodTensor)
            continue;
        auto t = std::make_shared<Tensor>();
        t->name = v.name();
        const auto& desc = v.type().lod_tensor().tensor();
        const auto type = paddleDataType(desc.data_type());
        if (!type)
            fail("weight '" + v.name() + "' has data type " + std::to_string(desc.data_type())
                + ", not an element type");
        t->dataType = *type;
        t->dims.assign(desc.dims().begin(), desc.dims().end());
        valueOf(v.name());
        graph.addInitializer(t);
    }
}

void Importer::loadParameters(Model& model, PaddleDocument& doc)
{
    const fs::path modelPath = file_->path();
    const fs::path dir = modelPath.has_parent_path() ? modelPath.parent_path() : fs::path(".");
    std::vector<std::shared_ptr<Tensor>> weights = model.graph->initializers;
    std::error_code ec;
    if (weights.empty())
        return;
    // A program held in memory has no folder to look in, even when its name
    // matches a file in the working folder.
    if (file_->isInMemory() || !fs::is_regular_file(modelPath, ec)) {
        model.metadata.emplace_back("parameters",
            "not read (the program is not a file on disk): weights are shapes "
            "without values");
        return;
    }
    fs::path combined;
    if (modelPath.filename() == "__model__" && fs::is_regular_file(dir / "__params__", ec))
        combined = dir / "__params__";
    else if (modelPath.extension() == ".pdmodel"
        && fs::is_regular_file(fs::path(modelPath).replace_extension(".pdiparams"), ec))
        combined = fs::path(modelPath).replace_extension(".pdiparams");

    auto attach = [&](const std::shared_ptr<Tensor>& weight, const std::shared_ptr<const MappedFile>& file,
                      const PaddleTensorRecord& r) {
        Tensor& t = *weight;
        const std::string what = file->path().string() + ": weight '" + t.name + "'";
        if (r.dataType != t.dataType)
            throw Error(what + " is stored as " + std::string(dataTypeName(r.dataType)) + " but the program says "
                + std::string(dataTypeName(t.dataType)));
        // The program may leave a dimension unknown (-1); the stored one rules.
        bool fits = r.dims.size() == t.dims.size();
        for (std::size_t k = 0; fits && k < r.dims.size(); ++k)
            fits = t.dims[k] < 0 || t.dims[k] == r.dims[k];
        if (!fits)
            throw Error(what + " is stored with another shape than the program gives it");
        t.dims = r.dims;
        t.data = std::make_shared<MappedTensorData>(FileRegion { file, r.offset, r.length });
        doc.records.push_back({ weight, t.data, t.name, file, r.dataType, r.dims, r.start, r.offset, r.length });
    };

    if (!combined.empty()) {
        const auto file = MappedFile::open(combined);
        std::sort(weights.begin(), weights.end(), [](const auto& a, const auto& b) { return a->name < b->name; });
        std::uint64_t pos = 0;
        for (const auto& t : weights) {
            PaddleTensorRecord r;
            try {
                r = readPaddleTensor(file->bytes(), pos);
            } catch (const Error& e) {
                throw Error(combined.string() + ": weight '" + t->name + "': " + e.what());
            }
            attach(t, file, r);
        }
        if (pos != file->size())
            throw Error(combined.string() + ": " + std::to_string(file->size() - pos)
                + " bytes follow the last weight; the parameters do not match the program");
        model.metadata.emplace_back("parameters", combined.filename().string());
        doc.layout = PaddleDocument::Layout::Combined;
        return;
    }
    std::size_t found = 0;
    for (const auto& t : weights) {
        const fs::path p = dir / t->name;
        if (t->name.find('/') != std::string::npos || !fs::is_regular_file(p, ec))
            continue;
        const auto file = MappedFile::open(p);
        std::uint64_t pos = 0;
        PaddleTensorRecord r;
        try {
            r = readPaddleTensor(file->bytes(), pos);
        } catch (const Error& e) {
            throw Error(p.string() + ": " + e.what());
        }
        attach(t, file, r);
        ++found;
    }
    if (found > 0)
        doc.layout = PaddleDocument::Layout::PerWeight;
    if (found == weights.size())
        model.metadata.emplace_back("parameters", "one file per weight");
    else if (found == 0)
        model.metadata.emplace_back("parameters",
            "not found beside the model (no __params__, .pdiparams or per-weight files): weights are shapes "
            "without values");
    else
        model.metadata.emplace_back("parameters",
            std::to_string(found) + " of " + std::to_string(weights.size())
                + " weights found as files beside the model; the others are shapes without values");
}

std::unique_ptr<Model> Importer::run()
{
    const auto bytes = file_->bytes();
    if (bytes.size() > INT_MAX)
        fail("a Paddle program larger than 2 GB cannot be a protobuf message");
    if (!program_.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
        fail("not a PaddlePaddle program: the bytes are not a valid ProgramDesc protobuf message");
    if (program_.blocks_size() == 0)
        fail("the PaddlePaddle program has no blocks");
    auto model = std::make_unique<Model>();
    model->format = "paddle";
    model->sourcePath = file_->path();
    model->producerName = "PaddlePaddle";
    if (program_.has_version()) {
        const std::int64_t v = program_.version().version();
        model->irVersion = v;
        // Paddle encodes its release as major * 1e6 + minor * 1e3 + patch.
        if (v > 0)
            model->producerVersion
                = std::to_string(v / 1000000) + "." + std::to_string(v / 1000 % 1000) + "." + std::to_string(v % 1000);
    }
    std::string opVersions;
    for (const auto& pair : program_.op_version_map().pair())
        opVersions
            += (opVersions.empty() ? "" : ", ") + pair.op_name() + " " + std::to_string(pair.op_version().version());
    if (!opVersions.empty())
        model->metadata.emplace_back("op versions", opVersions);
    model->graph->name = "block 0";
    buildBlock(*model->graph, 0, 0);
    auto doc = std::make_shared<PaddleDocument>();
    doc->program = file_;
    loadParameters(*model, *doc);
    model->native = std::move(doc);
    return model;
}

} // namespace

std::unique_ptr<Model> importPaddle(std::shared_ptr<const MappedFile> program)
{
    return Importer(std::move(program)).run();
}

} // namespace nodus
