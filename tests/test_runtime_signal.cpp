// Vulkan kernels of the signal family (DFT, STFT, the cosine-sum windows,
// MelWeightMatrix, TfIdfVectorizer and the random generators) against plain
// C++ references; the random ops against their distributions.
#include "runtimetest.h"

#include <algorithm>
#include <map>
#include <numbers>
#include <numeric>

using namespace nodus;
using namespace nodus::test;

namespace {

// The DFT of x viewed as [outer, n, inner, components] along n, in double:
// `length` points (zero-padded or truncated), `bins` of them kept.
std::vector<double> dftReference(const std::vector<double>& x, std::size_t outer, std::size_t n, std::size_t inner,
    std::size_t components, std::size_t length, std::size_t bins, bool inverse)
{
    std::vector<double> y(outer * bins * inner * 2);
    double sign = inverse ? 1 : -1;
    for (std::size_t o = 0; o < outer; ++o)
        for (std::size_t k = 0; k < bins; ++k)
            for (std::size_t i = 0; i < inner; ++i) {
                double re = 0, im = 0;
                for (std::size_t t = 0; t < std::min(n, length); ++t) {
                    std::size_t e = ((o * n + t) * inner + i) * components;
                    double xr = x[e], xi = components == 2 ? x[e + 1] : 0;
                    double a = sign * 2 * std::numbers::pi * double(k * t % length) / double(length);
                    re += xr * std::cos(a) - xi * std::sin(a);
                    im += xr * std::sin(a) + xi * std::cos(a);
                }
                double scale = inverse ? 1.0 / double(length) : 1.0;
                std::size_t q = (o * bins + k) * inner + i;
                y[2 * q] = re * scale;
                y[2 * q + 1] = im * scale;
            }
    return y;
}

double cosineWindow(const std::string& op, std::int64_t n, std::int64_t size, bool periodic)
{
    double a0 = 0.5, a1 = 0.5, a2 = 0;
    if (op == "HammingWindow") {
        a0 = 25.0 / 46;
        a1 = 1 - a0;
    } else if (op == "BlackmanWindow") {
        a0 = 0.42;
        a2 = 0.08;
    }
    double period = double(periodic ? size : size - 1);
    if (period == 0)
        return 1;
    double t = 2 * std::numbers::pi * double(n) / period;
    return a0 - a1 * std::cos(t) + a2 * std::cos(2 * t);
}

// The ONNX reference's mel matrix (onnx/backend/test/case/node/melweightmatrix.py).
std::vector<double> melReference(
    std::int64_t mels, std::int64_t dftLength, std::int64_t sampleRate, double lower, double upper)
{
    std::int64_t spectrum = dftLength / 2 + 1;
    double lowMel = 2595 * std::log10(1 + lower / 700);
    double highMel = 2595 * std::log10(1 + upper / 700);
    double step = (highMel - lowMel) / double(mels + 2);
    std::vector<std::int64_t> bins;
    for (std::int64_t i = 0; i < mels + 2; ++i) {
        double hz = 700 * (std::pow(10.0, (double(i) * step + lowMel) / 2595) - 1);
        bins.push_back(std::int64_t(std::floor(double(dftLength + 1) * hz / double(sampleRate))));
    }
    std::vector<double> out(std::size_t(spectrum * mels));
    for (std::int64_t i = 0; i < mels; ++i) {
        auto l = bins[std::size_t(i)], c = bins[std::size_t(i + 1)], r = bins[std::size_t(i + 2)];
        if (c == l)
            out[std::size_t(c * mels + i)] = 1;
        else
            for (auto j = l; j <= c; ++j)
                out[std::size_t(j * mels + i)] = double(j - l) / double(c - l);
        for (auto j = c; j < r; ++j)
            out[std::size_t(j * mels + i)] = double(r - j) / double(r - c);
    }
    return out;
}

struct TfIdfSpec {
    std::string mode;
    std::int64_t minGram, maxGram, maxSkip;
    std::vector<std::int64_t> counts, indexes, pool;
    std::vector<double> weights;
};

// Counts as onnxruntime does: every start, every skip distance, n-grams of
// length min..max (unigrams at distance 1 only), looked up in the pool.
std::vector<double> tfidfReference(const TfIdfSpec& s, const std::vector<double>& x, std::size_t rows, std::size_t c)
{
    std::map<std::vector<std::int64_t>, std::int64_t> pool;
    std::size_t id = 0;
    for (std::size_t i = 0; i < s.counts.size(); ++i) {
        std::size_t len = i + 1;
        auto start = std::size_t(s.counts[i]);
        std::size_t end = i + 1 < s.counts.size() ? std::size_t(s.counts[i + 1]) : s.pool.size();
        for (std::size_t off = start; off < end; off += len, ++id)
            if (std::int64_t(len) >= s.minGram && std::int64_t(len) <= s.maxGram)
                pool[std::vector<std::int64_t>(
                    s.pool.begin() + std::ptrdiff_t(off), s.pool.begin() + std::ptrdiff_t(off + len))]
                    = s.indexes[id];
    }
    auto columns = std::size_t(*std::max_element(s.indexes.begin(), s.indexes.end()) + 1);
    std::vector<double> freq(rows * columns, 0);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::int64_t dist = 1; dist <= s.maxSkip + 1; ++dist)
            for (std::size_t start = 0; start < c; ++start)
                for (std::int64_t n = std::max<std::int64_t>(s.minGram, dist > 1 ? 2 : 1); n <= s.maxGram; ++n) {
                    std::vector<std::int64_t> g;
                    for (std::int64_t j = 0; j < n; ++j) {
                        std::size_t at = start + std::size_t(j * dist);
                        if (at >= c)
                            break;
                        g.push_back(std::int64_t(x[r * c + at]));
                    }
                    if (std::int64_t(g.size()) != n)
                        continue;
                    if (auto it = pool.find(g); it != pool.end())
                        freq[r * columns + std::size_t(it->second)] += 1;
                }
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t d = 0; d < columns; ++d) {
            double& f = freq[r * columns + d];
            double w = s.weights.empty() ? 1 : s.weights[d];
            if (s.mode == "IDF")
                f = f > 0 ? w : 0;
            else if (s.mode == "TFIDF")
                f *= w;
        }
    return freq;
}

OpRun tfidfRun(const TfIdfSpec& s, std::shared_ptr<Tensor> x)
{
    OpRun run { "TfIdfVectorizer",
        { stringAttr("mode", s.mode), intAttr("min_gram_length", s.minGram), intAttr("max_gram_length", s.maxGram),
            intAttr("max_skip_count", s.maxSkip), intsAttr("ngram_counts", s.counts),
            intsAttr("ngram_indexes", s.indexes), intsAttr("pool_int64s", s.pool) },
        { std::move(x) } };
    if (!s.weights.empty())
        run.attributes.push_back(floatsAttr("weights", s.weights));
    return run;
}

double mean(const std::vector<double>& v)
{
    return std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
}

double variance(const std::vector<double>& v)
{
    double m = mean(v), s = 0;
    for (double x : v)
        s += (x - m) * (x - m);
    return s / double(v.size());
}

} // namespace

class TestRuntimeSignal : public QObject {
    Q_OBJECT

private slots:
    void init() { NODUS_REQUIRE_VULKAN(); }

    void dft()
    {
        std::mt19937 rng(17);
        for (int iter = 0; iter < 40; ++iter) {
            int rank = std::uniform_int_distribution<int>(2, 4)(rng);
            auto shape = randomShape(rng, rank - 1, 9);
            std::size_t components = std::uniform_int_distribution<int>(1, 2)(rng);
            shape.push_back(std::int64_t(components));
            auto axis = std::size_t(std::uniform_int_distribution<int>(0, rank - 2)(rng));
            bool inverse = iter % 3 == 1;
            bool onesided = !inverse && iter % 4 == 2;
            auto n = std::size_t(shape[axis]);
            // dft_length: none, shorter (truncate) or longer (zero-pad).
            std::size_t length = n;
            int lengthKind = iter % 5;
            if (lengthKind == 3)
                length = std::max<std::size_t>(1, n / 2);
            else if (lengthKind == 4)
                length = n + 1 + std::size_t(iter % 7);
            bool negativeAxis = iter % 2 == 1;
            auto values = randomValues(countOf(shape), 100 + std::uint32_t(iter));
            OpRun run { "DFT",
                { intAttr("axis", negativeAxis ? std::int64_t(axis) - rank : std::int64_t(axis)),
                    intAttr("inverse", inverse), intAttr("onesided", onesided) },
                { tensorOf(DataType::Float, shape, values) } };
            if (lengthKind >= 3)
                run.inputs.push_back(tensorOf(DataType::Int64, {}, { double(length) }));
            auto out = runOp(run);
            std::size_t outer = countOf({ shape.begin(), shape.begin() + std::ptrdiff_t(axis) });
            std::size_t inner = countOf({ shape.begin() + std::ptrdiff_t(axis) + 1, shape.end() - 1 });
            std::size_t bins = onesided ? length / 2 + 1 : length;
            auto expectShape = shape;
            expectShape[axis] = std::int64_t(bins);
            expectShape.back() = 2;
            QCOMPARE(out[0]->dims, expectShape);
            NODUS_COMPARE_VALUES(valuesOf(*out[0]),
                dftReference(values, outer, n, inner, components, length, bins, inverse), 2e-5 * double(length), 1e-4);
        }
    }

    void dftOpset20AxisInput()
    {
        std::vector<std::int64_t> shape = { 2, 6, 5, 2 };
        auto values = randomValues(countOf(shape), 3);
        for (std::int64_t axis : { 1, 2, -2, -3 }) {
            OpRun run { "DFT", {},
                { tensorOf(DataType::Float, shape, values), nullptr,
                    tensorOf(DataType::Int64, {}, { double(axis) }) } };
            run.opset = 20;
            auto out = runOp(run);
            std::size_t a = std::size_t(axis < 0 ? axis + 4 : axis);
            std::size_t outer = a == 1 ? 2 : 12, inner = a == 1 ? 5 : 1;
            auto n = std::size_t(shape[a]);
            NODUS_COMPARE_VALUES(valuesOf(*out[0]), dftReference(values, outer, n, inner, 2, n, n, false), 2e-4, 1e-4);
        }
    }

    // A real impulse train: every bin but the zero-frequency one is exactly
    // 0 or exactly periodic, so the twiddles must be exact to ~1e-7.
    void dftExactZeros()
    {
        std::vector<double> x(16, 0);
        for (std::size_t i = 0; i < 16; i += 4)
            x[i] = 1;
        auto out = runOp({ "DFT", {}, { tensorOf(DataType::Float, { 1, 16, 1 }, x) } });
        auto y = valuesOf(*out[0]);
        for (std::size_t k = 0; k < 16; ++k) {
            double expectRe = k % 4 == 0 ? 4 : 0;
            QVERIFY2(std::abs(y[2 * k] - expectRe) < 1e-6, qPrintable(QString("bin %1 re %2").arg(k).arg(y[2 * k])));
            QVERIFY2(std::abs(y[2 * k + 1]) < 1e-6, qPrintable(QString("bin %1 im %2").arg(k).arg(y[2 * k + 1])));
        }
    }

    void dftLarge()
    {
        // A long real signal (an audio frame), checked against the double reference.
        std::vector<std::int64_t> shape = { 3, 1000, 1 };
        auto values = randomValues(countOf(shape), 77);
        auto out = runOp({ "DFT", { intAttr("onesided", 1) }, { tensorOf(DataType::Float, shape, values) } });
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), dftReference(values, 3, 1000, 1, 1, 1000, 501, false), 5e-3, 1e-3);
    }

    // Lengths that factor well take the mixed-radix FFT (powers of two,
    // 400 = 4*4*5*5, 96, 81 = 3^4, 49 = 7*7, 143 = 11*13); a prime length (101)
    // stays direct.
    void dftFft()
    {
        struct Case {
            std::vector<std::int64_t> shape;
            std::size_t axis;
            std::int64_t length; // 0: the axis' size
            bool inverse, onesided;
        };
        for (const auto& c : { Case { { 2, 32, 1 }, 1, 0, false, false }, Case { { 3, 64, 2 }, 1, 0, true, false },
                 Case { { 2, 50, 3, 2 }, 1, 64, false, false }, Case { { 1, 4, 300, 1 }, 2, 256, false, true },
                 Case { { 2, 1024, 1 }, 1, 0, false, true }, Case { { 2, 128, 5, 2 }, 1, 0, true, false },
                 Case { { 1, 3, 512, 2 }, 2, 0, false, false }, Case { { 1, 400, 1 }, 1, 0, false, true },
                 Case { { 2, 96, 2 }, 1, 0, true, false }, Case { { 3, 81, 1 }, 1, 0, false, false },
                 Case { { 2, 101, 2 }, 1, 0, false, false }, Case { { 1, 49, 2 }, 1, 0, false, false },
                 Case { { 2, 143, 2 }, 1, 0, true, false }, Case { { 2, 30, 1 }, 1, 400, false, true } }) {
            auto values = randomValues(countOf(c.shape), 11);
            std::size_t rank = c.shape.size();
            OpRun run { "DFT",
                { intAttr("axis", std::int64_t(c.axis)), intAttr("inverse", c.inverse),
                    intAttr("onesided", c.onesided) },
                { tensorOf(DataType::Float, c.shape, values) } };
            auto n = std::size_t(c.shape[c.axis]);
            std::size_t length = n;
            if (c.length) {
                run.inputs.push_back(tensorOf(DataType::Int64, {}, { double(c.length) }));
                length = std::size_t(c.length);
            }
            auto out = runOp(run);
            std::size_t outer = countOf({ c.shape.begin(), c.shape.begin() + std::ptrdiff_t(c.axis) });
            std::size_t inner = countOf({ c.shape.begin() + std::ptrdiff_t(c.axis) + 1, c.shape.end() - 1 });
            std::size_t bins = c.onesided ? length / 2 + 1 : length;
            auto expectShape = c.shape;
            expectShape[c.axis] = std::int64_t(bins);
            expectShape.back() = 2;
            QCOMPARE(out[0]->dims, expectShape);
            double tol = c.inverse ? 1e-5 : 1e-5 * double(length);
            NODUS_COMPARE_VALUES(valuesOf(*out[0]),
                dftReference(values, outer, n, inner, std::size_t(c.shape[rank - 1]), length, bins, c.inverse), tol,
                1e-4);
        }
    }

    void dftZeroSized()
    {
        auto out = runOp({ "DFT", {}, { tensorOf(DataType::Float, { 0, 8, 1 }, {}) } });
        QCOMPARE(out[0]->dims, (std::vector<std::int64_t> { 0, 8, 2 }));
        // A zero-length signal padded to 4 points is all zeros.
        out = runOp(
            { "DFT", {}, { tensorOf(DataType::Float, { 2, 0, 1 }, {}), tensorOf(DataType::Int32, {}, { 4 }) } });
        QCOMPARE(out[0]->dims, (std::vector<std::int64_t> { 2, 4, 2 }));
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), std::vector<double>(16, 0.0), 0, 0);
    }

    void dftRefusesInverseOnesided()
    {
        bool failed = false;
        try {
            runOp({ "DFT", { intAttr("inverse", 1), intAttr("onesided", 1) },
                { tensorOf(DataType::Float, { 1, 4, 2 }, std::vector<double>(8, 1.0)) } });
        } catch (const std::exception&) {
            failed = true;
        }
        QVERIFY(failed);
    }

    void stft()
    {
        std::mt19937 rng(5);
        for (int iter = 0; iter < 24; ++iter) {
            std::int64_t batch = std::uniform_int_distribution<int>(1, 3)(rng);
            std::int64_t length = iter % 5 == 4
                ? std::vector<std::int64_t> { 64, 400, 128, 48 }[std::size_t(iter / 5 % 4)]
                : std::uniform_int_distribution<int>(1, 24)(rng);
            std::int64_t signal = length + std::uniform_int_distribution<int>(0, 40)(rng);
            std::int64_t step = std::uniform_int_distribution<int>(1, 9)(rng);
            std::int64_t components = iter % 3 == 2 ? 2 : 1;
            bool onesided = iter % 2 == 0;
            int windowKind = iter % 4; // 0: frame_length, 1: window, 2: both, 3: window
            std::vector<std::int64_t> shape = { batch, signal, components };
            auto x = randomValues(countOf(shape), 200 + std::uint32_t(iter));
            auto w = randomValues(std::size_t(length), 300 + std::uint32_t(iter), 0, 1);
            OpRun run { "STFT", { intAttr("onesided", onesided) },
                { tensorOf(DataType::Float, shape, x), tensorOf(DataType::Int64, {}, { double(step) }) } };
            run.inputs.push_back(windowKind == 0 ? nullptr : tensorOf(DataType::Float, { length }, w));
            if (windowKind == 0 || windowKind == 2)
                run.inputs.push_back(tensorOf(DataType::Int64, {}, { double(length) }));
            auto out = runOp(run);

            std::int64_t frames = (signal - length) / step + 1;
            std::size_t bins = std::size_t(onesided ? length / 2 + 1 : length);
            // Frames cut out and windowed, then the reference DFT over each.
            std::vector<double> framed;
            for (std::int64_t b = 0; b < batch; ++b)
                for (std::int64_t f = 0; f < frames; ++f)
                    for (std::int64_t t = 0; t < length; ++t)
                        for (std::int64_t c = 0; c < components; ++c) {
                            double v = x[std::size_t(((b * signal) + f * step + t) * components + c)];
                            framed.push_back(windowKind == 0 ? v : v * w[std::size_t(t)]);
                        }
            QCOMPARE(out[0]->dims, (std::vector<std::int64_t> { batch, frames, std::int64_t(bins), 2 }));
            NODUS_COMPARE_VALUES(valuesOf(*out[0]),
                dftReference(framed, std::size_t(batch * frames), std::size_t(length), 1, std::size_t(components),
                    std::size_t(length), bins, false),
                2e-5 * double(length), 1e-4);
        }
    }

    void stftShortSignal()
    {
        // Shorter than one frame: no frames.
        auto out = runOp({ "STFT", {},
            { tensorOf(DataType::Float, { 1, 5, 1 }, randomValues(5, 1)), tensorOf(DataType::Int64, {}, { 2 }), nullptr,
                tensorOf(DataType::Int64, {}, { 8 }) } });
        QCOMPARE(out[0]->dims, (std::vector<std::int64_t> { 1, 0, 5, 2 }));
    }

    void windows()
    {
        for (std::string op : { "HannWindow", "HammingWindow", "BlackmanWindow" })
            for (bool periodic : { true, false })
                for (std::int64_t size : { 1, 2, 10, 33, 400 }) {
                    OpRun run { op, { intAttr("periodic", periodic) },
                        { tensorOf(size % 2 ? DataType::Int64 : DataType::Int32, {}, { double(size) }) } };
                    auto out = runOp(run);
                    QCOMPARE(out[0]->dataType, DataType::Float);
                    QCOMPARE(out[0]->dims, (std::vector<std::int64_t> { size }));
                    std::vector<double> expect;
                    for (std::int64_t n = 0; n < size; ++n)
                        expect.push_back(cosineWindow(op, n, size, periodic));
                    NODUS_COMPARE_VALUES(valuesOf(*out[0]), expect, 1e-7, 1e-6);
                }
        // output_datatype: double keeps the values, an integer type truncates them.
        auto out = runOp({ "HannWindow", { intAttr("output_datatype", int(DataType::Double)) },
            { tensorOf(DataType::Int64, {}, { 8 }) } });
        QCOMPARE(out[0]->dataType, DataType::Double);
        std::vector<double> expect;
        for (std::int64_t n = 0; n < 8; ++n)
            expect.push_back(cosineWindow("HannWindow", n, 8, true));
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), expect, 1e-7, 1e-6);
        out = runOp({ "HannWindow", { intAttr("output_datatype", int(DataType::Int32)) },
            { tensorOf(DataType::Int64, {}, { 4 }) } });
        QCOMPARE(out[0]->dataType, DataType::Int32);
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), (std::vector<double> { 0, 0, 1, 0 }), 0, 0);
    }

    void melWeightMatrix()
    {
        struct Case {
            std::int64_t mels, dft, rate;
            double lower, upper;
        };
        for (auto c : { Case { 8, 16, 8192, 0, 4096 }, Case { 40, 512, 16000, 20, 8000 },
                 Case { 13, 400, 16000, 0, 7600 }, Case { 3, 64, 22050, 300, 3000 } }) {
            OpRun run { "MelWeightMatrix", {},
                { tensorOf(DataType::Int32, {}, { double(c.mels) }), tensorOf(DataType::Int64, {}, { double(c.dft) }),
                    tensorOf(DataType::Int32, {}, { double(c.rate) }), tensorOf(DataType::Float, {}, { c.lower }),
                    tensorOf(DataType::Float, {}, { c.upper }) } };
            auto out = runOp(run);
            QCOMPARE(out[0]->dims, (std::vector<std::int64_t> { c.dft / 2 + 1, c.mels }));
            NODUS_COMPARE_VALUES(valuesOf(*out[0]), melReference(c.mels, c.dft, c.rate, c.lower, c.upper), 1e-7, 1e-6);
        }
    }

    void tfidf()
    {
        std::mt19937 rng(9);
        for (int iter = 0; iter < 30; ++iter) {
            TfIdfSpec s;
            s.mode = iter % 3 == 0 ? "TF" : iter % 3 == 1 ? "IDF" : "TFIDF";
            int maxLen = std::uniform_int_distribution<int>(1, 3)(rng);
            s.minGram = std::uniform_int_distribution<int>(1, maxLen)(rng);
            s.maxGram = std::uniform_int_distribution<int>(int(s.minGram), maxLen)(rng);
            s.maxSkip = std::uniform_int_distribution<int>(0, 3)(rng);
            // Distinct random n-grams over a small vocabulary, so they occur.
            std::size_t id = 0;
            for (int len = 1; len <= maxLen; ++len) {
                s.counts.push_back(std::int64_t(s.pool.size()));
                std::map<std::vector<std::int64_t>, bool> seen;
                int want = std::uniform_int_distribution<int>(0, 6)(rng);
                for (int g = 0; g < want; ++g) {
                    std::vector<std::int64_t> gram;
                    for (int j = 0; j < len; ++j)
                        gram.push_back(std::uniform_int_distribution<int>(0, 5)(rng));
                    if (!seen.emplace(gram, true).second)
                        continue;
                    s.pool.insert(s.pool.end(), gram.begin(), gram.end());
                    ++id;
                }
            }
            if (id == 0) {
                s.counts.back() = std::int64_t(s.pool.size());
                s.pool.insert(s.pool.end(), std::size_t(maxLen), 1);
                id = 1;
            }
            // Output columns: a shuffled mapping with a gap.
            for (std::size_t i = 0; i < id; ++i)
                s.indexes.push_back(std::int64_t(i));
            std::shuffle(s.indexes.begin(), s.indexes.end(), rng);
            if (iter % 4 == 3)
                for (auto& i : s.indexes)
                    i += 2;
            auto columns = std::size_t(*std::max_element(s.indexes.begin(), s.indexes.end()) + 1);
            if (iter % 2 == 1)
                s.weights = randomValues(columns, 50 + std::uint32_t(iter), 0.1, 3);

            bool batched = iter % 2 == 0;
            std::size_t rows = batched ? std::size_t(std::uniform_int_distribution<int>(1, 4)(rng)) : 1;
            auto c = std::size_t(std::uniform_int_distribution<int>(1, 30)(rng));
            std::vector<double> x(rows * c);
            for (auto& v : x)
                v = std::uniform_int_distribution<int>(0, 6)(rng);
            std::vector<std::int64_t> shape = batched
                ? std::vector<std::int64_t> { std::int64_t(rows), std::int64_t(c) }
                : std::vector<std::int64_t> { std::int64_t(c) };
            auto out = runOp(tfidfRun(s, tensorOf(iter % 3 == 2 ? DataType::Int64 : DataType::Int32, shape, x)));
            auto expectShape = batched ? std::vector<std::int64_t> { std::int64_t(rows), std::int64_t(columns) }
                                       : std::vector<std::int64_t> { std::int64_t(columns) };
            QCOMPARE(out[0]->dims, expectShape);
            QCOMPARE(out[0]->dataType, DataType::Float);
            NODUS_COMPARE_VALUES(valuesOf(*out[0]), tfidfReference(s, x, rows, c), 1e-6, 1e-6);
        }
    }

    void tfidfNodeTestExample()
    {
        // onnx's tf_uniandbigrams_skip5: known counts.
        TfIdfSpec s { "TF", 1, 2, 5, { 0, 4 }, { 0, 1, 2, 3, 4, 5, 6 }, { 2, 3, 5, 4, 5, 6, 7, 8, 6, 7 }, {} };
        auto out = runOp(tfidfRun(s, tensorOf(DataType::Int32, { 12 }, { 1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8 })));
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), (std::vector<double> { 0, 3, 1, 0, 1, 3, 1 }), 0, 0);
    }

    void tfidfRefusesDuplicates()
    {
        TfIdfSpec s { "TF", 1, 1, 0, { 0 }, { 0, 1 }, { 4, 4 }, {} };
        bool failed = false;
        try {
            runOp(tfidfRun(s, tensorOf(DataType::Int32, { 3 }, { 4, 4, 1 })));
        } catch (const std::exception&) {
            failed = true;
        }
        QVERIFY(failed);
    }

    void randomUniform()
    {
        OpRun run { "RandomUniform",
            { intsAttr("shape", { 200, 300 }), floatAttr("low", -2), floatAttr("high", 5), floatAttr("seed", 3) }, {} };
        auto a = valuesOf(*runOp(run)[0]);
        QCOMPARE(a.size(), std::size_t(60000));
        for (double v : a)
            QVERIFY(v >= -2 && v < 5);
        QVERIFY(std::abs(mean(a) - 1.5) < 0.05);
        QVERIFY(std::abs(variance(a) - 49.0 / 12) < 0.1);
        // Ten equal-width buckets each hold about a tenth.
        std::vector<int> buckets(10);
        for (double v : a)
            ++buckets[std::min<std::size_t>(9, std::size_t((v + 2) / 0.7))];
        for (int b : buckets)
            QVERIFY2(std::abs(b - 6000) < 400, qPrintable(QString::number(b)));
        // The same seed gives the same tensor; another seed another one.
        QCOMPARE(valuesOf(*runOp(run)[0]), a);
        run.attributes.back() = floatAttr("seed", 4);
        QVERIFY(valuesOf(*runOp(run)[0]) != a);
        // Without a seed every run draws anew.
        run.attributes.pop_back();
        QVERIFY(valuesOf(*runOp(run)[0]) != valuesOf(*runOp(run)[0]));
    }

    void randomNormal()
    {
        OpRun run { "RandomNormal",
            { intsAttr("shape", { 100000 }), floatAttr("mean", 3), floatAttr("scale", 0.5),
                intAttr("dtype", int(DataType::Double)) },
            {} };
        auto out = runOp(run);
        QCOMPARE(out[0]->dataType, DataType::Double);
        auto a = valuesOf(*out[0]);
        QVERIFY(std::abs(mean(a) - 3) < 0.01);
        QVERIFY(std::abs(std::sqrt(variance(a)) - 0.5) < 0.01);
        double within1 = 0, within2 = 0;
        for (double v : a) {
            within1 += std::abs(v - 3) < 0.5;
            within2 += std::abs(v - 3) < 1.0;
        }
        QVERIFY(std::abs(within1 / double(a.size()) - 0.6827) < 0.01);
        QVERIFY(std::abs(within2 / double(a.size()) - 0.9545) < 0.01);
    }

    void randomLike()
    {
        auto x = tensorOf(DataType::Float, { 7, 0, 3 }, {});
        auto out = runOp({ "RandomUniformLike", {}, { x } });
        QCOMPARE(out[0]->dims, (std::vector<std::int64_t> { 7, 0, 3 }));
        x = tensorOf(DataType::Int32, { 40, 50 }, std::vector<double>(2000, 1.0));
        out = runOp({ "RandomUniformLike", { intAttr("dtype", int(DataType::Float)), floatAttr("high", 2) }, { x } });
        QCOMPARE(out[0]->dims, (std::vector<std::int64_t> { 40, 50 }));
        QCOMPARE(out[0]->dataType, DataType::Float);
        auto a = valuesOf(*out[0]);
        for (double v : a)
            QVERIFY(v >= 0 && v < 2);
        QVERIFY(std::abs(mean(a) - 1) < 0.05);
        out = runOp({ "RandomNormalLike", { intAttr("dtype", int(DataType::Float)), floatAttr("seed", 1) }, { x } });
        a = valuesOf(*out[0]);
        QVERIFY(std::abs(mean(a)) < 0.1);
        QVERIFY(std::abs(variance(a) - 1) < 0.1);
        // The input's type when no dtype is given, and it must be a float type.
        bool failed = false;
        try {
            runOp({ "RandomNormalLike", {}, { x } });
        } catch (const std::exception&) {
            failed = true;
        }
        QVERIFY(failed);
    }

    void bernoulli()
    {
        std::size_t n = 20000;
        std::vector<double> p(n);
        for (std::size_t i = 0; i < n; ++i)
            p[i] = i % 4 == 0 ? 0.0 : i % 4 == 1 ? 1.0 : i % 4 == 2 ? 0.25 : 0.8;
        auto x = tensorOf(DataType::Float, { std::int64_t(n) }, p);
        for (DataType type : { DataType::Float, DataType::Int64, DataType::Bool, DataType::Int32 }) {
            OpRun run { "Bernoulli", { intAttr("dtype", int(type)), floatAttr("seed", 2) }, { x } };
            auto out = runOp(run);
            QCOMPARE(out[0]->dataType, type);
            auto y = valuesOf(*out[0]);
            double quarter = 0, most = 0;
            for (std::size_t i = 0; i < n; ++i) {
                QVERIFY(y[i] == 0 || y[i] == 1);
                if (p[i] == 0 || p[i] == 1)
                    QCOMPARE(y[i], p[i]);
                if (i % 4 == 2)
                    quarter += y[i];
                if (i % 4 == 3)
                    most += y[i];
            }
            QVERIFY(std::abs(quarter / double(n / 4) - 0.25) < 0.02);
            QVERIFY(std::abs(most / double(n / 4) - 0.8) < 0.02);
        }
        // Without dtype the output has the input's type.
        auto out = runOp({ "Bernoulli", {}, { tensorOf(DataType::Double, { 5 }, { 0, 1, 1, 0, 1 }) } });
        QCOMPARE(out[0]->dataType, DataType::Double);
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), (std::vector<double> { 0, 1, 1, 0, 1 }), 0, 0);
    }
};

QTEST_GUILESS_MAIN(TestRuntimeSignal)
#include "test_runtime_signal.moc"
