// Vulkan kernels of the matrix-product family (MatMul, Gemm, MatMulInteger,
// QLinearMatMul, QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear,
// Einsum, Det) against plain CPU references on seeded random data.
#include "runtimetest.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>

using namespace nodus;
using namespace nodus::test;

namespace {

using Dims = std::vector<std::int64_t>;

std::vector<double> randomInts(std::size_t n, std::uint32_t seed, int lo, int hi)
{
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> d(lo, hi);
    std::vector<double> v(n);
    for (auto& x : v)
        x = d(rng);
    return v;
}

// numpy.matmul in double.
std::vector<double> refMatMul(
    const std::vector<double>& a, Dims as, const std::vector<double>& b, Dims bs, Dims& outShape)
{
    bool av = as.size() == 1, bv = bs.size() == 1;
    if (av)
        as.insert(as.begin(), 1);
    if (bv)
        bs.push_back(1);
    std::int64_t M = as[as.size() - 2], K = as.back(), N = bs.back();
    std::size_t r = std::max(as.size(), bs.size()) - 2;
    Dims batch(r);
    for (std::size_t i = 0; i < r; ++i) {
        std::int64_t da = i + as.size() - 2 >= r ? as[i + as.size() - 2 - r] : 1;
        std::int64_t db = i + bs.size() - 2 >= r ? bs[i + bs.size() - 2 - r] : 1;
        batch[i] = std::max(da, db);
    }
    outShape = batch;
    if (!av)
        outShape.push_back(M);
    if (!bv)
        outShape.push_back(N);
    std::size_t batches = countOf(batch);
    std::vector<double> out(batches * std::size_t(M * N));
    for (std::size_t bi = 0; bi < batches; ++bi) {
        // Batch offsets with broadcasting.
        std::size_t rest = bi, aOff = 0, bOff = 0, aMul = std::size_t(M * K), bMul = std::size_t(K * N);
        for (std::size_t i = r; i-- > 0;) {
            std::size_t idx = rest % std::size_t(batch[i]);
            rest /= std::size_t(batch[i]);
            std::int64_t da = i + as.size() - 2 >= r ? as[i + as.size() - 2 - r] : 1;
            std::int64_t db = i + bs.size() - 2 >= r ? bs[i + bs.size() - 2 - r] : 1;
            if (da != 1)
                aOff += idx * aMul;
            if (db != 1)
                bOff += idx * bMul;
            aMul *= std::size_t(da);
            bMul *= std::size_t(db);
        }
        for (std::int64_t m = 0; m < M; ++m)
            for (std::int64_t n = 0; n < N; ++n) {
                double s = 0;
                for (std::int64_t k = 0; k < K; ++k)
                    s += a[aOff + std::size_t(m * K + k)] * b[bOff + std::size_t(k * N + n)];
                out[bi * std::size_t(M * N) + std::size_t(m * N + n)] = s;
            }
    }
    return out;
}

double roundHalfEven(double v)
{
    return std::nearbyint(v); // the default rounding mode is to nearest even
}

// Brute-force einsum over every assignment of the labels (letters only).
std::vector<double> refEinsum(
    const std::string& eq, const std::vector<std::vector<double>>& ops, const std::vector<Dims>& shapes, Dims& outShape)
{
    auto arrow = eq.find("->");
    std::string lhs = eq.substr(0, arrow), rhs = eq.substr(arrow + 2);
    std::vector<std::string> terms;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= lhs.size(); ++i)
        if (i == lhs.size() || lhs[i] == ',') {
            terms.push_back(lhs.substr(start, i - start));
            start = i + 1;
        }
    std::map<char, std::int64_t> size;
    for (std::size_t t = 0; t < terms.size(); ++t)
        for (std::size_t d = 0; d < terms[t].size(); ++d)
            size[terms[t][d]] = std::max(size[terms[t][d]], shapes[t][d]);
    std::vector<char> labels;
    for (auto& [c, _] : size)
        labels.push_back(c);
    outShape.clear();
    for (char c : rhs)
        outShape.push_back(size[c]);
    std::vector<double> out(countOf(outShape), 0.0);
    std::map<char, std::int64_t> idx;
    std::size_t total = 1;
    for (char c : labels)
        total *= std::size_t(size[c]);
    for (std::size_t flat = 0; flat < total; ++flat) {
        std::size_t rest = flat;
        for (std::size_t i = labels.size(); i-- > 0;) {
            idx[labels[i]] = std::int64_t(rest % std::size_t(size[labels[i]]));
            rest /= std::size_t(size[labels[i]]);
        }
        double prod = 1;
        for (std::size_t t = 0; t < terms.size(); ++t) {
            std::size_t off = 0;
            for (std::size_t d = 0; d < terms[t].size(); ++d)
                off = off * std::size_t(shapes[t][d]) + std::size_t(shapes[t][d] == 1 ? 0 : idx[terms[t][d]]);
            prod *= ops[t][off];
        }
        std::size_t o = 0;
        for (std::size_t d = 0; d < rhs.size(); ++d)
            o = o * std::size_t(outShape[d]) + std::size_t(idx[rhs[d]]);
        out[o] += prod;
    }
    return out;
}

} // namespace

class TestRuntimeGemm : public QObject {
    Q_OBJECT

private slots:
    void matMul_data()
    {
        QTest::addColumn<Dims>("a");
        QTest::addColumn<Dims>("b");
        QTest::newRow("2d vector path") << Dims { 9, 16 } << Dims { 16, 12 };
        QTest::newRow("2d generic odd") << Dims { 7, 5 } << Dims { 5, 3 };
        QTest::newRow("2d k%4 n odd") << Dims { 6, 8 } << Dims { 8, 7 };
        QTest::newRow("row vector m=1") << Dims { 1, 64 } << Dims { 64, 20 };
        QTest::newRow("m=2") << Dims { 2, 12 } << Dims { 12, 8 };
        QTest::newRow("batched") << Dims { 3, 5, 8 } << Dims { 3, 8, 4 };
        QTest::newRow("broadcast batch") << Dims { 2, 1, 4, 6 } << Dims { 3, 6, 5 };
        QTest::newRow("shared weights") << Dims { 2, 5, 12 } << Dims { 12, 16 };
        QTest::newRow("shared lhs") << Dims { 5, 12 } << Dims { 3, 12, 8 };
        QTest::newRow("1d lhs") << Dims { 6 } << Dims { 2, 6, 3 };
        QTest::newRow("1d rhs") << Dims { 4, 3, 6 } << Dims { 6 };
        QTest::newRow("dot") << Dims { 9 } << Dims { 9 };
        QTest::newRow("k=0") << Dims { 3, 0 } << Dims { 0, 5 };
        QTest::newRow("m=0") << Dims { 0, 4 } << Dims { 4, 5 };
        QTest::newRow("large") << Dims { 67, 96 } << Dims { 96, 130 };
        QTest::newRow("8-wide path") << Dims { 19, 16 } << Dims { 16, 24 };
        QTest::newRow("8-wide m=3") << Dims { 3, 32 } << Dims { 32, 40 };
        QTest::newRow("8-wide m=1") << Dims { 1, 64 } << Dims { 64, 16 };
        QTest::newRow("8-wide batched") << Dims { 2, 3, 5, 8 } << Dims { 2, 3, 8, 16 };
        QTest::newRow("8-wide broadcast") << Dims { 4, 1, 9, 24 } << Dims { 3, 24, 8 };
    }
    void matMul()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(Dims, a);
        QFETCH(Dims, b);
        auto av = randomValues(countOf(a), 1), bv = randomValues(countOf(b), 2);
        Dims outShape;
        auto expected = refMatMul(av, a, bv, b, outShape);
        auto out = runOp({ "MatMul", {}, { tensorOf(DataType::Float, a, av), tensorOf(DataType::Float, b, bv) } });
        QCOMPARE(out[0]->dims, outShape);
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), expected, 1e-4, 1e-4);
    }

    void matMulIntegerTypes_data()
    {
        QTest::addColumn<int>("type");
        QTest::addColumn<Dims>("a");
        QTest::addColumn<Dims>("b");
        QTest::newRow("int32 vector path") << int(DataType::Int32) << Dims { 5, 8 } << Dims { 8, 4 };
        QTest::newRow("int32 generic") << int(DataType::Int32) << Dims { 2, 3, 5 } << Dims { 5, 3 };
        QTest::newRow("int64") << int(DataType::Int64) << Dims { 2, 4, 6 } << Dims { 2, 6, 5 };
        QTest::newRow("uint32") << int(DataType::UInt32) << Dims { 3, 4 } << Dims { 4, 4 };
    }
    void matMulIntegerTypes()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(int, type);
        QFETCH(Dims, a);
        QFETCH(Dims, b);
        bool isUnsigned = DataType(type) == DataType::UInt32;
        auto av = randomInts(countOf(a), 3, isUnsigned ? 0 : -50, 50);
        auto bv = randomInts(countOf(b), 4, isUnsigned ? 0 : -50, 50);
        Dims outShape;
        auto expected = refMatMul(av, a, bv, b, outShape);
        auto out = runOp({ "MatMul", {}, { tensorOf(DataType(type), a, av), tensorOf(DataType(type), b, bv) } });
        QCOMPARE(out[0]->dataType, DataType(type));
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), expected, 0, 0);
    }

    void gemm_data()
    {
        QTest::addColumn<int>("M");
        QTest::addColumn<int>("N");
        QTest::addColumn<int>("K");
        QTest::addColumn<bool>("transA");
        QTest::addColumn<bool>("transB");
        QTest::addColumn<double>("alpha");
        QTest::addColumn<double>("beta");
        QTest::addColumn<Dims>("c"); // {-1}: no C
        QTest::newRow("plain") << 5 << 6 << 7 << false << false << 1.0 << 1.0 << Dims { -1 };
        QTest::newRow("transB fc") << 3 << 10 << 16 << false << true << 1.0 << 1.0 << Dims { 10 };
        QTest::newRow("transB m=1") << 1 << 12 << 32 << false << true << 1.0 << 1.0 << Dims { 1, 12 };
        QTest::newRow("transB 8-wide") << 19 << 13 << 24 << false << true << 1.0 << 1.0 << Dims { 13 };
        QTest::newRow("transB 8-wide m=4") << 4 << 16 << 8 << false << true << 0.5 << 1.0 << Dims { 4, 16 };
        QTest::newRow("transA") << 4 << 5 << 3 << true << false << 0.5 << 2.0 << Dims { 4, 5 };
        QTest::newRow("both") << 6 << 3 << 8 << true << true << 1.5 << 0.25 << Dims { 6, 1 };
        QTest::newRow("scalar C") << 4 << 4 << 4 << false << false << 1.0 << -1.0 << Dims {};
        QTest::newRow("beta 0") << 4 << 8 << 8 << false << false << 2.0 << 0.0 << Dims { 4, 8 };
    }
    void gemm()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(int, M);
        QFETCH(int, N);
        QFETCH(int, K);
        QFETCH(bool, transA);
        QFETCH(bool, transB);
        QFETCH(double, alpha);
        QFETCH(double, beta);
        QFETCH(Dims, c);
        Dims as = transA ? Dims { K, M } : Dims { M, K };
        Dims bs = transB ? Dims { N, K } : Dims { K, N };
        auto av = randomValues(countOf(as), 5), bv = randomValues(countOf(bs), 6);
        bool hasC = c != Dims { -1 };
        auto cv = hasC ? randomValues(countOf(c), 7) : std::vector<double> {};
        std::vector<double> expected(std::size_t(M * N));
        for (int m = 0; m < M; ++m)
            for (int n = 0; n < N; ++n) {
                double s = 0;
                for (int k = 0; k < K; ++k)
                    s += av[std::size_t(transA ? k * M + m : m * K + k)]
                        * bv[std::size_t(transB ? n * K + k : k * N + n)];
                double cval = 0;
                if (hasC) {
                    std::int64_t cm = c.size() == 2 ? c[0] : 1, cn = c.empty() ? 1 : c.back();
                    cval = cv[std::size_t((cm == 1 ? 0 : m) * cn + (cn == 1 ? 0 : n))];
                }
                expected[std::size_t(m * N + n)] = alpha * s + beta * cval;
            }
        OpRun run { "Gemm",
            { intAttr("transA", transA), intAttr("transB", transB), floatAttr("alpha", alpha),
                floatAttr("beta", beta) },
            { tensorOf(DataType::Float, as, av), tensorOf(DataType::Float, bs, bv) } };
        if (hasC)
            run.inputs.push_back(tensorOf(DataType::Float, c, cv));
        auto out = runOp(run);
        QCOMPARE(out[0]->dims, (Dims { M, N }));
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), expected, 1e-4, 1e-4);
    }

    void matMulInteger_data()
    {
        QTest::addColumn<int>("type");
        QTest::addColumn<Dims>("a");
        QTest::addColumn<Dims>("b");
        QTest::addColumn<int>("zeroPoints"); // 0 none, 1 per tensor, 2 per row / column
        QTest::newRow("uint8 no zp") << int(DataType::UInt8) << Dims { 5, 8 } << Dims { 8, 6 } << 0;
        QTest::newRow("uint8 scalar zp") << int(DataType::UInt8) << Dims { 4, 7 } << Dims { 7, 5 } << 1;
        QTest::newRow("int8 per row/col") << int(DataType::Int8) << Dims { 6, 12 } << Dims { 12, 8 } << 2;
        QTest::newRow("uint8 batched") << int(DataType::UInt8) << Dims { 2, 3, 16 } << Dims { 16, 4 } << 1;
    }
    void matMulInteger()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(int, type);
        QFETCH(Dims, a);
        QFETCH(Dims, b);
        QFETCH(int, zeroPoints);
        DataType t = DataType(type);
        int lo = t == DataType::UInt8 ? 0 : -128, hi = t == DataType::UInt8 ? 255 : 127;
        auto av = randomInts(countOf(a), 8, lo, hi), bv = randomInts(countOf(b), 9, lo, hi);
        std::int64_t M = a[a.size() - 2], N = b.back(), K = a.back();
        std::vector<double> az(zeroPoints == 2 ? std::size_t(M) : 1), bz(zeroPoints == 2 ? std::size_t(N) : 1);
        az = zeroPoints ? randomInts(az.size(), 10, lo, hi) : std::vector<double>(az.size(), 0.0);
        bz = zeroPoints ? randomInts(bz.size(), 11, lo, hi) : std::vector<double>(bz.size(), 0.0);
        std::vector<double> as = av, bs = bv;
        for (std::size_t i = 0; i < as.size(); ++i)
            as[i] -= az[az.size() == 1 ? 0 : (i / std::size_t(K)) % std::size_t(M)];
        for (std::size_t i = 0; i < bs.size(); ++i)
            bs[i] -= bz[bz.size() == 1 ? 0 : i % std::size_t(N)];
        Dims outShape;
        auto expected = refMatMul(as, a, bs, b, outShape);
        OpRun run { "MatMulInteger", {}, { tensorOf(t, a, av), tensorOf(t, b, bv) }, 1, 10 };
        if (zeroPoints) {
            run.inputs.push_back(tensorOf(t, { std::int64_t(az.size()) }, az));
            run.inputs.push_back(tensorOf(t, { std::int64_t(bz.size()) }, bz));
        }
        auto out = runOp(run);
        QCOMPARE(out[0]->dataType, DataType::Int32);
        QCOMPARE(out[0]->dims, outShape);
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), expected, 0, 0);
    }

    void qlinearMatMul()
    {
        NODUS_REQUIRE_VULKAN();
        Dims a { 2, 5, 12 }, b { 12, 7 };
        auto av = randomInts(countOf(a), 12, 0, 255), bv = randomInts(countOf(b), 13, -128, 127);
        double as = 0.02, bs = 0.015, ys = 0.3;
        double az = 113, bz = -3, yz = 120;
        std::vector<double> ad = av, bd = bv;
        for (auto& x : ad)
            x -= az;
        for (auto& x : bd)
            x -= bz;
        Dims outShape;
        auto acc = refMatMul(ad, a, bd, b, outShape);
        float mult = float(as) * float(bs) / float(ys);
        std::vector<double> expected;
        for (double v : acc)
            expected.push_back(std::clamp(roundHalfEven(double(float(v) * mult)) + yz, 0.0, 255.0));
        auto scalar = [](DataType t, double v) { return tensorOf(t, {}, { v }); };
        auto out = runOp({ "QLinearMatMul", {},
            { tensorOf(DataType::UInt8, a, av), scalar(DataType::Float, as), scalar(DataType::UInt8, az),
                tensorOf(DataType::Int8, b, bv), scalar(DataType::Float, bs), scalar(DataType::Int8, bz),
                scalar(DataType::Float, ys), scalar(DataType::UInt8, yz) },
            1, 10 });
        QCOMPARE(out[0]->dataType, DataType::UInt8);
        QCOMPARE(out[0]->dims, outShape);
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), expected, 0, 0);
    }

    void quantizeLinear_data()
    {
        QTest::addColumn<int>("type");
        QTest::addColumn<bool>("perAxis");
        QTest::newRow("uint8 per tensor") << int(DataType::UInt8) << false;
        QTest::newRow("int8 per tensor") << int(DataType::Int8) << false;
        QTest::newRow("uint8 per axis") << int(DataType::UInt8) << true;
        QTest::newRow("int8 per axis") << int(DataType::Int8) << true;
    }
    void quantizeLinear()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(int, type);
        QFETCH(bool, perAxis);
        DataType t = DataType(type);
        Dims xs { 2, 3, 4, 5 };
        // Values well beyond the range (saturation) and exact halves (ties
        // to even): with scale 0.5, x = 1.25 gives 2.5 -> 2.
        auto x = randomValues(countOf(xs), 14, -200, 200);
        x[0] = 1.25;
        x[1] = 1.75;
        x[2] = -1.25;
        std::size_t channels = perAxis ? 3 : 1;
        std::vector<double> scale(channels), zp(channels);
        for (std::size_t c = 0; c < channels; ++c) {
            scale[c] = c == 0 ? 0.5 : 0.5 + double(c) * 0.75;
            zp[c] = t == DataType::UInt8 ? 100 + 10 * double(c) : -5 + double(c);
        }
        double lo = t == DataType::UInt8 ? 0 : -128, hi = t == DataType::UInt8 ? 255 : 127;
        std::vector<double> expected(x.size());
        for (std::size_t i = 0; i < x.size(); ++i) {
            std::size_t c = perAxis ? (i / 20) % 3 : 0;
            float q = float(x[i]) / float(scale[c]);
            expected[i] = std::clamp(roundHalfEven(q) + zp[c], lo, hi);
        }
        Dims ps = perAxis ? Dims { 3 } : Dims {};
        auto out = runOp({ "QuantizeLinear", { intAttr("axis", 1) },
            { tensorOf(DataType::Float, xs, x), tensorOf(DataType::Float, ps, scale), tensorOf(t, ps, zp) }, 1, 13 });
        QCOMPARE(out[0]->dataType, t);
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), expected, 0, 0);
    }

    void quantizeLinearDefaults()
    {
        NODUS_REQUIRE_VULKAN();
        // No zero point: uint8 with zero point 0.
        Dims xs { 7 };
        std::vector<double> x { -3, 0, 0.4, 0.6, 2.5, 3.5, 1000 };
        auto out = runOp({ "QuantizeLinear", {},
            { tensorOf(DataType::Float, xs, x), tensorOf(DataType::Float, {}, { 1.0 }) }, 1, 10 });
        QCOMPARE(out[0]->dataType, DataType::UInt8);
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), (std::vector<double> { 0, 0, 0, 1, 2, 4, 255 }), 0, 0);
    }

    void dequantizeLinear_data()
    {
        QTest::addColumn<int>("type");
        QTest::addColumn<bool>("perAxis");
        QTest::newRow("uint8 per tensor") << int(DataType::UInt8) << false;
        QTest::newRow("int8 per axis") << int(DataType::Int8) << true;
        QTest::newRow("int32 per tensor") << int(DataType::Int32) << false;
    }
    void dequantizeLinear()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(int, type);
        QFETCH(bool, perAxis);
        DataType t = DataType(type);
        Dims xs { 3, 4, 5 };
        int lo = t == DataType::UInt8 ? 0 : t == DataType::Int8 ? -128 : -100000;
        int hi = t == DataType::UInt8 ? 255 : t == DataType::Int8 ? 127 : 100000;
        auto x = randomInts(countOf(xs), 15, lo, hi);
        std::size_t channels = perAxis ? 4 : 1;
        auto scale = randomValues(channels, 16, 0.01, 2);
        auto zp = t == DataType::Int32 ? std::vector<double>(channels, 0.0) : randomInts(channels, 17, lo, hi);
        std::vector<double> expected(x.size());
        for (std::size_t i = 0; i < x.size(); ++i) {
            std::size_t c = perAxis ? (i / 5) % 4 : 0;
            expected[i] = double((float(x[i]) - float(zp[c])) * float(scale[c]));
        }
        Dims ps = perAxis ? Dims { 4 } : Dims {};
        OpRun run { "DequantizeLinear", { intAttr("axis", 1) },
            { tensorOf(t, xs, x), tensorOf(DataType::Float, ps, scale) }, 1, 13 };
        if (t != DataType::Int32)
            run.inputs.push_back(tensorOf(t, ps, zp));
        auto out = runOp(run);
        QCOMPARE(out[0]->dataType, DataType::Float);
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), expected, 1e-6, 1e-6);
    }

    void blockedQuantization()
    {
        NODUS_REQUIRE_VULKAN();
        // Blocks of 2 along axis 1 of [3, 5]: scale [3, 3].
        Dims xs { 3, 5 };
        auto x = randomValues(countOf(xs), 18, -10, 10);
        auto scale = randomValues(9, 19, 0.05, 0.5);
        std::vector<double> zp(9, 0.0);
        std::vector<double> q(x.size()), dq(x.size());
        for (std::size_t i = 0; i < x.size(); ++i) {
            std::size_t s = (i / 5) * 3 + (i % 5) / 2;
            q[i] = std::clamp(roundHalfEven(float(x[i]) / float(scale[s])), -128.0, 127.0);
            dq[i] = double(float(q[i]) * float(scale[s]));
        }
        auto out = runOp({ "QuantizeLinear", { intAttr("axis", 1), intAttr("block_size", 2) },
            { tensorOf(DataType::Float, xs, x), tensorOf(DataType::Float, { 3, 3 }, scale),
                tensorOf(DataType::Int8, { 3, 3 }, zp) },
            1, 21 });
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), q, 0, 0);
        out = runOp({ "DequantizeLinear", { intAttr("axis", 1), intAttr("block_size", 2) },
            { tensorOf(DataType::Int8, xs, q), tensorOf(DataType::Float, { 3, 3 }, scale) }, 1, 21 });
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), dq, 1e-6, 1e-6);
    }

    void dynamicQuantizeLinear_data()
    {
        QTest::addColumn<int>("count");
        QTest::addColumn<double>("lo");
        QTest::addColumn<double>("hi");
        QTest::newRow("mixed") << 100 << -3.0 << 5.0;
        QTest::newRow("positive") << 37 << 1.0 << 4.0;
        QTest::newRow("negative") << 50 << -4.0 << -1.0;
        QTest::newRow("many workgroups") << 20000 << -2.0 << 7.0;
    }
    void dynamicQuantizeLinear()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(int, count);
        QFETCH(double, lo);
        QFETCH(double, hi);
        auto x = randomValues(std::size_t(count), 20, lo, hi);
        float mn = 0, mx = 0;
        for (double v : x) {
            mn = std::min(mn, float(v));
            mx = std::max(mx, float(v));
        }
        float scale = (mx - mn) / 255.0f;
        double zp = std::clamp(roundHalfEven((0.0f - mn) / scale), 0.0, 255.0);
        std::vector<double> y;
        for (double v : x)
            y.push_back(std::clamp(roundHalfEven(float(v) / scale) + zp, 0.0, 255.0));
        auto out = runOp({ "DynamicQuantizeLinear", {}, { tensorOf(DataType::Float, { count }, x) }, 3, 11 });
        QCOMPARE(out[0]->dataType, DataType::UInt8);
        QVERIFY(out[1]->dims.empty());
        NODUS_COMPARE_VALUES(valuesOf(*out[1]), (std::vector<double> { double(scale) }), 0, 0);
        NODUS_COMPARE_VALUES(valuesOf(*out[2]), (std::vector<double> { zp }), 0, 0);
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), y, 0, 0);
    }

    void einsum_data()
    {
        QTest::addColumn<QString>("equation");
        QTest::addColumn<QList<Dims>>("shapes");
        QTest::newRow("matmul") << "ij,jk->ik" << QList<Dims> { { 5, 8 }, { 8, 6 } };
        QTest::newRow("batch matmul") << "bij,bjk->bik" << QList<Dims> { { 3, 4, 5 }, { 3, 5, 2 } };
        QTest::newRow("attention scores") << "bhqd,bhkd->bhqk" << QList<Dims> { { 2, 3, 5, 8 }, { 2, 3, 6, 8 } };
        QTest::newRow("output transposed") << "ij,jk->ki" << QList<Dims> { { 3, 4 }, { 4, 5 } };
        QTest::newRow("transpose") << "ij->ji" << QList<Dims> { { 3, 7 } };
        QTest::newRow("row sum") << "ij->i" << QList<Dims> { { 4, 6 } };
        QTest::newRow("total") << "ijk->" << QList<Dims> { { 2, 3, 4 } };
        QTest::newRow("diagonal") << "ii->i" << QList<Dims> { { 5, 5 } };
        QTest::newRow("trace") << "ii->" << QList<Dims> { { 4, 4 } };
        QTest::newRow("inner") << "i,i->" << QList<Dims> { { 9 }, { 9 } };
        QTest::newRow("outer") << "i,j->ij" << QList<Dims> { { 4 }, { 3 } };
        QTest::newRow("sum out before product") << "ijk,jl->il" << QList<Dims> { { 3, 4, 2 }, { 4, 5 } };
        QTest::newRow("chain of three") << "ij,jk,kl->il" << QList<Dims> { { 2, 3 }, { 3, 4 }, { 4, 5 } };
        QTest::newRow("broadcast dim") << "bij,bjk->bik" << QList<Dims> { { 1, 2, 3 }, { 4, 3, 2 } };
        QTest::newRow("bilinear") << "bn,anm,bm->ba" << QList<Dims> { { 2, 3 }, { 4, 3, 5 }, { 2, 5 } };
    }
    void einsum()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(QString, equation);
        QFETCH(QList<Dims>, shapes);
        std::vector<std::vector<double>> ops;
        std::vector<Dims> shapeList(shapes.begin(), shapes.end());
        OpRun run { "Einsum", { stringAttr("equation", equation.toStdString()) }, {}, 1, 12 };
        for (std::size_t i = 0; i < shapeList.size(); ++i) {
            ops.push_back(randomValues(countOf(shapeList[i]), 21 + std::uint32_t(i)));
            run.inputs.push_back(tensorOf(DataType::Float, shapeList[i], ops.back()));
        }
        Dims outShape;
        auto expected = refEinsum(equation.toStdString(), ops, shapeList, outShape);
        auto out = runOp(run);
        QCOMPARE(out[0]->dims, outShape);
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), expected, 1e-4, 1e-4);
    }

    void einsumEllipsisAndImplicit()
    {
        NODUS_REQUIRE_VULKAN();
        // "...ii->...i": batch diagonal.
        auto x = randomValues(3 * 4 * 4, 30);
        auto out = runOp({ "Einsum", { stringAttr("equation", "...ii ->...i") },
            { tensorOf(DataType::Float, { 3, 4, 4 }, x) }, 1, 12 });
        std::vector<double> expected;
        for (int b = 0; b < 3; ++b)
            for (int i = 0; i < 4; ++i)
                expected.push_back(x[std::size_t(b * 16 + i * 5)]);
        QCOMPARE(out[0]->dims, (Dims { 3, 4 }));
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), expected, 0, 0);

        // Implicit output "ba,ac": letters used once, sorted: "bc".
        auto a = randomValues(6, 31), c = randomValues(12, 32);
        out = runOp({ "Einsum", { stringAttr("equation", "ba,ac") },
            { tensorOf(DataType::Float, { 2, 3 }, a), tensorOf(DataType::Float, { 3, 4 }, c) }, 1, 12 });
        Dims outShape;
        expected = refMatMul(a, { 2, 3 }, c, { 3, 4 }, outShape);
        QCOMPARE(out[0]->dims, outShape);
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), expected, 1e-5, 1e-5);

        // Integer operands: exact.
        auto ia = randomInts(12, 33, -9, 9), ib = randomInts(12, 34, -9, 9);
        out = runOp({ "Einsum", { stringAttr("equation", "ij,kj->ik") },
            { tensorOf(DataType::Int64, { 3, 4 }, ia), tensorOf(DataType::Int64, { 3, 4 }, ib) }, 1, 12 });
        expected.assign(9, 0.0);
        for (int i = 0; i < 3; ++i)
            for (int k = 0; k < 3; ++k)
                for (int j = 0; j < 4; ++j)
                    expected[std::size_t(i * 3 + k)] += ia[std::size_t(i * 4 + j)] * ib[std::size_t(k * 4 + j)];
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), expected, 0, 0);
    }

    void det_data()
    {
        QTest::addColumn<Dims>("shape");
        QTest::newRow("2x2") << Dims { 2, 2 };
        QTest::newRow("batch 3x3") << Dims { 4, 3, 3 };
        QTest::newRow("5x5") << Dims { 2, 1, 5, 5 };
    }
    void det()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(Dims, shape);
        auto x = randomValues(countOf(shape), 40);
        std::size_t n = std::size_t(shape.back()), mats = countOf(shape) / (n * n);
        std::vector<double> expected;
        for (std::size_t b = 0; b < mats; ++b) {
            // Laplace expansion is plain enough to trust for n <= 5.
            std::function<double(std::vector<double>, std::size_t)> detOf = [&](std::vector<double> m, std::size_t k) {
                if (k == 1)
                    return m[0];
                double s = 0;
                for (std::size_t c = 0; c < k; ++c) {
                    std::vector<double> minor;
                    for (std::size_t r = 1; r < k; ++r)
                        for (std::size_t cc = 0; cc < k; ++cc)
                            if (cc != c)
                                minor.push_back(m[r * k + cc]);
                    s += (c % 2 ? -1 : 1) * m[c] * detOf(minor, k - 1);
                }
                return s;
            };
            expected.push_back(detOf(
                std::vector<double>(x.begin() + std::ptrdiff_t(b * n * n), x.begin() + std::ptrdiff_t((b + 1) * n * n)),
                n));
        }
        auto out = runOp({ "Det", {}, { tensorOf(DataType::Float, shape, x) }, 1, 11 });
        QCOMPARE(out[0]->dims, Dims(shape.begin(), shape.end() - 2));
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), expected, 1e-5, 1e-4);
    }

    void refusals()
    {
        NODUS_REQUIRE_VULKAN();
        // Shapes that cannot be multiplied fail with a message naming the op.
        bool threw = false;
        try {
            runOp({ "MatMul", {},
                { tensorOf(DataType::Float, { 2, 3 }, randomValues(6, 1)),
                    tensorOf(DataType::Float, { 4, 2 }, randomValues(8, 2)) } });
        } catch (const rt::RuntimeError& e) {
            threw = true;
            QVERIFY(std::string(e.what()).find("MatMul") != std::string::npos);
        }
        QVERIFY(threw);
    }
};

QTEST_GUILESS_MAIN(TestRuntimeGemm)
#include "test_runtime_gemm.moc"
