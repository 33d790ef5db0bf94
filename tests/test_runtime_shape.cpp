// Data-movement kernels against plain C++ references on random shapes:
// Transpose, Slice (negative steps), Concat, Split, Expand, Tile, Pad in
// all modes, and the views (Reshape, Squeeze, Unsqueeze, Flatten).
#include "runtimetest.h"

#include <numeric>

using namespace nodus;
using namespace nodus::test;

namespace {

std::uint64_t count(const std::vector<std::int64_t>& s)
{
    std::uint64_t n = 1;
    for (auto d : s)
        n *= std::uint64_t(d);
    return n;
}

std::vector<std::int64_t> coords(std::uint64_t i, const std::vector<std::int64_t>& s)
{
    std::vector<std::int64_t> c(s.size());
    for (std::size_t d = s.size(); d-- > 0;) {
        c[d] = std::int64_t(i % std::uint64_t(s[d]));
        i /= std::uint64_t(s[d]);
    }
    return c;
}

std::uint64_t flat(const std::vector<std::int64_t>& c, const std::vector<std::int64_t>& s)
{
    std::uint64_t i = 0;
    for (std::size_t d = 0; d < s.size(); ++d)
        i = i * std::uint64_t(s[d]) + std::uint64_t(c[d]);
    return i;
}

std::vector<double> iota(std::uint64_t n)
{
    std::vector<double> v(n);
    std::iota(v.begin(), v.end(), 0.0);
    return v;
}

std::shared_ptr<Tensor> ints(std::vector<double> v)
{
    return tensorOf(DataType::Int64, { std::int64_t(v.size()) }, v);
}

} // namespace

class TestRuntimeShape : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { NODUS_REQUIRE_VULKAN(); }

    void transpose()
    {
        std::mt19937 rng(1);
        for (int round = 0; round < 8; ++round) {
            std::size_t rank = 1 + rng() % 5;
            std::vector<std::int64_t> s(rank);
            for (auto& d : s)
                d = 1 + rng() % 6;
            std::vector<std::int64_t> perm(rank);
            std::iota(perm.begin(), perm.end(), 0);
            std::shuffle(perm.begin(), perm.end(), rng);
            auto type = round % 2 ? DataType::Int64 : DataType::Float;
            auto x = iota(count(s));
            auto out = runOp({ "Transpose", { intsAttr("perm", perm) }, { tensorOf(type, s, x) } });
            std::vector<std::int64_t> os;
            for (auto p : perm)
                os.push_back(s[std::size_t(p)]);
            QCOMPARE(out[0]->dims, os);
            std::vector<double> want(count(os));
            for (std::uint64_t i = 0; i < want.size(); ++i) {
                auto c = coords(i, os);
                std::vector<std::int64_t> ic(rank);
                for (std::size_t d = 0; d < rank; ++d)
                    ic[std::size_t(perm[d])] = c[d];
                want[i] = x[flat(ic, s)];
            }
            NODUS_COMPARE_VALUES(valuesOf(*out[0]), want, 0, 0);
        }
    }

    void sliceWithSteps()
    {
        std::vector<std::int64_t> s { 5, 7, 4 };
        auto x = iota(count(s));
        // axis 1 reversed with step -2 from the end; axis 2 from 1 to the end.
        auto out = runOp({ "Slice", {},
            { tensorOf(DataType::Float, s, x), ints({ -1, 1 }), ints({ -100, 1000 }), ints({ 1, 2 }), ints({ -2, 1 }) } });
        std::vector<std::int64_t> os { 5, 4, 3 };
        QCOMPARE(out[0]->dims, os);
        std::vector<double> want;
        for (std::int64_t a = 0; a < 5; ++a)
            for (std::int64_t b = 6; b >= 0; b -= 2)
                for (std::int64_t c = 1; c < 4; ++c)
                    want.push_back(x[flat({ a, b, c }, s)]);
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), want, 0, 0);
    }

    void concatAndSplit()
    {
        std::vector<std::int64_t> a { 2, 3, 4 }, b { 2, 5, 4 };
        auto xa = iota(count(a)), xb = randomValues(count(b), 3);
        auto cat = runOp({ "Concat", { intAttr("axis", -2) }, { tensorOf(DataType::Float, a, xa), tensorOf(DataType::Float, b, xb) } });
        QCOMPARE(cat[0]->dims, (std::vector<std::int64_t> { 2, 8, 4 }));
        std::vector<double> want;
        for (int i = 0; i < 2; ++i) {
            for (int j = 0; j < 3; ++j)
                for (int k = 0; k < 4; ++k)
                    want.push_back(xa[flat({ i, j, k }, a)]);
            for (int j = 0; j < 5; ++j)
                for (int k = 0; k < 4; ++k)
                    want.push_back(xb[flat({ i, j, k }, b)]);
        }
        NODUS_COMPARE_VALUES(valuesOf(*cat[0]), want, 1e-7, 0);
        OpRun split { "Split", { intAttr("axis", 1) }, { cat[0], ints({ 3, 5 }) }, 2 };
        auto parts = runOp(split);
        QCOMPARE(parts[0]->dims, a);
        QCOMPARE(parts[1]->dims, b);
        NODUS_COMPARE_VALUES(valuesOf(*parts[0]), xa, 0, 0);
        NODUS_COMPARE_VALUES(valuesOf(*parts[1]), valuesOf(*tensorOf(DataType::Float, b, xb)), 0, 0);
    }

    void expandAndTile()
    {
        std::vector<std::int64_t> s { 3, 1, 2 };
        auto x = iota(6);
        auto e = runOp({ "Expand", {}, { tensorOf(DataType::Int32, s, x), ints({ 2, 1, 4, 1 }) } });
        QCOMPARE(e[0]->dims, (std::vector<std::int64_t> { 2, 3, 4, 2 }));
        std::vector<double> we;
        for (int n = 0; n < 2; ++n)
            for (int i = 0; i < 3; ++i)
                for (int j = 0; j < 4; ++j)
                    for (int k = 0; k < 2; ++k)
                        we.push_back(x[std::size_t(i * 2 + k)]);
        NODUS_COMPARE_VALUES(valuesOf(*e[0]), we, 0, 0);
        auto t = runOp({ "Tile", {}, { tensorOf(DataType::Int64, s, x), ints({ 2, 3, 1 }) } });
        std::vector<std::int64_t> ts { 6, 3, 2 };
        QCOMPARE(t[0]->dims, ts);
        std::vector<double> wt(count(ts));
        for (std::uint64_t i = 0; i < wt.size(); ++i) {
            auto c = coords(i, ts);
            wt[i] = x[flat({ c[0] % 3, c[1] % 1, c[2] % 2 }, s)];
        }
        NODUS_COMPARE_VALUES(valuesOf(*t[0]), wt, 0, 0);
    }

    void padModes_data()
    {
        QTest::addColumn<QString>("mode");
        for (const char* m : { "constant", "reflect", "edge", "wrap" })
            QTest::newRow(m) << QString(m);
    }
    void padModes()
    {
        QFETCH(QString, mode);
        std::vector<std::int64_t> s { 3, 4 };
        auto x = iota(12);
        std::vector<std::int64_t> pads { 2, 1, 1, 3 }; // begin rows, begin cols, end rows, end cols
        auto out = runOp({ "Pad", { stringAttr("mode", mode.toStdString()) },
            { tensorOf(DataType::Float, s, x), ints({ 2, 1, 1, 3 }), tensorOf(DataType::Float, {}, { 9.5 }) } });
        std::vector<std::int64_t> os { 6, 8 };
        QCOMPARE(out[0]->dims, os);
        auto map = [&](std::int64_t c, std::int64_t n) -> std::int64_t {
            if (mode == "reflect") {
                std::int64_t p = 2 * (n - 1);
                c = ((c % p) + p) % p;
                return c >= n ? p - c : c;
            }
            if (mode == "edge")
                return std::clamp<std::int64_t>(c, 0, n - 1);
            return ((c % n) + n) % n;
        };
        std::vector<double> want;
        for (std::int64_t r = 0; r < 6; ++r)
            for (std::int64_t c = 0; c < 8; ++c) {
                std::int64_t ir = r - pads[0], ic = c - pads[1];
                if (mode == "constant")
                    want.push_back(ir >= 0 && ir < 3 && ic >= 0 && ic < 4 ? x[std::size_t(ir * 4 + ic)] : 9.5);
                else
                    want.push_back(x[std::size_t(map(ir, 3) * 4 + map(ic, 4))]);
            }
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), want, 0, 0);
    }

    void viewsKeepValues()
    {
        std::vector<std::int64_t> s { 2, 1, 3, 1 };
        auto x = randomValues(6, 4);
        auto r = runOp({ "Reshape", {}, { tensorOf(DataType::Float, s, x), ints({ 0, -1 }) } });
        QCOMPARE(r[0]->dims, (std::vector<std::int64_t> { 2, 3 }));
        auto q = runOp({ "Squeeze", {}, { tensorOf(DataType::Float, s, x), ints({ 1, -1 }) } });
        QCOMPARE(q[0]->dims, (std::vector<std::int64_t> { 2, 3 }));
        auto u = runOp({ "Unsqueeze", {}, { q[0], ints({ 0, 3 }) } });
        QCOMPARE(u[0]->dims, (std::vector<std::int64_t> { 1, 2, 3, 1 }));
        auto f = runOp({ "Flatten", { intAttr("axis", 2) }, { tensorOf(DataType::Float, s, x) } });
        QCOMPARE(f[0]->dims, (std::vector<std::int64_t> { 2, 3 }));
        auto xv = valuesOf(*tensorOf(DataType::Float, s, x));
        for (auto* t : { &r, &q, &u, &f })
            NODUS_COMPARE_VALUES(valuesOf(*(*t)[0]), xv, 0, 0);
    }

    void badShapesNameTheNode()
    {
        try {
            runOp({ "Reshape", {}, { tensorOf(DataType::Float, { 2, 3 }, iota(6)), ints({ 4, -1 }) } });
            QFAIL("a reshape of 6 elements to [4,-1] ran");
        } catch (const rt::RuntimeError& e) {
            QVERIFY2(QString(e.what()).contains("Reshape 'Reshape_node'"), e.what());
            QVERIFY2(QString(e.what()).contains("[2,3]"), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestRuntimeShape)
#include "test_runtime_shape.moc"
