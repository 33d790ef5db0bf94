// ncnn: the corpus's text and binary params and pnnx graph open as "ncnn"
// with the layers, params and weights checked independently (numpy reads of
// the .bin at the offsets ncnn's load_model() order gives; the pnnx archive
// of the same network holds the same biases and the fp32 originals of the
// fp16 weights); a save writes the .bin back byte for byte and edits survive
// a reopen; truncated and bit-flipped copies give nodus::Error only.
#include "testsupport.h"

#include "formats/formatregistry.h"
#include "formats/ncnn/ncnnformat.h"
#include "formats/ncnn/ncnnnet.h"
#include "ir/model.h"
#include "ir/modelsummary.h"
#include "ir/opmetadata.h"
#include "ir/ownedtensordata.h"
#include "util/error.h"
#include "util/mappedfile.h"

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

float halfToFloat(std::uint16_t h)
{
    const int exp = (h >> 10) & 0x1f;
    const int mant = h & 0x3ff;
    float v = exp == 0 ? std::ldexp(float(mant), -24) : std::ldexp(float(mant | 0x400), exp - 25);
    return (h & 0x8000) ? -v : v;
}

std::vector<float> floatsOf(const Tensor& t)
{
    const auto b = t.data->bytes();
    std::vector<float> out;
    if (t.dataType == DataType::Float16) {
        for (std::size_t k = 0; k + 1 < b.size(); k += 2) {
            std::uint16_t h;
            std::memcpy(&h, b.data() + k, 2);
            out.push_back(halfToFloat(h));
        }
    } else {
        out.resize(b.size() / 4);
        std::memcpy(out.data(), b.data(), out.size() * 4);
    }
    return out;
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

std::string metadataValue(const Model& m, const std::string& key)
{
    for (const auto& [k, v] : m.metadata)
        if (k == key)
            return v;
    return {};
}

} // namespace

class TestNcnn : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;

    fs::path out(const std::string& name) const { return fs::path(tmp_.path().toStdString()) / name; }

    fs::path corpus(const std::string& rel) const { return test::corpusDir() / rel; }

    // Opens `bytes` named `name` in `dir` (a .bin beside it when given):
    // either a model or a nodus::Error naming the file.
    void attempt(const fs::path& param, const std::string& label)
    {
        try {
            auto model = FormatRegistry::instance().open(param);
            (void)ModelSummary::of(*model);
            for (const auto& t : model->graph->initializers)
                QCOMPARE(t->data->bytes().size(), t->expectedBytes().value_or(0));
        } catch (const Error& e) {
            if (!QString(e.what()).contains(QString::fromStdString(param.parent_path().string())))
                QFAIL(qPrintable(QString::fromStdString(label) + ": error does not name the file: " + e.what()));
        }
    }

private slots:
    void initTestCase() { QVERIFY(tmp_.isValid()); }

    void registry()
    {
        const Format* f = FormatRegistry::instance().byName("ncnn");
        QVERIFY(f);
        QCOMPARE(std::string(f->displayName()), std::string("ncnn model"));
        QCOMPARE(std::string(f->mimeType()), std::string("application/x-ncnn-param"));
        QCOMPARE(f->extensions(), (std::vector<std::string> { ".param", ".param.bin" }));
        QVERIFY(f->can(Format::Read) && f->can(Format::Write));
        QCOMPARE(f->magic().size(), std::size_t(2));
        QCOMPARE(f->magic()[0].bytes, std::string("7767517\n"));
        QCOMPARE(FormatRegistry::instance().byExtension("x.param"), f);
        QCOMPARE(std::string(ncnnLayerTypeName(6)), std::string("Convolution"));
        QCOMPARE(std::string(ncnnLayerTypeName(16)), std::string("Input"));
        QCOMPARE(std::string(ncnnLayerTypeName(33)), std::string("Split"));
        QCOMPARE(std::string(ncnnLayerTypeName(42)), std::string("ConvolutionDepthWise"));
        QCOMPARE(std::string(ncnnLayerTypeName(98)), std::string("CumulativeSum"));
        QVERIFY(ncnnLayerTypeName(99).empty());
        QCOMPARE(ncnnParamInfo("Convolution", 11)->name, std::string("kernel_h"));
        QCOMPARE(ncnnParamInfo("Pooling", "global_pooling")->id, 4);
        const OpMetadata& meta = f->opMetadata();
        QCOMPARE(std::string(meta.category("", "Convolution")), std::string("Layer"));
        QCOMPARE(std::string(meta.category("", "Pooling")), std::string("Pool"));
    }

    void sniffing()
    {
        auto sniff = [](const std::string& bytes) {
            auto file = MappedFile::fromBytes(std::as_bytes(std::span(bytes.data(), bytes.size())), "x.param");
            return NcnnFormat().sniff(FormatRegistry::probe(file));
        };
        QCOMPARE(sniff("7767517\n1 1\nInput in 0 1 x\n"), 90);
        QCOMPARE(sniff("77675170\n1 1\n"), 0);
        QCOMPARE(sniff("name: \"x\"\nlayer {}\n"), 0);
        const std::int32_t magic[3] = { 7767517, 0, 0 };
        QCOMPARE(sniff(std::string(reinterpret_cast<const char*>(magic), 12)), 90);
    }

    // A .bin opened alone names the param file it belongs to.
    void weightsAloneNameTheirModel()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        for (const auto& [bin, param] :
            { std::pair { "ncnn/3d_net.bin", "3d_net.param" }, std::pair { "ncnn-pnnx/debug.bin", "debug.param" } }) {
            try {
                FormatRegistry::instance().open(corpus(bin));
                QFAIL("a weight file opened as a model");
            } catch (const Error& e) {
                const std::string expected = corpus(bin).string() + ": holds the weights of the ncnn model " + param
                    + " beside it; open that file";
                QCOMPARE(std::string(e.what()), expected);
            }
        }
        // The same rule for ONNX external data.
        const fs::path data = corpus("pytorch-export/squeezenet1_1_external.onnx.data");
        try {
            FormatRegistry::instance().open(data);
            QFAIL("external data opened as a model");
        } catch (const Error& e) {
            QCOMPARE(std::string(e.what()),
                data.string()
                    + ": holds the weights of the ONNX model squeezenet1_1_external.onnx beside it; open that file");
        }
    }

    void textWithWeights()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto m = FormatRegistry::instance().open(corpus("ncnn/3d_net.param"));
        QCOMPARE(m->format, std::string("ncnn"));
        QCOMPARE(m->graph->nodes().size(), std::size_t(5));
        QCOMPARE(opTypes(*m),
            std::string(
                "Convolution3D=1,ConvolutionDepthWise3D=1,Deconvolution3D=1,DeconvolutionDepthWise3D=1,Input=1"));
        QCOMPARE(m->graph->initializers.size(), std::size_t(8));
        const Tensor* w = initializer(*m, "conv3d_0.weight");
        QVERIFY(w);
        QCOMPARE(w->dataType, DataType::Float16);
        QCOMPARE(w->dims, (std::vector<std::int64_t> { 6, 3, 2, 2, 2 }));
        QVERIFY(w->isMapped());
        const auto wv = floatsOf(*w);
        // numpy: float16 at byte 4 of 3d_net.bin.
        QVERIFY(std::abs(wv[0] - 0.1616f) < 1e-4f && std::abs(wv[1] + 0.1736f) < 1e-4f);
        const Tensor* b = initializer(*m, "conv3d_0.bias");
        QCOMPARE(b->dataType, DataType::Float);
        QCOMPARE(floatsOf(*b)[1], -0.1977426f);
        const Tensor* dw = initializer(*m, "deconvdw3d_3.weight");
        QCOMPARE(dw->dims, (std::vector<std::int64_t> { 6, 1, 3, 3, 3 }));
        QCOMPARE(floatsOf(*initializer(*m, "deconvdw3d_3.bias"))[5], 0.15439068f);
        const Node* conv = m->graph->findNode("convdw3d_2");
        QCOMPARE(attr(*conv, "group")->i, std::int64_t(6));
        QCOMPARE(attr(*conv, "kernel_d")->i, std::int64_t(3));
        QCOMPARE(attr(*conv, "weight_data_size")->i, std::int64_t(162));
        QCOMPARE(m->graph->outputs.size(), std::size_t(1));
        QCOMPARE(m->graph->outputs[0]->name(), std::string("out0"));
        QCOMPARE(m->parameterCount(), std::uint64_t(144 + 162 + 972 + 162 + 24));
    }

    void pnnxPairMatchesNcnn()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto p = FormatRegistry::instance().open(corpus("ncnn-pnnx/debug.param"));
        QCOMPARE(p->format, std::string("ncnn"));
        QCOMPARE(p->producerName, std::string("pnnx"));
        QCOMPARE(p->graph->nodes().size(), std::size_t(6));
        QCOMPARE(opTypes(*p), std::string("nn.Conv3d=2,nn.ConvTranspose3d=2,pnnx.Input=1,pnnx.Output=1"));
        QCOMPARE(p->graph->initializers.size(), std::size_t(8));
        const Tensor* pw = initializer(*p, "conv3d.weight");
        QCOMPARE(pw->dataType, DataType::Float);
        QCOMPARE(pw->dims, (std::vector<std::int64_t> { 6, 3, 2, 2, 2 }));
        QCOMPARE(attr(*p->graph->findNode("conv3d"), "kernel_size")->s, std::string("(2,2,2)"));
        QCOMPARE(p->graph->findValue("13")->type.shape, Shape::of({ 1, 6, 5, 10, 15 }));
        // The same network exported both ways: equal biases, fp16-rounded weights.
        const auto n = FormatRegistry::instance().open(corpus("ncnn/3d_net.param"));
        const std::vector<std::pair<std::string, std::string>> pairs = { { "conv3d", "conv3d_0" },
            { "conv3d_depth_wise", "convdw3d_2" }, { "deconv3d_depth_wise", "deconvdw3d_3" } };
        for (const auto& [pn, nn] : pairs) {
            QCOMPARE(floatsOf(*initializer(*p, pn + ".bias")), floatsOf(*initializer(*n, nn + ".bias")));
            const auto a = floatsOf(*initializer(*p, pn + ".weight"));
            const auto b = floatsOf(*initializer(*n, nn + ".weight"));
            QCOMPARE(a.size(), b.size());
            for (std::size_t k = 0; k < a.size(); ++k)
                QVERIFY2(
                    std::abs(a[k] - b[k]) <= 1e-3f * std::max(1.f, std::abs(a[k])), qPrintable(QString::number(k)));
        }
        QVERIFY_THROWS_EXCEPTION(Error, FormatRegistry::instance().save(*p, out("pnnx.param")));
    }

    void textWithoutWeights()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto m = FormatRegistry::instance().open(corpus("ncnn/squeezenet_v1.1.param"));
        QCOMPARE(m->format, std::string("ncnn"));
        QCOMPARE(m->graph->nodes().size(), std::size_t(75));
        QCOMPARE(
            opTypes(*m), std::string("Concat=8,Convolution=26,Dropout=1,Input=1,Pooling=4,ReLU=26,Softmax=1,Split=8"));
        QVERIFY(m->graph->initializers.empty());
        QVERIFY(metadataValue(*m, "note").find("no weights") != std::string::npos);
        QCOMPARE(m->graph->findValue("data")->type.shape, Shape::of({ 3, 227, 227 }));
        const Node* conv1 = m->graph->findNode("conv1");
        QCOMPARE(attr(*conv1, "num_output")->i, std::int64_t(64));
        QCOMPARE(attr(*conv1, "weight_data_size")->i, std::int64_t(1728));
        QCOMPARE(attr(*m->graph->findNode("relu_conv1"), "slope")->type, AttributeType::Float);
        QCOMPARE(m->graph->outputs.size(), std::size_t(1));
    }

    void binaryParamMatchesText()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto t = FormatRegistry::instance().open(corpus("ncnn/squeezenet_v1.1.param"));
        const auto b = FormatRegistry::instance().open(corpus("ncnn/squeezenet_v1.1.param.bin"));
        QCOMPARE(b->format, std::string("ncnn"));
        QCOMPARE(metadataValue(*b, "format"), std::string("ncnn binary param"));
        QCOMPARE(b->graph->nodes().size(), t->graph->nodes().size());
        for (std::size_t k = 0; k < t->graph->nodes().size(); ++k) {
            const Node& x = *t->graph->nodes()[k];
            const Node& y = *b->graph->nodes()[k];
            QCOMPARE(y.opType, x.opType);
            QCOMPARE(y.inputs().size(), x.inputs().size());
            QCOMPARE(y.outputs().size(), x.outputs().size());
            QCOMPARE(y.attributes.size(), x.attributes.size());
            // The two files disagree on the input only: the binary's Input
            // holds 0=3 1=227 2=227 (xxd: ints at bytes 0x1c..0x33).
            if (x.opType == "Input") {
                QCOMPARE(y.attribute("w")->i, std::int64_t(3));
                QCOMPARE(y.attribute("h")->i, std::int64_t(227));
                QCOMPARE(y.attribute("c")->i, std::int64_t(227));
                continue;
            }
            for (std::size_t a = 0; a < x.attributes.size(); ++a) {
                QCOMPARE(y.attributes[a].name, x.attributes[a].name);
                QCOMPARE(y.attributes[a].valueText(), x.attributes[a].valueText());
            }
        }
        QCOMPARE(b->graph->nodes()[1]->name, std::string("Convolution_1"));
    }

    void cliInfo()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto run
            = test::runCli({ "info", "--json", QString::fromStdString(corpus("ncnn/3d_net.param").string()) });
        QCOMPARE(run.code, 0);
        const auto j = QJsonDocument::fromJson(run.out).object();
        QCOMPARE(j["format"].toString(), QStringLiteral("ncnn"));
        QCOMPARE(j["tensors"].toInt(), 8);
        QCOMPARE(j["graph"].toObject()["nodes"].toInt(), 5);
    }

    void roundTrip()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto m = FormatRegistry::instance().open(corpus("ncnn/3d_net.param"));
        FormatRegistry::instance().save(*m, out("3d.param"));
        // Same weights, same storage, same order: the .bin comes back byte for byte.
        QCOMPARE(readAll(out("3d.bin")), readAll(corpus("ncnn/3d_net.bin")));
        const auto again = FormatRegistry::instance().open(out("3d.param"));
        QCOMPARE(again->graph->nodes().size(), m->graph->nodes().size());
        for (std::size_t k = 0; k < m->graph->nodes().size(); ++k) {
            const Node& x = *m->graph->nodes()[k];
            const Node& y = *again->graph->nodes()[k];
            QCOMPARE(y.name, x.name);
            QCOMPARE(y.attributes.size(), x.attributes.size());
            for (std::size_t a = 0; a < x.attributes.size(); ++a)
                QCOMPARE(y.attributes[a].valueText(), x.attributes[a].valueText());
        }
        // An edited bias and param survive a save and reopen.
        auto edited = FormatRegistry::instance().open(out("3d.param"));
        auto& bias = *edited->graph->findValue("conv3d_0.bias")->initializer;
        std::vector<float> values(6, 0.f);
        values[2] = 42.5f;
        std::vector<std::byte> bytes(24);
        std::memcpy(bytes.data(), values.data(), 24);
        bias.data = std::make_shared<OwnedTensorData>(bytes);
        edited->graph->findNode("conv3d_0")->attribute("stride_w")->i = 1;
        FormatRegistry::instance().save(*edited, out("3d.param"));
        const auto reopened = FormatRegistry::instance().open(out("3d.param"));
        QCOMPARE(floatsOf(*initializer(*reopened, "conv3d_0.bias"))[2], 42.5f);
        QCOMPARE(reopened->graph->findNode("conv3d_0")->attribute("stride_w")->i, std::int64_t(1));
        // The binary param saves as text; without weights only the .param is written.
        const auto bin = FormatRegistry::instance().open(corpus("ncnn/squeezenet_v1.1.param.bin"));
        FormatRegistry::instance().save(*bin, out("sq.param"));
        QVERIFY(!fs::exists(out("sq.bin")));
        QCOMPARE(opTypes(*FormatRegistry::instance().open(out("sq.param"))), opTypes(*bin));
        QVERIFY_THROWS_EXCEPTION(Error, FormatRegistry::instance().save(*bin, out("sq.param.bin"), "ncnn"));
    }

    void damagedParams()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        int n = 0;
        for (const std::string name :
            { "ncnn/3d_net.param", "ncnn/squeezenet_v1.1.param.bin", "ncnn-pnnx/debug.param" }) {
            const std::string bytes = readAll(corpus(name));
            const fs::path dir = out("damaged" + std::to_string(n++));
            fs::create_directories(dir);
            const fs::path copy = dir / fs::path(name).filename();
            for (std::size_t cut = 0; cut < bytes.size(); cut += std::max<std::size_t>(1, bytes.size() / 97)) {
                writeFile(copy, bytes.substr(0, cut));
                attempt(copy, name + " cut at " + std::to_string(cut));
            }
            for (std::size_t at = 0; at < bytes.size(); at += std::max<std::size_t>(1, bytes.size() / 211)) {
                std::string flipped = bytes;
                flipped[at] = static_cast<char>(flipped[at] ^ (1 << (at % 8)));
                writeFile(copy, flipped);
                attempt(copy, name + " flipped at " + std::to_string(at));
            }
        }
    }

    void damagedWeights()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const fs::path dir = out("weights");
        fs::create_directories(dir);
        fs::copy_file(corpus("ncnn/3d_net.param"), dir / "net.param");
        const std::string bytes = readAll(corpus("ncnn/3d_net.bin"));
        int refused = 0;
        for (std::size_t cut = 0; cut < bytes.size(); cut += 37) {
            writeFile(dir / "net.bin", bytes.substr(0, cut));
            try {
                (void)FormatRegistry::instance().open(dir / "net.param");
            } catch (const Error& e) {
                ++refused;
                QVERIFY2(QString(e.what()).contains("net.bin"), e.what());
            }
        }
        // Every cut short of the whole file misses a weight.
        QCOMPARE(refused, int((bytes.size() + 36) / 37));
        for (std::size_t at = 0; at < bytes.size(); at += 13) {
            std::string flipped = bytes;
            flipped[at] = static_cast<char>(flipped[at] ^ 0x40);
            writeFile(dir / "net.bin", flipped);
            try {
                const auto m = FormatRegistry::instance().open(dir / "net.param");
                for (const auto& t : m->graph->initializers)
                    QCOMPARE(t->data->bytes().size(), t->expectedBytes().value_or(0));
            } catch (const Error& e) {
                QVERIFY2(QString(e.what()).contains("net.bin"), e.what());
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestNcnn)
#include "test_ncnn.moc"
