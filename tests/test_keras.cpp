// Keras: the corpus HDF5 model and our fixtures (tools/gen_keras_fixtures.py,
// written with h5py as Keras lays files out) open as "keras" with the layer
// counts, op types, shapes and weight values h5py reports; edited weights
// survive a save and reopen (.h5 and .keras) with every other byte kept;
// truncated and bit-flipped copies give errors naming the file, never a
// crash; the CNN converts to ONNX that libonnx's checker accepts and whose
// output matches the numpy reference the script computed.
#include "damagedcopies.h"
#include "ortrunner.h"
#include "testsupport.h"

#include "convert/onnxexport.h"
#include "formats/formatregistry.h"
#include "formats/keras/kerasformat.h"
#include "ir/model.h"
#include "ir/modelsummary.h"
#include "ir/opmetadata.h"
#include "ir/ownedtensordata.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <onnx/checker.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <cstring>
#include <fstream>
#include <random>

using namespace nodus;
namespace fs = std::filesystem;

namespace {

fs::path fixture(const std::string& name)
{
    return test::sourceDir() / "tests" / "data" / "keras" / name;
}

std::vector<std::byte> readBytes(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> out(s.size());
    std::memcpy(out.data(), s.data(), s.size());
    return out;
}

std::vector<float> floats(const Tensor& t)
{
    const auto b = t.data->bytes();
    std::vector<float> v(b.size() / 4);
    std::memcpy(v.data(), b.data(), v.size() * 4);
    return v;
}

const Node* node(const Model& m, const std::string& name)
{
    return m.graph->findNode(name);
}

const Tensor* tensor(const Model& m, const std::string& name)
{
    for (const auto& t : m.graph->initializers)
        if (t->name == name)
            return t.get();
    return nullptr;
}

std::vector<std::int64_t> dims(std::initializer_list<std::int64_t> d)
{
    return d;
}

} // namespace

class TestKeras : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    test::DamageCounts damage_;

    fs::path out(const std::string& name) const { return fs::path(tmp_.path().toStdString()) / name; }

    void attempt(const std::vector<std::byte>& bytes, const std::string& label, bool mustFail, const std::string& ext)
    {
        test::tryDamagedCopy(KerasFormat(), bytes, label, mustFail, out("robust" + ext), false, damage_);
    }

private slots:
    void initTestCase() { QVERIFY(tmp_.isValid()); }

    void registry()
    {
        const Format* f = FormatRegistry::instance().byName("keras");
        QVERIFY(f);
        QCOMPARE(std::string(f->displayName()), std::string("Keras model"));
        QCOMPARE(std::string(f->mimeType()), std::string("application/x-hdf5"));
        QCOMPARE(f->extensions(), (std::vector<std::string> { ".h5", ".hdf5", ".keras" }));
        QVERIFY(f->can(Format::Read) && f->can(Format::Write) && f->can(Format::ExportOnnx));
        const auto magic = f->magic();
        QVERIFY(!magic.empty());
        QCOMPARE(magic[0].offset, std::uint64_t(0));
        QCOMPARE(magic[0].bytes, std::string("\x89HDF\r\n\x1a\n", 8));
        QCOMPARE(FormatRegistry::instance().byExtension("x.keras"), f);
        // The metadata knows the common layers, with categories.
        const auto& meta = f->opMetadata();
        for (const char* op : { "Dense", "Conv2D", "DepthwiseConv2D", "BatchNormalization", "LSTM", "Concatenate" })
            QVERIFY2(!meta.category("", op).empty(), op);
        QCOMPARE(std::string(meta.category("", "MaxPooling2D")), std::string("Pool"));
        QVERIFY(meta.find("", "Dense")->attributes.size() >= 3);
    }

    void corpusLstm()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto path = test::corpusDir() / "keras-h5" / "frugally_lstm.h5";
        if (!fs::exists(path))
            QSKIP("keras-h5/frugally_lstm.h5 is not in the corpus");
        const auto m = FormatRegistry::instance().open(path);
        QCOMPARE(QString::fromStdString(m->format), QString("keras"));
        const auto s = ModelSummary::of(*m);
        // h5py: 20 layers, 5 of them InputLayer; 63 weights, 5392 values; 17 outputs.
        QCOMPARE(s.nodes, std::size_t(15));
        QCOMPARE(s.inputs, std::size_t(5));
        QCOMPARE(s.outputs, std::size_t(17));
        QCOMPARE(s.tensors, std::size_t(63));
        QCOMPARE(s.parameters, std::uint64_t(5392));
        QCOMPARE(s.opTypes, (std::vector<std::string> { "Bidirectional", "LSTM" }));
        const Node* lstm = node(*m, "lstm_1");
        QVERIFY(lstm);
        QCOMPARE(lstm->inputs().size(), std::size_t(4));
        QCOMPARE(lstm->inputs()[0]->name(), std::string("input_1"));
        QCOMPARE(lstm->attribute("units")->i, std::int64_t(8));
        QCOMPARE(QString::fromStdString(lstm->attribute("recurrent_activation")->s), QString("relu"));
        const Tensor* k = tensor(*m, "lstm_1/kernel:0");
        QVERIFY(k);
        QCOMPARE(k->dims, dims({ 4, 32 }));
        const auto v = floats(*k);
        QCOMPARE(v[0], 0.02631726f);
        QCOMPARE(v[1], 0.40234968f);
        QCOMPARE(v[2], -0.06680772f);
        const Tensor* b = tensor(*m, "bidirectional_6/forward_lstm_14/kernel:0");
        QVERIFY(b);
        QCOMPARE(b->dims, dims({ 10, 12 }));
        QCOMPARE(floats(*b)[0], 0.10883902f);
        QCOMPARE(floats(*b)[1], -0.10668653f);
        // lstm_3 returns its states: three outputs, all graph outputs.
        QCOMPARE(node(*m, "lstm_3")->outputs().size(), std::size_t(3));
        QCOMPARE(m->graph->inputs[0]->type.shape.dims.size(), std::size_t(3));
        QCOMPARE(m->graph->inputs[0]->type.shape.dims[1].value.value_or(0), std::int64_t(17));

        const auto r = test::runCli({ "info", "--json", QString::fromStdString(path.string()) });
        QCOMPARE(r.code, 0);
        const auto doc = QJsonDocument::fromJson(r.out.trimmed());
        QCOMPARE(doc["format"].toString(), QString("keras"));
        QCOMPARE(doc["graph"]["nodes"].toInt(), 15);
    }

    void cnnFixture()
    {
        const auto m = FormatRegistry::instance().open(fixture("cnn.h5"));
        QCOMPARE(QString::fromStdString(m->format), QString("keras"));
        const auto s = ModelSummary::of(*m);
        QCOMPARE(s.nodes, std::size_t(20));
        QCOMPARE(s.tensors, std::size_t(18));
        QCOMPARE(s.inputs, std::size_t(1));
        QCOMPARE(s.outputs, std::size_t(1));
        const Node* cat = node(*m, "concatenate_1");
        QCOMPARE(cat->inputs().size(), std::size_t(4));
        QCOMPARE(cat->inputs()[2]->name(), std::string("conv2d_3"));
        const Node* bn = node(*m, "batch_normalization_1");
        QCOMPARE(bn->inputs().size(), std::size_t(5));
        QCOMPARE(bn->inputs()[4]->name(), std::string("batch_normalization_1/moving_variance:0"));
        QCOMPARE(node(*m, "conv2d_3")->attribute("dilation_rate")->ints, dims({ 2, 2 }));
        QCOMPARE(node(*m, "dense_2")->inputs()[1]->initializer->dims, dims({ 23, 5 }));
        const QJsonObject expected = QJsonDocument::fromJson(test::fileBytes(fixture("cnn_expected.json"))).object();
        QCOMPARE(floats(*tensor(*m, "conv2d_1/kernel:0"))[0], float(expected["conv2d_1_kernel_first"].toDouble()));
        const auto bias = floats(*tensor(*m, "dense_2/bias:0"));
        const auto want = expected["dense_2_bias"].toArray();
        QCOMPARE(bias.size(), std::size_t(want.size()));
        for (std::size_t k = 0; k < bias.size(); ++k)
            QCOMPARE(bias[k], float(want[int(k)].toDouble()));
    }

    void sequentialFixture()
    {
        const auto m = FormatRegistry::instance().open(fixture("sequential.h5"));
        const auto s = ModelSummary::of(*m);
        QCOMPARE(s.nodes, std::size_t(4));
        QCOMPARE(s.tensors, std::size_t(4));
        QCOMPARE(s.opTypes, (std::vector<std::string> { "Conv2D", "Dense", "Flatten", "MaxPooling2D" }));
        QCOMPARE(m->graph->inputs.size(), std::size_t(1));
        QCOMPARE(m->graph->inputs[0]->name(), std::string("conv2d_1_input"));
        QCOMPARE(m->graph->inputs[0]->type.shape.dims.size(), std::size_t(4));
        QCOMPARE(node(*m, "flatten_1")->inputs()[0]->name(), std::string("max_pooling2d_1"));
        const auto k = floats(*tensor(*m, "conv2d_1/kernel:0"));
        QCOMPARE(k.size(), std::size_t(18));
        QCOMPARE(k[17], 1.7f);
        QCOMPARE(m->producerVersion, std::string("2.2.4"));
    }

    void weightsOnly()
    {
        // libver="latest": superblock v3, v2 object headers, link messages.
        const auto m = FormatRegistry::instance().open(fixture("weights.h5"));
        QCOMPARE(QString::fromStdString(m->format), QString("keras"));
        QCOMPARE(m->graph->nodes().size(), std::size_t(0));
        QCOMPARE(m->graph->initializers.size(), std::size_t(5));
        const Tensor* k = tensor(*m, "dense_1/kernel:0");
        QCOMPARE(k->dims, dims({ 4, 3 }));
        QCOMPARE(floats(*k)[11], 11.0f);
        QCOMPARE(floats(*tensor(*m, "dense_2/bias:0")), (std::vector<float> { 0.25f, 0.25f }));
        const Tensor* be = tensor(*m, "dense_2/scale:0");
        QCOMPARE(be->dataType, DataType::Double);
        double d[2];
        std::memcpy(d, be->data->bytes().data(), 16);
        QCOMPARE(d[0], 1.5);
        QCOMPARE(d[1], -2.5);
    }

    void kerasArchive()
    {
        const auto m = FormatRegistry::instance().open(fixture("functional.keras"));
        QCOMPARE(QString::fromStdString(m->format), QString("keras"));
        const auto s = ModelSummary::of(*m);
        QCOMPARE(s.nodes, std::size_t(3));
        QCOMPARE(s.tensors, std::size_t(4));
        QCOMPARE(s.opTypes, (std::vector<std::string> { "Add", "Dense" }));
        const Node* add = node(*m, "add");
        QCOMPARE(add->inputs().size(), std::size_t(2));
        QCOMPARE(add->inputs()[1]->name(), std::string("skip"));
        // Keras 3 keeps "skip"'s weights under layers/dense_1 (class name, numbered).
        const Node* skip = node(*m, "skip");
        QCOMPARE(skip->inputs().size(), std::size_t(3));
        const auto kernel = floats(*skip->inputs()[1]->initializer);
        QCOMPARE(kernel.size(), std::size_t(24));
        QCOMPARE(kernel[23], -23.0f / 24.0f);
        QCOMPARE(floats(*skip->inputs()[2]->initializer)[0], -0.5f);
        QCOMPARE(m->producerVersion, std::string("3.3.3"));
    }

    void roundTrip_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("weight");
        QTest::newRow("h5") << "cnn.h5"
                            << "dense_2/bias:0";
        QTest::newRow("weights v3") << "weights.h5"
                                    << "dense_2/scale:0";
        QTest::newRow("keras") << "functional.keras"
                               << "hidden/vars/1";
    }

    void roundTrip()
    {
        QFETCH(QString, file);
        QFETCH(QString, weight);
        const fs::path source = fixture(file.toStdString());
        const std::string ext = source.extension().string();
        auto m = FormatRegistry::instance().open(source);
        // Unedited: the same bytes.
        FormatRegistry::instance().save(*m, out("same" + ext), "keras");
        QCOMPARE(readBytes(out("same" + ext)), readBytes(source));

        Tensor* t = nullptr;
        for (auto& i : m->graph->initializers)
            if (i->name == weight.toStdString())
                t = i.get();
        QVERIFY(t);
        const auto before = t->data->bytes();
        std::vector<std::byte> edited(before.begin(), before.end());
        const std::size_t width = t->dataType == DataType::Double ? 8 : 4;
        for (std::size_t k = 0; k < edited.size() / width; ++k) {
            if (width == 8) {
                const double v = 0.5 + double(k);
                std::memcpy(edited.data() + k * 8, &v, 8);
            } else {
                const float v = 0.5f + float(k);
                std::memcpy(edited.data() + k * 4, &v, 4);
            }
        }
        t->data = std::make_shared<OwnedTensorData>(edited);
        FormatRegistry::instance().save(*m, out("edited" + ext), "keras");
        const auto back = FormatRegistry::instance().open(out("edited" + ext));
        QCOMPARE(back->graph->initializers.size(), m->graph->initializers.size());
        for (std::size_t k = 0; k < back->graph->initializers.size(); ++k) {
            const auto& a = *back->graph->initializers[k];
            const auto& b = *m->graph->initializers[k];
            QCOMPARE(a.name, b.name);
            const auto ab = a.data->bytes();
            const auto bb = b.data->bytes();
            QVERIFY2(ab.size() == bb.size() && std::memcmp(ab.data(), bb.data(), ab.size()) == 0, a.name.c_str());
        }
        if (ext == ".h5")
            QCOMPARE(readBytes(out("edited" + ext)).size(), readBytes(source).size());
        // A changed shape cannot be written into the stored layout.
        t->dims.push_back(1);
        QVERIFY_THROWS_EXCEPTION(Error, FormatRegistry::instance().save(*m, out("bad" + ext), "keras"));
        QVERIFY(!fs::exists(out("bad" + ext)));
    }

    void convertCnn()
    {
        const auto m = FormatRegistry::instance().open(fixture("cnn.h5"));
        const fs::path target = out("cnn.onnx");
        const auto report = exportToOnnx(*m, target);
        QVERIFY2(report.complete(), report.unsupportedText().c_str());
        onnx::ModelProto proto;
        {
            std::ifstream in(target, std::ios::binary);
            QVERIFY(proto.ParseFromIstream(&in));
        }
        onnx::checker::check_model(proto);
        QCOMPARE(proto.graph().input_size(), 1);
        QCOMPARE(proto.graph().output_size(), 1);

        // LSTM has no mapping: refused with the layer named.
        NODUS_SKIP_IF_NO_CORPUS();
        if (const auto lstm = test::corpusDir() / "keras-h5" / "frugally_lstm.h5"; fs::exists(lstm)) {
            const auto lm = FormatRegistry::instance().open(lstm);
            try {
                exportToOnnx(*lm, out("lstm.onnx"));
                QFAIL("the LSTM model converted although LSTM has no mapping");
            } catch (const Error& e) {
                QVERIFY2(QString(e.what()).contains("LSTM"), e.what());
            }
        }
    }

    void convertCnnValues()
    {
        const auto m = FormatRegistry::instance().open(fixture("cnn.h5"));
        const fs::path target = out("cnn_values.onnx");
        exportToOnnx(*m, target);
        if (const QString why = test::ortUnavailable(); !why.isEmpty())
            QSKIP(qPrintable("onnxruntime not available: " + why));
        onnx::ModelProto proto;
        {
            std::ifstream in(target, std::ios::binary);
            QVERIFY(proto.ParseFromIstream(&in));
        }
        const QJsonObject expected = QJsonDocument::fromJson(test::fileBytes(fixture("cnn_expected.json"))).object();
        test::OrtInput input;
        input.name = proto.graph().input(0).name();
        input.type = "float32";
        for (const auto& d : expected["input"].toObject()["dims"].toArray())
            input.dims.push_back(d.toInteger());
        for (const auto& v : expected["input"].toObject()["data"].toArray())
            input.data.push_back(v.toDouble());
        const auto r = test::runOnnxRuntime(target, { input }, true);
        QVERIFY2(r.ran, qPrintable(r.error));
        QCOMPARE(r.outputs.size(), std::size_t(1));
        const auto want = expected["output"].toObject()["data"].toArray();
        QCOMPARE(r.outputs[0].dims, dims({ 1, 5 }));
        QCOMPARE(r.outputs[0].data.size(), std::size_t(want.size()));
        for (int k = 0; k < want.size(); ++k)
            QVERIFY2(std::abs(r.outputs[0].data[k] - want[k].toDouble()) < 1e-4,
                qPrintable(QString("output %1: %2 vs %3").arg(k).arg(r.outputs[0].data[k]).arg(want[k].toDouble())));
    }

    void cliConvert()
    {
        const auto r = test::runCli({ "info", "--json", QString::fromStdString(fixture("functional.keras").string()) });
        QCOMPARE(r.code, 0);
        const auto doc = QJsonDocument::fromJson(r.out.trimmed());
        QCOMPARE(doc["format"].toString(), QString("keras"));
        QCOMPARE(doc["graph"]["nodes"].toInt(), 3);
    }

    void corrupted_data()
    {
        QTest::addColumn<QString>("file");
        for (const char* f : { "cnn.h5", "sequential.h5", "weights.h5", "functional.keras" })
            QTest::newRow(f) << QString::fromStdString(fixture(f).string());
        if (!test::corpusDir().empty())
            for (const auto& f : test::corpusFiles("keras-h5", { ".h5" }))
                QTest::newRow(f.filename().string().c_str()) << QString::fromStdString(f.string());
    }

    void corrupted()
    {
        QFETCH(QString, file);
        const fs::path path = file.toStdString();
        const auto original = readBytes(path);
        QVERIFY(!original.empty());
        const std::string name = path.filename().string();
        const std::string ext = path.extension().string();
        // HDF5 records its end-of-file address and a zip its central
        // directory at the end: every cut is caught.
        for (int k = 0; k < 60; ++k) {
            const std::size_t cut = original.size() * k / 60;
            attempt({ original.begin(), original.begin() + cut }, name + " (truncated at " + std::to_string(cut) + ")",
                true, ext);
        }
        std::mt19937_64 rng(std::hash<std::string> {}(name));
        for (int k = 0; k < 300; ++k) {
            std::vector<std::byte> copy = original;
            const int flips = 1 + k % 4;
            for (int f = 0; f < flips; ++f) {
                const std::size_t at = 8 + rng() % (copy.size() - 8);
                copy[at] ^= std::byte(1u << (rng() % 8));
            }
            attempt(copy, name + " (bit flip " + std::to_string(k) + ")", false, ext);
        }
    }

    void cleanupTestCase()
    {
        qInfo("damaged copies: %d opened and survived inspection and a save, %d refused with an error", damage_.opened,
            damage_.refused);
        QVERIFY(damage_.refused > 0);
    }
};

QTEST_GUILESS_MAIN(TestKeras)
#include "test_keras.moc"
