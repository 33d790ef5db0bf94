// RNN, GRU and LSTM on the Vulkan backend against a plain C++ reference of
// the ONNX equations, on random sizes: every direction, both layouts,
// sequence_lens, initial states, peepholes, linear_before_reset, clip and
// non-default activations.
#include "ortrunner.h"
#include "runtimetest.h"

#include "formats/formatregistry.h"

#include <algorithm>
#include <cctype>

using namespace nodus;
using namespace nodus::test;

namespace {

enum class Cell { Rnn, Lstm, Gru };

struct Case {
    Cell cell = Cell::Lstm;
    std::int64_t seq = 3, batch = 2, input = 4, hidden = 5;
    std::string direction = "forward";
    int layout = 0;
    bool bias = true, lens = false, initH = false, initC = false, peep = false, inputForget = false;
    int linearBeforeReset = 0;
    float clip = 0; // 0: none
    std::vector<std::string> activations; // empty: defaults
    std::vector<double> alphas, betas;
};

int gates(Cell c)
{
    return c == Cell::Lstm ? 4 : c == Cell::Gru ? 3 : 1;
}

double activate(const std::string& name, double x, double alpha, double beta)
{
    std::string n = name;
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char ch) { return char(std::tolower(ch)); });
    if (n == "sigmoid")
        return 1 / (1 + std::exp(-x));
    if (n == "tanh")
        return std::tanh(x);
    if (n == "relu")
        return std::max(x, 0.0);
    if (n == "affine")
        return alpha * x + beta;
    if (n == "leakyrelu")
        return x >= 0 ? x : alpha * x;
    if (n == "thresholdedrelu")
        return x > alpha ? x : 0;
    if (n == "scaledtanh")
        return alpha * std::tanh(beta * x);
    if (n == "hardsigmoid")
        return std::clamp(alpha * x + beta, 0.0, 1.0);
    if (n == "elu")
        return x >= 0 ? x : alpha * (std::exp(x) - 1);
    if (n == "softsign")
        return x / (1 + std::abs(x));
    if (n == "softplus")
        return std::log(1 + std::exp(x));
    qFatal("unknown activation in test");
}

struct Act {
    std::string name;
    double alpha = 0, beta = 0;
    double operator()(double x) const { return activate(name, x, alpha, beta); }
};

// Alphas and betas go to the activations that take them, in order, with
// the ONNX operators' defaults otherwise.
std::vector<Act> resolveActivations(const Case& c, int nd)
{
    std::vector<std::string> names = c.activations;
    if (names.empty())
        for (int d = 0; d < nd; ++d) {
            if (c.cell == Cell::Lstm)
                names.insert(names.end(), { "Sigmoid", "Tanh", "Tanh" });
            else if (c.cell == Cell::Gru)
                names.insert(names.end(), { "Sigmoid", "Tanh" });
            else
                names.push_back("Tanh");
        }
    std::size_t ai = 0, bi = 0;
    std::vector<Act> acts;
    for (const auto& name : names) {
        Act a { name };
        std::string n = name;
        std::transform(n.begin(), n.end(), n.begin(), [](unsigned char ch) { return char(std::tolower(ch)); });
        bool takesAlpha = n == "affine" || n == "leakyrelu" || n == "thresholdedrelu" || n == "scaledtanh"
            || n == "hardsigmoid" || n == "elu";
        bool takesBeta = n == "affine" || n == "scaledtanh" || n == "hardsigmoid";
        a.alpha = n == "leakyrelu" ? 0.01 : n == "hardsigmoid" ? 0.2 : 1.0;
        a.beta = n == "hardsigmoid" ? 0.5 : n == "scaledtanh" ? 1.0 : 0.0;
        if (takesAlpha && ai < c.alphas.size())
            a.alpha = c.alphas[ai++];
        if (takesBeta && bi < c.betas.size())
            a.beta = c.betas[bi++];
        acts.push_back(a);
    }
    return acts;
}

struct Inputs {
    std::vector<double> x, w, r, b, h0, c0, p;
    std::vector<std::int64_t> lens;
};

struct Outputs {
    std::vector<double> y, yh, yc;
};

// The ONNX equations, one batch row and direction at a time, in double.
Outputs reference(const Case& c, const Inputs& in)
{
    const int nd = c.direction == "bidirectional" ? 2 : 1;
    const std::int64_t S = c.seq, B = c.batch, I = c.input, H = c.hidden, G = gates(c.cell);
    auto acts = resolveActivations(c, nd);
    const int per = c.cell == Cell::Lstm ? 3 : c.cell == Cell::Gru ? 2 : 1;
    Outputs out;
    out.y.assign(std::size_t(S * nd * B * H), 0.0);
    out.yh.assign(std::size_t(nd * B * H), 0.0);
    out.yc.assign(std::size_t(nd * B * H), 0.0);
    auto xAt = [&](std::int64_t t, std::int64_t b, std::int64_t k) {
        return c.layout == 0 ? in.x[std::size_t((t * B + b) * I + k)] : in.x[std::size_t((b * S + t) * I + k)];
    };
    auto yAt = [&](std::int64_t t, std::int64_t d, std::int64_t b, std::int64_t j) -> double& {
        return c.layout == 0 ? out.y[std::size_t(((t * nd + d) * B + b) * H + j)]
                             : out.y[std::size_t(((b * S + t) * nd + d) * H + j)];
    };
    auto stateAt = [&](std::int64_t d, std::int64_t b, std::int64_t j) {
        return std::size_t(c.layout == 0 ? (d * B + b) * H + j : (b * nd + d) * H + j);
    };
    auto clip = [&](double v) { return c.clip > 0 ? std::clamp(v, -double(c.clip), double(c.clip)) : v; };
    for (int d = 0; d < nd; ++d) {
        bool reverse = c.direction == "reverse" || d == 1;
        const Act* f = &acts[std::size_t(d * per)];
        const Act* g = per > 1 ? &acts[std::size_t(d * per + 1)] : nullptr;
        const Act* hAct = per > 2 ? &acts[std::size_t(d * per + 2)] : nullptr;
        for (std::int64_t b = 0; b < B; ++b) {
            std::int64_t len = c.lens ? in.lens[std::size_t(b)] : S;
            std::vector<double> h(std::size_t(H), 0.0), cell(std::size_t(H), 0.0);
            for (std::int64_t j = 0; j < H; ++j) {
                if (c.initH)
                    h[std::size_t(j)] = in.h0[stateAt(d, b, j)];
                if (c.initC)
                    cell[std::size_t(j)] = in.c0[stateAt(d, b, j)];
            }
            for (std::int64_t s = 0; s < len; ++s) {
                std::int64_t t = reverse ? len - 1 - s : s;
                // pre[g][j]: x W^T + Wb, and h R^T + Rb separately (GRU needs them apart).
                std::vector<double> xw(std::size_t(G * H)), hr(std::size_t(G * H));
                for (std::int64_t n = 0; n < G * H; ++n) {
                    double a = 0, r = 0;
                    for (std::int64_t k = 0; k < I; ++k)
                        a += xAt(t, b, k) * in.w[std::size_t((d * G * H + n) * I + k)];
                    for (std::int64_t k = 0; k < H; ++k)
                        r += h[std::size_t(k)] * in.r[std::size_t((d * G * H + n) * H + k)];
                    if (c.bias) {
                        a += in.b[std::size_t(d * 2 * G * H + n)];
                        r += in.b[std::size_t(d * 2 * G * H + G * H + n)];
                    }
                    xw[std::size_t(n)] = a;
                    hr[std::size_t(n)] = r;
                }
                std::vector<double> hNew(static_cast<std::size_t>(H));
                for (std::int64_t j = 0; j < H; ++j) {
                    auto pre = [&](std::int64_t gate) {
                        return xw[std::size_t(gate * H + j)] + hr[std::size_t(gate * H + j)];
                    };
                    double hj = h[std::size_t(j)];
                    if (c.cell == Cell::Rnn) {
                        hNew[std::size_t(j)] = (*f)(clip(pre(0)));
                    } else if (c.cell == Cell::Lstm) {
                        double pi = 0, po = 0, pf = 0;
                        if (c.peep) {
                            pi = in.p[std::size_t(d * 3 * H + j)];
                            po = in.p[std::size_t(d * 3 * H + H + j)];
                            pf = in.p[std::size_t(d * 3 * H + 2 * H + j)];
                        }
                        double cPrev = cell[std::size_t(j)];
                        double ig = (*f)(clip(pre(0) + pi * cPrev));
                        double fg = c.inputForget ? 1 - ig : (*f)(clip(pre(2) + pf * cPrev));
                        double cg = (*g)(clip(pre(3)));
                        double cNew = fg * cPrev + ig * cg;
                        double og = (*f)(clip(pre(1) + po * cNew));
                        cell[std::size_t(j)] = cNew;
                        hNew[std::size_t(j)] = og * (*hAct)(cNew);
                    } else {
                        double z = (*f)(clip(pre(0)));
                        double r = (*f)(clip(pre(1)));
                        double hh;
                        if (c.linearBeforeReset) {
                            hh = (*g)(clip(xw[std::size_t(2 * H + j)] + r * hr[std::size_t(2 * H + j)]));
                        } else {
                            double a = xw[std::size_t(2 * H + j)];
                            // (r (.) h) R_h^T + Rb_h, with r per unit k.
                            double acc = 0;
                            for (std::int64_t k = 0; k < H; ++k) {
                                double rK = (*f)(clip(xw[std::size_t(H + k)] + hr[std::size_t(H + k)]));
                                acc += rK * h[std::size_t(k)] * in.r[std::size_t((d * G * H + 2 * H + j) * H + k)];
                            }
                            if (c.bias)
                                acc += in.b[std::size_t(d * 2 * G * H + G * H + 2 * H + j)];
                            hh = (*g)(clip(a + acc));
                        }
                        hNew[std::size_t(j)] = (1 - z) * hh + z * hj;
                    }
                }
                h = hNew;
                for (std::int64_t j = 0; j < H; ++j)
                    yAt(t, d, b, j) = h[std::size_t(j)];
            }
            for (std::int64_t j = 0; j < H; ++j) {
                out.yh[stateAt(d, b, j)] = h[std::size_t(j)];
                out.yc[stateAt(d, b, j)] = cell[std::size_t(j)];
            }
        }
    }
    return out;
}

const char* opName(Cell c)
{
    return c == Cell::Lstm ? "LSTM" : c == Cell::Gru ? "GRU" : "RNN";
}

void runCase(const Case& c, std::uint32_t seed)
{
    const int nd = c.direction == "bidirectional" ? 2 : 1;
    const std::int64_t S = c.seq, B = c.batch, I = c.input, H = c.hidden, G = gates(c.cell);
    Inputs in;
    in.x = randomValues(std::size_t(S * B * I), seed);
    in.w = randomValues(std::size_t(nd * G * H * I), seed + 1, -0.6, 0.6);
    in.r = randomValues(std::size_t(nd * G * H * H), seed + 2, -0.6, 0.6);
    in.b = randomValues(std::size_t(nd * 2 * G * H), seed + 3, -0.5, 0.5);
    in.h0 = randomValues(std::size_t(nd * B * H), seed + 4);
    in.c0 = randomValues(std::size_t(nd * B * H), seed + 5);
    in.p = randomValues(std::size_t(nd * 3 * H), seed + 6, -0.5, 0.5);
    std::mt19937 rng(seed + 7);
    for (std::int64_t b = 0; b < B; ++b)
        in.lens.push_back(std::int64_t(rng() % std::uint32_t(S + 1)));

    OpRun run;
    run.op = opName(c.cell);
    run.opset = 14;
    run.attributes.push_back(intAttr("hidden_size", H));
    run.attributes.push_back(stringAttr("direction", c.direction));
    if (c.layout)
        run.attributes.push_back(intAttr("layout", c.layout));
    if (c.linearBeforeReset)
        run.attributes.push_back(intAttr("linear_before_reset", 1));
    if (c.inputForget)
        run.attributes.push_back(intAttr("input_forget", 1));
    if (c.clip > 0)
        run.attributes.push_back(floatAttr("clip", c.clip));
    if (!c.activations.empty()) {
        Attribute a;
        a.name = "activations";
        a.type = AttributeType::Strings;
        a.strings = c.activations;
        run.attributes.push_back(a);
    }
    if (!c.alphas.empty())
        run.attributes.push_back(floatsAttr("activation_alpha", c.alphas));
    if (!c.betas.empty())
        run.attributes.push_back(floatsAttr("activation_beta", c.betas));
    std::vector<std::int64_t> xDims
        = c.layout == 0 ? std::vector<std::int64_t> { S, B, I } : std::vector<std::int64_t> { B, S, I };
    std::vector<std::int64_t> stateDims
        = c.layout == 0 ? std::vector<std::int64_t> { nd, B, H } : std::vector<std::int64_t> { B, nd, H };
    std::vector<double> lensD(in.lens.begin(), in.lens.end());
    run.inputs = { tensorOf(DataType::Float, xDims, in.x), tensorOf(DataType::Float, { nd, G * H, I }, in.w),
        tensorOf(DataType::Float, { nd, G * H, H }, in.r),
        c.bias ? tensorOf(DataType::Float, { nd, 2 * G * H }, in.b) : nullptr,
        c.lens ? tensorOf(DataType::Int32, { B }, lensD) : nullptr,
        c.initH ? tensorOf(DataType::Float, stateDims, in.h0) : nullptr };
    if (c.cell == Cell::Lstm) {
        run.inputs.push_back(c.initC ? tensorOf(DataType::Float, stateDims, in.c0) : nullptr);
        run.inputs.push_back(c.peep ? tensorOf(DataType::Float, { nd, 3 * H }, in.p) : nullptr);
    }
    // Trailing left-out inputs are dropped, as an ONNX node would.
    while (!run.inputs.back())
        run.inputs.pop_back();
    run.outputs = c.cell == Cell::Lstm ? 3 : 2;

    std::vector<std::shared_ptr<Tensor>> outs;
    try {
        outs = runOp(run);
    } catch (const std::exception& e) {
        QFAIL(e.what());
    }
    auto ref = reference(c, in);
    QCOMPARE(int(outs.size()), run.outputs);
    std::vector<std::int64_t> yDims
        = c.layout == 0 ? std::vector<std::int64_t> { S, nd, B, H } : std::vector<std::int64_t> { B, S, nd, H };
    QCOMPARE(outs[0]->dims, yDims);
    QCOMPARE(outs[1]->dims, stateDims);
    NODUS_COMPARE_VALUES(valuesOf(*outs[0]), ref.y, 1e-4, 1e-4);
    NODUS_COMPARE_VALUES(valuesOf(*outs[1]), ref.yh, 1e-4, 1e-4);
    if (c.cell == Cell::Lstm) {
        QCOMPARE(outs[2]->dims, stateDims);
        NODUS_COMPARE_VALUES(valuesOf(*outs[2]), ref.yc, 1e-4, 1e-4);
    }
}

// Random sizes and options for one cell type; `seed` picks them.
Case randomCase(Cell cell, std::uint32_t seed)
{
    std::mt19937 rng(seed);
    auto pick = [&](int lo, int hi) { return lo + int(rng() % std::uint32_t(hi - lo + 1)); };
    Case c;
    c.cell = cell;
    c.seq = pick(1, 6);
    c.batch = pick(1, 3);
    c.input = pick(1, 7);
    c.hidden = pick(1, 9);
    static const char* directions[] = { "forward", "reverse", "bidirectional" };
    c.direction = directions[rng() % 3];
    c.layout = pick(0, 1);
    c.bias = pick(0, 3) != 0;
    c.lens = pick(0, 1);
    c.initH = pick(0, 1);
    c.initC = pick(0, 1);
    c.peep = cell == Cell::Lstm && pick(0, 1);
    c.linearBeforeReset = cell == Cell::Gru ? pick(0, 1) : 0;
    return c;
}

} // namespace

class TestRuntimeRecurrent : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { NODUS_REQUIRE_VULKAN(); }

    void random_data()
    {
        QTest::addColumn<int>("cell");
        QTest::addColumn<int>("seed");
        for (int cell = 0; cell < 3; ++cell)
            for (int seed = 1; seed <= 8; ++seed)
                QTest::addRow("%s-%d", opName(Cell(cell)), seed) << cell << seed;
    }
    void random()
    {
        QFETCH(int, cell);
        QFETCH(int, seed);
        Case c = randomCase(Cell(cell), std::uint32_t(seed * 101 + cell));
        runCase(c, std::uint32_t(seed * 7919 + cell));
    }

    // Every direction with and without sequence_lens, at sizes that span
    // several workgroups per step.
    void directions_data()
    {
        QTest::addColumn<int>("cell");
        QTest::addColumn<QString>("direction");
        QTest::addColumn<bool>("lens");
        for (int cell = 0; cell < 3; ++cell)
            for (const char* d : { "forward", "reverse", "bidirectional" })
                for (bool lens : { false, true })
                    QTest::addRow("%s-%s-%s", opName(Cell(cell)), d, lens ? "lens" : "full")
                        << cell << QString(d) << lens;
    }
    void directions()
    {
        QFETCH(int, cell);
        QFETCH(QString, direction);
        QFETCH(bool, lens);
        Case c;
        c.cell = Cell(cell);
        c.seq = 5;
        c.batch = 3;
        c.input = 11;
        c.hidden = 37;
        c.direction = direction.toStdString();
        c.lens = lens;
        c.initH = true;
        c.initC = true;
        c.peep = c.cell == Cell::Lstm;
        runCase(c, 4242 + std::uint32_t(cell));
    }

    // Batches of 4 rows and more share weight loads in the step (and a
    // partial last tile), with aligned sizes that need no padding.
    void wideBatch()
    {
        for (int cell = 0; cell < 3; ++cell) {
            Case c;
            c.cell = Cell(cell);
            c.seq = 3;
            c.batch = 6;
            c.input = 8;
            c.hidden = 12;
            c.direction = "bidirectional";
            c.lens = true;
            c.initH = true;
            c.initC = true;
            runCase(c, 300 + std::uint32_t(cell));
        }
    }

    void gruLinearBeforeReset()
    {
        for (int lbr : { 0, 1 }) {
            Case c;
            c.cell = Cell::Gru;
            c.seq = 4;
            c.batch = 2;
            c.input = 3;
            c.hidden = 70;
            c.direction = "bidirectional";
            c.linearBeforeReset = lbr;
            c.initH = true;
            runCase(c, 77 + std::uint32_t(lbr));
        }
    }

    void lstmInputForgetAndClip()
    {
        Case c;
        c.cell = Cell::Lstm;
        c.inputForget = true;
        c.clip = 0.4f;
        c.peep = true;
        c.initC = true;
        runCase(c, 91);
    }

    // Non-default activations with alphas and betas consumed in order.
    void activations()
    {
        Case lstm;
        lstm.cell = Cell::Lstm;
        lstm.direction = "bidirectional";
        lstm.activations = { "HardSigmoid", "LeakyRelu", "Softsign", "Sigmoid", "ScaledTanh", "Elu" };
        lstm.alphas = { 0.3, 0.05, 0.8, 0.7 };
        lstm.betas = { 0.4, 1.3 };
        runCase(lstm, 5);

        Case gru;
        gru.cell = Cell::Gru;
        gru.activations = { "Affine", "Softplus" };
        gru.alphas = { 0.5 };
        gru.betas = { 0.25 };
        runCase(gru, 6);

        for (const char* name : { "Relu", "ThresholdedRelu", "Sigmoid", "Softsign" }) {
            Case rnn;
            rnn.cell = Cell::Rnn;
            rnn.activations = { name };
            rnn.alphas = { 0.1 };
            runCase(rnn, 7);
        }
    }

    // A long sequence with a large hidden state: values must stay exact
    // through many ping-pong steps.
    void longSequence()
    {
        Case c;
        c.cell = Cell::Lstm;
        c.seq = 40;
        c.batch = 2;
        c.input = 16;
        c.hidden = 64;
        c.initH = true;
        c.initC = true;
        runCase(c, 1234);
    }

    // PyTorch's two-layer LSTM export against onnxruntime.
    void pytorchLstm()
    {
        const auto file = corpusDir() / "pytorch-export" / "lstm.onnx";
        if (corpusDir().empty() || !std::filesystem::exists(file))
            QSKIP("../shared/corpus/pytorch-export is absent");
        if (!ortUnavailable().isEmpty())
            QSKIP(qPrintable(ortUnavailable()));
        std::shared_ptr<Model> model = FormatRegistry::instance().open(file);
        rt::Session session(model);
        auto x = randomValues(10 * 32, 99);
        auto outs = session.run({ { "x", tensorOf(DataType::Float, { 1, 10, 32 }, x) } }).outputs;
        auto ort = runOnnxRuntime(file, { OrtInput { "x", "float32", { 1, 10, 32 }, x } });
        QVERIFY2(ort.ran, qPrintable(ort.error));
        QCOMPARE(outs[0]->dims, ort.outputs[0].dims);
        QCOMPARE(outs[0]->dims, (std::vector<std::int64_t> { 1, 10, 5 }));
        NODUS_COMPARE_VALUES(valuesOf(*outs[0]), ort.outputs[0].data, 1e-4, 0);
    }

    void unsupportedActivationRefused()
    {
        OpRun run;
        run.op = "RNN";
        Attribute a;
        a.name = "activations";
        a.type = AttributeType::Strings;
        a.strings = { "Gelu" };
        run.attributes = { intAttr("hidden_size", 2), a };
        run.inputs = { tensorOf(DataType::Float, { 1, 1, 1 }, { 0.5 }),
            tensorOf(DataType::Float, { 1, 2, 1 }, { 1, 1 }), tensorOf(DataType::Float, { 1, 2, 2 }, { 0, 0, 0, 0 }) };
        bool threw = false;
        try {
            runOp(run);
        } catch (const rt::RuntimeError& e) {
            threw = std::string(e.what()).find("Gelu") != std::string::npos;
        }
        QVERIFY(threw);
    }
};

QTEST_GUILESS_MAIN(TestRuntimeRecurrent)
#include "test_runtime_recurrent.moc"
