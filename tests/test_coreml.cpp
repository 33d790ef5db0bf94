// Core ML (.mlmodel): the corpus specs open as "coreml" with the layers,
// weights, shapes and values read independently (protoc --decode_raw and
// Python struct); a pipeline becomes one node per model wired by feature
// names; other protobuf formats are not claimed; unedited saves are
// byte-identical and edited weights survive a reopen; truncated and
// bit-flipped copies give nodus::Error only.
#include "damagedcopies.h"
#include "testsupport.h"

#include "formats/coreml/coremlformat.h"
#include "formats/formatregistry.h"
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

float floatAt(const Tensor& t, std::size_t index)
{
    float v;
    std::memcpy(&v, t.data->bytes().data() + 4 * index, 4);
    return v;
}

// Protobuf encoding, for specs built in the test.
std::string varint(std::uint64_t v)
{
    std::string out;
    do {
        out += char((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return out;
}

std::string field(std::uint32_t number, const std::string& bytes)
{
    return varint(std::uint64_t(number) << 3 | 2) + varint(bytes.size()) + bytes;
}

std::string number(std::uint32_t n, std::uint64_t v)
{
    return varint(std::uint64_t(n) << 3) + varint(v);
}

std::string fixed32(std::uint32_t n, float v)
{
    std::string out = varint(std::uint64_t(n) << 3 | 5);
    out.append(reinterpret_cast<const char*>(&v), 4);
    return out;
}

std::string arrayFeature(const std::string& name, const std::string& packedShape)
{
    return field(1, name) + field(3, field(5, (packedShape.empty() ? "" : field(1, packedShape)) + number(2, 65568)));
}

std::string description(const std::string& in, const std::string& out)
{
    return field(2, field(1, arrayFeature(in, std::string("\x01\x01\x02", 3))) + field(10, arrayFeature(out, "")));
}

// A pipeline of a neural network (a convolution with half-precision
// weights and an unpacked bias, a Branch with a nested network, a ReLU) and
// an Identity model.
std::string syntheticPipeline()
{
    const std::string halves("\x00\x3c\x00\xc0", 4); // 1.0, -2.0 as float16
    const std::string conv = number(1, 2) + number(2, 1) + field(20, varint(1) + varint(1)) + number(70, 1)
        + field(90, field(2, halves)) + field(91, fixed32(1, 0.5f) + fixed32(1, -0.25f));
    const std::string leaky = field(130, field(15, fixed32(1, 0.1f)));
    const std::string inner = field(1, field(1, "leaky") + field(2, "c") + field(3, "d") + leaky);
    const std::string network = field(1, field(1, "conv") + field(2, "x") + field(3, "c") + field(100, conv))
        + field(1, field(1, "br") + field(2, "c") + field(605, field(1, inner)))
        + field(1, field(1, "relu") + field(2, "c") + field(3, "h") + field(130, field(10, "")));
    const std::string nn = number(1, 4) + description("x", "h") + field(500, network);
    const std::string identity = number(1, 4) + description("h", "y") + field(900, "");
    return number(1, 4) + description("x", "y") + field(202, field(1, nn) + field(1, identity));
}

} // namespace

class TestCoreml : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    test::DamageCounts damage_;

    std::filesystem::path out(const std::string& name) const
    {
        return std::filesystem::path(tmp_.path().toStdString()) / name;
    }

    static std::filesystem::path corpus(const std::string& name) { return test::corpusDir() / "coreml" / name; }

    void attempt(const std::vector<std::byte>& bytes, const std::string& label, bool mustFail)
    {
        test::tryDamagedCopy(CoremlFormat(), bytes, label, mustFail, out("robust.mlmodel"), true, damage_);
    }

private slots:
    void initTestCase() { QVERIFY(tmp_.isValid()); }

    void registry()
    {
        const Format* f = FormatRegistry::instance().byName("coreml");
        QVERIFY(f);
        QCOMPARE(std::string(f->displayName()), std::string("Core ML model"));
        QCOMPARE(std::string(f->mimeType()), std::string("application/x-coreml"));
        QVERIFY(f->magic().empty());
        QVERIFY(f->can(Format::Write));
        QCOMPARE(FormatRegistry::instance().byExtension("a.mlmodel"), f);
        QCOMPARE(f->opMetadata().category("", "Convolution"), std::string_view("Layer"));
        QCOMPARE(f->opMetadata().category("", "Pooling"), std::string_view("Pool"));
        QVERIFY(f->opMetadata().find("", "InnerProduct"));
    }

    void denseNetwork()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        auto model = FormatRegistry::instance().open(corpus("keras2coreml_Dense_ImageNet_small.mlmodel"));
        QCOMPARE(model->format, std::string("coreml"));
        const Graph& g = *model->graph;
        // flatten_1 (Flatten) then dense_1 (InnerProduct 27 -> 2, with bias).
        QCOMPARE(g.nodes().size(), std::size_t(2));
        QCOMPARE(g.nodes()[0]->opType, std::string("Flatten"));
        QCOMPARE(g.nodes()[0]->attribute("mode")->s, std::string("CHANNEL_LAST"));
        const Node& dense = *g.nodes()[1];
        QCOMPARE(dense.name, std::string("dense_1"));
        QCOMPARE(dense.opType, std::string("InnerProduct"));
        QCOMPARE(dense.attribute("inputChannels")->i, std::int64_t(27));
        QCOMPARE(dense.attribute("outputChannels")->i, std::int64_t(2));
        QCOMPARE(dense.attribute("hasBias")->i, std::int64_t(1));
        QCOMPARE(dense.inputs()[0], g.nodes()[0]->outputs()[0]);
        QCOMPARE(g.initializers.size(), std::size_t(2));
        const Tensor& w = *g.initializers[0];
        QCOMPARE(w.name, std::string("dense_1/weights"));
        QCOMPARE(w.dataType, DataType::Float);
        QCOMPARE(w.dims, (std::vector<std::int64_t> { 2, 27 }));
        QCOMPARE(floatAt(w, 0), -0.4337746202945709f);
        QCOMPARE(floatAt(w, 53), -0.2635895013809204f);
        const Tensor& b = *g.initializers[1];
        QCOMPARE(b.dims, (std::vector<std::int64_t> { 2 }));
        QCOMPARE(floatAt(b, 1), 0.0f);
        // Features: input1 double[3,3,3], output1 double[2].
        QCOMPARE(g.inputs.size(), std::size_t(1));
        QCOMPARE(g.inputs[0]->name(), std::string("input1"));
        QCOMPARE(g.inputs[0]->type.toString(), std::string("float64[3,3,3]"));
        QCOMPARE(g.outputs[0]->name(), std::string("output1"));
        QCOMPARE(g.outputs[0]->type.toString(), std::string("float64[2]"));
        QCOMPARE(g.outputs[0]->producer(), &dense);
    }

    void oneHotPipeline()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        auto model = FormatRegistry::instance().open(corpus("onehot_simple.mlmodel"));
        QCOMPARE(model->format, std::string("coreml"));
        const Graph& g = *model->graph;
        // 8 × (ArrayFeatureExtractor -> OneHotEncoder), then a FeatureVectorizer.
        QCOMPARE(g.nodes().size(), std::size_t(17));
        int extractors = 0, encoders = 0;
        for (const auto& n : g.nodes()) {
            extractors += n->opType == "ArrayFeatureExtractor";
            encoders += n->opType == "OneHotEncoder";
        }
        QCOMPARE(extractors, 8);
        QCOMPARE(encoders, 8);
        const Node& first = *g.nodes()[0];
        QCOMPARE(first.attribute("extractIndex")->ints, (std::vector<std::int64_t> { 0 }));
        const Node& ohe = *g.nodes()[1];
        QCOMPARE(ohe.opType, std::string("OneHotEncoder"));
        QCOMPARE(ohe.attribute("int64Categories")->ints, (std::vector<std::int64_t> { 0, 1, 2, 3, 4, 5, 6, 7, 8 }));
        QCOMPARE(ohe.attribute("outputSparse")->i, std::int64_t(1));
        // Wired by feature names: the encoder reads the extractor's output.
        QCOMPARE(ohe.inputs()[0], first.outputs()[0]);
        QCOMPARE(g.nodes().back()->opType, std::string("FeatureVectorizer"));
        QCOMPARE(g.outputs[0]->name(), std::string("transformed_features"));
        QCOMPARE(g.outputs[0]->producer(), g.nodes().back().get());
        QCOMPARE(g.inputs[0]->type.toString(), std::string("float64[8]"));
        bool author = false;
        for (const auto& [k, v] : model->metadata)
            author = author || (k == "author" && v == "Shauheen");
        QVERIFY(author);
    }

    void synthetic()
    {
        const std::string bytes = syntheticPipeline();
        const auto path = out("synthetic.mlmodel");
        std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
        auto model = FormatRegistry::instance().open(path);
        QCOMPARE(model->format, std::string("coreml"));
        const Graph& g = *model->graph;
        QCOMPARE(g.nodes().size(), std::size_t(2));
        const Node& nn = *g.nodes()[0];
        QCOMPARE(nn.opType, std::string("NeuralNetwork"));
        QCOMPARE(g.nodes()[1]->opType, std::string("Identity"));
        QCOMPARE(g.nodes()[1]->inputs()[0], nn.outputs()[0]);
        const Attribute* sub = nn.attribute("model");
        QVERIFY(sub && sub->graphs.size() == 1);
        const Graph& net = *sub->graphs[0];
        QCOMPARE(net.nodes().size(), std::size_t(3));
        const Node& conv = *net.nodes()[0];
        QCOMPARE(conv.opType, std::string("Convolution"));
        QCOMPARE(conv.attribute("kernelSize")->ints, (std::vector<std::int64_t> { 1, 1 }));
        QCOMPARE(net.initializers.size(), std::size_t(2));
        const Tensor& w = *net.initializers[0];
        QCOMPARE(w.dataType, DataType::Float16);
        QCOMPARE(w.dims, (std::vector<std::int64_t> { 2, 1, 1, 1 }));
        QCOMPARE(std::uint8_t(w.data->bytes()[1]), std::uint8_t(0x3c));
        const Tensor& b = *net.initializers[1];
        QCOMPARE(b.dataType, DataType::Float);
        QCOMPARE(b.dims, (std::vector<std::int64_t> { 2 }));
        QCOMPARE(floatAt(b, 1), -0.25f);
        const Node& branch = *net.nodes()[1];
        QCOMPARE(branch.opType, std::string("Branch"));
        const Attribute* ifBranch = branch.attribute("ifBranch");
        QVERIFY(ifBranch && ifBranch->graphs.size() == 1);
        const Node& leaky = *ifBranch->graphs[0]->nodes()[0];
        QCOMPARE(leaky.attribute("type")->s, std::string("leakyReLU"));
        QCOMPARE(float(leaky.attribute("alpha")->f), 0.1f);
        QCOMPARE(net.nodes()[2]->attribute("type")->s, std::string("ReLU"));

        // The unpacked bias is not one byte range: its edit is refused by name.
        auto& bias = sub->graphs[0]->initializers[1];
        bias->data = std::make_shared<OwnedTensorData>(std::vector<std::byte>(8));
        try {
            FormatRegistry::instance().save(*model, out("synthetic_bad.mlmodel"));
            QFAIL("an unpacked weight was overwritten");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("conv/bias"), e.what());
        }
    }

    void cliInfo()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto r = test::runCli(
            { "info", "--json", QString::fromStdString(corpus("keras2coreml_Dense_ImageNet_small.mlmodel").string()) });
        QCOMPARE(r.code, 0);
        const auto doc = QJsonDocument::fromJson(r.out.trimmed());
        QCOMPARE(doc["format"].toString(), QString("coreml"));
        QCOMPARE(doc["graph"].toObject()["nodes"].toInt(), 2);
        QCOMPARE(doc["parameters"].toInt(), 56);
    }

    void otherProtobufsNotClaimed()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const CoremlFormat f;
        int checked = 0;
        for (const char* folder : { "onnx", "mindir", "cntk-v2", "mindspore-ckpt", "tensorflow-pb", "caffe", "paddle" })
            for (const auto& p : test::corpusFiles(folder, { "" })) {
                if (std::filesystem::is_directory(p) || std::filesystem::file_size(p) > (64u << 20))
                    continue;
                QVERIFY2(f.sniff(FormatRegistry::probe(p)) == 0, p.string().c_str());
                ++checked;
            }
        QVERIFY(checked > 0);
        for (const auto& p : test::corpusFiles("coreml", { ".mlmodel" }))
            QVERIFY(f.sniff(FormatRegistry::probe(p)) >= 60);
    }

    void roundTrip_data()
    {
        QTest::addColumn<QString>("file");
        for (const auto& p : test::corpusFiles("coreml", { ".mlmodel" }))
            QTest::newRow(p.filename().string().c_str()) << QString::fromStdString(p.string());
    }

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
        const auto source = corpus("keras2coreml_Dense_ImageNet_small.mlmodel");
        auto model = FormatRegistry::instance().open(source);
        auto& w = model->graph->initializers[0];
        std::vector<std::byte> bytes(w->data->bytes().begin(), w->data->bytes().end());
        const float a = 1.5f, b = -2.25f;
        std::memcpy(bytes.data(), &a, 4);
        std::memcpy(bytes.data() + 53 * 4, &b, 4);
        w->data = std::make_shared<OwnedTensorData>(bytes);
        const auto target = out("dense_edited.mlmodel");
        FormatRegistry::instance().save(*model, target);
        const auto reopened = FormatRegistry::instance().open(target);
        const Tensor& r = *reopened->graph->initializers[0];
        QCOMPARE(floatAt(r, 0), a);
        QCOMPARE(floatAt(r, 53), b);
        QCOMPARE(floatAt(r, 1), floatAt(*FormatRegistry::instance().open(source)->graph->initializers[0], 1));
        const std::string before = readAll(source), after = readAll(target);
        QCOMPARE(after.size(), before.size());
        std::size_t differing = 0;
        for (std::size_t k = 0; k < before.size(); ++k)
            differing += before[k] != after[k];
        QVERIFY(differing > 0 && differing <= 8);

        w->dims = { 54 };
        try {
            FormatRegistry::instance().save(*model, out("bad.mlmodel"));
            QFAIL("a reshaped weight was saved");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("dense_1/weights"), e.what());
        }
        QVERIFY(!std::filesystem::exists(out("bad.mlmodel")));
    }

    void corrupted_data() { roundTrip_data(); }

    void corrupted()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QFETCH(QString, file);
        const std::string bytes = readAll(file.toStdString());
        std::vector<std::byte> original(bytes.size());
        std::memcpy(original.data(), bytes.data(), bytes.size());
        const std::string name = std::filesystem::path(file.toStdString()).filename().string();
        // Every cut inside a length-delimited field makes the message
        // malformed; the few cuts that fall between top-level fields leave
        // a shorter but valid message, which may open.
        for (std::size_t cut = 0; cut < original.size(); cut += std::max<std::size_t>(1, original.size() / 60))
            attempt({ original.begin(), original.begin() + cut }, name + " (truncated at " + std::to_string(cut) + ")",
                cut < 8);
        std::mt19937_64 rng(std::hash<std::string> {}(name));
        for (int k = 0; k < 300; ++k) {
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

QTEST_GUILESS_MAIN(TestCoreml)
#include "test_coreml.moc"
