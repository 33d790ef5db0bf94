// Element-wise kernels against plain C++ references on random shapes:
// unary math and activations, broadcast arithmetic and comparisons in
// float32, int32 and int64, Where, Clip, Cast, variadic ops.
#include "runtimetest.h"

#include <functional>

using namespace nodus;
using namespace nodus::test;

namespace {

std::vector<std::int64_t> anyShape(std::mt19937& rng, int maxRank = 4, int maxDim = 9)
{
    std::uniform_int_distribution<int> rank(0, maxRank), dim(1, maxDim);
    std::vector<std::int64_t> s(rank(rng));
    for (auto& d : s)
        d = dim(rng);
    return s;
}

// `s` with some dims set to 1 and some leading dims dropped: broadcastable to s.
std::vector<std::int64_t> broadcastable(std::mt19937& rng, std::vector<std::int64_t> s)
{
    std::uniform_int_distribution<int> coin(0, 2);
    for (auto& d : s)
        if (coin(rng) == 0)
            d = 1;
    std::size_t drop = s.empty() ? 0 : std::size_t(std::uniform_int_distribution<int>(0, int(s.size()))(rng));
    return std::vector<std::int64_t>(s.begin() + std::ptrdiff_t(drop), s.end());
}

// Reference broadcast: the element of `in` (shape `ins`) read by output index i.
std::size_t sourceIndex(std::size_t i, const std::vector<std::int64_t>& out, const std::vector<std::int64_t>& ins)
{
    std::size_t src = 0, stride = 1;
    for (std::size_t d = out.size(); d-- > 0;) {
        std::size_t c = i % std::size_t(out[d]);
        i /= std::size_t(out[d]);
        std::ptrdiff_t k = std::ptrdiff_t(d) - std::ptrdiff_t(out.size() - ins.size());
        if (k >= 0) {
            if (ins[std::size_t(k)] != 1)
                src += c * stride;
            stride *= std::size_t(ins[std::size_t(k)]);
        }
    }
    return src;
}

// Values that straddle the sign bit of U's signed twin: a signed compare,
// division or conversion of their bits gets them wrong.
template <class U> std::vector<U> straddling()
{
    constexpr U top = U(1) << (8 * sizeof(U) - 1);
    return { 0, 1, 2, 3, U(top - 2), U(top - 1), top, U(top + 1), U(~U(0) - 1), U(~U(0)) };
}

template <class U> DataType unsignedType()
{
    return sizeof(U) == 4 ? DataType::UInt32 : DataType::UInt64;
}

// Element-wise ops of uint32 / uint64 over every pair of straddling values
// ([n, 1] against [n], general broadcasting), against C++ on U.
template <class U> void checkUnsignedBinary()
{
    const DataType t = unsignedType<U>();
    const auto v = straddling<U>();
    const auto n = std::int64_t(v.size());
    std::vector<U> divisors(v.begin() + 1, v.end()); // integer division by zero is undefined
    auto pairs = [&](const std::vector<U>& b, auto f) {
        std::vector<decltype(f(U(), U()))> want;
        for (U x : v)
            for (U y : b)
                want.push_back(f(x, y));
        return want;
    };
    auto run2 = [&](const char* op, const std::vector<U>& b, std::vector<Attribute> attrs = {}) {
        return runOp(
            { op, std::move(attrs), { rawTensor(t, { n, 1 }, v), rawTensor(t, { std::int64_t(b.size()) }, b) } })[0];
    };
    struct Cmp {
        const char* op;
        std::function<bool(U, U)> f;
    };
    for (const Cmp& c : { Cmp { "Less", std::less<U>() }, Cmp { "Greater", std::greater<U>() },
             Cmp { "LessOrEqual", std::less_equal<U>() }, Cmp { "GreaterOrEqual", std::greater_equal<U>() },
             Cmp { "Equal", std::equal_to<U>() } }) {
        auto got = run2(c.op, v);
        QCOMPARE(got->dataType, DataType::Bool);
        std::vector<std::uint8_t> want;
        for (bool b : pairs(v, c.f))
            want.push_back(b);
        QVERIFY2(rawValues<std::uint8_t>(*got) == want, c.op);
    }
    auto same = [](const std::shared_ptr<Tensor>& got, const std::vector<U>& want, const char* what) {
        auto g = rawValues<U>(*got);
        QCOMPARE(g.size(), want.size());
        for (std::size_t i = 0; i < g.size(); ++i)
            if (g[i] != want[i])
                QFAIL(qPrintable(QString("%1 index %2: got %3, expected %4").arg(what).arg(i).arg(g[i]).arg(want[i])));
    };
    same(run2("Min", v), pairs(v, [](U x, U y) { return std::min(x, y); }), "Min");
    same(run2("Max", v), pairs(v, [](U x, U y) { return std::max(x, y); }), "Max");
    same(run2("Div", divisors), pairs(divisors, [](U x, U y) { return U(x / y); }), "Div");
    same(run2("Mod", divisors), pairs(divisors, [](U x, U y) { return U(x % y); }), "Mod");
    same(run2("Mod", divisors, { intAttr("fmod", 1) }), pairs(divisors, [](U x, U y) { return U(x % y); }), "Mod fmod");
    std::vector<U> shifts = { 0, 1, 4, U(8 * sizeof(U) - 1) };
    same(run2("BitShift", shifts, { stringAttr("direction", "RIGHT") }),
        pairs(shifts, [](U x, U y) { return U(x >> y); }), "BitShift right");
    same(run2("BitShift", shifts, { stringAttr("direction", "LEFT") }),
        pairs(shifts, [](U x, U y) { return U(x << y); }), "BitShift left");

    // Variadic Max of three, one broadcast.
    std::vector<U> rev(v.rbegin(), v.rend());
    auto mx = runOp(
        { "Max", {}, { rawTensor(t, { n }, v), rawTensor(t, { n }, rev), rawTensor(t, {}, std::vector<U> { v[6] }) } });
    std::vector<U> wantMax;
    for (std::size_t i = 0; i < v.size(); ++i)
        wantMax.push_back(std::max({ v[i], rev[i], v[6] }));
    same(mx[0], wantMax, "variadic Max");
}

// Unary ops, Clip and Cast of uint32 / uint64 at the sign bit.
template <class U> void checkUnsignedUnary()
{
    const DataType t = unsignedType<U>();
    const auto v = straddling<U>();
    const auto n = std::int64_t(v.size());
    auto same = [](const std::shared_ptr<Tensor>& got, const std::vector<U>& want, const char* what) {
        auto g = rawValues<U>(*got);
        QCOMPARE(g.size(), want.size());
        for (std::size_t i = 0; i < g.size(); ++i)
            if (g[i] != want[i])
                QFAIL(qPrintable(QString("%1 index %2: got %3, expected %4").arg(what).arg(i).arg(g[i]).arg(want[i])));
    };
    auto x = rawTensor(t, { n }, v);
    same(runOp({ "Relu", {}, { x } })[0], v, "Relu");
    same(runOp({ "Abs", {}, { x } })[0], v, "Abs");
    std::vector<U> sign;
    for (U e : v)
        sign.push_back(e != 0);
    same(runOp({ "Sign", {}, { x } })[0], sign, "Sign");

    constexpr U top = U(1) << (8 * sizeof(U) - 1);
    U lo = U(top - 1), hi = U(~U(0) - 1);
    auto clipped = runOp(
        { "Clip", {}, { x, rawTensor(t, {}, std::vector<U> { lo }), rawTensor(t, {}, std::vector<U> { hi }) } });
    std::vector<U> wantClip, wantLow;
    for (U e : v) {
        wantClip.push_back(std::clamp(e, lo, hi));
        wantLow.push_back(std::max(e, top));
    }
    same(clipped[0], wantClip, "Clip");
    same(runOp({ "Clip", {}, { x, rawTensor(t, {}, std::vector<U> { top }) } })[0], wantLow, "Clip min only");
    same(runOp({ "Clip", {}, { x } })[0], v, "Clip without bounds");

    // To float: 2^32 - 1 rounds to 4294967296, not -1.
    auto f = runOp({ "Cast", { intAttr("to", int(DataType::Float)) }, { x } });
    auto gf = rawValues<float>(*f[0]);
    for (std::size_t i = 0; i < v.size(); ++i)
        QCOMPARE(gf[i], float(v[i]));
    // To int64 (zero-extended) and back from float.
    auto wide = runOp({ "Cast", { intAttr("to", int(DataType::Int64)) }, { x } });
    auto gw = rawValues<std::int64_t>(*wide[0]);
    for (std::size_t i = 0; i < v.size(); ++i)
        QCOMPARE(gw[i], std::int64_t(v[i]));
    std::vector<float> floats
        = { 0.0f, 1.0f, 3.0f, float(top), float(top) * 1.5f, std::nextafter(float(top) * 2.0f, 0.0f) };
    auto back = runOp({ "Cast", { intAttr("to", int(t)) }, { rawTensor(DataType::Float, { 6 }, floats) } });
    std::vector<U> wantBack;
    for (float e : floats)
        wantBack.push_back(U(e));
    same(back[0], wantBack, "Cast from float");
}
} // namespace

class TestRuntimeElementwise : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { NODUS_REQUIRE_VULKAN(); }

    void unaryFloat_data()
    {
        QTest::addColumn<QString>("op");
        for (const char* op : { "Abs", "Neg", "Exp", "Log", "Sqrt", "Reciprocal", "Sin", "Cos", "Tanh", "Sigmoid",
                 "Relu", "Erf", "Floor", "Ceil", "Round", "Softplus", "Softsign", "Elu", "LeakyRelu", "HardSigmoid",
                 "HardSwish", "Selu", "Atan", "Sign", "Gelu" })
            QTest::newRow(op) << QString(op);
    }
    void unaryFloat()
    {
        QFETCH(QString, op);
        std::map<QString, std::function<double(double)>> ref = {
            { "Abs", [](double x) { return std::abs(x); } },
            { "Neg", [](double x) { return -x; } },
            { "Exp", [](double x) { return std::exp(x); } },
            { "Log", [](double x) { return std::log(x); } },
            { "Sqrt", [](double x) { return std::sqrt(x); } },
            { "Reciprocal", [](double x) { return 1 / x; } },
            { "Sin", [](double x) { return std::sin(x); } },
            { "Cos", [](double x) { return std::cos(x); } },
            { "Tanh", [](double x) { return std::tanh(x); } },
            { "Sigmoid", [](double x) { return 1 / (1 + std::exp(-x)); } },
            { "Relu", [](double x) { return std::max(x, 0.0); } },
            { "Erf", [](double x) { return std::erf(x); } },
            { "Floor", [](double x) { return std::floor(x); } },
            { "Ceil", [](double x) { return std::ceil(x); } },
            { "Round", [](double x) { return std::nearbyint(x); } },
            { "Softplus", [](double x) { return std::log1p(std::exp(x)); } },
            { "Softsign", [](double x) { return x / (1 + std::abs(x)); } },
            { "Elu", [](double x) { return x >= 0 ? x : std::exp(x) - 1; } },
            { "LeakyRelu", [](double x) { return x >= 0 ? x : 0.01 * x; } },
            { "HardSigmoid", [](double x) { return std::clamp(0.2 * x + 0.5, 0.0, 1.0); } },
            { "HardSwish", [](double x) { return x * std::clamp(x / 6 + 0.5, 0.0, 1.0); } },
            { "Selu",
                [](double x) { return 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * (std::exp(x) - 1)); } },
            { "Atan", [](double x) { return std::atan(x); } },
            { "Sign", [](double x) { return double((x > 0) - (x < 0)); } },
            { "Gelu", [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); } },
        };
        std::mt19937 rng(qHash(op));
        for (int round = 0; round < 4; ++round) {
            auto shape = anyShape(rng);
            bool positive = op == "Log" || op == "Sqrt";
            auto x = randomValues(countOf(shape), rng(), positive ? 0.01 : -4, 4);
            if (op == "Round")
                for (auto& v : x)
                    v = std::round(v * 2) / 2; // exercise halves: round to even
            auto out = runOp({ op.toStdString(), {}, { tensorOf(DataType::Float, shape, x) } });
            std::vector<double> want;
            for (double v : x)
                want.push_back(float(ref[op](float(v))));
            QCOMPARE(out[0]->dims, shape);
            NODUS_COMPARE_VALUES(valuesOf(*out[0]), want, 2e-6, 2e-6);
        }
    }

    void binaryBroadcast_data()
    {
        QTest::addColumn<QString>("op");
        QTest::addColumn<int>("typeCode");
        for (const char* op : { "Add", "Sub", "Mul", "Div", "Min", "Max", "Pow", "Mod" })
            for (auto t : { DataType::Float, DataType::Int32, DataType::Int64 })
                QTest::newRow(qPrintable(QString("%1 %2").arg(op).arg(dataTypeName(t).data())))
                    << QString(op) << int(t);
    }
    void binaryBroadcast()
    {
        QFETCH(QString, op);
        QFETCH(int, typeCode);
        DataType type = DataType(typeCode);
        bool fl = type == DataType::Float;
        std::mt19937 rng(qHash(op) + typeCode);
        for (int round = 0; round < 6; ++round) {
            auto shape = anyShape(rng);
            auto sa = round % 2 ? broadcastable(rng, shape) : shape;
            auto sb = broadcastable(rng, shape);
            auto a = randomValues(countOf(sa), rng(), fl ? -3 : -20, fl ? 3 : 20);
            auto b = randomValues(countOf(sb), rng(), fl ? 0.5 : 1, fl ? 3 : 9);
            if (!fl) {
                for (auto& v : a)
                    v = std::trunc(v);
                for (auto& v : b)
                    v = std::trunc(v) * (op == "Pow" ? 0.4 : 1), v = std::trunc(v);
            }
            if (op == "Pow" && fl)
                for (auto& v : a)
                    v = std::abs(v);
            std::vector<std::int64_t> out = sa.size() >= sb.size() ? sa : sb;
            for (std::size_t d = 0; d < out.size(); ++d) {
                std::ptrdiff_t ka = std::ptrdiff_t(d) - std::ptrdiff_t(out.size() - sa.size());
                std::ptrdiff_t kb = std::ptrdiff_t(d) - std::ptrdiff_t(out.size() - sb.size());
                out[d] = std::max(ka >= 0 ? sa[std::size_t(ka)] : 1, kb >= 0 ? sb[std::size_t(kb)] : 1);
            }
            auto res = runOp({ op.toStdString(), {}, { tensorOf(type, sa, a), tensorOf(type, sb, b) } });
            QCOMPARE(res[0]->dims, out);
            std::vector<double> want(countOf(out));
            for (std::size_t i = 0; i < want.size(); ++i) {
                double x = a[sourceIndex(i, out, sa)], y = b[sourceIndex(i, out, sb)];
                double r = 0;
                if (op == "Add")
                    r = x + y;
                if (op == "Sub")
                    r = x - y;
                if (op == "Mul")
                    r = x * y;
                if (op == "Div")
                    r = fl ? float(x) / float(y) : std::trunc(x / y);
                if (op == "Min")
                    r = std::min(x, y);
                if (op == "Max")
                    r = std::max(x, y);
                if (op == "Pow")
                    r = fl ? std::pow(float(x), float(y)) : std::pow(x, y);
                if (op == "Mod")
                    r = fl ? x - y * std::floor(x / y)
                           : double(((std::int64_t(x) % std::int64_t(y)) + std::int64_t(y)) % std::int64_t(y));
                want[i] = fl ? double(float(r)) : r;
            }
            NODUS_COMPARE_VALUES(valuesOf(*res[0]), want, fl ? 1e-5 : 0, fl ? 1e-5 : 0);
        }
    }

    void compareAndWhere()
    {
        std::mt19937 rng(5);
        for (int round = 0; round < 6; ++round) {
            auto shape = anyShape(rng);
            auto sb = broadcastable(rng, shape);
            auto a = randomValues(countOf(shape), rng(), -2, 2);
            auto b = randomValues(countOf(sb), rng(), -2, 2);
            for (auto& v : a)
                v = std::round(v);
            for (auto& v : b)
                v = std::round(v);
            auto less
                = runOp({ "Less", {}, { tensorOf(DataType::Int64, shape, a), tensorOf(DataType::Int64, sb, b) } });
            auto eq = runOp({ "Equal", {}, { tensorOf(DataType::Float, shape, a), tensorOf(DataType::Float, sb, b) } });
            QCOMPARE(less[0]->dataType, DataType::Bool);
            std::vector<double> wl, we;
            for (std::size_t i = 0; i < countOf(shape); ++i) {
                wl.push_back(a[i] < b[sourceIndex(i, shape, sb)]);
                we.push_back(a[i] == b[sourceIndex(i, shape, sb)]);
            }
            NODUS_COMPARE_VALUES(valuesOf(*less[0]), wl, 0, 0);
            NODUS_COMPARE_VALUES(valuesOf(*eq[0]), we, 0, 0);
            auto w = runOp(
                { "Where", {}, { less[0], tensorOf(DataType::Float, shape, a), tensorOf(DataType::Float, sb, b) } });
            std::vector<double> ww;
            for (std::size_t i = 0; i < countOf(shape); ++i)
                ww.push_back(wl[i] ? a[i] : b[sourceIndex(i, shape, sb)]);
            NODUS_COMPARE_VALUES(valuesOf(*w[0]), ww, 0, 0);
        }
    }

    void clipAndVariadic()
    {
        std::mt19937 rng(9);
        auto shape = anyShape(rng, 3, 20);
        auto x = randomValues(countOf(shape), 1, -3, 3);
        auto lo = tensorOf(DataType::Float, {}, { -0.5 });
        auto hi = tensorOf(DataType::Float, {}, { 1.25 });
        auto c = runOp({ "Clip", {}, { tensorOf(DataType::Float, shape, x), lo, hi } });
        std::vector<double> wc;
        for (double v : x)
            wc.push_back(std::clamp(v, -0.5, 1.25));
        NODUS_COMPARE_VALUES(valuesOf(*c[0]), wc, 0, 0);
        auto y = randomValues(countOf(shape), 2, -3, 3);
        auto z = randomValues(1, 3, -3, 3);
        auto mean = runOp({ "Mean", {},
            { tensorOf(DataType::Float, shape, x), tensorOf(DataType::Float, shape, y),
                tensorOf(DataType::Float, {}, z) } });
        auto mx = runOp({ "Max", {}, { tensorOf(DataType::Float, shape, x), tensorOf(DataType::Float, shape, y) } });
        std::vector<double> wm, wx;
        for (std::size_t i = 0; i < x.size(); ++i) {
            wm.push_back((x[i] + y[i] + z[0]) / 3);
            wx.push_back(std::max(x[i], y[i]));
        }
        NODUS_COMPARE_VALUES(valuesOf(*mean[0]), wm, 1e-6, 1e-6);
        NODUS_COMPARE_VALUES(valuesOf(*mx[0]), wx, 0, 0);
    }

    void castRoundsAndWraps()
    {
        std::vector<double> x = { 1.5, -2.7, 300.25, 65504.0, 1e-8, 0.1, -129.9, 0 };
        auto f16
            = runOp({ "Cast", { intAttr("to", int(DataType::Float16)) }, { tensorOf(DataType::Float, { 8 }, x) } });
        QCOMPARE(f16[0]->dataType, DataType::Float16);
        auto back = valuesOf(*f16[0]);
        QCOMPARE(back[5], double(float16ToFloat(0x2E66))); // 0.1 in float16
        QCOMPARE(back[3], 65504.0);
        auto i8 = runOp({ "Cast", { intAttr("to", int(DataType::Int8)) }, { tensorOf(DataType::Float, { 8 }, x) } });
        // float -> int8 truncates toward zero, then wraps as numpy does.
        std::vector<double> want
            = { 1, -2, double(std::int8_t(300)), double(std::int8_t(65504)), 0, 0, double(std::int8_t(-129)), 0 };
        NODUS_COMPARE_VALUES(valuesOf(*i8[0]), want, 0, 0);
        auto i64 = runOp({ "Cast", { intAttr("to", int(DataType::Int64)) },
            { tensorOf(DataType::Int32, { 3 }, { -5, 7, 2147483647 }) } });
        NODUS_COMPARE_VALUES(valuesOf(*i64[0]), (std::vector<double> { -5, 7, 2147483647 }), 0, 0);
        auto b = runOp({ "Cast", { intAttr("to", int(DataType::Bool)) }, { tensorOf(DataType::Float, { 8 }, x) } });
        NODUS_COMPARE_VALUES(valuesOf(*b[0]), (std::vector<double> { 1, 1, 1, 1, 1, 1, 1, 0 }), 0, 0);
    }

    void unsignedBinaryAndCompare()
    {
        checkUnsignedBinary<std::uint32_t>();
        if (QTest::currentTestFailed())
            return;
        checkUnsignedBinary<std::uint64_t>();
    }

    void unsignedUnaryClipCast()
    {
        checkUnsignedUnary<std::uint32_t>();
        if (QTest::currentTestFailed())
            return;
        checkUnsignedUnary<std::uint64_t>();
    }

    void signedKeepsSignedOrder()
    {
        // The same bit patterns as int32 / int64 still compare, divide and
        // shift as signed.
        auto a = rawTensor(DataType::Int32, { 3 }, std::vector<std::int32_t> { -1, INT32_MIN, 7 });
        auto b = rawTensor(DataType::Int32, { 3 }, std::vector<std::int32_t> { 1, 1, -2 });
        QCOMPARE(rawValues<std::uint8_t>(*runOp({ "Less", {}, { a, b } })[0]), (std::vector<std::uint8_t> { 1, 1, 0 }));
        QCOMPARE(rawValues<std::int32_t>(*runOp({ "Max", {}, { a, b } })[0]), (std::vector<std::int32_t> { 1, 1, 7 }));
        QCOMPARE(rawValues<std::int32_t>(*runOp({ "Div", {}, { a, b } })[0]),
            (std::vector<std::int32_t> { -1, INT32_MIN, -3 }));
        QCOMPARE(rawValues<std::int32_t>(*runOp({ "Relu", {}, { a } })[0]), (std::vector<std::int32_t> { 0, 0, 7 }));
        auto c = rawTensor(DataType::Int64, { 3 }, std::vector<std::int64_t> { -1, INT64_MIN, 7 });
        auto d = rawTensor(DataType::Int64, { 3 }, std::vector<std::int64_t> { 1, 1, -2 });
        QCOMPARE(
            rawValues<std::uint8_t>(*runOp({ "Greater", {}, { c, d } })[0]), (std::vector<std::uint8_t> { 0, 0, 1 }));
        QCOMPARE(rawValues<std::int64_t>(*runOp({ "Min", {}, { c, d } })[0]),
            (std::vector<std::int64_t> { -1, INT64_MIN, -2 }));
        QCOMPARE(rawValues<std::int64_t>(*runOp({ "Mod", {}, { c, d } })[0]), (std::vector<std::int64_t> { 0, 0, -1 }));
        auto lo = rawTensor(DataType::Int64, {}, std::vector<std::int64_t> { -5 });
        QCOMPARE(
            rawValues<std::int64_t>(*runOp({ "Clip", {}, { c, lo } })[0]), (std::vector<std::int64_t> { -1, -5, 7 }));
        QCOMPARE(rawValues<float>(*runOp({ "Cast", { intAttr("to", int(DataType::Float)) }, { c } })[0]),
            (std::vector<float> { -1.0f, -9223372036854775808.0f, 7.0f }));
    }

    void largeTensorsSpanManyWorkgroups()
    {
        // More than 65535 workgroups of 64: the dispatch spreads over Y.
        std::vector<std::int64_t> shape { 5, 1000, 1000 };
        auto x = randomValues(countOf(shape), 11, -1, 1);
        auto out = runOp({ "Neg", {}, { tensorOf(DataType::Float, shape, x) } });
        auto got = valuesOf(*out[0]);
        for (std::size_t i = 0; i < x.size(); i += 9973)
            QCOMPARE(got[i], -double(float(x[i])));
        QCOMPARE(got.back(), -double(float(x.back())));
    }
};

QTEST_GUILESS_MAIN(TestRuntimeElementwise)
#include "test_runtime_elementwise.moc"
