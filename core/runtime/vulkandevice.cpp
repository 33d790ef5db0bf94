#include "vulkandevice.h"

#include "runtimeerror.h"
#include "shaders.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <optional>

namespace nodus::rt {

struct ShaderEntry {
    std::string_view name;
    std::span<const std::uint32_t> code;
};
extern const ShaderEntry kShaders[];
extern const std::size_t kShaderCount;

std::span<const std::uint32_t> shaderCode(std::string_view name)
{
    for (std::size_t i = 0; i < kShaderCount; ++i)
        if (kShaders[i].name == name)
            return kShaders[i].code;
    throw RuntimeError("no shader named " + std::string(name) + " is built in");
}

bool hasShader(std::string_view name)
{
    for (std::size_t i = 0; i < kShaderCount; ++i)
        if (kShaders[i].name == name)
            return true;
    return false;
}

std::uint32_t shaderLocalSizeX(std::string_view name)
{
    // OpExecutionMode (opcode 16) <entry> LocalSize (mode 17) x y z, after
    // the 5-word module header.
    auto code = shaderCode(name);
    for (std::size_t i = 5; i < code.size();) {
        std::uint32_t words = code[i] >> 16, op = code[i] & 0xFFFF;
        if (words == 0)
            break;
        if (op == 16 && words >= 6 && i + 3 < code.size() && code[i + 2] == 17)
            return code[i + 3];
        i += words;
    }
    return 0;
}

namespace {

std::string resultText(VkResult result)
{
    std::string reason;
    switch (result) {
    case VK_ERROR_OUT_OF_HOST_MEMORY: reason = "out of host memory"; break;
    case VK_ERROR_OUT_OF_DEVICE_MEMORY: reason = "out of device memory"; break;
    case VK_ERROR_DEVICE_LOST: reason = "device lost"; break;
    case VK_ERROR_INITIALIZATION_FAILED: reason = "initialization failed"; break;
    case VK_ERROR_INCOMPATIBLE_DRIVER: reason = "no compatible Vulkan driver"; break;
    case VK_TIMEOUT: reason = "timed out"; break;
    case VK_ERROR_LAYER_NOT_PRESENT: reason = "a layer is missing"; break;
    case VK_ERROR_EXTENSION_NOT_PRESENT: reason = "an extension is missing"; break;
    default: reason = "VkResult " + std::to_string(int(result)); break;
    }
    return reason;
}

} // namespace

void vkCheck(VkResult result, const char* what)
{
    if (result != VK_SUCCESS)
        throw RuntimeError(std::string("Vulkan: ") + what + " failed: " + resultText(result));
}

namespace {

// The process's VkInstance, created on first use. Devices hold it too, so it
// is destroyed (at exit) only after the last of them.
struct InstanceHolder {
    VkInstance handle = VK_NULL_HANDLE;
    ~InstanceHolder() { vkDestroyInstance(handle, nullptr); }
};

std::shared_ptr<InstanceHolder> sharedInstance()
{
    static std::mutex mutex;
    static std::shared_ptr<InstanceHolder> instance;
    std::lock_guard lock(mutex);
    if (instance)
        return instance;
#ifdef NODUS_SANITIZE
    // Sanitizer builds only (tests, the CLI the tests start): on some
    // machines (an AMD EPYC here) libvulkan_lvp.so keeps a 128-byte block it
    // realloc'd in its own globals; when the last VkInstance goes at exit
    // the loader unloads the driver and its globals with it, and
    // LeakSanitizer reports the block as leaked from an "<unknown module>",
    // which no suppression can name. Opening the driver once more with
    // RTLD_NODELETE keeps it mapped to the end (a machine without lavapipe
    // just gets a null handle).
    static void* const lavapipeKeptLoaded = dlopen("libvulkan_lvp.so", RTLD_LAZY | RTLD_NODELETE);
    (void)lavapipeKeptLoaded;
#endif
    VkApplicationInfo app { VK_STRUCTURE_TYPE_APPLICATION_INFO };
    app.pApplicationName = "Nodus";
    app.apiVersion = VK_API_VERSION_1_1;
    VkInstanceCreateInfo ci { VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO };
    ci.pApplicationInfo = &app;
    VkInstance handle = VK_NULL_HANDLE;
    VkResult r = vkCreateInstance(&ci, nullptr, &handle);
    if (r != VK_SUCCESS)
        throw RuntimeError("no Vulkan driver could be loaded (vkCreateInstance: " + resultText(r)
            + "; install mesa-vulkan-drivers for the CPU driver lavapipe, or your GPU's Vulkan driver)");
    instance = std::make_shared<InstanceHolder>();
    instance->handle = handle;
    return instance;
}

int rank(VkPhysicalDeviceType t)
{
    switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 3;
    default: return 4;
    }
}

const char* kindName(VkPhysicalDeviceType t)
{
    switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "CPU";
    default: return "other";
    }
}

std::optional<std::uint32_t> computeFamily(VkPhysicalDevice pd)
{
    std::uint32_t n = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, nullptr);
    std::vector<VkQueueFamilyProperties> families(n);
    vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, families.data());
    // Prefer a compute queue without graphics (async compute on GPUs).
    std::optional<std::uint32_t> any;
    for (std::uint32_t i = 0; i < n; ++i) {
        if (!(families[i].queueFlags & VK_QUEUE_COMPUTE_BIT))
            continue;
        if (!(families[i].queueFlags & VK_QUEUE_GRAPHICS_BIT) && families[i].timestampValidBits > 0)
            return i;
        if (!any)
            any = i;
    }
    return any;
}

struct Candidate {
    VkPhysicalDevice pd;
    DeviceInfo info;
    std::uint32_t family;
    int rank; // discrete GPUs first, CPU implementations last
};

std::vector<Candidate> candidates(VkInstance instance)
{
    std::uint32_t n = 0;
    vkEnumeratePhysicalDevices(instance, &n, nullptr);
    std::vector<VkPhysicalDevice> pds(n);
    vkEnumeratePhysicalDevices(instance, &n, pds.data());
    std::vector<Candidate> out;
    for (VkPhysicalDevice pd : pds) {
        auto family = computeFamily(pd);
        if (!family)
            continue;
        VkPhysicalDeviceProperties props;
        vkGetPhysicalDeviceProperties(pd, &props);
        VkPhysicalDeviceDriverProperties driver { VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES };
        VkPhysicalDeviceProperties2 props2 { VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2 };
        if (props.apiVersion >= VK_API_VERSION_1_2)
            props2.pNext = &driver;
        vkGetPhysicalDeviceProperties2(pd, &props2);
        VkPhysicalDeviceShaderFloat16Int8Features f16 { VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES };
        VkPhysicalDevice16BitStorageFeatures s16 { VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES };
        s16.pNext = &f16;
        VkPhysicalDeviceFeatures2 feats { VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2 };
        feats.pNext = &s16;
        vkGetPhysicalDeviceFeatures2(pd, &feats);
        std::uint32_t qn = 0;
        vkGetPhysicalDeviceQueueFamilyProperties(pd, &qn, nullptr);
        std::vector<VkQueueFamilyProperties> families(qn);
        vkGetPhysicalDeviceQueueFamilyProperties(pd, &qn, families.data());
        VkPhysicalDeviceMemoryProperties mem;
        vkGetPhysicalDeviceMemoryProperties(pd, &mem);

        Candidate c { pd, {}, *family, rank(props.deviceType) };
        c.info.name = props.deviceName;
        c.info.kind = kindName(props.deviceType);
        c.info.driver = props.apiVersion >= VK_API_VERSION_1_2 ? std::string(driver.driverName) + " " + driver.driverInfo
                                                                : std::string();
        c.info.fp16 = f16.shaderFloat16 && s16.storageBuffer16BitAccess;
        c.info.int64 = feats.features.shaderInt64;
        // Conv reads float16 weights as RGBA16F texels.
        VkFormatProperties half {};
        vkGetPhysicalDeviceFormatProperties(pd, VK_FORMAT_R16G16B16A16_SFLOAT, &half);
        c.info.halfWeights = (half.bufferFeatures & VK_FORMAT_FEATURE_UNIFORM_TEXEL_BUFFER_BIT) != 0;
        c.info.timestamps = families[*family].timestampValidBits > 0 && props.limits.timestampPeriod > 0;
        c.info.gpu = props.deviceType == VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU
            || props.deviceType == VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU
            || props.deviceType == VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU;
        for (std::uint32_t h = 0; h < mem.memoryHeapCount; ++h)
            if (mem.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
                c.info.memoryBytes = std::max<std::uint64_t>(c.info.memoryBytes, mem.memoryHeaps[h].size);
        out.push_back(std::move(c));
    }
    std::stable_sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) { return a.rank < b.rank; });
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i].info.index = std::uint32_t(i);
    return out;
}

std::string lower(std::string s)
{
    for (char& c : s)
        c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

} // namespace

std::vector<DeviceInfo> listDevices()
{
    std::vector<DeviceInfo> out;
    auto instance = sharedInstance();
    for (auto& c : candidates(instance->handle))
        out.push_back(c.info);
    return out;
}

std::shared_ptr<VulkanDevice> VulkanDevice::shared(const std::string& choice)
{
    // Kept to the end of the process; a device still held by a session then
    // goes with its last session.
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<VulkanDevice>> devices;
    auto env = [](const char* name) {
        const char* v = std::getenv(name);
        return std::string(v ? v : "");
    };
    std::string key = (choice.empty() ? env("NODUS_VULKAN_DEVICE") : choice) + '\n' + env("NODUS_KERNELS") + '\n'
        + env("NODUS_MAX_BINDING_BYTES");
    std::lock_guard lock(mutex);
    if (auto it = devices.find(key); it != devices.end())
        return it->second;
    auto device = std::make_shared<VulkanDevice>(choice);
    devices.emplace(key, device);
    return device;
}

VulkanDevice::VulkanDevice(const std::string& requested)
{
    auto instance = sharedInstance();
    instance_ = instance;
    auto all = candidates(instance->handle);
    if (all.empty())
        throw RuntimeError("Vulkan found no device with a compute queue (install mesa-vulkan-drivers for lavapipe)");
    std::string choice = requested;
    if (choice.empty())
        if (const char* env = std::getenv("NODUS_VULKAN_DEVICE"))
            choice = env;
    const Candidate* picked = &all.front();
    if (!choice.empty()) {
        picked = nullptr;
        bool numeric = std::all_of(choice.begin(), choice.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
        for (auto& c : all) {
            if (numeric ? std::to_string(c.info.index) == choice
                        : lower(c.info.name).find(lower(choice)) != std::string::npos
                          || lower(c.info.kind) == lower(choice)
                          || (lower(choice) == "lavapipe" && lower(c.info.name).find("llvmpipe") != std::string::npos)) {
                picked = &c;
                break;
            }
        }
        if (!picked) {
            std::string names;
            for (auto& c : all)
                names += (names.empty() ? "" : ", ") + std::to_string(c.info.index) + ": " + c.info.name;
            throw RuntimeError("no Vulkan device matches '" + choice + "' (devices: " + names + ")");
        }
    }
    physical_ = picked->pd;
    info_ = picked->info;
    if (const char* env = std::getenv("NODUS_KERNELS"); env && *env) {
        std::string k = lower(env);
        if (k != "gpu" && k != "cpu")
            throw RuntimeError(std::string("NODUS_KERNELS must be gpu or cpu, got '") + env + "'");
        info_.gpu = k == "gpu";
    }
    queueFamily_ = picked->family;

    VkPhysicalDeviceProperties props;
    vkGetPhysicalDeviceProperties(physical_, &props);
    limits_ = props.limits;
    timestampPeriod_ = props.limits.timestampPeriod;
    maxBinding_ = limits_.maxStorageBufferRange;
    if (const char* env = std::getenv("NODUS_MAX_BINDING_BYTES"); env && *env) {
        char* end = nullptr;
        unsigned long long v = std::strtoull(env, &end, 10);
        if (!end || *end || v < 1024)
            throw RuntimeError(
                std::string("NODUS_MAX_BINDING_BYTES must be a byte count of at least 1024, got '") + env + "'");
        maxBinding_ = std::min<std::uint64_t>(maxBinding_, v);
    }
    {
        VkPhysicalDeviceMaintenance3Properties m3 { VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES };
        VkPhysicalDeviceProperties2 p2 { VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2 };
        p2.pNext = &m3;
        vkGetPhysicalDeviceProperties2(physical_, &p2);
        // Vulkan 1.1 guarantees at least 1 GiB.
        maxAllocation_ = m3.maxMemoryAllocationSize ? m3.maxMemoryAllocationSize : (1ull << 30);
    }
    vkGetPhysicalDeviceMemoryProperties(physical_, &memory_);

    float priority = 1;
    VkDeviceQueueCreateInfo qci { VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO };
    qci.queueFamilyIndex = queueFamily_;
    qci.queueCount = 1;
    qci.pQueuePriorities = &priority;
    VkPhysicalDeviceFeatures features {};
    features.shaderInt64 = info_.int64;
    VkPhysicalDeviceShaderFloat16Int8Features f16 { VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES };
    f16.shaderFloat16 = info_.fp16;
    VkPhysicalDevice16BitStorageFeatures s16 { VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES };
    s16.storageBuffer16BitAccess = info_.fp16;
    s16.pNext = &f16;
    VkDeviceCreateInfo dci { VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO };
    dci.pNext = info_.fp16 ? &s16 : nullptr;
    dci.queueCreateInfoCount = 1;
    dci.pQueueCreateInfos = &qci;
    dci.pEnabledFeatures = &features;
    vkCheck(vkCreateDevice(physical_, &dci, nullptr, &device_), "vkCreateDevice");
    vkGetDeviceQueue(device_, queueFamily_, 0, &queue_);
    VkPipelineCacheCreateInfo cci { VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO };
    vkCheck(vkCreatePipelineCache(device_, &cci, nullptr, &pipelineCache_), "vkCreatePipelineCache");

    for (std::uint32_t i = 0; i < memory_.memoryTypeCount; ++i) {
        auto f = memory_.memoryTypes[i].propertyFlags;
        const auto want = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
        if ((f & want) == want && memory_.memoryHeaps[memory_.memoryTypes[i].heapIndex].size >= (std::uint64_t(1) << 30))
            deviceMappable_ = true;
    }
}

VulkanDevice::~VulkanDevice()
{
    if (device_) {
        vkDeviceWaitIdle(device_);
        for (auto& [_, p] : pipelines_)
            vkDestroyPipeline(device_, p->pipeline, nullptr);
        for (auto& [_, m] : modules_)
            vkDestroyShaderModule(device_, m, nullptr);
        for (auto& [_, l] : layouts_) {
            vkDestroyPipelineLayout(device_, l.second, nullptr);
            vkDestroyDescriptorSetLayout(device_, l.first, nullptr);
        }
        vkDestroyPipelineCache(device_, pipelineCache_, nullptr);
        vkDestroyDevice(device_, nullptr);
    }
}

void VulkanDevice::submit(const VkSubmitInfo& info, VkFence fence)
{
    std::lock_guard lock(queueMutex_);
    vkCheck(vkQueueSubmit(queue_, 1, &info, fence), "vkQueueSubmit");
}

void VulkanDevice::waitIdle()
{
    std::lock_guard lock(queueMutex_);
    vkDeviceWaitIdle(device_);
}

std::uint32_t VulkanDevice::memoryType(std::uint32_t allowedBits, bool hostVisible) const
{
    auto find = [&](VkMemoryPropertyFlags want) -> int {
        for (std::uint32_t i = 0; i < memory_.memoryTypeCount; ++i)
            if ((allowedBits & (1u << i)) && (memory_.memoryTypes[i].propertyFlags & want) == want)
                return int(i);
        return -1;
    };
    int t = -1;
    if (hostVisible) {
        t = find(VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT | VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
        if (t < 0)
            t = find(VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
    } else {
        if (deviceMappable_)
            t = find(VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
        if (t < 0)
            t = find(VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
        if (t < 0)
            t = find(0);
    }
    if (t < 0)
        throw RuntimeError("Vulkan: no suitable memory type");
    return std::uint32_t(t);
}

const VulkanDevice::Pipeline& VulkanDevice::pipeline(
    std::string_view shader, std::span<const VkDescriptorType> types, std::span<const std::uint32_t> specialization)
{
    // Layouts and pipelines are keyed by the bindings' kinds: 's' storage
    // buffer, 't' uniform texel buffer.
    std::string kinds;
    for (auto t : types)
        kinds += t == VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER ? 't' : 's';
    std::uint32_t bindings = std::uint32_t(types.size() + 1);
    std::string key(shader);
    key += '/';
    key += kinds;
    for (auto v : specialization) {
        key += ',';
        key += std::to_string(v);
    }
    std::lock_guard lock(mutex_);
    if (auto it = pipelines_.find(key); it != pipelines_.end())
        return *it->second;

    auto& layout = layouts_[kinds];
    if (!layout.first) {
        std::vector<VkDescriptorSetLayoutBinding> b(bindings);
        for (std::uint32_t i = 0; i < bindings; ++i)
            b[i] = { i, i == 0 ? VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER : types[i - 1], 1, VK_SHADER_STAGE_COMPUTE_BIT,
                nullptr };
        VkDescriptorSetLayoutCreateInfo lci { VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO };
        lci.bindingCount = bindings;
        lci.pBindings = b.data();
        vkCheck(vkCreateDescriptorSetLayout(device_, &lci, nullptr, &layout.first), "vkCreateDescriptorSetLayout");
        VkPushConstantRange range { VK_SHADER_STAGE_COMPUTE_BIT, 0, kPushConstantBytes };
        VkPipelineLayoutCreateInfo plci { VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO };
        plci.setLayoutCount = 1;
        plci.pSetLayouts = &layout.first;
        plci.pushConstantRangeCount = 1;
        plci.pPushConstantRanges = &range;
        vkCheck(vkCreatePipelineLayout(device_, &plci, nullptr, &layout.second), "vkCreatePipelineLayout");
    }
    auto mit = modules_.find(shader);
    if (mit == modules_.end()) {
        auto code = shaderCode(shader);
        VkShaderModuleCreateInfo sci { VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO };
        sci.codeSize = code.size_bytes();
        sci.pCode = code.data();
        VkShaderModule module;
        vkCheck(vkCreateShaderModule(device_, &sci, nullptr, &module), "vkCreateShaderModule");
        mit = modules_.emplace(std::string(shader), module).first;
    }
    std::vector<VkSpecializationMapEntry> entries(specialization.size());
    for (std::uint32_t i = 0; i < entries.size(); ++i)
        entries[i] = { i, i * 4, 4 };
    VkSpecializationInfo spec { std::uint32_t(entries.size()), entries.data(), specialization.size_bytes(), specialization.data() };
    VkComputePipelineCreateInfo ci { VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO };
    ci.stage = { VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO };
    ci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    ci.stage.module = mit->second;
    ci.stage.pName = "main";
    ci.stage.pSpecializationInfo = entries.empty() ? nullptr : &spec;
    ci.layout = layout.second;
    auto p = std::make_unique<Pipeline>();
    vkCheck(vkCreateComputePipelines(device_, pipelineCache_, 1, &ci, nullptr, &p->pipeline), "vkCreateComputePipelines");
    p->layout = layout.second;
    p->setLayout = layout.first;
    p->bindings = bindings;
    return *pipelines_.emplace(std::move(key), std::move(p)).first->second;
}

} // namespace nodus::rt
