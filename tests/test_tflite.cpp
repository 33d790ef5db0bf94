// TensorFlow Lite: every corpus file opens as "tflite" with the counts,
// op types, shapes and attributes worked out independently (a separate
// Python walk of the same FlatBuffers, written from schema.fbs, not using
// this reader); `nodus-cli info` names the format; truncated and bit-flipped
// copies give errors naming the file, never a crash; an unedited model saves
// byte for byte and an edited weight survives a save and reopen with every
// other byte kept.
#include "damagedcopies.h"
#include "testsupport.h"

#include "edit/commands.h"
#include "formats/formatregistry.h"
#include "formats/tflite/tflite_schema.h"
#include "formats/tflite/tfliteformat.h"
#include "ir/model.h"
#include "ir/modelcompare.h"
#include "ir/modelsummary.h"
#include "ir/opmetadata.h"
#include "ir/ownedtensordata.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <set>

using namespace nodus;

namespace {

using test::readAll;
using test::writeFile;

struct Expectation {
    std::size_t nodes = 0;
    std::size_t tensors = 0; // constant buffers
    std::uint64_t parameters = 0;
    std::size_t inputs = 0;
    std::size_t outputs = 0;
    std::string opTypes; // sorted, comma-separated
    std::string producer;
};

// From a Python walk of each file's FlatBuffer (vtables read by hand from
// schema.fbs's field order): operators, tensors whose buffer holds data and
// their element counts, subgraph inputs and outputs, operator codes.
const std::map<std::string, Expectation>& expectations()
{
    static const std::map<std::string, Expectation> table = {
        { "add.tflite", { 1, 1, 4, 1, 1, "Add", "MLIR Converted." } },
        { "conv.tflite", { 1, 2, 40, 1, 1, "Conv2D", "MLIR Converted." } },
        { "inception_v1_quant.tflite", { 1, 2, 4640, 1, 1, "Conv2D", "MLIR Converted." } },
        { "mnist.tflite",
            { 7, 8, 7658, 1, 1, "Conv2D,DepthwiseConv2D,FullyConnected,MaxPool2D,Softmax", "TOCO Converted." } },
        { "one_hot.tflite", { 1, 3, 3, 1, 1, "OneHot", "TOCO Converted." } },
        { "split.tflite", { 1, 1, 1, 1, 2, "Split", "TOCO Converted." } },
        { "strided_slice.tflite", { 1, 3, 9, 1, 1, "StridedSlice", "MLIR Converted." } },
        { "tf2onnx_regression_model.tflite", { 2, 2, 2, 1, 1, "Add,Mul", "MLIR Converted." } },
        { "topk_v2.tflite", { 1, 1, 1, 1, 1, "TopKV2", "MLIR Converted." } },
    };
    return table;
}

std::vector<std::filesystem::path> tfliteFiles()
{
    return test::corpusFiles("tflite", { ".tflite" });
}

const Tensor* initializer(const Model& m, const std::string& name)
{
    for (const auto& t : m.graph->initializers)
        if (t->name == name)
            return t.get();
    return nullptr;
}

const Attribute* attr(const Node& n, const std::string& name)
{
    for (const auto& a : n.attributes)
        if (a.name == name)
            return &a;
    return nullptr;
}

float floatAt(const std::string& bytes, std::size_t offset)
{
    float v;
    std::memcpy(&v, bytes.data() + offset, 4);
    return v;
}

// A FlatBuffer written front to back (each object's children after it, as
// uoffsets require; vtables just before their tables), without alignment,
// which TFLite's readers never rely on. Enough to build models the corpus
// lacks: control flow, strings, dynamic shapes, custom ops, buffers outside
// the FlatBuffer.
struct Fb;
using FbPtr = std::shared_ptr<const Fb>;
struct FbField {
    int slot = 0;
    int width = 0; // scalars: 1, 4 or 8 bytes; 0: an offset to `child`
    std::uint64_t value = 0;
    FbPtr child;
};
struct Fb {
    enum Kind { Table, Tables, Bytes } kind = Bytes;
    std::vector<FbField> fields;
    std::vector<FbPtr> items;
    std::string bytes;
    std::uint32_t count = 0;
};

FbPtr table(std::vector<FbField> fields)
{
    auto n = std::make_shared<Fb>();
    n->kind = Fb::Table;
    n->fields = std::move(fields);
    return n;
}
FbPtr tables(std::vector<FbPtr> items)
{
    auto n = std::make_shared<Fb>();
    n->kind = Fb::Tables;
    n->items = std::move(items);
    return n;
}
template <typename T> FbPtr scalars(const std::vector<T>& values)
{
    auto n = std::make_shared<Fb>();
    n->count = static_cast<std::uint32_t>(values.size());
    n->bytes.resize(values.size() * sizeof(T));
    if (!values.empty())
        std::memcpy(n->bytes.data(), values.data(), n->bytes.size());
    return n;
}
FbPtr text(const std::string& s)
{
    auto n = scalars(std::vector<char>(s.begin(), s.end()));
    const_cast<Fb&>(*n).bytes.push_back('\0');
    return n;
}
FbField scalar(int slot, int width, std::uint64_t value)
{
    return { slot, width, value, nullptr };
}
FbField ref(int slot, FbPtr child)
{
    return { slot, 0, 0, std::move(child) };
}

void put(std::string& out, std::uint64_t at, std::uint64_t value, int width)
{
    std::memcpy(out.data() + at, &value, static_cast<std::size_t>(width));
}
void append(std::string& out, std::uint64_t value, int width)
{
    out.append(static_cast<std::size_t>(width), '\0');
    put(out, out.size() - static_cast<std::size_t>(width), value, width);
}

std::uint64_t place(std::string& out, const Fb& n)
{
    if (n.kind == Fb::Bytes) {
        const std::uint64_t at = out.size();
        append(out, n.count, 4);
        out += n.bytes;
        return at;
    }
    if (n.kind == Fb::Tables) {
        const std::uint64_t at = out.size();
        append(out, n.items.size(), 4);
        out.append(4 * n.items.size(), '\0');
        for (std::size_t k = 0; k < n.items.size(); ++k) {
            const std::uint64_t slot = at + 4 + 4 * k;
            put(out, slot, place(out, *n.items[k]) - slot, 4);
        }
        return at;
    }
    int slotCount = 0;
    for (const auto& f : n.fields)
        slotCount = std::max(slotCount, f.slot + 1);
    std::vector<std::uint16_t> offsets(static_cast<std::size_t>(slotCount), 0);
    std::uint16_t size = 4;
    for (const auto& f : n.fields) {
        offsets[static_cast<std::size_t>(f.slot)] = size;
        size = static_cast<std::uint16_t>(size + (f.width ? f.width : 4));
    }
    const std::uint64_t vtable = out.size();
    append(out, 4 + 2 * static_cast<std::uint64_t>(slotCount), 2);
    append(out, size, 2);
    for (const auto o : offsets)
        append(out, o, 2);
    const std::uint64_t at = out.size();
    append(out, at - vtable, 4);
    for (const auto& f : n.fields)
        append(out, f.value, f.width ? f.width : 4);
    for (const auto& f : n.fields)
        if (!f.width) {
            const std::uint64_t field = at + offsets[static_cast<std::size_t>(f.slot)];
            put(out, field, place(out, *f.child) - field, 4);
        }
    return at;
}

std::string flatbuffer(const FbPtr& root)
{
    std::string out(4, '\0');
    out += "TFL3";
    put(out, 0, place(out, *root), 4);
    return out;
}

FbPtr tensor(const std::string& name, int type, std::vector<std::int32_t> shape, std::uint32_t buffer = 0,
    std::vector<std::int32_t> signature = {})
{
    std::vector<FbField> f = { ref(0, scalars(shape)), scalar(1, 1, static_cast<std::uint64_t>(type)),
        scalar(2, 4, buffer), ref(3, text(name)) };
    if (!signature.empty())
        f.push_back(ref(7, scalars(signature)));
    return table(std::move(f));
}

FbPtr op(std::uint32_t opcode, std::vector<std::int32_t> inputs, std::vector<std::int32_t> outputs, int optionsType = 0,
    FbPtr options = nullptr)
{
    std::vector<FbField> f = { scalar(0, 4, opcode), ref(1, scalars(inputs)), ref(2, scalars(outputs)) };
    if (options) {
        f.push_back(scalar(3, 1, static_cast<std::uint64_t>(optionsType)));
        f.push_back(ref(4, options));
    }
    return table(std::move(f));
}

FbPtr graph(const std::string& name, std::vector<FbPtr> tensors, std::vector<std::int32_t> inputs,
    std::vector<std::int32_t> outputs, std::vector<FbPtr> ops)
{
    return table({ ref(0, tables(std::move(tensors))), ref(1, scalars(inputs)), ref(2, scalars(outputs)),
        ref(3, tables(std::move(ops))), ref(4, text(name)) });
}

FbPtr dataBuffer(const std::string& bytes)
{
    return table({ ref(0, scalars(std::vector<char>(bytes.begin(), bytes.end()))) });
}

std::string floats(std::vector<float> v)
{
    return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4);
}

// A model with what the corpus lacks. `external` is where the last buffer's
// bytes lie (after the FlatBuffer); `opcodeOfCustom` lets a test break an index.
std::string syntheticModel(std::uint64_t external, std::uint32_t opcodeOfCustom = 2)
{
    constexpr int f32 = 0, i32 = 2, str = 5, boolean = 6;
    // String tensor buffer: count, count + 1 offsets, then the bytes.
    std::string strings;
    for (const std::int32_t v : { 2, 16, 18, 19 })
        strings.append(reinterpret_cast<const char*>(&v), 4);
    strings += "abc";
    auto custom = std::make_shared<Fb>(*op(opcodeOfCustom, { 2, 1, -1 }, { 6 }));
    custom->fields.push_back(ref(5, scalars(std::vector<std::uint8_t> { 1, 2, 3 })));
    const auto main = graph("main",
        { tensor("x", f32, { 1, 4 }, 0, { -1, 4 }), tensor("w", f32, { 4 }, 1), tensor("y", f32, { 1, 4 }),
            tensor("names", str, { 2 }, 2), tensor("big", f32, { 2 }, 3), tensor("w", f32, { 4 }, 1),
            tensor("z", f32, { 1, 4 }) },
        { 0 }, { 2, 6 }, { op(0, { 0 }, { 2 }, 93, table({ scalar(0, 4, 1), scalar(1, 4, 2) })), custom });
    const auto cond = graph(
        "cond", { tensor("a", f32, { 1, 4 }), tensor("c", boolean, {}) }, { 0 }, { 1 }, { op(3, { 0, 0 }, { 1 }) });
    const auto body
        = graph("body", { tensor("a", f32, { 1, 4 }), tensor("w2", f32, { 4 }, 4), tensor("b", f32, { 1, 4 }) }, { 0 },
            { 2 }, { op(1, { 0, 1 }, { 2 }, 11, table({ scalar(0, 1, 3) })) });
    // Refers to itself and to the main graph: neither can hang off it.
    const auto loop = graph("unused", { tensor("i", i32, {}) }, { 0 }, { 0 },
        { op(0, { 0 }, { 0 }, 93, table({ scalar(0, 4, 3), scalar(1, 4, 0) })) });
    const auto codes = tables(
        { table({ scalar(0, 1, 119), scalar(2, 4, 1), scalar(3, 4, 119) }), table({ scalar(0, 1, 0), scalar(2, 4, 2) }),
            table({ scalar(0, 1, 32), ref(1, text("MyOp")) }), table({ scalar(0, 1, 58) }) });
    const auto buffers = tables({ table({}), dataBuffer(floats({ 1, 2, 3, 4 })), dataBuffer(strings),
        table({ scalar(1, 8, external), scalar(2, 8, 8) }), dataBuffer(floats({ 5, 6, 7, 8 })),
        dataBuffer(std::string("2.3.0\0\0\0", 8)) });
    const auto signature = table({ ref(0, tables({ table({ ref(0, text("input")), scalar(1, 4, 0) }) })),
        ref(1, tables({ table({ ref(0, text("output")), scalar(1, 4, 2) }) })), ref(2, text("serving_default")),
        scalar(4, 4, 0) });
    return flatbuffer(
        table({ scalar(0, 4, 3), ref(1, codes), ref(2, tables({ main, cond, body, loop })), ref(3, text("synthetic")),
            ref(4, buffers), ref(6, tables({ table({ ref(0, text("min_runtime_version")), scalar(1, 4, 5) }) })),
            ref(7, tables({ signature })) }));
}

// The synthetic model with its external buffer (floats 9, 10) after the FlatBuffer.
std::string syntheticFile(std::uint32_t opcodeOfCustom = 2)
{
    const std::uint64_t size = syntheticModel(0, opcodeOfCustom).size();
    std::string bytes = syntheticModel(size, opcodeOfCustom);
    bytes += floats({ 9, 10 });
    return bytes;
}

} // namespace

class TestTflite : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    test::DamageCounts damage_;

    std::filesystem::path out(const std::string& name) const
    {
        return std::filesystem::path(tmp_.path().toStdString()) / name;
    }

    std::unique_ptr<Model> open(const std::string& name)
    {
        return FormatRegistry::instance().open(test::corpusDir() / "tflite" / name);
    }

    void attempt(const std::vector<std::byte>& bytes, const std::string& label, bool mustFail)
    {
        test::tryDamagedCopy(TfliteFormat(), bytes, label, mustFail, out("robust.tflite"), true, damage_);
    }

private slots:
    void initTestCase() { QVERIFY(tmp_.isValid()); }

    void registry()
    {
        const Format* f = FormatRegistry::instance().byName("tflite");
        QVERIFY(f);
        QCOMPARE(std::string(f->displayName()), std::string("TensorFlow Lite model"));
        QCOMPARE(std::string(f->mimeType()), std::string("application/x-tflite"));
        QCOMPARE(f->extensions(), (std::vector<std::string> { ".tflite", ".lite" }));
        QVERIFY(f->can(Format::Read) && f->can(Format::Write) && f->can(Format::ExportOnnx));
        const auto magic = f->magic();
        QCOMPARE(magic.size(), std::size_t(1));
        QCOMPARE(magic[0].offset, std::uint64_t(4));
        QCOMPARE(magic[0].bytes, std::string("TFL3"));
        QCOMPARE(FormatRegistry::instance().byExtension("x.lite"), f);
    }

    void opNames()
    {
        QCOMPARE(tflite::opTypeName(3), std::string("Conv2D"));
        QCOMPARE(tflite::opTypeName(4), std::string("DepthwiseConv2D"));
        QCOMPARE(tflite::opTypeName(9), std::string("FullyConnected"));
        QCOMPARE(tflite::opTypeName(1), std::string("AveragePool2D"));
        QCOMPARE(tflite::opTypeName(20), std::string("ReluN1To1"));
        QCOMPARE(tflite::opTypeName(21), std::string("Relu6"));
        QCOMPARE(tflite::opTypeName(44), std::string("UnidirectionalSequenceLSTM"));
        QCOMPARE(tflite::opTypeName(37), std::string("BatchToSpaceND"));
        QCOMPARE(tflite::opTypeName(48), std::string("TopKV2"));
        QCOMPARE(tflite::opTypeName(126), std::string("BatchMatMul"));
        QCOMPARE(tflite::opTypeName(119), std::string("While"));
        QCOMPARE(tflite::opTypeName(9999), std::string("BuiltinOperator9999"));
        QCOMPARE(tflite::builtinOptions(1)->name, std::string_view("Conv2DOptions"));
        QCOMPARE(tflite::builtinOptions(61)->name, std::string_view("OneHotOptions"));
        QCOMPARE(tflite::builtinOptions(93)->name, std::string_view("WhileOptions"));
        QVERIFY(!tflite::builtinOptions(0));
    }

    void metadata()
    {
        const OpMetadata& meta = FormatRegistry::instance().opMetadataFor("tflite");
        QCOMPARE(std::string(meta.category("", "Conv2D")), std::string("Layer"));
        QCOMPARE(std::string(meta.category("", "DepthwiseConv2D")), std::string("Layer"));
        QCOMPARE(std::string(meta.category("", "FullyConnected")), std::string("Layer"));
        QCOMPARE(std::string(meta.category("", "MaxPool2D")), std::string("Pool"));
        QCOMPARE(std::string(meta.category("", "AveragePool2D")), std::string("Pool"));
        QCOMPARE(std::string(meta.category("", "Relu6")), std::string("Activation"));
        QCOMPARE(std::string(meta.category("", "Logistic")), std::string("Activation"));
        QCOMPARE(std::string(meta.category("", "Softmax")), std::string("Activation"));
        QCOMPARE(std::string(meta.category("", "Reshape")), std::string("Shape"));
        QCOMPARE(std::string(meta.category("", "Concatenation")), std::string("Tensor"));
        QCOMPARE(std::string(meta.category("", "L2Normalization")), std::string("Normalization"));
        QCOMPARE(std::string(meta.category("", "Dequantize")), std::string("Quantization"));
        const OpInfo* conv = meta.find("", "Conv2D");
        QVERIFY(conv && conv->attribute("dilation_w_factor"));
        QCOMPARE(conv->attribute("dilation_w_factor")->defaultText, std::string("1"));
        QCOMPARE(conv->attribute("fused_activation_function")->defaultText, std::string("'NONE'"));
    }

    void open_data()
    {
        QTest::addColumn<QString>("file");
        for (const auto& f : tfliteFiles())
            QTest::newRow(f.filename().string().c_str()) << QString::fromStdString(f.string());
    }

    void open()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QFETCH(QString, file);
        const std::filesystem::path path = file.toStdString();
        const auto it = expectations().find(path.filename().string());
        QVERIFY2(it != expectations().end(), "a corpus file without expectations: add it");
        const Expectation& e = it->second;
        std::unique_ptr<Model> m;
        try {
            m = FormatRegistry::instance().open(path);
        } catch (const std::exception& ex) {
            QFAIL(ex.what());
        }
        QCOMPARE(m->format, std::string("tflite"));
        QCOMPARE(m->producerName, e.producer);
        QCOMPARE(m->graph->nodes().size(), e.nodes);
        QCOMPARE(m->tensorCount(), e.tensors);
        QCOMPARE(m->parameterCount(), e.parameters);
        QCOMPARE(m->graph->realInputs().size(), e.inputs);
        QCOMPARE(m->graph->outputs.size(), e.outputs);
        std::set<std::string> ops;
        for (const auto& n : m->graph->nodes())
            ops.insert(n->opType);
        std::string joined;
        for (const auto& o : ops)
            joined += (joined.empty() ? "" : ",") + o;
        QCOMPARE(joined, e.opTypes);
        QVERIFY(m->functions.empty());
        // Every stored tensor is a view of the file, with the byte count its type and shape need.
        for (const auto& t : m->graph->initializers) {
            QVERIFY2(t->isMapped(), t->name.c_str());
            QCOMPARE(t->data->size(), t->expectedBytes().value_or(0));
        }
        bool runtimeVersion = false;
        for (const auto& [k, v] : m->metadata)
            if (k == "min_runtime_version")
                runtimeVersion = !v.empty() && v.find('.') != std::string::npos;
        QVERIFY(runtimeVersion);
    }

    void mnistGraph()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto m = open("mnist.tflite");
        const auto& nodes = m->graph->nodes();
        const std::vector<std::string> order
            = { "DepthwiseConv2D", "MaxPool2D", "Conv2D", "MaxPool2D", "FullyConnected", "FullyConnected", "Softmax" };
        QCOMPARE(nodes.size(), order.size());
        for (std::size_t k = 0; k < order.size(); ++k)
            QCOMPARE(nodes[k]->opType, order[k]);

        const Node& dw = *nodes[0];
        QCOMPARE(dw.name, std::string("sequential/conv2d/Relu"));
        QCOMPARE(attr(dw, "padding")->s, std::string("VALID"));
        QCOMPARE(attr(dw, "stride_w")->i, std::int64_t(1));
        QCOMPARE(attr(dw, "depth_multiplier")->i, std::int64_t(12));
        QCOMPARE(attr(dw, "fused_activation_function")->s, std::string("RELU"));
        QCOMPARE(attr(dw, "dilation_h_factor")->i, std::int64_t(1));
        QCOMPARE(dw.inputs().size(), std::size_t(3));
        QCOMPARE(dw.inputs()[0]->name(), std::string("conv2d_input"));
        QCOMPARE(dw.inputs()[0]->type.toString(), std::string("float32[1,28,28,1]"));
        QCOMPARE(dw.outputs()[0]->type.toString(), std::string("float32[1,26,26,12]"));

        const Node& pool = *nodes[1];
        QCOMPARE(attr(pool, "filter_width")->i, std::int64_t(2));
        QCOMPARE(attr(pool, "stride_h")->i, std::int64_t(2));
        QCOMPARE(attr(pool, "padding")->s, std::string("VALID"));
        QCOMPARE(nodes[4]->outputs()[0]->type.toString(), std::string("float32[1,20]"));
        QCOMPARE(attr(*nodes[6], "beta")->f, 1.0);
        QCOMPARE(nodes[6]->outputs()[0]->name(), std::string("Identity"));
        QVERIFY(m->graph->isOutput(nodes[6]->outputs()[0]));

        // The dense weight lies at byte 6940 of the file (buffer 6, 24000 bytes).
        const Tensor* w = initializer(*m, "sequential/dense/MatMul/ReadVariableOp/transpose");
        QVERIFY(w);
        QCOMPARE(w->dims, (std::vector<std::int64_t> { 20, 300 }));
        QCOMPARE(w->data->region()->offset, std::uint64_t(6940));
        QCOMPARE(w->data->size(), std::uint64_t(24000));
        const std::string bytes = readAll(test::corpusDir() / "tflite" / "mnist.tflite");
        float first;
        std::memcpy(&first, w->data->bytes().data(), 4);
        QCOMPARE(first, floatAt(bytes, 6940));
        // The input's recorded range ([0, 255]) is shown.
        QVERIFY(QString::fromStdString(m->graph->inputs[0]->docString).contains("max [255]"));
    }

    void quantized()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto m = open("inception_v1_quant.tflite");
        const Value* in = m->graph->inputs.at(0);
        QCOMPARE(in->type.toString(), std::string("uint8[1,28,28,16]"));
        QVERIFY2(QString::fromStdString(in->docString).contains("scale = 0.0078125"), in->docString.c_str());
        QVERIFY(QString::fromStdString(in->docString).contains("zero point = 127"));
        const Node& conv = *m->graph->nodes().at(0);
        const Value* w = conv.inputs().at(1);
        QVERIFY(w->initializer);
        QCOMPARE(w->initializer->dataType, DataType::UInt8);
        QCOMPARE(w->initializer->dims, (std::vector<std::int64_t> { 32, 3, 3, 16 }));
        QCOMPARE(w->initializer->data->region()->offset, std::uint64_t(588));
        QVERIFY(QString::fromStdString(w->initializer->docString).contains("zero point = 77"));
        const Value* bias = conv.inputs().at(2);
        QCOMPARE(bias->initializer->dataType, DataType::Int32);
        QCOMPARE(bias->initializer->data->size(), std::uint64_t(128));
    }

    void scalarsAndMultipleOutputs()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto r = open("tf2onnx_regression_model.tflite");
        // Shape [] is a scalar: rank known, no dims.
        const Tensor* w = initializer(*r, "W");
        QVERIFY(w);
        QVERIFY(w->dims.empty());
        QCOMPARE(r->graph->inputs.at(0)->type.toString(), std::string("float32[]"));
        const auto s = open("split.tflite");
        const Node& split = *s->graph->nodes().at(0);
        QCOMPARE(split.outputs().size(), std::size_t(2));
        QCOMPARE(attr(split, "num_splits")->i, std::int64_t(2));
        const auto t = open("topk_v2.tflite");
        QCOMPARE(t->graph->nodes().at(0)->outputs().at(1)->type.toString(), std::string("int32[2,2,3]"));
        const auto o = open("one_hot.tflite");
        QCOMPARE(attr(*o->graph->nodes().at(0), "axis")->i, std::int64_t(-1));
    }

    void cliInfo()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto cli = test::binaryDir() / "app" / "nodus-cli";
        if (!std::filesystem::exists(cli))
            QSKIP("nodus-cli is not built");
        QProcess p;
        p.start(QString::fromStdString(cli.string()),
            { "info", "--json", QString::fromStdString((test::corpusDir() / "tflite" / "mnist.tflite").string()) });
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        const auto doc = QJsonDocument::fromJson(p.readAllStandardOutput().trimmed());
        QCOMPARE(doc["format"].toString(), QString("tflite"));
        QCOMPARE(doc["graph"].toObject()["nodes"].toInt(), 7);
        QCOMPARE(doc["parameters"].toInt(), 7658);
    }

    void roundTrip_data() { open_data(); }

    void roundTrip()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QFETCH(QString, file);
        const std::filesystem::path path = file.toStdString();
        const auto target = out("copy_" + path.filename().string());
        auto a = FormatRegistry::instance().open(path);
        FormatRegistry::instance().save(*a, target);
        QVERIFY2(readAll(path) == readAll(target), "an unedited save differs from the original");
        auto b = FormatRegistry::instance().open(target);
        const auto diffs = compareModels(*a, *b);
        QVERIFY2(diffs.empty(), diffs.empty() ? "" : diffs.front().c_str());
    }

    void editedWeightSurvives()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto source = test::corpusDir() / "tflite" / "mnist.tflite";
        const std::string name = "sequential/dense_1/MatMul/ReadVariableOp/transpose";
        auto model = FormatRegistry::instance().open(source);
        QVERIFY(canSaveEdit(*model, EditKind::TensorValues));
        QVERIFY(!canSaveEdit(*model, EditKind::TensorType));
        QVERIFY(!canSaveEdit(*model, EditKind::Names));
        QVERIFY_THROWS_EXCEPTION(EditRefused, castTensor(name, DataType::Double)->apply(*model));

        auto edit = setTensorElements(name, { { 0, "1.5" }, { 199, "-2.25" } });
        edit->apply(*model);
        const auto target = out("mnist_edited.tflite");
        FormatRegistry::instance().save(*model, target);

        const auto reopened = FormatRegistry::instance().open(target);
        const Tensor* w = initializer(*reopened, name);
        QVERIFY(w);
        float v0, v199;
        std::memcpy(&v0, w->data->bytes().data(), 4);
        std::memcpy(&v199, w->data->bytes().data() + 199 * 4, 4);
        QCOMPARE(v0, 1.5f);
        QCOMPARE(v199, -2.25f);
        // Byte for byte, only those two elements differ.
        const std::string before = readAll(source);
        const std::string after = readAll(target);
        QCOMPARE(after.size(), before.size());
        const std::uint64_t at = w->data->region()->offset;
        std::vector<std::size_t> differing;
        for (std::size_t k = 0; k < before.size(); ++k)
            if (before[k] != after[k])
                differing.push_back(k);
        QVERIFY(!differing.empty());
        for (const std::size_t k : differing)
            QVERIFY2((k >= at && k < at + 4) || (k >= at + 199 * 4 && k < at + 200 * 4),
                qPrintable(QString("byte %1 changed outside the edited elements").arg(k)));
        const auto diffs = compareModels(*FormatRegistry::instance().open(source), *reopened);
        QCOMPARE(diffs.size(), std::size_t(1));

        // Undone, the model saves as the original again.
        edit->revert(*model);
        FormatRegistry::instance().save(*model, out("mnist_reverted.tflite"));
        QVERIFY(readAll(out("mnist_reverted.tflite")) == before);
    }

    void refusedSave()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        auto model = open("conv.tflite");
        auto& t = model->graph->initializers.front();
        t->dims.push_back(1);
        QVERIFY_THROWS_EXCEPTION(Error, FormatRegistry::instance().save(*model, out("bad.tflite")));
        t->dims.pop_back();
        t->data = std::make_shared<OwnedTensorData>(std::vector<std::byte>(3));
        try {
            FormatRegistry::instance().save(*model, out("bad.tflite"));
            QFAIL("a tensor of the wrong size was saved");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains(QString::fromStdString(t->name)), e.what());
        }
        QVERIFY(!std::filesystem::exists(out("bad.tflite")));
    }

    void synthetic()
    {
        const auto path = out("synthetic.tflite");
        const std::string bytes = syntheticFile();
        writeFile(path, bytes);
        std::unique_ptr<Model> m;
        try {
            m = FormatRegistry::instance().open(path);
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
        QCOMPARE(m->format, std::string("tflite"));
        QCOMPARE(m->producerName, std::string("synthetic"));
        const Graph& g = *m->graph;
        QCOMPARE(g.nodes().size(), std::size_t(2));
        QCOMPARE(g.inputs.at(0)->type.toString(), std::string("float32[?,4]"));

        // WHILE: its cond and body hang off the node; the subgraph that
        // refers to itself and to main is a function with only its indices.
        const Node& loop = *g.nodes()[0];
        QCOMPARE(loop.opType, std::string("While"));
        QCOMPARE(attr(loop, "cond_subgraph_index")->i, std::int64_t(1));
        QCOMPARE(attr(loop, "body_subgraph")->graphs.at(0)->name, std::string("body"));
        const Graph& cond = *attr(loop, "cond_subgraph")->graphs.at(0);
        QCOMPARE(cond.nodes().at(0)->opType, std::string("Less"));
        QCOMPARE(cond.outputs.at(0)->type.toString(), std::string("bool[]"));
        const Graph& body = *attr(loop, "body_subgraph")->graphs.at(0);
        QCOMPARE(attr(*body.nodes().at(0), "fused_activation_function")->s, std::string("RELU6"));
        QCOMPARE(body.initializers.at(0)->name, std::string("w2"));
        QCOMPARE(g.subgraphCount(), std::size_t(2));
        QCOMPARE(m->functions.size(), std::size_t(1));
        QCOMPARE(m->functions[0].name, std::string("unused"));
        const Node& selfLoop = *m->functions[0].graph->nodes().at(0);
        QVERIFY(!attr(selfLoop, "cond_subgraph") && !attr(selfLoop, "body_subgraph"));
        QCOMPARE(attr(selfLoop, "cond_subgraph_index")->i, std::int64_t(3));

        // A custom op, a left-out optional input, custom options as bytes.
        const Node& custom = *g.nodes()[1];
        QCOMPARE(custom.opType, std::string("MyOp"));
        QCOMPARE(custom.inputs().size(), std::size_t(3));
        QVERIFY(custom.inputs()[2] == nullptr);
        QCOMPARE(attr(custom, "custom_options")->tensors.at(0)->data->size(), std::uint64_t(3));

        // Strings, a repeated name, a buffer after the FlatBuffer.
        const Tensor* names = initializer(*m, "names");
        QVERIFY(names);
        QCOMPARE(names->strings, (std::vector<std::string> { "ab", "c" }));
        QVERIFY(initializer(*m, "w") && initializer(*m, "w_5"));
        const Tensor* big = initializer(*m, "big");
        QCOMPARE(big->data->region()->offset, std::uint64_t(bytes.size() - 8));
        float v;
        std::memcpy(&v, big->data->bytes().data() + 4, 4);
        QCOMPARE(v, 10.0f);

        std::map<std::string, std::string> meta(m->metadata.begin(), m->metadata.end());
        QCOMPARE(meta["min_runtime_version"], std::string("2.3.0"));
        QCOMPARE(meta["schema_version"], std::string("3"));
        QVERIFY(QString::fromStdString(meta["signature.serving_default"]).contains("input = tensor 0"));

        // Saving: a buffer two tensors share takes only the same values...
        tensorArithmetic("w", TensorOp::Scale, 2)->apply(*m);
        QVERIFY_THROWS_EXCEPTION(Error, FormatRegistry::instance().save(*m, out("shared.tflite")));
        tensorArithmetic("w_5", TensorOp::Scale, 2)->apply(*m);
        // ...and a buffer outside the FlatBuffer is patched where it lies.
        tensorArithmetic("big", TensorOp::Add, 1)->apply(*m);
        FormatRegistry::instance().save(*m, out("shared.tflite"));
        const auto r = FormatRegistry::instance().open(out("shared.tflite"));
        std::memcpy(&v, initializer(*r, "w_5")->data->bytes().data() + 12, 4);
        QCOMPARE(v, 8.0f);
        std::memcpy(&v, initializer(*r, "big")->data->bytes().data(), 4);
        QCOMPARE(v, 10.0f);
        QCOMPARE(readAll(out("shared.tflite")).size(), bytes.size());
    }

    void damagedIndex()
    {
        const auto path = out("bad_opcode.tflite");
        writeFile(path, syntheticFile(7));
        try {
            (void)FormatRegistry::instance().open(path);
            QFAIL("an operator with a missing operator code opened");
        } catch (const Error& e) {
            const QString what = e.what();
            QVERIFY2(
                what.contains(QString::fromStdString(path.string())) && what.contains("operator code 7"), e.what());
        }
    }

    void corrupted_data() { open_data(); }

    void corrupted()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QFETCH(QString, file);
        const std::string bytes = readAll(file.toStdString());
        std::vector<std::byte> original(bytes.size());
        std::memcpy(original.data(), bytes.data(), bytes.size());
        const std::string name = std::filesystem::path(file.toStdString()).filename().string();

        // FlatBuffers are written back to front: the root and the tables
        // come first, the constant buffers last, so every cut loses
        // something a table points at.
        for (int k = 0; k < 40; ++k) {
            const std::size_t cut = original.size() * k / 40;
            attempt({ original.begin(), original.begin() + cut }, name + " (truncated at " + std::to_string(cut) + ")",
                true);
        }
        std::mt19937_64 rng(std::hash<std::string> {}(name));
        for (int k = 0; k < 200; ++k) {
            std::vector<std::byte> copy = original;
            const int flips = 1 + k % 4;
            for (int f = 0; f < flips; ++f) {
                // Keep the identifier: a flip there only makes it another format.
                std::size_t at = rng() % copy.size();
                if (at >= 4 && at < 8)
                    at = 8 + rng() % (copy.size() - 8);
                copy[at] ^= std::byte(1u << (rng() % 8));
            }
            attempt(copy, name + " (bit flip " + std::to_string(k) + ")", false);
        }
    }

    void cleanupTestCase()
    {
        qInfo("damaged copies: %d opened and survived inspection and a save, %d refused with an error", damage_.opened,
            damage_.refused);
        if (!test::corpusDir().empty())
            QVERIFY(damage_.refused > 0);
    }
};

QTEST_GUILESS_MAIN(TestTflite)
#include "test_tflite.moc"
