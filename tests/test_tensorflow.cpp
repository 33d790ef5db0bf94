// TensorFlow models (core/formats/tensorflow): frozen GraphDefs, meta graphs
// and SavedModels of the corpus, their Const and variable values, sniffing
// against the other protobuf formats, write-back, and damaged copies.
#include "testsupport.h"

#include "formats/formatregistry.h"
#include "formats/tensorflow/tensorbundle.h"
#include "formats/tensorflow/tensorflowformat.h"
#include "ir/model.h"
#include "ir/opmetadata.h"
#include "ir/ownedtensordata.h"
#include "ir/tensorvalues.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <cstring>
#include <fstream>
#include <map>

using namespace nodus;
namespace fs = std::filesystem;

namespace {

const Tensor* find(const Model& m, const std::string& name)
{
    for (const auto& t : m.graph->initializers)
        if (t->name == name)
            return t.get();
    return nullptr;
}

std::vector<double> values(const Tensor& t)
{
    std::vector<double> out;
    const auto bytes = t.data->bytes();
    for (std::uint64_t k = 0; k < *t.elementCount(); ++k)
        out.push_back(elementAsDouble(t.dataType, bytes, k));
    return out;
}

std::map<std::string, int> opCounts(const Model& m)
{
    std::map<std::string, int> out;
    for (const auto& n : m.graph->nodes())
        ++out[n->opType];
    return out;
}

std::vector<std::byte> readBytes(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::string s { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
    std::vector<std::byte> out(s.size());
    std::memcpy(out.data(), s.data(), s.size());
    return out;
}

void writeBytes(const fs::path& p, const std::vector<std::byte>& bytes)
{
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

std::shared_ptr<Tensor> withFloats(const Tensor& t, const std::vector<float>& v)
{
    auto copy = std::make_shared<Tensor>(t);
    std::vector<std::byte> bytes(v.size() * 4);
    std::memcpy(bytes.data(), v.data(), bytes.size());
    copy->data = std::make_shared<OwnedTensorData>(std::move(bytes));
    return copy;
}

// Replaces a tensor's data in place, as an edit command does.
void setFloats(const Tensor& t, const std::vector<float>& v)
{
    const_cast<Tensor&>(t).data = withFloats(t, v)->data;
}

const TensorflowFormat& format()
{
    return *static_cast<const TensorflowFormat*>(FormatRegistry::instance().byName("tensorflow"));
}

} // namespace

class TestTensorflow : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;

    fs::path out(const std::string& name) const { return fs::path(tmp_.path().toStdString()) / name; }

    // A damaged copy either opens (a cut at a field boundary can leave a
    // smaller valid graph) or fails with nodus::Error; returns whether it failed.
    bool damaged(const std::vector<std::byte>& bytes, const std::string& label)
    {
        try {
            auto file = MappedFile::fromBytes(bytes, label);
            auto m = format().read(FormatRegistry::probe(file));
            for (const auto& t : m->graph->initializers)
                if (t->data)
                    (void)t->data->bytes();
            return false;
        } catch (const Error&) {
            return true;
        }
    }

private slots:
    void initTestCase() { QVERIFY(tmp_.isValid()); }

    void registry()
    {
        const Format* f = FormatRegistry::instance().byName("tensorflow");
        QVERIFY(f);
        QCOMPARE(std::string(f->displayName()), std::string("TensorFlow model"));
        QCOMPARE(std::string(f->mimeType()), std::string("application/x-tensorflow-graph"));
        QCOMPARE(f->extensions(), (std::vector<std::string> { ".pb", ".pbtxt", ".meta" }));
        QVERIFY(f->magic().empty());
        QVERIFY(f->can(Format::Read) && f->can(Format::Write));
    }

    void metadata()
    {
        const OpMetadata& meta = format().opMetadata();
        QCOMPARE(std::string(meta.category("", "Conv2D")), std::string("Layer"));
        QCOMPARE(std::string(meta.category("", "DepthwiseConv2dNative")), std::string("Layer"));
        QCOMPARE(std::string(meta.category("", "MaxPool")), std::string("Pool"));
        QCOMPARE(std::string(meta.category("", "Relu6")), std::string("Activation"));
        QCOMPARE(std::string(meta.category("", "FusedBatchNormV3")), std::string("Normalization"));
        QCOMPARE(std::string(meta.category("", "Reshape")), std::string("Shape"));
        QCOMPARE(std::string(meta.category("", "ConcatV2")), std::string("Tensor"));
        QCOMPARE(std::string(meta.category("", "VarHandleOp")), std::string("Data"));
        QCOMPARE(std::string(meta.category("", "While")), std::string("Control"));
    }

    // Counts checked with a wire-level decoder in python3 (Placeholders
    // become graph inputs, input-free Consts stored tensors).
    void open_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<int>("nodes");
        QTest::addColumn<int>("tensors");
        QTest::addColumn<int>("inputs");
        QTest::addColumn<QString>("op");
        QTest::addColumn<int>("opCount");
        NODUS_SKIP_IF_NO_CORPUS();
        QTest::newRow("tf_add") << "tensorflow-pb/tf_add.pb" << 1 << 1 << 1 << "Add" << 1;
        QTest::newRow("regression_frozen") << "tensorflow-pb/regression_frozen.pb" << 5 << 2 << 1 << "Identity" << 3;
        QTest::newRow("lstm_frozen") << "tensorflow-pb/lstm_frozen.pb" << 421 << 106 << 2 << "Sigmoid" << 84;
        QTest::newRow("regression_meta") << "tensorflow-meta/regression_model.meta" << 101 << 25 << 2 << "Sum" << 11;
        QTest::newRow("redundant_inputs")
            << "tensorflow-savedmodel/saved_model_with_redundant_inputs.pb" << 1 << 1 << 2 << "Add" << 1;
        QTest::newRow("regression_saved_model")
            << "tensorflow-savedmodel/regression_saved_model" << 113 << 35 << 2 << "VariableV2" << 2;
    }

    void open()
    {
        QFETCH(QString, path);
        QFETCH(int, nodes);
        QFETCH(int, tensors);
        QFETCH(int, inputs);
        QFETCH(QString, op);
        QFETCH(int, opCount);
        const fs::path file = test::corpusDir() / path.toStdString();
        const auto m = FormatRegistry::instance().open(file);
        QCOMPARE(m->format, std::string("tensorflow"));
        QCOMPARE(int(m->graph->nodes().size()), nodes);
        QCOMPARE(int(m->tensorCount()), tensors);
        QCOMPARE(int(m->graph->realInputs().size()), inputs);
        QCOMPARE(opCounts(*m)[op.toStdString()], opCount);
        QVERIFY(!m->graph->outputs.empty());
        for (const auto& t : m->graph->initializers)
            if (t->data)
                QCOMPARE(t->data->bytes().size(), t->expectedBytes().value_or(0));
        // Every edge's source is produced, fed, or stored.
        for (const auto& n : m->graph->nodes())
            for (const Value* v : n->inputs())
                QVERIFY2(v->producer() || m->graph->isInput(v) || v->initializer, v->name().c_str());
    }

    void values_()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto dir = test::corpusDir();
        {
            // One float_val splatted over [10,10].
            const auto m = FormatRegistry::instance().open(dir / "tensorflow-pb/tf_add.pb");
            const Tensor* t = find(*m, "add_bias:0");
            QVERIFY(t);
            QCOMPARE(t->dims, (std::vector<std::int64_t> { 10, 10 }));
            const auto v = values(*t);
            QCOMPARE(v.size(), std::size_t(100));
            for (double x : v)
                QCOMPARE(x, 1.0);
            QCOMPARE(m->graph->inputs[0]->type.toString(), std::string("float32[10,10]"));
            const Node* add = m->graph->findNode("Add");
            QVERIFY(add);
            QCOMPARE(add->inputs()[0]->name(), std::string("graph_input:0"));
            QCOMPARE(add->inputs()[1]->name(), std::string("add_bias:0"));
        }
        {
            const auto m = FormatRegistry::instance().open(dir / "tensorflow-pb/regression_frozen.pb");
            QCOMPARE(float(values(*find(*m, "W:0"))[0]), 0.21396178f);
            QCOMPARE(float(values(*find(*m, "b:0"))[0]), 1.0495254f);
        }
        {
            const auto m = FormatRegistry::instance().open(dir / "tensorflow-pb/lstm_frozen.pb");
            const Tensor* w = find(*m, "model/w1:0");
            QVERIFY(w);
            QCOMPARE(w->dims, (std::vector<std::int64_t> { 128, 10 }));
            const auto v = values(*w);
            QCOMPARE(float(v[0]), 1.088001012802124f);
            QCOMPARE(float(v[1]), -1.1624248027801514f);
            double sum = 0;
            for (double x : v)
                sum += x;
            QVERIFY(std::abs(sum - -48.13646912924014) < 1e-3);
        }
    }

    void savedModel()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto dir = test::corpusDir() / "tensorflow-savedmodel/regression_saved_model";
        const auto m = FormatRegistry::instance().open(dir);
        // variables.data holds the two floats W, b (checked with python3).
        const Tensor* w = find(*m, "W");
        const Tensor* b = find(*m, "b");
        QVERIFY(w && b);
        QVERIFY(w->isMapped());
        QCOMPARE(float(values(*w)[0]), 0.21396178f);
        QCOMPARE(float(values(*b)[0]), 1.0495254f);
        const Node* var = m->graph->findNode("W");
        QVERIFY(var);
        QCOMPARE(var->opType, std::string("VariableV2"));
        QCOMPARE(var->inputs().size(), std::size_t(1));
        QCOMPARE(var->inputs()[0]->initializer.get(), w);
        // The serving signature gives the outputs.
        QCOMPARE(m->graph->outputs.size(), std::size_t(1));
        QCOMPARE(m->graph->outputs[0]->name(), std::string("pred:0"));
        QCOMPARE(m->graph->inputs[0]->name(), std::string("X:0"));
        // Control dependencies are listed on the node.
        int control = 0;
        for (const auto& n : m->graph->nodes())
            if (const Attribute* a = n->attribute("_control_inputs"))
                control += int(a->strings.size());
        QCOMPARE(control, 34);

        const auto r = test::runCli({ "info", "--json", QString::fromStdString(dir.string()) });
        QCOMPARE(r.code, 0);
        const auto j = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(j["format"].toString(), QString("tensorflow"));
        QCOMPARE(j["tensors"].toInt(), 35);
    }

    void bundleTable()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto index = test::corpusDir() / "tensorflow-savedmodel/regression_saved_model/variables/variables.index";
        const auto entries = TensorBundle::readTable(readBytes(index), "variables.index");
        QCOMPARE(entries.size(), std::size_t(3));
        QCOMPARE(entries[0].first, std::string());
        QCOMPARE(entries[1].first, std::string("W"));
        QCOMPARE(entries[2].first, std::string("b"));
        // CRC-32C's check value.
        const std::string check = "123456789";
        QCOMPARE(crc32c(std::as_bytes(std::span(check.data(), check.size()))), 0xe3069283u);
    }

    // No other protobuf (or any other) corpus file is taken for TensorFlow.
    void notOtherFormats()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        int checked = 0;
        for (const auto& entry : fs::recursive_directory_iterator(test::corpusDir())) {
            const std::string rel = fs::relative(entry.path(), test::corpusDir()).string();
            if (!entry.is_regular_file() || rel.starts_with("tensorflow-"))
                continue;
            const auto probe = FormatRegistry::probe(entry.path());
            QVERIFY2(format().sniff(probe) == 0, rel.c_str());
            ++checked;
        }
        QVERIFY(checked > 20);
        for (const char* folder : { "onnx", "mindir", "cntk-v2", "mindspore-ckpt" }) {
            const auto files = test::corpusFiles(folder, { "" });
            QVERIFY(!files.empty());
            const auto r = test::runCli({ "info", "--json", QString::fromStdString(files.front().string()) });
            QVERIFY2(!r.out.contains("\"tensorflow\""), files.front().string().c_str());
        }
    }

    void roundTrip()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto dir = test::corpusDir();
        for (const char* name : { "tensorflow-pb/tf_add.pb", "tensorflow-pb/regression_frozen.pb" }) {
            const auto m = FormatRegistry::instance().open(dir / name);
            FormatRegistry::instance().save(*m, out("same.pb"));
            QCOMPARE(test::fileBytes(out("same.pb")), test::fileBytes(dir / name));
        }
        const auto m = FormatRegistry::instance().open(dir / "tensorflow-pb/regression_frozen.pb");
        setFloats(*find(*m, "W:0"), { 2.5f });
        FormatRegistry::instance().save(*m, out("edited.pb"));
        const auto back = FormatRegistry::instance().open(out("edited.pb"));
        QCOMPARE(float(values(*find(*back, "W:0"))[0]), 2.5f);
        QCOMPARE(float(values(*find(*back, "b:0"))[0]), 1.0495254f);
        QCOMPARE(back->graph->nodes().size(), m->graph->nodes().size());

        // A splatted float_val edited: stored back as tensor_content.
        const auto add = FormatRegistry::instance().open(dir / "tensorflow-pb/tf_add.pb");
        std::vector<float> ramp(100);
        for (int k = 0; k < 100; ++k)
            ramp[k] = float(k) / 4;
        setFloats(*find(*add, "add_bias:0"), ramp);
        FormatRegistry::instance().save(*add, out("add.pb"));
        const auto addBack = FormatRegistry::instance().open(out("add.pb"));
        const auto v = values(*find(*addBack, "add_bias:0"));
        QCOMPARE(v.size(), std::size_t(100));
        QCOMPARE(v[37], 37.0 / 4);
    }

    void savedModelRoundTrip()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto dir = test::corpusDir() / "tensorflow-savedmodel/regression_saved_model";
        const auto m = FormatRegistry::instance().open(dir);
        setFloats(*find(*m, "W"), { -3.25f });
        const auto target = out("saved");
        FormatRegistry::instance().save(*m, target, "tensorflow");
        QVERIFY(fs::is_regular_file(target / "saved_model.pb"));
        QCOMPARE(test::fileBytes(target / "saved_model.pb"), test::fileBytes(dir / "saved_model.pb"));
        const auto back = FormatRegistry::instance().open(target);
        QCOMPARE(float(values(*find(*back, "W"))[0]), -3.25f);
        QCOMPARE(float(values(*find(*back, "b"))[0]), 1.0495254f);
        // The rewritten index carries the new bytes' checksum, as TF checks it.
        const auto bundle = TensorBundle::read(target / "variables" / "variables");
        QCOMPARE(bundle.entries().size(), std::size_t(2));
        const float edited = -3.25f;
        QCOMPARE(bundle.entries()[0].proto.crc32c(), maskCrc(crc32c(std::as_bytes(std::span(&edited, 1)))));
        const auto original = TensorBundle::read(dir / "variables" / "variables");
        QCOMPARE(bundle.entries()[1].proto.crc32c(), original.entries()[1].proto.crc32c());
        const float b = 1.0495254f;
        QCOMPARE(original.entries()[1].proto.crc32c(), maskCrc(crc32c(std::as_bytes(std::span(&b, 1)))));
    }

    // Text format: read (fields the schema lacks are skipped), not saved.
    void textFormat()
    {
        const auto path = out("graph.pbtxt");
        std::ofstream(path)
            << "# a hand-written graph\n"
               "node { name: \"x\" op: \"Placeholder\"\n"
               "  attr { key: \"dtype\" value { type: DT_FLOAT } }\n"
               "  attr { key: \"shape\" value { shape { dim { size: 2 } } } } }\n"
               "node { name: \"c\" op: \"Const\" attr { key: \"value\" value { tensor {\n"
               "  dtype: DT_FLOAT tensor_shape { dim { size: 2 } } float_val: 1.5 float_val: -2 } } } }\n"
               "node { name: \"y\" op: \"AddV2\" input: \"x\" input: \"c:0\" input: \"^c\"\n"
               "  experimental_debug_info { original_node_names: \"z\" } }\n"
               "versions { producer: 1234 }\n";
        const auto m = FormatRegistry::instance().open(path);
        QCOMPARE(m->format, std::string("tensorflow"));
        QCOMPARE(m->graph->nodes().size(), std::size_t(1));
        QCOMPARE(values(*find(*m, "c:0")), (std::vector<double> { 1.5, -2 }));
        const Node* y = m->graph->findNode("y");
        QCOMPARE(y->inputs()[0]->name(), std::string("x:0"));
        QCOMPARE(y->attribute("_control_inputs")->strings, std::vector<std::string> { "c" });
        QCOMPARE(m->graph->outputs[0]->name(), std::string("y:0"));
        QVERIFY_THROWS_EXCEPTION(Error, FormatRegistry::instance().save(*m, out("back.pb")));
        // A graph whose input names no node is refused, naming both.
        std::ofstream(out("dangling.pbtxt")) << "node { name: \"y\" op: \"Relu\" input: \"nowhere:1\" }\n";
        try {
            FormatRegistry::instance().open(out("dangling.pbtxt"));
            QFAIL("opened");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("nowhere:1") != std::string::npos, e.what());
        }
    }

    void damagedCopies_data()
    {
        QTest::addColumn<QString>("path");
        NODUS_SKIP_IF_NO_CORPUS();
        for (const char* p : { "tensorflow-pb/tf_add.pb", "tensorflow-pb/regression_frozen.pb",
                 "tensorflow-meta/regression_model.meta", "tensorflow-savedmodel/saved_model_with_redundant_inputs.pb",
                 "tensorflow-savedmodel/regression_saved_model/saved_model.pb" })
            QTest::newRow(p) << QString(p);
    }

    void damagedCopies()
    {
        QFETCH(QString, path);
        const auto bytes = readBytes(test::corpusDir() / path.toStdString());
        QVERIFY(!bytes.empty());
        int failed = 0, tries = 0;
        const std::size_t step = std::max<std::size_t>(1, bytes.size() / 200);
        for (std::size_t cut = 0; cut < bytes.size(); cut += step, ++tries)
            failed += damaged({ bytes.begin(), bytes.begin() + std::ptrdiff_t(cut) }, "cut.pb");
        QVERIFY(failed > tries / 2);
        std::uint32_t seed = 12345;
        for (int k = 0; k < 300; ++k) {
            auto copy = bytes;
            seed = seed * 1103515245u + 12345u;
            copy[(seed >> 8) % copy.size()] ^= std::byte(1u << ((seed >> 4) % 8));
            damaged(copy, "flip.pb");
        }
    }

    void damagedIndex()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto dir = test::corpusDir() / "tensorflow-savedmodel/regression_saved_model";
        const auto bytes = readBytes(dir / "variables/variables.index");
        const auto target = out("damaged");
        fs::create_directories(target / "variables");
        fs::copy_file(dir / "saved_model.pb", target / "saved_model.pb", fs::copy_options::overwrite_existing);
        fs::copy_file(dir / "variables/variables.data-00000-of-00001",
            target / "variables/variables.data-00000-of-00001", fs::copy_options::overwrite_existing);
        auto opens = [&](const std::vector<std::byte>& index) {
            writeBytes(target / "variables/variables.index", index);
            try {
                const auto m = FormatRegistry::instance().open(target);
                for (const auto& t : m->graph->initializers)
                    if (t->data)
                        (void)t->data->bytes();
                return true;
            } catch (const Error& e) {
                // The message names the file that is wrong.
                if (std::string(e.what()).find("variables") == std::string::npos)
                    qWarning() << e.what();
                return std::string(e.what()).find("variables") == std::string::npos;
            }
        };
        for (std::size_t cut = 0; cut < bytes.size(); ++cut)
            QVERIFY(!opens({ bytes.begin(), bytes.begin() + std::ptrdiff_t(cut) }));
        // Every flip in the blocks fails their checksums; flips in the
        // footer's padding may go unnoticed.
        for (std::size_t at = 0; at < bytes.size() - 48; ++at) {
            auto copy = bytes;
            copy[at] ^= std::byte(0x10);
            QVERIFY2(!opens(copy), std::to_string(at).c_str());
        }
        // A shard shorter than the entries need.
        writeBytes(target / "variables/variables.data-00000-of-00001", { std::byte(0) });
        QVERIFY(!opens(bytes));
    }
};

QTEST_GUILESS_MAIN(TestTensorflow)
#include "test_tensorflow.moc"
