// RNN, GRU and LSTM (ONNX semantics). The input projection X * W^T (+ bias)
// of every time step is one GEMM dispatch up front (rnn_gates); then each
// time step is one dispatch (two for GRU without linear_before_reset, whose
// reset gate must be complete before it scales H[t-1]) doing the recurrent
// projection and the gate math for all directions at once (rnn_step).
#include "runtime/kernel.h"

#include "ir/attribute.h"
#include "ir/node.h"
#include "runtime/runtimeerror.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <limits>

namespace nodus::rt {

namespace {

enum class Cell { Rnn, Lstm, Gru };

int gateCount(Cell cell) { return cell == Cell::Lstm ? 4 : cell == Cell::Gru ? 3 : 1; }
int activationCount(Cell cell) { return cell == Cell::Lstm ? 3 : cell == Cell::Gru ? 2 : 1; }

// The activations ONNX lists for recurrent ops, in rnn_step's act() order,
// with how many alphas/betas each takes and the defaults of the matching
// ONNX operators. Alphas and betas are consumed in order by the activations
// that take them (as onnxruntime does).
struct ActivationInfo {
    const char* name;
    int alphas;
    int betas;
    float alpha;
    float beta;
};
constexpr std::array<ActivationInfo, 11> kActivations { {
    { "sigmoid", 0, 0, 0.f, 0.f },
    { "tanh", 0, 0, 0.f, 0.f },
    { "relu", 0, 0, 0.f, 0.f },
    { "affine", 1, 1, 1.f, 0.f },
    { "leakyrelu", 1, 0, 0.01f, 0.f },
    { "thresholdedrelu", 1, 0, 1.f, 0.f },
    { "scaledtanh", 1, 1, 1.f, 1.f },
    { "hardsigmoid", 1, 1, 0.2f, 0.5f },
    { "elu", 1, 0, 1.f, 0.f },
    { "softsign", 0, 0, 0.f, 0.f },
    { "softplus", 0, 0, 0.f, 0.f },
} };

int activationCode(const std::string& name)
{
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    for (std::size_t i = 0; i < kActivations.size(); ++i)
        if (lower == kActivations[i].name)
            return int(i);
    return -1;
}

int directionCount(const std::string& direction)
{
    if (direction == "forward" || direction == "reverse")
        return 1;
    if (direction == "bidirectional")
        return 2;
    return 0;
}

std::vector<std::string> activationNames(const Node& node, Cell cell, int directions)
{
    const Attribute* a = node.attribute("activations");
    if (a && !a->strings.empty()) {
        // One set for both directions is taken as meant for each.
        if (directions == 2 && int(a->strings.size()) == activationCount(cell)) {
            auto names = a->strings;
            names.insert(names.end(), a->strings.begin(), a->strings.end());
            return names;
        }
        return a->strings;
    }
    std::vector<std::string> defaults;
    for (int d = 0; d < directions; ++d) {
        if (cell == Cell::Lstm)
            defaults.insert(defaults.end(), { "Sigmoid", "Tanh", "Tanh" });
        else if (cell == Cell::Gru)
            defaults.insert(defaults.end(), { "Sigmoid", "Tanh" });
        else
            defaults.push_back("Tanh");
    }
    return defaults;
}

std::string checkRecurrent(const Node& node, Cell cell)
{
    std::string direction = "forward";
    if (const Attribute* a = node.attribute("direction"))
        direction = a->s;
    int directions = directionCount(direction);
    if (!directions)
        return "direction '" + direction + "' is not forward, reverse or bidirectional";
    if (const Attribute* a = node.attribute("layout"); a && a->i != 0 && a->i != 1)
        return "layout " + std::to_string(a->i) + " is not 0 or 1";
    auto names = activationNames(node, cell, directions);
    if (int(names.size()) != activationCount(cell) * directions)
        return std::to_string(names.size()) + " activations given, " + std::to_string(activationCount(cell) * directions)
            + " expected";
    for (const auto& name : names)
        if (activationCode(name) < 0)
            return "activation '" + name + "' is not supported";
    return {};
}

std::vector<float> floatList(const KernelContext& ctx, std::string_view name)
{
    return ctx.attrFloats(name, {});
}

// The step shader's activation slots: [direction][f, g, h] codes and
// alpha/beta pairs.
struct Activations {
    std::array<std::uint32_t, 6> codes { 0, 1, 1, 0, 1, 1 };
    std::array<float, 12> alphaBeta {};
};

Activations activations(const KernelContext& ctx, Cell cell, int directions)
{
    auto names = activationNames(ctx.node(), cell, directions);
    auto alphas = floatList(ctx, "activation_alpha");
    auto betas = floatList(ctx, "activation_beta");
    std::size_t nextAlpha = 0, nextBeta = 0;
    Activations out;
    int per = activationCount(cell);
    for (int d = 0; d < directions; ++d)
        for (int k = 0; k < per; ++k) {
            const std::string& name = names[std::size_t(d * per + k)];
            int code = activationCode(name);
            if (code < 0)
                ctx.fail("activation '" + name + "' is not supported");
            const ActivationInfo& info = kActivations[std::size_t(code)];
            float alpha = info.alpha, beta = info.beta;
            if (info.alphas && nextAlpha < alphas.size())
                alpha = alphas[nextAlpha++];
            if (info.betas && nextBeta < betas.size())
                beta = betas[nextBeta++];
            std::size_t slot = std::size_t(d * 3 + k);
            out.codes[slot] = std::uint32_t(code);
            out.alphaBeta[slot * 2] = alpha;
            out.alphaBeta[slot * 2 + 1] = beta;
        }
    return out;
}

std::uint32_t u32(KernelContext& ctx, std::uint64_t v, const char* what)
{
    if (v > std::numeric_limits<std::uint32_t>::max())
        ctx.fail(std::string(what) + " is too large for the recurrent kernels");
    return std::uint32_t(v);
}

void expectShape(KernelContext& ctx, int input, const char* name, const std::vector<std::int64_t>& shape)
{
    if (ctx.shape(input) != shape)
        ctx.fail(std::string(name) + " has shape " + shapeText(ctx.shape(input)) + ", expected " + shapeText(shape));
}

void runRecurrent(KernelContext& ctx, Cell cell)
{
    const int G = gateCount(cell);
    if (ctx.input(0).kind != RtValue::Kind::Tensor || repOf(ctx.type(0)) != Rep::F32)
        ctx.fail("X must be a floating-point tensor");
    const auto& xs = ctx.shape(0);
    if (xs.size() != 3)
        ctx.fail("X must have rank 3, got " + shapeText(xs));
    const int layout = int(ctx.attrInt("layout", 0));
    const std::string direction = ctx.attrString("direction", "forward");
    const int nd = directionCount(direction);
    if (!nd)
        ctx.fail("direction '" + direction + "' is not supported");
    const std::int64_t seq = layout == 0 ? xs[0] : xs[1];
    const std::int64_t batch = layout == 0 ? xs[1] : xs[0];
    const std::int64_t inputSize = xs[2];
    const auto& rs = ctx.shape(2);
    if (rs.size() != 3)
        ctx.fail("R must have rank 3, got " + shapeText(rs));
    const std::int64_t hidden = ctx.attrInt("hidden_size", rs[2]);
    const std::int64_t N = G * hidden;
    expectShape(ctx, 1, "W", { nd, N, inputSize });
    expectShape(ctx, 2, "R", { nd, N, hidden });
    const bool hasBias = ctx.has(3);
    if (hasBias)
        expectShape(ctx, 3, "B", { nd, 2 * N });
    const bool hasLens = ctx.has(4);
    if (hasLens) {
        expectShape(ctx, 4, "sequence_lens", { batch });
        if (repOf(ctx.type(4)) != Rep::I32)
            ctx.fail("sequence_lens must be int32");
    }
    const std::vector<std::int64_t> stateShape
        = layout == 0 ? std::vector<std::int64_t> { nd, batch, hidden } : std::vector<std::int64_t> { batch, nd, hidden };
    const bool hasInitH = ctx.has(5);
    if (hasInitH)
        expectShape(ctx, 5, "initial_h", stateShape);
    const bool lstm = cell == Cell::Lstm;
    const bool hasInitC = lstm && ctx.has(6);
    if (hasInitC)
        expectShape(ctx, 6, "initial_c", stateShape);
    const bool hasPeep = lstm && ctx.has(7);
    if (hasPeep)
        expectShape(ctx, 7, "P", { nd, 3 * hidden });
    for (int i = 1; i < ctx.inputCount(); ++i)
        if (ctx.has(i) && i != 4 && repOf(ctx.type(i)) != Rep::F32)
            ctx.fail("input " + std::to_string(i) + " must be a floating-point tensor");

    const DataType type = ctx.type(0);
    const std::vector<std::int64_t> yShape = layout == 0 ? std::vector<std::int64_t> { seq, nd, batch, hidden }
                                                         : std::vector<std::int64_t> { batch, seq, nd, hidden };
    const bool wantY = ctx.wanted(0);
    if (wantY)
        ctx.output(0, type, yShape);
    const std::uint64_t stateBytes = shapeCount(stateShape) * 4;
    Recorder& rec = ctx.recorder();
    // The final states: an output, or scratch when the node does not name it
    // (H is still needed to step; C only for LSTM).
    auto stateBuffer = [&](int output, int initial, bool hasInitial) -> BufferRef {
        BufferRef ref;
        if (ctx.wanted(output)) {
            ctx.output(output, type, stateShape);
            if (!stateBytes)
                return {};
            ref = ctx.outBuffer(output);
        } else {
            if (!stateBytes)
                return {};
            ref = ctx.scratch(stateBytes);
        }
        if (seq == 0) {
            // No steps: the final state is the initial one.
            if (hasInitial) {
                BufferRef init = ctx.buffer(initial);
                rec.copy(*init.buffer, init.offset, *ref.buffer, ref.offset, stateBytes);
            } else {
                rec.fill(*ref.buffer, 0, ref.offset, stateBytes);
            }
        }
        return ref;
    };
    BufferRef finalH = stateBuffer(1, 5, hasInitH);
    BufferRef finalC;
    if (lstm)
        finalC = stateBuffer(2, 6, hasInitC);
    else if (ctx.outputCount() > 2 && ctx.wanted(2))
        ctx.fail("has no third output");
    if (seq == 0 || batch == 0 || hidden == 0)
        return;

    const std::uint32_t uN = u32(ctx, std::uint64_t(N), "hidden_size");
    const std::uint32_t uH = std::uint32_t(hidden), uB = u32(ctx, std::uint64_t(batch), "batch");
    const std::uint32_t uSeq = u32(ctx, std::uint64_t(seq), "sequence length");
    const std::uint32_t uI = u32(ctx, std::uint64_t(inputSize), "input size");
    const std::uint32_t uNd = std::uint32_t(nd);
    const std::uint32_t M = u32(ctx, std::uint64_t(seq) * std::uint64_t(batch), "sequence length x batch");
    const std::uint64_t xwCount = std::uint64_t(nd) * M * uN;
    u32(ctx, xwCount, "the input projection");
    u32(ctx, std::uint64_t(nd) * uI * uN, "W");
    u32(ctx, std::uint64_t(nd) * uH * uN, "R");
    u32(ctx, shapeCount(yShape), "Y");

    // Transposed weights, so neighbouring invocations read neighbouring
    // words.
    BufferRef w = ctx.buffer(1);
    BufferRef xw = ctx.scratch(xwCount * 4);
    BufferRef wt = xw; // any buffer when the input size is 0
    if (inputSize > 0) {
        wt = ctx.scratch(std::uint64_t(nd) * uI * uN * 4);
        std::vector<std::uint32_t> params { uNd, uN, uI, 1 };
        ctx.dispatch1D("seq_swapaxes", {}, params, { w, wt }, std::uint64_t(nd) * uN * uI);
    }
    BufferRef rt = ctx.scratch(std::uint64_t(nd) * uH * uN * 4);
    {
        std::vector<std::uint32_t> params { uNd, uN, uH, 1 };
        ctx.dispatch1D("seq_swapaxes", {}, params, { ctx.buffer(2), rt }, std::uint64_t(nd) * uN * uH);
    }

    const bool gru = cell == Cell::Gru;
    const bool linearBeforeReset = gru && ctx.attrInt("linear_before_reset", 0) != 0;
    const std::uint32_t xT = layout == 0 ? uB * uI : uI;
    const std::uint32_t xB = layout == 0 ? uI : uSeq * uI;
    BufferRef x = inputSize > 0 ? ctx.buffer(0) : xw;
    BufferRef bias = hasBias ? ctx.buffer(3) : w;
    {
        // GRU with linear_before_reset scales the h gate's recurrence bias
        // by r, so the step adds it.
        std::uint32_t noRbLo = linearBeforeReset ? 2 * uH : uN, noRbHi = linearBeforeReset ? 3 * uH : uN;
        std::vector<std::uint32_t> params { M, uN, uI, uB, xT, xB, uNd, hasBias ? 1u : 0u, noRbLo, noRbHi };
        ctx.dispatch1D("rnn_gates", {}, params, { x, wt, bias, xw }, std::uint64_t(nd) * ((M + 3) / 4) * uN);
    }

    const Activations acts = activations(ctx, cell, nd);
    std::uint32_t reverseMask = direction == "reverse" ? 1u : direction == "bidirectional" ? 2u : 0u;
    const std::uint32_t yT = layout == 0 ? uNd * uB * uH : uNd * uH;
    const std::uint32_t yD = layout == 0 ? uB * uH : uH;
    const std::uint32_t yB = layout == 0 ? uH : uSeq * uNd * uH;
    const std::uint32_t hD = layout == 0 ? uB * uH : uH;
    const std::uint32_t hB = layout == 0 ? uH : uNd * uH;
    float clip = ctx.attrFloat("clip", std::numeric_limits<float>::infinity());
    if (!(clip >= 0))
        ctx.fail("clip must not be negative");

    BufferRef y = wantY ? ctx.outBuffer(0) : xw;
    BufferRef lens = hasLens ? ctx.buffer(4) : xw;
    BufferRef extra = hasPeep ? ctx.buffer(7) : (gru && hasBias) ? bias : xw;
    BufferRef initH = hasInitH ? ctx.buffer(5) : xw;
    BufferRef initC = hasInitC ? ctx.buffer(6) : xw;
    // H ping-pongs so that the last step writes the final state's buffer.
    BufferRef other = ctx.scratch(stateBytes);
    std::array<BufferRef, 2> hBuf;
    hBuf[std::size_t(seq % 2)] = finalH;
    hBuf[std::size_t((seq + 1) % 2)] = other;
    BufferRef aux = (gru && !linearBeforeReset) ? ctx.scratch(2 * stateBytes) : xw;
    BufferRef cState = lstm ? finalC : xw;

    std::uint32_t baseFlags = (wantY ? 4u : 0u) | (hasPeep ? 8u : 0u)
        | (lstm && ctx.attrInt("input_forget", 0) != 0 ? 16u : 0u) | (hasBias ? 32u : 0u);
    const std::uint64_t invocations = std::uint64_t(nd) * uB * uH;
    std::vector<std::uint32_t> params(27);
    for (std::uint32_t s = 0; s < uSeq; ++s) {
        bool first = s == 0;
        std::uint32_t flags = baseFlags | (first && !hasInitH ? 1u : 0u) | (first && !hasInitC ? 2u : 0u);
        params = { uH, uB, uNd, uSeq, s, hasLens ? 1u : 0u, flags, floatBits(clip), reverseMask, hD, hB, yT, yD, yB,
            uN };
        for (float v : acts.alphaBeta)
            params.push_back(floatBits(v));
        BufferRef hin = first ? initH : hBuf[s % 2];
        BufferRef hout = hBuf[(s + 1) % 2];
        BufferRef cin = first ? initC : cState;
        auto step = [&](std::uint32_t kind, BufferRef c0, BufferRef c1, BufferRef h1) {
            ctx.dispatch1D("rnn_step",
                { kind, acts.codes[0], acts.codes[1], acts.codes[2], acts.codes[3], acts.codes[4], acts.codes[5] },
                params, { xw, rt, hin, h1, c0, c1, y, lens, extra }, invocations);
        };
        switch (cell) {
        case Cell::Rnn:
            step(0, xw, xw, hout);
            break;
        case Cell::Lstm:
            step(1, cin, cState, hout);
            break;
        case Cell::Gru:
            if (linearBeforeReset) {
                step(2, xw, xw, hout);
            } else {
                step(3, xw, aux, xw);
                step(4, aux, xw, hout);
            }
            break;
        }
    }
}

} // namespace

void registerRecurrentKernels(KernelRegistry& registry)
{
    registry.add(
        "RNN", [](KernelContext& ctx) { runRecurrent(ctx, Cell::Rnn); },
        [](const Node& node) { return checkRecurrent(node, Cell::Rnn); });
    registry.add(
        "GRU", [](KernelContext& ctx) { runRecurrent(ctx, Cell::Gru); },
        [](const Node& node) { return checkRecurrent(node, Cell::Gru); });
    registry.add(
        "LSTM", [](KernelContext& ctx) { runRecurrent(ctx, Cell::Lstm); },
        [](const Node& node) { return checkRecurrent(node, Cell::Lstm); });
}

} // namespace nodus::rt
