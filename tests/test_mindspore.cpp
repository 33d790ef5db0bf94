// MindSpore MindIR and checkpoints: every corpus file opens with the right
// format and counts (verified independently with python3-protobuf and our
// .proto files), read -> write -> read is equal and byte-identical, edits
// survive a reopen with every other byte untouched, encrypted MindIR is named
// and opens with its key, external data stays inside the model's folder,
// weights transplant by name with an exact report, and damaged copies give a
// nodus::Error naming the file.
#include "testsupport.h"

#include "edit/weighttransplant.h"
#include "formats/formatregistry.h"
#include "formats/mindspore/checkpoint.pb.h"
#include "formats/mindspore/mindir.pb.h"
#include "formats/mindspore/mindsporecipher.h"
#include "formats/mindspore/mindsporeopmetadata.h"
#include "ir/model.h"
#include "ir/modelcompare.h"
#include "ir/modelsummary.h"
#include "ir/opmetadata.h"
#include "ir/ownedtensordata.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>

using namespace nodus;
namespace fs = std::filesystem;

namespace {

using test::readAll;
using test::writeFile;

constexpr const char* kEncryptedName = "add_encrpty_key_0123456789ABCDEF.mindir";
constexpr const char* kKey = "0123456789ABCDEF";

std::vector<std::byte> readBytes(const fs::path& p)
{
    const std::string s = readAll(p);
    std::vector<std::byte> out(s.size());
    std::memcpy(out.data(), s.data(), s.size());
    return out;
}

std::string bytesOf(const Tensor& t)
{
    if (!t.data)
        return {};
    const auto b = t.data->bytes();
    return { reinterpret_cast<const char*>(b.data()), b.size() };
}

std::string floatBytes(std::initializer_list<float> values)
{
    std::string s(values.size() * sizeof(float), '\0');
    std::memcpy(s.data(), values.begin(), s.size());
    return s;
}

const Tensor* initializer(const Model& m, const std::string& name)
{
    for (const auto& t : m.graph->initializers)
        if (t->name == name)
            return t.get();
    return nullptr;
}

using Run = nodus::test::CliRun;
constexpr auto cli = &nodus::test::runCli;

mindir::TensorProto* addParameter(
    mindir::GraphProto& g, const std::string& name, std::vector<std::int64_t> dims, const std::string& raw)
{
    auto* t = g.add_parameter();
    t->set_name(name);
    t->set_data_type(mindir::TensorProto::FLOAT);
    for (auto d : dims)
        t->add_dims(d);
    t->set_raw_data(raw);
    return t;
}

// A small 2023-format MindIR with what the corpus lacks: parameters with
// raw data, primitives with attributes of every kind, a function called by
// REF::, a closure call, a graph passed as a value, and unknown fields.
mindir::ModelProto syntheticMindir()
{
    mindir::ModelProto m;
    m.set_ir_version("0.1.1");
    m.set_producer_name("MindSpore");
    m.set_model_version("2.2.0");
    m.set_little_endian(true);
    m.set_mind_ir_version(1);
    auto* g = m.mutable_graph();
    g->set_name("net");
    auto* in = g->add_input();
    in->set_name("net:x");
    auto* it = in->add_tensor();
    it->set_data_type(mindir::TensorProto::FLOAT);
    it->add_dims(1);
    it->add_dims(4);
    addParameter(*g, "net:fc.weight", { 2, 4 }, floatBytes({ 1, 2, 3, 4, 5, 6, 7, 8 }));
    addParameter(*g, "net:fc.bias", { 2 }, floatBytes({ 0.5f, -0.5f }));
    addParameter(*g, "net:scale", { 1 }, floatBytes({ 3 }));

    auto* matmul = m.add_primitives();
    matmul->set_name("S-Prim-MatMul:1");
    matmul->set_op_type("S-Prim-MatMul");
    matmul->set_instance_name("fc.matmul");
    auto* ta = matmul->add_attribute();
    ta->set_name("transpose_b");
    ta->set_type(mindir::AttributeProto::BOOL);
    ta->set_i(1);
    auto* alpha = matmul->add_attribute();
    alpha->set_name("alpha");
    alpha->set_type(mindir::AttributeProto::FLOAT);
    alpha->set_f(0.25f);
    auto* names = matmul->add_attribute();
    names->set_name("input_names");
    names->set_type(mindir::AttributeProto::LIST);
    for (const char* n : { "x1", "x2" }) {
        auto* v = names->add_values();
        v->set_type(mindir::AttributeProto::STRING);
        v->set_s(n);
    }
    auto* strides = matmul->add_attribute();
    strides->set_name("strides");
    strides->set_type(mindir::AttributeProto::TUPLE);
    for (int k : { 1, 2 }) {
        auto* v = strides->add_values();
        v->set_type(mindir::AttributeProto::INT64);
        v->set_i(k);
    }
    auto* mixed = matmul->add_attribute();
    mixed->set_name("mixed");
    mixed->set_type(mindir::AttributeProto::TUPLE);
    auto* m0 = mixed->add_values();
    m0->set_type(mindir::AttributeProto::INT64);
    m0->set_i(7);
    auto* m1 = mixed->add_values();
    m1->set_type(mindir::AttributeProto::STRING);
    m1->set_s("same");
    auto* none = matmul->add_attribute();
    none->set_name("nothing");
    none->set_type(mindir::AttributeProto::NONE);
    auto* tensorAttr = matmul->add_attribute();
    tensorAttr->set_name("table");
    tensorAttr->set_type(mindir::AttributeProto::TENSOR);
    auto* tt = tensorAttr->mutable_t();
    tt->set_data_type(mindir::TensorProto::FLOAT);
    tt->add_dims(2);
    tt->set_raw_data(floatBytes({ 9, 10 }));
    auto* add = m.add_primitives();
    add->set_name("S-Prim-BiasAdd:2");
    add->set_op_type("S-Prim-BiasAdd");

    auto* n1 = g->add_node();
    n1->set_op_type("REF::S-Prim-MatMul:1");
    n1->add_input("net:x");
    n1->add_input("net:fc.weight");
    n1->add_output("net:[CNode]1:1");
    n1->set_name("net:[CNode]1:1");
    n1->set_domain("Default/fc-Dense/MatMul-op1");
    auto* n2 = g->add_node();
    n2->set_op_type("REF::S-Prim-BiasAdd:2");
    n2->add_input("net:[CNode]1:1");
    n2->add_input("net:fc.bias");
    n2->add_output("net:[CNode]2:2");
    n2->set_name("net:[CNode]2:2");
    n2->set_domain("Default/fc-Dense/BiasAdd-op2");
    auto* n3 = g->add_node();
    n3->set_op_type("REF::helper.3");
    n3->add_input("net:[CNode]2:2");
    n3->add_output("net:[CNode]3:3");
    n3->set_name("net:[CNode]3:3");
    auto* n4 = g->add_node();
    n4->set_op_type("REF::net:[CNode]3:3");
    n4->add_input("net:scale");
    n4->add_input("helper.3");
    n4->add_output("net:[CNode]4:4");
    n4->set_name("net:[CNode]4:4");
    g->add_output()->set_name("net:[CNode]4:4");

    auto* f = m.add_functions();
    f->set_name("helper.3");
    f->add_input()->set_name("helper.3:y");
    auto* fn = f->add_node();
    fn->set_op_type("REF::MetaFuncGraph::hyper_map[zeros_like_leaf]");
    fn->add_input("helper.3:y");
    fn->add_input("net:scale");
    fn->add_output("helper.3:[CNode]5:5");
    fn->set_name("helper.3:[CNode]5:5");
    f->add_output()->set_name("helper.3:[CNode]5:5");

    // A field this schema does not know (a newer MindSpore's): kept.
    m.GetReflection()->MutableUnknownFields(&m)->AddLengthDelimited(99, "from the future");
    return m;
}

ckpt::Checkpoint::Value* addEntry(ckpt::Checkpoint& c, const std::string& tag, std::vector<std::int64_t> dims,
    const std::string& type, const std::string& content)
{
    auto* v = c.add_value();
    v->set_tag(tag);
    auto* t = v->mutable_tensor();
    for (auto d : dims)
        t->add_dims(d);
    t->set_tensor_type(type);
    t->set_tensor_content(content);
    return v;
}

} // namespace

class TestMindSpore : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    int opened_ = 0;
    int refused_ = 0;

    fs::path tmp(const std::string& name) const { return fs::path(dir_.path().toStdString()) / name; }

    fs::path writeSynthetic()
    {
        const auto path = tmp("synthetic.mindir");
        std::string bytes;
        if (!syntheticMindir().SerializeToString(&bytes))
            qFatal("cannot serialize the synthetic MindIR");
        writeFile(path, bytes);
        return path;
    }

    void attempt(const std::vector<std::byte>& bytes, const std::string& label, const std::string& format)
    {
        try {
            auto file = MappedFile::fromBytes(bytes, label);
            auto model = FormatRegistry::instance().open(FormatRegistry::probe(file));
            ++opened_;
            (void)ModelSummary::of(*model);
            for (const auto& t : model->graph->initializers)
                if (t->data)
                    try {
                        (void)t->data->bytes();
                    } catch (const Error&) {
                    }
            try {
                const auto saved = tmp("robust" + (model->format == "mindir" ? std::string(".mindir") : ".ckpt"));
                FormatRegistry::instance().save(*model, saved, model->format);
                (void)FormatRegistry::instance().open(saved);
            } catch (const Error&) {
            }
        } catch (const Error& e) {
            ++refused_;
            if (!QString(e.what()).contains(QString::fromStdString(label)))
                QFAIL(qPrintable("error does not name the file: " + QString(e.what())));
        }
        (void)format;
    }

private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    // Counts verified with python3-protobuf and core/formats/mindspore/*.proto
    // compiled by protoc --python_out (graph.node, graph.parameter, functions).
    void corpus_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("format");
        QTest::addColumn<int>("nodes");
        QTest::addColumn<int>("tensors");
        QTest::addColumn<int>("functions");
        QTest::addColumn<int>("functionNodes");
        QTest::addColumn<qulonglong>("parameters");
        QTest::addColumn<QString>("opTypes");
        struct Row {
            const char* folder;
            const char* file;
            const char* format;
            int nodes, tensors, functions, functionNodes;
            qulonglong parameters;
            const char* opTypes;
        };
        const Row rows[] = {
            { "mindir", "Depend_bprop_2023.mindir", "mindir", 2, 0, 0, 0, 0, "MakeTuple hyper_map[zeros_like_leaf]" },
            { "mindir", "DropoutDoMask_bprop.mindir", "mindir", 4, 0, 0, 0, 0,
                "DropoutDoMask MakeTuple hyper_map[zeros_like_leaf]" },
            { "mindir", "Gather_bprop_2023.mindir", "mindir", 13, 0, 28, 130, 0, "Constant bprop.664 resolve" },
            { "mindir", "Identity_bprop.mindir", "mindir", 1, 0, 0, 0, 0, "MakeTuple" },
            { "mindir", "OneHot_bprop.mindir", "mindir", 5, 0, 0, 0, 0, "MakeTuple hyper_map[zeros_like_leaf]" },
            { "mindir", "ReLU_bprop.mindir", "mindir", 2, 0, 0, 0, 0, "MakeTuple ReluGrad" },
            { "mindir", "add_no_encrpty.mindir", "mindir", 1, 0, 0, 0, 0, "Add" },
            { "mindir", "relu.mindir", "mindir", 1, 0, 0, 0, 0, "ReLU" },
            { "mindspore-ckpt", "SanBernardino_best_model.ckpt", "mindspore-ckpt", 0, 12, 0, 0, 12512, "" },
        };
        for (const auto& r : rows) {
            const auto path = test::corpusDir() / r.folder / r.file;
            QTest::newRow(r.file) << QString::fromStdString(path.string()) << r.format << r.nodes << r.tensors
                                  << r.functions << r.functionNodes << r.parameters << r.opTypes;
        }
    }

    void corpus()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QFETCH(QString, file);
        QFETCH(QString, format);
        QFETCH(int, nodes);
        QFETCH(int, tensors);
        QFETCH(int, functions);
        QFETCH(int, functionNodes);
        QFETCH(qulonglong, parameters);
        QFETCH(QString, opTypes);
        std::unique_ptr<Model> m;
        try {
            m = FormatRegistry::instance().open(file.toStdString());
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
        const auto s = ModelSummary::of(*m);
        QCOMPARE(QString::fromStdString(s.format), format);
        QCOMPARE(int(s.nodes), nodes);
        QCOMPARE(int(s.tensors), tensors);
        QCOMPARE(qulonglong(s.parameters), parameters);
        QCOMPARE(int(m->functions.size()), functions);
        int fnNodes = 0;
        for (const auto& f : m->functions)
            fnNodes += int(f.graph->nodes().size());
        QCOMPARE(fnNodes, functionNodes);
        QStringList ops;
        for (const auto& op : s.opTypes)
            ops << QString::fromStdString(op);
        QCOMPARE(ops.join(' '), opTypes);
        if (format == "mindir")
            QCOMPARE(QString::fromStdString(s.producer), QString("MindSpore"));
    }

    // New corpus files must get a row above.
    void everyCorpusFileHasARow()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto files = test::corpusFiles("mindir", { ".mindir" });
        QCOMPARE(int(files.size()), 8);
        QCOMPARE(int(test::corpusFiles("mindspore-ckpt", { ".ckpt" }).size()), 1);
    }

    void gatherFunctionsAndCalls()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto m = FormatRegistry::instance().open(test::corpusDir() / "mindir" / "Gather_bprop_2023.mindir");
        // The main graph calls function bprop.664 by op type.
        const Node* call = nullptr;
        for (const auto& n : m->graph->nodes())
            if (n->opType == "bprop.664")
                call = n.get();
        QVERIFY(call);
        QVERIFY(std::any_of(
            m->functions.begin(), m->functions.end(), [](const Function& f) { return f.name == "bprop.664"; }));
        // Closures: some function node calls another node's output.
        int calls = 0, freeVariables = 0, graphValues = 0;
        for (const auto& f : m->functions) {
            for (const auto& n : f.graph->nodes())
                if (n->opType == "Call") {
                    ++calls;
                    QVERIFY(n->inputs().front() != nullptr);
                }
            for (const auto& v : f.graph->values()) {
                freeVariables += v->fromOuterScope;
                graphValues += v->type.kind == ValueType::Kind::Opaque;
            }
        }
        QVERIFY(calls > 0);
        QVERIFY(freeVariables > 0);
        QVERIFY(graphValues > 0);
        // Constant value nodes keep their value as an attribute.
        const Node* constant = nullptr;
        for (const auto& n : m->graph->nodes())
            if (n->opType == "Constant")
                constant = n.get();
        QVERIFY(constant && constant->attribute("value"));
        QCOMPARE(constant->attribute("value")->type, AttributeType::String);
    }

    void oneXAttributesAndShapes()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto m = FormatRegistry::instance().open(test::corpusDir() / "mindir" / "relu.mindir");
        const Node& relu = *m->graph->nodes().front();
        QCOMPARE(QString::fromStdString(relu.name), QString("Default/relu-ReLU/ReLU-op188"));
        const Attribute* names = relu.attribute("input_names");
        QVERIFY(names);
        QCOMPARE(names->type, AttributeType::Strings);
        QCOMPARE(names->strings, std::vector<std::string> { "x" });
        // The unnamed "shape:" attribute types the output.
        QCOMPARE(QString::fromStdString(relu.outputs().front()->type.toString()), QString("float32[1,1,2,2]"));
        QCOMPARE(QString::fromStdString(m->graph->inputs.front()->type.toString()), QString("float32[1,1,2,2]"));
        // Op metadata knows ReLU.
        QCOMPARE(
            QString::fromStdString(std::string(mindSporeOpMetadata().category("", "ReLU"))), QString("Activation"));
        QCOMPARE(QString::fromStdString(std::string(mindSporeOpMetadata().category("", "Conv2D"))), QString("Layer"));
    }

    void roundTrip_data()
    {
        QTest::addColumn<QString>("file");
        for (const auto& f : test::corpusFiles("mindir", { ".mindir" }))
            QTest::newRow(f.filename().string().c_str()) << QString::fromStdString(f.string());
        for (const auto& f : test::corpusFiles("mindspore-ckpt", { ".ckpt" }))
            QTest::newRow(f.filename().string().c_str()) << QString::fromStdString(f.string());
    }

    void roundTrip()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QFETCH(QString, file);
        const fs::path source = file.toStdString();
        const auto target = tmp("rt_" + source.filename().string());
        std::unique_ptr<Model> a, b;
        try {
            a = FormatRegistry::instance().open(source);
            FormatRegistry::instance().save(*a, target, a->format);
            b = FormatRegistry::instance().open(target);
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
        const auto diffs = compareModels(*a, *b);
        QVERIFY2(diffs.empty(), diffs.empty() ? "" : diffs.front().c_str());
        QVERIFY2(readAll(source) == readAll(target), "saved bytes differ from the original");
    }

    void checkpointEdit()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto source = test::corpusDir() / "mindspore-ckpt" / "SanBernardino_best_model.ckpt";
        auto m = FormatRegistry::instance().open(source);
        const std::string edited = "network.network.dense1.bias";
        Tensor* t = nullptr;
        for (auto& x : m->graph->initializers)
            if (x->name == edited)
                t = x.get();
        QVERIFY(t && t->isMapped());
        QCOMPARE(t->dataType, DataType::Float);
        std::vector<std::byte> bytes(t->data->bytes().begin(), t->data->bytes().end());
        for (std::size_t k = 0; k < bytes.size(); k += 4)
            std::memcpy(&bytes[k], "\x00\x00\x80\x3f", 4); // 1.0f
        t->data = std::make_shared<OwnedTensorData>(bytes);
        const auto target = tmp("edited.ckpt");
        FormatRegistry::instance().save(*m, target);
        const auto original = FormatRegistry::instance().open(source);
        const auto reopened = FormatRegistry::instance().open(target);
        QCOMPARE(reopened->format, std::string("mindspore-ckpt"));
        QCOMPARE(reopened->graph->initializers.size(), original->graph->initializers.size());
        for (std::size_t k = 0; k < original->graph->initializers.size(); ++k) {
            const auto& o = *original->graph->initializers[k];
            const auto& r = *reopened->graph->initializers[k];
            QCOMPARE(r.name, o.name);
            QCOMPARE(r.dims, o.dims);
            if (o.name == edited) {
                QVERIFY(bytesOf(r) != bytesOf(o));
                QCOMPARE(bytesOf(r), std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
            } else {
                QVERIFY2(bytesOf(r) == bytesOf(o), o.name.c_str());
            }
        }
        // Same size, and every byte outside the edited contents unchanged.
        const auto a = readAll(source), b = readAll(target);
        QCOMPARE(a.size(), b.size());
        std::size_t differing = 0;
        for (std::size_t k = 0; k < a.size(); ++k)
            differing += a[k] != b[k];
        QVERIFY(differing > 0 && differing <= bytes.size());
    }

    void checkpointSlicesScalarsMapsAndRename()
    {
        ckpt::Checkpoint c;
        addEntry(c, "big", { 4 }, "Float32", floatBytes({ 1, 2 }));
        addEntry(c, "big", { 4 }, "Float32", floatBytes({ 3, 4 })); // a second slice of "big"
        addEntry(c, "step", { 0 }, "Int64", std::string("\x05\0\0\0\0\0\0\0", 8)); // a scalar
        addEntry(c, "half", { 2 }, "Float16", std::string("\x00\x3c\x00\x40", 4));
        addEntry(c, "bf", { 1 }, "BFloat16", std::string("\x80\x3f", 2));
        addEntry(c, "u8", { 3 }, "Uint8", "abc"); // the pre-2.0 spelling
        addEntry(c, "name", { 0 }, "str", "lenet");
        auto* map = c.add_value();
        map->set_tag("embedding");
        for (const auto& content : { floatBytes({ 1 }), floatBytes({ 2, 3 }), floatBytes({ 4 }) }) {
            auto* t = map->mutable_maptensor()->add_tensor();
            t->add_dims(static_cast<std::int64_t>(content.size() / 4));
            t->set_tensor_type("Float32");
            t->set_tensor_content(content);
        }
        std::string serialized;
        QVERIFY(c.SerializeToString(&serialized));
        const auto path = tmp("made.ckpt");
        writeFile(path, serialized);

        auto m = FormatRegistry::instance().open(path);
        QCOMPARE(m->format, std::string("mindspore-ckpt"));
        QCOMPARE(int(m->graph->initializers.size()), 9);
        const Tensor* big = initializer(*m, "big");
        QVERIFY(big);
        QCOMPARE(big->dims, std::vector<std::int64_t> { 4 });
        QCOMPARE(bytesOf(*big), floatBytes({ 1, 2, 3, 4 }));
        const Tensor* step = initializer(*m, "step");
        QVERIFY(step && step->dims.empty());
        QCOMPARE(step->dataType, DataType::Int64);
        QCOMPARE(initializer(*m, "half")->dataType, DataType::Float16);
        QCOMPARE(initializer(*m, "bf")->dataType, DataType::BFloat16);
        QCOMPARE(initializer(*m, "u8")->dataType, DataType::UInt8);
        QCOMPARE(initializer(*m, "name")->strings, std::vector<std::string> { "lenet" });
        QVERIFY(initializer(*m, "embedding.key") && initializer(*m, "embedding.value")
            && initializer(*m, "embedding.status"));
        QCOMPARE(bytesOf(*initializer(*m, "embedding.value")), floatBytes({ 2, 3 }));

        // Unedited: byte for byte.
        const auto same = tmp("made_same.ckpt");
        FormatRegistry::instance().save(*m, same);
        QCOMPARE(readAll(same), serialized);

        // Edit the sliced tensor (same size: the slicing stays), rename one,
        // change a map part.
        for (auto& t : m->graph->initializers) {
            if (t->name == "big") {
                const auto b = floatBytes({ 10, 20, 30, 40 });
                t->data = std::make_shared<OwnedTensorData>(
                    std::vector<std::byte>(reinterpret_cast<const std::byte*>(b.data()),
                        reinterpret_cast<const std::byte*>(b.data()) + b.size()));
            } else if (t->name == "half") {
                t->name = "half_renamed";
            } else if (t->name == "embedding.value") {
                const auto b = floatBytes({ 7, 8 });
                t->data = std::make_shared<OwnedTensorData>(
                    std::vector<std::byte>(reinterpret_cast<const std::byte*>(b.data()),
                        reinterpret_cast<const std::byte*>(b.data()) + b.size()));
            }
        }
        const auto edited = tmp("made_edited.ckpt");
        FormatRegistry::instance().save(*m, edited);
        ckpt::Checkpoint back;
        QVERIFY(back.ParseFromString(readAll(edited)));
        QCOMPARE(back.value_size(), c.value_size());
        QCOMPARE(back.value(0).tensor().tensor_content(), floatBytes({ 10, 20 }));
        QCOMPARE(back.value(1).tensor().tensor_content(), floatBytes({ 30, 40 }));
        QCOMPARE(back.value(3).tag(), std::string("half_renamed"));
        QCOMPARE(back.value(3).tensor().tensor_content(), std::string("\x00\x3c\x00\x40", 4));
        QCOMPARE(back.value(7).maptensor().tensor(1).tensor_content(), floatBytes({ 7, 8 }));
        auto reopened = FormatRegistry::instance().open(edited);
        QCOMPARE(bytesOf(*initializer(*reopened, "big")), floatBytes({ 10, 20, 30, 40 }));
        QVERIFY(initializer(*reopened, "half_renamed"));
        QVERIFY(initializer(*reopened, "step")->dims.empty());

        // A different size makes one slice.
        for (auto& t : reopened->graph->initializers)
            if (t->name == "big") {
                const auto b = floatBytes({ 1, 2, 3, 4, 5, 6 });
                t->dims = { 6 };
                t->data = std::make_shared<OwnedTensorData>(
                    std::vector<std::byte>(reinterpret_cast<const std::byte*>(b.data()),
                        reinterpret_cast<const std::byte*>(b.data()) + b.size()));
            }
        const auto grown = tmp("made_grown.ckpt");
        FormatRegistry::instance().save(*reopened, grown);
        QVERIFY(back.ParseFromString(readAll(grown)));
        QCOMPARE(back.value_size(), c.value_size() - 1);
        QCOMPARE(back.value(0).tensor().tensor_content(), floatBytes({ 1, 2, 3, 4, 5, 6 }));
        QCOMPARE(back.value(1).tag(), std::string("step"));
    }

    void syntheticMindirGraph()
    {
        const auto path = writeSynthetic();
        std::unique_ptr<Model> m;
        try {
            m = FormatRegistry::instance().open(path);
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
        QCOMPARE(m->format, std::string("mindir"));
        QCOMPARE(int(m->graph->nodes().size()), 4);
        QCOMPARE(int(m->graph->initializers.size()), 3);
        QCOMPARE(int(m->functions.size()), 1);
        QCOMPARE(m->producerVersion, std::string("2.2.0"));
        const Tensor* w = initializer(*m, "net:fc.weight");
        QVERIFY(w && w->isMapped());
        QCOMPARE(bytesOf(*w), floatBytes({ 1, 2, 3, 4, 5, 6, 7, 8 }));
        QCOMPARE(m->parameterCount(), std::uint64_t(11));

        const auto& nodes = m->graph->nodes();
        const Node& mm = *nodes[0];
        QCOMPARE(mm.opType, std::string("MatMul"));
        QCOMPARE(mm.name, std::string("Default/fc-Dense/MatMul-op1"));
        QCOMPARE(mm.inputs()[1]->initializer.get(), w);
        QCOMPARE(mm.attribute("transpose_b")->type, AttributeType::Int);
        QCOMPARE(mm.attribute("transpose_b")->i, std::int64_t(1));
        QCOMPARE(mm.attribute("alpha")->type, AttributeType::Float);
        QCOMPARE(mm.attribute("alpha")->f, 0.25);
        QCOMPARE(mm.attribute("input_names")->type, AttributeType::Strings);
        QCOMPARE(mm.attribute("strides")->type, AttributeType::Ints);
        QCOMPARE(mm.attribute("strides")->ints, (std::vector<std::int64_t> { 1, 2 }));
        QCOMPARE(mm.attribute("mixed")->type, AttributeType::String);
        QCOMPARE(mm.attribute("mixed")->s, std::string("(7, 'same')"));
        QCOMPARE(mm.attribute("nothing")->s, std::string("None"));
        QCOMPARE(mm.attribute("table")->type, AttributeType::Tensor);
        QCOMPARE(bytesOf(*mm.attribute("table")->tensors.front()), floatBytes({ 9, 10 }));
        QCOMPARE(nodes[1]->opType, std::string("BiasAdd"));
        QCOMPARE(nodes[2]->opType, std::string("helper.3")); // calls the function
        QCOMPARE(nodes[3]->opType, std::string("Call")); // calls node 3's result
        QCOMPARE(nodes[3]->inputs().front(), nodes[2]->outputs().front());
        QCOMPARE(nodes[3]->inputs().back()->type.kind, ValueType::Kind::Opaque); // a graph as a value
        const Graph& helper = *m->functions.front().graph;
        QCOMPARE(helper.nodes().front()->opType, std::string("hyper_map[zeros_like_leaf]"));
        QVERIFY(helper.findValue("net:scale")->fromOuterScope);

        // Unedited: byte for byte, unknown field included.
        const auto same = tmp("synthetic_same.mindir");
        FormatRegistry::instance().save(*m, same);
        QCOMPARE(readAll(same), readAll(path));

        // Edit a weight and an attribute tensor.
        for (auto& t : m->graph->initializers)
            if (t->name == "net:fc.bias") {
                const auto b = floatBytes({ 42, 43 });
                t->data = std::make_shared<OwnedTensorData>(
                    std::vector<std::byte>(reinterpret_cast<const std::byte*>(b.data()),
                        reinterpret_cast<const std::byte*>(b.data()) + b.size()));
            }
        const auto edited = tmp("synthetic_edited.mindir");
        FormatRegistry::instance().save(*m, edited);
        const auto r = FormatRegistry::instance().open(edited);
        QCOMPARE(bytesOf(*initializer(*r, "net:fc.bias")), floatBytes({ 42, 43 }));
        QCOMPARE(bytesOf(*initializer(*r, "net:fc.weight")), floatBytes({ 1, 2, 3, 4, 5, 6, 7, 8 }));
        mindir::ModelProto back;
        QVERIFY(back.ParseFromString(readAll(edited)));
        QCOMPARE(back.GetReflection()->GetUnknownFields(back).field_count(), 1);
        QCOMPARE(back.graph().parameter(1).raw_data(), floatBytes({ 42, 43 }));
        const auto diffs = compareModels(*m, *r);
        QVERIFY2(diffs.empty(), diffs.empty() ? "" : diffs.front().c_str());
    }

    void externalData()
    {
        QTemporaryDir folder;
        const fs::path base = folder.path().toStdString();
        writeFile(base / "weights.bin", "xxxx" + floatBytes({ 1, 2, 3, 4, 5, 6, 7, 8 }));
        auto model = syntheticMindir();
        auto* p = model.mutable_graph()->mutable_parameter(0);
        p->clear_raw_data();
        p->mutable_external_data()->set_location("weights.bin");
        p->mutable_external_data()->set_offset(4);
        p->mutable_external_data()->set_length(32);
        std::string bytes;
        QVERIFY(model.SerializeToString(&bytes));
        writeFile(base / "ext.mindir", bytes);
        auto m = FormatRegistry::instance().open(base / "ext.mindir");
        const Tensor* w = initializer(*m, "net:fc.weight");
        QCOMPARE(bytesOf(*w), floatBytes({ 1, 2, 3, 4, 5, 6, 7, 8 }));
        QCOMPARE(w->externalLocation, std::string("weights.bin"));
        // Saved into the same folder unedited: the reference stays.
        FormatRegistry::instance().save(*m, base / "ext_same.mindir");
        QCOMPARE(readAll(base / "ext_same.mindir"), bytes);
        // Saved elsewhere: the bytes come inline.
        FormatRegistry::instance().save(*m, tmp("ext_moved.mindir"));
        mindir::ModelProto moved;
        QVERIFY(moved.ParseFromString(readAll(tmp("ext_moved.mindir"))));
        QVERIFY(!moved.graph().parameter(0).has_external_data());
        QCOMPARE(moved.graph().parameter(0).raw_data(), floatBytes({ 1, 2, 3, 4, 5, 6, 7, 8 }));

        for (const char* location : { "../weights.bin", "/etc/passwd", "sub/../../weights.bin" }) {
            p->mutable_external_data()->set_location(location);
            QVERIFY(model.SerializeToString(&bytes));
            writeFile(base / "evil.mindir", bytes);
            try {
                FormatRegistry::instance().open(base / "evil.mindir");
                QFAIL(qPrintable(QString("accepted external data at ") + location));
            } catch (const Error& e) {
                QVERIFY2(QString(e.what()).contains("refused"), e.what());
                QVERIFY(QString(e.what()).contains("evil.mindir"));
            }
        }
    }

    void encrypted()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto file = test::corpusDir() / "mindir-encrypted" / kEncryptedName;
        try {
            FormatRegistry::instance().open(file);
            QFAIL("an encrypted MindIR opened without a key");
        } catch (const Error& e) {
            const QString what = e.what();
            QVERIFY2(
                what.startsWith(QString::fromStdString(file.string()) + ": this MindIR is encrypted (AES-"), e.what());
            QVERIFY(what.endsWith("; open it with its key"));
        }
        try {
            FormatRegistry::instance().open(file, ReadOptions { "0123456789ABCDEE", {} });
            QFAIL("opened with a wrong key");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("the key is wrong"), e.what());
            QVERIFY(QString(e.what()).contains(QString::fromStdString(file.string())));
        }
        try {
            FormatRegistry::instance().open(file, ReadOptions { "short", {} });
            QFAIL("opened with a short key");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("16, 24 or 32 bytes"), e.what());
        }
        const auto plain = FormatRegistry::instance().open(test::corpusDir() / "mindir" / "add_no_encrpty.mindir");
        // Decrypted, it is the unencrypted model, plus a note that it was.
        auto withoutNote = [](Model& m) {
            const std::pair<std::string, std::string> note { "encryption", "AES-GCM" };
            auto it = std::find(m.metadata.begin(), m.metadata.end(), note);
            QVERIFY(it != m.metadata.end());
            m.metadata.erase(it);
        };
        for (const char* key : { kKey, "30313233343536373839414243444546" }) {
            const auto m = FormatRegistry::instance().open(file, ReadOptions { key, {} });
            QCOMPARE(m->format, std::string("mindir"));
            withoutNote(*m);
            const auto diffs = compareModels(*plain, *m);
            QVERIFY2(diffs.empty(), diffs.empty() ? "" : diffs.front().c_str());
        }
        // A re-save stays encrypted, with the same key.
        const auto m = FormatRegistry::instance().open(file, ReadOptions { kKey, "AES-GCM" });
        const auto saved = tmp("still_encrypted.mindir");
        FormatRegistry::instance().save(*m, saved);
        QVERIFY(MindSporeCipher::detect(readBytes(saved)).has_value());
        QVERIFY_THROWS_EXCEPTION(Error, FormatRegistry::instance().open(saved));
        const auto again = FormatRegistry::instance().open(saved, ReadOptions { kKey, {} });
        withoutNote(*again);
        QVERIFY(compareModels(*plain, *again).empty());
    }

    void cipherModes()
    {
        // Every mode and layout MindSpore writes, round-tripped through our
        // own encryption, over more than one 64 MB block boundary's logic.
        std::vector<std::byte> plain(100000);
        std::mt19937 rng(7);
        for (auto& b : plain)
            b = std::byte(rng() & 0xff);
        const std::vector<unsigned char> key(kKey, kKey + 16);
        using L = MindSporeCipher::Layout;
        using M = MindSporeCipher::Mode;
        for (const L layout :
            { L { M::AesGcm, false }, L { M::AesCbc, false }, L { M::AesGcm, true }, L { M::AesCbc, true } }) {
            const auto sealed = MindSporeCipher::encrypt(plain, key, layout);
            const auto detected = MindSporeCipher::detect(sealed);
            QVERIFY(detected);
            QCOMPARE(detected->legacy, layout.legacy);
            QCOMPARE(MindSporeCipher::decrypt(sealed, key, layout), plain);
            if (!layout.legacy || layout.mode == M::AesCbc) {
                auto wrong = key;
                wrong[0] ^= 1;
                QVERIFY_THROWS_EXCEPTION(Error, MindSporeCipher::decrypt(sealed, wrong, layout));
            }
        }
    }

    void sniffing()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        // MindIR's string ir_version keeps ONNX files ONNX and MindIR MindIR.
        for (const auto& f : test::onnxCorpusFiles()) {
            try {
                const auto d = FormatRegistry::instance().detect(FormatRegistry::probe(f));
                QVERIFY2(d.format->name() == "onnx", f.string().c_str());
            } catch (const Error&) {
                // Files ONNX itself refuses are test_onnx_corpus's business.
            }
        }
        for (const auto& f : test::corpusFiles("mindir", { ".mindir" }))
            QCOMPARE(
                FormatRegistry::instance().detect(FormatRegistry::probe(f)).format->name(), std::string_view("mindir"));
        // By content, not by name.
        const auto renamed = tmp("checkpoint_named.onnx");
        fs::copy_file(test::corpusDir() / "mindspore-ckpt" / "SanBernardino_best_model.ckpt", renamed,
            fs::copy_options::overwrite_existing);
        QCOMPARE(FormatRegistry::instance().detect(FormatRegistry::probe(renamed)).format->name(),
            std::string_view("mindspore-ckpt"));
    }

    void applyWeights()
    {
        // A checkpoint with two of the model's three parameters, one extra.
        ckpt::Checkpoint c;
        addEntry(c, "fc.weight", { 2, 4 }, "Float32", floatBytes({ 8, 7, 6, 5, 4, 3, 2, 1 }));
        addEntry(c, "fc.bias", { 2 }, "Float32", floatBytes({ 9, 9 }));
        addEntry(c, "moments.fc.weight", { 2, 4 }, "Float32", floatBytes({ 0, 0, 0, 0, 0, 0, 0, 0 }));
        std::string bytes;
        QVERIFY(c.SerializeToString(&bytes));
        const auto made = tmp("weights_made.ckpt");
        writeFile(made, bytes);
        // Re-saved by our own writer, with an edit, so both ends are ours.
        auto weights = FormatRegistry::instance().open(made);
        for (auto& t : weights->graph->initializers)
            if (t->name == "fc.bias") {
                const auto b = floatBytes({ 0.25f, 0.75f });
                t->data = std::make_shared<OwnedTensorData>(
                    std::vector<std::byte>(reinterpret_cast<const std::byte*>(b.data()),
                        reinterpret_cast<const std::byte*>(b.data()) + b.size()));
            }
        const auto weightsFile = tmp("weights.ckpt");
        FormatRegistry::instance().save(*weights, weightsFile);

        const auto modelFile = writeSynthetic();
        auto model = FormatRegistry::instance().open(modelFile);
        const auto w = FormatRegistry::instance().open(weightsFile);
        const TransplantReport report = nodus::applyWeights(*model, *w);
        QVERIFY(report.applied);
        QCOMPARE(report.loaded, (std::vector<std::string> { "net:fc.weight", "net:fc.bias" }));
        QCOMPARE(report.notLoaded, std::vector<std::string> { "net:scale" });
        QCOMPARE(report.unused, std::vector<std::string> { "moments.fc.weight" });
        QVERIFY(report.mismatches.empty());
        const auto out = tmp("transplanted.mindir");
        FormatRegistry::instance().save(*model, out);
        const auto r = FormatRegistry::instance().open(out);
        QCOMPARE(bytesOf(*initializer(*r, "net:fc.weight")), floatBytes({ 8, 7, 6, 5, 4, 3, 2, 1 }));
        QCOMPARE(bytesOf(*initializer(*r, "net:fc.bias")), floatBytes({ 0.25f, 0.75f }));
        QCOMPARE(bytesOf(*initializer(*r, "net:scale")), floatBytes({ 3 }));

        // A shape mismatch refuses everything and names the parameter.
        ckpt::Checkpoint bad;
        addEntry(bad, "fc.weight", { 4, 2 }, "Float32", floatBytes({ 8, 7, 6, 5, 4, 3, 2, 1 }));
        addEntry(bad, "fc.bias", { 2 }, "Float32", floatBytes({ 1, 1 }));
        QVERIFY(bad.SerializeToString(&bytes));
        writeFile(tmp("bad.ckpt"), bytes);
        auto fresh = FormatRegistry::instance().open(modelFile);
        WeightTransplant transplant(*fresh, *FormatRegistry::instance().open(tmp("bad.ckpt")));
        transplant.apply();
        QVERIFY(!transplant.report().applied);
        QCOMPARE(int(transplant.report().mismatches.size()), 1);
        QVERIFY(QString::fromStdString(transplant.report().mismatches.front()).startsWith("net:fc.weight: "));
        QCOMPARE(bytesOf(*initializer(*fresh, "net:fc.bias")), floatBytes({ 0.5f, -0.5f }));

        // Apply and revert.
        WeightTransplant good(*fresh, *w);
        good.apply();
        QCOMPARE(bytesOf(*initializer(*fresh, "net:fc.bias")), floatBytes({ 0.25f, 0.75f }));
        good.revert();
        QCOMPARE(bytesOf(*initializer(*fresh, "net:fc.bias")), floatBytes({ 0.5f, -0.5f }));

        // The CLI prints the same report.
        const Run run = cli(
            { "apply-weights", QString::fromStdString(modelFile.string()), QString::fromStdString(weightsFile.string()),
                "-o", QString::fromStdString(tmp("cli_out.mindir").string()), "--json" });
        QVERIFY2(run.code == 0, qPrintable(run.err));
        const QJsonObject o = QJsonDocument::fromJson(run.out).object();
        QCOMPARE(o.value("applied").toBool(), true);
        QCOMPARE(o.value("not_loaded").toArray().size(), 1);
        QCOMPARE(o.value("not_loaded").toArray().at(0).toString(), QString("net:scale"));
        QCOMPARE(o.value("unused").toArray().at(0).toString(), QString("moments.fc.weight"));
        QCOMPARE(o.value("loaded").toArray().size(), 2);
        QCOMPARE(readAll(tmp("cli_out.mindir")), readAll(out));
        const Run refused = cli({ "apply-weights", QString::fromStdString(modelFile.string()),
            QString::fromStdString(tmp("bad.ckpt").string()), "-o",
            QString::fromStdString(tmp("cli_bad.mindir").string()) });
        QCOMPARE(refused.code, 1);
        QVERIFY(refused.out.contains("net:fc.weight"));
        QVERIFY(!fs::exists(tmp("cli_bad.mindir")));
    }

    void cliKey()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const QString file = QString::fromStdString((test::corpusDir() / "mindir-encrypted" / kEncryptedName).string());
        Run r = cli({ "info", "--json", file });
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("this MindIR is encrypted"), qPrintable(r.err));
        r = cli({ "info", "--json", "--key", kKey, file });
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o.value("format").toString(), QString("mindir"));
        QCOMPARE(o.value("graph").toObject().value("nodes").toInt(), 1);
        r = cli({ "convert", "--key", kKey, "--cipher", "AES-GCM", file,
            QString::fromStdString(tmp("cli_converted.mindir").string()) });
        QVERIFY2(r.code == 0, qPrintable(r.err));
    }

    void damaged_data()
    {
        QTest::addColumn<QString>("file");
        for (const auto& f : test::corpusFiles("mindir", { ".mindir" }))
            QTest::newRow(f.filename().string().c_str()) << QString::fromStdString(f.string());
        for (const auto& f : test::corpusFiles("mindspore-ckpt", { ".ckpt" }))
            QTest::newRow(f.filename().string().c_str()) << QString::fromStdString(f.string());
        for (const auto& f : test::corpusFiles("mindir-encrypted", { ".mindir" }))
            QTest::newRow(f.filename().string().c_str()) << QString::fromStdString(f.string());
        QTest::newRow("synthetic") << QString();
    }

    void damaged()
    {
        QFETCH(QString, file);
        fs::path path = file.toStdString();
        if (file.isEmpty())
            path = writeSynthetic();
        const auto original = readBytes(path);
        const std::string name = path.filename().string();
        QVERIFY(!original.empty());
        std::vector<std::size_t> cuts = { 0, 1, 2, original.size() - 1 };
        for (int k = 1; k < 48; ++k)
            cuts.push_back(original.size() * k / 48);
        for (std::size_t cut : cuts)
            attempt(std::vector<std::byte>(original.begin(), original.begin() + std::ptrdiff_t(cut)),
                name + " (truncated at " + std::to_string(cut) + ")", "");
        std::mt19937_64 rng(std::hash<std::string> {}(name));
        for (int k = 0; k < 64; ++k) {
            auto copy = original;
            for (int f = 0; f < 1 + k % 4; ++f) {
                const std::size_t at = rng() % copy.size();
                copy[at] ^= std::byte(1u << (rng() % 8));
            }
            attempt(copy, name + " (bit flip " + std::to_string(k) + ")", "");
        }
    }

    void cleanupTestCase()
    {
        qInfo("damaged copies: %d opened and survived inspection, %d refused with an error", opened_, refused_);
    }
};

QTEST_GUILESS_MAIN(TestMindSpore)
#include "test_mindspore.moc"
