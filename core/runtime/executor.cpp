#include "executor.h"

#include "ir/attribute.h"
#include "ir/graph.h"
#include "ir/node.h"
#include "ir/tensor.h"
#include "ir/value.h"
#include "runtimeerror.h"
#include "vulkandevice.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <unordered_set>

namespace nodus::rt {

RtValue* Scope::find(const Value* v)
{
    auto it = values_.find(v);
    return it == values_.end() ? nullptr : &it->second;
}

const RtValue* Scope::findByName(const std::string& name) const
{
    for (const Scope* s = this; s; s = s->parent_) {
        auto it = s->names_.find(name);
        if (it != s->names_.end()) {
            auto vit = s->values_.find(it->second);
            if (vit != s->values_.end())
                return &vit->second;
        }
    }
    return nullptr;
}

RtValue& Scope::set(const Value* v, RtValue value)
{
    names_[v->name()] = v;
    return values_[v] = std::move(value);
}

void Scope::erase(const Value* v)
{
    values_.erase(v);
}

Executor::Executor(VulkanDevice& device, BufferPool& pool, Recorder& recorder,
    std::unordered_map<const Tensor*, RtValue>& weights, DerivedWeights& derived, int opset, Options options)
    : device_(device)
    , pool_(pool)
    , recorder_(recorder)
    , weights_(weights)
    , derived_(derived)
    , opset_(opset)
    , options_(std::move(options))
{
}

namespace {

// Names a node reads from enclosing graphs through its subgraphs.
void outerReads(const Graph& g, std::set<std::string>& names)
{
    std::unordered_set<std::string> local;
    for (auto* v : g.inputs)
        local.insert(v->name());
    for (auto& n : g.nodes())
        for (auto* v : n->outputs())
            if (v)
                local.insert(v->name());
    for (auto& t : g.initializers)
        local.insert(t->name);
    for (auto& n : g.nodes()) {
        for (auto* v : n->inputs())
            if (v && !local.count(v->name()) && !v->initializer)
                names.insert(v->name());
        for (auto& a : n->attributes)
            for (auto& sub : a.graphs) {
                std::set<std::string> inner;
                outerReads(*sub, inner);
                for (auto& name : inner)
                    if (!local.count(name))
                        names.insert(name);
            }
    }
    for (auto* v : g.outputs)
        if (!local.count(v->name()))
            names.insert(v->name());
}

// Nodes in an order where every producer comes before its readers (files
// are meant to be sorted, but not every exporter sorts).
std::vector<const Node*> topologicalOrder(const Graph& g)
{
    std::unordered_map<const Node*, int> pending;
    std::unordered_map<const Node*, std::vector<const Node*>> readers;
    std::unordered_map<std::string, const Node*> producerByName;
    for (auto& n : g.nodes())
        for (auto* v : n->outputs())
            if (v)
                producerByName[v->name()] = n.get();
    for (auto& n : g.nodes()) {
        std::set<const Node*> deps;
        for (auto* v : n->inputs())
            if (v && v->producer() && v->producer()->graph() == &g)
                deps.insert(v->producer());
        std::set<std::string> outer;
        for (auto& a : n->attributes)
            for (auto& sub : a.graphs)
                outerReads(*sub, outer);
        for (auto& name : outer)
            if (auto it = producerByName.find(name); it != producerByName.end())
                deps.insert(it->second);
        deps.erase(n.get());
        pending[n.get()] = int(deps.size());
        for (auto* d : deps)
            readers[d].push_back(n.get());
    }
    std::vector<const Node*> order;
    std::vector<const Node*> ready;
    for (auto it = g.nodes().rbegin(); it != g.nodes().rend(); ++it)
        if (pending[it->get()] == 0)
            ready.push_back(it->get());
    while (!ready.empty()) {
        const Node* n = ready.back();
        ready.pop_back();
        order.push_back(n);
        auto& rs = readers[n];
        for (auto it = rs.rbegin(); it != rs.rend(); ++it)
            if (--pending[*it] == 0)
                ready.push_back(*it);
    }
    if (order.size() != g.nodes().size())
        throw RuntimeError("graph '" + g.name + "' has a cycle, which ONNX does not allow");
    return order;
}

} // namespace

RtValue* Executor::lookup(const Value* v, Scope& scope)
{
    if (RtValue* r = scope.find(v))
        return r;
    if (v->initializer) {
        auto it = weights_.find(v->initializer.get());
        if (it == weights_.end()) {
            RtValue w;
            w.type = v->initializer->dataType;
            w.shape = v->initializer->dims;
            w.source = v->initializer;
            it = weights_.emplace(v->initializer.get(), std::move(w)).first;
        }
        return &it->second;
    }
    if (const RtValue* outer = scope.findByName(v->name()))
        return const_cast<RtValue*>(outer);
    // A subgraph reading an enclosing graph's initializer has a Value of its
    // own by that name, without the initializer.
    for (const Graph* g = v->graph() ? v->graph()->parent() : nullptr; g; g = g->parent())
        if (const Value* outer = g->findValue(v->name()); outer && outer->initializer)
            return lookup(outer, scope);
    return nullptr;
}

BufferRef Executor::ensureDevice(RtValue& value)
{
    if (value.kind != RtValue::Kind::Tensor)
        throw RuntimeError("a sequence or an empty optional was given where a tensor is needed");
    std::uint64_t bytes = value.bytes();
    if (!value.buffer) {
        if (value.host) {
            value.buffer = pool_.acquire(std::max<std::uint64_t>(bytes, 16));
            recorder_.upload(*value.buffer, value.host->data);
        } else if (value.source) {
            const Tensor& t = *value.source;
            bool direct = t.dataType == DataType::Float || t.dataType == DataType::Int32
                || t.dataType == DataType::Int64 || t.dataType == DataType::UInt32 || t.dataType == DataType::UInt64;
            // A session's weight gets a buffer of its own, kept across runs
            // and written directly; a view of one made during a run (a
            // reshaped initializer) is pooled, so it is never freed while
            // recorded work still reads it.
            bool isWeight = isSessionWeight(value);
            auto buffer = isWeight ? pool_.dedicated(std::max<std::uint64_t>(bytes, 16))
                                   : pool_.acquire(std::max<std::uint64_t>(bytes, 16));
            HostTensor converted;
            std::span<const std::byte> src;
            if (bytes) {
                if (direct && t.data && t.data->size() >= bytes && !t.isSparse())
                    src = t.data->bytes().first(bytes);
                else {
                    converted = toHost(t);
                    src = converted.data;
                }
            }
            // A fresh buffer no recorded command uses yet: write it directly
            // where it is mapped.
            if (!isWeight || !buffer->mapped)
                recorder_.upload(*buffer, src);
            else if (!src.empty())
                std::memcpy(buffer->mapped, src.data(), src.size());
            value.buffer = std::move(buffer);
        } else {
            throw RuntimeError("internal error: a value has neither device nor host data");
        }
    }
    return { value.buffer.get(), value.offset, std::max<std::uint64_t>(bytes, 4) };
}

const HostTensor& Executor::ensureHost(RtValue& value)
{
    if (value.kind != RtValue::Kind::Tensor)
        throw RuntimeError("a sequence or an empty optional was given where a tensor is needed");
    if (!value.host) {
        if (value.source && value.source->dims == value.shape) {
            value.host = std::make_shared<HostTensor>(toHost(*value.source));
        } else if (value.source) {
            HostTensor t = toHost(*value.source);
            t.shape = value.shape;
            value.host = std::make_shared<HostTensor>(std::move(t));
        } else if (value.buffer) {
            ensureHostAll({ &value });
        } else {
            throw RuntimeError("internal error: a value has neither device nor host data");
        }
    }
    return *value.host;
}

void Executor::ensureHostAll(const std::vector<RtValue*>& values)
{
    std::vector<std::pair<const Buffer*, VkDeviceSize>> reads;
    std::vector<RtValue*> targets;
    for (RtValue* v : values) {
        if (v->kind != RtValue::Kind::Tensor || v->host)
            continue;
        if (!v->buffer) {
            ensureHost(*v);
            continue;
        }
        if (v->offset != 0)
            throw RuntimeError("internal error: reading a value at an offset");
        reads.push_back({ v->buffer.get(), v->bytes() });
        targets.push_back(v);
    }
    if (reads.empty())
        return;
    auto data = recorder_.read(reads);
    for (std::size_t i = 0; i < targets.size(); ++i) {
        auto h = std::make_shared<HostTensor>();
        h->type = targets[i]->type;
        h->shape = targets[i]->shape;
        h->data = std::move(data[i]);
        targets[i]->host = std::move(h);
    }
}

RtValue Executor::makeDevice(DataType type, std::vector<std::int64_t> shape)
{
    RtValue v;
    v.type = type;
    v.shape = std::move(shape);
    v.buffer = pool_.acquire(std::max<std::uint64_t>(v.bytes(), 16));
    return v;
}

bool Executor::isSessionWeight(const RtValue& value) const
{
    if (!value.source || value.kind != RtValue::Kind::Tensor)
        return false;
    auto it = weights_.find(value.source.get());
    return it != weights_.end() && &it->second == &value;
}

std::shared_ptr<Buffer> Executor::derivedBuffer(
    const RtValue& weight, const std::string& how, std::uint64_t bytes, bool& fresh)
{
    fresh = false;
    if (!isSessionWeight(weight))
        return nullptr;
    DerivedWeights::key_type key { weight.source.get(), how };
    auto& slot = derived_[key];
    if (!slot) {
        slot = pool_.dedicated(std::max<std::uint64_t>(bytes, 16));
        derivedThisRun_.push_back(std::move(key));
        fresh = true;
    }
    return slot;
}

std::shared_ptr<Buffer> Executor::hostDerivedBuffer(const RtValue& weight, const std::string& how, std::uint64_t bytes,
    const std::function<void(std::span<const float>, std::span<std::byte>)>& fill)
{
    if (!isSessionWeight(weight) || repOf(weight.type) != Rep::F32)
        return nullptr;
    DerivedWeights::key_type key { weight.source.get(), how };
    auto& slot = derived_[key];
    if (!slot) {
        HostTensor converted;
        const HostTensor* values = weight.host.get();
        if (!values) {
            converted = toHost(*weight.source);
            values = &converted;
        }
        std::vector<std::byte> data(bytes);
        fill(std::span(reinterpret_cast<const float*>(values->data.data()), values->data.size() / 4), data);
        auto buffer = pool_.dedicated(std::max<std::uint64_t>(bytes, 16));
        // A fresh buffer no recorded command uses yet.
        if (buffer->mapped && !data.empty())
            std::memcpy(buffer->mapped, data.data(), data.size());
        else
            recorder_.upload(*buffer, data);
        slot = std::move(buffer);
        derivedThisRun_.push_back(std::move(key));
    }
    return slot;
}

void Executor::forgetDerived()
{
    for (auto& key : derivedThisRun_)
        derived_.erase(key);
    derivedThisRun_.clear();
}

const Executor::Plan& Executor::planOf(const Graph& graph)
{
    // Once per graph and run: a Loop body runs its plan every iteration.
    auto it = plans_.find(&graph);
    if (it != plans_.end())
        return it->second;
    Plan plan;
    plan.order = topologicalOrder(graph);
    // Liveness: the last reader of each value (a node whose subgraphs read
    // it by name counts as a reader).
    std::unordered_map<std::string, const Value*> byName;
    for (auto& v : graph.values())
        byName[v->name()] = v.get();
    for (std::size_t i = 0; i < plan.order.size(); ++i) {
        for (auto* v : plan.order[i]->inputs())
            if (v)
                plan.lastUse[v] = i;
        std::set<std::string> outerNames;
        for (auto& a : plan.order[i]->attributes)
            for (auto& sub : a.graphs)
                outerReads(*sub, outerNames);
        for (auto& name : outerNames)
            if (auto found = byName.find(name); found != byName.end())
                plan.lastUse[found->second] = i;
    }
    if (!options_.keepIntermediates)
        planFusions(graph, plan);
    return plans_.emplace(&graph, std::move(plan)).first->second;
}

namespace {

bool onnxDomain(const Node& n)
{
    return n.domain.empty() || n.domain == "ai.onnx";
}

// A float scalar known before the run (an initializer or a Constant's
// value); false when it is not.
bool constantScalar(const Value* v, float& out)
{
    std::shared_ptr<const Tensor> t = v->initializer;
    if (!t && v->producer() && v->producer()->opType == "Constant" && onnxDomain(*v->producer())) {
        const Attribute* a = v->producer()->attribute("value");
        if (a && !a->tensors.empty())
            t = a->tensors.front();
    }
    if (!t || t->isSparse() || repOf(t->dataType) != Rep::F32)
        return false;
    auto values = toHost(*t).doubles();
    if (values.size() != 1)
        return false;
    out = float(values[0]);
    return true;
}

float attrFloatOr(const Node& n, const char* name, float fallback)
{
    const Attribute* a = n.attribute(name);
    return a ? float(a->f) : fallback;
}

// The conv_act.glsl code of an activation node (0: not one it computes).
std::uint32_t activationOf(const Node& n, int opset, float& alpha, float& beta)
{
    if (!onnxDomain(n) || n.outputs().size() != 1 || !n.outputs()[0] || n.outputs()[0]->name().empty())
        return 0;
    const auto& op = n.opType;
    if (op == "Relu")
        return 1;
    if (op == "Tanh")
        return 2;
    if (op == "Sigmoid")
        return 3;
    if (op == "LeakyRelu") {
        alpha = attrFloatOr(n, "alpha", 0.01f);
        return 4;
    }
    if (op == "HardSigmoid") {
        alpha = attrFloatOr(n, "alpha", 0.2f);
        beta = attrFloatOr(n, "beta", 0.5f);
        return 6;
    }
    if (op == "Clip") {
        alpha = -3.402823466e38f;
        beta = 3.402823466e38f;
        if (opset < 11) {
            alpha = attrFloatOr(n, "min", alpha);
            beta = attrFloatOr(n, "max", beta);
            return 5;
        }
        const auto& in = n.inputs();
        if (in.size() > 1 && in[1] && !in[1]->name().empty() && !constantScalar(in[1], alpha))
            return 0;
        if (in.size() > 2 && in[2] && !in[2]->name().empty() && !constantScalar(in[2], beta))
            return 0;
        return 5;
    }
    return 0;
}

} // namespace

void Executor::planFusions(const Graph& graph, Plan& plan)
{
    // Every read of a value: node inputs (each occurrence) and reads by
    // name from subgraphs, which rule a value out.
    std::unordered_map<const Value*, std::vector<const Node*>> readers;
    std::set<std::string> outerNames;
    for (const Node* n : plan.order) {
        for (auto* v : n->inputs())
            if (v)
                readers[v].push_back(n);
        for (auto& a : n->attributes)
            for (auto& sub : a.graphs)
                outerReads(*sub, outerNames);
    }
    std::unordered_set<const Value*> graphOutputs(graph.outputs.begin(), graph.outputs.end());
    // The value's single reader, when it has exactly one and nothing else
    // (graph output, subgraph) sees it.
    auto soleReader = [&](const Value* v) -> const Node* {
        if (!v || v->name().empty() || graphOutputs.count(v) || outerNames.count(v->name()))
            return nullptr;
        auto it = readers.find(v);
        if (it == readers.end() || it->second.size() != 1)
            return nullptr;
        return it->second.front();
    };
    for (const Node* n : plan.order) {
        if (n->opType != "Conv" || !onnxDomain(*n) || n->outputs().size() != 1)
            continue;
        const Value* c = n->outputs()[0];
        const Node* next = soleReader(c);
        if (!next)
            continue;
        Fusion f;
        if (next->opType == "Add" && onnxDomain(*next) && next->inputs().size() == 2 && !next->attribute("broadcast")
            && next->outputs().size() == 1 && next->outputs()[0] && !next->outputs()[0]->name().empty()) {
            const Value* a = next->inputs()[0];
            const Value* b = next->inputs()[1];
            const Value* z = a == c ? b : a;
            if (!z || z == c || z->name().empty())
                continue;
            f.z = z;
            f.absorbed.push_back(next);
            f.output = next->outputs()[0];
            next = soleReader(f.output);
        }
        float alpha = 0, beta = 0;
        std::uint32_t act = next ? activationOf(*next, opset_, alpha, beta) : 0;
        if (act) {
            f.act = act;
            f.alpha = alpha;
            f.beta = beta;
            f.absorbed.push_back(next);
            f.output = next->outputs()[0];
        }
        if (!f.absorbed.empty())
            plan.fusions.emplace(n, std::move(f));
    }
}

std::vector<RtValue> Executor::runGraph(
    const Graph& graph, std::vector<RtValue> inputs, const Scope* outer, Scope* keep)
{
    Scope local(outer);
    Scope& scope = keep ? *keep : local;
    const Scope* previous = scope_;
    scope_ = &scope;
    ++depth_;
    struct Restore {
        Executor* e;
        const Scope* previous;
        ~Restore()
        {
            e->scope_ = previous;
            --e->depth_;
        }
    } restore { this, previous };

    std::vector<Value*> bound = inputs.size() == graph.inputs.size() ? graph.inputs : graph.realInputs();
    if (bound.size() != inputs.size())
        throw RuntimeError("graph '" + graph.name + "' takes " + std::to_string(bound.size()) + " inputs, "
            + std::to_string(inputs.size()) + " given");
    for (std::size_t i = 0; i < bound.size(); ++i)
        scope.set(bound[i], std::move(inputs[i]));

    const Plan& plan = planOf(graph);
    const auto& order = plan.order;
    const auto& lastUse = plan.lastUse;
    const bool top = depth_ == 1;
    if (top)
        for (std::size_t i = 0; i < graph.nodes().size(); ++i)
            nodeIndex_[graph.nodes()[i].get()] = int(i);

    const bool release = !(keep && top && options_.keepIntermediates);
    std::unordered_set<const Value*> outputs(graph.outputs.begin(), graph.outputs.end());

    // Nodes a Conv before them did in its epilogue.
    std::unordered_set<const Node*> done;
    for (std::size_t i = 0; i < order.size(); ++i) {
        if (options_.cancel && options_.cancel->load())
            throw RunCancelled();
        const Node& node = *order[i];
        if (!done.erase(&node)) {
            if (auto* absorbed = runNode(node, scope, plan)) {
                done.insert(absorbed->begin(), absorbed->end());
                if (top)
                    fused_[&node] = *absorbed;
            }
        }
        if (release) {
            for (auto* v : node.inputs())
                if (v && lastUse.at(v) == i && !outputs.count(v) && v->graph() == &graph && !v->initializer)
                    scope.erase(v);
            for (auto* v : node.outputs())
                if (v && !lastUse.count(v) && !outputs.count(v))
                    scope.erase(v);
        }
        if (top && options_.progress)
            options_.progress(int(i + 1), int(order.size()));
    }

    std::vector<RtValue> result;
    for (auto* v : graph.outputs) {
        RtValue* r = lookup(v, scope);
        if (!r)
            throw RuntimeError("graph output '" + v->name() + "' was not computed");
        result.push_back(*r);
    }
    return result;
}

const std::vector<const Node*>* Executor::runNode(const Node& node, Scope& scope, const Plan& plan)
{
    std::vector<RtValue*> inputs;
    for (auto* v : node.inputs()) {
        if (!v || v->name().empty()) {
            inputs.push_back(nullptr);
            continue;
        }
        RtValue* r = lookup(v, scope);
        if (!r)
            throw RuntimeError(node.opType + " '" + node.name + "': input '" + v->name() + "' was not computed");
        inputs.push_back(r);
    }
    auto store = [&](std::vector<RtValue>& outs) {
        for (std::size_t i = 0; i < node.outputs().size() && i < outs.size(); ++i) {
            const Value* v = node.outputs()[i];
            if (v && !v->name().empty())
                scope.set(v, std::move(outs[i]));
        }
    };

    const KernelInfo* kernel = KernelRegistry::instance().find(node.domain, node.opType);
    if (hostEvaluable(node, opset_)) {
        // Shape arithmetic runs on the host: Shape/Size/Constant always,
        // other ops when every input is a small integer tensor already
        // there. Float math stays on the device; an op without a kernel
        // runs here after reading its inputs back.
        bool shapeOnly = shapeOnlyOp(node);
        bool onHost = options_.hostShapeArithmetic || !kernel;
        bool anyInput = false;
        for (RtValue* r : inputs) {
            if (!r)
                continue;
            anyInput = true;
            if (r->kind != RtValue::Kind::Tensor)
                onHost = false;
            else if (!shapeOnly && !((r->host || r->source) && r->count() <= 4096 && repOf(r->type) != Rep::F32))
                onHost = false;
        }
        if (!anyInput && kernel && !options_.hostShapeArithmetic && node.opType != "Constant")
            onHost = false;
        if (onHost || !kernel) {
            std::vector<HostTensor> shapes;
            shapes.reserve(inputs.size());
            std::vector<const HostTensor*> hostInputs;
            for (RtValue* r : inputs) {
                if (!r) {
                    hostInputs.push_back(nullptr);
                } else if (shapeOnly) {
                    if (r->kind != RtValue::Kind::Tensor)
                        throw RuntimeError(node.opType + " '" + node.name + "': input is not a tensor");
                    HostTensor s;
                    s.type = r->type;
                    s.shape = r->shape;
                    shapes.push_back(std::move(s));
                    hostInputs.push_back(&shapes.back());
                } else {
                    hostInputs.push_back(&ensureHost(*r));
                }
            }
            std::vector<HostTensor> results;
            try {
                results = hostEvaluate(node, hostInputs, opset_);
            } catch (const RunCancelled&) {
                throw;
            } catch (const RuntimeError& e) {
                throw RuntimeError(node.opType + " '" + node.name + "': " + e.what());
            }
            std::vector<RtValue> outs(results.size());
            for (std::size_t i = 0; i < results.size(); ++i) {
                outs[i].type = results[i].type;
                outs[i].shape = results[i].shape;
                outs[i].host = std::make_shared<HostTensor>(std::move(results[i]));
            }
            store(outs);
            return nullptr;
        }
    }
    if (!kernel)
        throw RuntimeError(node.opType + " '" + node.name + "': no kernel for this op");

    KernelContext ctx(*this, node, inputs, opset_);
    // A fusion is offered when z is already computed (the topological
    // order may put its producer after the Conv).
    const Fusion* fusion = nullptr;
    FusionOffer offer;
    if (auto it = plan.fusions.find(&node); it != plan.fusions.end()) {
        offer.act = it->second.act;
        offer.alpha = it->second.alpha;
        offer.beta = it->second.beta;
        if (it->second.z)
            offer.z = it->second.z->initializer ? lookup(it->second.z, scope) : scope.find(it->second.z);
        if (!it->second.z || offer.z) {
            fusion = &it->second;
            ctx.fusion_ = &offer;
        }
    }
    const bool top = depth_ == 1;
    if (top)
        recorder_.beginNode(nodeIndex_[&node]);
    try {
        kernel->run(ctx);
    } catch (const RunCancelled&) {
        throw;
    } catch (const RuntimeError& e) {
        std::string what = e.what();
        std::string prefix = node.opType + " '" + node.name + "'";
        throw RuntimeError(what.rfind(prefix, 0) == 0 ? what : prefix + ": " + what);
    } catch (const std::exception& e) {
        throw RuntimeError(node.opType + " '" + node.name + "': " + e.what());
    }
    if (top)
        recorder_.endNode();
    for (std::size_t i = 0; i < node.outputs().size(); ++i) {
        const Value* v = node.outputs()[i];
        if (v && !v->name().empty()
            && (i >= ctx.outputs_.size()
                || (ctx.outputs_[i].kind == RtValue::Kind::Tensor && !ctx.outputs_[i].buffer && !ctx.outputs_[i].host
                    && !ctx.outputs_[i].source)))
            throw RuntimeError(node.opType + " '" + node.name + "': internal error: output " + std::to_string(i)
                + " was not produced");
    }
    if (fusion && ctx.fusionAccepted_) {
        scope.set(fusion->output, std::move(ctx.outputs_[0]));
        return &fusion->absorbed;
    }
    store(ctx.outputs_);
    return nullptr;
}

} // namespace nodus::rt
