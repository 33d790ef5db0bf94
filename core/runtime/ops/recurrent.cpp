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
#include <tuple>

namespace nodus::rt {

namespace {

enum class Cell { Rnn, Lstm, Gru };

int gateCount(Cell cell)
{
    return cell == Cell::Lstm ? 4 : cell == Cell::Gru ? 3 : 1;
}
int activationCount(Cell cell)
{
    return cell == Cell::Lstm ? 3 : cell == Cell::Gru ? 2 : 1;
}

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
        return std::to_string(names.size()) + " activations given, "
            + std::to_string(activationCount(cell) * directions) + " expected";
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
    const std::vector<std::int64_t> stateShape = layout == 0 ? std::vector<std::int64_t> { nd, batch, hidden }
                                                             : std::vector<std::int64_t> { batch, nd, hidden };
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
    const bool wantY = ctx.wanted(0), wantH = ctx.wanted(1), wantC = lstm && ctx.wanted(2);
    if (!lstm && ctx.outputCount() > 2 && ctx.wanted(2))
        ctx.fail("has no third output");
    if (wantY)
        ctx.output(0, type, yShape);
    if (wantH)
        ctx.output(1, type, stateShape);
    if (wantC)
        ctx.output(2, type, stateShape);
    const std::uint64_t stateCount = shapeCount(stateShape);
    if (!stateCount)
        return;
    Recorder& rec = ctx.recorder();
    if (seq == 0) {
        // No steps: the final states are the initial ones.
        for (auto [output, initial, given] : { std::tuple { 1, 5, hasInitH }, std::tuple { 2, 6, hasInitC } }) {
            if (!(output == 1 ? wantH : wantC))
                continue;
            BufferRef out = ctx.outBuffer(output);
            if (given) {
                BufferRef init = ctx.buffer(initial);
                rec.copy(*init.buffer, init.offset, *out.buffer, out.offset, stateCount * 4);
            } else {
                rec.fill(*out.buffer, 0, out.offset, stateCount * 4);
            }
        }
        return;
    }

    const std::uint32_t uN = u32(std::uint64_t(N), "hidden_size");
    const std::uint32_t uH = std::uint32_t(hidden), uB = u32(std::uint64_t(batch), "batch");
    const std::uint32_t uSeq = u32(std::uint64_t(seq), "sequence length");
    const std::uint32_t uI = u32(std::uint64_t(inputSize), "input size");
    const std::uint32_t uNd = std::uint32_t(nd);
    const std::uint32_t M = u32(std::uint64_t(seq) * std::uint64_t(batch), "sequence length x batch");
    // Rows of H, R, X and W are read as vec4s: sizes padded to 4.
    const std::uint32_t Hp = (uH + 3) / 4 * 4, Ip = (uI + 3) / 4 * 4;
    const std::uint64_t xwCount = std::uint64_t(nd) * M * uN;
    u32(xwCount, "the input projection");
    u32(std::uint64_t(nd) * Ip * uN, "W");
    u32(std::uint64_t(nd) * Hp * uN, "R");
    u32(std::uint64_t(M) * Ip, "X");
    u32(shapeCount(yShape), "Y");

    BufferRef xw = ctx.scratch(xwCount * 4);
    // `rows` rows of `cols` floats, as rows of `padded` floats (zeros after
    // `cols`): the buffer itself when no padding is needed.
    auto padRows = [&](BufferRef src, std::uint64_t rows, std::uint32_t cols, std::uint32_t padded,
                       BufferRef* into = nullptr) -> BufferRef {
        if (cols == padded && !into)
            return src;
        BufferRef dst = into ? *into : ctx.scratch(rows * padded * 4);
        if (cols == padded) {
            rec.copy(*src.buffer, src.offset, *dst.buffer, dst.offset, rows * cols * 4);
            return dst;
        }
        if (!into)
            rec.fill(*dst.buffer, 0, dst.offset, rows * padded * 4);
        std::vector<std::uint32_t> params { u32(rows, "a padded tensor"), padded, cols, 1, 0 };
        ctx.dispatch1D("seq_copy", { 1 }, params, { src, dst }, rows * cols);
        return dst;
    };

    const bool gru = cell == Cell::Gru;
    const bool linearBeforeReset = gru && ctx.attrInt("linear_before_reset", 0) != 0;
    BufferRef w = ctx.buffer(1);
    BufferRef bias = hasBias ? ctx.buffer(3) : w;
    {
        BufferRef x = xw, wp = xw; // any buffers when the input size is 0
        if (uI > 0) {
            x = padRows(ctx.buffer(0), M, uI, Ip);
            wp = padRows(w, std::uint64_t(nd) * uN, uI, Ip);
        }
        const std::uint32_t I4 = Ip / 4;
        const std::uint32_t xT = layout == 0 ? uB * I4 : I4;
        const std::uint32_t xB = layout == 0 ? I4 : uSeq * I4;
        // GRU with linear_before_reset scales the h gate's recurrence bias
        // by r, so the step adds it.
        std::uint32_t noRbLo = linearBeforeReset ? 2 * uH : uN, noRbHi = linearBeforeReset ? 3 * uH : uN;
        std::vector<std::uint32_t> params { M, uN, I4, uB, xT, xB, uNd, hasBias ? 1u : 0u, noRbLo, noRbHi };
        // Row tiles beyond the Y limit are taken in turns by the shader.
        std::uint32_t rowGroups = std::min<std::uint32_t>((M + 7) / 8, 65535);
        ctx.dispatch("rnn_gates", {}, params, { x, wp, bias, xw }, (uN + 255) / 256, rowGroups, uNd);
    }
    BufferRef r = padRows(ctx.buffer(2), std::uint64_t(nd) * uN, uH, Hp);

    const Activations acts = activations(ctx, cell, nd);
    std::uint32_t reverseMask = direction == "reverse" ? 1u : direction == "bidirectional" ? 2u : 0u;
    const std::uint32_t yT = layout == 0 ? uNd * uB * uH : uNd * uH;
    const std::uint32_t yD = layout == 0 ? uB * uH : uH;
    const std::uint32_t yB = layout == 0 ? uH : uSeq * uNd * uH;
    const std::uint32_t hD = layout == 0 ? uB * uH : uH;
    const std::uint32_t hB = layout == 0 ? uH : uNd * uH;
    const std::uint32_t hDp = layout == 0 ? uB * Hp : Hp;
    const std::uint32_t hBp = layout == 0 ? Hp : uNd * Hp;
    float clip = ctx.attrFloat("clip", std::numeric_limits<float>::infinity());
    if (!(clip >= 0))
        ctx.fail("clip must not be negative");

    // H[t] ping-pongs between two padded buffers; the last step also writes
    // Y_h. Padding must read as zeros.
    const std::uint64_t paddedBytes = stateCount / uH * Hp * 4;
    auto paddedState = [&] {
        BufferRef b = ctx.scratch(paddedBytes);
        if (Hp != uH)
            rec.fill(*b.buffer, 0, b.offset, paddedBytes);
        return b;
    };
    std::array<BufferRef, 2> hBuf { paddedState(), paddedState() };
    if (hasInitH)
        padRows(ctx.buffer(5), stateCount / uH, uH, Hp, &hBuf[0]);
    BufferRef rh = (gru && !linearBeforeReset) ? paddedState() : xw;
    BufferRef z = (gru && !linearBeforeReset) ? ctx.scratch(paddedBytes) : xw;
    BufferRef cState = wantC ? ctx.outBuffer(2) : lstm ? ctx.scratch(stateCount * 4) : xw;
    BufferRef y = wantY ? ctx.outBuffer(0) : xw;
    BufferRef hFinal = wantH ? ctx.outBuffer(1) : xw;
    BufferRef lens = hasLens ? ctx.buffer(4) : xw;
    BufferRef extra = hasPeep ? ctx.buffer(7) : (gru && hasBias) ? bias : xw;
    BufferRef initC = hasInitC ? ctx.buffer(6) : xw;

    const std::uint32_t baseFlags = (wantY ? 4u : 0u) | (hasPeep ? 8u : 0u)
        | (lstm && ctx.attrInt("input_forget", 0) != 0 ? 16u : 0u) | (hasBias ? 32u : 0u);
    // Batch rows per invocation: up to 4 share each weight load.
    const std::uint32_t rows = uB >= 4 ? 4 : uB >= 2 ? 2 : 1;
    const std::uint32_t groupsY = u32(std::uint64_t(nd) * ((uB + rows - 1) / rows), "batch");
    if (groupsY > 65535)
        ctx.fail("batch " + std::to_string(batch) + " is too large for the recurrent kernels");
    std::vector<std::uint32_t> params;
    for (std::uint32_t s = 0; s < uSeq; ++s) {
        bool first = s == 0;
        std::uint32_t flags = baseFlags | (first && !hasInitH ? 1u : 0u) | (first && !hasInitC ? 2u : 0u)
            | (s + 1 == uSeq && wantH ? 64u : 0u);
        params
            = { uH, uB, uNd, uSeq, s, hasLens ? 1u : 0u, flags, floatBits(clip), reverseMask, hD, hB, yT, yD, yB, uN };
        for (float v : acts.alphaBeta)
            params.push_back(floatBits(v));
        params.insert(params.end(), { Hp, hDp, hBp });
        BufferRef hin = hBuf[s % 2], hout = hBuf[(s + 1) % 2];
        BufferRef cin = first ? initC : cState;
        auto step = [&](std::uint32_t kind, BufferRef h0, BufferRef h1, BufferRef c0, BufferRef c1, BufferRef prev) {
            ctx.dispatch("rnn_step",
                { kind, acts.codes[0], acts.codes[1], acts.codes[2], acts.codes[3], acts.codes[4], acts.codes[5],
                    rows },
                params, { xw, r, h0, h1, c0, c1, y, lens, extra, hFinal, prev }, (uH + 63) / 64, groupsY);
        };
        switch (cell) {
        case Cell::Rnn:
            step(0, hin, hout, xw, xw, xw);
            break;
        case Cell::Lstm:
            step(1, hin, hout, cin, cState, xw);
            break;
        case Cell::Gru:
            if (linearBeforeReset) {
                step(2, hin, hout, xw, xw, xw);
            } else {
                step(3, hin, rh, xw, z, xw);
                step(4, rh, hout, z, xw, hin);
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
