// Signal processing and generator ops. DFT and STFT run on the device: a
// mixed-radix FFT when the length factors well, else a direct DFT. The
// cosine-sum windows and MelWeightMatrix are generators computed on the
// host (they take no tensor data, only a few scalars). TfIdfVectorizer
// counts n-grams on the device, and the random ops draw from a
// counter-based generator on the device.
#include "ir/attribute.h"
#include "ir/node.h"
#include "runtime/kernel.h"
#include "runtime/runtimeerror.h"
#include "runtime/shapeutil.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <numbers>
#include <random>

namespace nodus::rt {

namespace {


std::uint64_t product(const std::vector<std::int64_t>& shape, std::size_t from, std::size_t to)
{
    std::uint64_t n = 1;
    for (std::size_t i = from; i < to; ++i)
        n *= std::uint64_t(shape[i]);
    return n;
}

std::int64_t scalarInt(KernelContext& ctx, int input, const char* what)
{
    auto v = ctx.ints(input);
    if (v.size() != 1)
        ctx.fail(std::string(what) + " must be a scalar, got shape " + shapeText(ctx.shape(input)));
    return v[0];
}

double scalarDouble(KernelContext& ctx, int input, const char* what)
{
    auto v = ctx.doubles(input);
    if (v.size() != 1)
        ctx.fail(std::string(what) + " must be a scalar, got shape " + shapeText(ctx.shape(input)));
    return v[0];
}

void requireFloat(KernelContext& ctx, int input, const char* what)
{
    if (repOf(ctx.type(input)) != Rep::F32)
        ctx.fail(
            std::string(what) + " must be a floating-point tensor, got " + std::string(dataTypeName(ctx.type(input))));
}

// A host tensor handed to the device for this node only; `holder` keeps
// the buffer until the dispatch is recorded (the pool orders later reuse).
BufferRef upload(KernelContext& ctx, RtValue& holder, HostTensor tensor)
{
    holder.type = tensor.type;
    holder.shape = tensor.shape;
    holder.host = std::make_shared<HostTensor>(std::move(tensor));
    return ctx.bufferOf(holder);
}

std::string checkOutputType(const Node& node, const char* name)
{
    const Attribute* a = node.attribute(name);
    if (a && !hasRep(DataType(a->i)))
        return std::string(name) + " " + std::to_string(a->i) + " is not a type the Vulkan runtime can hold";
    return {};
}

// ---- DFT / STFT

// cos and sign*sin of 2*pi*m/L for m < L, computed in double so the
// quarter and half turns land on (nearly) exact values.
HostTensor twiddles(std::int64_t L, bool inverse)
{
    HostTensor t = HostTensor::zeros(DataType::Float, { 2 * L });
    float* w = t.as<float>();
    for (std::int64_t m = 0; m < L; ++m) {
        double angle = 2 * std::numbers::pi * double(m) / double(L);
        w[2 * m] = float(std::cos(angle));
        w[2 * m + 1] = float(inverse ? std::sin(angle) : -std::sin(angle));
    }
    return t;
}

struct DftLayout {
    std::uint64_t o1 = 1, o2 = 1, bins = 1, inner = 1;
    std::uint64_t s1 = 0, s2 = 0, si = 0, sn = 0;
    std::uint64_t used = 0; // input samples per signal
    std::int64_t length = 1; // L
    std::uint32_t components = 1;
    float scale = 1;
};

// Radices of a mixed-radix FFT of length L: 8s, then 4s first (fewest
// stages, and butterflies with few multiplies); empty when L has a prime
// factor above 13 (MAX_R in dft_radix.comp), which the direct DFT handles.
std::vector<std::uint64_t> radices(std::uint64_t length)
{
    std::vector<std::uint64_t> r;
    while (length % 8 == 0) {
        r.push_back(8);
        length /= 8;
    }
    while (length % 4 == 0) {
        r.push_back(4);
        length /= 4;
    }
    for (std::uint64_t f : { 2, 3, 5, 7, 11, 13 })
        while (length % f == 0) {
            r.push_back(f);
            length /= f;
        }
    if (length != 1)
        r.clear();
    return r;
}

// The FFT spends about R multiply-adds per output in each stage (one
// dispatch each), the direct DFT L per kept bin in one dispatch. The FFT is
// taken when it does clearly less work.
bool preferFft(std::uint64_t bins, const std::vector<std::uint64_t>& r)
{
    std::uint64_t perOutput = 0;
    for (auto f : r)
        perOutput += f;
    return !r.empty() && 2 * perOutput < bins;
}

void recordFft(KernelContext& ctx, const DftLayout& d, BufferRef x, const BufferRef* window, BufferRef tw, BufferRef y,
    const std::vector<std::uint64_t>& factors)
{
    auto length = std::uint64_t(d.length);
    std::uint64_t total = d.o1 * d.o2 * d.inner * length;
    BufferRef a = tw, b = tw;
    if (factors.size() > 1) {
        a = ctx.scratch(total * 8);
        b = ctx.scratch(total * 8);
    }
    std::uint64_t ns = 1;
    for (std::size_t f = 0; f < factors.size(); ++f) {
        std::uint64_t r = factors[f];
        bool first = f == 0, last = f + 1 == factors.size();
        std::vector<std::uint32_t> params = { u32(total / r), u32(length), u32(ns),
            u32(length / (ns * r)), u32(length / r), u32(d.inner), u32(d.o2), u32(d.s1),
            u32(d.s2), u32(d.si), u32(d.sn), u32(d.used), u32(d.bins), floatBits(d.scale) };
        // Bindings a stage does not use get any valid buffer.
        ctx.dispatch1D("dft_radix",
            { std::uint32_t(r), first ? 1u : 0u, last ? 1u : 0u, d.components, window ? 1u : 0u }, params,
            { x, window ? *window : tw, a, tw, last ? tw : b, last ? y : tw }, total / r);
        std::swap(a, b);
        ns *= r;
    }
}

void recordDft(KernelContext& ctx, const DftLayout& d, bool inverse, BufferRef x, const BufferRef* window, BufferRef y)
{
    std::uint64_t count = d.o1 * d.o2 * d.bins * d.inner;
    if (count == 0)
        return;
    RtValue table;
    BufferRef tw = upload(ctx, table, twiddles(d.length, inverse));
    auto factors = radices(std::uint64_t(d.length));
    if (preferFft(d.bins, factors)) {
        recordFft(ctx, d, x, window, tw, y, factors);
        return;
    }
    std::vector<std::uint32_t> params
        = { u32(count), u32(d.inner), u32(d.bins), u32(d.o2), u32(d.s1), u32(d.s2),
              u32(d.si), u32(d.sn), u32(d.used), u32(std::uint64_t(d.length)), floatBits(d.scale) };
    ctx.dispatch1D("dft", { d.components, window ? 1u : 0u }, params, { x, tw, window ? *window : tw, y }, count);
}

std::string checkDft(const Node& node)
{
    const Attribute* inverse = node.attribute("inverse");
    const Attribute* onesided = node.attribute("onesided");
    if (inverse && inverse->i && onesided && onesided->i)
        return "inverse and onesided together are not defined";
    return {};
}

void runDft(KernelContext& ctx)
{
    requireFloat(ctx, 0, "the input");
    const auto& shape = ctx.shape(0);
    std::size_t rank = shape.size();
    if (rank < 2)
        ctx.fail("the input needs a signal dimension and a last dimension of 1 or 2, got " + shapeText(shape));
    std::int64_t components = shape.back();
    if (components != 1 && components != 2)
        ctx.fail("the last dimension must be 1 (real) or 2 (complex), got " + shapeText(shape));
    bool inverse = ctx.attrInt("inverse", 0) != 0;
    bool onesided = ctx.attrInt("onesided", 0) != 0;
    // Opset 20 moved the axis to an input (default -2); both count over the
    // whole rank, and the component dimension is not a signal axis.
    std::int64_t axisValue = 1;
    if (ctx.opset() >= 20)
        axisValue = ctx.has(2) ? scalarInt(ctx, 2, "axis") : -2;
    else
        axisValue = ctx.attrInt("axis", 1);
    auto axis = std::size_t(normalizeAxis(axisValue, rank));
    if (axis == rank - 1)
        ctx.fail("the axis cannot be the last (real/imaginary) dimension");
    std::int64_t n = shape[axis];
    std::int64_t length = ctx.has(1) ? scalarInt(ctx, 1, "dft_length") : n;
    if (length < 1)
        ctx.fail("the DFT length must be at least 1, got " + std::to_string(length));

    DftLayout d;
    d.length = length;
    d.bins = std::uint64_t(onesided ? length / 2 + 1 : length);
    d.o1 = product(shape, 0, axis);
    d.inner = product(shape, axis + 1, rank - 1);
    d.s1 = std::uint64_t(n) * d.inner;
    d.si = 1;
    d.sn = d.inner;
    d.used = std::uint64_t(std::min(n, length));
    d.components = std::uint32_t(components);
    d.scale = inverse ? float(1.0 / double(length)) : 1.0f;

    std::vector<std::int64_t> out = shape;
    out[axis] = std::int64_t(d.bins);
    out.back() = 2;
    ctx.output(0, ctx.type(0), out);
    if (shapeCount(out) == 0)
        return;
    recordDft(ctx, d, inverse, ctx.buffer(0), nullptr, ctx.outBuffer(0));
}

void runStft(KernelContext& ctx)
{
    requireFloat(ctx, 0, "the signal");
    const auto& shape = ctx.shape(0);
    if (shape.size() != 3 || (shape[2] != 1 && shape[2] != 2))
        ctx.fail("the signal must be [batch, length, 1 or 2], got " + shapeText(shape));
    std::int64_t step = scalarInt(ctx, 1, "frame_step");
    if (step < 1)
        ctx.fail("frame_step must be at least 1, got " + std::to_string(step));
    std::int64_t length = -1;
    if (ctx.has(2)) {
        requireFloat(ctx, 2, "the window");
        if (ctx.shape(2).size() != 1)
            ctx.fail("the window must have rank 1, got " + shapeText(ctx.shape(2)));
        length = ctx.shape(2)[0];
    }
    if (ctx.has(3)) {
        std::int64_t frameLength = scalarInt(ctx, 3, "frame_length");
        if (length >= 0 && frameLength != length)
            ctx.fail("frame_length " + std::to_string(frameLength) + " differs from the window's length "
                + std::to_string(length));
        length = frameLength;
    }
    if (length < 0)
        ctx.fail("either a window or a frame_length is needed");
    if (length < 1)
        ctx.fail("the frame length must be at least 1");
    bool onesided = ctx.attrInt("onesided", 1) != 0;
    std::int64_t signal = shape[1];
    std::int64_t frames = signal >= length ? (signal - length) / step + 1 : 0;

    DftLayout d;
    d.length = length;
    d.bins = std::uint64_t(onesided ? length / 2 + 1 : length);
    d.o1 = std::uint64_t(shape[0]);
    d.o2 = std::uint64_t(frames);
    d.s1 = std::uint64_t(signal);
    d.s2 = std::uint64_t(step);
    d.sn = 1;
    d.used = std::uint64_t(length);
    d.components = std::uint32_t(shape[2]);

    std::vector<std::int64_t> out = { shape[0], frames, std::int64_t(d.bins), 2 };
    ctx.output(0, ctx.type(0), out);
    if (shapeCount(out) == 0)
        return;
    if (ctx.has(2)) {
        BufferRef window = ctx.buffer(2);
        recordDft(ctx, d, false, ctx.buffer(0), &window, ctx.outBuffer(0));
    } else {
        recordDft(ctx, d, false, ctx.buffer(0), nullptr, ctx.outBuffer(0));
    }
}

// ---- windows and the mel matrix (host)

std::string checkGenerator(const Node& node)
{
    return checkOutputType(node, "output_datatype");
}

// a0 - a1*cos(2*pi*n/N) + a2*cos(4*pi*n/N), N = size (periodic) or size - 1.
void runCosineWindow(KernelContext& ctx, double a0, double a1, double a2)
{
    std::int64_t size = scalarInt(ctx, 0, "size");
    if (size < 0)
        ctx.fail("the window size must not be negative, got " + std::to_string(size));
    bool periodic = ctx.attrInt("periodic", 1) != 0;
    DataType type = DataType(ctx.attrInt("output_datatype", int(DataType::Float)));
    double period = double(periodic ? size : size - 1);
    std::vector<double> values(static_cast<std::size_t>(size));
    for (std::int64_t n = 0; n < size; ++n) {
        // A symmetric window of one point has no period: it is the peak,
        // as in numpy and torch.
        if (period == 0) {
            values[std::size_t(n)] = 1;
            continue;
        }
        double angle = 2 * std::numbers::pi * double(n) / period;
        values[std::size_t(n)] = a0 - a1 * std::cos(angle) + a2 * std::cos(2 * angle);
    }
    ctx.setHost(0, HostTensor::fromDoubles(type, { size }, values));
}

// Triangular filters between integer spectrogram bins spaced evenly on the
// mel scale, exactly as the ONNX reference computes them.
void runMelWeightMatrix(KernelContext& ctx)
{
    std::int64_t mels = scalarInt(ctx, 0, "num_mel_bins");
    std::int64_t dftLength = scalarInt(ctx, 1, "dft_length");
    std::int64_t sampleRate = scalarInt(ctx, 2, "sample_rate");
    double lower = scalarDouble(ctx, 3, "lower_edge_hertz");
    double upper = scalarDouble(ctx, 4, "upper_edge_hertz");
    if (mels < 0 || dftLength < 1 || sampleRate < 1)
        ctx.fail("num_mel_bins must be >= 0 and dft_length and sample_rate >= 1");
    DataType type = DataType(ctx.attrInt("output_datatype", int(DataType::Float)));
    std::int64_t spectrum = dftLength / 2 + 1;

    auto toMel = [](double hz) { return 2595 * std::log10(1 + hz / 700); };
    double lowMel = toMel(lower);
    double melStep = (toMel(upper) - lowMel) / double(mels + 2);
    std::vector<std::int64_t> bins(std::size_t(mels + 2));
    for (std::size_t i = 0; i < bins.size(); ++i) {
        double hz = 700 * (std::pow(10.0, (double(i) * melStep + lowMel) / 2595) - 1);
        double bin = std::floor(double(dftLength + 1) * hz / double(sampleRate));
        if (!(bin >= 0 && bin < double(spectrum)))
            ctx.fail("the mel band edges fall outside the " + std::to_string(spectrum)
                + " spectrogram bins (check lower_edge_hertz, upper_edge_hertz and sample_rate)");
        bins[i] = std::int64_t(bin);
    }

    std::vector<double> out(std::size_t(spectrum * mels), 0.0);
    auto at = [&](std::int64_t j, std::int64_t i) -> double& { return out[std::size_t(j * mels + i)]; };
    for (std::int64_t i = 0; i < mels; ++i) {
        std::int64_t left = bins[std::size_t(i)];
        std::int64_t center = bins[std::size_t(i + 1)];
        std::int64_t right = bins[std::size_t(i + 2)];
        if (center == left)
            at(center, i) = 1;
        else
            for (std::int64_t j = left; j <= center; ++j)
                at(j, i) = double(j - left) / double(center - left);
        for (std::int64_t j = center; j < right; ++j)
            at(j, i) = double(right - j) / double(right - center);
    }
    ctx.setHost(0, HostTensor::fromDoubles(type, { spectrum, mels }, out));
}

// ---- TfIdfVectorizer

std::uint32_t tfidfMode(const std::string& mode)
{
    if (mode == "TF")
        return 0;
    if (mode == "IDF")
        return 1;
    if (mode == "TFIDF")
        return 2;
    return 3;
}

std::string duplicateNgram(std::size_t length)
{
    return "the pool lists a " + std::to_string(length) + "-gram twice";
}

struct Ngram {
    std::size_t offset; // in pool_int64s
    std::size_t length;
    std::int64_t column;
};

// The pool's n-grams with a length in [min_gram_length, max_gram_length];
// empty string when the attributes are consistent, else why not. Repeated
// n-grams are looked for only when `duplicates` (a run finds them while
// hashing).
std::string tfidfNgrams(const Node& node, std::vector<Ngram>& ngrams, std::int64_t& columns, bool duplicates)
{
    auto ints = [&](const char* name) {
        const Attribute* a = node.attribute(name);
        return a ? a->ints : std::vector<std::int64_t> {};
    };
    auto integer = [&](const char* name, std::int64_t fallback) {
        const Attribute* a = node.attribute(name);
        return a ? a->i : fallback;
    };
    const Attribute* mode = node.attribute("mode");
    if (!mode || tfidfMode(mode->s) > 2)
        return "mode must be TF, IDF or TFIDF";
    const Attribute* strings = node.attribute("pool_strings");
    if (strings && !strings->strings.empty())
        return "string pools (pool_strings) are not supported: the runtime holds no string tensors";
    std::int64_t minGram = integer("min_gram_length", 0);
    std::int64_t maxGram = integer("max_gram_length", 0);
    std::int64_t maxSkip = integer("max_skip_count", 0);
    auto counts = ints("ngram_counts");
    auto indexes = ints("ngram_indexes");
    auto pool = ints("pool_int64s");
    if (minGram < 1 || maxGram < minGram || maxSkip < 0)
        return "need 1 <= min_gram_length <= max_gram_length and max_skip_count >= 0";
    if (counts.empty() || std::size_t(maxGram) > counts.size())
        return "ngram_counts must list a start for every n-gram length up to max_gram_length";
    if (indexes.empty())
        return "ngram_indexes must not be empty";
    if (std::any_of(indexes.begin(), indexes.end(), [](std::int64_t i) { return i < 0; }))
        return "ngram_indexes must not be negative";
    columns = *std::max_element(indexes.begin(), indexes.end()) + 1;
    const Attribute* weights = node.attribute("weights");
    if (weights && !weights->floats.empty() && weights->floats.size() < std::size_t(columns))
        return "weights must have one value per output column";

    std::map<std::vector<std::int64_t>, bool> seen;
    std::size_t id = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
        std::size_t length = i + 1;
        auto start = std::size_t(counts[i]);
        std::size_t end = i + 1 < counts.size() ? std::size_t(counts[i + 1]) : pool.size();
        if (counts[i] < 0 || end < start || end > pool.size())
            return "ngram_counts are out of the pool's bounds for " + std::to_string(length) + "-grams";
        if ((end - start) % length)
            return "the pool's " + std::to_string(length) + "-grams do not fill whole n-grams";
        for (std::size_t off = start; off < end; off += length, ++id) {
            if (id >= indexes.size())
                return "ngram_indexes has fewer entries than the pool has n-grams";
            if (std::int64_t(length) < minGram || std::int64_t(length) > maxGram)
                continue;
            if (duplicates) {
                std::vector<std::int64_t> key(
                    pool.begin() + std::ptrdiff_t(off), pool.begin() + std::ptrdiff_t(off + length));
                if (!seen.emplace(std::move(key), true).second)
                    return duplicateNgram(length);
            }
            ngrams.push_back({ off, length, indexes[id] });
        }
    }
    return {};
}

std::string checkTfIdf(const Node& node)
{
    std::vector<Ngram> ngrams;
    std::int64_t columns = 0;
    return tfidfNgrams(node, ngrams, columns, true);
}

// The n-gram hash of tfidf_count.comp, bit for bit.
std::uint32_t rotl(std::uint32_t v, int r)
{
    return (v << r) | (v >> (32 - r));
}

std::uint32_t mixWord(std::uint32_t h, std::uint32_t v)
{
    v = rotl(v * 0xcc9e2d51u, 15) * 0x1b873593u;
    return rotl(h ^ v, 13) * 5u + 0xe6546b64u;
}

std::uint32_t ngramHash(const std::int64_t* tokens, std::size_t n)
{
    std::uint32_t h = 0x2545f491u;
    for (std::size_t j = 0; j < n; ++j)
        h = mixWord(mixWord(h, std::uint32_t(tokens[j])), std::uint32_t(tokens[j] >> 32));
    h ^= std::uint32_t(n);
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

// Counting looks n-grams up in a hash table (per row, start and skip: the
// work ORT's trie does), so a large vocabulary costs nothing per token.
void runTfIdf(KernelContext& ctx)
{
    std::vector<Ngram> ngrams;
    std::int64_t columns = 0;
    if (std::string why = tfidfNgrams(ctx.node(), ngrams, columns, false); !why.empty())
        ctx.fail(why);
    Rep rep = repOf(ctx.type(0));
    if (rep == Rep::F32)
        ctx.fail("the input must hold integer tokens");
    const auto& shape = ctx.shape(0);
    if (shape.empty() || shape.size() > 2)
        ctx.fail("the input must be [C] or [N, C], got " + shapeText(shape));
    std::int64_t rows = shape.size() == 2 ? shape[0] : 1;
    std::int64_t tokens = shape.back();
    std::vector<std::int64_t> out
        = shape.size() == 2 ? std::vector<std::int64_t> { rows, columns } : std::vector<std::int64_t> { columns };
    ctx.output(0, DataType::Float, out);
    std::uint64_t count = shapeCount(out);
    if (count == 0)
        return;

    auto pool = ctx.attrInts("pool_int64s");
    std::uint64_t slots = 16;
    while (slots < 2 * ngrams.size())
        slots *= 2;
    std::vector<std::int64_t> table(4 * slots, 0);
    for (const Ngram& g : ngrams) {
        const std::int64_t* tokens = pool.data() + g.offset;
        std::uint64_t slot = ngramHash(tokens, g.length) & (slots - 1);
        for (; table[4 * slot] != 0; slot = (slot + 1) & (slots - 1))
            if (std::size_t(table[4 * slot + 1]) == g.length
                && std::equal(tokens, tokens + g.length, pool.data() + table[4 * slot] - 1))
                ctx.fail(duplicateNgram(g.length));
        table[4 * slot] = std::int64_t(g.offset) + 1;
        table[4 * slot + 1] = std::int64_t(g.length);
        table[4 * slot + 2] = g.column;
    }
    if (pool.empty())
        pool.push_back(0); // a buffer to bind; no slot reads it
    auto weights = ctx.attrFloats("weights");
    bool weighted = !weights.empty();
    std::vector<double> w(weights.begin(), weights.end());
    if (w.empty())
        w.push_back(0);

    BufferRef counts = ctx.scratch(count * 4);
    ctx.recorder().fill(*counts.buffer, 0, counts.offset, count * 4);
    std::uint64_t distances = std::uint64_t(ctx.attrInt("max_skip_count", 0)) + 1;
    std::uint64_t starts = std::uint64_t(rows) * distances * std::uint64_t(tokens);
    RtValue poolValue, tableValue, weightValue;
    if (starts && !ngrams.empty()) {
        BufferRef poolBuffer
            = upload(ctx, poolValue, HostTensor::fromInts(DataType::Int64, { std::int64_t(pool.size()) }, pool));
        BufferRef tableBuffer
            = upload(ctx, tableValue, HostTensor::fromInts(DataType::UInt32, { std::int64_t(table.size()) }, table));
        std::uint32_t params[] = { u32(starts), u32(std::uint64_t(tokens)), u32(distances),
            std::uint32_t(ctx.attrInt("min_gram_length", 1)), std::uint32_t(ctx.attrInt("max_gram_length", 1)),
            u32(slots - 1), u32(std::uint64_t(columns)) };
        ctx.dispatch1D(KernelContext::shader("tfidf_count", rep), {}, params,
            { ctx.buffer(0), poolBuffer, tableBuffer, counts }, starts);
    }
    BufferRef weightBuffer
        = upload(ctx, weightValue, HostTensor::fromDoubles(DataType::Float, { std::int64_t(w.size()) }, w));
    std::uint32_t params[] = { u32(count), u32(std::uint64_t(columns)), weighted ? 1u : 0u };
    ctx.dispatch1D(
        "tfidf", { tfidfMode(ctx.attrString("mode")) }, params, { counts, weightBuffer, ctx.outBuffer(0) }, count);
}

// ---- random

// The generator key: the seed attribute when given (the same tensor on
// every run), else a fresh key per run from a process-wide stream.
std::uint64_t randomKey(KernelContext& ctx)
{
    if (const Attribute* seed = ctx.attr("seed"))
        return std::uint64_t(std::bit_cast<std::uint32_t>(float(seed->f))) | (std::uint64_t(0x5eed) << 32);
    static std::atomic<std::uint64_t> stream { (std::uint64_t(std::random_device {}()) << 32)
        ^ std::uint64_t(std::random_device {}()) };
    // splitmix64, so consecutive keys differ in every bit
    std::uint64_t z = stream.fetch_add(0x9e3779b97f4a7c15ull) + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

enum RandomOp : std::uint32_t { Uniform = 0, Normal = 1, BernoulliOp = 2 };

void recordRandom(KernelContext& ctx, RandomOp op, DataType type, std::vector<std::int64_t> shape, float a, float b)
{
    RtValue& out = ctx.output(0, type, std::move(shape));
    std::uint64_t count = out.count();
    if (count == 0)
        return;
    std::uint64_t key = randomKey(ctx);
    std::uint32_t params[]
        = { u32(count), std::uint32_t(key), std::uint32_t(key >> 32), floatBits(a), floatBits(b) };
    BufferRef y = ctx.outBuffer(0);
    BufferRef probabilities = op == BernoulliOp ? ctx.buffer(0) : y;
    ctx.dispatch1D(
        KernelContext::shader("random", repOf(type)), { std::uint32_t(op) }, params, { probabilities, y }, count);
}

std::string checkRandom(const Node& node)
{
    const Attribute* dtype = node.attribute("dtype");
    if (dtype && (!hasRep(DataType(dtype->i)) || !isFloatingPoint(DataType(dtype->i))))
        return "dtype " + std::to_string(dtype->i) + " is not a floating-point type";
    return {};
}

std::string checkBernoulli(const Node& node)
{
    return checkOutputType(node, "dtype");
}

// Output type of the *Like ops and Bernoulli: dtype, else the input's.
DataType likeType(KernelContext& ctx)
{
    return ctx.attr("dtype") ? DataType(ctx.attrInt("dtype", 1)) : ctx.type(0);
}

void runRandom(KernelContext& ctx, RandomOp op, bool like)
{
    DataType type = like ? likeType(ctx) : DataType(ctx.attrInt("dtype", int(DataType::Float)));
    if (!isFloatingPoint(type) || !hasRep(type))
        ctx.fail("the output type must be floating-point, got " + std::string(dataTypeName(type)));
    std::vector<std::int64_t> shape;
    if (like) {
        shape = ctx.shape(0);
    } else {
        if (!ctx.attr("shape"))
            ctx.fail("the shape attribute is required");
        shape = ctx.attrInts("shape");
        for (auto d : shape)
            if (d < 0)
                ctx.fail("the shape " + shapeText(shape) + " has a negative dimension");
    }
    if (op == Uniform) {
        float low = ctx.attrFloat("low", 0), high = ctx.attrFloat("high", 1);
        recordRandom(ctx, op, type, std::move(shape), low, high - low);
    } else {
        recordRandom(ctx, op, type, std::move(shape), ctx.attrFloat("mean", 0), ctx.attrFloat("scale", 1));
    }
}

void runBernoulli(KernelContext& ctx)
{
    requireFloat(ctx, 0, "the input");
    recordRandom(ctx, BernoulliOp, likeType(ctx), ctx.shape(0), 0, 0);
}

} // namespace

void registerSignalKernels(KernelRegistry& r)
{
    r.add("DFT", runDft, checkDft);
    r.add("STFT", runStft);
    r.add(
        "HannWindow", [](KernelContext& ctx) { runCosineWindow(ctx, 0.5, 0.5, 0); }, checkGenerator);
    r.add(
        "HammingWindow", [](KernelContext& ctx) { runCosineWindow(ctx, 25.0 / 46, 21.0 / 46, 0); }, checkGenerator);
    r.add(
        "BlackmanWindow", [](KernelContext& ctx) { runCosineWindow(ctx, 0.42, 0.5, 0.08); }, checkGenerator);
    r.add("MelWeightMatrix", runMelWeightMatrix, checkGenerator);
    r.add("TfIdfVectorizer", runTfIdf, checkTfIdf);
    r.add(
        "RandomUniform", [](KernelContext& ctx) { runRandom(ctx, Uniform, false); }, checkRandom);
    r.add(
        "RandomNormal", [](KernelContext& ctx) { runRandom(ctx, Normal, false); }, checkRandom);
    r.add(
        "RandomUniformLike", [](KernelContext& ctx) { runRandom(ctx, Uniform, true); }, checkRandom);
    r.add(
        "RandomNormalLike", [](KernelContext& ctx) { runRandom(ctx, Normal, true); }, checkRandom);
    r.add("Bernoulli", runBernoulli, checkBernoulli);
}

} // namespace nodus::rt
