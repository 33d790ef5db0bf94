// Vulkan kernels of the normalization family (BatchNormalization,
// InstanceNormalization, LayerNormalization, MeanVarianceNormalization,
// LRN) against plain CPU references on seeded random data.
#include "runtimetest.h"

#include <algorithm>
#include <cmath>

using namespace nodus;
using namespace nodus::test;

namespace {

using Dims = std::vector<std::int64_t>;

// Mean and (population) variance of x over the elements i with group(i) == g.
struct Stats {
    std::vector<double> mean, var;
};
template <class GroupOf> Stats groupStats(const std::vector<double>& x, std::size_t groups, GroupOf groupOf)
{
    Stats s { std::vector<double>(groups, 0.0), std::vector<double>(groups, 0.0) };
    std::vector<double> n(groups, 0.0);
    for (std::size_t i = 0; i < x.size(); ++i) {
        s.mean[groupOf(i)] += x[i];
        n[groupOf(i)] += 1;
    }
    for (std::size_t g = 0; g < groups; ++g)
        s.mean[g] /= n[g];
    for (std::size_t i = 0; i < x.size(); ++i) {
        double d = x[i] - s.mean[groupOf(i)];
        s.var[groupOf(i)] += d * d;
    }
    for (std::size_t g = 0; g < groups; ++g)
        s.var[g] /= n[g];
    return s;
}

} // namespace

class TestRuntimeNorm : public QObject {
    Q_OBJECT

private slots:
    void batchNorm_data()
    {
        QTest::addColumn<Dims>("shape");
        QTest::newRow("nchw") << Dims { 2, 3, 4, 5 };
        QTest::newRow("nc") << Dims { 5, 7 };
        QTest::newRow("ncd") << Dims { 1, 16, 9 };
    }
    void batchNorm()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(Dims, shape);
        std::size_t c = std::size_t(shape[1]), inner = countOf(shape) / (c * std::size_t(shape[0]));
        auto x = randomValues(countOf(shape), 1, -3, 3);
        auto scale = randomValues(c, 2), bias = randomValues(c, 3), mean = randomValues(c, 4);
        auto var = randomValues(c, 5, 0.1, 2);
        double eps = 1e-3;
        std::vector<double> expected(x.size());
        for (std::size_t i = 0; i < x.size(); ++i) {
            std::size_t ch = (i / inner) % c;
            expected[i] = (x[i] - mean[ch]) / std::sqrt(var[ch] + eps) * scale[ch] + bias[ch];
        }
        auto out = runOp({ "BatchNormalization", { floatAttr("epsilon", eps) },
            { tensorOf(DataType::Float, shape, x), tensorOf(DataType::Float, { std::int64_t(c) }, scale),
                tensorOf(DataType::Float, { std::int64_t(c) }, bias),
                tensorOf(DataType::Float, { std::int64_t(c) }, mean),
                tensorOf(DataType::Float, { std::int64_t(c) }, var) },
            1, 15 });
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), expected, 1e-5, 1e-5);
    }

    void batchNormTraining()
    {
        NODUS_REQUIRE_VULKAN();
        Dims shape { 3, 4, 2, 5 };
        std::size_t c = 4, inner = 10;
        auto x = randomValues(countOf(shape), 6, -2, 4);
        auto scale = randomValues(c, 7), bias = randomValues(c, 8), mean = randomValues(c, 9);
        auto var = randomValues(c, 10, 0.1, 2);
        double eps = 1e-2, momentum = 0.8;
        auto st = groupStats(x, c, [&](std::size_t i) { return (i / inner) % c; });
        std::vector<double> y(x.size()), runMean(c), runVar(c);
        for (std::size_t i = 0; i < x.size(); ++i) {
            std::size_t ch = (i / inner) % c;
            y[i] = (x[i] - st.mean[ch]) / std::sqrt(st.var[ch] + eps) * scale[ch] + bias[ch];
        }
        for (std::size_t ch = 0; ch < c; ++ch) {
            runMean[ch] = mean[ch] * momentum + st.mean[ch] * (1 - momentum);
            runVar[ch] = var[ch] * momentum + st.var[ch] * (1 - momentum);
        }
        Dims cs { std::int64_t(c) };
        auto out = runOp({ "BatchNormalization",
            { floatAttr("epsilon", eps), floatAttr("momentum", momentum), intAttr("training_mode", 1) },
            { tensorOf(DataType::Float, shape, x), tensorOf(DataType::Float, cs, scale),
                tensorOf(DataType::Float, cs, bias), tensorOf(DataType::Float, cs, mean),
                tensorOf(DataType::Float, cs, var) },
            3, 15 });
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), y, 1e-4, 1e-4);
        NODUS_COMPARE_VALUES(valuesOf(*out[1]), runMean, 1e-5, 1e-5);
        NODUS_COMPARE_VALUES(valuesOf(*out[2]), runVar, 1e-5, 1e-5);
    }

    void instanceNorm_data()
    {
        QTest::addColumn<Dims>("shape");
        QTest::newRow("nchw") << Dims { 2, 3, 4, 5 };
        QTest::newRow("large groups") << Dims { 1, 2, 50, 40 };
        QTest::newRow("ncd") << Dims { 3, 5, 7 };
    }
    void instanceNorm()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(Dims, shape);
        std::size_t n = std::size_t(shape[0]), c = std::size_t(shape[1]), inner = countOf(shape) / (n * c);
        // An offset mean checks the variance does not lose precision.
        auto x = randomValues(countOf(shape), 11, 99, 101);
        auto scale = randomValues(c, 12), bias = randomValues(c, 13);
        double eps = 1e-5;
        auto st = groupStats(x, n * c, [&](std::size_t i) { return i / inner; });
        std::vector<double> expected(x.size());
        for (std::size_t i = 0; i < x.size(); ++i) {
            std::size_t g = i / inner, ch = g % c;
            expected[i] = scale[ch] * (x[i] - st.mean[g]) / std::sqrt(st.var[g] + eps) + bias[ch];
        }
        Dims cs { std::int64_t(c) };
        auto out = runOp({ "InstanceNormalization", { floatAttr("epsilon", eps) },
            { tensorOf(DataType::Float, shape, x), tensorOf(DataType::Float, cs, scale),
                tensorOf(DataType::Float, cs, bias) } });
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), expected, 2e-3, 2e-3);
    }

    void layerNorm_data()
    {
        QTest::addColumn<Dims>("shape");
        QTest::addColumn<int>("axis");
        QTest::addColumn<bool>("fullScale"); // scale over every normalized dim, or the last only
        QTest::addColumn<bool>("bias");
        QTest::newRow("transformer") << Dims { 2, 7, 96 } << -1 << true << true;
        QTest::newRow("axis 1") << Dims { 3, 4, 5 } << 1 << true << true;
        QTest::newRow("axis 0") << Dims { 4, 6 } << 0 << true << false;
        QTest::newRow("broadcast scale") << Dims { 2, 3, 4, 5 } << 2 << false << true;
        QTest::newRow("wide rows") << Dims { 3, 1000 } << -1 << true << true;
        QTest::newRow("single-element groups") << Dims { 3, 1 } << -1 << true << true;
    }
    void layerNorm()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(Dims, shape);
        QFETCH(int, axis);
        QFETCH(bool, fullScale);
        QFETCH(bool, bias);
        std::size_t a = std::size_t(axis < 0 ? axis + int(shape.size()) : axis);
        Dims norm(shape.begin() + std::ptrdiff_t(a), shape.end());
        std::size_t inner = countOf(norm), groups = countOf(shape) / inner;
        Dims ws = fullScale ? norm : Dims { norm.back() };
        auto x = randomValues(countOf(shape), 14, -2, 3);
        auto w = randomValues(countOf(ws), 15), b = randomValues(countOf(ws), 16);
        double eps = 1e-4;
        auto st = groupStats(x, groups, [&](std::size_t i) { return i / inner; });
        std::vector<double> y(x.size()), mean(groups), invStd(groups);
        for (std::size_t i = 0; i < x.size(); ++i) {
            std::size_t g = i / inner, r = i % inner, wi = fullScale ? r : r % std::size_t(norm.back());
            y[i] = (x[i] - st.mean[g]) / std::sqrt(st.var[g] + eps) * w[wi] + (bias ? b[wi] : 0.0);
        }
        for (std::size_t g = 0; g < groups; ++g) {
            mean[g] = st.mean[g];
            invStd[g] = 1 / std::sqrt(st.var[g] + eps);
        }
        OpRun run { "LayerNormalization", { intAttr("axis", axis), floatAttr("epsilon", eps) },
            { tensorOf(DataType::Float, shape, x), tensorOf(DataType::Float, ws, w) }, 3, 17 };
        if (bias)
            run.inputs.push_back(tensorOf(DataType::Float, ws, b));
        auto out = runOp(run);
        Dims statShape(shape.begin(), shape.begin() + std::ptrdiff_t(a));
        statShape.resize(shape.size(), 1);
        QCOMPARE(out[1]->dims, statShape);
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), y, 1e-4, 1e-4);
        NODUS_COMPARE_VALUES(valuesOf(*out[1]), mean, 1e-5, 1e-5);
        NODUS_COMPARE_VALUES(valuesOf(*out[2]), invStd, 1e-4, 1e-4);
    }

    void meanVarianceNorm_data()
    {
        QTest::addColumn<Dims>("shape");
        QTest::addColumn<Dims>("axes"); // empty: the default [0, 2, 3]
        QTest::newRow("default axes") << Dims { 3, 4, 2, 5 } << Dims {};
        QTest::newRow("last axis") << Dims { 4, 6 } << Dims { -1 };
        QTest::newRow("last axis vec4") << Dims { 3, 2, 16 } << Dims { 1, 2 };
        QTest::newRow("axes 1 3") << Dims { 2, 3, 4, 5 } << Dims { 1, 3 };
    }
    void meanVarianceNorm()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(Dims, shape);
        QFETCH(Dims, axes);
        std::vector<bool> reduced(shape.size(), false);
        for (auto ax : axes.empty() ? Dims { 0, 2, 3 } : axes)
            reduced[std::size_t(ax < 0 ? ax + std::int64_t(shape.size()) : ax)] = true;
        // Group of element i: its index over the kept dims.
        std::size_t groups = 1;
        for (std::size_t d = 0; d < shape.size(); ++d)
            if (!reduced[d])
                groups *= std::size_t(shape[d]);
        auto groupOf = [&](std::size_t i) {
            std::size_t g = 0, mul = 1;
            for (std::size_t d = shape.size(); d-- > 0;) {
                std::size_t idx = i % std::size_t(shape[d]);
                i /= std::size_t(shape[d]);
                if (!reduced[d]) {
                    g += idx * mul;
                    mul *= std::size_t(shape[d]);
                }
            }
            return g;
        };
        auto x = randomValues(countOf(shape), 17, -1, 2);
        auto st = groupStats(x, groups, groupOf);
        std::vector<double> expected(x.size());
        for (std::size_t i = 0; i < x.size(); ++i)
            expected[i] = (x[i] - st.mean[groupOf(i)]) / (std::sqrt(st.var[groupOf(i)]) + 1e-9);
        std::vector<Attribute> attrs;
        if (!axes.empty())
            attrs.push_back(intsAttr("axes", axes));
        auto out = runOp({ "MeanVarianceNormalization", attrs, { tensorOf(DataType::Float, shape, x) }, 1, 13 });
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), expected, 1e-4, 1e-4);
    }

    void lrn_data()
    {
        QTest::addColumn<int>("size");
        QTest::addColumn<Dims>("shape");
        QTest::newRow("size 3") << 3 << Dims { 2, 5, 3, 4 };
        QTest::newRow("size 4 (uneven window)") << 4 << Dims { 1, 6, 7 };
        QTest::newRow("size 5") << 5 << Dims { 2, 8, 3, 3 };
    }
    void lrn()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(int, size);
        QFETCH(Dims, shape);
        double alpha = 0.02, beta = 0.6, bias = 1.5;
        std::size_t c = std::size_t(shape[1]), inner = countOf(shape) / (c * std::size_t(shape[0]));
        auto x = randomValues(countOf(shape), 18, -3, 3);
        std::vector<double> expected(x.size());
        int below = (size - 1) / 2, above = size / 2;
        for (std::size_t i = 0; i < x.size(); ++i) {
            int ch = int((i / inner) % c);
            double sum = 0;
            for (int k = std::max(0, ch - below); k <= std::min(int(c) - 1, ch + above); ++k) {
                double v = x[i + std::size_t(k - ch) * inner];
                sum += v * v;
            }
            expected[i] = x[i] / std::pow(bias + alpha / size * sum, beta);
        }
        auto out = runOp({ "LRN",
            { intAttr("size", size), floatAttr("alpha", alpha), floatAttr("beta", beta), floatAttr("bias", bias) },
            { tensorOf(DataType::Float, shape, x) } });
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), expected, 1e-5, 1e-4);
    }

    void refusedAttributes()
    {
        NODUS_REQUIRE_VULKAN();
        // spatial=0 (opset 7-8) is refused before the run, naming the reason.
        bool threw = false;
        try {
            runOp({ "BatchNormalization", { intAttr("spatial", 0) },
                { tensorOf(DataType::Float, { 1, 2, 2 }, randomValues(4, 1)),
                    tensorOf(DataType::Float, { 2 }, { 1, 1 }), tensorOf(DataType::Float, { 2 }, { 0, 0 }),
                    tensorOf(DataType::Float, { 2 }, { 0, 0 }), tensorOf(DataType::Float, { 2 }, { 1, 1 }) },
                1, 7 });
        } catch (const rt::RuntimeError& e) {
            threw = true;
            QVERIFY(std::string(e.what()).find("spatial") != std::string::npos);
        }
        QVERIFY(threw);
    }
};

QTEST_GUILESS_MAIN(TestRuntimeNorm)
#include "test_runtime_norm.moc"
