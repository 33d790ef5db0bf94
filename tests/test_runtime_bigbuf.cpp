// Tensors larger than one storage buffer binding may span
// (maxStorageBufferRange): Gather and MatMul/Gemm split them into ranges
// that fit, other kernels refuse them naming the node and the tensor. The
// limit is lowered with NODUS_MAX_BINDING_BYTES so that small tensors take
// the split paths; one real-size embedding runs with the device's own limit.
#include "runtimetest.h"

#include <chrono>
#include <cstdlib>

using namespace nodus;
using namespace nodus::test;

namespace {

using Dims = std::vector<std::int64_t>;

// Sets NODUS_MAX_BINDING_BYTES for the sessions made while it lives.
class BindingLimit {
public:
    explicit BindingLimit(std::uint64_t bytes) { qputenv("NODUS_MAX_BINDING_BYTES", QByteArray::number(bytes)); }
    ~BindingLimit() { qunsetenv("NODUS_MAX_BINDING_BYTES"); }
    BindingLimit(const BindingLimit&) = delete;
    BindingLimit& operator=(const BindingLimit&) = delete;
};

std::vector<double> refGather0(
    const std::vector<double>& table, std::int64_t rows, std::int64_t inner, const std::vector<double>& indices)
{
    std::vector<double> out;
    for (double d : indices) {
        auto r = std::int64_t(d);
        if (r < 0)
            r += rows;
        for (std::int64_t c = 0; c < inner; ++c)
            out.push_back(table[std::size_t(r * inner + c)]);
    }
    return out;
}

// Y = alpha * op(A) op(B) + beta * C (C broadcast from [N], [M, N] or none).
std::vector<double> refGemm(const std::vector<double>& a, const std::vector<double>& b, const std::vector<double>& c,
    std::int64_t M, std::int64_t N, std::int64_t K, bool transA, bool transB, double alpha, double beta, bool cRow)
{
    std::vector<double> y(std::size_t(M * N));
    for (std::int64_t m = 0; m < M; ++m)
        for (std::int64_t n = 0; n < N; ++n) {
            double s = 0;
            for (std::int64_t k = 0; k < K; ++k)
                s += a[std::size_t(transA ? k * M + m : m * K + k)] * b[std::size_t(transB ? n * K + k : k * N + n)];
            double cv = c.empty() ? 0 : c[std::size_t(cRow ? n : m * N + n)];
            y[std::size_t(m * N + n)] = alpha * s + beta * cv;
        }
    return y;
}

std::vector<double> randomIndices(std::size_t n, std::int64_t rows, std::uint32_t seed)
{
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::int64_t> d(-rows, rows - 1);
    std::vector<double> v(n);
    for (auto& x : v)
        x = double(d(rng));
    // Each end of the table, so the first and the last chunk are read.
    v[0] = 0;
    v[1] = double(rows - 1);
    v[2] = -1;
    return v;
}

// The RuntimeError `f` throws ("" when none).
template <typename F> std::string errorOf(F f)
{
    try {
        f();
    } catch (const rt::RuntimeError& e) {
        return e.what();
    }
    return {};
}

} // namespace

class TestRuntimeBigBuf : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { NODUS_REQUIRE_VULKAN(); }

    // An embedding table 3+ times the limit, gathered in row chunks: rows of
    // 24 floats (vec4 blocks), of 3 floats (chunks starting off the
    // alignment) and of int64 (two words an element).
    void gatherSplitsTable_data()
    {
        QTest::addColumn<int>("type");
        QTest::addColumn<qint64>("inner");
        QTest::newRow("float rows of 24") << int(DataType::Float) << qint64(24);
        QTest::newRow("float rows of 3") << int(DataType::Float) << qint64(3);
        QTest::newRow("int64 rows of 6") << int(DataType::Int64) << qint64(6);
    }
    void gatherSplitsTable()
    {
        QFETCH(int, type);
        QFETCH(qint64, inner);
        auto dt = DataType(type);
        std::int64_t rows = 1000;
        std::uint64_t tableBytes = std::uint64_t(rows * inner) * (dt == DataType::Int64 ? 8 : 4);
        BindingLimit limit(tableBytes / 3 - 64); // 4 chunks
        std::vector<double> table = dt == DataType::Int64 ? randomIndices(std::size_t(rows * inner), 1 << 30, 7)
                                                          : randomValues(std::size_t(rows * inner), 7);
        std::vector<double> indices = randomIndices(35, rows, 11);
        auto out = runOp(OpRun(
            "Gather", {}, { tensorOf(dt, { rows, inner }, table), tensorOf(DataType::Int64, { 5, 7 }, indices) }));
        QCOMPARE(out[0]->dims, (Dims { 5, 7, inner }));
        auto expected = refGather0(table, rows, inner, indices);
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), expected, 0.0, 0.0);
    }

    // The table as a session weight: accepted before the run (Gather splits
    // axis 0), and a second run reuses it.
    void gatherSplitsWeight()
    {
        std::int64_t rows = 777, inner = 16;
        BindingLimit limit(rows * inner * 4 / 5); // 5+ chunks
        std::vector<double> table = randomValues(std::size_t(rows * inner), 3);
        std::vector<double> indices = randomIndices(12, rows, 5);
        OpRun run("Gather", {},
            { tensorOf(DataType::Float, { rows, inner }, table), tensorOf(DataType::Int32, { 12 }, indices) });
        auto model = weightModel(run, { true, false });
        auto out = runWeightModel(model, run, { true, false });
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), refGather0(table, rows, inner, indices), 0.0, 0.0);
    }

    // MatMul with B [K, N] split along K into 3+ row chunks, A with batch
    // dims stacked into rows.
    void matmulSplitsK()
    {
        std::int64_t K = 200, N = 50;
        BindingLimit limit(16384); // 80 rows of B a chunk: 3 chunks
        auto a = randomValues(std::size_t(2 * 3 * K), 21);
        auto b = randomValues(std::size_t(K * N), 22);
        auto out = runOp(
            OpRun("MatMul", {}, { tensorOf(DataType::Float, { 2, 3, K }, a), tensorOf(DataType::Float, { K, N }, b) }));
        QCOMPARE(out[0]->dims, (Dims { 2, 3, N }));
        auto expected = refGemm(a, b, {}, 6, N, K, false, false, 1, 0, false);
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), expected, 1e-4, 1e-4);
    }

    // Gemm with a big B, every layout: transB = 0 splits K (C, alpha and
    // beta in the first chunk), transB = 1 splits N through Y^T.
    void gemmSplits_data()
    {
        QTest::addColumn<bool>("transA");
        QTest::addColumn<bool>("transB");
        QTest::addColumn<int>("cKind"); // 0 none, 1 [N], 2 [M, N]
        QTest::newRow("B, C [N]") << false << false << 1;
        QTest::newRow("A^T, B, C [M,N]") << true << false << 2;
        QTest::newRow("B^T, C [N]") << false << true << 1;
        QTest::newRow("B^T, C [M,N]") << false << true << 2;
        QTest::newRow("A^T, B^T, no C") << true << true << 0;
    }
    void gemmSplits()
    {
        QFETCH(bool, transA);
        QFETCH(bool, transB);
        QFETCH(int, cKind);
        std::int64_t M = 5, K = 200, N = 50;
        BindingLimit limit(16384); // B is 40000 bytes: 3 or 4 chunks
        auto a = randomValues(std::size_t(M * K), 31);
        auto b = randomValues(std::size_t(K * N), 32);
        std::vector<double> c
            = cKind == 0 ? std::vector<double> {} : randomValues(std::size_t(cKind == 1 ? N : M * N), 33);
        std::vector<std::shared_ptr<Tensor>> inputs { tensorOf(
                                                          DataType::Float, transA ? Dims { K, M } : Dims { M, K }, a),
            tensorOf(DataType::Float, transB ? Dims { N, K } : Dims { K, N }, b) };
        if (cKind)
            inputs.push_back(tensorOf(DataType::Float, cKind == 1 ? Dims { N } : Dims { M, N }, c));
        OpRun run("Gemm",
            { intAttr("transA", transA), intAttr("transB", transB), floatAttr("alpha", 0.5), floatAttr("beta", 2.0) },
            inputs);
        auto model = weightModel(run, { false, true, true });
        auto out = runWeightModel(model, run, { false, true, true });
        QCOMPARE(out[0]->dims, (Dims { M, N }));
        auto expected = refGemm(a, b, c, M, N, K, transA, transB, 0.5, 2.0, cKind == 1);
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), expected, 1e-4, 1e-4);
    }

    // A value over the limit bound by a kernel that does not split it:
    // refused when the kernel binds it, naming the node, the tensor, its
    // size and the limit.
    void refusesOversizedActivation()
    {
        BindingLimit limit(16384);
        auto x = randomValues(100 * 100, 41);
        std::string e = errorOf([&] { runOp(OpRun("Softmax", {}, { tensorOf(DataType::Float, { 100, 100 }, x) })); });
        QVERIFY2(e.find("Softmax 'Softmax_node'") != std::string::npos, e.c_str());
        QVERIFY2(e.find(" of 0.04 MiB = 40000 bytes is larger than") != std::string::npos, e.c_str());
        QVERIFY2(e.find("(0.02 MiB = 16384 bytes,") != std::string::npos, e.c_str());
        QVERIFY2(e.find("NODUS_MAX_BINDING_BYTES") != std::string::npos, e.c_str());
        // Below the limit the same op runs.
        BindingLimit wide(1 << 20);
        QVERIFY(errorOf([&] { runOp(OpRun("Softmax", {}, { tensorOf(DataType::Float, { 100, 100 }, x) })); }).empty());
    }

    // A weight over the limit read by a kernel that does not split it, or
    // by Gather along another axis: refused when the session is made.
    void refusesOversizedWeightBeforeRun()
    {
        BindingLimit limit(1 << 20);
        auto w = randomValues(300 * 1000, 42);
        {
            OpRun run("Transpose", {}, { tensorOf(DataType::Float, { 300, 1000 }, w) });
            auto model = weightModel(run, { true });
            std::string e = errorOf([&] { rt::Session session(model); });
            QVERIFY2(e.find("Transpose 'Transpose_node': input 'in0' of 1.14 MiB") != std::string::npos, e.c_str());
            QVERIFY2(e.find("(1.00 MiB, maxStorageBufferRange") != std::string::npos, e.c_str());
        }
        {
            OpRun run("Gather", { intAttr("axis", 1) },
                { tensorOf(DataType::Float, { 300, 1000 }, w), tensorOf(DataType::Int64, { 2 }, { 0, 1 }) });
            auto model = weightModel(run, { true, false });
            std::string e = errorOf([&] { rt::Session session(model); });
            QVERIFY2(e.find("Gather 'Gather_node': input 'in0' of 1.14 MiB") != std::string::npos, e.c_str());
        }
    }

    // GPT-2's token embedding, 50257 x 768 float32 (147 MiB), with the
    // device's own limit (128 MiB on lavapipe: two chunks there).
    void realSizeEmbedding()
    {
        std::int64_t rows = 50257, inner = 768;
        auto t = std::make_shared<Tensor>();
        t->dataType = DataType::Float;
        t->dims = { rows, inner };
        std::vector<std::byte> bytes(std::size_t(rows * inner) * 4);
        auto value = [](std::int64_t r, std::int64_t c) { return float(r % 4099) + float(c) / 1024.0f; };
        float* f = reinterpret_cast<float*>(bytes.data());
        for (std::int64_t r = 0; r < rows; ++r)
            for (std::int64_t c = 0; c < inner; ++c)
                f[r * inner + c] = value(r, c);
        t->data = std::make_shared<OwnedTensorData>(std::move(bytes));
        std::vector<double> indices { 0, 50256, 31000, 45000, 12, -2, 43690, 1 };
        OpRun run("Gather", {}, { t, tensorOf(DataType::Int64, { 8 }, indices) });
        auto model = weightModel(run, { true, false });
        auto start = std::chrono::steady_clock::now();
        auto out = runWeightModel(model, run, { true, false });
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        qInfo("150 MB Gather: %.2f s", seconds);
        auto got = valuesOf(*out[0]);
        QCOMPARE(got.size(), std::size_t(8 * inner));
        for (std::size_t i = 0; i < indices.size(); ++i) {
            auto r = std::int64_t(indices[i]) < 0 ? rows + std::int64_t(indices[i]) : std::int64_t(indices[i]);
            for (std::int64_t c = 0; c < inner; ++c)
                QCOMPARE(got[i * std::size_t(inner) + std::size_t(c)], double(value(r, c)));
        }
    }
};

QTEST_GUILESS_MAIN(TestRuntimeBigBuf)
#include "test_runtime_bigbuf.moc"
