// ncnn -> ONNX: a small net written here (text .param + .bin, fp32 and fp16
// weights) converts, passes the ONNX checker and computes under onnxruntime
// what a plain C++ NCHW reference of the same layers computes on the same
// weights; the corpus 3-D net (an Input without a shape, 3-D convolutions and
// deconvolutions) converts with its input's rank taken from the first
// convolution and matches a 3-D reference; a param without its .bin, an
// Input without a shape, and a layer without a mapping are refused, naming
// what is wrong.
#include "ortrunner.h"
#include "testsupport.h"

#include "convert/onnxexport.h"
#include "formats/formatregistry.h"
#include "ir/model.h"
#include "ir/tensorvalues.h"
#include "util/error.h"

#include <onnx/checker.h>

#include <QTemporaryDir>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>

using namespace nodus;
namespace fs = std::filesystem;

namespace {

using test::writeFile;

// Weight values: multiples of 1/64 in [-0.5, 0.5], exact in fp16 too.
float formula(std::size_t i, int salt)
{
    return static_cast<float>(static_cast<int>((i * 37 + static_cast<std::size_t>(salt) * 11) % 65) - 32) / 64.f;
}

std::vector<float> values(std::size_t n, int salt)
{
    std::vector<float> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = formula(i, salt);
    return v;
}

// fp16 bits of a float that fp16 represents exactly (|v| >= 2^-14 or 0).
std::uint16_t halfBits(float v)
{
    std::uint32_t b = 0;
    std::memcpy(&b, &v, 4);
    if ((b & 0x7fffffffu) == 0)
        return static_cast<std::uint16_t>(b >> 16);
    const std::uint32_t sign = (b >> 16) & 0x8000u;
    const int exp = static_cast<int>((b >> 23) & 0xff) - 127 + 15;
    return static_cast<std::uint16_t>(sign | (static_cast<std::uint32_t>(exp) << 10) | ((b >> 13) & 0x3ffu));
}

class Bin {
public:
    void tag(std::uint32_t t) { put(&t, 4); }
    void floats(const std::vector<float>& v) { put(v.data(), v.size() * 4); }
    void halves(const std::vector<float>& v)
    {
        for (const float f : v) {
            const std::uint16_t h = halfBits(f);
            put(&h, 2);
        }
        while (bytes.size() % 4)
            bytes.push_back(0);
    }
    std::string bytes;

private:
    void put(const void* p, std::size_t n) { bytes.append(static_cast<const char*>(p), n); }
};

// --- the fixture net and its NCHW reference ---------------------------------

const char* kParam = R"(7767517
11 13
Input                data   0 1 data 0=8 1=8 2=3
Convolution          conv1  1 1 data conv1 0=4 1=3 2=1 3=1 4=1 5=1 6=108 9=1
ConvolutionDepthWise dw     1 1 conv1 dw 0=4 1=3 2=1 3=1 4=-233 5=1 6=36 7=4
Pooling              pool   1 1 dw pool 0=0 1=3 2=2 5=0
BatchNorm            bn     1 1 pool bn 0=4 1=1.000000e-05
Split                split  1 3 bn bn_0 bn_1 bn_2
ReLU                 leaky  1 1 bn_1 leaky 0=0.100000
Eltwise              sum    2 1 bn_0 leaky sum 0=1 -23301=2,1.000000,0.500000
Concat               cat    2 1 sum bn_2 cat 0=0
InnerProduct         fc     1 1 cat fc 0=5 1=1 2=640
Softmax              prob   1 1 fc prob 0=0 1=1
)";

struct Weights {
    std::vector<float> convW = values(108, 1), convB = values(4, 2);
    std::vector<float> dwW = values(36, 3), dwB = values(4, 4);
    std::vector<float> bnSlope = { 1.f, 0.5f, 2.f, 0.75f }, bnMean = values(4, 5), bnVar = { 0.5f, 1.f, 0.25f, 2.f },
                       bnBias = values(4, 6);
    std::vector<float> fcW = values(640, 7), fcB = values(5, 8);

    std::string bin() const
    {
        Bin b;
        b.tag(0);
        b.floats(convW);
        b.floats(convB);
        b.tag(0);
        b.floats(dwW);
        b.floats(dwB);
        for (const auto* v : { &bnSlope, &bnMean, &bnVar, &bnBias })
            b.floats(*v);
        b.tag(0x01306B47); // fp16
        b.halves(fcW);
        b.floats(fcB);
        return b.bytes;
    }
};

struct Blob {
    int c = 0, h = 0, w = 0;
    std::vector<double> v;
    double& at(int ci, int y, int x) { return v[static_cast<std::size_t>((ci * h + y) * w + x)]; }
    double get(int ci, int y, int x) const
    {
        if (y < 0 || x < 0 || y >= h || x >= w)
            return std::numeric_limits<double>::quiet_NaN();
        return v[static_cast<std::size_t>((ci * h + y) * w + x)];
    }
};

Blob conv2d(const Blob& in, const std::vector<float>& wt, const std::vector<float>& bias, int outC, int k, int stride,
    int padT, int padL, int outH, int outW, int group)
{
    Blob o { outC, outH, outW, std::vector<double>(static_cast<std::size_t>(outC * outH * outW)) };
    const int inPer = in.c / group, outPer = outC / group;
    for (int oc = 0; oc < outC; ++oc)
        for (int y = 0; y < outH; ++y)
            for (int x = 0; x < outW; ++x) {
                double s = bias[static_cast<std::size_t>(oc)];
                const int g = oc / outPer;
                for (int ic = 0; ic < inPer; ++ic)
                    for (int ky = 0; ky < k; ++ky)
                        for (int kx = 0; kx < k; ++kx) {
                            const double v = in.get(g * inPer + ic, y * stride + ky - padT, x * stride + kx - padL);
                            if (!std::isnan(v))
                                s += v * wt[static_cast<std::size_t>(((oc * inPer + ic) * k + ky) * k + kx)];
                        }
                o.at(oc, y, x) = s;
            }
    return o;
}

std::vector<double> fixtureReference(const std::vector<double>& x, const Weights& w)
{
    Blob in { 3, 8, 8, x };
    Blob c1 = conv2d(in, w.convW, w.convB, 4, 3, 1, 1, 1, 8, 8, 1);
    for (auto& v : c1.v)
        v = std::max(v, 0.0);
    // -233 with stride 1 and a 3x3 kernel: one pixel each side.
    Blob dw = conv2d(c1, w.dwW, w.dwB, 4, 3, 1, 1, 1, 8, 8, 4);
    // Full padding: (8 - 3) % 2 = 1, one extra column and row at the end.
    Blob pool { 4, 4, 4, std::vector<double>(64) };
    for (int c = 0; c < 4; ++c)
        for (int y = 0; y < 4; ++y)
            for (int xx = 0; xx < 4; ++xx) {
                double m = -std::numeric_limits<double>::infinity();
                for (int ky = 0; ky < 3; ++ky)
                    for (int kx = 0; kx < 3; ++kx) {
                        const double v = dw.get(c, y * 2 + ky, xx * 2 + kx);
                        if (!std::isnan(v))
                            m = std::max(m, v);
                    }
                pool.at(c, y, xx) = m;
            }
    Blob bn = pool;
    for (int c = 0; c < 4; ++c)
        for (int i = 0; i < 16; ++i) {
            double& v = bn.v[static_cast<std::size_t>(c * 16 + i)];
            v = (v - w.bnMean[c]) / std::sqrt(w.bnVar[c] + 1e-5) * w.bnSlope[c] + w.bnBias[c];
        }
    std::vector<double> cat;
    for (const double v : bn.v)
        cat.push_back(v + 0.5 * (v > 0 ? v : 0.1 * v));
    cat.insert(cat.end(), bn.v.begin(), bn.v.end());
    std::vector<double> fc(5);
    double total = 0, top = -1e300;
    for (int o = 0; o < 5; ++o) {
        double s = w.fcB[o];
        for (int i = 0; i < 128; ++i)
            s += cat[static_cast<std::size_t>(i)] * w.fcW[static_cast<std::size_t>(o * 128 + i)];
        fc[static_cast<std::size_t>(o)] = s;
        top = std::max(top, s);
    }
    for (auto& v : fc)
        total += (v = std::exp(v - top));
    for (auto& v : fc)
        v /= total;
    return fc;
}

// --- a 3-D reference for the corpus net, reading the weights in ncnn's layout

struct Blob3 {
    int c = 0, d = 0, h = 0, w = 0;
    std::vector<double> v;
    std::size_t index(int ci, int z, int y, int x) const
    {
        return static_cast<std::size_t>(((ci * d + z) * h + y) * w + x);
    }
    bool inside(int z, int y, int x) const { return z >= 0 && y >= 0 && x >= 0 && z < d && y < h && x < w; }
};

// The weights as ncnn stores them (the corpus net's are fp16).
std::vector<double> tensorValues(const Tensor& t)
{
    const auto count = static_cast<std::size_t>(t.elementCount().value_or(0));
    std::vector<double> out(count);
    decodeElements(t.dataType, t.data->bytes(), 0, count, out.data());
    return out;
}

const Tensor& weightOf(const Model& m, const std::string& name)
{
    const Value* v = m.graph->findValue(name);
    if (!v || !v->initializer)
        throw Error("no weight " + name);
    return *v->initializer;
}

Blob3 conv3d(const Blob3& in, const Model& m, const std::string& layer, int outC, int k, int stride, int pad, int group)
{
    const auto wt = tensorValues(weightOf(m, layer + ".weight"));
    const auto bias = tensorValues(weightOf(m, layer + ".bias"));
    auto size = [&](int n) { return (n + 2 * pad - k) / stride + 1; };
    Blob3 o { outC, size(in.d), size(in.h), size(in.w), {} };
    o.v.assign(static_cast<std::size_t>(o.c * o.d * o.h * o.w), 0.0);
    const int inPer = in.c / group, outPer = outC / group;
    for (int oc = 0; oc < outC; ++oc)
        for (int z = 0; z < o.d; ++z)
            for (int y = 0; y < o.h; ++y)
                for (int x = 0; x < o.w; ++x) {
                    double s = bias[static_cast<std::size_t>(oc)];
                    const int g = oc / outPer;
                    for (int ic = 0; ic < inPer; ++ic)
                        for (int kz = 0; kz < k; ++kz)
                            for (int ky = 0; ky < k; ++ky)
                                for (int kx = 0; kx < k; ++kx) {
                                    const int iz = z * stride + kz - pad, iy = y * stride + ky - pad,
                                              ix = x * stride + kx - pad;
                                    if (in.inside(iz, iy, ix))
                                        s += in.v[in.index(g * inPer + ic, iz, iy, ix)]
                                            * wt[static_cast<std::size_t>(
                                                (((oc * inPer + ic) * k + kz) * k + ky) * k + kx)];
                                }
                    o.v[o.index(oc, z, y, x)] = s;
                }
    return o;
}

// ncnn's deconvolution: weights [group][out/group][in/group][k], each input
// pixel scattered over the kernel window, then `pad` cut from each side.
Blob3 deconv3d(const Blob3& in, const Model& m, const std::string& layer, int outC, int k, int pad, int group)
{
    const auto wt = tensorValues(weightOf(m, layer + ".weight"));
    const auto bias = tensorValues(weightOf(m, layer + ".bias"));
    Blob3 full { outC, in.d + k - 1, in.h + k - 1, in.w + k - 1, {} };
    full.v.assign(static_cast<std::size_t>(full.c * full.d * full.h * full.w), 0.0);
    const int inPer = in.c / group, outPer = outC / group;
    for (int oc = 0; oc < outC; ++oc) {
        const int g = oc / outPer, o = oc % outPer;
        for (std::size_t i = full.index(oc, 0, 0, 0); i < full.index(oc + 1, 0, 0, 0); ++i)
            full.v[i] = bias[static_cast<std::size_t>(oc)];
        for (int ic = 0; ic < inPer; ++ic)
            for (int z = 0; z < in.d; ++z)
                for (int y = 0; y < in.h; ++y)
                    for (int x = 0; x < in.w; ++x) {
                        const double v = in.v[in.index(g * inPer + ic, z, y, x)];
                        for (int kz = 0; kz < k; ++kz)
                            for (int ky = 0; ky < k; ++ky)
                                for (int kx = 0; kx < k; ++kx)
                                    full.v[full.index(oc, z + kz, y + ky, x + kx)] += v
                                        * wt[static_cast<std::size_t>(
                                            ((((g * outPer + o) * inPer + ic) * k + kz) * k + ky) * k + kx)];
                    }
    }
    Blob3 out { outC, full.d - 2 * pad, full.h - 2 * pad, full.w - 2 * pad, {} };
    out.v.assign(static_cast<std::size_t>(out.c * out.d * out.h * out.w), 0.0);
    for (int c = 0; c < outC; ++c)
        for (int z = 0; z < out.d; ++z)
            for (int y = 0; y < out.h; ++y)
                for (int x = 0; x < out.w; ++x)
                    out.v[out.index(c, z, y, x)] = full.v[full.index(c, z + pad, y + pad, x + pad)];
    return out;
}

std::map<std::string, int> opCounts(const onnx::ModelProto& proto)
{
    std::map<std::string, int> ops;
    for (const auto& n : proto.graph().node())
        ++ops[n.op_type()];
    return ops;
}

} // namespace

class TestNcnnConvert : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    fs::path out(const std::string& name) const { return fs::path(tmp_.path().toStdString()) / name; }

    fs::path writeFixture()
    {
        const fs::path param = out("tiny.param");
        writeFile(param, kParam);
        writeFile(out("tiny.bin"), Weights().bin());
        return param;
    }

    static std::string convertError(const Model& m, const fs::path& target, bool partial = false)
    {
        try {
            OnnxExportOptions o;
            o.partial = partial;
            exportToOnnx(m, target, o);
        } catch (const Error& e) {
            return e.what();
        }
        return {};
    }

private slots:
    void fixtureConverts()
    {
        const fs::path param = writeFixture();
        const auto m = FormatRegistry::instance().open(param);
        QCOMPARE(m->format, std::string("ncnn"));
        QCOMPARE(m->graph->nodes().size(), std::size_t(11));
        QCOMPARE(weightOf(*m, "fc.weight").dataType, DataType::Float16);
        QCOMPARE(weightOf(*m, "conv1.weight").dataType, DataType::Float);
        const fs::path target = out("tiny.onnx");
        const auto report = exportToOnnx(*m, target);
        QVERIFY2(report.complete(), report.unsupportedText().c_str());
        QCOMPARE(report.nodesIn, std::size_t(11));
        onnx::ModelProto proto;
        std::ifstream f(target, std::ios::binary);
        QVERIFY(proto.ParseFromIstream(&f));
        onnx::checker::check_model(proto);
        auto ops = opCounts(proto);
        QCOMPARE(ops["Conv"], 2);
        QCOMPARE(ops["Relu"], 1); // conv1's fused activation
        QCOMPARE(ops["MaxPool"], 1);
        QCOMPARE(ops["BatchNormalization"], 1);
        QCOMPARE(ops["LeakyRelu"], 1);
        QCOMPARE(ops["Sum"], 1);
        QCOMPARE(ops["Concat"], 1);
        QCOMPARE(ops["Gemm"], 1);
        QCOMPARE(ops["Softmax"], 1);
        QCOMPARE(proto.graph().input_size(), 1);
        const auto& in = proto.graph().input(0).type().tensor_type().shape();
        QCOMPARE(in.dim_size(), 4);
        QCOMPARE(in.dim(1).dim_value(), 3);
        QCOMPARE(in.dim(3).dim_value(), 8);
        for (const auto& node : proto.graph().node())
            if (node.op_type() == "Conv" && node.name().starts_with("dw"))
                for (const auto& a : node.attribute())
                    if (a.name() == "auto_pad")
                        QCOMPARE(a.s(), std::string("SAME_UPPER"));

        // The same through the command line.
        const auto cli = test::runCli(
            { "convert", QString::fromStdString(param.string()), QString::fromStdString(out("cli.onnx").string()) });
        QVERIFY2(cli.code == 0, qPrintable(cli.err));
        QVERIFY(fs::file_size(out("cli.onnx")) > 2000);

        if (const QString why = test::ortUnavailable(); !why.isEmpty())
            QSKIP(qPrintable("onnxruntime not available: " + why));
        std::vector<double> x(192);
        for (int i = 0; i < 192; ++i)
            x[static_cast<std::size_t>(i)] = ((i * 7) % 13 - 6) / 8.0;
        const auto r
            = test::runOnnxRuntime(target, { { proto.graph().input(0).name(), "float32", { 1, 3, 8, 8 }, x } });
        QVERIFY2(r.ran, qPrintable(r.error));
        QCOMPARE(r.outputs.size(), std::size_t(1));
        QCOMPARE(r.outputs[0].dims, (std::vector<std::int64_t> { 1, 5 }));
        const auto expected = fixtureReference(x, Weights());
        double worst = 0;
        for (std::size_t k = 0; k < 5; ++k)
            worst = std::max(worst, std::abs(r.outputs[0].data[k] - expected[k]));
        qInfo("fixture: %d ONNX nodes, max abs diff %.3g", proto.graph().node_size(), worst);
        QVERIFY2(worst <= 1e-4, qPrintable(QString("max abs diff %1").arg(worst)));
        // Not a constant output: the probabilities differ.
        QVERIFY(std::abs(expected[0] - expected[1]) > 1e-3 || std::abs(expected[2] - expected[3]) > 1e-3);
    }

    void corpus3dNet()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const fs::path param = test::corpusDir() / "ncnn" / "3d_net.param";
        if (!fs::exists(param))
            QSKIP("ncnn/3d_net.param is not in the corpus");
        const auto m = FormatRegistry::instance().open(param);
        QCOMPARE(m->graph->nodes().size(), std::size_t(5));
        const fs::path target = out("3d_net.onnx");
        const auto report = exportToOnnx(*m, target);
        QVERIFY2(report.complete(), report.unsupportedText().c_str());
        bool noted = false;
        for (const auto& n : report.notes)
            noted = noted || (n.find("'in0'") != std::string::npos && n.find("conv3d_0") != std::string::npos);
        QVERIFY(noted);
        onnx::ModelProto proto;
        std::ifstream f(target, std::ios::binary);
        QVERIFY(proto.ParseFromIstream(&f));
        onnx::checker::check_model(proto);
        auto ops = opCounts(proto);
        QCOMPARE(ops["Conv"], 2);
        QCOMPARE(ops["ConvTranspose"], 2);
        const auto& in = proto.graph().input(0).type().tensor_type().shape();
        QCOMPARE(in.dim_size(), 5);
        QCOMPARE(in.dim(1).dim_value(), 3);
        QVERIFY(!in.dim(2).has_dim_value());

        if (const QString why = test::ortUnavailable(); !why.isEmpty())
            QSKIP(qPrintable("onnxruntime not available: " + why));
        Blob3 x { 3, 5, 6, 7, {} };
        for (int i = 0; i < 3 * 5 * 6 * 7; ++i)
            x.v.push_back(((i * 5) % 17 - 8) / 8.0);
        const auto r = test::runOnnxRuntime(
            target, { { proto.graph().input(0).name(), "float32", { 1, 3, 5, 6, 7 }, x.v } }, true);
        QVERIFY2(r.ran, qPrintable(r.error));
        Blob3 y = conv3d(x, *m, "conv3d_0", 6, 2, 2, 0, 1);
        y = conv3d(y, *m, "convdw3d_2", 6, 3, 1, 1, 6);
        y = deconv3d(y, *m, "deconv3d_1", 6, 3, 1, 1);
        y = deconv3d(y, *m, "deconvdw3d_3", 6, 3, 1, 6);
        QCOMPARE(r.outputs.size(), std::size_t(1));
        QCOMPARE(r.outputs[0].dims, (std::vector<std::int64_t> { 1, 6, 2, 3, 3 }));
        QCOMPARE(r.outputs[0].data.size(), y.v.size());
        double worst = 0, scale = 0;
        for (std::size_t k = 0; k < y.v.size(); ++k) {
            QVERIFY(std::isfinite(y.v[k]));
            worst = std::max(worst, std::abs(r.outputs[0].data[k] - y.v[k]));
            scale = std::max(scale, std::abs(y.v[k]));
        }
        qInfo("3d_net: %d ONNX nodes, max abs diff %.3g (largest value %.3g)", proto.graph().node_size(), worst, scale);
        QVERIFY(scale > 0.01);
        QVERIFY2(worst <= 1e-4, qPrintable(QString("max abs diff %1").arg(worst)));
    }

    void paramWithoutWeightsIsRefused()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        for (const char* name : { "squeezenet_v1.1.param", "squeezenet_v1.1.param.bin" }) {
            const fs::path param = test::corpusDir() / "ncnn" / name;
            if (!fs::exists(param))
                QSKIP("the SqueezeNet param is not in the corpus");
            const auto m = FormatRegistry::instance().open(param);
            QCOMPARE(m->graph->nodes().size(), std::size_t(75));
            const std::string why = convertError(*m, out("squeezenet.onnx"));
            QVERIFY2(why.find("no weights") != std::string::npos, why.c_str());
            QVERIFY2(why.find("squeezenet_v1.1.bin") != std::string::npos, why.c_str());
            // The binary param has no layer names: the first is named by its index.
            QVERIFY2(why.find("Convolution '") != std::string::npos, why.c_str());
            QVERIFY(!fs::exists(out("squeezenet.onnx")));
        }
    }

    void refusals()
    {
        // An Input without a shape that no convolution reads.
        writeFile(out("noshape.param"), "7767517\n2 2\nInput in 0 1 in\nReLU relu 1 1 in out\n");
        const auto noShape = FormatRegistry::instance().open(out("noshape.param"));
        std::string why = convertError(*noShape, out("noshape.onnx"));
        QVERIFY2(why.find("Input 'in'") != std::string::npos, why.c_str());
        QVERIFY2(why.find("states no shape") != std::string::npos, why.c_str());

        // A layer without a mapping: named with its type; a partial export keeps it.
        writeFile(out("shuffle.param"),
            "7767517\n3 3\nInput in 0 1 in 0=4 1=4 2=4\nShuffleChannel shuffle 1 1 in s 0=2\nSigmoid sig 1 1 s out\n");
        const auto shuffle = FormatRegistry::instance().open(out("shuffle.param"));
        why = convertError(*shuffle, out("shuffle.onnx"));
        QVERIFY2(why.find("ShuffleChannel 'shuffle'") != std::string::npos, why.c_str());
        QVERIFY2(why.find("no ONNX mapping") != std::string::npos, why.c_str());
        OnnxExportOptions partial;
        partial.partial = true;
        const auto report = exportToOnnx(*shuffle, out("shuffle.onnx"), partial);
        QCOMPARE(report.unsupported.size(), std::size_t(1));
        QCOMPARE(report.unsupported[0].nodeName, std::string("shuffle"));
        onnx::ModelProto proto;
        std::ifstream f(out("shuffle.onnx"), std::ios::binary);
        QVERIFY(proto.ParseFromIstream(&f));
        auto ops = opCounts(proto);
        QCOMPARE(ops["ShuffleChannel"], 1);
        QCOMPARE(ops["Sigmoid"], 1);

        // A mapped layer with params ONNX cannot express: the reason names them.
        writeFile(out("softmax.param"), "7767517\n2 2\nInput in 0 1 in 0=4 1=4 2=4\nSoftmax sm 1 1 in out 0=1\n");
        const auto oldSoftmax = FormatRegistry::instance().open(out("softmax.param"));
        why = convertError(*oldSoftmax, out("softmax.onnx"));
        QVERIFY2(why.find("Softmax 'sm'") != std::string::npos, why.c_str());
        QVERIFY2(why.find("fixbug0") != std::string::npos, why.c_str());
    }
};

QTEST_GUILESS_MAIN(TestNcnnConvert)
#include "test_ncnnconvert.moc"
