#include "session.h"

#include "buffer.h"
#include "executor.h"
#include "ir/model.h"
#include "ir/ownedtensordata.h"
#include "ir/tensor.h"
#include "ir/value.h"
#include "recorder.h"
#include "runtimeerror.h"
#include "vulkandevice.h"

#include <chrono>
#include <cmath>
#include <exception>
#include <random>
#include <set>
#include <unordered_map>

namespace nodus::rt {

namespace {

int defaultOpset(const Model& model)
{
    for (auto& [domain, version] : model.opsets)
        if (domain.empty() || domain == "ai.onnx")
            return int(version);
    return 17;
}

void collectUnsupported(const Graph& g, int opset, std::vector<std::string>& out, std::set<std::string>& seen)
{
    auto& registry = KernelRegistry::instance();
    for (auto& n : g.nodes()) {
        std::string label = n->opType + " '" + n->name + "'";
        const KernelInfo* k = registry.find(n->domain, n->opType);
        std::string reason;
        if (!k && !hostEvaluable(*n, opset))
            reason = "no kernel for " + (n->domain.empty() ? std::string() : n->domain + ".") + n->opType;
        else if (k && k->check)
            reason = k->check(*n);
        if (!reason.empty() && seen.insert(label + reason).second)
            out.push_back(label + ": " + reason);
        for (auto& a : n->attributes)
            for (auto& sub : a.graphs)
                collectUnsupported(*sub, opset, out, seen);
    }
}

// Initializers larger than one binding may span, read by a kernel that does
// not split them: refused before anything runs (values computed during the
// run are checked when their kernel binds them).
void collectOversized(const Graph& g, const VulkanDevice& device, std::vector<std::string>& out)
{
    auto& registry = KernelRegistry::instance();
    for (auto& n : g.nodes()) {
        const KernelInfo* k = registry.find(n->domain, n->opType);
        for (std::size_t i = 0; k && i < n->inputs().size(); ++i) {
            const Value* v = n->inputs()[i];
            if (!v || !v->initializer || !hasRep(v->initializer->dataType))
                continue;
            std::uint64_t bytes = shapeCount(v->initializer->dims) * repBytes(v->initializer->dataType);
            if (bytes <= device.maxBindingBytes() || (k->large && k->large(*n, int(i))))
                continue;
            out.push_back(n->opType + " '" + n->name + "': input '" + v->name() + "' of " + mibText(bytes)
                + " is larger than one storage buffer binding may be on " + device.info().name + " ("
                + mibText(device.maxBindingBytes())
                + ", maxStorageBufferRange or NODUS_MAX_BINDING_BYTES), and this kernel does not split it");
        }
        for (auto& a : n->attributes)
            for (auto& sub : a.graphs)
                collectOversized(*sub, device, out);
    }
}

} // namespace

std::vector<std::string> unsupportedOps(const Model& model)
{
    std::vector<std::string> out;
    std::set<std::string> seen;
    collectUnsupported(*model.graph, defaultOpset(model), out, seen);
    return out;
}

struct Session::Impl {
    SessionOptions options;
    std::shared_ptr<VulkanDevice> device;
    std::unique_ptr<BufferPool> pool;
    std::unordered_map<const Tensor*, RtValue> weights;
    DerivedWeights derived;
    // Kept from run to run (Recorder::beginRun); dropped after a failed run.
    std::unique_ptr<Recorder> recorder;
    int opset = 17;
    ~Impl()
    {
        recorder.reset();
        derived.clear();
        weights.clear();
        pool.reset();
        device.reset();
    }
};

std::string NodeTiming::kernelList() const
{
    std::string text;
    for (const std::string& k : kernels)
        text += (text.empty() ? "" : ", ") + k;
    return text;
}

Session::Session(std::shared_ptr<const Model> model, SessionOptions options)
    : model_(std::move(model))
    , impl_(std::make_unique<Impl>())
{
    auto bad = unsupportedOps(*model_);
    if (!bad.empty()) {
        std::string text
            = std::to_string(bad.size()) + " op" + (bad.size() == 1 ? "" : "s") + " cannot run on the Vulkan backend:";
        for (auto& b : bad)
            text += "\n  " + b;
        throw RuntimeError(text);
    }
    impl_->options = std::move(options);
    impl_->opset = defaultOpset(*model_);
    impl_->device = VulkanDevice::shared(impl_->options.device);
    impl_->pool = std::make_unique<BufferPool>(*impl_->device);
    if (impl_->options.halfWeights && !impl_->device->info().halfWeights)
        throw RuntimeError(impl_->device->info().name
            + " cannot read float16 texel buffers, so it cannot keep weights as float16: run with float32 weights");
    std::vector<std::string> oversized;
    collectOversized(*model_->graph, *impl_->device, oversized);
    if (!oversized.empty()) {
        std::string text = oversized.front();
        for (std::size_t i = 1; i < oversized.size(); ++i)
            text += "\n" + oversized[i];
        throw RuntimeError(text);
    }
}

Session::~Session() = default;

const DeviceInfo& Session::device() const
{
    return impl_->device->info();
}

RunResult Session::run(
    const std::vector<std::pair<std::string, std::shared_ptr<const Tensor>>>& feeds, const RunOptions& runOptions)
{
    std::vector<std::pair<std::string, RunValue>> values;
    for (auto& [name, t] : feeds) {
        RunValue v;
        v.tensor = t;
        values.push_back({ name, std::move(v) });
    }
    return run(values, runOptions);
}

namespace {

RtValue rtTensor(const Tensor& t)
{
    RtValue r;
    r.type = t.dataType;
    r.shape = t.dims;
    r.host = std::make_shared<HostTensor>(toHost(t));
    return r;
}

std::shared_ptr<Tensor> readBack(const RtValue& v, const std::string& name)
{
    HostTensor h = *v.host;
    narrowToType(h.type, h.data);
    return toTensor(h, name);
}

} // namespace

RunResult Session::run(const std::vector<std::pair<std::string, RunValue>>& feeds, const RunOptions& runOptions)
{
    auto start = std::chrono::steady_clock::now();
    const Graph& graph = *model_->graph;
    std::vector<RtValue> inputs;
    for (Value* v : graph.realInputs()) {
        const RunValue* fed = nullptr;
        for (auto& [name, value] : feeds)
            if (name == v->name())
                fed = &value;
        if (!fed)
            throw RuntimeError("input '" + v->name() + "' was not given");
        if (fed->kind != RunValue::Kind::Tensor) {
            RtValue r;
            r.kind = fed->kind == RunValue::Kind::None ? RtValue::Kind::None : RtValue::Kind::Sequence;
            r.sequenceType = fed->elementType;
            for (auto& t : fed->sequence)
                r.sequence.push_back(rtTensor(*t));
            inputs.push_back(std::move(r));
            continue;
        }
        std::shared_ptr<const Tensor> given = fed->tensor;
        if (!given)
            throw RuntimeError("input '" + v->name() + "' was given no tensor");
        if (v->type.isTensor() && v->type.elementType != DataType::Undefined && v->type.elementType != given->dataType)
            throw RuntimeError("input '" + v->name() + "' is " + std::string(dataTypeName(v->type.elementType))
                + ", but a " + std::string(dataTypeName(given->dataType)) + " tensor was given");
        if (v->type.isTensor() && v->type.shape.rankKnown) {
            auto& dims = v->type.shape.dims;
            bool ok = dims.size() == given->dims.size();
            for (std::size_t i = 0; ok && i < dims.size(); ++i)
                ok = !dims[i].isKnown() || *dims[i].value == given->dims[i];
            if (!ok)
                throw RuntimeError("input '" + v->name() + "' has shape " + v->type.shape.toString() + ", but "
                    + shapeText(given->dims) + " was given");
        }
        inputs.push_back(rtTensor(*given));
    }

    if (!impl_->recorder)
        impl_->recorder = std::make_unique<Recorder>(*impl_->device, *impl_->pool, impl_->options.profile);
    impl_->recorder->beginRun();
    Recorder& recorder = *impl_->recorder;
    // A run that throws may leave work recorded or in flight: the next run
    // starts on a fresh recorder (destroyed after the executor below).
    struct DropOnThrow {
        std::unique_ptr<Recorder>& recorder;
        int exceptions = std::uncaught_exceptions();
        ~DropOnThrow()
        {
            if (std::uncaught_exceptions() > exceptions)
                recorder.reset();
        }
    } dropOnThrow { impl_->recorder };
    Executor::Options eo;
    eo.keepIntermediates = impl_->options.keepIntermediates;
    eo.hostShapeArithmetic = impl_->options.hostShapeArithmetic;
    eo.halfWeights = impl_->options.halfWeights;
    eo.cancel = runOptions.cancel;
    eo.progress = runOptions.progress;
    Executor executor(*impl_->device, *impl_->pool, recorder, impl_->weights, impl_->derived, impl_->opset, eo);
    Scope scope;
    std::vector<RtValue> outputs;
    try {
        outputs = executor.runGraph(graph, std::move(inputs), nullptr, &scope);
    } catch (...) {
        try {
            recorder.flush(true);
        } catch (...) {
        }
        // After the wait: nothing in flight reads them any more.
        executor.forgetDerived();
        throw;
    }

    auto since = [](std::chrono::steady_clock::time_point t) {
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
    };
    const double recordMs = since(start);
    const auto waitStart = std::chrono::steady_clock::now();
    std::vector<RtValue*> toRead;
    for (auto& o : outputs) {
        toRead.push_back(&o);
        for (auto& e : o.sequence)
            toRead.push_back(&e);
    }
    std::vector<std::pair<std::string, RtValue*>> kept;
    if (impl_->options.keepIntermediates) {
        for (auto& v : graph.values()) {
            if (RtValue* r = const_cast<Scope&>(scope).find(v.get()); r && r->kind == RtValue::Kind::Tensor) {
                kept.push_back({ v->name(), r });
                toRead.push_back(r);
            }
        }
    }
    executor.ensureHostAll(toRead);
    recorder.flush(true);

    RunResult result;
    result.recordMs = recordMs;
    result.waitMs = since(waitStart);
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        const RtValue& o = outputs[i];
        const std::string& name = graph.outputs[i]->name();
        RunValue value;
        if (o.kind == RtValue::Kind::Tensor) {
            auto t = readBack(o, name);
            result.outputs.push_back(t);
            value.tensor = t;
        } else {
            result.outputs.push_back(nullptr);
            value.kind = o.kind == RtValue::Kind::None ? RunValue::Kind::None : RunValue::Kind::Sequence;
            value.elementType = o.sequenceType;
            for (std::size_t k = 0; k < o.sequence.size(); ++k)
                value.sequence.push_back(readBack(o.sequence[k], name + "[" + std::to_string(k) + "]"));
        }
        result.values.push_back(std::move(value));
    }
    for (auto& [name, r] : kept)
        result.intermediates[name] = readBack(*r, name);
    for (auto& [index, ms] : recorder.timings()) {
        if (index < 0 || std::size_t(index) >= graph.nodes().size())
            continue;
        const Node& n = *graph.nodes()[index];
        if (!result.timings.empty() && result.timings.back().index == std::size_t(index)) {
            result.timings.back().ms += ms;
            continue;
        }
        // A Conv that did the nodes after it in its epilogue names them:
        // "Conv+Add+Relu" (they have no time of their own).
        std::string op = n.opType;
        if (auto f = executor.fused().find(&n); f != executor.fused().end())
            for (const Node* absorbed : f->second)
                op += "+" + absorbed->opType;
        result.timings.push_back({ n.name.empty() ? "#" + std::to_string(index) : n.name, op, std::size_t(index), ms, {} });
    }
    std::unordered_map<std::size_t, NodeTiming*> timingOf;
    for (NodeTiming& t : result.timings)
        timingOf.emplace(t.index, &t);
    for (const auto& [index, shader] : recorder.kernels())
        if (auto it = timingOf.find(std::size_t(index)); it != timingOf.end())
            it->second->kernels.push_back(shader);
    result.dispatches = recorder.dispatchCount();
    result.submits = recorder.submitCount();
    result.wallMs = since(start);
    result.readMs = result.wallMs - result.recordMs - result.waitMs;
    return result;
}

std::shared_ptr<Tensor> makeInput(
    const std::string& name, DataType type, const std::vector<std::int64_t>& dims, InputFill fill, std::uint64_t seed)
{
    std::uint64_t n = shapeCount(dims);
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> real(-1.0, 1.0);
    std::uniform_int_distribution<int> small(0, 9);
    std::vector<double> values(n);
    for (auto& v : values) {
        if (fill == InputFill::Zeros)
            v = 0;
        else if (fill == InputFill::Ones)
            v = 1;
        else if (type == DataType::Bool)
            v = small(rng) % 2;
        else if (repOf(type) == Rep::F32)
            v = real(rng);
        else
            v = small(rng);
    }
    HostTensor h = HostTensor::fromDoubles(type, dims, values);
    return toTensor(h, name);
}

} // namespace nodus::rt
