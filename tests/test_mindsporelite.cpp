// MindSpore Lite (.ms): every corpus file opens as "mindspore-lite" with the
// node and tensor counts, op types, shapes and values read independently
// (a few lines of Python walking the FlatBuffer); unedited saves are
// byte-identical and edited values survive a reopen; truncated and
// bit-flipped copies give nodus::Error only.
#include "damagedcopies.h"
#include "testsupport.h"

#include "formats/formatregistry.h"
#include "formats/mindsporelite/msliteformat.h"
#include "ir/model.h"
#include "ir/modelcompare.h"
#include "ir/modelsummary.h"
#include "ir/opmetadata.h"
#include "ir/ownedtensordata.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <cstring>
#include <fstream>
#include <iterator>
#include <random>

using namespace nodus;

namespace {

using test::readAll;

const Tensor* initializer(const Model& m, const std::string& name)
{
    for (const auto& t : m.graph->initializers)
        if (t->name == name)
            return t.get();
    return nullptr;
}

float firstFloat(const Tensor& t)
{
    float v;
    std::memcpy(&v, t.data->bytes().data(), 4);
    return v;
}

int countOps(const Graph& g, const std::string& op)
{
    int n = 0;
    for (const auto& node : g.nodes())
        n += node->opType == op;
    return n;
}

} // namespace

class TestMindsporeLite : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    test::DamageCounts damage_;

    std::filesystem::path out(const std::string& name) const
    {
        return std::filesystem::path(tmp_.path().toStdString()) / name;
    }

    static std::filesystem::path corpus(const std::string& name)
    {
        return test::corpusDir() / "mindspore-lite-ms" / name;
    }

    void attempt(const std::vector<std::byte>& bytes, const std::string& label, bool mustFail)
    {
        test::tryDamagedCopy(MsliteFormat(), bytes, label, mustFail, out("robust.ms"), true, damage_);
    }

private slots:
    void initTestCase() { QVERIFY(tmp_.isValid()); }

    void registry()
    {
        const Format* f = FormatRegistry::instance().byName("mindspore-lite");
        QVERIFY(f);
        QCOMPARE(std::string(f->displayName()), std::string("MindSpore Lite model"));
        QCOMPARE(std::string(f->mimeType()), std::string("application/x-mindspore-lite"));
        QVERIFY(f->can(Format::Write));
        QCOMPARE(f->magic().front().offset, std::uint64_t(4));
        QCOMPARE(f->magic().front().bytes, std::string("MSL2"));
        QCOMPARE(FormatRegistry::instance().byExtension("x.ms"), f);
        // Op metadata: categories and option attributes with defaults.
        const OpInfo* conv = f->opMetadata().find("", "Conv2DFusion");
        QVERIFY(conv);
        QCOMPARE(conv->category, std::string("Layer"));
        QCOMPARE(f->opMetadata().category("", "Activation"), std::string_view("Activation"));
        QCOMPARE(f->opMetadata().category("", "MaxPoolFusion"), std::string_view("Pool"));
    }

    void open_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("nodes");
        QTest::addColumn<int>("initializers");
        QTest::addColumn<QString>("op");
        QTest::addColumn<int>("opCount");
        QTest::addColumn<QString>("tensor");
        QTest::addColumn<QString>("dims");
        QTest::addColumn<double>("first");
        // Figures from an independent walk of each FlatBuffer (Python struct).
        QTest::newRow("conv_train_model") << "conv_train_model.ms" << 17 << 16 << "Conv2DFusion" << 1 << "layer.weight"
                                          << "10,5,5,5" << -0.0030082883313298225;
        QTest::newRow("lenet_tod_infer") << "lenet_tod_infer.ms" << 13 << 10 << "Conv2DFusion" << 2 << "conv1.weight"
                                         << "6,5,5,1" << -0.0032311133109033108;
        QTest::newRow("lenet_train v0") << "lenet_train.ms" << 53 << 23 << "Conv2D" << 2 << "tensor_1"
                                        << "6,5,5,1" << 0.007222322281450033;
        QTest::newRow("mindrt_parallel") << "mindrt_parallel_model.ms" << 12 << 12 << "Conv2DFusion" << 7
                                         << "op3/Conv2D"
                                         << "3,3,3,1" << 0.37480831146240234;
        QTest::newRow("retinaface v0") << "retinaface1.ms" << 347 << 199 << "Conv2D" << 43 << "tensor_1"
                                       << "8,3,3,3" << 0.10497289150953293;
        QTest::newRow("tinynet custom") << "tinynet.om.ms" << 1 << 1 << "Custom" << 1 << "ThirdPartyModel"
                                        << "1656" << -1.0;
    }

    void open()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QFETCH(QString, file);
        QFETCH(int, nodes);
        QFETCH(int, initializers);
        QFETCH(QString, op);
        QFETCH(int, opCount);
        QFETCH(QString, tensor);
        QFETCH(QString, dims);
        QFETCH(double, first);
        const auto path = corpus(file.toStdString());
        if (!std::filesystem::exists(path))
            QSKIP("corpus file missing");
        auto model = FormatRegistry::instance().open(path);
        QCOMPARE(model->format, std::string("mindspore-lite"));
        QCOMPARE(int(model->graph->nodes().size()), nodes);
        QCOMPARE(int(model->graph->initializers.size()), initializers);
        QCOMPARE(countOps(*model->graph, op.toStdString()), opCount);
        const Tensor* t = initializer(*model, tensor.toStdString());
        QVERIFY2(t, qPrintable("no initializer " + tensor));
        QString shape;
        for (const auto d : t->dims)
            shape += (shape.isEmpty() ? "" : ",") + QString::number(d);
        QCOMPARE(shape, dims);
        if (t->dataType == DataType::Float)
            QCOMPARE(firstFloat(*t), float(first));
        // Every node has a name and a known op type.
        for (const auto& n : model->graph->nodes()) {
            QVERIFY(!n->name.empty());
            QVERIFY2(!n->opType.starts_with("PrimitiveType"), n->opType.c_str());
        }
    }

    void attributes()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        auto model = FormatRegistry::instance().open(corpus("lenet_tod_infer.ms"));
        const Node* conv = nullptr;
        const Node* pool = nullptr;
        for (const auto& n : model->graph->nodes()) {
            if (n->opType == "Conv2DFusion" && !conv)
                conv = n.get();
            if (n->opType == "MaxPoolFusion" && !pool)
                pool = n.get();
        }
        QVERIFY(conv && pool);
        const Attribute* k = conv->attribute("kernel_size");
        QVERIFY(k);
        QCOMPARE(k->ints, (std::vector<std::int64_t> { 5, 5 }));
        QCOMPARE(conv->attribute("out_channel")->i, std::int64_t(6));
        QCOMPARE(conv->attribute("format")->s, std::string("NHWC"));
        QCOMPARE(pool->attribute("kernel_size")->ints, (std::vector<std::int64_t> { 2, 2 }));
        // The first conv reads the image and its weight, and feeds the next op.
        QCOMPARE(conv->inputs().size(), std::size_t(2)); // the bias is a BiasAdd of its own
        QCOMPARE(conv->inputs()[1]->name(), std::string("conv1.weight"));
        QVERIFY(!conv->outputs()[0]->users().empty());
        QCOMPARE(model->producerVersion, std::string("MindSpore Lite 1.5.0"));

        auto custom = FormatRegistry::instance().open(corpus("tinynet.om.ms"));
        const Node& c = *custom->graph->nodes().front();
        QVERIFY(c.attribute("type"));
        QVERIFY(!c.attribute("type")->s.empty());
    }

    void predictFormat()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto path = test::corpusDir() / "mindspore-predict-ms" / "mindspore.ms";
        if (!std::filesystem::exists(path))
            QSKIP("corpus file missing");
        auto model = FormatRegistry::instance().open(path);
        QCOMPARE(model->format, std::string("mindspore-lite"));
        QVERIFY(!model->graph->nodes().empty());
        QVERIFY(!model->graph->initializers.empty());
        bool conv = false;
        for (const auto& n : model->graph->nodes())
            conv = conv || n->opType == "Conv2D";
        QVERIFY(conv);
    }

    void cliInfo()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto r
            = test::runCli({ "info", "--json", QString::fromStdString(corpus("lenet_tod_infer.ms").string()) });
        QCOMPARE(r.code, 0);
        const auto doc = QJsonDocument::fromJson(r.out.trimmed());
        QCOMPARE(doc["format"].toString(), QString("mindspore-lite"));
        QCOMPARE(doc["graph"].toObject()["nodes"].toInt(), 13);
    }

    void otherFormatsNotClaimed()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const MsliteFormat f;
        for (const auto& p : test::corpusFiles("tflite", { ".tflite" })) {
            const auto probe = FormatRegistry::probe(p);
            QCOMPARE(f.sniff(probe), 0);
        }
    }

    void roundTrip_data()
    {
        QTest::addColumn<QString>("file");
        for (const auto& p : test::corpusFiles("mindspore-lite-ms", { ".ms" }))
            QTest::newRow(p.filename().string().c_str()) << QString::fromStdString(p.string());
        QTest::newRow("predict") << QString::fromStdString(
            (test::corpusDir() / "mindspore-predict-ms" / "mindspore.ms").string());
    }

    void roundTrip()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QFETCH(QString, file);
        const std::filesystem::path path = file.toStdString();
        if (!std::filesystem::exists(path))
            QSKIP("corpus file missing");
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
        const auto source = corpus("lenet_tod_infer.ms");
        auto model = FormatRegistry::instance().open(source);
        auto& t = *std::find_if(model->graph->initializers.begin(), model->graph->initializers.end(),
            [](const auto& x) { return x->name == "conv1.weight"; });
        std::vector<std::byte> bytes(t->data->bytes().begin(), t->data->bytes().end());
        const float a = 1.5f, b = -2.25f;
        std::memcpy(bytes.data(), &a, 4);
        std::memcpy(bytes.data() + 149 * 4, &b, 4);
        t->data = std::make_shared<OwnedTensorData>(bytes);
        const auto target = out("lenet_edited.ms");
        FormatRegistry::instance().save(*model, target);

        const auto reopened = FormatRegistry::instance().open(target);
        const Tensor* w = initializer(*reopened, "conv1.weight");
        QVERIFY(w);
        float v0, v149;
        std::memcpy(&v0, w->data->bytes().data(), 4);
        std::memcpy(&v149, w->data->bytes().data() + 149 * 4, 4);
        QCOMPARE(v0, a);
        QCOMPARE(v149, b);
        const std::string before = readAll(source);
        const std::string after = readAll(target);
        QCOMPARE(after.size(), before.size());
        std::size_t differing = 0;
        for (std::size_t k = 0; k < before.size(); ++k)
            differing += before[k] != after[k];
        QVERIFY(differing > 0 && differing <= 8);
        QCOMPARE(compareModels(*FormatRegistry::instance().open(source), *reopened).size(), std::size_t(1));

        // A reshaped tensor cannot be saved: the FlatBuffer fixes its size.
        t->dims.push_back(1);
        try {
            FormatRegistry::instance().save(*model, out("bad.ms"));
            QFAIL("a reshaped tensor was saved");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("conv1.weight"), e.what());
        }
        QVERIFY(!std::filesystem::exists(out("bad.ms")));
    }

    void corrupted_data() { roundTrip_data(); }

    void corrupted()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QFETCH(QString, file);
        if (!std::filesystem::exists(file.toStdString()))
            QSKIP("corpus file missing");
        const std::string bytes = readAll(file.toStdString());
        std::vector<std::byte> original(bytes.size());
        std::memcpy(original.data(), bytes.data(), bytes.size());
        const std::string name = std::filesystem::path(file.toStdString()).filename().string();
        // FlatBuffers put the root and tables first and data last: any cut
        // loses something a table points at.
        for (int k = 0; k < 40; ++k) {
            const std::size_t cut = original.size() * k / 40;
            attempt({ original.begin(), original.begin() + cut }, name + " (truncated at " + std::to_string(cut) + ")",
                true);
        }
        std::mt19937_64 rng(std::hash<std::string> {}(name));
        for (int k = 0; k < 200; ++k) {
            std::vector<std::byte> copy = original;
            for (int f = 0; f < 1 + k % 4; ++f)
                copy[rng() % copy.size()] ^= std::byte(1u << (rng() % 8));
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

QTEST_GUILESS_MAIN(TestMindsporeLite)
#include "test_mindsporelite.moc"
