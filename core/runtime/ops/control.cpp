// Control flow (If, Loop, Scan, SequenceMap) and the sequence and optional
// ops. Bodies run through KernelContext::runSubgraph; only conditions and
// trip counts are read on the host. Sequences are lists of values sharing
// their elements' buffers, so building and taking them apart moves no data;
// slicing and stacking along an axis (Scan, SplitToSequence,
// ConcatFromSequence, Loop's scan outputs) copy on the side the values are
// on: bytes on the host, seq_copy (or a buffer copy when contiguous) on the
// device.
#include "runtime/kernel.h"

#include "ir/attribute.h"
#include "ir/graph.h"
#include "ir/node.h"
#include "runtime/runtimeerror.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace nodus::rt {

namespace {

const Graph& subgraph(const KernelContext& ctx, const char* name)
{
    const Attribute* a = ctx.attr(name);
    if (!a || a->graphs.empty() || !a->graphs.front())
        ctx.fail(std::string("attribute '") + name + "' (a graph) is missing");
    return *a->graphs.front();
}

std::string needGraph(const Node& node, const char* name)
{
    const Attribute* a = node.attribute(name);
    if (!a || a->graphs.empty() || !a->graphs.front())
        return std::string("attribute '") + name + "' (a graph) is missing";
    return {};
}

RtValue hostValue(HostTensor t)
{
    RtValue v;
    v.type = t.type;
    v.shape = t.shape;
    v.host = std::make_shared<HostTensor>(std::move(t));
    return v;
}

RtValue scalarValue(DataType type, std::int64_t x)
{
    std::int64_t values[] { x };
    return hostValue(HostTensor::fromInts(type, {}, values));
}

RtValue sequenceValue(std::vector<RtValue> items, DataType type)
{
    RtValue v;
    v.kind = RtValue::Kind::Sequence;
    v.sequence = std::move(items);
    v.sequenceType = type;
    return v;
}

const char* kindName(RtValue::Kind k)
{
    return k == RtValue::Kind::Tensor ? "a tensor" : k == RtValue::Kind::Sequence ? "a sequence" : "an empty optional";
}

const RtValue& tensorInput(const KernelContext& ctx, int i)
{
    const RtValue& v = ctx.input(i);
    if (v.kind != RtValue::Kind::Tensor)
        ctx.fail("input " + std::to_string(i) + " is " + kindName(v.kind) + ", a tensor is needed");
    return v;
}

const RtValue& sequenceInput(const KernelContext& ctx, int i)
{
    const RtValue& v = ctx.input(i);
    if (v.kind != RtValue::Kind::Sequence)
        ctx.fail("input " + std::to_string(i) + " is " + kindName(v.kind) + ", a sequence is needed");
    return v;
}

bool truthOf(const KernelContext& ctx, const HostTensor& h, const char* what)
{
    if (h.count() != 1)
        ctx.fail(std::string(what) + " must hold one value, it has shape " + shapeText(h.shape));
    return h.intAt(0) != 0;
}

// A condition input, read on the host (a wait when it was computed on the
// device).
bool truth(KernelContext& ctx, int input, const char* what)
{
    tensorInput(ctx, input);
    return truthOf(ctx, ctx.host(input), what);
}

bool truth(KernelContext& ctx, RtValue& v, const char* what)
{
    if (v.kind != RtValue::Kind::Tensor)
        ctx.fail(std::string(what) + " is " + kindName(v.kind) + ", a tensor is needed");
    return truthOf(ctx, ctx.hostOf(v), what);
}

std::int64_t scalarInt(KernelContext& ctx, int i, const char* what)
{
    const HostTensor& h = ctx.host(i);
    if (h.count() != 1)
        ctx.fail(std::string(what) + " must hold one value, it has shape " + shapeText(h.shape));
    return h.intAt(0);
}

// Normalizes an axis in [-rank, rank) (or up to rank inclusive when a new
// axis may be appended).
int normalizeAxis(const KernelContext& ctx, std::int64_t axis, std::size_t rank, const char* what)
{
    std::int64_t r = std::int64_t(rank);
    if (axis < -r || axis >= r)
        ctx.fail(std::string(what) + " " + std::to_string(axis) + " is out of range for rank " + std::to_string(r));
    return int(axis < 0 ? axis + r : axis);
}

std::uint64_t product(const std::vector<std::int64_t>& shape, std::size_t from, std::size_t to)
{
    std::uint64_t n = 1;
    for (std::size_t i = from; i < to; ++i)
        n *= std::uint64_t(shape[i]);
    return n;
}


// Positions [start, start+count) along `axis` of `v`, as a value of its own
// (the axis kept with length count, or dropped when `drop`).
RtValue sliceAxis(KernelContext& ctx, RtValue v, int axis, std::int64_t start, std::int64_t count, bool drop = false)
{
    std::vector<std::int64_t> shape = v.shape;
    shape[std::size_t(axis)] = count;
    if (drop)
        shape.erase(shape.begin() + axis);
    const std::uint64_t outer = product(v.shape, 0, std::size_t(axis));
    const std::uint64_t len = std::uint64_t(v.shape[std::size_t(axis)]);
    const std::uint64_t inner = product(v.shape, std::size_t(axis) + 1, v.shape.size());
    const std::size_t eb = repBytes(v.type);
    const std::uint64_t blockBytes = std::uint64_t(count) * inner * eb;
    if (v.onHost()) {
        const HostTensor& src = ctx.hostOf(v);
        HostTensor out;
        out.type = v.type;
        out.shape = shape;
        out.data.resize(outer * blockBytes);
        for (std::uint64_t o = 0; o < outer && blockBytes; ++o)
            std::memcpy(out.data.data() + o * blockBytes,
                src.data.data() + (o * len + std::uint64_t(start)) * inner * eb, blockBytes);
        return hostValue(std::move(out));
    }
    RtValue out = ctx.makeDevice(v.type, shape);
    if (!outer || !blockBytes)
        return out;
    BufferRef src = ctx.bufferOf(v);
    BufferRef dst = ctx.bufferOf(out);
    if (outer == 1) {
        ctx.recorder().copy(
            *src.buffer, src.offset + std::uint64_t(start) * inner * eb, *dst.buffer, dst.offset, blockBytes);
        return out;
    }
    const std::uint32_t words = std::uint32_t(eb / 4);
    std::vector<std::uint32_t> params { u32(outer), u32(len), u32(std::uint64_t(count)),
        u32(inner * words), u32(std::uint64_t(start)) };
    ctx.dispatch1D("seq_copy", { 0 }, params, { src, dst }, outer * std::uint64_t(count) * inner * words);
    return out;
}

// Joins `items` along `axis` into a value of `shape` (items have shape's
// dims except along the axis, where item i has lens[i]). On the host when
// every item is there, else on the device.
RtValue joinAxis(KernelContext& ctx, std::vector<RtValue>& items, const std::vector<std::int64_t>& lens, int axis,
    DataType type, const std::vector<std::int64_t>& shape)
{
    const std::uint64_t outer = product(shape, 0, std::size_t(axis));
    const std::uint64_t total = std::uint64_t(shape[std::size_t(axis)]);
    const std::uint64_t inner = product(shape, std::size_t(axis) + 1, shape.size());
    const std::size_t eb = repBytes(type);
    bool allHost = std::all_of(items.begin(), items.end(), [](const RtValue& v) { return v.onHost(); });
    if (allHost) {
        HostTensor out;
        out.type = type;
        out.shape = shape;
        out.data.resize(shapeCount(shape) * eb);
        std::uint64_t at = 0;
        for (std::size_t k = 0; k < items.size(); ++k) {
            const HostTensor& src = ctx.hostOf(items[k]);
            const std::uint64_t blockBytes = std::uint64_t(lens[k]) * inner * eb;
            for (std::uint64_t o = 0; o < outer && blockBytes; ++o)
                std::memcpy(
                    out.data.data() + (o * total + at) * inner * eb, src.data.data() + o * blockBytes, blockBytes);
            at += std::uint64_t(lens[k]);
        }
        return hostValue(std::move(out));
    }
    RtValue out = ctx.makeDevice(type, shape);
    if (!shapeCount(shape))
        return out;
    BufferRef dst = ctx.bufferOf(out);
    const std::uint32_t words = std::uint32_t(eb / 4);
    std::uint64_t at = 0;
    for (std::size_t k = 0; k < items.size(); ++k) {
        const std::uint64_t count = std::uint64_t(lens[k]);
        if (count && inner) {
            BufferRef src = ctx.bufferOf(items[k]);
            if (outer == 1) {
                ctx.recorder().copy(
                    *src.buffer, src.offset, *dst.buffer, dst.offset + at * inner * eb, count * inner * eb);
            } else {
                std::vector<std::uint32_t> params { u32(outer), u32(total), u32(count),
                    u32(inner * words), u32(at) };
                ctx.dispatch1D("seq_copy", { 1 }, params, { src, dst }, outer * count * inner * words);
            }
        }
        at += count;
    }
    return out;
}

// Stacks equally shaped tensors along a new axis `axis` (in [0, rank]).
// `fallback` is the element shape when there are no items.
RtValue stack(KernelContext& ctx, std::vector<RtValue>& items, int axis, DataType type,
    const std::vector<std::int64_t>& fallback, const char* what)
{
    std::vector<std::int64_t> elem = items.empty() ? fallback : items.front().shape;
    for (auto& v : items) {
        if (v.kind != RtValue::Kind::Tensor)
            ctx.fail(std::string(what) + " is " + kindName(v.kind) + ", a tensor is needed");
        if (v.shape != elem)
            ctx.fail(std::string(what) + " changes shape between iterations: " + shapeText(elem) + " then "
                + shapeText(v.shape));
        if (v.type != type)
            ctx.fail(std::string(what) + " changes type between iterations");
    }
    if (axis < 0 || axis > int(elem.size()))
        ctx.fail(std::string(what) + ": axis " + std::to_string(axis) + " is out of range");
    std::vector<std::int64_t> shape = elem;
    shape.insert(shape.begin() + axis, std::int64_t(items.size()));
    // joinAxis reads only the items' elements, which a length-1 axis does
    // not reorder.
    std::vector<std::int64_t> lens(items.size(), 1);
    return joinAxis(ctx, items, lens, axis, type, shape);
}

// The element type and (when fully known) the shape a subgraph declares
// for output i: what an empty stack of it looks like.
std::pair<DataType, std::vector<std::int64_t>> declaredOutput(const Graph& g, std::size_t i)
{
    DataType type = DataType::Float;
    std::vector<std::int64_t> shape;
    if (i < g.outputs.size()) {
        const ValueType& t = g.outputs[i]->type;
        if (t.elementType != DataType::Undefined)
            type = t.elementType;
        if (t.shape.rankKnown && t.shape.isFullyKnown())
            for (auto& d : t.shape.dims)
                shape.push_back(*d.value);
    }
    return { type, shape };
}

// ---- If

void runIf(KernelContext& ctx)
{
    bool cond = truth(ctx, 0, "cond");
    const Graph& branch = subgraph(ctx, cond ? "then_branch" : "else_branch");
    auto outs = ctx.runSubgraph(branch, {});
    if (int(outs.size()) < ctx.outputCount())
        ctx.fail("the " + std::string(cond ? "then" : "else") + " branch has " + std::to_string(outs.size())
            + " outputs, the node " + std::to_string(ctx.outputCount()));
    for (int i = 0; i < ctx.outputCount(); ++i)
        if (ctx.wanted(i))
            ctx.setValue(i, std::move(outs[std::size_t(i)]));
}

// ---- Loop

void runLoop(KernelContext& ctx)
{
    const Graph& body = subgraph(ctx, "body");
    const bool hasTrip = ctx.has(0);
    const std::int64_t trips = hasTrip ? scalarInt(ctx, 0, "M") : 0;
    const bool hasCond = ctx.has(1);
    bool cond = hasCond ? truth(ctx, 1, "cond") : true;
    const int N = std::max(0, ctx.inputCount() - 2);
    if (int(body.inputs.size()) != N + 2)
        ctx.fail("the body takes " + std::to_string(body.inputs.size()) + " inputs, " + std::to_string(N + 2)
            + " expected (iteration, condition and " + std::to_string(N) + " loop-carried values)");
    const int K = int(body.outputs.size()) - 1 - N;
    if (K < 0)
        ctx.fail("the body has " + std::to_string(body.outputs.size()) + " outputs, at least " + std::to_string(N + 1)
            + " expected");
    std::vector<RtValue> carried;
    for (int i = 0; i < N; ++i) {
        if (ctx.has(2 + i)) {
            carried.push_back(ctx.input(2 + i));
        } else {
            RtValue none;
            none.kind = RtValue::Kind::None;
            carried.push_back(none);
        }
    }
    std::vector<std::vector<RtValue>> scans(static_cast<std::size_t>(K));
    // Without M and cond the loop runs until cancelled, as ONNX defines it.
    for (std::int64_t i = 0; (!hasTrip || i < trips) && cond; ++i) {
        std::vector<RtValue> in;
        in.reserve(std::size_t(N + 2));
        in.push_back(scalarValue(DataType::Int64, i));
        in.push_back(scalarValue(DataType::Bool, 1));
        for (auto& v : carried)
            in.push_back(v);
        auto outs = ctx.runSubgraph(body, std::move(in));
        // The body's condition counts only when the node has one (ONNX:
        // with only M it is ignored), which spares a device read per step.
        if (hasCond)
            cond = truth(ctx, outs[0], "the body's condition");
        for (int k = 0; k < N; ++k)
            carried[std::size_t(k)] = std::move(outs[std::size_t(1 + k)]);
        for (int k = 0; k < K; ++k)
            scans[std::size_t(k)].push_back(std::move(outs[std::size_t(1 + N + k)]));
    }
    for (int i = 0; i < N && i < ctx.outputCount(); ++i)
        if (ctx.wanted(i))
            ctx.setValue(i, std::move(carried[std::size_t(i)]));
    for (int k = 0; k < K && N + k < ctx.outputCount(); ++k) {
        if (!ctx.wanted(N + k))
            continue;
        auto& items = scans[std::size_t(k)];
        auto [type, shape] = declaredOutput(body, std::size_t(1 + N + k));
        if (!items.empty())
            type = items.front().type;
        ctx.setValue(N + k, stack(ctx, items, 0, type, shape, "a scan output"));
    }
}

// ---- Scan

// Runs `body` over `steps` positions: states in and out, scan inputs sliced
// along their axes at each step (reversed where `reverse`), the per-step
// scan outputs collected in step order.
void scanSteps(KernelContext& ctx, const Graph& body, std::vector<RtValue>& states, std::vector<RtValue>& inputs,
    const std::vector<int>& axes, const std::vector<bool>& reverse, std::int64_t len, std::int64_t steps,
    std::vector<std::vector<RtValue>>& outs)
{
    const std::size_t N = states.size();
    for (std::int64_t t = 0; t < steps; ++t) {
        std::vector<RtValue> in = states;
        for (std::size_t i = 0; i < inputs.size(); ++i) {
            std::int64_t at = reverse[i] ? len - 1 - t : t;
            in.push_back(sliceAxis(ctx, inputs[i], axes[i], at, 1, true));
        }
        auto res = ctx.runSubgraph(body, std::move(in));
        for (std::size_t k = 0; k < N; ++k)
            states[k] = std::move(res[k]);
        for (std::size_t k = N; k < res.size(); ++k)
            outs[k - N].push_back(std::move(res[k]));
    }
}

void runScan(KernelContext& ctx)
{
    const Graph& body = subgraph(ctx, "body");
    const bool v8 = ctx.opset() < 9;
    const int first = v8 ? 1 : 0;
    const int M = int(ctx.attrInt("num_scan_inputs", -1));
    const int N = ctx.inputCount() - first - M;
    if (M < 1 || N < 0)
        ctx.fail(
            "num_scan_inputs " + std::to_string(M) + " does not fit " + std::to_string(ctx.inputCount()) + " inputs");
    if (int(body.inputs.size()) != N + M)
        ctx.fail(
            "the body takes " + std::to_string(body.inputs.size()) + " inputs, " + std::to_string(N + M) + " expected");
    const int K = int(body.outputs.size()) - N;
    if (K < 0 || ctx.outputCount() > N + K)
        ctx.fail("the body's outputs do not match the node's");
    for (int i = first; i < ctx.inputCount(); ++i)
        tensorInput(ctx, i);

    auto dirs = ctx.attrInts(v8 ? "directions" : "scan_input_directions", std::vector<std::int64_t>(std::size_t(M), 0));
    if (int(dirs.size()) != M)
        ctx.fail("scan input directions has " + std::to_string(dirs.size()) + " entries, " + std::to_string(M)
            + " expected");
    std::vector<bool> reverse;
    for (auto d : dirs)
        reverse.push_back(d != 0);

    if (!v8) {
        auto inAxes = ctx.attrInts("scan_input_axes", std::vector<std::int64_t>(std::size_t(M), 0));
        auto outAxes = ctx.attrInts("scan_output_axes", std::vector<std::int64_t>(std::size_t(K), 0));
        auto outDirs = ctx.attrInts("scan_output_directions", std::vector<std::int64_t>(std::size_t(K), 0));
        if (int(inAxes.size()) != M || int(outAxes.size()) != K || int(outDirs.size()) != K)
            ctx.fail("scan axes or directions do not match the number of scan inputs and outputs");
        std::vector<RtValue> states, inputs;
        std::vector<int> axes;
        for (int i = 0; i < N; ++i)
            states.push_back(ctx.input(i));
        std::int64_t len = -1;
        for (int i = 0; i < M; ++i) {
            const RtValue& v = ctx.input(N + i);
            int axis = normalizeAxis(ctx, inAxes[std::size_t(i)], v.shape.size(), "scan input axis");
            std::int64_t l = v.shape[std::size_t(axis)];
            if (len >= 0 && l != len)
                ctx.fail(
                    "scan inputs have different lengths (" + std::to_string(len) + " and " + std::to_string(l) + ")");
            len = l;
            inputs.push_back(v);
            axes.push_back(axis);
        }
        std::vector<std::vector<RtValue>> outs(static_cast<std::size_t>(K));
        scanSteps(ctx, body, states, inputs, axes, reverse, len, len, outs);
        for (int i = 0; i < N && i < ctx.outputCount(); ++i)
            if (ctx.wanted(i))
                ctx.setValue(i, std::move(states[std::size_t(i)]));
        for (int k = 0; k < K && N + k < ctx.outputCount(); ++k) {
            if (!ctx.wanted(N + k))
                continue;
            auto& items = outs[std::size_t(k)];
            if (outDirs[std::size_t(k)] != 0)
                std::reverse(items.begin(), items.end());
            auto [type, shape] = declaredOutput(body, std::size_t(N + k));
            if (!items.empty()) {
                type = items.front().type;
                shape = items.front().shape;
            }
            int axis = normalizeAxis(ctx, outAxes[std::size_t(k)], shape.size() + 1, "scan output axis");
            ctx.setValue(N + k, stack(ctx, items, axis, type, shape, "a scan output"));
        }
        return;
    }

    // Scan-8: a batch axis in front of every state and scan input, the scan
    // axis second; rows shorter than sequence_lens leave zeros in the scan
    // outputs.
    std::int64_t batch = -1, len = -1;
    for (int i = first; i < ctx.inputCount(); ++i) {
        const auto& s = ctx.shape(i);
        bool scanInput = i >= first + N;
        if (s.size() < (scanInput ? 2u : 1u))
            ctx.fail("input " + std::to_string(i) + " lacks the batch" + (scanInput ? " and sequence axes" : " axis"));
        if (batch >= 0 && s[0] != batch)
            ctx.fail("inputs have different batch sizes");
        batch = s[0];
        if (scanInput) {
            if (len >= 0 && s[1] != len)
                ctx.fail("scan inputs have different lengths");
            len = s[1];
        }
    }
    std::vector<std::int64_t> lens(std::size_t(batch), len);
    if (ctx.has(0)) {
        lens = ctx.ints(0);
        if (std::int64_t(lens.size()) != batch)
            ctx.fail("sequence_lens has " + std::to_string(lens.size()) + " entries for a batch of "
                + std::to_string(batch));
        for (auto l : lens)
            if (l < 0 || l > len)
                ctx.fail("sequence length " + std::to_string(l) + " is outside [0, " + std::to_string(len) + "]");
    }
    std::vector<std::vector<RtValue>> finalStates(static_cast<std::size_t>(N));
    // [output][batch row][step]
    std::vector<std::vector<std::vector<RtValue>>> scanRows(static_cast<std::size_t>(K));
    for (std::int64_t b = 0; b < batch; ++b) {
        std::vector<RtValue> states, inputs;
        for (int i = 0; i < N; ++i)
            states.push_back(sliceAxis(ctx, ctx.input(first + i), 0, b, 1, true));
        for (int i = 0; i < M; ++i)
            inputs.push_back(sliceAxis(ctx, ctx.input(first + N + i), 0, b, 1, true));
        std::vector<std::vector<RtValue>> outs(static_cast<std::size_t>(K));
        std::vector<int> axes(std::size_t(M), 0);
        // A reversed input of a short row starts at its last valid step.
        std::int64_t steps = lens[std::size_t(b)];
        scanSteps(ctx, body, states, inputs, axes, reverse, steps, steps, outs);
        for (int i = 0; i < N; ++i)
            finalStates[std::size_t(i)].push_back(std::move(states[std::size_t(i)]));
        for (int k = 0; k < K; ++k)
            scanRows[std::size_t(k)].push_back(std::move(outs[std::size_t(k)]));
    }
    for (int i = 0; i < N && i < ctx.outputCount(); ++i) {
        if (!ctx.wanted(i))
            continue;
        auto& items = finalStates[std::size_t(i)];
        auto [type, shape] = declaredOutput(body, std::size_t(i));
        if (!items.empty()) {
            type = items.front().type;
            shape = items.front().shape;
        }
        ctx.setValue(i, stack(ctx, items, 0, type, shape, "a final state"));
    }
    for (int k = 0; k < K && N + k < ctx.outputCount(); ++k) {
        if (!ctx.wanted(N + k))
            continue;
        auto [type, shape] = declaredOutput(body, std::size_t(N + k));
        for (auto& row : scanRows[std::size_t(k)])
            if (!row.empty()) {
                type = row.front().type;
                shape = row.front().shape;
                break;
            }
        std::vector<RtValue> rows;
        for (auto& items : scanRows[std::size_t(k)]) {
            while (std::int64_t(items.size()) < len)
                items.push_back(hostValue(HostTensor::zeros(type, shape)));
            rows.push_back(stack(ctx, items, 0, type, shape, "a scan output"));
        }
        std::vector<std::int64_t> rowShape = shape;
        rowShape.insert(rowShape.begin(), len);
        ctx.setValue(N + k, stack(ctx, rows, 0, type, rowShape, "a scan output"));
    }
}

// ---- Sequences

std::int64_t position(KernelContext& ctx, int input, std::int64_t size, bool insert)
{
    std::int64_t p = scalarInt(ctx, input, "position");
    std::int64_t hi = insert ? size : size - 1;
    if (p < -size || p > hi)
        ctx.fail("position " + std::to_string(p) + " is out of range for a sequence of " + std::to_string(size));
    return p < 0 ? p + size : p;
}

DataType elementType(const RtValue& seq)
{
    return seq.sequence.empty() ? seq.sequenceType : seq.sequence.front().type;
}

void runSequenceEmpty(KernelContext& ctx)
{
    ctx.setValue(0, sequenceValue({}, DataType(ctx.attrInt("dtype", int(DataType::Float)))));
}

void runSequenceConstruct(KernelContext& ctx)
{
    std::vector<RtValue> items;
    for (int i = 0; i < ctx.inputCount(); ++i) {
        const RtValue& v = tensorInput(ctx, i);
        if (!items.empty() && v.type != items.front().type)
            ctx.fail("inputs have different element types");
        items.push_back(v);
    }
    DataType type = items.empty() ? DataType::Float : items.front().type;
    ctx.setValue(0, sequenceValue(std::move(items), type));
}

void runSequenceInsert(KernelContext& ctx)
{
    RtValue seq = sequenceInput(ctx, 0);
    const RtValue& t = tensorInput(ctx, 1);
    // An empty sequence's element type may be unknown where it was made (a
    // graph input), so only elements already there are checked.
    if (!seq.sequence.empty() && t.type != elementType(seq))
        ctx.fail("the tensor's element type differs from the sequence's");
    std::int64_t size = std::int64_t(seq.sequence.size());
    std::int64_t at = ctx.has(2) ? position(ctx, 2, size, true) : size;
    seq.sequence.insert(seq.sequence.begin() + at, t);
    seq.sequenceType = t.type;
    ctx.setValue(0, std::move(seq));
}

void runSequenceAt(KernelContext& ctx)
{
    const RtValue& seq = sequenceInput(ctx, 0);
    std::int64_t at = position(ctx, 1, std::int64_t(seq.sequence.size()), false);
    ctx.setValue(0, seq.sequence[std::size_t(at)]);
}

void runSequenceErase(KernelContext& ctx)
{
    RtValue seq = sequenceInput(ctx, 0);
    std::int64_t size = std::int64_t(seq.sequence.size());
    if (!size)
        ctx.fail("cannot erase from an empty sequence");
    std::int64_t at = ctx.has(1) ? position(ctx, 1, size, false) : size - 1;
    seq.sequenceType = elementType(seq);
    seq.sequence.erase(seq.sequence.begin() + at);
    ctx.setValue(0, std::move(seq));
}

void runSequenceLength(KernelContext& ctx)
{
    const RtValue& seq = sequenceInput(ctx, 0);
    ctx.setValue(0, scalarValue(DataType::Int64, std::int64_t(seq.sequence.size())));
}

void runSplitToSequence(KernelContext& ctx)
{
    RtValue in = tensorInput(ctx, 0);
    const int axis = normalizeAxis(ctx, ctx.attrInt("axis", 0), in.shape.size(), "axis");
    const std::int64_t dim = in.shape[std::size_t(axis)];
    std::vector<std::int64_t> sizes;
    bool squeeze = false;
    if (!ctx.has(1)) {
        sizes.assign(std::size_t(dim), 1);
        squeeze = ctx.attrInt("keepdims", 1) == 0;
    } else {
        const HostTensor& split = ctx.host(1);
        auto values = split.ints();
        if (split.shape.empty()) {
            std::int64_t chunk = values.at(0);
            if (chunk <= 0)
                ctx.fail("split " + std::to_string(chunk) + " must be positive");
            for (std::int64_t at = 0; at < dim; at += chunk)
                sizes.push_back(std::min(chunk, dim - at));
        } else {
            std::int64_t sum = 0;
            for (auto s : values) {
                if (s < 0)
                    ctx.fail("split sizes must not be negative");
                sum += s;
            }
            if (sum != dim)
                ctx.fail("split sizes add up to " + std::to_string(sum) + ", the axis has " + std::to_string(dim));
            sizes = values;
        }
    }
    std::vector<RtValue> items;
    std::int64_t at = 0;
    for (auto s : sizes) {
        items.push_back(sliceAxis(ctx, in, axis, at, s, squeeze));
        at += s;
    }
    ctx.setValue(0, sequenceValue(std::move(items), in.type));
}

void runConcatFromSequence(KernelContext& ctx)
{
    RtValue seq = sequenceInput(ctx, 0);
    if (seq.sequence.empty())
        ctx.fail("cannot concatenate an empty sequence");
    const bool newAxis = ctx.attrInt("new_axis", 0) != 0;
    const Attribute* axisAttr = ctx.attr("axis");
    if (!axisAttr)
        ctx.fail("attribute 'axis' is missing");
    auto& items = seq.sequence;
    const DataType type = items.front().type;
    const auto& first = items.front().shape;
    for (auto& v : items)
        if (v.kind != RtValue::Kind::Tensor || v.type != type)
            ctx.fail("the sequence's elements differ in type");
    if (newAxis) {
        int axis = normalizeAxis(ctx, axisAttr->i, first.size() + 1, "axis");
        ctx.setValue(0, stack(ctx, items, axis, type, first, "an element"));
        return;
    }
    int axis = normalizeAxis(ctx, axisAttr->i, first.size(), "axis");
    std::vector<std::int64_t> shape = first;
    std::vector<std::int64_t> lens;
    std::int64_t total = 0;
    for (auto& v : items) {
        bool same = v.shape.size() == first.size();
        for (std::size_t d = 0; same && d < first.size(); ++d)
            same = int(d) == axis || v.shape[d] == first[d];
        if (!same)
            ctx.fail("element shapes " + shapeText(first) + " and " + shapeText(v.shape) + " cannot be concatenated");
        lens.push_back(v.shape[std::size_t(axis)]);
        total += lens.back();
    }
    shape[std::size_t(axis)] = total;
    ctx.setValue(0, joinAxis(ctx, items, lens, axis, type, shape));
}

void runSequenceMap(KernelContext& ctx)
{
    const Graph& body = subgraph(ctx, "body");
    const RtValue& seq0 = sequenceInput(ctx, 0);
    const std::size_t n = seq0.sequence.size();
    if (int(body.inputs.size()) != ctx.inputCount())
        ctx.fail("the body takes " + std::to_string(body.inputs.size()) + " inputs, the node has "
            + std::to_string(ctx.inputCount()));
    for (int i = 0; i < ctx.inputCount(); ++i) {
        const RtValue& v = ctx.input(i);
        if (v.kind == RtValue::Kind::Sequence && v.sequence.size() != n)
            ctx.fail("input sequences have different lengths");
    }
    std::vector<std::vector<RtValue>> results(body.outputs.size());
    for (std::size_t k = 0; k < n; ++k) {
        std::vector<RtValue> in;
        for (int i = 0; i < ctx.inputCount(); ++i) {
            const RtValue& v = ctx.input(i);
            in.push_back(v.kind == RtValue::Kind::Sequence ? v.sequence[k] : v);
        }
        auto outs = ctx.runSubgraph(body, std::move(in));
        for (std::size_t o = 0; o < outs.size() && o < results.size(); ++o)
            results[o].push_back(std::move(outs[o]));
    }
    for (int o = 0; o < ctx.outputCount() && o < int(results.size()); ++o) {
        if (!ctx.wanted(o))
            continue;
        DataType type = results[std::size_t(o)].empty() ? declaredOutput(body, std::size_t(o)).first
                                                        : results[std::size_t(o)].front().type;
        ctx.setValue(o, sequenceValue(std::move(results[std::size_t(o)]), type));
    }
}

// ---- Optionals: an optional holding a value is that value; an empty one is
// Kind::None.

void runOptional(KernelContext& ctx)
{
    if (ctx.has(0)) {
        ctx.setValue(0, ctx.input(0));
        return;
    }
    RtValue none;
    none.kind = RtValue::Kind::None;
    ctx.setValue(0, none);
}

void runOptionalHasElement(KernelContext& ctx)
{
    bool has = ctx.has(0) && ctx.input(0).kind != RtValue::Kind::None;
    ctx.setValue(0, scalarValue(DataType::Bool, has ? 1 : 0));
}

void runOptionalGetElement(KernelContext& ctx)
{
    const RtValue& v = ctx.input(0);
    if (v.kind == RtValue::Kind::None)
        ctx.fail("the optional is empty");
    ctx.setValue(0, v);
}

} // namespace

void registerControlKernels(KernelRegistry& registry)
{
    registry.add("If", runIf, [](const Node& node) {
        std::string e = needGraph(node, "then_branch");
        return e.empty() ? needGraph(node, "else_branch") : e;
    });
    registry.add("Loop", runLoop, [](const Node& node) { return needGraph(node, "body"); });
    registry.add("Scan", runScan, [](const Node& node) {
        if (!node.attribute("num_scan_inputs"))
            return std::string("attribute 'num_scan_inputs' is missing");
        return needGraph(node, "body");
    });
    registry.add("SequenceMap", runSequenceMap, [](const Node& node) { return needGraph(node, "body"); });
    registry.add("SequenceEmpty", runSequenceEmpty);
    registry.add("SequenceConstruct", runSequenceConstruct);
    registry.add("SequenceInsert", runSequenceInsert);
    registry.add("SequenceAt", runSequenceAt);
    registry.add("SequenceErase", runSequenceErase);
    registry.add("SequenceLength", runSequenceLength);
    registry.add("SplitToSequence", runSplitToSequence);
    registry.add("ConcatFromSequence", runConcatFromSequence);
    registry.add("Optional", runOptional);
    registry.add("OptionalHasElement", runOptionalHasElement);
    registry.add("OptionalGetElement", runOptionalGetElement);
}

} // namespace nodus::rt
