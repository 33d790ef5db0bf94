#include "probe.h"

#include "buffer.h"
#include "recorder.h"
#include "runtimeerror.h"
#include "session.h"
#include "vulkandevice.h"

#include "ir/graph.h"
#include "ir/node.h"
#include "ir/tensor.h"
#include "ir/value.h"

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cmath>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace nodus::rt {

namespace {

double medianOf(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Seconds per run of what `record` records (median; one warm-up run first,
// which also builds the pipeline).
template <typename F> double timed(Recorder& recorder, int runs, F record)
{
    std::vector<double> seconds;
    for (int r = -1; r < runs; ++r) {
        recorder.beginRun();
        const auto t0 = std::chrono::steady_clock::now();
        record();
        recorder.flush(true);
        if (r >= 0)
            seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return medianOf(std::move(seconds));
}

// The floats of `out` at invocation 1, every 997th from 0 and the last of
// `count`, against `want(i)` within a relative `tolerance`; throws naming
// the probe when one is off.
template <typename F>
void checkResults(Recorder& recorder, const Buffer& out, std::uint32_t count, const char* probe, double tolerance, F want)
{
    const std::vector<std::byte> bytes = recorder.read(out, std::uint64_t(count) * 4);
    auto at = [&](std::uint32_t i) { return double(std::bit_cast<float>(std::array<std::byte, 4> {
                                         bytes[4 * i], bytes[4 * i + 1], bytes[4 * i + 2], bytes[4 * i + 3] })); };
    auto check = [&](std::uint32_t i) {
        if (std::abs(at(i) - want(i)) > tolerance * std::abs(want(i)))
            throw RuntimeError(std::string("device probe ") + probe + ": invocation " + std::to_string(i) + " gave "
                + std::to_string(at(i)) + ", not " + std::to_string(want(i)));
    };
    check(1);
    for (std::uint32_t i = 0; i < count; i += 997)
        check(i);
    check(count - 1);
}

} // namespace

DeviceRates probeDevice(const std::string& choice, int runs)
{
    runs = std::max(runs, 1);
    auto device = VulkanDevice::shared(choice);
    DeviceRates rates;
    rates.device = device->info().name;
    BufferPool pool(*device);
    Recorder recorder(*device, pool, false);

    // Enough invocations to fill every core or compute unit many times over;
    // each does 16 * iters multiply-adds or iters fetches.
    const std::uint32_t invocations = device->info().gpu ? 1u << 22 : 1u << 17;
    auto out = pool.acquire(std::uint64_t(invocations) * 4);
    const BufferRef outRef { out.get() };

    {
        const std::uint32_t iters = device->info().gpu ? 1024 : 256;
        const std::array<std::uint32_t, 1> spec { iters };
        const std::array<std::uint32_t, 2> params { invocations, std::bit_cast<std::uint32_t>(1.0f - 0x1p-20f) };
        const std::array<BufferRef, 1> buffers { outRef };
        const double s = timed(recorder, runs, [&] { recorder.dispatch1D("probe_fma", spec, params, buffers, invocations); });
        rates.fmaPerSecond = double(invocations) * 16 * iters / s;
        // acc_k = x + k, then iters rounds of acc = a * acc + b (b = x / 2),
        // summed over k: a^n (16 x + 120) + 16 b (1 - a^n) / (1 - a).
        const double a = 1.0 - 0x1p-20, an = std::pow(a, double(iters));
        checkResults(recorder, *out, invocations, "probe_fma", 1e-4, [&](std::uint32_t i) {
            const double x = double(float(i) * 1e-7f), b = double(float(x) * 0.5f);
            return an * (16 * x + 120) + 16 * b * (1 - an) / (1 - a);
        });
    }

    auto fetchRate = [&](std::uint32_t texels, std::uint32_t count, std::uint32_t stride, std::uint32_t iters) {
        auto src = pool.acquire(std::uint64_t(texels) * 16);
        recorder.beginRun();
        recorder.fill(*src, std::bit_cast<std::uint32_t>(0.5f));
        recorder.flush(true);
        BufferRef srcRef { src.get() };
        srcRef.texel = VK_FORMAT_R32G32B32A32_SFLOAT;
        const std::array<std::uint32_t, 1> spec { iters };
        const std::array<std::uint32_t, 3> params { count, texels - 1, stride };
        const std::array<BufferRef, 2> buffers { srcRef, outRef };
        const double s = timed(recorder, runs, [&] { recorder.dispatch1D("probe_fetch", spec, params, buffers, count); });
        // Every texel is (0.5, 0.5, 0.5, 0.5): each invocation sums 2 per fetch.
        checkResults(recorder, *out, count, "probe_fetch", 0, [&](std::uint32_t) { return 2.0 * iters; });
        return double(count) * iters / s;
    };
    // 2048 texels (32 KiB): each invocation walks it 3 texels at a time, so
    // neighbouring lanes read neighbouring texels, as GEMM lanes read their
    // slots, from cache.
    rates.fetchesPerSecond = fetchRate(2048, invocations, 3, 256);
    // A buffer larger than a CPU's caches (64 MiB) or a GPU's (256 MiB),
    // read in whole passes: each round of fetches covers `count` neighbouring
    // texels, and a dispatch reads the buffer once (CPU) or four times (GPU,
    // so the submission's own cost stays small beside it).
    const bool gpu = device->info().gpu;
    std::uint32_t big = gpu ? 1u << 24 : 1u << 22, count = gpu ? 1u << 20 : 1u << 16;
    while (big > device->limits().maxTexelBufferElements && big > count)
        big >>= 1;
    rates.streamBytesPerSecond = fetchRate(big, count, count, (gpu ? 4 : 1) * big / count) * 16;
    return rates;
}

MultiplyAdds countMultiplyAdds(const Graph& graph, const RunResult& run,
    const std::vector<std::pair<std::string, std::shared_ptr<const Tensor>>>& inputs)
{
    auto dimsOf = [&](const Value* v) -> std::optional<std::vector<std::int64_t>> {
        if (!v)
            return std::nullopt;
        if (auto it = run.intermediates.find(v->name()); it != run.intermediates.end() && it->second)
            return it->second->dims;
        if (v->initializer)
            return v->initializer->dims;
        for (auto& [name, t] : inputs)
            if (name == v->name() && t)
                return t->dims;
        for (std::size_t i = 0; i < graph.outputs.size() && i < run.outputs.size(); ++i)
            if (graph.outputs[i] == v && run.outputs[i])
                return run.outputs[i]->dims;
        return std::nullopt;
    };
    auto product = [](const std::vector<std::int64_t>& d, std::size_t from) {
        double n = 1;
        for (std::size_t i = from; i < d.size(); ++i)
            n *= double(d[i]);
        return n;
    };
    // The GEMM path runs conv_wino_gemm too; Winograd alone has conv_wino_in.
    std::set<std::size_t> winograd;
    for (const NodeTiming& t : run.timings)
        if (std::find(t.kernels.begin(), t.kernels.end(), "conv_wino_in") != t.kernels.end())
            winograd.insert(t.index);

    MultiplyAdds m;
    const auto& nodes = graph.nodes();
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const Node& n = *nodes[i];
        if (!n.domain.empty() && n.domain != "ai.onnx")
            continue;
        const auto& in = n.inputs();
        const auto& out = n.outputs();
        if (in.size() < 2 || out.empty())
            continue;
        auto a = dimsOf(in[0]), b = dimsOf(in[1]), y = dimsOf(out[0]);
        if (!a || !b || !y)
            continue;
        double count = 0;
        if (n.opType == "Conv" && b->size() >= 2)
            count = product(*y, 0) * product(*b, 1); // every output: C / group * kernel products
        else if (n.opType == "ConvTranspose" && b->size() >= 2)
            count = product(*a, 0) * product(*b, 1); // every input: OC / group * kernel products
        else if (n.opType == "Gemm" && a->size() == 2) {
            const Attribute* transA = n.attribute("transA");
            count = product(*y, 0) * double(transA && transA->i ? (*a)[0] : (*a)[1]);
        } else if (n.opType == "MatMul" && !a->empty())
            count = product(*y, 0) * double(a->back());
        else
            continue;
        ++m.nodes;
        m.direct += count;
        m.executed += winograd.count(i) ? count / 4 : count;
    }
    return m;
}

} // namespace nodus::rt
