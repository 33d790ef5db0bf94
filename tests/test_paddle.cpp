// PaddlePaddle (core/formats/paddle): the corpus MobileNet program, checked
// against facts read from it with a raw protobuf decoder in Python
// (88 ops: 27 batch_norm, 27 relu, 14 conv2d, 13 depthwise_conv2d, pool2d,
// mul, elementwise_add, softmax, scale, feed, fetch; 280 variables of which
// 137 persistable tensors holding 4,253,864 values), parameter files written
// here beside copies of it, synthetic programs with sub-blocks and every
// attribute type, what the sniffer must not claim, and damaged copies.
#include "testsupport.h"

#include "formats/formatregistry.h"
#include "formats/paddle/paddle.pb.h"
#include "formats/paddle/paddleformat.h"
#include "ir/model.h"
#include "ir/opmetadata.h"
#include "ir/tensorvalues.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <cstring>
#include <fstream>
#include <map>

using namespace nodus;
namespace fs = std::filesystem;

namespace {

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

std::string readAll(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
}

void writeAll(const fs::path& p, const std::string& bytes)
{
    std::ofstream out(p, std::ios::binary);
    out.write(bytes.data(), std::streamsize(bytes.size()));
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
    writeAll(d / "__params__", params);
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
    writeAll(d / "__params__", params.substr(0, params.size() - 4));
    try {
        (void)FormatRegistry::instance().open(d / "__model__");
        QFAIL("opened short parameters");
    } catch (const Error& e) {
        QVERIFY2(std::string(e.what()).find("__params__: weight '") != std::string::npos, e.what());
    }
    writeAll(d / "__params__", params + "xxxx");
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
    writeAll(d / "fc7_offset", lodTensor({ 1000 }, 5));
    writeAll(d / "conv1_weights", lodTensor({ 32, 3, 3, 3 }, -1));
    const auto m = FormatRegistry::instance().open(d);
    QCOMPARE(meta(*m, "parameters"),
        std::string("2 of 137 weights found as files beside the model; the others are shapes without values"));
    QCOMPARE(elementAsDouble(DataType::Float, find(*m, "fc7_offset")->data->bytes(), 999), 1004.0);
    QVERIFY(!find(*m, "fc7_weights")->data);
    // A stored shape that disagrees with the program is refused.
    writeAll(d / "fc7_offset", lodTensor({ 999 }, 5));
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
    writeAll(d / "net.pdmodel", ::syntheticProgram());
    // Sorted names: "W" before "b".
    writeAll(d / "net.pdiparams", lodTensor({ 4, 2 }, 10) + lodTensor({ 2 }, 20));
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

QTEST_GUILESS_MAIN(TestPaddle)
#include "test_paddle.moc"
