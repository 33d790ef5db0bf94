// Caffe: the corpus prototxts open as "caffe" with the layer counts and
// params counted independently (grep of the text); the solver is refused
// naming its net; the fixture written by tools/gen_caffe_fixtures.py opens
// from the .caffemodel and from the .prototxt (weights of the same stem
// attached) with the formula values; a .caffemodel save keeps every byte and
// edits survive a reopen; damaged copies give nodus::Error only.
#include "ortrunner.h"
#include "testsupport.h"

#include "convert/onnxexport.h"

#include "formats/caffe/caffeformat.h"
#include "formats/formatregistry.h"
#include "ir/model.h"
#include "ir/modelsummary.h"
#include "ir/opmetadata.h"
#include "ir/ownedtensordata.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <onnx/checker.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>

using namespace nodus;
namespace fs = std::filesystem;

namespace {

using test::readAll;
using test::writeFile;

fs::path fixture(const std::string& name)
{
    return test::sourceDir() / "tests" / "data" / "caffe" / name;
}

std::vector<float> floatsOf(const Tensor& t)
{
    const auto b = t.data->bytes();
    std::vector<float> out(b.size() / 4);
    std::memcpy(out.data(), b.data(), out.size() * 4);
    return out;
}

std::vector<float> formula(int n, float step, int period, int offset)
{
    std::vector<float> v;
    for (int k = 0; k < n; ++k)
        v.push_back(float((k % period) - offset) * step);
    return v;
}

std::string opTypes(const Model& m)
{
    std::map<std::string, int> count;
    for (const auto& n : m.graph->nodes())
        ++count[n->opType];
    std::string s;
    for (const auto& [k, v] : count)
        s += (s.empty() ? "" : ",") + k + "=" + std::to_string(v);
    return s;
}

const Attribute* attr(const Node& n, const std::string& name)
{
    for (const auto& a : n.attributes)
        if (a.name == name)
            return &a;
    return nullptr;
}

// The tiny fixture computed plainly: conv 3x3 pad 1, BatchNorm with its
// stored factor, Scale, ReLU, 3x3/2 max pooling rounded up, InnerProduct,
// Softmax.
std::vector<double> tinyReference(const std::vector<double>& x)
{
    const auto w = formula(108, 0.125f, 7, 3);
    const float cb[4] = { 0.5f, -0.25f, 0.f, 1.f };
    const float mean[4] = { 0.5f, 1.f, -1.f, 2.f }, var[4] = { 2.f, 4.f, 8.f, 1.f }, sf = 2.f;
    const float sc[4] = { 1.f, 0.5f, 2.f, -1.f }, sb[4] = { 0.f, 0.25f, -0.5f, 0.125f };
    std::vector<double> a(4 * 64);
    for (int o = 0; o < 4; ++o)
        for (int y = 0; y < 8; ++y)
            for (int xx = 0; xx < 8; ++xx) {
                double s = cb[o];
                for (int c = 0; c < 3; ++c)
                    for (int ky = 0; ky < 3; ++ky)
                        for (int kx = 0; kx < 3; ++kx) {
                            const int iy = y + ky - 1, ix = xx + kx - 1;
                            if (iy >= 0 && iy < 8 && ix >= 0 && ix < 8)
                                s += w[((o * 3 + c) * 3 + ky) * 3 + kx] * x[(c * 8 + iy) * 8 + ix];
                        }
                s = (s - mean[o] / sf) / std::sqrt(var[o] / sf + 1e-5);
                s = s * sc[o] + sb[o];
                a[(o * 8 + y) * 8 + xx] = std::max(s, 0.0);
            }
    std::vector<double> p(64);
    for (int c = 0; c < 4; ++c)
        for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 4; ++j) {
                double m = -1e30;
                for (int y = 2 * i; y < std::min(2 * i + 3, 8); ++y)
                    for (int xx = 2 * j; xx < std::min(2 * j + 3, 8); ++xx)
                        m = std::max(m, a[(c * 8 + y) * 8 + xx]);
                p[(c * 4 + i) * 4 + j] = m;
            }
    const auto fw = formula(320, 0.0625f, 11, 5);
    const double fb[5] = { 0, 0.5, 1, -0.5, 0.25 };
    std::vector<double> z(5);
    double total = 0;
    for (int o = 0; o < 5; ++o) {
        double s = fb[o];
        for (int k = 0; k < 64; ++k)
            s += fw[o * 64 + k] * p[k];
        z[o] = s;
    }
    const double top = *std::max_element(z.begin(), z.end());
    for (auto& v : z)
        total += (v = std::exp(v - top));
    for (auto& v : z)
        v /= total;
    return z;
}

} // namespace

class TestCaffe : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;

    fs::path out(const std::string& name) const { return fs::path(tmp_.path().toStdString()) / name; }

    void checkTiny(const Model& m)
    {
        QCOMPARE(m.format, std::string("caffe"));
        QCOMPARE(m.graph->nodes().size(), std::size_t(8));
        QCOMPARE(opTypes(m),
            std::string("BatchNorm=1,Convolution=1,InnerProduct=1,Input=1,Pooling=1,ReLU=1,Scale=1,Softmax=1"));
        QCOMPARE(m.graph->initializers.size(), std::size_t(9));
        const auto* w = m.graph->findValue("conv1.weight")->initializer.get();
        QCOMPARE(w->dims, (std::vector<std::int64_t> { 4, 3, 3, 3 }));
        QCOMPARE(floatsOf(*w), formula(108, 0.125f, 7, 3));
        QCOMPARE(floatsOf(*m.graph->findValue("fc.weight")->initializer), formula(320, 0.0625f, 11, 5));
        QCOMPARE(floatsOf(*m.graph->findValue("bn1.scale_factor")->initializer), std::vector<float> { 2.f });
        QCOMPARE(floatsOf(*m.graph->findValue("scale1.bias")->initializer)[2], -0.5f);
        // In-place layers write new versions of "conv1"; the chain stays connected.
        const Node* relu = m.graph->findNode("relu1");
        QCOMPARE(relu->inputs()[0]->producer()->name, std::string("scale1"));
        QCOMPARE(m.graph->findNode("pool1")->inputs()[0]->producer(), relu);
        QCOMPARE(m.graph->findValue("data")->type.shape, Shape::of({ 1, 3, 8, 8 }));
        QCOMPARE(attr(*m.graph->findNode("pool1"), "pool")->s, std::string("MAX"));
        QCOMPARE(attr(*m.graph->findNode("conv1"), "kernel_size")->ints, std::vector<std::int64_t> { 3 });
        QCOMPARE(m.graph->outputs.size(), std::size_t(1));
        QCOMPARE(m.graph->outputs[0]->name(), std::string("prob"));
    }

    void attempt(const fs::path& path, const std::string& label)
    {
        try {
            auto model = FormatRegistry::instance().open(path);
            (void)ModelSummary::of(*model);
        } catch (const Error& e) {
            if (!QString(e.what()).contains(QString::fromStdString(path.parent_path().string())))
                QFAIL(qPrintable(QString::fromStdString(label) + ": error does not name the file: " + e.what()));
        }
    }

private slots:
    void initTestCase() { QVERIFY(tmp_.isValid()); }

    void registry()
    {
        const Format* f = FormatRegistry::instance().byName("caffe");
        QVERIFY(f);
        QCOMPARE(std::string(f->displayName()), std::string("Caffe model"));
        QCOMPARE(std::string(f->mimeType()), std::string("application/x-caffe"));
        QCOMPARE(f->extensions(), (std::vector<std::string> { ".prototxt", ".caffemodel" }));
        QVERIFY(f->can(Format::Read) && f->can(Format::Write));
        QCOMPARE(FormatRegistry::instance().byExtension("x.caffemodel"), f);
        QCOMPARE(std::string(f->opMetadata().category("", "Convolution")), std::string("Layer"));
    }

    void sniffing()
    {
        auto sniff = [](const std::string& bytes) {
            auto file = MappedFile::fromBytes(std::as_bytes(std::span(bytes.data(), bytes.size())), "x.txt");
            return CaffeFormat().sniff(FormatRegistry::probe(file));
        };
        QVERIFY(sniff("# c\nname: \"n\"\nlayer {\n name: \"a\"\n type: \"ReLU\"\n}\n") >= 60);
        QCOMPARE(sniff("node {\n  name: \"a\"\n  op: \"Add\"\n}\n"), 0);
        QCOMPARE(sniff("hello world\n"), 0);
        QCOMPARE(sniff("7767517\n1 1\n"), 0);
        QVERIFY(sniff(readAll(fixture("tiny.caffemodel"))) >= 60);
        // An ONNX model starts with ir_version, a varint field 1.
        QCOMPARE(sniff(std::string("\x08\x07\x12\x04test", 8)), 0);
    }

    void corpusPrototxts_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("nodes");
        QTest::addColumn<QString>("types");
        NODUS_SKIP_IF_NO_CORPUS();
        // Layer counts from grep -c "^layer" and the type: lines of each file.
        QTest::newRow("deploy") << "SqueezeNet_v1.1_deploy.prototxt" << 67
                                << "Concat=8,Convolution=26,Dropout=1,Input=1,Pooling=4,ReLU=26,Softmax=1";
        QTest::newRow("ncnn") << "squeezenet_v1.1.prototxt" << 67
                              << "Concat=8,Convolution=26,Dropout=1,Input=1,Pooling=4,ReLU=26,Softmax=1";
    }

    void corpusPrototxts()
    {
        QFETCH(QString, file);
        QFETCH(int, nodes);
        QFETCH(QString, types);
        const auto m = FormatRegistry::instance().open(test::corpusDir() / "caffe" / file.toStdString());
        QCOMPARE(m->format, std::string("caffe"));
        QCOMPARE(int(m->graph->nodes().size()), nodes);
        QCOMPARE(QString::fromStdString(opTypes(*m)), types);
        QVERIFY(m->graph->initializers.empty());
        const Node* conv1 = m->graph->findNode("conv1");
        QCOMPARE(attr(*conv1, "num_output")->i, std::int64_t(64));
        QCOMPARE(attr(*conv1, "stride")->ints, std::vector<std::int64_t> { 2 });
        QCOMPARE(attr(*m->graph->findNode("pool10"), "global_pooling")->i, std::int64_t(1));
        QCOMPARE(m->graph->outputs.size(), std::size_t(1));
    }

    void solverRefused()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const fs::path solver = test::corpusDir() / "caffe" / "SqueezeNet_v1.1_solver.prototxt";
        try {
            (void)FormatRegistry::instance().open(solver);
            QFAIL("a solver opened");
        } catch (const Error& e) {
            QCOMPARE(QString(e.what()),
                QString::fromStdString(
                    solver.string() + ": is a Caffe solver, not a network; its net is train_val.prototxt"));
        }
    }

    void fixtureWeights()
    {
        checkTiny(*FormatRegistry::instance().open(fixture("tiny.caffemodel")));
        const auto text = FormatRegistry::instance().open(fixture("tiny.prototxt"));
        checkTiny(*text);
        bool noted = false;
        for (const auto& [k, v] : text->metadata)
            noted = noted || (k == "weights" && v == "tiny.caffemodel");
        QVERIFY(noted);
    }

    void cliInfo()
    {
        const auto run
            = test::runCli({ "info", "--json", QString::fromStdString(fixture("tiny.caffemodel").string()) });
        QCOMPARE(run.code, 0);
        const auto j = QJsonDocument::fromJson(run.out).object();
        QCOMPARE(j["format"].toString(), QStringLiteral("caffe"));
        QCOMPARE(j["tensors"].toInt(), 9);
        QCOMPARE(j["graph"].toObject()["nodes"].toInt(), 8);
    }

    void roundTrip()
    {
        const auto m = FormatRegistry::instance().open(fixture("tiny.caffemodel"));
        FormatRegistry::instance().save(*m, out("same.caffemodel"));
        QCOMPARE(readAll(out("same.caffemodel")), readAll(fixture("tiny.caffemodel")));
        auto edited = FormatRegistry::instance().open(fixture("tiny.caffemodel"));
        auto& bias = *edited->graph->findValue("fc.bias")->initializer;
        std::vector<float> v = { 9.f, 8.f, 7.f, 6.f, 5.f };
        std::vector<std::byte> bytes(20);
        std::memcpy(bytes.data(), v.data(), 20);
        bias.data = std::make_shared<OwnedTensorData>(bytes);
        edited->graph->findNode("fc")->name = "classifier";
        FormatRegistry::instance().save(*edited, out("edited.caffemodel"));
        const auto again = FormatRegistry::instance().open(out("edited.caffemodel"));
        QCOMPARE(floatsOf(*again->graph->findValue("classifier.bias")->initializer), v);
        QCOMPARE(floatsOf(*again->graph->findValue("conv1.weight")->initializer), formula(108, 0.125f, 7, 3));
        // Text: the same network without blobs.
        FormatRegistry::instance().save(*m, out("net.prototxt"));
        const auto text = FormatRegistry::instance().open(out("net.prototxt"));
        QCOMPARE(opTypes(*text), opTypes(*m));
        QVERIFY(text->graph->initializers.empty());
    }

    void convertToOnnx()
    {
        const auto m = FormatRegistry::instance().open(fixture("tiny.caffemodel"));
        const fs::path target = out("tiny.onnx");
        const auto report = exportToOnnx(*m, target);
        QVERIFY(report.complete());
        onnx::ModelProto proto;
        const std::string bytes = readAll(target);
        QVERIFY(proto.ParseFromString(bytes));
        onnx::checker::check_model(proto);
        std::map<std::string, int> ops;
        for (const auto& n : proto.graph().node())
            ++ops[n.op_type()];
        QCOMPARE(ops["Conv"], 1);
        QCOMPARE(ops["BatchNormalization"], 1);
        QCOMPARE(ops["MaxPool"], 1);
        QCOMPARE(ops["Gemm"], 1);
        QCOMPARE(ops["Softmax"], 1);
        QCOMPARE(proto.graph().input_size(), 1);
        // The prototxt without weights cannot convert its convolutions.
        if (!test::corpusDir().empty()) {
            const auto deploy
                = FormatRegistry::instance().open(test::corpusDir() / "caffe" / "SqueezeNet_v1.1_deploy.prototxt");
            QVERIFY_THROWS_EXCEPTION(Error, exportToOnnx(*deploy, out("deploy.onnx")));
        }
        if (const QString why = test::ortUnavailable(); !why.isEmpty())
            QSKIP(qPrintable("onnxruntime not available: " + why));
        std::vector<double> x(192);
        for (int i = 0; i < 192; ++i)
            x[static_cast<std::size_t>(i)] = ((i * 7) % 13 - 6) / 8.0;
        const auto r
            = test::runOnnxRuntime(target, { { proto.graph().input(0).name(), "float32", { 1, 3, 8, 8 }, x } });
        QVERIFY2(r.ran, qPrintable(r.error));
        QCOMPARE(r.outputs.size(), std::size_t(1));
        const auto expected = tinyReference(x);
        QCOMPARE(r.outputs[0].data.size(), std::size_t(5));
        for (std::size_t k = 0; k < 5; ++k)
            QVERIFY2(std::abs(r.outputs[0].data[k] - expected[k]) < 1e-4,
                qPrintable(QString("%1: %2 vs %3").arg(k).arg(r.outputs[0].data[k]).arg(expected[k])));
    }

    void damaged()
    {
        int n = 0;
        std::vector<fs::path> files = { fixture("tiny.caffemodel"), fixture("tiny.prototxt") };
        if (!test::corpusDir().empty())
            files.push_back(test::corpusDir() / "caffe" / "SqueezeNet_v1.1_deploy.prototxt");
        for (const auto& file : files) {
            const std::string bytes = readAll(file);
            const fs::path dir = out("damaged" + std::to_string(n++));
            fs::create_directories(dir);
            const fs::path copy = dir / file.filename();
            for (std::size_t cut = 0; cut < bytes.size(); cut += std::max<std::size_t>(1, bytes.size() / 89)) {
                writeFile(copy, bytes.substr(0, cut));
                attempt(copy, file.filename().string() + " cut at " + std::to_string(cut));
            }
            for (std::size_t at = 0; at < bytes.size(); at += std::max<std::size_t>(1, bytes.size() / 173)) {
                std::string flipped = bytes;
                flipped[at] = static_cast<char>(flipped[at] ^ (1 << (at % 8)));
                writeFile(copy, flipped);
                attempt(copy, file.filename().string() + " flipped at " + std::to_string(at));
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestCaffe)
#include "test_caffe.moc"
