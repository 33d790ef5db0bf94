// TensorFlow Lite -> ONNX: every corpus .tflite converts, passes the ONNX
// checker and strict shape inference with the output shapes the .tflite
// states; the float models compute, under onnxruntime, what a small plain
// C++ interpreter of the TFLite ops (NHWC, written here from the op
// definitions) computes on the same inputs; the quantized Inception layer
// agrees with a dequantize-conv-quantize reference within one step; the
// NHWC/NCHW layout costs a Transpose only at the boundary; ops without a
// mapping are named, and kept as custom ops by a partial export.
// Also apply-weights: weight sets written by our own writers (safetensors,
// npz, .pth) land on TFLite and ONNX models, by name, through tolerant name
// matching, with mismatches reported per tensor.
#include "ortrunner.h"
#include "testsupport.h"

#include "convert/onnxexport.h"
#include "convert/weightsexport.h"
#include "edit/weighttransplant.h"
#include "formats/formatregistry.h"
#include "formats/tflite/tflitedocument.h"
#include "ir/model.h"
#include "ir/ownedtensordata.h"
#include "ir/tensorencode.h"
#include "ir/tensorvalues.h"
#include "util/error.h"

#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <numeric>
#include <random>
#include <set>

using namespace nodus;

namespace {

// --- a plain NHWC reference of the TFLite ops the corpus uses ----------------

struct Array {
    std::vector<std::int64_t> dims;
    std::vector<double> data;
    DataType type = DataType::Float;
};

std::int64_t count(const std::vector<std::int64_t>& d)
{
    return std::accumulate(d.begin(), d.end(), std::int64_t { 1 }, std::multiplies<>());
}

Array fromTensor(const Tensor& t)
{
    Array a;
    a.dims = t.dims;
    a.type = t.dataType;
    const auto bytes = t.data->bytes();
    const auto n = count(t.dims);
    for (std::int64_t k = 0; k < n; ++k)
        a.data.push_back(elementAsDouble(t.dataType, bytes, static_cast<std::uint64_t>(k)));
    return a;
}

const Attribute* attr(const Node& n, const char* name)
{
    for (const auto& a : n.attributes)
        if (a.name == name)
            return &a;
    return nullptr;
}

std::int64_t intAttr(const Node& n, const char* name, std::int64_t fallback = 0)
{
    const Attribute* a = attr(n, name);
    return a ? a->i : fallback;
}

std::string stringAttr(const Node& n, const char* name)
{
    const Attribute* a = attr(n, name);
    return a ? a->s : std::string();
}

double activate(const std::string& f, double v)
{
    if (f == "RELU")
        return std::max(v, 0.0);
    if (f == "RELU6")
        return std::clamp(v, 0.0, 6.0);
    if (f == "RELU_N1_TO_1")
        return std::clamp(v, -1.0, 1.0);
    if (f == "TANH")
        return std::tanh(v);
    return v;
}

// Output size and the padding before, as TensorFlow's SAME/VALID define them.
std::pair<std::int64_t, std::int64_t> window(
    const std::string& padding, std::int64_t in, std::int64_t k, std::int64_t s)
{
    if (padding == "VALID")
        return { (in - k) / s + 1, 0 };
    const std::int64_t out = (in + s - 1) / s;
    const std::int64_t total = std::max<std::int64_t>(0, (out - 1) * s + k - in);
    return { out, total / 2 };
}

Array conv2d(const Node& n, const Array& x, const Array& w, const Array* bias, bool depthwise)
{
    const std::int64_t N = x.dims[0], H = x.dims[1], W = x.dims[2], C = x.dims[3];
    const std::int64_t KH = w.dims[1], KW = w.dims[2];
    const std::int64_t O = depthwise ? w.dims[3] : w.dims[0];
    const std::int64_t sh = intAttr(n, "stride_h", 1), sw = intAttr(n, "stride_w", 1);
    const auto [OH, top] = window(stringAttr(n, "padding"), H, KH, sh);
    const auto [OW, left] = window(stringAttr(n, "padding"), W, KW, sw);
    const std::int64_t M = depthwise ? O / C : 1;
    Array y;
    y.dims = { N, OH, OW, O };
    y.data.assign(static_cast<std::size_t>(count(y.dims)), 0.0);
    for (std::int64_t b = 0; b < N; ++b)
        for (std::int64_t oy = 0; oy < OH; ++oy)
            for (std::int64_t ox = 0; ox < OW; ++ox)
                for (std::int64_t o = 0; o < O; ++o) {
                    double sum = bias ? bias->data[static_cast<std::size_t>(o)] : 0.0;
                    for (std::int64_t ky = 0; ky < KH; ++ky)
                        for (std::int64_t kx = 0; kx < KW; ++kx) {
                            const std::int64_t iy = oy * sh + ky - top, ix = ox * sw + kx - left;
                            if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                                continue;
                            const auto at = [&](std::int64_t c) {
                                return x.data[static_cast<std::size_t>(((b * H + iy) * W + ix) * C + c)];
                            };
                            if (depthwise) {
                                sum += at(o / M) * w.data[static_cast<std::size_t>((ky * KW + kx) * O + o)];
                            } else {
                                for (std::int64_t c = 0; c < C; ++c)
                                    sum += at(c) * w.data[static_cast<std::size_t>(((o * KH + ky) * KW + kx) * C + c)];
                            }
                        }
                    y.data[static_cast<std::size_t>(((b * OH + oy) * OW + ox) * O + o)]
                        = activate(stringAttr(n, "fused_activation_function"), sum);
                }
    return y;
}

Array pool(const Node& n, const Array& x, bool max)
{
    const std::int64_t N = x.dims[0], H = x.dims[1], W = x.dims[2], C = x.dims[3];
    const std::int64_t KH = intAttr(n, "filter_height"), KW = intAttr(n, "filter_width");
    const std::int64_t sh = intAttr(n, "stride_h", 1), sw = intAttr(n, "stride_w", 1);
    const auto [OH, top] = window(stringAttr(n, "padding"), H, KH, sh);
    const auto [OW, left] = window(stringAttr(n, "padding"), W, KW, sw);
    Array y;
    y.dims = { N, OH, OW, C };
    for (std::int64_t b = 0; b < N; ++b)
        for (std::int64_t oy = 0; oy < OH; ++oy)
            for (std::int64_t ox = 0; ox < OW; ++ox)
                for (std::int64_t c = 0; c < C; ++c) {
                    double acc = max ? -INFINITY : 0.0;
                    int used = 0;
                    for (std::int64_t ky = 0; ky < KH; ++ky)
                        for (std::int64_t kx = 0; kx < KW; ++kx) {
                            const std::int64_t iy = oy * sh + ky - top, ix = ox * sw + kx - left;
                            if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                                continue;
                            const double v = x.data[static_cast<std::size_t>(((b * H + iy) * W + ix) * C + c)];
                            acc = max ? std::max(acc, v) : acc + v;
                            ++used;
                        }
                    y.data.push_back(activate(stringAttr(n, "fused_activation_function"), max ? acc : acc / used));
                }
    return y;
}

// Broadcasting as numpy does it (trailing axes line up).
Array elementwise(const Node& n, const Array& a, const Array& b, double (*f)(double, double))
{
    const std::size_t r = std::max(a.dims.size(), b.dims.size());
    std::vector<std::int64_t> da(r - a.dims.size(), 1), db(r - b.dims.size(), 1);
    da.insert(da.end(), a.dims.begin(), a.dims.end());
    db.insert(db.end(), b.dims.begin(), b.dims.end());
    Array y;
    y.type = a.type;
    for (std::size_t k = 0; k < r; ++k)
        y.dims.push_back(std::max(da[k], db[k]));
    const auto total = count(y.dims);
    std::vector<std::int64_t> idx(r, 0);
    for (std::int64_t e = 0; e < total; ++e) {
        std::int64_t ia = 0, ib = 0;
        for (std::size_t k = 0; k < r; ++k) {
            ia = ia * da[k] + (da[k] == 1 ? 0 : idx[k]);
            ib = ib * db[k] + (db[k] == 1 ? 0 : idx[k]);
        }
        y.data.push_back(activate(stringAttr(n, "fused_activation_function"),
            f(a.data[static_cast<std::size_t>(ia)], b.data[static_cast<std::size_t>(ib)])));
        for (std::size_t k = r; k-- > 0;) {
            if (++idx[k] < y.dims[k])
                break;
            idx[k] = 0;
        }
    }
    return y;
}

Array fullyConnected(const Node& n, const Array& x, const Array& w, const Array* bias)
{
    const std::int64_t O = w.dims[0], I = w.dims[1];
    const std::int64_t rows = count(x.dims) / I;
    Array y;
    y.dims = { rows, O };
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t o = 0; o < O; ++o) {
            double sum = bias ? bias->data[static_cast<std::size_t>(o)] : 0.0;
            for (std::int64_t i = 0; i < I; ++i)
                sum += x.data[static_cast<std::size_t>(r * I + i)] * w.data[static_cast<std::size_t>(o * I + i)];
            y.data.push_back(activate(stringAttr(n, "fused_activation_function"), sum));
        }
    return y;
}

Array softmax(const Node& n, const Array& x)
{
    const double beta = attr(n, "beta") ? attr(n, "beta")->f : 1.0;
    const std::int64_t last = x.dims.back();
    Array y = x;
    for (std::int64_t r = 0; r < count(x.dims) / last; ++r) {
        double m = -INFINITY, sum = 0;
        for (std::int64_t k = 0; k < last; ++k)
            m = std::max(m, x.data[static_cast<std::size_t>(r * last + k)]);
        for (std::int64_t k = 0; k < last; ++k)
            sum += std::exp(beta * (x.data[static_cast<std::size_t>(r * last + k)] - m));
        for (std::int64_t k = 0; k < last; ++k)
            y.data[static_cast<std::size_t>(r * last + k)]
                = std::exp(beta * (x.data[static_cast<std::size_t>(r * last + k)] - m)) / sum;
    }
    return y;
}

std::vector<Array> split(const Array& axisArray, const Array& x, std::int64_t parts)
{
    std::int64_t axis = static_cast<std::int64_t>(axisArray.data.at(0));
    if (axis < 0)
        axis += static_cast<std::int64_t>(x.dims.size());
    const std::int64_t outer = count({ x.dims.begin(), x.dims.begin() + axis });
    const std::int64_t inner = count({ x.dims.begin() + axis + 1, x.dims.end() });
    const std::int64_t size = x.dims[static_cast<std::size_t>(axis)] / parts;
    std::vector<Array> out(static_cast<std::size_t>(parts));
    for (std::int64_t p = 0; p < parts; ++p) {
        Array& y = out[static_cast<std::size_t>(p)];
        y.dims = x.dims;
        y.dims[static_cast<std::size_t>(axis)] = size;
        for (std::int64_t o = 0; o < outer; ++o)
            for (std::int64_t a = p * size; a < (p + 1) * size; ++a)
                for (std::int64_t i = 0; i < inner; ++i)
                    y.data.push_back(
                        x.data[static_cast<std::size_t>((o * x.dims[static_cast<std::size_t>(axis)] + a) * inner + i)]);
    }
    return out;
}

// No masks (asserted): the corpus model's case; strides of either sign.
Array stridedSlice(const Node& n, const Array& x, const Array& begin, const Array& end, const Array& strides)
{
    if (intAttr(n, "begin_mask") || intAttr(n, "end_mask") || intAttr(n, "shrink_axis_mask"))
        throw std::runtime_error("the reference slices without masks");
    const std::size_t r = x.dims.size();
    std::vector<std::int64_t> b(r), e(r), s(r);
    Array y;
    for (std::size_t k = 0; k < r; ++k) {
        const std::int64_t d = x.dims[k];
        s[k] = static_cast<std::int64_t>(strides.data[k]);
        auto at = [&](double v) { return v < 0 ? static_cast<std::int64_t>(v) + d : static_cast<std::int64_t>(v); };
        // A negative stride walks down from begin (at most d - 1) to just
        // above end (at least -1: past the first element).
        if (s[k] > 0) {
            b[k] = std::clamp<std::int64_t>(at(begin.data[k]), 0, d);
            e[k] = std::clamp<std::int64_t>(at(end.data[k]), 0, d);
            y.dims.push_back(std::max<std::int64_t>(0, (e[k] - b[k] + s[k] - 1) / s[k]));
        } else {
            b[k] = std::clamp<std::int64_t>(at(begin.data[k]), -1, d - 1);
            e[k] = std::clamp<std::int64_t>(at(end.data[k]), -1, d - 1);
            y.dims.push_back(std::max<std::int64_t>(0, (b[k] - e[k] - s[k] - 1) / -s[k]));
        }
    }
    std::vector<std::int64_t> idx(r, 0);
    for (std::int64_t k = 0; k < count(y.dims); ++k) {
        std::int64_t at = 0;
        for (std::size_t a = 0; a < r; ++a)
            at = at * x.dims[a] + b[a] + idx[a] * s[a];
        y.data.push_back(x.data[static_cast<std::size_t>(at)]);
        for (std::size_t a = r; a-- > 0;) {
            if (++idx[a] < y.dims[a])
                break;
            idx[a] = 0;
        }
    }
    return y;
}

Array oneHot(const Node& n, const Array& indices, const Array& depth, const Array& on, const Array& off)
{
    if (intAttr(n, "axis", -1) != -1)
        throw std::runtime_error("the reference one-hots along the last axis");
    const auto d = static_cast<std::int64_t>(depth.data.at(0));
    Array y;
    y.dims = indices.dims;
    y.dims.push_back(d);
    for (double i : indices.data)
        for (std::int64_t k = 0; k < d; ++k)
            y.data.push_back(static_cast<std::int64_t>(i) == k ? on.data[0] : off.data[0]);
    return y;
}

std::vector<Array> topK(const Array& x, const Array& kArray)
{
    const auto k = static_cast<std::int64_t>(kArray.data.at(0));
    const std::int64_t last = x.dims.back();
    Array values, indices;
    values.dims = indices.dims = x.dims;
    values.dims.back() = indices.dims.back() = k;
    indices.type = DataType::Int32;
    for (std::int64_t r = 0; r < count(x.dims) / last; ++r) {
        std::vector<std::int64_t> order(static_cast<std::size_t>(last));
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) {
            return x.data[static_cast<std::size_t>(r * last + a)] > x.data[static_cast<std::size_t>(r * last + b)];
        });
        for (std::int64_t j = 0; j < k; ++j) {
            values.data.push_back(x.data[static_cast<std::size_t>(r * last + order[static_cast<std::size_t>(j)])]);
            indices.data.push_back(static_cast<double>(order[static_cast<std::size_t>(j)]));
        }
    }
    return { values, indices };
}

// Runs the main graph of a float TFLite model on `inputs`.
std::map<const Value*, Array> interpret(const Model& m, const std::vector<Array>& inputs)
{
    std::map<const Value*, Array> env;
    const Graph& g = *m.graph;
    for (std::size_t k = 0; k < g.inputs.size(); ++k)
        env[g.inputs[k]] = inputs.at(k);
    auto get = [&](const Node& n, std::size_t k) -> const Array& {
        const Value* v = n.inputs().at(k);
        auto it = env.find(v);
        if (it == env.end())
            it = env.emplace(v, fromTensor(*v->initializer)).first;
        return it->second;
    };
    auto optional = [&](const Node& n, std::size_t k) -> const Array* {
        return k < n.inputs().size() && n.inputs()[k] ? &get(n, k) : nullptr;
    };
    for (const auto& np : g.nodes()) {
        const Node& n = *np;
        const std::string& op = n.opType;
        std::vector<Array> out;
        if (op == "Conv2D" || op == "DepthwiseConv2D")
            out = { conv2d(n, get(n, 0), get(n, 1), optional(n, 2), op == "DepthwiseConv2D") };
        else if (op == "MaxPool2D" || op == "AveragePool2D")
            out = { pool(n, get(n, 0), op == "MaxPool2D") };
        else if (op == "FullyConnected")
            out = { fullyConnected(n, get(n, 0), get(n, 1), optional(n, 2)) };
        else if (op == "Softmax")
            out = { softmax(n, get(n, 0)) };
        else if (op == "Add")
            out = { elementwise(n, get(n, 0), get(n, 1), [](double a, double b) { return a + b; }) };
        else if (op == "Mul")
            out = { elementwise(n, get(n, 0), get(n, 1), [](double a, double b) { return a * b; }) };
        else if (op == "Split")
            out = split(get(n, 0), get(n, 1), intAttr(n, "num_splits"));
        else if (op == "StridedSlice")
            out = { stridedSlice(n, get(n, 0), get(n, 1), get(n, 2), get(n, 3)) };
        else if (op == "OneHot")
            out = { oneHot(n, get(n, 0), get(n, 1), get(n, 2), get(n, 3)) };
        else if (op == "TopKV2")
            out = topK(get(n, 0), get(n, 1));
        else
            throw std::runtime_error("the reference has no " + op);
        for (std::size_t k = 0; k < out.size() && k < n.outputs().size(); ++k)
            env[n.outputs()[k]] = std::move(out[k]);
    }
    return env;
}

// Fixed-seed inputs: floats in [-1, 1], uint8 in [0, 255], other integers
// in [0, 4] (one_hot's indices below its depth of 5).
std::vector<Array> makeInputs(const Model& m, unsigned seed)
{
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> real(-1.0, 1.0);
    std::uniform_int_distribution<int> whole(0, 4), byte(0, 255);
    std::vector<Array> out;
    for (const Value* v : m.graph->inputs) {
        Array a;
        a.type = v->type.elementType;
        for (const Dim& d : v->type.shape.dims)
            a.dims.push_back(d.value.value_or(1));
        for (std::int64_t k = 0; k < count(a.dims); ++k)
            a.data.push_back(isFloatingPoint(a.type) ? static_cast<double>(static_cast<float>(real(rng)))
                    : a.type == DataType::UInt8      ? static_cast<double>(byte(rng))
                                                     : static_cast<double>(whole(rng)));
        out.push_back(std::move(a));
    }
    return out;
}

std::string ortType(DataType t)
{
    switch (t) {
    case DataType::Float:
        return "float32";
    case DataType::Int32:
        return "int32";
    case DataType::Int64:
        return "int64";
    case DataType::UInt8:
        return "uint8";
    case DataType::Int8:
        return "int8";
    default:
        return "unsupported";
    }
}

std::unique_ptr<Model> open(const std::filesystem::path& p)
{
    return FormatRegistry::instance().open(p);
}

onnx::ModelProto convert(const Model& m, OnnxExportReport& report, bool partial = false)
{
    OnnxExportOptions options;
    options.partial = partial;
    onnx::ModelProto proto;
    convertToOnnx(m, options, proto, report);
    return proto;
}

void save(const onnx::ModelProto& proto, const std::filesystem::path& p)
{
    std::ofstream out(p, std::ios::binary);
    proto.SerializeToOstream(&out);
}

int countOps(const onnx::ModelProto& proto, const std::string& op)
{
    return static_cast<int>(std::count_if(
        proto.graph().node().begin(), proto.graph().node().end(), [&](const auto& n) { return n.op_type() == op; }));
}

std::vector<std::int64_t> onnxDims(const onnx::ValueInfoProto& vi)
{
    std::vector<std::int64_t> d;
    for (const auto& x : vi.type().tensor_type().shape().dim())
        d.push_back(x.has_dim_value() ? x.dim_value() : -1);
    return d;
}

// --- weight sets ---------------------------------------------------------

// New values for a parameter: each element v becomes v * 0.5 + offset,
// rounded to float as the file stores it.
std::vector<float> shifted(const Tensor& t, double offset)
{
    std::vector<float> out;
    const auto bytes = t.data->bytes();
    const auto n = t.elementCount().value_or(0);
    for (std::uint64_t k = 0; k < n; ++k)
        out.push_back(static_cast<float>(elementAsDouble(t.dataType, bytes, k) * 0.5 + offset));
    return out;
}

// A weight set for `target`: each float32 parameter under `rename(name)`,
// with shifted values (its dims replaced by `dims` when one is named in
// `reshaped`).
std::unique_ptr<Model> weightSet(const Model& target, const std::function<std::string(const std::string&)>& rename,
    double offset, const std::string& reshaped = {})
{
    auto w = std::make_unique<Model>();
    w->graph = std::make_shared<Graph>("weights");
    for (const auto& t : target.graph->initializers) {
        if (t->dataType != DataType::Float || !t->data)
            continue;
        auto c = std::make_shared<Tensor>();
        c->name = rename(t->name);
        c->dataType = DataType::Float;
        c->dims = t->dims;
        const auto values = shifted(*t, offset);
        std::vector<std::byte> bytes(values.size() * 4);
        std::memcpy(bytes.data(), values.data(), bytes.size());
        if (t->name == reshaped)
            c->dims = { static_cast<std::int64_t>(values.size()) };
        c->data = std::make_shared<OwnedTensorData>(std::move(bytes));
        w->graph->addInitializer(std::move(c));
    }
    return w;
}

// Every float32 parameter of `after` holds `before`'s values shifted.
int checkShifted(const Model& before, const Model& after, double offset)
{
    int checked = 0;
    for (const auto& t : before.graph->initializers) {
        if (t->dataType != DataType::Float || !t->data)
            continue;
        const Tensor* n = nullptr;
        for (const auto& u : after.graph->initializers)
            if (u->name == t->name)
                n = u.get();
        if (!n)
            throw std::runtime_error("'" + t->name + "' is gone");
        const auto want = shifted(*t, offset);
        const auto got = fromTensor(*n).data;
        if (got.size() != want.size())
            throw std::runtime_error("'" + t->name + "' changed size");
        for (std::size_t k = 0; k < want.size(); ++k)
            if (got[k] != static_cast<double>(want[k]))
                throw std::runtime_error("'" + t->name + "' element " + std::to_string(k) + " is "
                    + std::to_string(got[k]) + ", not " + std::to_string(want[k]));
        ++checked;
    }
    return checked;
}

// A state dict saved by PyTorch from an .npz of ours; empty when python3
// with numpy and torch is not there.
QString torchSave(const QString& npz, const QString& pth)
{
    QProcess p;
    p.start("python3",
        { "-c",
            "import sys, numpy, torch\n"
            "a = numpy.load(sys.argv[1])\n"
            "torch.save({k: torch.from_numpy(a[k].copy()) for k in a.files}, sys.argv[2])\n",
            npz, pth });
    if (!p.waitForFinished(120000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
        return QString::fromUtf8(p.readAllStandardError()).trimmed() + " (python3 with numpy and torch)";
    return {};
}
} // namespace

class TestTfliteConvert : public QObject {
    Q_OBJECT

private slots:
    // Every corpus file: converted whole (no op left out), checked, shapes
    // inferred strictly, outputs with the shapes and types the file states.
    void corpusConverts_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<int>("nodes");
        QTest::addColumn<int>("transposes");
        // ONNX nodes written and Transposes among them, counted by hand
        // from each graph (`nodus-cli graph`) and the layout rule.
        const std::map<std::string, std::pair<int, int>> expected = {
            { "add.tflite", { 1, 0 } },
            // Transpose in, Conv, Transpose out.
            { "conv.tflite", { 3, 2 } },
            // Dequantize the input, weights and bias, Transpose, Conv, Relu,
            // Quantize, Transpose back.
            { "inception_v1_quant.tflite", { 8, 2 } },
            // Transpose, Conv+Relu, MaxPool, Conv+Relu, MaxPool, Transpose,
            // Reshape+Gemm, Reshape+Gemm, Softmax.
            { "mnist.tflite", { 13, 2 } },
            // Reshape off, Reshape on, Concat, OneHot.
            { "one_hot.tflite", { 4, 0 } },
            { "split.tflite", { 1, 0 } },
            { "strided_slice.tflite", { 1, 0 } },
            { "tf2onnx_regression_model.tflite", { 2, 0 } },
            // Cast k, Reshape k, TopK, Cast indices.
            { "topk_v2.tflite", { 4, 0 } },
        };
        NODUS_SKIP_IF_NO_CORPUS();
        for (const auto& p : test::corpusFiles("tflite", { ".tflite" })) {
            auto it = expected.find(p.filename().string());
            QVERIFY2(it != expected.end(), qPrintable("no expectation for " + QString::fromStdString(p.string())));
            QTest::newRow(p.filename().string().c_str())
                << QString::fromStdString(p.string()) << it->second.first << it->second.second;
        }
    }

    void corpusConverts()
    {
        QFETCH(QString, path);
        QFETCH(int, nodes);
        QFETCH(int, transposes);
        const auto m = open(path.toStdString());
        OnnxExportReport report;
        onnx::ModelProto proto;
        try {
            proto = convert(*m, report);
        } catch (const Error& e) {
            QFAIL(e.what());
        }
        QVERIFY(report.complete());
        QCOMPARE(report.nodesIn, m->graph->nodes().size());
        QCOMPARE(proto.graph().node_size(), nodes);
        QCOMPARE(countOps(proto, "Transpose"), transposes);
        onnx::checker::check_model(proto);
        onnx::ShapeInferenceOptions strict(true, 1, true);
        onnx::shape_inference::InferShapes(proto, onnx::OpSchemaRegistry::Instance(), strict);
        QCOMPARE(proto.graph().output_size(), static_cast<int>(m->graph->outputs.size()));
        for (int k = 0; k < proto.graph().output_size(); ++k) {
            const Value* v = m->graph->outputs[static_cast<std::size_t>(k)];
            const auto& out = proto.graph().output(k);
            QCOMPARE(out.type().tensor_type().elem_type(), static_cast<int>(v->type.elementType));
            std::vector<std::int64_t> want;
            for (const Dim& d : v->type.shape.dims)
                want.push_back(d.value.value_or(-1));
            QCOMPARE(onnxDims(out), want);
        }
        QCOMPARE(proto.metadata_props(0).value(), std::string("tflite"));
    }

    // The float models compute what the reference computes.
    void floatValues_data()
    {
        QTest::addColumn<QString>("name");
        for (const char* name :
            { "add", "conv", "mnist", "split", "strided_slice", "one_hot", "topk_v2", "tf2onnx_regression_model" })
            QTest::newRow(name) << QString(name);
    }

    void floatValues()
    {
        QFETCH(QString, name);
        NODUS_SKIP_IF_NO_CORPUS();
        const auto path = test::corpusDir() / "tflite" / (name.toStdString() + ".tflite");
        if (!std::filesystem::exists(path))
            QSKIP("not in the corpus");
        if (const QString why = test::ortUnavailable(); !why.isEmpty())
            QSKIP(qPrintable(why));
        const auto m = open(path);
        OnnxExportReport report;
        const auto proto = convert(*m, report);
        QTemporaryDir dir;
        const auto onnxPath = std::filesystem::path(dir.path().toStdString()) / "model.onnx";
        save(proto, onnxPath);

        for (unsigned seed : { 1u, 2u }) {
            const auto inputs = makeInputs(*m, seed);
            const auto env = interpret(*m, inputs);
            std::vector<test::OrtInput> ortInputs;
            for (int k = 0; k < proto.graph().input_size(); ++k) {
                const Array& a = inputs.at(static_cast<std::size_t>(k));
                ortInputs.push_back({ proto.graph().input(k).name(), ortType(a.type), a.dims, a.data });
            }
            const auto result = test::runOnnxRuntime(onnxPath, ortInputs, true);
            QVERIFY2(result.ran, qPrintable(result.error));
            QCOMPARE(result.outputs.size(), m->graph->outputs.size());
            for (std::size_t k = 0; k < result.outputs.size(); ++k) {
                const Array& want = env.at(m->graph->outputs[k]);
                const auto& got = result.outputs[k];
                QCOMPARE(got.dims, want.dims);
                QCOMPARE(got.data.size(), want.data.size());
                double worst = 0;
                for (std::size_t e = 0; e < want.data.size(); ++e)
                    worst = std::max(worst, std::abs(got.data[e] - want.data[e]));
                QVERIFY2(worst <= 1e-4, qPrintable(QString("%1 output %2 differs by %3").arg(name).arg(k).arg(worst)));
                // Not all zero: a broken model that outputs nothing would pass.
                QVERIFY(std::any_of(want.data.begin(), want.data.end(), [](double v) { return v != 0; }));
            }
        }
    }

    // The quantized layer: dequantize, float conv + RELU, quantize; ONNX's
    // rounding of the one requantize may differ from this one by a step.
    void quantizedInception()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto path = test::corpusDir() / "tflite" / "inception_v1_quant.tflite";
        if (!std::filesystem::exists(path))
            QSKIP("not in the corpus");
        if (const QString why = test::ortUnavailable(); !why.isEmpty())
            QSKIP(qPrintable(why));
        const auto m = open(path);
        OnnxExportReport report;
        const auto proto = convert(*m, report);
        QCOMPARE(countOps(proto, "DequantizeLinear"), 3);
        QCOMPARE(countOps(proto, "QuantizeLinear"), 1);
        QCOMPARE(proto.graph().output(0).type().tensor_type().elem_type(), static_cast<int>(onnx::TensorProto::UINT8));

        // The reference: the file's own scales and zero points, float
        // arithmetic, TFLite's rounding.
        const auto* doc = dynamic_cast<const TfliteDocument*>(m->native.get());
        QVERIFY(doc);
        const Node& conv = *m->graph->nodes().at(0);
        auto quant = [&](const Value* v) {
            auto it = doc->quantization.find(v->id());
            if (it == doc->quantization.end())
                throw std::runtime_error("no quantization for " + v->name());
            return it->second;
        };
        const auto qx = quant(conv.inputs()[0]), qw = quant(conv.inputs()[1]), qb = quant(conv.inputs()[2]);
        const auto qy = quant(conv.outputs()[0]);
        QVERIFY(qw.scale.size() == 1
            || qw.scale.size() == static_cast<std::size_t>(conv.inputs()[1]->initializer->dims[0]));
        QVERIFY(qw.scale.size() == 1 || qw.axis == 0);
        Array w = fromTensor(*conv.inputs()[1]->initializer);
        Array b = fromTensor(*conv.inputs()[2]->initializer);
        const std::int64_t inner = count(w.dims) / w.dims[0];
        for (std::size_t k = 0; k < w.data.size(); ++k) {
            const auto o = k / static_cast<std::size_t>(inner);
            const auto c = qw.scale.size() == 1 ? 0 : o;
            w.data[k] = (w.data[k] - static_cast<double>(qw.zeroPoint.empty() ? 0 : qw.zeroPoint[c])) * qw.scale[c];
        }
        for (std::size_t o = 0; o < b.data.size(); ++o)
            b.data[o] *= qb.scale.size() > 1 ? qb.scale[o] : qb.scale[0];
        b.type = w.type = DataType::Float;

        QTemporaryDir dir;
        const auto onnxPath = std::filesystem::path(dir.path().toStdString()) / "model.onnx";
        save(proto, onnxPath);
        auto inputs = makeInputs(*m, 7);
        Array x = inputs[0];
        for (auto& v : x.data)
            v = (v - static_cast<double>(qx.zeroPoint.at(0))) * qx.scale.at(0);
        const Array y = conv2d(conv, x, w, &b, false);
        const auto result = test::runOnnxRuntime(
            onnxPath, { { proto.graph().input(0).name(), "uint8", inputs[0].dims, inputs[0].data } }, true);
        QVERIFY2(result.ran, qPrintable(result.error));
        const auto& got = result.outputs.at(0);
        QCOMPARE(got.dims, y.dims);
        int off = 0;
        std::set<double> seen;
        for (std::size_t k = 0; k < y.data.size(); ++k) {
            const double want
                = std::clamp(std::round(y.data[k] / qy.scale[0]) + static_cast<double>(qy.zeroPoint.at(0)), 0.0, 255.0);
            QVERIFY2(std::abs(got.data[k] - want) <= 1,
                qPrintable(QString("element %1: %2, reference %3").arg(k).arg(got.data[k]).arg(want)));
            off += got.data[k] != want;
            seen.insert(got.data[k]);
        }
        // Rounding ties only, and a real spread of outputs.
        QVERIFY(off < static_cast<int>(y.data.size() / 100));
        QVERIFY(seen.size() > 20);
    }

    // `nodus-cli convert x.tflite y.onnx` picks the converter by content.
    void cliConvert()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto path = test::corpusDir() / "tflite" / "mnist.tflite";
        if (!std::filesystem::exists(path))
            QSKIP("not in the corpus");
        QTemporaryDir dir;
        const QString out = dir.filePath("mnist.onnx");
        const auto run = test::runCli({ "convert", QString::fromStdString(path.string()), out });
        QVERIFY2(run.code == 0, qPrintable(run.err));
        const auto m = open(out.toStdString());
        QCOMPARE(m->format, std::string("onnx"));
        QCOMPARE(m->graph->nodes().size(), std::size_t { 13 });
        QCOMPARE(m->graph->inputs.size(), std::size_t { 1 });
        QCOMPARE(m->graph->inputs[0]->name(), std::string("conv2d_input"));
        QCOMPARE(m->graph->outputs[0]->name(), std::string("Identity"));
        // The depthwise kernel [1,3,3,12] is stored re-laid out as [12,1,3,3]:
        // element (o, 0, y, x) is the file's (0, y, x, o).
        const auto tfl = open(path);
        const Tensor* src = nullptr;
        for (const auto& t : tfl->graph->initializers)
            if (t->name == "sequential/conv2d/Conv2D/ReadVariableOp")
                src = t.get();
        const Tensor* dst = nullptr;
        for (const auto& t : m->graph->initializers)
            if (t->dims == std::vector<std::int64_t> { 12, 1, 3, 3 })
                dst = t.get();
        QVERIFY(src && dst);
        const Array a = fromTensor(*src), b = fromTensor(*dst);
        for (int o = 0; o < 12; ++o)
            for (int y = 0; y < 3; ++y)
                for (int x = 0; x < 3; ++x)
                    QCOMPARE(b.data[static_cast<std::size_t>((o * 3 + y) * 3 + x)],
                        a.data[static_cast<std::size_t>((y * 3 + x) * 12 + o)]);
    }

    // An op without a mapping is named with the node; a partial export keeps
    // it as an op of the TFLite domain, its neighbours converted.
    void unsupportedOp()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto path = test::corpusDir() / "tflite" / "tf2onnx_regression_model.tflite";
        if (!std::filesystem::exists(path))
            QSKIP("not in the corpus");
        auto m = open(path);
        m->graph->nodes()[0]->opType = "Bucketize";
        OnnxExportReport report;
        try {
            convert(*m, report);
            QFAIL("an op without a mapping converted");
        } catch (const Error& e) {
            const std::string what = e.what();
            QVERIFY2(what.find("Bucketize 'Mul'") != std::string::npos, e.what());
            QVERIFY2(what.find("no ONNX mapping") != std::string::npos, e.what());
        }
        OnnxExportReport partial;
        const auto proto = convert(*m, partial, true);
        QCOMPARE(partial.unsupported.size(), std::size_t { 1 });
        QCOMPARE(partial.unsupported[0].opType, std::string("Bucketize"));
        QCOMPARE(proto.graph().node_size(), 2);
        QCOMPARE(proto.graph().node(0).domain(), std::string("org.tensorflow.lite"));
        QCOMPARE(proto.graph().node(1).op_type(), std::string("Add"));
    }

    // Damaged attributes are refused with the reason, not guessed.
    void refusedAttributes()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto path = test::corpusDir() / "tflite" / "conv.tflite";
        if (!std::filesystem::exists(path))
            QSKIP("not in the corpus");
        auto m = open(path);
        for (auto& a : m->graph->nodes()[0]->attributes)
            if (a.name == "padding")
                a.s = "EXPLICIT";
        OnnxExportReport report;
        try {
            convert(*m, report);
            QFAIL("an unknown padding converted");
        } catch (const Error& e) {
            QVERIFY2(
                std::string(e.what()).find("padding EXPLICIT is not SAME or VALID") != std::string::npos, e.what());
        }
    }

    // apply-weights: safetensors, .npz and .pth sets, their names wrapped as
    // frameworks wrap them, land on a TFLite model and survive its save.
    void applyWeightsToTflite_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::newRow("safetensors") << "safetensors";
        QTest::newRow("npz") << "npz";
        QTest::newRow("pth") << "pth";
    }

    void applyWeightsToTflite()
    {
        QFETCH(QString, kind);
        NODUS_SKIP_IF_NO_CORPUS();
        const auto path = test::corpusDir() / "tflite" / "mnist.tflite";
        if (!std::filesystem::exists(path))
            QSKIP("not in the corpus");
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        const auto before = open(path);
        const double offset = kind == "safetensors" ? 1.0 : kind == "npz" ? 2.0 : 3.0;
        const auto rename = kind == "safetensors"
            ? std::function<std::string(const std::string&)>([](const std::string& n) { return "model." + n + ":0"; })
            : [](const std::string& n) { return "module." + n; };
        const auto set = weightSet(*before, rename, offset);
        QCOMPARE(set->graph->initializers.size(), std::size_t { 8 });
        std::filesystem::path weights = root / ("weights." + kind.toStdString());
        exportWeights(*set, kind == "safetensors" ? weights : root / "weights.npz");
        if (kind == "pth") {
            const QString why = torchSave(
                QString::fromStdString((root / "weights.npz").string()), QString::fromStdString(weights.string()));
            if (!why.isEmpty())
                QSKIP(qPrintable(why));
        }
        const auto source = open(weights);
        QCOMPARE(source->format,
            kind == "safetensors" ? std::string("safetensors")
                : kind == "npz"   ? std::string("numpy")
                                  : std::string("pytorch"));
        auto target = open(path);
        const auto report = applyWeights(*target, *source);
        QVERIFY2(report.applied, qPrintable(QString::fromStdString(report.summary())));
        QCOMPARE(report.loaded.size(), std::size_t { 8 });
        QCOMPARE(report.renamed.size(), std::size_t { 8 });
        QVERIFY(report.notLoaded.empty());
        QVERIFY(report.unused.empty());
        QCOMPARE(report.summary(), std::string("applied 8, skipped 0"));
        const auto saved = root / "out.tflite";
        FormatRegistry::instance().save(*target, saved, "tflite");
        const auto reopened = open(saved);
        QCOMPARE(checkShifted(*before, *reopened, offset), 8);
    }

    // The same onto an ONNX model (mnist converted) and through the CLI;
    // a mismatch is reported per tensor and blocks all unless skipped.
    void applyWeightsToOnnx()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto path = test::corpusDir() / "tflite" / "mnist.tflite";
        if (!std::filesystem::exists(path))
            QSKIP("not in the corpus");
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        const auto onnxPath = root / "mnist.onnx";
        exportToOnnx(*open(path), onnxPath);
        const auto before = open(onnxPath);
        const auto set = weightSet(
            *before, [](const std::string& n) { return n + ":0"; }, 0.25);
        const auto floats = static_cast<int>(set->graph->initializers.size());
        QVERIFY(floats >= 8);
        exportWeights(*set, root / "w.safetensors");

        auto target = open(onnxPath);
        const auto report = applyWeights(*target, *open(root / "w.safetensors"));
        QVERIFY(report.applied);
        QCOMPARE(static_cast<int>(report.loaded.size()), floats);
        FormatRegistry::instance().save(*target, root / "out.onnx", "onnx");
        QCOMPARE(checkShifted(*before, *open(root / "out.onnx"), 0.25), floats);

        const auto cli = test::runCli({ "apply-weights", QString::fromStdString(onnxPath.string()),
            QString::fromStdString((root / "w.safetensors").string()), "-o",
            QString::fromStdString((root / "cli.onnx").string()), "--json" });
        QVERIFY2(cli.code == 0, qPrintable(cli.err));
        const auto json = QJsonDocument::fromJson(cli.out).object();
        QCOMPARE(json["applied"].toBool(), true);
        QCOMPARE(json["renamed"].toArray().size(), floats);
        // The Reshape shapes (int64) are parameters no weight names.
        const int others = static_cast<int>(before->graph->initializers.size()) - floats;
        QCOMPARE(json["summary"].toString(),
            others ? QString("applied %1, skipped %2 (%2 not in the weights)").arg(floats).arg(others)
                   : QString("applied %1, skipped 0").arg(floats));
        QCOMPARE(checkShifted(*before, *open(root / "cli.onnx"), 0.25), floats);

        // One tensor of the wrong shape.
        std::string odd;
        for (const auto& t : before->graph->initializers)
            if (odd.empty() && t->dataType == DataType::Float)
                odd = t->name;
        const auto bad = weightSet(
            *before, [](const std::string& n) { return n; }, 0.5, odd);
        exportWeights(*bad, root / "bad.npz");
        auto strict = open(onnxPath);
        const auto refused = applyWeights(*strict, *open(root / "bad.npz"));
        QVERIFY(!refused.applied);
        QCOMPARE(refused.mismatches.size(), std::size_t { 1 });
        QVERIFY2(refused.mismatches[0].starts_with(odd + ": the model has float32["), refused.mismatches[0].c_str());
        QCOMPARE(refused.summary(),
            "applied 0, skipped " + std::to_string(floats + others) + " (" + std::to_string(others)
                + " not in the weights, 1 mismatched, " + std::to_string(floats - 1) + " held back by the mismatches)");
        auto lenient = open(onnxPath);
        const auto partial = applyWeights(*lenient, *open(root / "bad.npz"), true);
        QVERIFY(partial.applied);
        QCOMPARE(static_cast<int>(partial.loaded.size()), floats - 1);
        QCOMPARE(partial.summary(),
            "applied " + std::to_string(floats - 1) + ", skipped " + std::to_string(others + 1) + " ("
                + std::to_string(others) + " not in the weights, 1 mismatched)");
        const auto refusedCli = test::runCli({ "apply-weights", QString::fromStdString(onnxPath.string()),
            QString::fromStdString((root / "bad.npz").string()), "-o",
            QString::fromStdString((root / "x.onnx").string()) });
        QCOMPARE(refusedCli.code, 1);
        QVERIFY(refusedCli.out.contains("type or shape mismatches (1)"));
        const auto skippedCli = test::runCli({ "apply-weights", QString::fromStdString(onnxPath.string()),
            QString::fromStdString((root / "bad.npz").string()), "-o",
            QString::fromStdString((root / "x.onnx").string()), "--skip-mismatches" });
        QVERIFY2(skippedCli.code == 0, qPrintable(skippedCli.err));
    }

    // A CNTK model takes a "module."-prefixed safetensors set.
    void applyWeightsToCntk()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto path = test::corpusDir() / "cntk-v2" / "MNISTConvolution.model";
        if (!std::filesystem::exists(path))
            QSKIP("not in the corpus");
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        const auto before = open(path);
        const auto set = weightSet(
            *before, [](const std::string& n) { return "module." + n; }, -1.0);
        const auto floats = static_cast<int>(set->graph->initializers.size());
        QVERIFY(floats > 0);
        exportWeights(*set, root / "w.safetensors");
        auto target = open(path);
        const auto report = applyWeights(*target, *open(root / "w.safetensors"));
        QVERIFY2(report.applied, qPrintable(QString::fromStdString(report.summary())));
        QCOMPARE(static_cast<int>(report.loaded.size()), floats);
        FormatRegistry::instance().save(*target, root / "out.model", before->format);
        QCOMPARE(checkShifted(*before, *open(root / "out.model"), -1.0), floats);
    }

    // A MindSpore checkpoint as the source: its tensors land on a zeroed
    // copy of themselves (a safetensors set, the only writable target the
    // corpus has with the checkpoint's names and shapes).
    void applyCheckpoint()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto files = test::corpusFiles("mindspore-ckpt", { ".ckpt" });
        if (files.empty())
            QSKIP("no checkpoint in the corpus");
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        const auto ckpt = open(files.front());
        QCOMPARE(ckpt->format, std::string("mindspore-ckpt"));
        const auto zeroed = weightSet(
            *ckpt, [](const std::string& n) { return "model." + n; }, 0.0);
        for (auto& t : zeroed->graph->initializers)
            t->data = std::make_shared<OwnedTensorData>(std::vector<std::byte>(t->data->size()));
        exportWeights(*zeroed, root / "zero.safetensors");
        auto target = open(root / "zero.safetensors");
        const auto report = applyWeights(*target, *ckpt);
        QVERIFY2(report.applied, qPrintable(QString::fromStdString(report.summary())));
        QVERIFY(!report.loaded.empty());
        QCOMPARE(report.loaded.size(), zeroed->graph->initializers.size());
        FormatRegistry::instance().save(*target, root / "out.safetensors", "safetensors");
        const auto out = open(root / "out.safetensors");
        for (const auto& t : ckpt->graph->initializers) {
            if (t->dataType != DataType::Float)
                continue;
            const Tensor* u = nullptr;
            for (const auto& x : out->graph->initializers)
                if (x->name == "model." + t->name)
                    u = x.get();
            QVERIFY(u);
            QCOMPARE(fromTensor(*u).data, fromTensor(*t).data);
        }
    }

    void canonicalNames()
    {
        QCOMPARE(canonicalWeightName("model.fc.weight"), std::string("fc.weight"));
        QCOMPARE(canonicalWeightName("module.model.fc.weight"), std::string("fc.weight"));
        QCOMPARE(canonicalWeightName("dense/kernel:0"), std::string("dense/kernel"));
        QCOMPARE(canonicalWeightName("construct_wrapper.4:fc.weight"), std::string("fc.weight"));
        QCOMPARE(canonicalWeightName("modelx.weight"), std::string("modelx.weight"));
    }
};

QTEST_GUILESS_MAIN(TestTfliteConvert)
#include "test_tfliteconvert.moc"
