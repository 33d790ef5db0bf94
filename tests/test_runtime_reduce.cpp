// Vulkan kernels of the reduce family (Reduce*, ArgMax/ArgMin, Softmax,
// LogSoftmax, Hardmax, CumSum, TopK, NegativeLogLikelihoodLoss,
// SoftmaxCrossEntropyLoss) against plain C++ references on random shapes.
#include "runtimetest.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <numeric>

using namespace nodus;
using namespace nodus::test;

namespace {

std::vector<std::int64_t> stridesOf(const std::vector<std::int64_t>& shape)
{
    std::vector<std::int64_t> s(shape.size(), 1);
    for (std::size_t i = shape.size(); i-- > 1;)
        s[i - 1] = s[i] * shape[i];
    return s;
}

std::vector<double> randomInts(std::size_t n, std::uint32_t seed, int lo, int hi)
{
    std::mt19937 rng(seed);
    std::vector<double> v(n);
    for (auto& x : v)
        x = std::uniform_int_distribution<int>(lo, hi)(rng);
    return v;
}

enum class Red { Sum, Mean, Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare };
const char* const kRedNames[] = { "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
    "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare" };

// Reference reduction in double over the flagged dims; output has the kept
// dims in order.
std::vector<double> refReduce(
    Red op, const std::vector<double>& x, const std::vector<std::int64_t>& shape, const std::vector<bool>& reduced)
{
    std::vector<std::int64_t> outShape;
    for (std::size_t i = 0; i < shape.size(); ++i)
        if (!reduced[i])
            outShape.push_back(shape[i]);
    auto outStrides = stridesOf(outShape);
    std::size_t outCount = countOf(outShape);
    double init = op == Red::Max ? -INFINITY : op == Red::Min ? INFINITY : op == Red::Prod ? 1.0 : 0.0;
    std::vector<double> acc(outCount, init);
    std::vector<std::size_t> n(outCount, 0);
    std::vector<std::int64_t> coord(shape.size(), 0);
    for (std::size_t e = 0; e < x.size(); ++e) {
        std::size_t rem = e, o = 0, k = outShape.size();
        for (std::size_t d = shape.size(); d-- > 0;) {
            std::size_t c = rem % std::size_t(shape[d]);
            rem /= std::size_t(shape[d]);
            if (!reduced[d])
                o += c * std::size_t(outStrides[--k]);
        }
        double v = x[e];
        switch (op) {
        case Red::Max:
            acc[o] = std::max(acc[o], v);
            break;
        case Red::Min:
            acc[o] = std::min(acc[o], v);
            break;
        case Red::Prod:
            acc[o] *= v;
            break;
        case Red::L1:
            acc[o] += std::abs(v);
            break;
        case Red::L2:
        case Red::SumSquare:
            acc[o] += v * v;
            break;
        case Red::LogSumExp:
            acc[o] += std::exp(v);
            break;
        default:
            acc[o] += v;
            break;
        }
        ++n[o];
    }
    for (std::size_t o = 0; o < outCount; ++o) {
        if (op == Red::Mean)
            acc[o] /= double(n[o]);
        else if (op == Red::L2)
            acc[o] = std::sqrt(acc[o]);
        else if (op == Red::LogSum || op == Red::LogSumExp)
            acc[o] = std::log(acc[o]);
    }
    return acc;
}

std::vector<std::int64_t> keptShape(
    const std::vector<std::int64_t>& shape, const std::vector<bool>& reduced, bool keepDims)
{
    std::vector<std::int64_t> s;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (!reduced[i])
            s.push_back(shape[i]);
        else if (keepDims)
            s.push_back(1);
    }
    return s;
}

std::vector<double> valuesFor(Red op, std::size_t n, std::uint32_t seed)
{
    // Positive values where a log follows; near one for products.
    if (op == Red::LogSum)
        return randomValues(n, seed, 0.1, 1.0);
    if (op == Red::Prod)
        return randomValues(n, seed, 0.8, 1.25);
    return randomValues(n, seed, -2, 2);
}

// Reference for Softmax/LogSoftmax/Hardmax over [outer, r, inner].
std::vector<double> refSoftmax(
    const std::vector<double>& x, std::size_t outer, std::size_t r, std::size_t inner, int mode)
{
    std::vector<double> y(x.size());
    for (std::size_t a = 0; a < outer; ++a)
        for (std::size_t b = 0; b < inner; ++b) {
            auto at = [&](std::size_t j) { return (a * r + j) * inner + b; };
            double m = -INFINITY;
            std::size_t arg = 0;
            for (std::size_t j = 0; j < r; ++j)
                if (x[at(j)] > m) {
                    m = x[at(j)];
                    arg = j;
                }
            double s = 0;
            for (std::size_t j = 0; j < r; ++j)
                s += std::exp(x[at(j)] - m);
            for (std::size_t j = 0; j < r; ++j) {
                if (mode == 0)
                    y[at(j)] = std::exp(x[at(j)] - m) / s;
                else if (mode == 1)
                    y[at(j)] = x[at(j)] - m - std::log(s);
                else
                    y[at(j)] = j == arg ? 1 : 0;
            }
        }
    return y;
}

struct View {
    std::size_t outer = 1, r = 1, inner = 1;
};

View viewAt(const std::vector<std::int64_t>& shape, std::size_t axis)
{
    View v;
    for (std::size_t i = 0; i < shape.size(); ++i)
        (i < axis ? v.outer : i == axis ? v.r : v.inner) *= std::size_t(shape[i]);
    return v;
}

// Reference NLL loss over log probabilities [N, C, D...].
std::vector<double> refNll(const std::vector<double>& lp, const std::vector<std::int64_t>& shape,
    const std::vector<double>& target, const std::vector<double>* weight, std::int64_t ignore, bool hasIgnore,
    const std::string& reduction)
{
    std::size_t n = std::size_t(shape[0]), c = std::size_t(shape[1]), d = countOf(shape) / (n * c);
    std::vector<double> loss(n * d), w(n * d);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t e = 0; e < d; ++e) {
            auto t = std::int64_t(target[i * d + e]);
            if (hasIgnore && t == ignore)
                continue;
            double wt = weight ? (*weight)[std::size_t(t)] : 1.0;
            loss[i * d + e] = -lp[(i * c + std::size_t(t)) * d + e] * wt;
            w[i * d + e] = wt;
        }
    if (reduction == "none")
        return loss;
    double s = std::accumulate(loss.begin(), loss.end(), 0.0);
    if (reduction == "sum")
        return { s };
    return { s / std::accumulate(w.begin(), w.end(), 0.0) };
}

template <class U> DataType unsignedType()
{
    return sizeof(U) == 4 ? DataType::UInt32 : DataType::UInt64;
}

// Values that straddle the sign bit of U's signed twin.
template <class U> std::vector<U> straddling()
{
    constexpr U top = U(1) << (8 * sizeof(U) - 1);
    return { 0, 1, 2, 3, U(top - 2), U(top - 1), top, U(top + 1), U(~U(0) - 1), U(~U(0)) };
}

template <class U> void sameValues(const Tensor& got, const std::vector<U>& want, const char* what)
{
    auto g = rawValues<U>(got);
    QCOMPARE(g.size(), want.size());
    for (std::size_t i = 0; i < g.size(); ++i)
        if (g[i] != want[i])
            QFAIL(qPrintable(QString("%1 index %2: got %3, expected %4").arg(what).arg(i).arg(g[i]).arg(want[i])));
}

// Reductions, ArgMax/ArgMin and TopK of uint32 / uint64 at the sign bit,
// on short lines (one pass) and long ones (partials, chunks, the host TopK).
template <class U> void checkUnsignedReductions()
{
    const DataType t = unsignedType<U>();
    constexpr U top = U(1) << (8 * sizeof(U) - 1);
    // [2, 5]: rows {0 1 2 3 top-2}, {top-1 top top+1 max-1 max}, shuffled.
    std::vector<U> x = straddling<U>();
    std::mt19937 rng(7);
    std::shuffle(x.begin(), x.end(), rng);
    auto in = rawTensor(t, { 2, 5 }, x);
    auto rowWise = [&](auto f) {
        std::vector<U> out;
        for (std::size_t r = 0; r < 2; ++r)
            out.push_back(f(x.begin() + std::ptrdiff_t(5 * r), x.begin() + std::ptrdiff_t(5 * r + 5)));
        return out;
    };
    auto axis1 = std::vector<Attribute> { intsAttr("axes", { 1 }), intAttr("keepdims", 0) };
    sameValues<U>(*runOp({ "ReduceMax", axis1, { in } })[0],
        rowWise([](auto b, auto e) { return *std::max_element(b, e); }), "ReduceMax");
    sameValues<U>(*runOp({ "ReduceMin", axis1, { in } })[0],
        rowWise([](auto b, auto e) { return *std::min_element(b, e); }), "ReduceMin");
    // |x| of an unsigned value is the value: the sum wraps as U.
    sameValues<U>(*runOp({ "ReduceL1", axis1, { in } })[0],
        rowWise([](auto b, auto e) { return std::accumulate(b, e, U(0)); }), "ReduceL1");
    std::vector<U> m = { top, 16, 33, U(top + 2), 100, 0 };
    sameValues<U>(*runOp({ "ReduceMean", axis1, { rawTensor(t, { 2, 3 }, m) } })[0],
        std::vector<U> { U((top + 49) / 3), U((top + 102) / 3) }, "ReduceMean");

    for (bool min : { false, true }) {
        auto arg = runOp({ min ? "ArgMin" : "ArgMax", { intAttr("axis", 1), intAttr("keepdims", 0) }, { in } });
        std::vector<std::int64_t> want;
        for (std::size_t r = 0; r < 2; ++r) {
            auto b = x.begin() + std::ptrdiff_t(5 * r), e = b + 5;
            want.push_back(std::int64_t((min ? std::min_element(b, e) : std::max_element(b, e)) - b));
        }
        QCOMPARE(rawValues<std::int64_t>(*arg[0]), want);
    }

    // Long lines: the reduce and arg kernels split them into chunks and
    // reduce the partials again.
    std::mt19937_64 rng64(9);
    std::vector<U> big(6000);
    for (auto& e : big)
        e = U(rng64());
    auto bigIn = rawTensor(t, { 6000 }, big);
    auto keep0 = std::vector<Attribute> { intAttr("keepdims", 0) };
    sameValues<U>(
        *runOp({ "ReduceMax", keep0, { bigIn } })[0], { *std::max_element(big.begin(), big.end()) }, "long ReduceMax");
    sameValues<U>(
        *runOp({ "ReduceMin", keep0, { bigIn } })[0], { *std::min_element(big.begin(), big.end()) }, "long ReduceMin");
    QCOMPARE(rawValues<std::int64_t>(*runOp({ "ArgMax", keep0, { bigIn } })[0]),
        (std::vector<std::int64_t> { std::max_element(big.begin(), big.end()) - big.begin() }));
    QCOMPARE(rawValues<std::int64_t>(*runOp({ "ArgMin", keep0, { bigIn } })[0]),
        (std::vector<std::int64_t> { std::min_element(big.begin(), big.end()) - big.begin() }));

    // TopK: small k (device, several rounds of chunks) and a k past the
    // device's loop budget (host).
    for (std::int64_t k : { std::int64_t(7), std::int64_t(2500) })
        for (bool largest : { true, false }) {
            auto out = runOp({ "TopK", { intAttr("largest", largest) },
                { bigIn, rawTensor(DataType::Int64, { 1 }, std::vector<std::int64_t> { k }) }, 2 });
            std::vector<std::int64_t> order(big.size());
            std::iota(order.begin(), order.end(), 0);
            std::stable_sort(order.begin(), order.end(),
                [&](std::int64_t p, std::int64_t q) { return largest ? big[p] > big[q] : big[p] < big[q]; });
            order.resize(std::size_t(k));
            std::vector<U> values;
            for (auto i : order)
                values.push_back(big[std::size_t(i)]);
            sameValues<U>(*out[0], values, largest ? "TopK largest" : "TopK smallest");
            QCOMPARE(rawValues<std::int64_t>(*out[1]), order);
        }
}
} // namespace

class TestRuntimeReduce : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { NODUS_REQUIRE_VULKAN(); }

    void reduceFloat_data()
    {
        QTest::addColumn<int>("op");
        QTest::addColumn<int>("opset");
        for (int op = 0; op < 10; ++op)
            for (int opset : { 13, 18 })
                QTest::addRow("%s-opset%d", kRedNames[op], opset) << op << opset;
    }

    // Random shapes, random axis sets (negative too), keepdims on and off.
    void reduceFloat()
    {
        QFETCH(int, op);
        QFETCH(int, opset);
        auto red = Red(op);
        bool axesInput = opset >= 18 || red == Red::Sum;
        std::mt19937 rng(std::uint32_t(1000 + op * 31 + opset));
        for (int iter = 0; iter < 12; ++iter) {
            int rank = std::uniform_int_distribution<int>(1, 5)(rng);
            auto shape = randomShape(rng, rank, 6);
            std::vector<bool> reduced(std::size_t(rank), false);
            std::vector<std::int64_t> axes;
            for (int d = 0; d < rank; ++d)
                if (rng() % 2) {
                    reduced[std::size_t(d)] = true;
                    axes.push_back(rng() % 2 ? d : d - rank);
                }
            if (axes.empty())
                std::fill(reduced.begin(), reduced.end(), true); // empty axes: all
            bool keep = rng() % 2;
            auto x = valuesFor(red, countOf(shape), rng());
            OpRun run = OpRun(kRedNames[op], { intAttr("keepdims", keep) }, { tensorOf(DataType::Float, shape, x) });
            run.opset = opset;
            if (axesInput) {
                if (!axes.empty())
                    run.inputs.push_back(tensorOf(
                        DataType::Int64, { std::int64_t(axes.size()) }, std::vector<double>(axes.begin(), axes.end())));
            } else if (!axes.empty()) {
                run.attributes.push_back(intsAttr("axes", axes));
            }
            auto out = runOp(run);
            QCOMPARE(out.size(), std::size_t(1));
            QCOMPARE(out[0]->dims, keptShape(shape, reduced, keep));
            NODUS_COMPARE_VALUES(valuesOf(*out[0]), refReduce(red, x, shape, reduced), 1e-5, 1e-4);
        }
    }

    void reduceLarge_data()
    {
        QTest::addColumn<int>("op");
        for (int op = 0; op < 10; ++op)
            QTest::addRow("%s", kRedNames[op]) << op;
    }

    // Few outputs over many elements: the two-pass (chunked) path.
    void reduceLarge()
    {
        QFETCH(int, op);
        auto red = Red(op);
        struct Case {
            std::vector<std::int64_t> shape;
            std::vector<bool> reduced;
        };
        for (const Case& c : { Case { { 50000 }, { true } }, Case { { 3, 7000 }, { false, true } },
                 Case { { 5, 900, 3 }, { false, true, false } }, Case { { 40, 3, 60 }, { true, false, true } } }) {
            auto x = valuesFor(red, countOf(c.shape), 77);
            if (red == Red::Prod)
                x = randomValues(x.size(), 77, 0.999, 1.001);
            std::vector<std::int64_t> axes;
            for (std::size_t d = 0; d < c.shape.size(); ++d)
                if (c.reduced[d])
                    axes.push_back(std::int64_t(d));
            OpRun run = OpRun(kRedNames[op], { intAttr("keepdims", 0) },
                { tensorOf(DataType::Float, c.shape, x),
                    tensorOf(DataType::Int64, { std::int64_t(axes.size()) },
                        std::vector<double>(axes.begin(), axes.end())) });
            run.opset = 18;
            auto out = runOp(run);
            NODUS_COMPARE_VALUES(valuesOf(*out[0]), refReduce(red, x, c.shape, c.reduced), 1e-3, 1e-4);
        }
    }

    void reduceIntegers()
    {
        for (DataType type : { DataType::Int32, DataType::Int64 })
            for (Red red : { Red::Sum, Red::Max, Red::Min, Red::Prod, Red::L1, Red::SumSquare, Red::Mean }) {
                std::vector<std::int64_t> shape = { 4, 5, 3 };
                auto x = randomInts(countOf(shape), 5 + int(red), -4, 4);
                OpRun run = OpRun(kRedNames[int(red)], { intAttr("keepdims", 1) },
                    { tensorOf(type, shape, x), tensorOf(DataType::Int64, { 1 }, { 1 }) });
                run.opset = 18;
                auto out = runOp(run);
                QCOMPARE(out[0]->dataType, type);
                auto expect = refReduce(red, x, shape, { false, true, false });
                for (auto& v : expect)
                    v = std::trunc(v);
                NODUS_COMPARE_VALUES(valuesOf(*out[0]), expect, 0, 0);
            }
    }

    // Large int64 sums stay exact (no float round trip).
    void reduceInt64Exact()
    {
        std::vector<double> x = { 4e15, 3, -5, 1e15 + 1 };
        OpRun run = OpRun("ReduceSum", { intAttr("keepdims", 0) }, { tensorOf(DataType::Int64, { 4 }, x) });
        auto out = runOp(run);
        QCOMPARE(valuesOf(*out[0]), std::vector<double> { 5e15 - 1 });
    }

    void reduceEmptyAxes()
    {
        std::vector<std::int64_t> shape = { 3, 4 };
        auto x = randomValues(12, 3);
        // noop_with_empty_axes: the input unchanged.
        OpRun noop = OpRun("ReduceSum", { intAttr("noop_with_empty_axes", 1) },
            { tensorOf(DataType::Float, shape, x), tensorOf(DataType::Int64, { 0 }, {}) });
        auto out = runOp(noop);
        QCOMPARE(out[0]->dims, shape);
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), x, 0, 0);
        // ReduceSumSquare with noop squares each element (reduces over no axes).
        noop.op = "ReduceSumSquare";
        noop.opset = 18;
        out = runOp(noop);
        auto sq = x;
        for (auto& v : sq)
            v = double(float(v) * float(v));
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), sq, 1e-7, 1e-6);
        // Empty axes without noop: everything.
        OpRun all = OpRun("ReduceMax", { intAttr("keepdims", 1) },
            { tensorOf(DataType::Float, shape, x), tensorOf(DataType::Int64, { 0 }, {}) });
        all.opset = 18;
        out = runOp(all);
        QCOMPARE(out[0]->dims, (std::vector<std::int64_t> { 1, 1 }));
        QCOMPARE(valuesOf(*out[0])[0], *std::max_element(x.begin(), x.end()));
    }

    void reduceZeroSized()
    {
        // Reducing over an empty dim gives the op's identity.
        OpRun sum = OpRun("ReduceSum", { intAttr("keepdims", 0) },
            { tensorOf(DataType::Float, { 0, 3 }, {}), tensorOf(DataType::Int64, { 1 }, { 0 }) });
        auto out = runOp(sum);
        QCOMPARE(out[0]->dims, (std::vector<std::int64_t> { 3 }));
        QCOMPARE(valuesOf(*out[0]), (std::vector<double> { 0, 0, 0 }));
        // An empty output.
        OpRun empty = OpRun("ReduceMean", { intAttr("keepdims", 1) },
            { tensorOf(DataType::Float, { 0, 3 }, {}), tensorOf(DataType::Int64, { 1 }, { 1 }) });
        empty.opset = 18;
        out = runOp(empty);
        QCOMPARE(out[0]->dims, (std::vector<std::int64_t> { 0, 1 }));
    }

    void argMaxMin()
    {
        std::mt19937 rng(42);
        for (int iter = 0; iter < 24; ++iter) {
            int rank = std::uniform_int_distribution<int>(1, 4)(rng);
            auto shape = randomShape(rng, rank, 7);
            auto axis = std::size_t(rng() % std::uint32_t(rank));
            bool min = iter % 2, last = (iter / 2) % 2, keep = (iter / 4) % 2;
            bool ints = iter % 3 == 0;
            // Small integers make ties, which select_last_index decides.
            auto x = ints ? randomInts(countOf(shape), rng(), 0, 3) : randomValues(countOf(shape), rng());
            OpRun run = OpRun(min ? "ArgMin" : "ArgMax",
                { intAttr("axis", rng() % 2 ? std::int64_t(axis) : std::int64_t(axis) - rank),
                    intAttr("keepdims", keep), intAttr("select_last_index", last) },
                { tensorOf(ints ? DataType::Int64 : DataType::Float, shape, x) });
            auto out = runOp(run);
            View v = viewAt(shape, axis);
            std::vector<double> expect;
            for (std::size_t a = 0; a < v.outer; ++a)
                for (std::size_t b = 0; b < v.inner; ++b) {
                    std::size_t best = 0;
                    for (std::size_t j = 1; j < v.r; ++j) {
                        double cur = x[(a * v.r + j) * v.inner + b], bv = x[(a * v.r + best) * v.inner + b];
                        bool better = min ? (last ? cur <= bv : cur < bv) : (last ? cur >= bv : cur > bv);
                        if (better)
                            best = j;
                    }
                    expect.push_back(double(best));
                }
            std::vector<bool> reduced(std::size_t(rank), false);
            reduced[axis] = true;
            QCOMPARE(out[0]->dataType, DataType::Int64);
            QCOMPARE(out[0]->dims, keptShape(shape, reduced, keep));
            NODUS_COMPARE_VALUES(valuesOf(*out[0]), expect, 0, 0);
        }
    }

    void softmax_data()
    {
        QTest::addColumn<QString>("op");
        QTest::addColumn<int>("opset");
        for (const char* op : { "Softmax", "LogSoftmax", "Hardmax" })
            for (int opset : { 11, 13 })
                QTest::addRow("%s-opset%d", op, opset) << QString(op) << opset;
    }

    void softmax()
    {
        QFETCH(QString, op);
        QFETCH(int, opset);
        int mode = op == "Softmax" ? 0 : op == "LogSoftmax" ? 1 : 2;
        std::mt19937 rng(std::uint32_t(7 + mode * 5 + opset));
        for (int iter = 0; iter < 10; ++iter) {
            int rank = std::uniform_int_distribution<int>(1, 4)(rng);
            auto shape = randomShape(rng, rank, 9);
            auto axis = std::size_t(rng() % std::uint32_t(rank));
            // Large values: the max subtraction must keep exp finite.
            auto x = randomValues(countOf(shape), rng(), -50, 50);
            OpRun run = OpRun(op.toStdString(), { intAttr("axis", std::int64_t(axis) - (iter % 2 ? rank : 0)) },
                { tensorOf(DataType::Float, shape, x) });
            run.opset = opset;
            auto out = runOp(run);
            View v = viewAt(shape, axis);
            if (opset < 13) { // flattened to 2-D at the axis
                v.r *= v.inner;
                v.inner = 1;
            }
            QCOMPARE(out[0]->dims, shape);
            NODUS_COMPARE_VALUES(valuesOf(*out[0]), refSoftmax(x, v.outer, v.r, v.inner, mode), 1e-6, 1e-5);
        }
    }

    // Few long lines: Softmax, ArgMax, TopK and CumSum split them into
    // chunks; lines beyond 65535 elements also check that no invocation
    // loops past lavapipe's limit (where loops silently stop).
    void longLines()
    {
        struct Case {
            std::vector<std::int64_t> shape;
            std::size_t axis;
        };
        for (const Case& c : { Case { { 2, 5000 }, 1 }, Case { { 9000 }, 0 }, Case { { 2, 4100, 3 }, 1 },
                 Case { { 70000 }, 0 }, Case { { 3, 70000 }, 1 } }) {
            View v = viewAt(c.shape, c.axis);
            auto x = randomValues(countOf(c.shape), 21, -20, 20);
            for (int mode = 0; mode < 3; ++mode) {
                const char* op = mode == 0 ? "Softmax" : mode == 1 ? "LogSoftmax" : "Hardmax";
                auto out = runOp(
                    OpRun(op, { intAttr("axis", std::int64_t(c.axis)) }, { tensorOf(DataType::Float, c.shape, x) }));
                NODUS_COMPARE_VALUES(valuesOf(*out[0]), refSoftmax(x, v.outer, v.r, v.inner, mode), 1e-6, 1e-4);
            }
            // Small integers: ties across chunks, decided by select_last_index.
            auto ints = randomInts(x.size(), 22, 0, 50);
            for (bool min : { false, true })
                for (bool last : { false, true }) {
                    auto out = runOp(OpRun(min ? "ArgMin" : "ArgMax",
                        { intAttr("axis", std::int64_t(c.axis)), intAttr("select_last_index", last) },
                        { tensorOf(DataType::Int32, c.shape, ints) }));
                    std::vector<double> expect;
                    for (std::size_t a = 0; a < v.outer; ++a)
                        for (std::size_t b = 0; b < v.inner; ++b) {
                            std::size_t best = 0;
                            for (std::size_t j = 1; j < v.r; ++j) {
                                double cur = ints[(a * v.r + j) * v.inner + b],
                                       bv = ints[(a * v.r + best) * v.inner + b];
                                if (min ? (last ? cur <= bv : cur < bv) : (last ? cur >= bv : cur > bv))
                                    best = j;
                            }
                            expect.push_back(double(best));
                        }
                    NODUS_COMPARE_VALUES(valuesOf(*out[0]), expect, 0, 0);
                }
            for (bool reverse : { false, true }) {
                auto out = runOp(OpRun("CumSum", { intAttr("reverse", reverse) },
                    { tensorOf(DataType::Int32, c.shape, ints), tensorOf(DataType::Int64, {}, { double(c.axis) }) }));
                std::vector<double> expect(ints.size());
                for (std::size_t a = 0; a < v.outer; ++a)
                    for (std::size_t b = 0; b < v.inner; ++b) {
                        double acc = 0;
                        for (std::size_t s = 0; s < v.r; ++s) {
                            std::size_t at = (a * v.r + (reverse ? v.r - 1 - s : s)) * v.inner + b;
                            acc += ints[at];
                            expect[at] = acc;
                        }
                    }
                NODUS_COMPARE_VALUES(valuesOf(*out[0]), expect, 0, 0);
            }
            // k = 2000 is past the device path's loop budget: the host sorts.
            for (std::int64_t k : { 1, 10, 300, 2000 })
                for (bool largest : { true, false }) {
                    auto out = runOp(OpRun("TopK",
                        { intAttr("axis", std::int64_t(c.axis)), intAttr("largest", largest) },
                        { tensorOf(DataType::Int32, c.shape, ints), tensorOf(DataType::Int64, { 1 }, { double(k) }) },
                        2));
                    std::vector<double> values, indices;
                    auto outShape = c.shape;
                    outShape[c.axis] = k;
                    values.resize(countOf(outShape));
                    indices.resize(countOf(outShape));
                    for (std::size_t a = 0; a < v.outer; ++a)
                        for (std::size_t b = 0; b < v.inner; ++b) {
                            std::vector<std::size_t> order(v.r);
                            std::iota(order.begin(), order.end(), 0);
                            auto at = [&](std::size_t j) { return ints[(a * v.r + j) * v.inner + b]; };
                            std::stable_sort(order.begin(), order.end(),
                                [&](std::size_t p, std::size_t q) { return largest ? at(p) > at(q) : at(p) < at(q); });
                            for (std::size_t j = 0; j < std::size_t(k); ++j) {
                                values[(a * std::size_t(k) + j) * v.inner + b] = at(order[j]);
                                indices[(a * std::size_t(k) + j) * v.inner + b] = double(order[j]);
                            }
                        }
                    NODUS_COMPARE_VALUES(valuesOf(*out[0]), values, 0, 0);
                    NODUS_COMPARE_VALUES(valuesOf(*out[1]), indices, 0, 0);
                }
        }
    }

    void cumSum()
    {
        std::mt19937 rng(9);
        for (int iter = 0; iter < 16; ++iter) {
            int rank = std::uniform_int_distribution<int>(1, 4)(rng);
            auto shape = randomShape(rng, rank, 7);
            auto axis = std::size_t(rng() % std::uint32_t(rank));
            bool exclusive = iter % 2, reverse = (iter / 2) % 2;
            DataType type = iter % 3 == 0 ? DataType::Int64 : iter % 3 == 1 ? DataType::Int32 : DataType::Float;
            auto x = type == DataType::Float ? randomValues(countOf(shape), rng())
                                             : randomInts(countOf(shape), rng(), -9, 9);
            OpRun run = OpRun("CumSum", { intAttr("exclusive", exclusive), intAttr("reverse", reverse) },
                { tensorOf(type, shape, x),
                    tensorOf(iter % 2 ? DataType::Int32 : DataType::Int64, {},
                        { double(axis) - (iter % 4 < 2 ? 0 : rank) }) });
            run.opset = 14;
            auto out = runOp(run);
            View v = viewAt(shape, axis);
            std::vector<double> expect(x.size());
            for (std::size_t a = 0; a < v.outer; ++a)
                for (std::size_t b = 0; b < v.inner; ++b) {
                    double acc = 0;
                    for (std::size_t s = 0; s < v.r; ++s) {
                        std::size_t j = reverse ? v.r - 1 - s : s;
                        std::size_t at = (a * v.r + j) * v.inner + b;
                        if (exclusive) {
                            expect[at] = acc;
                            acc += x[at];
                        } else {
                            acc += x[at];
                            expect[at] = acc;
                        }
                    }
                }
            QCOMPARE(out[0]->dataType, type);
            NODUS_COMPARE_VALUES(valuesOf(*out[0]), expect, 1e-5, 1e-5);
        }
    }

    void topK()
    {
        std::mt19937 rng(11);
        for (int iter = 0; iter < 20; ++iter) {
            int rank = std::uniform_int_distribution<int>(1, 3)(rng);
            auto shape = randomShape(rng, rank, 12);
            auto axis = std::size_t(rng() % std::uint32_t(rank));
            std::int64_t k = std::uniform_int_distribution<std::int64_t>(0, shape[axis])(rng);
            bool largest = iter % 2;
            bool ints = iter % 4 >= 2;
            auto x = ints ? randomInts(countOf(shape), rng(), 0, 4) : randomValues(countOf(shape), rng());
            OpRun run = OpRun("TopK", { intAttr("axis", std::int64_t(axis)), intAttr("largest", largest) },
                { tensorOf(ints ? DataType::Int32 : DataType::Float, shape, x),
                    tensorOf(DataType::Int64, { 1 }, { double(k) }) },
                2);
            auto out = runOp(run);
            View v = viewAt(shape, axis);
            auto outShape = shape;
            outShape[axis] = k;
            std::vector<double> values(countOf(outShape)), indices(countOf(outShape));
            for (std::size_t a = 0; a < v.outer; ++a)
                for (std::size_t b = 0; b < v.inner; ++b) {
                    std::vector<std::size_t> order(v.r);
                    std::iota(order.begin(), order.end(), 0);
                    auto at = [&](std::size_t j) { return x[(a * v.r + j) * v.inner + b]; };
                    // Ties: the lower index first.
                    std::stable_sort(order.begin(), order.end(),
                        [&](std::size_t p, std::size_t q) { return largest ? at(p) > at(q) : at(p) < at(q); });
                    for (std::size_t j = 0; j < std::size_t(k); ++j) {
                        values[(a * std::size_t(k) + j) * v.inner + b] = at(order[j]);
                        indices[(a * std::size_t(k) + j) * v.inner + b] = double(order[j]);
                    }
                }
            QCOMPARE(out[0]->dims, outShape);
            QCOMPARE(out[1]->dataType, DataType::Int64);
            NODUS_COMPARE_VALUES(valuesOf(*out[0]), values, 0, 0);
            NODUS_COMPARE_VALUES(valuesOf(*out[1]), indices, 0, 0);
        }
    }

    void unsignedReductions()
    {
        checkUnsignedReductions<std::uint32_t>();
        if (QTest::currentTestFailed())
            return;
        checkUnsignedReductions<std::uint64_t>();
    }

    void losses_data()
    {
        QTest::addColumn<QString>("reduction");
        QTest::addColumn<bool>("weighted");
        QTest::addColumn<bool>("ignore");
        for (const char* r : { "none", "sum", "mean" })
            for (bool w : { false, true })
                for (bool ii : { false, true })
                    QTest::addRow("%s%s%s", r, w ? "-weight" : "", ii ? "-ignore" : "") << QString(r) << w << ii;
    }

    void losses()
    {
        QFETCH(QString, reduction);
        QFETCH(bool, weighted);
        QFETCH(bool, ignore);
        std::mt19937 rng(std::uint32_t(reduction.size() * 7 + weighted * 3 + ignore));
        for (int iter = 0; iter < 4; ++iter) {
            int extra = std::uniform_int_distribution<int>(0, 2)(rng);
            auto shape = randomShape(rng, 2 + extra, 5);
            std::vector<std::int64_t> tshape = { shape[0] };
            tshape.insert(tshape.end(), shape.begin() + 2, shape.end());
            std::int64_t c = shape[1];
            std::int64_t ignoreIndex = iter % 2 ? -1 : 0;
            auto target = randomInts(countOf(tshape), rng(), 0, int(c) - 1);
            if (ignore && ignoreIndex < 0)
                for (std::size_t i = 0; i < target.size(); i += 3)
                    target[i] = -1;
            auto weight = randomValues(std::size_t(c), rng(), 0.2, 2);
            auto scores = randomValues(countOf(shape), rng(), -3, 3);
            std::vector<Attribute> attrs = { stringAttr("reduction", reduction.toStdString()) };
            if (ignore)
                attrs.push_back(intAttr("ignore_index", ignoreIndex));
            DataType ttype = iter % 2 ? DataType::Int32 : DataType::Int64;

            // NLL on given log probabilities.
            OpRun nll = OpRun("NegativeLogLikelihoodLoss", attrs,
                { tensorOf(DataType::Float, shape, scores), tensorOf(ttype, tshape, target),
                    weighted ? tensorOf(DataType::Float, { c }, weight) : nullptr });
            nll.opset = 13;
            auto out = runOp(nll);
            auto expect = refNll(
                scores, shape, target, weighted ? &weight : nullptr, ignoreIndex, ignore, reduction.toStdString());
            QCOMPARE(out[0]->dims, reduction == "none" ? tshape : std::vector<std::int64_t> {});
            NODUS_COMPARE_VALUES(valuesOf(*out[0]), expect, 1e-5, 1e-5);

            // SoftmaxCrossEntropyLoss, with its log_prob output.
            OpRun sce = OpRun("SoftmaxCrossEntropyLoss", attrs,
                { tensorOf(DataType::Float, shape, scores), tensorOf(ttype, tshape, target),
                    weighted ? tensorOf(DataType::Float, { c }, weight) : nullptr },
                2);
            sce.opset = 13;
            out = runOp(sce);
            View v = viewAt(shape, 1);
            auto logProb = refSoftmax(scores, v.outer, v.r, v.inner, 1);
            expect = refNll(
                logProb, shape, target, weighted ? &weight : nullptr, ignoreIndex, ignore, reduction.toStdString());
            NODUS_COMPARE_VALUES(valuesOf(*out[0]), expect, 1e-5, 1e-5);
            QCOMPARE(out[1]->dims, shape);
            NODUS_COMPARE_VALUES(valuesOf(*out[1]), logProb, 1e-5, 1e-5);
        }
    }
};

QTEST_GUILESS_MAIN(TestRuntimeReduce)
#include "test_runtime_reduce.moc"
