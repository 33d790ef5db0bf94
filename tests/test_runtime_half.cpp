// Float16 weights (SessionOptions::halfWeights): Conv, MatMul and Gemm
// weights kept on the device as float16. Each case is compared with two CPU
// references written here: one on the weights rounded to float16, which
// the result must match to float32 accuracy, and one on the float32
// weights, which it must miss by the rounding (so the half path really
// ran). Shapes the float16 paths do not take run on float32 weights and
// must match the float32 reference instead.
#include "ir/tensorencode.h"
#include "runtimetest.h"

using namespace nodus;
using namespace nodus::test;

namespace {

std::vector<double> roundedToHalf(const std::vector<double>& v)
{
    std::vector<double> r(v.size());
    for (std::size_t i = 0; i < v.size(); ++i)
        r[i] = float16ToFloat(floatToFloat16(float(v[i])));
    return r;
}

double maxDiff(const std::vector<double>& a, const std::vector<double>& b)
{
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        worst = std::max(worst, std::abs(a[i] - b[i]));
    return worst;
}

struct ConvShape {
    std::vector<std::int64_t> x, w;
    std::int64_t group = 1, stride = 1, pad = 0;
};

// Plain 2-D convolution (NCHW, square stride and pads) with bias.
std::vector<double> convRef(const ConvShape& s, const std::vector<double>& x, const std::vector<double>& w,
    const std::vector<double>& bias, std::vector<std::int64_t>& outShape)
{
    std::int64_t N = s.x[0], C = s.x[1], H = s.x[2], W = s.x[3];
    std::int64_t OC = s.w[0], Cg = s.w[1], KH = s.w[2], KW = s.w[3], OCg = OC / s.group;
    std::int64_t OH = (H + 2 * s.pad - KH) / s.stride + 1, OW = (W + 2 * s.pad - KW) / s.stride + 1;
    outShape = { N, OC, OH, OW };
    std::vector<double> y(std::size_t(N * OC * OH * OW));
    for (std::int64_t n = 0; n < N; ++n)
        for (std::int64_t oc = 0; oc < OC; ++oc)
            for (std::int64_t oh = 0; oh < OH; ++oh)
                for (std::int64_t ow = 0; ow < OW; ++ow) {
                    double acc = bias[std::size_t(oc)];
                    std::int64_t g = oc / OCg;
                    for (std::int64_t ic = 0; ic < Cg; ++ic)
                        for (std::int64_t kh = 0; kh < KH; ++kh)
                            for (std::int64_t kw = 0; kw < KW; ++kw) {
                                std::int64_t ih = oh * s.stride - s.pad + kh, iw = ow * s.stride - s.pad + kw;
                                if (ih < 0 || ih >= H || iw < 0 || iw >= W)
                                    continue;
                                acc += x[std::size_t(((n * C + g * Cg + ic) * H + ih) * W + iw)]
                                    * w[std::size_t(((oc * Cg + ic) * KH + kh) * KW + kw)];
                            }
                    y[std::size_t(((n * OC + oc) * OH + oh) * OW + ow)] = acc;
                }
    return y;
}

// Y [batch..., M, N] = A [batch..., M, K] x B [K, N] (or B [N, K] with
// transB) + C [N].
std::vector<double> matmulRef(std::int64_t rows, std::int64_t K, std::int64_t N, const std::vector<double>& a,
    const std::vector<double>& b, bool transB, const std::vector<double>& c)
{
    std::vector<double> y(std::size_t(rows * N));
    for (std::int64_t m = 0; m < rows; ++m)
        for (std::int64_t n = 0; n < N; ++n) {
            double acc = c.empty() ? 0.0 : c[std::size_t(n)];
            for (std::int64_t k = 0; k < K; ++k)
                acc += a[std::size_t(m * K + k)] * b[std::size_t(transB ? n * K + k : k * N + n)];
            y[std::size_t(m * N + n)] = acc;
        }
    return y;
}

// The result must match the reference on the weights the path keeps
// (float16-rounded when `half`) and miss the other by far more, which tells
// the two apart.
void checkAgainst(const std::vector<double>& got, const std::vector<double>& rounded, const std::vector<double>& exact,
    bool half)
{
    const auto& want = half ? rounded : exact;
    const auto& other = half ? exact : rounded;
    NODUS_COMPARE_VALUES(got, want, 2e-5, 2e-5);
    double near = maxDiff(got, want), far = maxDiff(got, other);
    qInfo("max |diff|: %.3g from the %s reference, %.3g from the other", near, half ? "float16" : "float32", far);
    QVERIFY2(far > 10 * near, "the result does not tell float16 weights from float32 ones");
}

// Runs `run` with inputs marked in `weights` as initializers, half weights on.
std::vector<double> runHalf(const OpRun& run, const std::vector<bool>& weights)
{
    auto model = weightModel(run, weights);
    rt::SessionOptions options;
    options.halfWeights = true;
    auto out = runWeightModel(model, run, weights, options);
    return valuesOf(*out.at(0));
}

} // namespace

Q_DECLARE_METATYPE(ConvShape)

class TestRuntimeHalf : public QObject {
    Q_OBJECT
private slots:
    void conv_data()
    {
        QTest::addColumn<ConvShape>("s");
        QTest::addColumn<bool>("half"); // whether the float16 path takes it
        QTest::addColumn<bool>("gpu"); // NODUS_KERNELS=gpu: the general conv kernel
        for (bool gpu : { false, true }) {
            const char* k = gpu ? ", gpu kernels" : "";
            QTest::newRow(qPrintable(QString("3x3 64 channels%1").arg(k)))
                << ConvShape { { 1, 64, 14, 14 }, { 64, 64, 3, 3 }, 1, 1, 1 } << true << gpu;
            QTest::newRow(qPrintable(QString("groups 2%1").arg(k)))
                << ConvShape { { 1, 6, 8, 8 }, { 10, 3, 3, 3 }, 2, 1, 1 } << true << gpu;
            QTest::newRow(qPrintable(QString("1x1 batch 2%1").arg(k)))
                << ConvShape { { 2, 16, 7, 7 }, { 33, 16, 1, 1 }, 1, 1, 0 } << true << gpu;
            QTest::newRow(qPrintable(QString("7x7 stem stride 2%1").arg(k)))
                << ConvShape { { 1, 3, 32, 32 }, { 16, 3, 7, 7 }, 1, 2, 3 } << true << gpu;
            QTest::newRow(qPrintable(QString("odd channels%1").arg(k)))
                << ConvShape { { 1, 37, 5, 6 }, { 19, 37, 3, 3 }, 1, 1, 1 } << true << gpu;
            // Few channels: the general kernel on any device.
            QTest::newRow(qPrintable(QString("2 channels%1").arg(k)))
                << ConvShape { { 1, 2, 9, 9 }, { 5, 2, 3, 3 }, 1, 1, 1 } << true << gpu;
            // Depthwise convs keep float32 weights (conv_dw.comp).
            QTest::newRow(qPrintable(QString("depthwise%1").arg(k)))
                << ConvShape { { 1, 12, 9, 10 }, { 12, 1, 3, 3 }, 12, 1, 1 } << false << gpu;
        }
    }
    void conv()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(ConvShape, s);
        QFETCH(bool, half);
        QFETCH(bool, gpu);
        qputenv("NODUS_KERNELS", gpu ? "gpu" : "cpu");
        auto restore = qScopeGuard([] { qunsetenv("NODUS_KERNELS"); });
        std::int64_t OC = s.w[0];
        auto x = randomValues(countOf(s.x), 1);
        auto w = randomValues(countOf(s.w), 2, -0.2, 0.2);
        auto bias = randomValues(std::size_t(OC), 3);
        std::vector<std::int64_t> outShape;
        auto exact = convRef(s, x, w, bias, outShape);
        auto rounded = convRef(s, x, roundedToHalf(w), bias, outShape);
        std::int64_t p = s.pad;
        OpRun run("Conv",
            { intAttr("group", s.group), intsAttr("strides", { s.stride, s.stride }),
                intsAttr("pads", { p, p, p, p }) },
            { tensorOf(DataType::Float, s.x, x), tensorOf(DataType::Float, s.w, w),
                tensorOf(DataType::Float, { OC }, bias) });
        checkAgainst(runHalf(run, { false, true, true }), rounded, exact, half);
    }

    void matmul_data()
    {
        QTest::addColumn<QString>("op");
        QTest::addColumn<std::vector<std::int64_t>>("a");
        QTest::addColumn<std::int64_t>("n");
        QTest::addColumn<bool>("transB");
        QTest::addColumn<bool>("half");
        QTest::newRow("MatMul batched, B rows")
            << QString("MatMul") << std::vector<std::int64_t> { 2, 5, 24 } << std::int64_t(16) << false << true;
        QTest::newRow("Gemm transB with C")
            << QString("Gemm") << std::vector<std::int64_t> { 7, 32 } << std::int64_t(24) << true << true;
        QTest::newRow("Gemm B rows with C")
            << QString("Gemm") << std::vector<std::int64_t> { 9, 40 } << std::int64_t(8) << false << true;
        // K not a multiple of 8: the 8-wide path cannot read it, so float32.
        QTest::newRow("MatMul K 12") << QString("MatMul") << std::vector<std::int64_t> { 3, 12 } << std::int64_t(16)
                                     << false << false;
    }
    void matmul()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(QString, op);
        QFETCH(std::vector<std::int64_t>, a);
        QFETCH(std::int64_t, n);
        QFETCH(bool, transB);
        QFETCH(bool, half);
        std::int64_t K = a.back(), rows = std::int64_t(countOf(a)) / K;
        std::vector<std::int64_t> bShape
            = transB ? std::vector<std::int64_t> { n, K } : std::vector<std::int64_t> { K, n };
        auto av = randomValues(countOf(a), 4);
        auto bv = randomValues(countOf(bShape), 5, -0.5, 0.5);
        bool gemm = op == "Gemm";
        std::vector<double> cv = gemm ? randomValues(std::size_t(n), 6) : std::vector<double> {};
        auto exact = matmulRef(rows, K, n, av, bv, transB, cv);
        auto rounded = matmulRef(rows, K, n, av, roundedToHalf(bv), transB, cv);
        std::vector<std::shared_ptr<Tensor>> inputs { tensorOf(DataType::Float, a, av),
            tensorOf(DataType::Float, bShape, bv) };
        std::vector<Attribute> attrs;
        if (gemm) {
            inputs.push_back(tensorOf(DataType::Float, { n }, cv));
            attrs.push_back(intAttr("transB", transB ? 1 : 0));
        }
        OpRun run(op.toStdString(), attrs, inputs);
        checkAgainst(runHalf(run, { false, true, true }), rounded, exact, half);
    }

    // A B computed during the run (not a weight) stays float32.
    void computedOperandStaysFloat()
    {
        NODUS_REQUIRE_VULKAN();
        std::vector<std::int64_t> aShape { 4, 16 }, bShape { 16, 8 };
        auto av = randomValues(countOf(aShape), 7);
        auto bv = randomValues(countOf(bShape), 8);
        OpRun run("MatMul", {}, { tensorOf(DataType::Float, aShape, av), tensorOf(DataType::Float, bShape, bv) });
        auto got = runHalf(run, { false, false });
        auto exact = matmulRef(4, 16, 8, av, bv, false, {});
        NODUS_COMPARE_VALUES(got, exact, 2e-5, 2e-5);
    }
};

QTEST_GUILESS_MAIN(TestRuntimeHalf)
#include "test_runtime_half.moc"
