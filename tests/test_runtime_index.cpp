// Vulkan kernels of the index family (Gather*, Scatter*, OneHot, Trilu,
// EyeLike, ReverseSequence, Compress, NonZero, Unique, NonMaxSuppression)
// against plain C++ references on random shapes.
#include "runtimetest.h"

#include <algorithm>
#include <map>
#include <numeric>

using namespace nodus;
using namespace nodus::test;

namespace {

std::vector<double> randomInts(std::size_t n, std::uint32_t seed, std::int64_t lo, std::int64_t hi)
{
    std::mt19937 rng(seed);
    std::vector<double> v(n);
    for (auto& x : v)
        x = double(std::uniform_int_distribution<std::int64_t>(lo, hi)(rng));
    return v;
}

// Coordinates of flat index `e` in `shape`.
std::vector<std::int64_t> coordsOf(std::size_t e, const std::vector<std::int64_t>& shape)
{
    std::vector<std::int64_t> c(shape.size());
    for (std::size_t d = shape.size(); d-- > 0;) {
        c[d] = std::int64_t(e % std::size_t(shape[d]));
        e /= std::size_t(shape[d]);
    }
    return c;
}

std::size_t flatOf(const std::vector<std::int64_t>& c, const std::vector<std::int64_t>& shape)
{
    std::size_t f = 0;
    for (std::size_t d = 0; d < shape.size(); ++d)
        f = f * std::size_t(shape[d]) + std::size_t(c[d]);
    return f;
}

// Values of `type` for data-movement tests: int64 values beyond 32 bits so
// both words of each element must move.
std::vector<double> dataFor(DataType type, std::size_t n, std::uint32_t seed)
{
    if (type == DataType::Int64)
        return randomInts(n, seed, -(std::int64_t(1) << 40), std::int64_t(1) << 40);
    if (type == DataType::Int32)
        return randomInts(n, seed, -100000, 100000);
    return randomValues(n, seed);
}

const DataType kTypes[] = { DataType::Float, DataType::Int32, DataType::Int64 };

} // namespace

class TestRuntimeIndex : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { NODUS_REQUIRE_VULKAN(); }

    void gather()
    {
        std::mt19937 rng(1);
        for (int iter = 0; iter < 18; ++iter) {
            DataType type = kTypes[iter % 3];
            int rank = std::uniform_int_distribution<int>(1, 4)(rng);
            auto shape = randomShape(rng, rank, 6);
            auto axis = std::size_t(rng() % std::uint32_t(rank));
            auto ishape = randomShape(rng, int(rng() % 3), 4);
            std::int64_t n = shape[axis];
            auto ind = randomInts(countOf(ishape), rng(), -n, n - 1); // negative indices wrap
            auto x = dataFor(type, countOf(shape), rng());
            DataType itype = iter % 2 ? DataType::Int32 : DataType::Int64;
            OpRun run = OpRun("Gather", { intAttr("axis", std::int64_t(axis) - (iter % 4 < 2 ? 0 : rank)) },
                { tensorOf(type, shape, x), tensorOf(itype, ishape, ind) });
            auto out = runOp(run);
            std::vector<std::int64_t> oshape(shape.begin(), shape.begin() + std::ptrdiff_t(axis));
            oshape.insert(oshape.end(), ishape.begin(), ishape.end());
            oshape.insert(oshape.end(), shape.begin() + std::ptrdiff_t(axis) + 1, shape.end());
            std::vector<double> expect;
            for (std::size_t o = 0; o < countOf(oshape); ++o) {
                auto oc = coordsOf(o, oshape);
                std::vector<std::int64_t> ic(
                    oc.begin() + std::ptrdiff_t(axis), oc.begin() + std::ptrdiff_t(axis + ishape.size()));
                auto idx = std::int64_t(ind[flatOf(ic, ishape)]);
                std::vector<std::int64_t> c(oc.begin(), oc.begin() + std::ptrdiff_t(axis));
                c.push_back(idx < 0 ? idx + n : idx);
                c.insert(c.end(), oc.begin() + std::ptrdiff_t(axis + ishape.size()), oc.end());
                expect.push_back(x[flatOf(c, shape)]);
            }
            QCOMPARE(out[0]->dims, oshape);
            QCOMPARE(out[0]->dataType, type);
            NODUS_COMPARE_VALUES(valuesOf(*out[0]), expect, 0, 0);
        }
    }

    // Rows of 4k and 2k elements move in blocks; every type.
    void gatherRows()
    {
        for (DataType type : kTypes)
            for (std::int64_t width : { 12, 6, 5 }) {
                std::vector<std::int64_t> shape = { 10, width };
                auto x = dataFor(type, countOf(shape), std::uint32_t(width));
                std::vector<double> ind = { 3, -1, 0, 9, 3, -10 };
                auto out = runOp(
                    OpRun("Gather", {}, { tensorOf(type, shape, x), tensorOf(DataType::Int64, { 3, 2 }, ind) }));
                std::vector<double> expect;
                for (double i : ind) {
                    auto row = std::size_t(i < 0 ? i + 10 : i);
                    expect.insert(expect.end(), x.begin() + std::ptrdiff_t(row * std::size_t(width)),
                        x.begin() + std::ptrdiff_t((row + 1) * std::size_t(width)));
                }
                QCOMPARE(out[0]->dims, (std::vector<std::int64_t> { 3, 2, width }));
                NODUS_COMPARE_VALUES(valuesOf(*out[0]), expect, 0, 0);
            }
    }

    void gatherElements()
    {
        std::mt19937 rng(2);
        for (int iter = 0; iter < 12; ++iter) {
            DataType type = kTypes[iter % 3];
            int rank = std::uniform_int_distribution<int>(1, 4)(rng);
            auto shape = randomShape(rng, rank, 5);
            auto axis = std::size_t(rng() % std::uint32_t(rank));
            auto ishape = shape;
            for (std::size_t d = 0; d < ishape.size(); ++d)
                ishape[d] = d == axis ? std::uniform_int_distribution<int>(1, 6)(rng)
                                      : std::uniform_int_distribution<std::int64_t>(1, shape[d])(rng);
            std::int64_t n = shape[axis];
            auto ind = randomInts(countOf(ishape), rng(), -n, n - 1);
            auto x = dataFor(type, countOf(shape), rng());
            OpRun run = OpRun("GatherElements", { intAttr("axis", std::int64_t(axis)) },
                { tensorOf(type, shape, x), tensorOf(DataType::Int64, ishape, ind) });
            auto out = runOp(run);
            std::vector<double> expect;
            for (std::size_t o = 0; o < countOf(ishape); ++o) {
                auto c = coordsOf(o, ishape);
                auto idx = std::int64_t(ind[o]);
                c[axis] = idx < 0 ? idx + n : idx;
                expect.push_back(x[flatOf(c, shape)]);
            }
            QCOMPARE(out[0]->dims, ishape);
            NODUS_COMPARE_VALUES(valuesOf(*out[0]), expect, 0, 0);
        }
    }

    void gatherND()
    {
        std::mt19937 rng(3);
        for (int iter = 0; iter < 15; ++iter) {
            DataType type = kTypes[iter % 3];
            int rank = std::uniform_int_distribution<int>(1, 4)(rng);
            auto shape = randomShape(rng, rank, 5);
            int b = std::uniform_int_distribution<int>(0, rank - 1)(rng);
            int q = std::uniform_int_distribution<int>(1, rank - b)(rng);
            std::vector<std::int64_t> ishape(shape.begin(), shape.begin() + b);
            auto mid = randomShape(rng, int(rng() % 3), 3);
            ishape.insert(ishape.end(), mid.begin(), mid.end());
            ishape.push_back(q);
            std::vector<double> ind(countOf(ishape));
            for (std::size_t i = 0; i < ind.size(); ++i) {
                std::int64_t n = shape[std::size_t(b) + i % std::size_t(q)];
                ind[i] = double(std::uniform_int_distribution<std::int64_t>(-n, n - 1)(rng));
            }
            auto x = dataFor(type, countOf(shape), rng());
            OpRun run = OpRun("GatherND", { intAttr("batch_dims", b) },
                { tensorOf(type, shape, x), tensorOf(DataType::Int64, ishape, ind) });
            auto out = runOp(run);
            std::vector<std::int64_t> oshape(ishape.begin(), ishape.end() - 1);
            oshape.insert(oshape.end(), shape.begin() + b + q, shape.end());
            std::vector<double> expect;
            std::size_t slice = countOf(std::vector<std::int64_t>(shape.begin() + b + q, shape.end()));
            for (std::size_t o = 0; o < countOf(oshape); ++o) {
                std::size_t t = o / slice, e = o % slice;
                auto tc = coordsOf(t, std::vector<std::int64_t>(ishape.begin(), ishape.end() - 1));
                std::vector<std::int64_t> c(tc.begin(), tc.begin() + b);
                for (int j = 0; j < q; ++j) {
                    auto idx = std::int64_t(ind[t * std::size_t(q) + std::size_t(j)]);
                    c.push_back(idx < 0 ? idx + shape[std::size_t(b + j)] : idx);
                }
                auto ec = coordsOf(e, std::vector<std::int64_t>(shape.begin() + b + q, shape.end()));
                c.insert(c.end(), ec.begin(), ec.end());
                expect.push_back(x[flatOf(c, shape)]);
            }
            QCOMPARE(out[0]->dims, oshape);
            NODUS_COMPARE_VALUES(valuesOf(*out[0]), expect, 0, 0);
        }
    }

    void scatterElements_data()
    {
        QTest::addColumn<QString>("reduction");
        for (const char* r : { "none", "add", "mul", "max", "min" })
            QTest::addRow("%s", r) << QString(r);
    }

    void scatterElements()
    {
        QFETCH(QString, reduction);
        std::string red = reduction.toStdString();
        std::mt19937 rng(4 + std::uint32_t(red.size()));
        for (int iter = 0; iter < 12; ++iter) {
            DataType type = kTypes[iter % 3];
            int rank = std::uniform_int_distribution<int>(1, 4)(rng);
            auto shape = randomShape(rng, rank, 5);
            auto axis = std::size_t(rng() % std::uint32_t(rank));
            auto ushape = shape;
            for (std::size_t d = 0; d < ushape.size(); ++d)
                ushape[d] = std::uniform_int_distribution<std::int64_t>(1, shape[d])(rng);
            std::int64_t n = shape[axis];
            std::vector<double> ind;
            if (red == "none") {
                // Distinct targets per line (the order of duplicates is
                // undefined): a rotation of 0..n-1, half of them negative.
                std::int64_t shift = std::int64_t(rng() % std::uint32_t(n));
                ind.resize(countOf(ushape));
                for (std::size_t e = 0; e < ind.size(); ++e) {
                    auto c = coordsOf(e, ushape);
                    ind[e] = double((c[axis] + shift) % n) - (e % 2 ? double(n) : 0);
                }
            } else {
                ushape[axis] = std::uniform_int_distribution<int>(1, 6)(rng); // duplicates likely
                ind = randomInts(countOf(ushape), rng(), -n, n - 1);
            }
            auto x = type == DataType::Float ? randomValues(countOf(shape), rng(), 0.5, 1.5)
                                             : randomInts(countOf(shape), rng(), -5, 5);
            auto u = type == DataType::Float ? randomValues(countOf(ushape), rng(), 0.5, 1.5)
                                             : randomInts(countOf(ushape), rng(), -5, 5);
            std::vector<Attribute> attrs = { intAttr("axis", std::int64_t(axis)) };
            if (red != "none")
                attrs.push_back(stringAttr("reduction", red));
            OpRun run = OpRun("ScatterElements", attrs,
                { tensorOf(type, shape, x), tensorOf(DataType::Int64, ushape, ind), tensorOf(type, ushape, u) });
            run.opset = 18;
            auto out = runOp(run);
            auto expect = x;
            for (std::size_t e = 0; e < u.size(); ++e) {
                auto c = coordsOf(e, ushape);
                auto idx = std::int64_t(ind[e]);
                c[axis] = idx < 0 ? idx + n : idx;
                double& t = expect[flatOf(c, shape)];
                if (red == "add")
                    t = type == DataType::Float ? double(float(t) + float(u[e])) : t + u[e];
                else if (red == "mul")
                    t = type == DataType::Float ? double(float(t) * float(u[e])) : t * u[e];
                else if (red == "max")
                    t = std::max(t, u[e]);
                else if (red == "min")
                    t = std::min(t, u[e]);
                else
                    t = u[e];
            }
            QCOMPARE(out[0]->dims, shape);
            NODUS_COMPARE_VALUES(valuesOf(*out[0]), expect, 1e-6, 1e-6);
        }
    }

    // Reductions over more updates than one invocation may loop over on
    // lavapipe (65535 iterations): every update must still count.
    void scatterLong()
    {
        const std::size_t n = 70000;
        auto ind = randomInts(n, 31, -4, 3);
        auto upd = randomInts(n, 32, 1, 3);
        std::vector<double> expect(4, 0);
        for (std::size_t i = 0; i < n; ++i)
            expect[std::size_t(ind[i] < 0 ? ind[i] + 4 : ind[i])] += upd[i];
        OpRun elements = OpRun("ScatterElements", { stringAttr("reduction", "add") },
            { tensorOf(DataType::Int64, { 4 }, { 0, 0, 0, 0 }), tensorOf(DataType::Int64, { std::int64_t(n) }, ind),
                tensorOf(DataType::Int64, { std::int64_t(n) }, upd) });
        elements.opset = 18;
        NODUS_COMPARE_VALUES(valuesOf(*runOp(elements)[0]), expect, 0, 0);
        OpRun nd = OpRun("ScatterND", { stringAttr("reduction", "add") },
            { tensorOf(DataType::Int64, { 4 }, { 0, 0, 0, 0 }), tensorOf(DataType::Int64, { std::int64_t(n), 1 }, ind),
                tensorOf(DataType::Int64, { std::int64_t(n) }, upd) });
        nd.opset = 18;
        NODUS_COMPARE_VALUES(valuesOf(*runOp(nd)[0]), expect, 0, 0);
    }

    // Scatter (opset 9/10) is ScatterElements without reduction.
    void scatterDeprecated()
    {
        std::vector<double> x(9, 0);
        OpRun run = OpRun("Scatter", { intAttr("axis", 1) },
            { tensorOf(DataType::Float, { 3, 3 }, x), tensorOf(DataType::Int32, { 2, 2 }, { 1, 0, -1, 0 }),
                tensorOf(DataType::Float, { 2, 2 }, { 1, 2, 3, 4 }) });
        run.opset = 10;
        auto out = runOp(run);
        // Distinct targets: which of two writes to one place wins is
        // undefined (a GPU and lavapipe differ).
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), (std::vector<double> { 2, 1, 0, 4, 0, 3, 0, 0, 0 }), 0, 0);
    }

    void scatterND_data()
    {
        QTest::addColumn<QString>("reduction");
        for (const char* r : { "none", "add", "mul", "max", "min" })
            QTest::addRow("%s", r) << QString(r);
    }

    void scatterND()
    {
        QFETCH(QString, reduction);
        std::string red = reduction.toStdString();
        std::mt19937 rng(5 + std::uint32_t(red.size()));
        for (int iter = 0; iter < 12; ++iter) {
            DataType type = kTypes[iter % 3];
            int rank = std::uniform_int_distribution<int>(1, 4)(rng);
            auto shape = randomShape(rng, rank, 5);
            int q = std::uniform_int_distribution<int>(1, rank)(rng);
            std::vector<std::int64_t> lead(shape.begin(), shape.begin() + q);
            std::size_t places = countOf(lead);
            std::size_t m = red == "none" ? std::uniform_int_distribution<std::size_t>(1, places)(rng)
                                          : std::uniform_int_distribution<std::size_t>(1, 8)(rng);
            // Tuples: distinct without a reduction (duplicate order is undefined).
            std::vector<std::size_t> picks(places);
            std::iota(picks.begin(), picks.end(), 0);
            std::shuffle(picks.begin(), picks.end(), rng);
            std::vector<double> ind;
            std::vector<std::size_t> targets;
            for (std::size_t i = 0; i < m; ++i) {
                std::size_t slot = red == "none" ? picks[i] : rng() % places;
                targets.push_back(slot);
                auto c = coordsOf(slot, lead);
                for (int j = 0; j < q; ++j)
                    ind.push_back(double(c[std::size_t(j)] - (rng() % 2 ? shape[std::size_t(j)] : 0)));
            }
            std::vector<std::int64_t> ishape = { std::int64_t(m), q };
            std::vector<std::int64_t> ushape = { std::int64_t(m) };
            ushape.insert(ushape.end(), shape.begin() + q, shape.end());
            std::size_t s = countOf(shape) / places;
            auto x = type == DataType::Float ? randomValues(countOf(shape), rng(), 0.5, 1.5)
                                             : randomInts(countOf(shape), rng(), -5, 5);
            auto u = type == DataType::Float ? randomValues(countOf(ushape), rng(), 0.5, 1.5)
                                             : randomInts(countOf(ushape), rng(), -5, 5);
            std::vector<Attribute> attrs;
            if (red != "none")
                attrs.push_back(stringAttr("reduction", red));
            OpRun run = OpRun("ScatterND", attrs,
                { tensorOf(type, shape, x), tensorOf(DataType::Int64, ishape, ind), tensorOf(type, ushape, u) });
            run.opset = 18;
            auto out = runOp(run);
            auto expect = x;
            for (std::size_t i = 0; i < m; ++i)
                for (std::size_t e = 0; e < s; ++e) {
                    double& t = expect[targets[i] * s + e];
                    double v = u[i * s + e];
                    if (red == "add")
                        t = type == DataType::Float ? double(float(t) + float(v)) : t + v;
                    else if (red == "mul")
                        t = type == DataType::Float ? double(float(t) * float(v)) : t * v;
                    else if (red == "max")
                        t = std::max(t, v);
                    else if (red == "min")
                        t = std::min(t, v);
                    else
                        t = v;
                }
            NODUS_COMPARE_VALUES(valuesOf(*out[0]), expect, 1e-6, 1e-6);
        }
    }

    void oneHot()
    {
        std::mt19937 rng(6);
        for (int iter = 0; iter < 12; ++iter) {
            int rank = std::uniform_int_distribution<int>(0, 3)(rng);
            auto ishape = randomShape(rng, rank, 4);
            std::int64_t depth = std::uniform_int_distribution<int>(1, 6)(rng);
            // Out-of-range indices give all off.
            auto ind = randomInts(countOf(ishape), rng(), -depth - 1, depth);
            int axis = std::uniform_int_distribution<int>(-rank - 1, rank)(rng);
            DataType itype = kTypes[iter % 3];
            DataType vtype = kTypes[(iter / 3) % 3];
            OpRun run = OpRun("OneHot", { intAttr("axis", axis) },
                { tensorOf(itype, ishape, ind), tensorOf(DataType::Int64, {}, { double(depth) }),
                    tensorOf(vtype, { 2 }, { 3, vtype == DataType::Int64 ? 5e12 : 7 }) });
            auto out = runOp(run);
            std::size_t ax = std::size_t(axis < 0 ? axis + rank + 1 : axis);
            std::vector<std::int64_t> oshape(ishape.begin(), ishape.begin() + std::ptrdiff_t(ax));
            oshape.push_back(depth);
            oshape.insert(oshape.end(), ishape.begin() + std::ptrdiff_t(ax), ishape.end());
            std::vector<double> expect;
            for (std::size_t o = 0; o < countOf(oshape); ++o) {
                auto c = coordsOf(o, oshape);
                std::int64_t k = c[ax];
                c.erase(c.begin() + std::ptrdiff_t(ax));
                auto idx = std::int64_t(ind[flatOf(c, ishape)]);
                if (idx < 0)
                    idx += depth;
                expect.push_back(idx == k ? (vtype == DataType::Int64 ? 5e12 : 7) : 3);
            }
            QCOMPARE(out[0]->dims, oshape);
            QCOMPARE(out[0]->dataType, vtype);
            NODUS_COMPARE_VALUES(valuesOf(*out[0]), expect, 0, 0);
        }
    }

    void trilu()
    {
        std::mt19937 rng(7);
        for (int iter = 0; iter < 16; ++iter) {
            DataType type = kTypes[iter % 3];
            int rank = std::uniform_int_distribution<int>(2, 4)(rng);
            auto shape = randomShape(rng, rank, 6);
            bool upper = iter % 2;
            std::int64_t k = std::uniform_int_distribution<int>(-7, 7)(rng);
            auto x = dataFor(type, countOf(shape), rng());
            OpRun run = OpRun("Trilu", { intAttr("upper", upper) },
                { tensorOf(type, shape, x), iter % 5 == 0 ? nullptr : tensorOf(DataType::Int64, {}, { double(k) }) });
            run.opset = 14;
            if (iter % 5 == 0)
                k = 0;
            auto out = runOp(run);
            auto expect = x;
            std::int64_t rows = shape[std::size_t(rank - 2)], cols = shape[std::size_t(rank - 1)];
            for (std::size_t e = 0; e < x.size(); ++e) {
                std::int64_t j = std::int64_t(e) % cols, i = (std::int64_t(e) / cols) % rows;
                if (upper ? j - i < k : j - i > k)
                    expect[e] = 0;
            }
            NODUS_COMPARE_VALUES(valuesOf(*out[0]), expect, 0, 0);
        }
    }

    void eyeLike()
    {
        std::mt19937 rng(8);
        for (int iter = 0; iter < 9; ++iter) {
            auto shape = randomShape(rng, 2, 6);
            std::int64_t k = std::uniform_int_distribution<int>(-4, 4)(rng);
            DataType in = kTypes[iter % 3];
            std::vector<Attribute> attrs = { intAttr("k", k) };
            DataType outType = in;
            if (iter >= 3) {
                outType = kTypes[(iter + 1) % 3];
                attrs.push_back(intAttr("dtype", int(outType)));
            }
            OpRun run = OpRun("EyeLike", attrs, { tensorOf(in, shape, std::vector<double>(countOf(shape), 5)) });
            auto out = runOp(run);
            std::vector<double> expect(countOf(shape));
            for (std::size_t e = 0; e < expect.size(); ++e)
                expect[e] = std::int64_t(e) % shape[1] - std::int64_t(e) / shape[1] == k ? 1 : 0;
            QCOMPARE(out[0]->dataType, outType);
            NODUS_COMPARE_VALUES(valuesOf(*out[0]), expect, 0, 0);
        }
    }

    void reverseSequence()
    {
        std::mt19937 rng(9);
        for (int iter = 0; iter < 10; ++iter) {
            DataType type = kTypes[iter % 3];
            int rank = std::uniform_int_distribution<int>(2, 4)(rng);
            auto shape = randomShape(rng, rank, 5);
            int timeAxis = iter % 2, batchAxis = 1 - timeAxis;
            std::int64_t steps = shape[std::size_t(timeAxis)], batch = shape[std::size_t(batchAxis)];
            auto lens = randomInts(std::size_t(batch), rng(), 0, steps);
            auto x = dataFor(type, countOf(shape), rng());
            OpRun run = OpRun("ReverseSequence", { intAttr("time_axis", timeAxis), intAttr("batch_axis", batchAxis) },
                { tensorOf(type, shape, x), tensorOf(DataType::Int64, { batch }, lens) });
            auto out = runOp(run);
            std::vector<double> expect(x.size());
            for (std::size_t e = 0; e < x.size(); ++e) {
                auto c = coordsOf(e, shape);
                auto len = std::int64_t(lens[std::size_t(c[std::size_t(batchAxis)])]);
                std::int64_t& t = c[std::size_t(timeAxis)];
                if (t < len)
                    t = len - 1 - t;
                expect[e] = x[flatOf(c, shape)];
            }
            NODUS_COMPARE_VALUES(valuesOf(*out[0]), expect, 0, 0);
        }
    }

    void compress()
    {
        std::mt19937 rng(10);
        for (int iter = 0; iter < 10; ++iter) {
            DataType type = kTypes[iter % 3];
            int rank = std::uniform_int_distribution<int>(1, 3)(rng);
            auto shape = randomShape(rng, rank, 5);
            bool hasAxis = iter % 3 != 0;
            auto axis = std::size_t(rng() % std::uint32_t(rank));
            std::int64_t len = hasAxis ? shape[axis] : std::int64_t(countOf(shape));
            len = std::uniform_int_distribution<std::int64_t>(0, len)(rng); // may be shorter
            auto cond = randomInts(std::size_t(len), rng(), 0, 1);
            auto x = dataFor(type, countOf(shape), rng());
            std::vector<Attribute> attrs;
            if (hasAxis)
                attrs.push_back(intAttr("axis", std::int64_t(axis) - (iter % 2 ? rank : 0)));
            OpRun run = OpRun("Compress", attrs, { tensorOf(type, shape, x), tensorOf(DataType::Bool, { len }, cond) });
            auto out = runOp(run);
            std::vector<double> expect;
            if (!hasAxis) {
                for (std::size_t i = 0; i < cond.size(); ++i)
                    if (cond[i] != 0)
                        expect.push_back(x[i]);
                QCOMPARE(out[0]->dims, (std::vector<std::int64_t> { std::int64_t(expect.size()) }));
            } else {
                for (std::size_t e = 0; e < x.size(); ++e) {
                    auto c = coordsOf(e, shape);
                    if (c[axis] < len && cond[std::size_t(c[axis])] != 0)
                        expect.push_back(x[e]);
                }
                auto oshape = shape;
                oshape[axis] = std::count(cond.begin(), cond.end(), 1.0);
                QCOMPARE(out[0]->dims, oshape);
            }
            NODUS_COMPARE_VALUES(valuesOf(*out[0]), expect, 0, 0);
        }
    }

    void nonZero()
    {
        std::mt19937 rng(11);
        for (int iter = 0; iter < 6; ++iter) {
            int rank = std::uniform_int_distribution<int>(1, 4)(rng);
            auto shape = randomShape(rng, rank, 5);
            auto x = randomInts(countOf(shape), rng(), -1, 1);
            DataType type = kTypes[iter % 3];
            auto out = runOp(OpRun("NonZero", {}, { tensorOf(type, shape, x) }));
            std::vector<std::size_t> hits;
            for (std::size_t e = 0; e < x.size(); ++e)
                if (x[e] != 0)
                    hits.push_back(e);
            std::vector<double> expect(std::size_t(rank) * hits.size());
            for (std::size_t h = 0; h < hits.size(); ++h) {
                auto c = coordsOf(hits[h], shape);
                for (int d = 0; d < rank; ++d)
                    expect[std::size_t(d) * hits.size() + h] = double(c[std::size_t(d)]);
            }
            QCOMPARE(out[0]->dims, (std::vector<std::int64_t> { rank, std::int64_t(hits.size()) }));
            NODUS_COMPARE_VALUES(valuesOf(*out[0]), expect, 0, 0);
        }
    }

    void unique()
    {
        std::mt19937 rng(12);
        for (int iter = 0; iter < 12; ++iter) {
            bool sorted = iter % 2;
            bool hasAxis = iter % 4 >= 2;
            int rank = std::uniform_int_distribution<int>(1, 3)(rng);
            auto shape = randomShape(rng, rank, 5);
            auto axis = std::size_t(rng() % std::uint32_t(rank));
            auto x = randomInts(countOf(shape), rng(), 0, hasAxis ? 1 : 4);
            DataType type = kTypes[iter % 3];
            std::vector<Attribute> attrs = { intAttr("sorted", sorted) };
            if (hasAxis)
                attrs.push_back(intAttr("axis", std::int64_t(axis)));
            auto out = runOp(OpRun("Unique", attrs, { tensorOf(type, shape, x) }, 4));
            // Reference: slices along the axis (single elements without one).
            std::vector<std::int64_t> s = hasAxis ? shape : std::vector<std::int64_t> { std::int64_t(x.size()) };
            std::size_t ax = hasAxis ? axis : 0, n = std::size_t(s[ax]);
            auto slice = [&](std::size_t i) {
                std::vector<double> v;
                for (std::size_t e = 0; e < x.size(); ++e)
                    if (std::size_t(coordsOf(e, s)[ax]) == i)
                        v.push_back(x[e]);
                return v;
            };
            std::vector<std::vector<double>> uniq;
            std::vector<double> first, inverse, counts;
            for (std::size_t i = 0; i < n; ++i) {
                auto v = slice(i);
                auto it = std::find(uniq.begin(), uniq.end(), v);
                if (it == uniq.end()) {
                    uniq.push_back(v);
                    first.push_back(double(i));
                    counts.push_back(0);
                    it = uniq.end() - 1;
                }
                counts[std::size_t(it - uniq.begin())] += 1;
            }
            std::vector<std::size_t> order(uniq.size());
            std::iota(order.begin(), order.end(), 0);
            if (sorted)
                std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return uniq[a] < uniq[b]; });
            std::vector<std::size_t> pos(order.size());
            for (std::size_t p = 0; p < order.size(); ++p)
                pos[order[p]] = p;
            for (std::size_t i = 0; i < n; ++i)
                inverse.push_back(
                    double(pos[std::size_t(std::find(uniq.begin(), uniq.end(), slice(i)) - uniq.begin())]));
            auto yshape = s;
            yshape[ax] = std::int64_t(uniq.size());
            std::vector<double> y(countOf(yshape));
            for (std::size_t e = 0; e < y.size(); ++e) {
                auto c = coordsOf(e, yshape);
                std::size_t u = order[std::size_t(c[ax])];
                c[ax] = std::int64_t(first[u]);
                y[e] = x[flatOf(c, s)];
            }
            std::vector<double> firstOut, countOut;
            for (auto u : order) {
                firstOut.push_back(first[u]);
                countOut.push_back(counts[u]);
            }
            QCOMPARE(out[0]->dims, yshape);
            NODUS_COMPARE_VALUES(valuesOf(*out[0]), y, 0, 0);
            NODUS_COMPARE_VALUES(valuesOf(*out[1]), firstOut, 0, 0);
            NODUS_COMPARE_VALUES(valuesOf(*out[2]), inverse, 0, 0);
            NODUS_COMPARE_VALUES(valuesOf(*out[3]), countOut, 0, 0);
        }
    }

    void nonMaxSuppression()
    {
        // Two batches, two classes; boxes in both corner orders and as centers.
        std::vector<double> boxes
            = { 0, 0, 1, 1, 0, 0.1, 1, 1.1, 0, -0.1, 1, 0.9, 0, 10, 1, 11, 1, 10.1, 0, 11.1, 0, 100, 1, 101 };
        boxes.insert(boxes.end(), boxes.begin(), boxes.end());
        std::vector<double> scores = { 0.9, 0.75, 0.6, 0.95, 0.5, 0.3, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6 };
        scores.insert(scores.end(), { 0.3, 0.5, 0.6, 0.95, 0.9, 0.1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9 });
        OpRun run = OpRun("NonMaxSuppression", {},
            { tensorOf(DataType::Float, { 2, 6, 4 }, boxes), tensorOf(DataType::Float, { 2, 2, 6 }, scores),
                tensorOf(DataType::Int64, { 1 }, { 3 }), tensorOf(DataType::Float, { 1 }, { 0.5 }),
                tensorOf(DataType::Float, { 1 }, { 0.35 }) });
        auto out = runOp(run);
        // Batch 0 class 0: 3 (0.95), 0 (0.9), then 1 and 2 overlap 0, 4 overlaps 3, 5 is below 0.35.
        // Batch 0 class 1: 5 (0.6), 4 (0.5), 3 overlaps 4.
        // Batch 1 class 0: 3 (0.95), 2 (0.6), 1 overlaps 2 (IoU 0.67).
        // Batch 1 class 1: all 0.9, lower index first: 0, then 1 and 2 overlap 0, 3, then 4 overlaps, 5.
        std::vector<double> expect
            = { 0, 0, 3, 0, 0, 0, 0, 1, 5, 0, 1, 4, 1, 0, 3, 1, 0, 2, 1, 1, 0, 1, 1, 3, 1, 1, 5 };
        QCOMPARE(out[0]->dims, (std::vector<std::int64_t> { 9, 3 }));
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), expect, 0, 0);
    }
};

QTEST_GUILESS_MAIN(TestRuntimeIndex)
#include "test_runtime_index.moc"
