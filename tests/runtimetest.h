#pragma once
// Support for the runtime's kernel tests: run one op on the Vulkan backend
// and compare with a CPU reference written plainly in the test.

#include "ir/model.h"
#include "ir/ownedtensordata.h"
#include "ir/tensorvalues.h"
#include "runtime/runtimeerror.h"
#include "runtime/session.h"

#include <QtTest>

#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace nodus::test {

// Whether a Vulkan device is present; when not, the reason.
inline const std::string& vulkanUnavailable()
{
    static const std::string reason = [] {
        try {
            return rt::listDevices().empty() ? std::string("no Vulkan device") : std::string();
        } catch (const std::exception& e) {
            return std::string(e.what());
        }
    }();
    return reason;
}

#define NODUS_REQUIRE_VULKAN()                                                                  \
    do {                                                                                        \
        if (!nodus::test::vulkanUnavailable().empty())                                          \
            QSKIP(("no Vulkan: " + nodus::test::vulkanUnavailable()).c_str());                  \
    } while (0)

// A tensor of `type` holding `values` (rounded/wrapped to the type).
inline std::shared_ptr<Tensor> tensorOf(DataType type, std::vector<std::int64_t> dims, const std::vector<double>& values)
{
    auto t = std::make_shared<Tensor>();
    t->dataType = type;
    t->dims = std::move(dims);
    std::size_t bits = std::size_t(dataTypeBits(type));
    std::vector<std::byte> bytes((values.size() * bits + 7) / 8);
    for (std::size_t i = 0; i < values.size(); ++i) {
        double v = values[i];
        std::byte* p = bytes.data() + i * bits / 8;
        switch (type) {
        case DataType::Float: { float f = float(v); std::memcpy(p, &f, 4); break; }
        case DataType::Double: std::memcpy(p, &v, 8); break;
        case DataType::Int64: { std::int64_t x = std::int64_t(v); std::memcpy(p, &x, 8); break; }
        case DataType::UInt64: { std::uint64_t x = std::uint64_t(v); std::memcpy(p, &x, 8); break; }
        case DataType::Int32: { std::int32_t x = std::int32_t(v); std::memcpy(p, &x, 4); break; }
        case DataType::UInt32: { std::uint32_t x = std::uint32_t(v); std::memcpy(p, &x, 4); break; }
        case DataType::Int16: { std::int16_t x = std::int16_t(v); std::memcpy(p, &x, 2); break; }
        case DataType::UInt16: { std::uint16_t x = std::uint16_t(v); std::memcpy(p, &x, 2); break; }
        case DataType::Int8: { std::int8_t x = std::int8_t(v); std::memcpy(p, &x, 1); break; }
        case DataType::UInt8: { std::uint8_t x = std::uint8_t(v); std::memcpy(p, &x, 1); break; }
        case DataType::Bool: { std::uint8_t x = v != 0; std::memcpy(p, &x, 1); break; }
        default: qFatal("tensorOf: unsupported type in test helper");
        }
    }
    t->data = std::make_shared<OwnedTensorData>(std::move(bytes));
    return t;
}

// A tensor of `type` holding `values` bit for bit (E of the type's size):
// for 64-bit integers that doubles cannot carry exactly.
template <class E> std::shared_ptr<Tensor> rawTensor(DataType type, std::vector<std::int64_t> dims, const std::vector<E>& values)
{
    auto t = std::make_shared<Tensor>();
    t->dataType = type;
    t->dims = std::move(dims);
    std::vector<std::byte> bytes(values.size() * sizeof(E));
    if (!values.empty())
        std::memcpy(bytes.data(), values.data(), bytes.size());
    t->data = std::make_shared<OwnedTensorData>(std::move(bytes));
    return t;
}

// The elements of `t` bit for bit as E (of the type's size).
template <class E> std::vector<E> rawValues(const Tensor& t)
{
    auto b = t.data->bytes();
    std::vector<E> out(b.size() / sizeof(E));
    if (!out.empty())
        std::memcpy(out.data(), b.data(), out.size() * sizeof(E));
    return out;
}

inline std::vector<double> valuesOf(const Tensor& t)
{
    auto n = t.elementCount().value_or(0);
    std::vector<double> out(n);
    if (n)
        decodeElements(t.dataType, t.data->bytes(), 0, n, out.data());
    return out;
}

inline std::vector<double> randomValues(std::size_t n, std::uint32_t seed, double lo = -1, double hi = 1)
{
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> d(lo, hi);
    std::vector<double> v(n);
    for (auto& x : v)
        x = float(d(rng));
    return v;
}

inline Attribute intAttr(std::string name, std::int64_t v)
{
    Attribute a; a.name = std::move(name); a.type = AttributeType::Int; a.i = v; return a;
}
inline Attribute floatAttr(std::string name, double v)
{
    Attribute a; a.name = std::move(name); a.type = AttributeType::Float; a.f = v; return a;
}
inline Attribute stringAttr(std::string name, std::string v)
{
    Attribute a; a.name = std::move(name); a.type = AttributeType::String; a.s = std::move(v); return a;
}
inline Attribute intsAttr(std::string name, std::vector<std::int64_t> v)
{
    Attribute a; a.name = std::move(name); a.type = AttributeType::Ints; a.ints = std::move(v); return a;
}
inline Attribute floatsAttr(std::string name, std::vector<double> v)
{
    Attribute a; a.name = std::move(name); a.type = AttributeType::Floats; a.floats = std::move(v); return a;
}

// One op in a model of its own: every given input is a graph input
// (nullptr: the optional input is left out), outputs are the graph outputs.
struct OpRun {
    OpRun() = default;
    OpRun(std::string op, std::vector<Attribute> attributes = {}, std::vector<std::shared_ptr<Tensor>> inputs = {},
        int outputs = 1, int opset = 17, std::string domain = {})
        : op(std::move(op))
        , attributes(std::move(attributes))
        , inputs(std::move(inputs))
        , outputs(outputs)
        , opset(opset)
        , domain(std::move(domain))
    {
    }
    std::string op;
    std::vector<Attribute> attributes;
    std::vector<std::shared_ptr<Tensor>> inputs;
    int outputs = 1;
    int opset = 17;
    std::string domain;
};

inline std::shared_ptr<Model> opModel(const OpRun& run)
{
    auto model = std::make_shared<Model>();
    model->opsets = { { "", run.opset } };
    Graph& g = *model->graph;
    Node* n = g.addNode(run.op, run.op + "_node");
    n->domain = run.domain;
    n->attributes = run.attributes;
    for (std::size_t i = 0; i < run.inputs.size(); ++i) {
        if (!run.inputs[i]) {
            g.addInput(n, nullptr);
            continue;
        }
        Value* v = g.value("in" + std::to_string(i));
        v->type = ValueType::tensor(run.inputs[i]->dataType, Shape::of(run.inputs[i]->dims));
        g.inputs.push_back(v);
        g.addInput(n, v);
    }
    for (int i = 0; i < run.outputs; ++i) {
        Value* v = g.value("out" + std::to_string(i));
        g.addOutput(n, v);
        g.outputs.push_back(v);
    }
    return model;
}

inline std::size_t countOf(const std::vector<std::int64_t>& shape)
{
    std::size_t n = 1;
    for (auto d : shape)
        n *= std::size_t(d);
    return n;
}

// A shape of `rank` dims, each in [minDim, maxDim].
inline std::vector<std::int64_t> randomShape(std::mt19937& rng, int rank, int maxDim, int minDim = 1)
{
    std::vector<std::int64_t> s(static_cast<std::size_t>(rank));
    for (auto& d : s)
        d = std::uniform_int_distribution<int>(minDim, maxDim)(rng);
    return s;
}

// Session options that time each node and name the shaders it ran
// (RunResult::timings), which tests use to see which kernel path ran.
inline rt::SessionOptions profiledOptions()
{
    rt::SessionOptions options;
    options.profile = true;
    return options;
}

// Runs the op on the default Vulkan device (every op with a kernel on the
// device, none evaluated on the host); outputs in order.
inline rt::RunResult runOpResult(const OpRun& run, rt::SessionOptions options = {})
{
    auto model = opModel(run);
    options.hostShapeArithmetic = false; // every op with a kernel runs on the device
    rt::Session session(model, options);
    std::vector<std::pair<std::string, std::shared_ptr<const Tensor>>> feeds;
    for (std::size_t i = 0; i < run.inputs.size(); ++i)
        if (run.inputs[i])
            feeds.push_back({ "in" + std::to_string(i), run.inputs[i] });
    return session.run(feeds);
}

inline std::vector<std::shared_ptr<Tensor>> runOp(const OpRun& run)
{
    return runOpResult(run).outputs;
}

// A model of one node whose inputs marked in `weights` are initializers.
inline std::shared_ptr<Model> weightModel(const OpRun& run, const std::vector<bool>& weights)
{
    auto model = opModel(run);
    Graph& g = *model->graph;
    std::vector<Value*> kept;
    for (Value* v : g.inputs) {
        std::size_t i = std::size_t(std::stoi(v->name().substr(2)));
        if (i < weights.size() && weights[i]) {
            run.inputs[i]->name = v->name();
            g.initializers.push_back(run.inputs[i]);
            v->initializer = run.inputs[i];
        } else {
            kept.push_back(v);
        }
    }
    g.inputs = kept;
    return model;
}

// The feeds of weightModel's model: the inputs that are not weights.
inline std::vector<std::pair<std::string, std::shared_ptr<const Tensor>>> weightModelFeeds(
    const OpRun& run, const std::vector<bool>& weights)
{
    std::vector<std::pair<std::string, std::shared_ptr<const Tensor>>> feeds;
    for (std::size_t i = 0; i < run.inputs.size(); ++i)
        if (run.inputs[i] && !(i < weights.size() && weights[i]))
            feeds.push_back({ "in" + std::to_string(i), run.inputs[i] });
    return feeds;
}

// Runs weightModel's model on weightModelFeeds.
inline rt::RunResult runWeightModelResult(const std::shared_ptr<Model>& model, const OpRun& run,
    const std::vector<bool>& weights, rt::SessionOptions options = {})
{
    options.hostShapeArithmetic = false;
    rt::Session session(model, options);
    return session.run(weightModelFeeds(run, weights));
}

inline std::vector<std::shared_ptr<Tensor>> runWeightModel(const std::shared_ptr<Model>& model, const OpRun& run,
    const std::vector<bool>& weights, rt::SessionOptions options = {})
{
    return runWeightModelResult(model, run, weights, std::move(options)).outputs;
}

// Largest |a-b| - tol*|b|-style check; names the first bad index on failure.
#define NODUS_COMPARE_VALUES(actual, expected, atol, rtol)                                              \
    do {                                                                                                \
        const auto& a_ = (actual);                                                                      \
        const auto& e_ = (expected);                                                                    \
        QCOMPARE(a_.size(), e_.size());                                                                 \
        for (std::size_t i_ = 0; i_ < a_.size(); ++i_) {                                                \
            double d_ = std::abs(a_[i_] - e_[i_]);                                                      \
            bool ok_ = d_ <= (atol) + (rtol) * std::abs(e_[i_]) || (std::isnan(a_[i_]) && std::isnan(e_[i_])) \
                || (a_[i_] == e_[i_]);                                                                  \
            if (!ok_)                                                                                   \
                QFAIL(qPrintable(QString("index %1: got %2, expected %3").arg(i_).arg(a_[i_], 0, 'g', 9)  \
                                     .arg(e_[i_], 0, 'g', 9)));                                         \
        }                                                                                               \
    } while (0)

} // namespace nodus::test
