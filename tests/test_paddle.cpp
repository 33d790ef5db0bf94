// PaddlePaddle (core/formats/paddle): the corpus MobileNet program, checked
// against facts read from it with a raw protobuf decoder in Python
// (88 ops: 27 batch_norm, 27 relu, 14 conv2d, 13 depthwise_conv2d, pool2d,
// mul, elementwise_add, softmax, scale, feed, fetch; 280 variables of which
// 137 persistable tensors holding 4,253,864 values), parameter files written
// here beside copies of it, synthetic programs with sub-blocks and every
// attribute type, what the sniffer must not claim, and damaged copies.
// Write-back: the fixtures of tools/gen_paddle_fixtures.py (a small CNN saved
// with combined and with per-weight parameters; the values were printed by
// the script from its numpy seed) opened, edited through the edit commands
// and nodus-cli, saved (beside, over the open files, into a folder), and
// reopened; refusals for what a save cannot keep.
#include "testsupport.h"

#include "edit/commands.h"
#include "formats/formatregistry.h"
#include "formats/paddle/paddle.pb.h"
#include "formats/paddle/paddleformat.h"
#include "ir/model.h"
#include "ir/opmetadata.h"
#include "ir/ownedtensordata.h"
#include "ir/tensorvalues.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>

using namespace nodus;
namespace fs = std::filesystem;

namespace {

using test::readAll;
using test::writeFile;

fs::path mobilenet()
{
    const auto dir = nodus::test::corpusDir();
    if (dir.empty())
        return {};
    const fs::path p = dir / "paddle" / "mobilenet_v1_fp32_224" / "__model__";
    return fs::exists(p) ? p : fs::path();
}

std::shared_ptr<Tensor> find(const Model& m, const std::string& name)
{
    for (const auto& t : m.graph->initializers)
        if (t->name == name)
            return t;
    return nullptr;
}

std::string meta(const Model& m, const std::string& key)
{
    for (const auto& [k, v] : m.metadata)
        if (k == key)
            return v;
    return "<missing>";
}

const Attribute* attr(const Node& n, const std::string& name)
{
    for (const auto& a : n.attributes)
        if (a.name == name)
            return &a;
    return nullptr;
}

// One LoDTensor stream as Paddle's save op writes it: float32 values
// base, base + 1, ... of `dims`.
std::string lodTensor(const std::vector<std::int64_t>& dims, float base, int lodLevels = 0)
{
    std::string out;
    auto put = [&](const auto& v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); };
    put(std::uint32_t(0));
    put(std::uint64_t(lodLevels));
    for (int k = 0; k < lodLevels; ++k) {
        put(std::uint64_t(16));
        put(std::uint64_t(0));
        put(std::uint64_t(1));
    }
    put(std::uint32_t(0));
    nodus::paddle::VarType::TensorDesc desc;
    desc.set_data_type(5);
    std::int64_t n = 1;
    for (auto d : dims) {
        desc.add_dims(d);
        n *= d;
    }
    const std::string d = desc.SerializeAsString();
    put(std::int32_t(d.size()));
    out += d;
    for (std::int64_t k = 0; k < n; ++k)
        put(base + float(k));
    return out;
}

std::unique_ptr<Model> openBytes(const std::string& bytes, const std::string& name)
{
    auto file = MappedFile::fromBytes(std::as_bytes(std::span(bytes)), name);
    return FormatRegistry::instance().open(FormatRegistry::probe(file));
}

nodus::paddle::VarDesc* addVar(
    nodus::paddle::BlockDesc* b, const std::string& name, std::vector<std::int64_t> dims, bool persistable)
{
    auto* v = b->add_vars();
    v->set_name(name);
    v->set_persistable(persistable);
    v->mutable_type()->set_type(7);
    auto* t = v->mutable_type()->mutable_lod_tensor()->mutable_tensor();
    t->set_data_type(5);
    for (auto d : dims)
        t->add_dims(d);
    return v;
}

nodus::paddle::OpDesc* addOp(nodus::paddle::BlockDesc* b, const std::string& type,
    std::vector<std::pair<std::string, std::string>> inputs, std::vector<std::pair<std::string, std::string>> outputs)
{
    auto* op = b->add_ops();
    op->set_type(type);
    for (const auto& [p, a] : inputs) {
        auto* v = op->add_inputs();
        v->set_parameter(p);
        v->add_arguments(a);
    }
    for (const auto& [p, a] : outputs) {
        auto* v = op->add_outputs();
        v->set_parameter(p);
        v->add_arguments(a);
    }
    return op;
}

// x -> fc(W, b) -> while { relu } -> y, with an attribute of every type.
std::string syntheticProgram()
{
    nodus::paddle::ProgramDesc program;
    program.mutable_version()->set_version(2004001);
    auto* pair = program.mutable_op_version_map()->add_pair();
    pair->set_op_name("fc");
    pair->mutable_op_version()->set_version(2);
    auto* b0 = program.add_blocks();
    b0->set_idx(0);
    b0->set_parent_idx(-1);
    addVar(b0, "feed", {}, true)->mutable_type()->set_type(9);
    addVar(b0, "fetch", {}, true)->mutable_type()->set_type(10);
    addVar(b0, "x", { -1, 4 }, false);
    addVar(b0, "W", { 4, 2 }, true);
    addVar(b0, "b", { 2 }, true);
    addVar(b0, "h", { -1, 2 }, false);
    addVar(b0, "y", { -1, 2 }, false);
    auto* feed = addOp(b0, "feed", { { "X", "feed" } }, { { "Out", "x" } });
    auto* col = feed->add_attrs();
    col->set_name("col");
    col->set_type(nodus::paddle::INT);
    col->set_i(0);
    auto* fc = addOp(b0, "fc", { { "Input", "x" }, { "W", "W" }, { "Bias", "b" } }, { { "Out", "h" } });
    auto add = [&](nodus::paddle::OpDesc* op, const std::string& name, nodus::paddle::AttrType type) {
        auto* a = op->add_attrs();
        a->set_name(name);
        a->set_type(type);
        return a;
    };
    add(fc, "in_num_col_dims", nodus::paddle::INT)->set_i(1);
    add(fc, "alpha", nodus::paddle::FLOAT)->set_f(0.5f);
    add(fc, "activation_type", nodus::paddle::STRING)->set_s("relu");
    auto* ints = add(fc, "ints", nodus::paddle::INTS);
    ints->add_ints(1);
    ints->add_ints(-2);
    auto* floats = add(fc, "floats", nodus::paddle::FLOATS);
    floats->add_floats(0.25f);
    auto* strings = add(fc, "strings", nodus::paddle::STRINGS);
    strings->add_strings("a");
    strings->add_strings("b");
    add(fc, "flag", nodus::paddle::BOOLEAN)->set_b(true);
    auto* bools = add(fc, "bools", nodus::paddle::BOOLEANS);
    bools->add_bools(true);
    bools->add_bools(false);
    add(fc, "big", nodus::paddle::LONG)->set_l(std::int64_t(1) << 40);
    auto* longs = add(fc, "longs", nodus::paddle::LONGS);
    longs->add_longs(-(std::int64_t(1) << 40));
    add(fc, "precise", nodus::paddle::FLOAT64)->set_float64(0.1);
    auto* loop = addOp(b0, "while", { { "X", "h" } }, { { "Out", "y" } });
    add(loop, "sub_block", nodus::paddle::BLOCK)->set_block_idx(1);
    auto* fetch = addOp(b0, "fetch", { { "X", "y" } }, { { "Out", "fetch" } });
    add(fetch, "col", nodus::paddle::INT)->set_i(0);
    auto* b1 = program.add_blocks();
    b1->set_idx(1);
    b1->set_parent_idx(0);
    addVar(b1, "r", { -1, 2 }, false);
    addOp(b1, "relu", { { "X", "h" } }, { { "Out", "r" } });
    return program.SerializeAsString();
}

fs::path fixtures()
{
    return nodus::test::sourceDir() / "tests" / "data" / "paddle";
}

// The fixture in one of its two layouts copied into `d`: the program to open.
fs::path copyFixture(const QString& layout, const fs::path& d)
{
    if (layout == "combined") {
        fs::copy_file(fixtures() / "inference.pdmodel", d / "inference.pdmodel");
        fs::copy_file(fixtures() / "inference.pdiparams", d / "inference.pdiparams");
        return d / "inference.pdmodel";
    }
    for (const char* f : { "__model__", "conv_w", "conv_b", "fc_w" })
        fs::copy_file(fixtures() / "perweight" / f, d / f);
    return d / "__model__";
}

// The files a save of the fixture writes beside its program.
std::vector<std::string> parameterFiles(const QString& layout)
{
    if (layout == "combined")
        return { "inference.pdiparams" };
    return { "conv_b", "conv_w", "fc_w" };
}

float value(const Model& m, const std::string& name, std::uint64_t index)
{
    const auto t = find(m, name);
    if (!t || !t->data)
        throw Error("no values for " + name);
    return float(elementAsDouble(DataType::Float, t->data->bytes(), index));
}

double sum(const Model& m, const std::string& name)
{
    const auto t = find(m, name);
    double total = 0;
    for (std::uint64_t k = 0; k < *t->elementCount(); ++k)
        total += elementAsDouble(DataType::Float, t->data->bytes(), k);
    return total;
}

// Values printed by tools/gen_paddle_fixtures.py from its numpy seed.
void checkFixtureValues(const Model& m)
{
    QCOMPARE(value(m, "conv_w", 0), -0.18327419459819794f);
    QCOMPARE(value(m, "conv_w", 53), -1.0036572217941284f);
    QCOMPARE(value(m, "conv_b", 0), 0.25f);
    QCOMPARE(value(m, "conv_b", 1), -0.5f);
    QCOMPARE(value(m, "fc_w", 0), 0.0375911109149456f);
    QCOMPARE(value(m, "fc_w", 1279), -0.06654133647680283f);
    QVERIFY(std::abs(sum(m, "conv_w") - 1.4207396320998669) < 1e-9);
    QVERIFY(std::abs(sum(m, "fc_w") - -2.6300815439244616) < 1e-9);
}

bool sameBytes(const Tensor& a, const Tensor& b)
{
    const auto x = a.data->bytes();
    const auto y = b.data->bytes();
    return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size()) == 0;
}

void save(const Model& m, const fs::path& path)
{
    FormatRegistry::instance().save(m, path, "paddle");
}

} // namespace

class TestPaddle : public QObject {
    Q_OBJECT

private slots:
    void corpusMobilenet();
    void corpusFolderAndCli();
    void combinedParameters();
    void perWeightFiles();
    void syntheticProgram();
    void pdmodelWithPdiparams();
    void doesNotClaimOtherProtobufFormats();
    void damagedCopies();
    void fixturesOpen();
    void saveUnedited_data();
    void saveUnedited();
    void saveEdited_data();
    void saveEdited();
    void saveOverOpenFiles_data();
    void saveOverOpenFiles();
    void cliEdit();
    void refusals();
    void parametersAloneNameTheirProgram();
    void damagedParameters();
};

void TestPaddle::corpusMobilenet()
{
    const auto path = mobilenet();
    if (path.empty())
        QSKIP("the corpus has no paddle/mobilenet_v1_fp32_224/__model__");
    const auto m = FormatRegistry::instance().open(path);
    QCOMPARE(m->format, std::string("paddle"));
    const Graph& g = *m->graph;
    QCOMPARE(g.nodes().size(), std::size_t(86)); // 88 ops less feed and fetch
    std::map<std::string, int> ops;
    for (const auto& n : g.nodes())
        ++ops[n->opType];
    QCOMPARE(ops["batch_norm"], 27);
    QCOMPARE(ops["relu"], 27);
    QCOMPARE(ops["conv2d"], 14);
    QCOMPARE(ops["depthwise_conv2d"], 13);
    QCOMPARE(ops["pool2d"], 1);
    QCOMPARE(ops["mul"], 1);
    QCOMPARE(ops["softmax"], 1);
    QCOMPARE(ops.size(), std::size_t(9));
    QCOMPARE(g.inputs.size(), std::size_t(1));
    QCOMPARE(g.inputs[0]->name(), std::string("image"));
    QCOMPARE(g.inputs[0]->type.toString(), std::string("float32[?,3,224,224]"));
    QCOMPARE(g.outputs.size(), std::size_t(1));
    QCOMPARE(g.outputs[0]->name(), std::string("save_infer_model/scale_0"));
    QVERIFY(g.outputs[0]->producer());
    QCOMPARE(g.outputs[0]->producer()->opType, std::string("scale"));
    QCOMPARE(g.initializers.size(), std::size_t(137));
    QCOMPARE(m->parameterCount(), std::uint64_t(4253864));
    const auto w = find(*m, "conv1_weights");
    QVERIFY(w);
    QCOMPARE(w->dims, (std::vector<std::int64_t> { 32, 3, 3, 3 }));
    QCOMPARE(w->dataType, DataType::Float);
    QVERIFY(!w->data);
    QCOMPARE(find(*m, "fc7_weights")->dims, (std::vector<std::int64_t> { 1024, 1000 }));
    QVERIFY(meta(*m, "parameters").find("shapes without values") != std::string::npos);

    // The first conv: image and conv1_weights in, strides 2, padding 1.
    const Node* conv = nullptr;
    for (const auto& n : g.nodes())
        if (n->opType == "conv2d" && !conv)
            conv = n.get();
    QVERIFY(conv);
    QCOMPARE(conv->inputs().size(), std::size_t(2));
    QCOMPARE(conv->inputs()[0]->name(), std::string("conv1_weights")); // Filter, in file order
    QCOMPARE(conv->inputs()[1]->name(), std::string("image"));
    QCOMPARE(attr(*conv, "strides")->ints, (std::vector<std::int64_t> { 2, 2 }));
    QCOMPARE(attr(*conv, "paddings")->ints, (std::vector<std::int64_t> { 1, 1 }));
    QCOMPARE(attr(*conv, "groups")->i, std::int64_t(1));
    QCOMPARE(attr(*conv, "use_cudnn")->i, std::int64_t(1));
    QCOMPARE(attr(*conv, "data_format")->s, std::string("AnyLayout"));
    // batch_norm rewrites its Mean in place: the new value is another one.
    for (const auto& n : g.nodes())
        for (const Value* out : n->outputs())
            QCOMPARE(out->producer(), n.get());
    // Op metadata for the ops it uses.
    const auto& md = FormatRegistry::instance().opMetadataFor("paddle");
    QCOMPARE(md.category("", "conv2d"), std::string_view("Layer"));
    QCOMPARE(md.category("", "batch_norm"), std::string_view("Normalization"));
    QCOMPARE(md.category("", "relu"), std::string_view("Activation"));
    QVERIFY(md.find("", "depthwise_conv2d"));
}

void TestPaddle::corpusFolderAndCli()
{
    const auto path = mobilenet();
    if (path.empty())
        QSKIP("the corpus has no paddle/mobilenet_v1_fp32_224/__model__");
    const auto m = FormatRegistry::instance().open(path.parent_path());
    QCOMPARE(m->format, std::string("paddle"));
    QCOMPARE(m->graph->nodes().size(), std::size_t(86));
    for (const auto& target : { path, path.parent_path() }) {
        const auto run = nodus::test::runCli({ "info", "--json", QString::fromStdString(target.string()) });
        QCOMPARE(run.code, 0);
        const auto j = QJsonDocument::fromJson(run.out).object();
        QCOMPARE(j["format"].toString(), QStringLiteral("paddle"));
        QCOMPARE(j["tensors"].toInt(), 137);
        QCOMPARE(j["parameters"].toInteger(), qint64(4253864));
        QCOMPARE(j["graph"].toObject()["nodes"].toInt(), 86);
        QCOMPARE(j["graph"].toObject()["inputs"].toInt(), 1);
        QCOMPARE(j["op_types"].toArray().size(), 9);
    }
}

void TestPaddle::combinedParameters()
{
    const auto path = mobilenet();
    if (path.empty())
        QSKIP("the corpus has no paddle/mobilenet_v1_fp32_224/__model__");
    QTemporaryDir dir;
    const fs::path d = dir.path().toStdString();
    fs::copy_file(path, d / "__model__");
    // save_combine's order: the persistable names sorted; each weight's
    // values start at its index * 1000.
    const auto shapesOnly = FormatRegistry::instance().open(path);
    std::vector<std::shared_ptr<Tensor>> weights = shapesOnly->graph->initializers;
    std::sort(weights.begin(), weights.end(), [](const auto& a, const auto& b) { return a->name < b->name; });
    std::string params;
    for (std::size_t k = 0; k < weights.size(); ++k)
        params += lodTensor(weights[k]->dims, float(k * 1000), k == 0 ? 1 : 0);
    writeFile(d / "__params__", params);
    const auto m = FormatRegistry::instance().open(d / "__model__");
    QCOMPARE(meta(*m, "parameters"), std::string("__params__"));
    std::size_t index = 0;
    for (std::size_t k = 0; k < weights.size(); ++k)
        if (weights[k]->name == "conv1_weights")
            index = k;
    const auto w = find(*m, "conv1_weights");
    QVERIFY(w->data);
    QCOMPARE(w->data->size(), std::uint64_t(32 * 3 * 3 * 3 * 4));
    QVERIFY(w->isMapped());
    QCOMPARE(elementAsDouble(DataType::Float, w->data->bytes(), 0), double(index * 1000));
    QCOMPARE(elementAsDouble(DataType::Float, w->data->bytes(), 863), double(index * 1000 + 863));
    for (const auto& t : m->graph->initializers)
        QVERIFY2(t->data && t->data->size() == *t->expectedBytes(), t->name.c_str());

    // Short, or with bytes to spare: the parameters do not match.
    writeFile(d / "__params__", params.substr(0, params.size() - 4));
    try {
        (void)FormatRegistry::instance().open(d / "__model__");
        QFAIL("opened short parameters");
    } catch (const Error& e) {
        QVERIFY2(std::string(e.what()).find("__params__: weight '") != std::string::npos, e.what());
    }
    writeFile(d / "__params__", params + "xxxx");
    QVERIFY_THROWS_EXCEPTION(Error, FormatRegistry::instance().open(d / "__model__"));
}

void TestPaddle::perWeightFiles()
{
    const auto path = mobilenet();
    if (path.empty())
        QSKIP("the corpus has no paddle/mobilenet_v1_fp32_224/__model__");
    QTemporaryDir dir;
    const fs::path d = dir.path().toStdString();
    fs::copy_file(path, d / "__model__");
    writeFile(d / "fc7_offset", lodTensor({ 1000 }, 5));
    writeFile(d / "conv1_weights", lodTensor({ 32, 3, 3, 3 }, -1));
    const auto m = FormatRegistry::instance().open(d);
    QCOMPARE(meta(*m, "parameters"),
        std::string("2 of 137 weights found as files beside the model; the others are shapes without values"));
    QCOMPARE(elementAsDouble(DataType::Float, find(*m, "fc7_offset")->data->bytes(), 999), 1004.0);
    QVERIFY(!find(*m, "fc7_weights")->data);
    // A stored shape that disagrees with the program is refused.
    writeFile(d / "fc7_offset", lodTensor({ 999 }, 5));
    try {
        (void)FormatRegistry::instance().open(d);
        QFAIL("opened a weight of the wrong shape");
    } catch (const Error& e) {
        QVERIFY2(std::string(e.what()).find("fc7_offset: weight 'fc7_offset' is stored with another shape")
                != std::string::npos,
            e.what());
    }
}

void TestPaddle::syntheticProgram()
{
    const auto m = openBytes(::syntheticProgram(), "__model__");
    QCOMPARE(m->format, std::string("paddle"));
    QCOMPARE(m->producerVersion, std::string("2.4.1"));
    QCOMPARE(meta(*m, "op versions"), std::string("fc 2"));
    const Graph& g = *m->graph;
    QCOMPARE(g.nodes().size(), std::size_t(2));
    QCOMPARE(g.inputs.size(), std::size_t(1));
    QCOMPARE(g.inputs[0]->type.toString(), std::string("float32[?,4]"));
    QCOMPARE(g.outputs[0]->name(), std::string("y"));
    QCOMPARE(g.initializers.size(), std::size_t(2)); // feed and fetch lists are not tensors
    const Node& fc = *g.nodes()[0];
    QCOMPARE(fc.inputs().size(), std::size_t(3));
    QCOMPARE(attr(fc, "in_num_col_dims")->i, std::int64_t(1));
    QCOMPARE(attr(fc, "alpha")->f, 0.5);
    QCOMPARE(attr(fc, "activation_type")->s, std::string("relu"));
    QCOMPARE(attr(fc, "ints")->ints, (std::vector<std::int64_t> { 1, -2 }));
    QCOMPARE(attr(fc, "floats")->floats, (std::vector<double> { 0.25 }));
    QCOMPARE(attr(fc, "strings")->strings, (std::vector<std::string> { "a", "b" }));
    QCOMPARE(attr(fc, "flag")->i, std::int64_t(1));
    QCOMPARE(attr(fc, "bools")->ints, (std::vector<std::int64_t> { 1, 0 }));
    QCOMPARE(attr(fc, "big")->i, std::int64_t(1) << 40);
    QCOMPARE(attr(fc, "longs")->ints, (std::vector<std::int64_t> { -(std::int64_t(1) << 40) }));
    QCOMPARE(attr(fc, "precise")->f, 0.1);
    const Node& loop = *g.nodes()[1];
    const Attribute* body = attr(loop, "sub_block");
    QCOMPARE(body->type, AttributeType::Graph);
    QCOMPARE(body->graphs.size(), std::size_t(1));
    QCOMPARE(body->graphs[0]->nodes().size(), std::size_t(1));
    QCOMPARE(body->graphs[0]->nodes()[0]->opType, std::string("relu"));
    QVERIFY(body->graphs[0]->nodes()[0]->inputs()[0]->fromOuterScope);
    QCOMPARE(g.subgraphCount(), std::size_t(1));

    // A block that contains itself, and one that does not exist.
    nodus::paddle::ProgramDesc program;
    program.ParseFromString(::syntheticProgram());
    program.mutable_blocks(1)->mutable_ops(0)->set_type("while");
    auto* self = program.mutable_blocks(1)->mutable_ops(0)->add_attrs();
    self->set_name("sub_block");
    self->set_type(nodus::paddle::BLOCK);
    self->set_block_idx(1);
    try {
        (void)openBytes(program.SerializeAsString(), "__model__");
        QFAIL("opened a block that contains itself");
    } catch (const Error& e) {
        QVERIFY2(std::string(e.what()).find("does a block contain itself") != std::string::npos, e.what());
    }
    self->set_block_idx(7);
    QVERIFY_THROWS_EXCEPTION(Error, openBytes(program.SerializeAsString(), "__model__"));
}

void TestPaddle::pdmodelWithPdiparams()
{
    QTemporaryDir dir;
    const fs::path d = dir.path().toStdString();
    writeFile(d / "net.pdmodel", ::syntheticProgram());
    // Sorted names: "W" before "b".
    writeFile(d / "net.pdiparams", lodTensor({ 4, 2 }, 10) + lodTensor({ 2 }, 20));
    const auto m = FormatRegistry::instance().open(d); // the folder's only .pdmodel
    QCOMPARE(m->format, std::string("paddle"));
    QCOMPARE(meta(*m, "parameters"), std::string("net.pdiparams"));
    QCOMPARE(elementAsDouble(DataType::Float, find(*m, "W")->data->bytes(), 7), 17.0);
    QCOMPARE(elementAsDouble(DataType::Float, find(*m, "b")->data->bytes(), 1), 21.0);
}

void TestPaddle::doesNotClaimOtherProtobufFormats()
{
    NODUS_SKIP_IF_NO_CORPUS();
    const PaddleFormat paddle;
    int checked = 0;
    for (const auto& folder : { "onnx", "mindir", "cntk-v2", "mindspore-ckpt", "tensorflow-pb", "tensorflow-meta",
             "tensorflow-savedmodel", "caffe", "coreml", "pytorch-export" }) {
        const auto dir = nodus::test::corpusDir() / folder;
        std::error_code ec;
        if (!fs::is_directory(dir, ec))
            continue;
        for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
            if (!entry.is_regular_file(ec))
                continue;
            const auto probe = FormatRegistry::probe(entry.path());
            QVERIFY2(paddle.sniff(probe) == 0, entry.path().c_str());
            ++checked;
        }
    }
    if (checked == 0)
        QSKIP("none of the other protobuf corpus folders is present");
    qInfo("%d files of other protobuf formats checked", checked);
}

void TestPaddle::damagedCopies()
{
    const auto path = mobilenet();
    const std::string good = path.empty() ? ::syntheticProgram() : readAll(path);
    int errors = 0, opened = 0;
    auto attempt = [&](const std::string& bytes) {
        try {
            const auto m = openBytes(bytes, "__model__");
            (void)m->graph->nodes().size();
            ++opened;
        } catch (const Error&) {
            ++errors;
        }
    };
    for (std::size_t cut = 0; cut < good.size(); cut += cut < 600 ? 1 : 211)
        attempt(good.substr(0, cut));
    for (std::size_t k = 0; k < 1500; ++k) {
        std::string s = good;
        const std::size_t at = (k * 7919 + 13) % s.size();
        s[at] = char(s[at] ^ (1 << (k % 8)));
        attempt(s);
    }
    QVERIFY(errors > 500);
    QVERIFY(opened > 0);
}

void TestPaddle::fixturesOpen()
{
    for (const fs::path& path : { fixtures() / "inference.pdmodel", fixtures() / "perweight" }) {
        const auto m = FormatRegistry::instance().open(path);
        QCOMPARE(m->format, std::string("paddle"));
        QCOMPARE(m->producerVersion, std::string("2.4.2"));
        const Graph& g = *m->graph;
        std::vector<std::string> ops;
        for (const auto& n : g.nodes())
            ops.push_back(n->opType);
        QCOMPARE(ops, (std::vector<std::string> { "conv2d", "elementwise_add", "relu", "mul", "softmax" }));
        QCOMPARE(g.inputs.size(), std::size_t(1));
        QCOMPARE(g.inputs[0]->type.toString(), std::string("float32[?,3,8,8]"));
        QCOMPARE(g.outputs.size(), std::size_t(1));
        QCOMPARE(g.outputs[0]->name(), std::string("prob"));
        QCOMPARE(g.initializers.size(), std::size_t(3));
        QCOMPARE(m->parameterCount(), std::uint64_t(54 + 2 + 1280));
        QCOMPARE(find(*m, "conv_w")->dims, (std::vector<std::int64_t> { 2, 3, 3, 3 }));
        QCOMPARE(find(*m, "fc_w")->dims, (std::vector<std::int64_t> { 128, 10 }));
        QCOMPARE(attr(*g.nodes()[1], "axis")->i, std::int64_t(1));
        QCOMPARE(meta(*m, "parameters"),
            std::string(path.filename() == "perweight" ? "one file per weight" : "inference.pdiparams"));
        checkFixtureValues(*m);
        if (QTest::currentTestFailed())
            return;
        const auto run = nodus::test::runCli({ "info", "--json", QString::fromStdString(path.string()) });
        QCOMPARE(run.code, 0);
        const auto j = QJsonDocument::fromJson(run.out).object();
        QCOMPARE(j["format"].toString(), QStringLiteral("paddle"));
        QCOMPARE(j["tensors"].toInt(), 3);
        QCOMPARE(j["parameters"].toInteger(), qint64(1336));
        QCOMPARE(j["graph"].toObject()["nodes"].toInt(), 5);
    }
    QVERIFY(FormatRegistry::instance().byName("paddle")->can(Format::Write));
}

void TestPaddle::saveUnedited_data()
{
    QTest::addColumn<QString>("layout");
    QTest::newRow("combined") << "combined";
    QTest::newRow("per-weight") << "per-weight";
}

void TestPaddle::saveUnedited()
{
    QFETCH(QString, layout);
    QTemporaryDir dir;
    const fs::path d = dir.path().toStdString();
    fs::create_directories(d / "src");
    fs::create_directories(d / "out");
    fs::create_directories(d / "folder");
    const fs::path source = copyFixture(layout, d / "src");
    const auto m = FormatRegistry::instance().open(source);
    QVERIFY(canSaveEdit(*m, EditKind::TensorValues));
    QVERIFY(!canSaveEdit(*m, EditKind::TensorType));
    QVERIFY(!canSaveEdit(*m, EditKind::Names));
    // To a new path, and into a folder (under the program's own name).
    save(*m, d / "out" / source.filename());
    save(*m, d / "folder");
    for (const fs::path& target : { d / "out", d / "folder" }) {
        QCOMPARE(readAll(target / source.filename()), readAll(source));
        for (const auto& f : parameterFiles(layout))
            QVERIFY2(readAll(target / f) == readAll(source.parent_path() / f), f.c_str());
        std::size_t files = 0;
        for ([[maybe_unused]] const auto& e : fs::directory_iterator(target))
            ++files;
        QCOMPARE(files, 1 + parameterFiles(layout).size()); // no temporary files left
        checkFixtureValues(*FormatRegistry::instance().open(target / source.filename()));
    }
    // A combined model saved under a new stem takes its parameters along.
    if (layout == "combined") {
        save(*m, d / "out" / "renamed.pdmodel");
        QCOMPARE(readAll(d / "out" / "renamed.pdiparams"), readAll(source.parent_path() / "inference.pdiparams"));
        save(*m, d / "out" / "__model__");
        QCOMPARE(readAll(d / "out" / "__params__"), readAll(source.parent_path() / "inference.pdiparams"));
        checkFixtureValues(*FormatRegistry::instance().open(d / "out" / "__model__"));
    }
}

void TestPaddle::saveEdited_data()
{
    saveUnedited_data();
}

void TestPaddle::saveEdited()
{
    QFETCH(QString, layout);
    QTemporaryDir dir;
    const fs::path d = dir.path().toStdString();
    fs::create_directories(d / "src");
    fs::create_directories(d / "out");
    const fs::path source = copyFixture(layout, d / "src");
    const auto original = FormatRegistry::instance().open(source);
    const auto m = FormatRegistry::instance().open(source);
    setTensorElements("conv_w", { { 53, "2.5" } })->apply(*m);
    tensorArithmetic("conv_b", TensorOp::Scale, 2)->apply(*m);
    const fs::path target = d / "out" / source.filename();
    save(*m, target);

    QCOMPARE(readAll(target), readAll(source)); // the program as it was
    const auto back = FormatRegistry::instance().open(target);
    QCOMPARE(back->graph->initializers.size(), std::size_t(3));
    QCOMPARE(value(*back, "conv_w", 53), 2.5f);
    QCOMPARE(value(*back, "conv_b", 0), 0.5f);
    QCOMPARE(value(*back, "conv_b", 1), -1.0f);
    const auto bw = find(*back, "conv_w");
    const auto ow = find(*original, "conv_w");
    for (std::uint64_t k = 0; k < 54; ++k)
        if (k != 53)
            QCOMPARE(value(*back, "conv_w", k), value(*original, "conv_w", k));
    QVERIFY(sameBytes(*find(*back, "fc_w"), *find(*original, "fc_w")));
    QVERIFY(sameBytes(*bw, *find(*m, "conv_w")));

    // Every record keeps its header: only element bytes differ.
    for (const auto& f : parameterFiles(layout)) {
        const std::string before = readAll(source.parent_path() / f);
        const std::string after = readAll(d / "out" / f);
        QCOMPARE(after.size(), before.size());
        int differing = 0;
        for (std::size_t k = 0; k < before.size(); ++k)
            differing += before[k] != after[k];
        const int expected = f == "fc_w" ? 0 : f == "conv_w" ? 4 : f == "conv_b" ? 8 : 12;
        QVERIFY2((differing > 0) == (expected > 0) && differing <= expected, f.c_str());
    }
    if (layout != "combined") {
        // conv_b's one LoD level (offsets 0, 2) is still there.
        const std::string b = readAll(d / "out" / "conv_b");
        std::uint64_t levels = 0, size = 0, second = 0;
        std::memcpy(&levels, b.data() + 4, 8);
        std::memcpy(&size, b.data() + 12, 8);
        std::memcpy(&second, b.data() + 28, 8);
        QCOMPARE(levels, std::uint64_t(1));
        QCOMPARE(size, std::uint64_t(16));
        QCOMPARE(second, std::uint64_t(2));
    }
}

void TestPaddle::saveOverOpenFiles_data()
{
    saveUnedited_data();
}

void TestPaddle::saveOverOpenFiles()
{
    QFETCH(QString, layout);
    QTemporaryDir dir;
    const fs::path d = dir.path().toStdString();
    const fs::path source = copyFixture(layout, d);
    const auto m = FormatRegistry::instance().open(source);
    const float fc = value(*m, "fc_w", 1279);
    setTensorElements("conv_w", { { 0, "7" } })->apply(*m);
    save(*m, source);
    // The open model still reads the files it mapped, now replaced.
    QCOMPARE(value(*m, "fc_w", 1279), fc);
    QCOMPARE(value(*m, "conv_w", 0), 7.0f);
    auto back = FormatRegistry::instance().open(source);
    QCOMPARE(value(*back, "conv_w", 0), 7.0f);
    QCOMPARE(value(*back, "conv_w", 53), -1.0036572217941284f);
    QCOMPARE(value(*back, "fc_w", 1279), fc);
    // And again, from the same (now unlinked) originals.
    setTensorElements("fc_w", { { 1279, "-3" } })->apply(*m);
    save(*m, source);
    back = FormatRegistry::instance().open(source);
    QCOMPARE(value(*back, "conv_w", 0), 7.0f);
    QCOMPARE(value(*back, "fc_w", 1279), -3.0f);
    QCOMPARE(value(*back, "fc_w", 0), 0.0375911109149456f);
    QCOMPARE(value(*back, "conv_b", 1), -0.5f);
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(d))
        ++files;
    QCOMPARE(files, 1 + parameterFiles(layout).size());
    // Undone, the save gives the fixture's bytes back.
    back = FormatRegistry::instance().open(source);
    setTensorElements("conv_w", { { 0, "-0.18327419459819794" } })->apply(*back);
    setTensorElements("fc_w", { { 1279, "-0.06654133647680283" } })->apply(*back);
    save(*back, source);
    for (const auto& f : parameterFiles(layout))
        QVERIFY2(
            readAll(d / f) == readAll((layout == "combined" ? fixtures() : fixtures() / "perweight") / f), f.c_str());
}

void TestPaddle::cliEdit()
{
    QTemporaryDir dir;
    const fs::path d = dir.path().toStdString();
    fs::create_directories(d / "combined");
    fs::create_directories(d / "perweight");
    fs::create_directories(d / "out");
    const fs::path combined = copyFixture("combined", d / "combined");
    auto run = nodus::test::runCli({ "edit", QString::fromStdString(combined.string()), "-o",
        QString::fromStdString((d / "out" / "edited.pdmodel").string()), "--scale-tensor", "conv_b=2" });
    QVERIFY2(run.code == 0, qPrintable(run.err));
    QVERIFY(fs::exists(d / "out" / "edited.pdiparams"));
    auto m = FormatRegistry::instance().open(d / "out" / "edited.pdmodel");
    QCOMPARE(value(*m, "conv_b", 0), 0.5f);
    QCOMPARE(value(*m, "conv_b", 1), -1.0f);
    QCOMPARE(value(*m, "conv_w", 53), -1.0036572217941284f);

    const fs::path perWeight = copyFixture("per-weight", d / "perweight");
    fs::create_directories(d / "out2");
    run = nodus::test::runCli({ "edit", QString::fromStdString(perWeight.string()), "-o",
        QString::fromStdString((d / "out2" / "__model__").string()), "--fill-tensor", "fc_w=0.5" });
    QVERIFY2(run.code == 0, qPrintable(run.err));
    m = FormatRegistry::instance().open(d / "out2");
    QCOMPARE(meta(*m, "parameters"), std::string("one file per weight"));
    QCOMPARE(sum(*m, "fc_w"), 640.0);
    QCOMPARE(value(*m, "conv_b", 1), -0.5f);

    // Edits the program would have to record are refused before saving.
    run = nodus::test::runCli({ "edit", QString::fromStdString(combined.string()), "-o",
        QString::fromStdString((d / "out" / "cast.pdmodel").string()), "--cast-tensor", "conv_w=float16" });
    QCOMPARE(run.code, 1);
    QVERIFY2(run.err.contains("cannot save"), qPrintable(run.err));
    QVERIFY(!fs::exists(d / "out" / "cast.pdmodel"));
}

void TestPaddle::refusals()
{
    QTemporaryDir dir;
    const fs::path d = dir.path().toStdString();
    auto failsWith = [](const std::function<void()>& f, const std::string& text) {
        try {
            f();
        } catch (const Error& e) {
            if (std::string(e.what()).find(text) != std::string::npos)
                return true;
            qWarning("%s", e.what());
            return false;
        }
        return false;
    };
    // A program without its parameters: it saves as it was, but there is
    // nothing to save weight values into.
    writeFile(d / "net.pdmodel", ::syntheticProgram());
    auto bare = FormatRegistry::instance().open(d / "net.pdmodel");
    QVERIFY(!find(*bare, "W")->data);
    save(*bare, d / "copy.pdmodel");
    QCOMPARE(readAll(d / "copy.pdmodel"), ::syntheticProgram());
    QVERIFY(!fs::exists(d / "copy.pdiparams"));
    find(*bare, "W")->data = std::make_shared<OwnedTensorData>(std::vector<std::byte>(32));
    QVERIFY(failsWith([&] { save(*bare, d / "edited.pdmodel"); },
        "weight 'W' has values, but the parameters were not found beside the model; there are no values to save"));
    QVERIFY(!fs::exists(d / "edited.pdmodel"));
    if (const auto path = mobilenet(); !path.empty()) {
        auto m = FormatRegistry::instance().open(path);
        auto w = find(*m, "conv1_weights");
        w->data = std::make_shared<OwnedTensorData>(std::vector<std::byte>(*w->expectedBytes()));
        QVERIFY(failsWith([&] { save(*m, d / "mobilenet"); }, "there are no values to save"));
        QVERIFY(!fs::exists(d / "mobilenet"));
    }

    fs::create_directories(d / "src");
    const fs::path source = copyFixture("combined", d / "src");
    auto m = FormatRegistry::instance().open(source);
    auto w = find(*m, "conv_w");
    w->data = std::make_shared<OwnedTensorData>(std::vector<std::byte>(216));
    w->dims = { 54 };
    QVERIFY(failsWith([&] { save(*m, d / "shape.pdmodel"); }, "'conv_w' changed its type or shape"));
    w->dims = { 2, 3, 3, 3 };
    w->dataType = DataType::Int32;
    QVERIFY(failsWith([&] { save(*m, d / "type.pdmodel"); }, "'conv_w' changed its type or shape"));
    w->dataType = DataType::Float;
    w->name = "kernel";
    QVERIFY(failsWith([&] { save(*m, d / "name.pdmodel"); }, "'conv_w' was renamed to 'kernel'"));
    w->name = "conv_w";
    // Combined parameters need a name Paddle pairs them with.
    QVERIFY(failsWith([&] { save(*m, d / "model.bin"); }, "<name>.pdmodel"));
    for (const char* f : { "shape.pdmodel", "type.pdmodel", "name.pdmodel", "model.bin", "model.pdiparams" })
        QVERIFY2(!fs::exists(d / f), f);
    save(*m, d / "fine.pdmodel");
    QCOMPARE(value(*FormatRegistry::instance().open(d / "fine.pdmodel"), "conv_w", 7), 0.0f);

    // Per-weight files beside a combined file would not be read.
    fs::create_directories(d / "pw");
    const auto perWeight = FormatRegistry::instance().open(fixtures() / "perweight");
    writeFile(d / "pw" / "__params__", "stale");
    QVERIFY(failsWith([&] { save(*perWeight, d / "pw" / "__model__"); }, "would be read instead"));
    QVERIFY(!fs::exists(d / "pw" / "__model__"));

    // A model read as another format is not a PaddlePaddle program.
    const auto keras
        = FormatRegistry::instance().open(nodus::test::sourceDir() / "tests" / "data" / "keras" / "cnn.h5");
    QVERIFY(failsWith([&] { save(*keras, d / "keras.pdmodel"); }, "not as PaddlePaddle"));
}

void TestPaddle::damagedParameters()
{
    QTemporaryDir dir;
    const fs::path d = dir.path().toStdString();
    const fs::path source = copyFixture("combined", d);
    const std::string params = readAll(fixtures() / "inference.pdiparams");
    int errors = 0, opened = 0;
    // Every cut is short of a weight (or of all after one): always an error.
    for (std::size_t cut = 0; cut < params.size(); cut += cut < 200 ? 1 : 37) {
        writeFile(d / "inference.pdiparams", params.substr(0, cut));
        try {
            (void)FormatRegistry::instance().open(source);
            QFAIL(qPrintable(QString("opened parameters cut at %1").arg(cut)));
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("inference.pdiparams") != std::string::npos, e.what());
            ++errors;
        }
    }
    // Flipped bits: an error, or a model that reads and saves.
    fs::create_directories(d / "out");
    for (std::size_t k = 0; k < 400; ++k) {
        std::string s = params;
        const std::size_t at = k < 200 ? k : (k * 7919 + 13) % s.size();
        s[at] = char(s[at] ^ (1 << (k % 8)));
        writeFile(d / "inference.pdiparams", s);
        try {
            const auto m = FormatRegistry::instance().open(source);
            for (const auto& t : m->graph->initializers)
                (void)t->data->bytes();
            // Each save syncs to disk: a sample is enough.
            if (opened % 16 == 0) {
                save(*m, d / "out" / "saved.pdmodel");
                QCOMPARE(readAll(d / "out" / "saved.pdiparams"), s);
            }
            ++opened;
        } catch (const Error&) {
            ++errors;
        }
    }
    qInfo("flipped bits: %d copies opened, %d refused", opened, errors);
    QVERIFY(errors > 150);
    QVERIFY(opened > 100);
    // A per-weight file cut anywhere.
    fs::create_directories(d / "pw");
    copyFixture("per-weight", d / "pw");
    const std::string convB = readAll(d / "pw" / "conv_b");
    for (std::size_t cut = 0; cut < convB.size(); ++cut) {
        writeFile(d / "pw" / "conv_b", convB.substr(0, cut));
        QVERIFY_THROWS_EXCEPTION(Error, FormatRegistry::instance().open(d / "pw"));
    }
}

// The combined parameters opened alone name the program they belong to;
// without the program beside them they are simply not a model.
void TestPaddle::parametersAloneNameTheirProgram()
{
    const fs::path params = fixtures() / "inference.pdiparams";
    try {
        FormatRegistry::instance().open(params);
        QFAIL("parameters opened as a model");
    } catch (const Error& e) {
        QCOMPARE(std::string(e.what()),
            params.string()
                + ": holds the weights of the PaddlePaddle model inference.pdmodel beside it; open that file");
    }
    QTemporaryDir dir;
    const fs::path lone = fs::path(dir.path().toStdString()) / "inference.pdiparams";
    fs::copy_file(params, lone);
    try {
        FormatRegistry::instance().open(lone);
        QFAIL("parameters opened as a model");
    } catch (const Error& e) {
        QVERIFY2(std::string(e.what()).find("not a model file") != std::string::npos, e.what());
    }
}

QTEST_GUILESS_MAIN(TestPaddle)
#include "test_paddle.moc"
