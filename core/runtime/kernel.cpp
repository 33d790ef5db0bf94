#include "kernel.h"

#include "executor.h"
#include "ir/attribute.h"
#include "ir/node.h"
#include "ir/value.h"
#include "runtimeerror.h"
#include "vulkandevice.h"

#include <bit>

namespace nodus::rt {

std::uint32_t floatBits(float f)
{
    return std::bit_cast<std::uint32_t>(f);
}

void failU32(long double v, const char* what)
{
    throw RuntimeError(std::string(what) + " of size " + std::to_string(static_cast<long long>(v))
        + " does not fit the shaders' 32-bit indexing");
}

KernelContext::KernelContext(Executor& executor, const Node& node, std::vector<RtValue*> inputs, int opset)
    : executor_(executor)
    , node_(node)
    , inputs_(std::move(inputs))
    , outputs_(node.outputs().size())
    , opset_(opset)
{
}

Recorder& KernelContext::recorder()
{
    return executor_.recorder();
}

const RtValue& KernelContext::input(int i) const
{
    if (!has(i))
        fail("input " + std::to_string(i) + " is missing");
    return *inputs_[i];
}

BufferRef KernelContext::buffer(int i)
{
    input(i);
    return executor_.ensureDevice(*inputs_[i]);
}

const HostTensor& KernelContext::host(int i)
{
    input(i);
    return executor_.ensureHost(*inputs_[i]);
}

bool KernelContext::onHost(int i) const
{
    return has(i) && (inputs_[i]->host || inputs_[i]->source);
}

int KernelContext::outputCount() const
{
    return int(node_.outputs().size());
}

bool KernelContext::wanted(int i) const
{
    return i < int(node_.outputs().size()) && node_.outputs()[i] && !node_.outputs()[i]->name().empty();
}

RtValue& KernelContext::output(int i, DataType type, std::vector<std::int64_t> shape)
{
    if (i >= int(outputs_.size()))
        outputs_.resize(i + 1);
    outputs_[i] = executor_.makeDevice(type, std::move(shape));
    return outputs_[i];
}

BufferRef KernelContext::outBuffer(int i)
{
    RtValue& v = outputValue(i);
    return executor_.ensureDevice(v);
}

void KernelContext::alias(int i, int j, std::vector<std::int64_t> shape)
{
    RtValue v = input(j);
    if (shapeCount(shape) != v.count())
        fail("cannot view " + std::to_string(v.count()) + " elements as " + shapeText(shape));
    if (v.host) {
        auto h = std::make_shared<HostTensor>(*v.host);
        h->shape = shape;
        v.host = std::move(h);
    }
    v.shape = std::move(shape);
    setValue(i, std::move(v));
}

void KernelContext::setHost(int i, HostTensor tensor)
{
    RtValue v;
    v.type = tensor.type;
    v.shape = tensor.shape;
    v.host = std::make_shared<HostTensor>(std::move(tensor));
    setValue(i, std::move(v));
}

void KernelContext::setValue(int i, RtValue value)
{
    if (i >= int(outputs_.size()))
        outputs_.resize(i + 1);
    outputs_[i] = std::move(value);
}

RtValue& KernelContext::outputValue(int i)
{
    if (i >= int(outputs_.size()))
        fail("internal error: output " + std::to_string(i) + " does not exist");
    return outputs_[i];
}

BufferRef KernelContext::bufferOf(RtValue& value)
{
    return executor_.ensureDevice(value);
}

const HostTensor& KernelContext::hostOf(RtValue& value)
{
    return executor_.ensureHost(value);
}

RtValue KernelContext::makeDevice(DataType type, std::vector<std::int64_t> shape)
{
    return executor_.makeDevice(type, std::move(shape));
}

std::vector<RtValue> KernelContext::runSubgraph(const Graph& graph, std::vector<RtValue> inputs)
{
    return executor_.runGraph(graph, std::move(inputs), executor_.currentScope());
}

BufferRef KernelContext::scratch(std::uint64_t bytes)
{
    RtValue v = executor_.makeDevice(DataType::Float, { std::int64_t((bytes + 3) / 4) });
    auto ref = BufferRef { v.buffer.get(), 0, std::max<std::uint64_t>(bytes, 4) };
    scratch_.push_back(std::move(v.buffer));
    return ref;
}

bool KernelContext::halfWeights() const
{
    return executor_.halfWeights();
}

std::optional<BufferRef> KernelContext::halfWeight(
    int i, const std::string& how, std::uint64_t bytes, const HostFill& fill)
{
    if (!halfWeights())
        return std::nullopt;
    return hostDerived(i, how, bytes, fill);
}

std::optional<BufferRef> KernelContext::hostDerived(
    int i, const std::string& how, std::uint64_t bytes, const HostFill& fill)
{
    if (!has(i))
        return std::nullopt;
    auto buffer = executor_.hostDerivedBuffer(input(i), how, bytes, fill);
    if (!buffer)
        return std::nullopt;
    scratch_.push_back(buffer);
    return BufferRef { buffer.get(), 0, std::max<std::uint64_t>(bytes, 4) };
}

BufferRef KernelContext::derived(int i, const std::string& how, std::uint64_t bytes, bool& fresh)
{
    auto buffer = executor_.derivedBuffer(input(i), how, bytes, fresh);
    if (!buffer) {
        fresh = true;
        return scratch(bytes);
    }
    // The session holds the buffer; this node keeps it too until its work
    // is recorded.
    auto ref = BufferRef { buffer.get(), 0, std::max<std::uint64_t>(bytes, 4) };
    scratch_.push_back(std::move(buffer));
    return ref;
}

const Attribute* KernelContext::attr(std::string_view name) const
{
    return node_.attribute(name);
}

std::int64_t KernelContext::attrInt(std::string_view name, std::int64_t fallback) const
{
    const Attribute* a = attr(name);
    return a ? a->i : fallback;
}

float KernelContext::attrFloat(std::string_view name, float fallback) const
{
    const Attribute* a = attr(name);
    return a ? float(a->f) : fallback;
}

std::string KernelContext::attrString(std::string_view name, std::string fallback) const
{
    const Attribute* a = attr(name);
    return a ? a->s : fallback;
}

std::vector<std::int64_t> KernelContext::attrInts(std::string_view name, std::vector<std::int64_t> fallback) const
{
    const Attribute* a = attr(name);
    return a ? a->ints : fallback;
}

std::vector<float> KernelContext::attrFloats(std::string_view name, std::vector<float> fallback) const
{
    const Attribute* a = attr(name);
    if (!a)
        return fallback;
    return std::vector<float>(a->floats.begin(), a->floats.end());
}

std::string KernelContext::shader(std::string_view family, Rep rep)
{
    return std::string(family) + "_" + repSuffix(rep);
}

std::string KernelContext::bindingName(const BufferRef& ref) const
{
    auto within = [&](const RtValue* v) {
        return v && v->kind == RtValue::Kind::Tensor && v->buffer.get() == ref.buffer && ref.offset >= v->offset
            && ref.offset < v->offset + std::max<std::uint64_t>(v->bytes(), 4);
    };
    for (std::size_t i = 0; i < inputs_.size() && i < node_.inputs().size(); ++i)
        if (within(inputs_[i]) && node_.inputs()[i])
            return "input '" + node_.inputs()[i]->name() + "'";
    for (std::size_t i = 0; i < outputs_.size() && i < node_.outputs().size(); ++i)
        if (within(&outputs_[i]) && node_.outputs()[i])
            return "output '" + node_.outputs()[i]->name() + "'";
    return "a scratch buffer";
}

void KernelContext::checkBindings(std::span<const BufferRef> buffers) const
{
    const VulkanDevice& device = executor_.device();
    for (const BufferRef& b : buffers) {
        if (!b.buffer)
            continue;
        VkDeviceSize range = b.size == VK_WHOLE_SIZE ? b.buffer->size - b.offset : b.size;
        if (b.texel != VK_FORMAT_UNDEFINED) {
            std::uint64_t texels = range / Recorder::texelSize(b.texel);
            if (texels > device.limits().maxTexelBufferElements)
                fail(bindingName(b) + " (" + mibText(range) + ") needs a texel view of " + std::to_string(texels)
                    + " texels, more than the device's limit of "
                    + std::to_string(device.limits().maxTexelBufferElements) + " (maxTexelBufferElements)");
        } else if (range > device.maxBindingBytes()) {
            fail(bindingName(b) + " of " + mibText(range) + " is larger than one storage buffer binding may be on "
                + device.info().name + " (" + mibText(device.maxBindingBytes())
                + ", maxStorageBufferRange or NODUS_MAX_BINDING_BYTES), and this kernel does not split it");
        }
    }
}

void KernelContext::dispatch(std::string_view shader, std::initializer_list<std::uint32_t> specialization,
    std::span<const std::uint32_t> params, std::initializer_list<BufferRef> buffers, std::uint32_t gx, std::uint32_t gy,
    std::uint32_t gz)
{
    checkBindings(std::span(buffers.begin(), buffers.size()));
    recorder().dispatch(shader, std::span(specialization.begin(), specialization.size()), params,
        std::span(buffers.begin(), buffers.size()), gx, gy, gz);
}

void KernelContext::dispatch1D(std::string_view shader, std::initializer_list<std::uint32_t> specialization,
    std::span<const std::uint32_t> params, std::initializer_list<BufferRef> buffers, std::uint64_t invocations,
    std::uint32_t localSize)
{
    checkBindings(std::span(buffers.begin(), buffers.size()));
    recorder().dispatch1D(shader, std::span(specialization.begin(), specialization.size()), params,
        std::span(buffers.begin(), buffers.size()), invocations, localSize);
}

void KernelContext::fail(const std::string& message) const
{
    throw RuntimeError(node_.opType + " '" + node_.name + "': " + message);
}

KernelRegistry& KernelRegistry::instance()
{
    static KernelRegistry registry = [] {
        KernelRegistry r;
        registerElementwiseKernels(r);
        registerShapeKernels(r);
        registerGemmKernels(r);
        registerConvKernels(r);
        registerNormKernels(r);
        registerReduceKernels(r);
        registerIndexKernels(r);
        registerRecurrentKernels(r);
        registerControlKernels(r);
        registerSignalKernels(r);
        // Views of their input: whatever reads the view binds (and checks) it.
        auto first = [](const Node&, int input) { return input == 0; };
        for (const char* op : { "Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Dropout" })
            if (r.find("", op))
                r.setLarge(op, first);
        return r;
    }();
    return registry;
}

void KernelRegistry::add(std::string opType, KernelFn run, KernelCheck check)
{
    kernels_[std::move(opType)] = KernelInfo { std::move(run), std::move(check), {} };
}

void KernelRegistry::add(std::string domain, std::string opType, KernelFn run, KernelCheck check)
{
    if (domain.empty() || domain == "ai.onnx")
        return add(std::move(opType), std::move(run), std::move(check));
    kernels_[domain + ":" + opType] = KernelInfo { std::move(run), std::move(check), {} };
}

void KernelRegistry::setLarge(const std::string& opType, LargeInputFn large)
{
    auto it = kernels_.find(opType);
    if (it == kernels_.end())
        throw RuntimeError("internal error: no kernel " + opType + " to mark as splitting large inputs");
    it->second.large = std::move(large);
}

const KernelInfo* KernelRegistry::find(std::string_view domain, std::string_view opType) const
{
    std::string key
        = domain.empty() || domain == "ai.onnx" ? std::string(opType) : std::string(domain) + ":" + std::string(opType);
    auto it = kernels_.find(key);
    return it == kernels_.end() ? nullptr : &it->second;
}

std::vector<std::string> KernelRegistry::opTypes() const
{
    std::vector<std::string> out;
    for (auto& [k, _] : kernels_)
        out.push_back(k);
    return out;
}

} // namespace nodus::rt
