// nodus-cli run / conformance / devices / bench run: the Vulkan runtime
// from scripts.
#include "commands.h"
#include "jsonoutput.h"

#include "formats/formatregistry.h"
#include "formats/onnx/onnxtypeddata.h"
#include "ir/model.h"
#include "ir/ownedtensordata.h"
#include "ir/tensorstatistics.h"
#include "ir/tensorvalues.h"
#include "runtime/probe.h"
#include "runtime/runtimeerror.h"
#include "runtime/session.h"
#include "util/npy.h"

#include <onnx/onnx-data.pb.h>
#include <onnx/onnx_pb.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace nodus::cli {

namespace {

namespace fs = std::filesystem;
using Feeds = std::vector<std::pair<std::string, std::shared_ptr<const Tensor>>>;

std::vector<std::int64_t> inputDims(const Value& v, const std::map<std::string, std::int64_t>& symbols)
{
    std::vector<std::int64_t> dims;
    for (auto& d : v.type.shape.dims) {
        if (d.isKnown())
            dims.push_back(*d.value);
        else if (auto it = symbols.find(d.symbol); !d.symbol.empty() && it != symbols.end())
            dims.push_back(it->second);
        else
            dims.push_back(1);
    }
    return dims;
}

// Inputs from --input NAME=FILE.npy, the rest generated.
Feeds makeFeeds(const Model& model, const std::map<std::string, std::string>& files, rt::InputFill fill,
    std::uint64_t seed, const std::map<std::string, std::int64_t>& symbols)
{
    Feeds feeds;
    std::uint64_t k = 0;
    for (Value* v : model.graph->realInputs()) {
        if (auto it = files.find(v->name()); it != files.end()) {
            feeds.push_back({ v->name(), readNpy(it->second) });
            continue;
        }
        if (!v->type.isTensor() || v->type.elementType == DataType::Undefined)
            throw rt::RuntimeError("input '" + v->name() + "' is not a typed tensor; give it with --input");
        feeds.push_back(
            { v->name(), rt::makeInput(v->name(), v->type.elementType, inputDims(*v, symbols), fill, seed + k++) });
    }
    return feeds;
}

std::string dimsText(const std::vector<std::int64_t>& d)
{
    std::string s = "[";
    for (std::size_t i = 0; i < d.size(); ++i)
        s += (i ? "," : "") + std::to_string(d[i]);
    return s + "]";
}

std::shared_ptr<Tensor> tensorFromProto(const ::onnx::TensorProto& p)
{
    auto t = std::make_shared<Tensor>();
    t->name = p.name();
    t->dataType = DataType(p.data_type());
    t->dims.assign(p.dims().begin(), p.dims().end());
    if (t->dataType == DataType::String)
        throw rt::RuntimeError("string tensors are not supported by the runtime");
    std::vector<std::byte> bytes;
    if (p.has_raw_data())
        bytes.assign(reinterpret_cast<const std::byte*>(p.raw_data().data()),
            reinterpret_cast<const std::byte*>(p.raw_data().data()) + p.raw_data().size());
    else
        bytes = decodeOnnxTypedData(p);
    t->data = std::make_shared<OwnedTensorData>(std::move(bytes));
    return t;
}

std::string readFile(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

rt::RunValue sequenceValue(const ::onnx::SequenceProto& seq)
{
    rt::RunValue v;
    v.kind = rt::RunValue::Kind::Sequence;
    if (seq.elem_type() != ::onnx::SequenceProto::TENSOR)
        throw rt::RuntimeError("sequences of sequences, maps or optionals are not supported");
    for (auto& t : seq.tensor_values())
        v.sequence.push_back(tensorFromProto(t));
    if (!v.sequence.empty())
        v.elementType = v.sequence.front()->dataType;
    return v;
}

// A test's input_N.pb / output_N.pb: a TensorProto, a SequenceProto or an
// OptionalProto, as the graph's type says.
rt::RunValue readValuePb(const fs::path& path, const ValueType& type)
{
    std::string bytes = readFile(path);
    rt::RunValue v;
    if (type.kind == ValueType::Kind::Sequence) {
        ::onnx::SequenceProto seq;
        if (!seq.ParseFromString(bytes))
            throw rt::RuntimeError(path.string() + ": not a SequenceProto");
        v = sequenceValue(seq);
        if (type.element && type.element->isTensor())
            v.elementType = type.element->elementType;
        return v;
    }
    if (type.kind == ValueType::Kind::Optional) {
        ::onnx::OptionalProto opt;
        if (!opt.ParseFromString(bytes))
            throw rt::RuntimeError(path.string() + ": not an OptionalProto");
        if (opt.has_tensor_value()) {
            v.tensor = tensorFromProto(opt.tensor_value());
            return v;
        }
        if (opt.has_sequence_value())
            return sequenceValue(opt.sequence_value());
        v.kind = rt::RunValue::Kind::None;
        return v;
    }
    ::onnx::TensorProto p;
    if (!p.ParseFromString(bytes))
        throw rt::RuntimeError(path.string() + ": not a TensorProto");
    v.tensor = tensorFromProto(p);
    return v;
}

struct Options {
    std::string model;
    std::map<std::string, std::string> inputs;
    std::map<std::string, std::int64_t> symbols;
    std::uint64_t seed = 0;
    rt::InputFill fill = rt::InputFill::Random;
    std::string device;
    std::string outputDir;
    bool json = false;
    bool profile = false;
    int runs = 10;
    std::string filter;
    bool noOrt = false;
    bool halfWeights = false;
    bool ceiling = false;
};

std::optional<int> parse(const Args& args, std::size_t first, Options& o, bool allowRuns)
{
    for (std::size_t i = first; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> std::optional<std::string> {
            if (i + 1 >= args.size())
                return std::nullopt;
            return args[++i];
        };
        if (a == "--input" || a == "--dim") {
            auto v = value();
            auto eq = v ? v->find('=') : std::string::npos;
            if (!v || eq == std::string::npos)
                return usageError(a + " expects NAME=VALUE");
            if (a == "--input")
                o.inputs[v->substr(0, eq)] = v->substr(eq + 1);
            else
                o.symbols[v->substr(0, eq)] = std::stoll(v->substr(eq + 1));
        } else if (a == "--seed") {
            auto v = value();
            if (!v)
                return usageError("--seed expects a number");
            o.seed = std::stoull(*v);
        } else if (a == "--fill") {
            auto v = value();
            if (!v || (*v != "random" && *v != "zeros" && *v != "ones"))
                return usageError("--fill expects random, zeros or ones");
            o.fill = *v == "zeros" ? rt::InputFill::Zeros : *v == "ones" ? rt::InputFill::Ones : rt::InputFill::Random;
        } else if (a == "--device") {
            auto v = value();
            if (!v)
                return usageError("--device expects a name or index");
            o.device = *v;
        } else if (a == "--output-dir") {
            auto v = value();
            if (!v)
                return usageError("--output-dir expects a folder");
            o.outputDir = *v;
        } else if (a == "--filter") {
            auto v = value();
            if (!v)
                return usageError("--filter expects text");
            o.filter = *v;
        } else if (a == "--runs" && allowRuns) {
            auto v = value();
            if (!v || std::stoi(*v) < 1)
                return usageError("--runs expects a positive number");
            o.runs = std::stoi(*v);
        } else if (a == "--json") {
            o.json = true;
        } else if (a == "--profile") {
            o.profile = true;
        } else if (a == "--no-ort") {
            o.noOrt = true;
        } else if (a == "--fp16-weights") {
            o.halfWeights = true;
        } else if (a == "--ceiling" && allowRuns) {
            o.ceiling = true;
        } else if (!a.empty() && a[0] == '-') {
            return usageError("unknown option " + a);
        } else if (o.model.empty()) {
            o.model = a;
        } else {
            return usageError("unexpected argument " + a);
        }
    }
    if (o.model.empty())
        return usageError("expected a model file or folder");
    return std::nullopt;
}

int runModel(const Options& o)
{
    std::shared_ptr<Model> model = FormatRegistry::instance().open(o.model);
    rt::SessionOptions so;
    so.device = o.device;
    so.profile = o.profile;
    so.halfWeights = o.halfWeights;
    rt::Session session(model, so);
    auto feeds = makeFeeds(*model, o.inputs, o.fill, o.seed, o.symbols);
    auto result = session.run(feeds);
    // The first run creates the pipelines and uploads the weights; the
    // profile times a second, steady-state run.
    if (o.profile)
        result = session.run(feeds);
    if (!o.outputDir.empty())
        fs::create_directories(o.outputDir);
    nlohmann::json j;
    j["device"] = session.device().name;
    j["wall_ms"] = result.wallMs;
    j["dispatches"] = result.dispatches;
    j["submissions"] = result.submits;
    j["host_ms"] = { { "record", result.recordMs }, { "wait", result.waitMs }, { "read", result.readMs } };
    j["outputs"] = nlohmann::json::array();
    if (!o.json)
        std::cout << "device: " << session.device().name << " (" << session.device().kind << ")\n";
    for (auto& t : result.outputs) {
        if (!t)
            continue; // a sequence or optional output
        TensorStatistics s = computeStatistics(*t);
        std::uint64_t nonFinite = s.nans + s.infs;
        std::string file;
        if (!o.outputDir.empty()) {
            std::string safe = t->name;
            for (char& c : safe)
                if (c == '/' || c == '\\' || c == ':')
                    c = '_';
            file = (fs::path(o.outputDir) / (safe + ".npy")).string();
            writeNpy(*t, file);
        }
        nlohmann::json oj { { "name", t->name }, { "type", std::string(dataTypeName(t->dataType)) },
            { "dims", t->dims }, { "min", s.min }, { "max", s.max }, { "mean", s.mean }, { "non_finite", nonFinite } };
        if (!file.empty())
            oj["file"] = file;
        j["outputs"].push_back(oj);
        if (!o.json) {
            std::cout << t->name << ": " << dataTypeName(t->dataType) << dimsText(t->dims) << "  min " << s.min
                      << "  max " << s.max << "  mean " << s.mean;
            if (nonFinite)
                std::cout << "  non-finite " << nonFinite;
            if (!file.empty())
                std::cout << "  -> " << file;
            std::cout << '\n';
        }
    }
    if (o.profile) {
        auto timings = result.timings;
        std::sort(timings.begin(), timings.end(), [](auto& a, auto& b) { return a.ms > b.ms; });
        j["timings"] = nlohmann::json::array();
        for (auto& t : timings)
            j["timings"].push_back({ { "node", t.node }, { "op", t.opType }, { "ms", t.ms }, { "kernels", t.kernels } });
        if (!o.json) {
            std::cout << "slowest nodes:\n";
            for (std::size_t i = 0; i < std::min<std::size_t>(10, timings.size()); ++i) {
                std::cout << "  " << timings[i].ms << " ms  " << timings[i].opType << " '" << timings[i].node << "'";
                if (!timings[i].kernels.empty())
                    std::cout << "  [" << timings[i].kernelList() << "]";
                std::cout << "\n";
            }
        }
    }
    if (o.json)
        std::cout << j.dump() << '\n';
    else
        std::cout << "wall " << result.wallMs << " ms (recording " << result.recordMs << ", waiting for the device "
                  << result.waitMs << ", reading back " << result.readMs << "), " << result.dispatches
                  << " dispatches in " << result.submits << " submissions\n";
    return 0;
}

// ---- conformance

struct TestOutcome {
    char status = 'F'; // P, F, S
    std::string reason;
};

bool closeEnough(const Tensor& got, const Tensor& want, std::string& why)
{
    if (got.dims != want.dims) {
        why = "shape " + dimsText(got.dims) + ", expected " + dimsText(want.dims);
        return false;
    }
    if (got.dataType != want.dataType) {
        why = "type " + std::string(dataTypeName(got.dataType)) + ", expected "
            + std::string(dataTypeName(want.dataType));
        return false;
    }
    auto n = want.elementCount().value_or(0);
    if (!n)
        return true;
    std::vector<double> a(n), b(n);
    decodeElements(got.dataType, got.data->bytes(), 0, n, a.data());
    decodeElements(want.dataType, want.data->bytes(), 0, n, b.data());
    bool isFloat = isFloatingPoint(want.dataType);
    for (std::uint64_t i = 0; i < n; ++i) {
        bool ok;
        if (std::isnan(b[i]))
            ok = std::isnan(a[i]);
        else if (std::isinf(b[i]))
            ok = a[i] == b[i];
        else if (isFloat)
            ok = std::abs(a[i] - b[i]) <= 1e-7 + 1e-3 * std::abs(b[i])
                || (want.dataType != DataType::Float && want.dataType != DataType::Double
                    && std::abs(a[i] - b[i]) <= 1e-2 * std::max(1.0, std::abs(b[i])));
        else
            ok = a[i] == b[i];
        if (!ok) {
            std::ostringstream s;
            s.precision(9);
            s << "element " << i << " is " << a[i] << ", expected " << b[i];
            why = s.str();
            return false;
        }
    }
    return true;
}

bool sameValue(const rt::RunValue& got, const rt::RunValue& want, std::string& why)
{
    if (got.kind != want.kind) {
        auto kind = [](const rt::RunValue& v) {
            return v.kind == rt::RunValue::Kind::Tensor  ? "a tensor"
                : v.kind == rt::RunValue::Kind::Sequence ? "a sequence"
                                                         : "empty";
        };
        why = std::string("got ") + kind(got) + ", expected " + kind(want);
        return false;
    }
    if (got.kind == rt::RunValue::Kind::Tensor)
        return closeEnough(*got.tensor, *want.tensor, why);
    if (got.kind == rt::RunValue::Kind::None)
        return true;
    if (got.sequence.size() != want.sequence.size()) {
        why = "sequence of " + std::to_string(got.sequence.size()) + ", expected "
            + std::to_string(want.sequence.size());
        return false;
    }
    for (std::size_t k = 0; k < got.sequence.size(); ++k)
        if (!closeEnough(*got.sequence[k], *want.sequence[k], why)) {
            why = "element " + std::to_string(k) + ": " + why;
            return false;
        }
    return true;
}

bool hasStrings(const ValueType& t)
{
    if (t.isTensor())
        return t.elementType == DataType::String;
    return t.element && hasStrings(*t.element);
}

TestOutcome runNodeTest(const fs::path& dir, const std::string& device)
{
    std::shared_ptr<Model> model = FormatRegistry::instance().open(dir / "model.onnx");
    for (auto& n : model->graph->nodes())
        if (n->domain == "ai.onnx.preview.training")
            return { 'S', "training op " + n->opType };
    for (Value* v : model->graph->realInputs())
        if (hasStrings(v->type))
            return { 'F', "string tensors are not supported" };
    for (Value* v : model->graph->outputs)
        if (hasStrings(v->type))
            return { 'F', "string tensors are not supported" };
    rt::SessionOptions so;
    so.device = device;
    rt::Session session(model, so);
    std::vector<fs::path> sets;
    for (auto& e : fs::directory_iterator(dir))
        if (e.is_directory() && e.path().filename().string().rfind("test_data_set_", 0) == 0)
            sets.push_back(e.path());
    std::sort(sets.begin(), sets.end());
    if (sets.empty())
        return { 'S', "no test data" };
    for (auto& set : sets) {
        std::vector<std::pair<std::string, rt::RunValue>> feeds;
        auto inputs = model->graph->realInputs();
        for (std::size_t i = 0; i < inputs.size(); ++i) {
            auto path = set / ("input_" + std::to_string(i) + ".pb");
            if (!fs::exists(path))
                return { 'F', "missing " + path.filename().string() };
            auto v = readValuePb(path, inputs[i]->type);
            // onnx 1.12 writes bfloat16 test data as uint16 bits.
            if (v.tensor && v.tensor->dataType == DataType::UInt16 && inputs[i]->type.elementType == DataType::BFloat16)
                std::const_pointer_cast<Tensor>(v.tensor)->dataType = DataType::BFloat16;
            feeds.push_back({ inputs[i]->name(), std::move(v) });
        }
        auto result = session.run(feeds);
        for (std::size_t i = 0; i < result.values.size(); ++i) {
            auto path = set / ("output_" + std::to_string(i) + ".pb");
            if (!fs::exists(path))
                continue;
            auto want = readValuePb(path, model->graph->outputs[i]->type);
            if (want.tensor && result.values[i].tensor && want.tensor->dataType == DataType::UInt16
                && result.values[i].tensor->dataType == DataType::BFloat16)
                std::const_pointer_cast<Tensor>(want.tensor)->dataType = DataType::BFloat16;
            std::string why;
            if (!sameValue(result.values[i], want, why))
                return { 'F', "output " + std::to_string(i) + " ('" + model->graph->outputs[i]->name() + "'): " + why };
        }
    }
    return { 'P', {} };
}

// Each test runs in a child process so a crash or a hang fails that test
// only (60 s limit).
TestOutcome runIsolated(const fs::path& dir, const std::string& device)
{
    int pipefd[2];
    if (pipe(pipefd) != 0)
        return { 'F', "pipe failed" };
    std::fflush(nullptr);
    pid_t pid = fork();
    if (pid == 0) {
        close(pipefd[0]);
        alarm(60);
        TestOutcome r;
        try {
            r = runNodeTest(dir, device);
        } catch (const std::exception& e) {
            r = { 'F', e.what() };
        }
        std::string msg = std::string(1, r.status) + r.reason;
        for (char& c : msg)
            if (c == '\n')
                c = ' ';
        [[maybe_unused]] auto w = write(pipefd[1], msg.data(), msg.size());
        close(pipefd[1]);
        _exit(0);
    }
    close(pipefd[1]);
    std::string msg;
    char buf[4096];
    ssize_t k;
    while ((k = read(pipefd[0], buf, sizeof buf)) > 0)
        msg.append(buf, std::size_t(k));
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (msg.empty()) {
        if (WIFSIGNALED(status))
            return { 'F',
                WTERMSIG(status) == SIGALRM ? "timed out after 60 s"
                                            : "crashed (signal " + std::to_string(WTERMSIG(status)) + ")" };
        return { 'F', "no result" };
    }
    return { msg[0], msg.substr(1) };
}

int conformance(const Options& o)
{
    std::vector<fs::path> tests;
    for (auto& e : fs::directory_iterator(o.model))
        if (e.is_directory() && fs::exists(e.path() / "model.onnx")
            && (o.filter.empty() || e.path().filename().string().find(o.filter) != std::string::npos))
            tests.push_back(e.path());
    std::sort(tests.begin(), tests.end());
    int passed = 0, failed = 0, skipped = 0;
    nlohmann::json j = nlohmann::json::array();
    for (auto& t : tests) {
        TestOutcome r = runIsolated(t, o.device);
        std::string name = t.filename().string();
        if (r.status == 'P')
            ++passed;
        else if (r.status == 'S')
            ++skipped;
        else
            ++failed;
        const char* word = r.status == 'P' ? "PASS" : r.status == 'S' ? "SKIP" : "FAIL";
        if (o.json)
            j.push_back({ { "test", name }, { "status", word }, { "reason", r.reason } });
        else
            std::cout << word << ' ' << name << (r.reason.empty() ? "" : ": " + r.reason) << '\n' << std::flush;
    }
    if (o.json)
        std::cout << nlohmann::json {
            { "tests", j }, { "passed", passed }, { "failed", failed }, { "skipped", skipped }
        }.dump() << '\n';
    std::cout << passed << " passed, " << failed << " failed, " << skipped << " skipped\n";
    return 0;
}

// ---- bench run

// The shell command that runs onnxruntime on MODEL SPEC (tools/ort), or empty
// when there is none: onnxruntime-node where it is installed, else
// onnxruntime's Python package. NODUS_ORT_RUNNER names a run.cjs or run.py.
std::string ortCommand()
{
    auto quoted = [](const fs::path& p) { return "'" + p.string() + "'"; };
    auto pythonHasOrt = [] { return std::system("python3 -c 'import onnxruntime' >/dev/null 2>&1") == 0; };
    if (const char* env = std::getenv("NODUS_ORT_RUNNER")) {
        fs::path script = env;
        return (script.extension() == ".py" ? "python3 " : "node ") + quoted(script);
    }
#ifdef NODUS_SOURCE_DIR
    const fs::path dir = fs::path(NODUS_SOURCE_DIR) / "tools/ort";
#else
    const fs::path dir = "tools/ort";
#endif
    if (fs::exists(dir / "run.cjs") && fs::exists(dir / "node_modules/onnxruntime-node"))
        return "node " + quoted(dir / "run.cjs");
    if (fs::exists(dir / "run.py") && pythonHasOrt())
        return "python3 " + quoted(dir / "run.py");
    return {};
}

// bench run --ceiling: what the device's shaders can reach (probe shaders)
// and the least time the model's multiply-adds take at that rate, beside the
// measured median and onnxruntime's.
void addCeiling(nlohmann::json& j, const Options& o, const std::shared_ptr<Model>& model, const Feeds& feeds)
{
    const rt::DeviceRates rates = rt::probeDevice(o.device, std::max(o.runs, 5));
    rt::SessionOptions so;
    so.device = o.device;
    so.halfWeights = o.halfWeights;
    so.keepIntermediates = true;
    so.profile = true;
    rt::Session shapes(model, so);
    const rt::MultiplyAdds m = rt::countMultiplyAdds(*model->graph, shapes.run(feeds), feeds);
    nlohmann::json c { { "fma_per_s", rates.fmaPerSecond }, { "texel_fetches_per_s", rates.fetchesPerSecond },
        { "stream_read_bytes_per_s", rates.streamBytesPerSecond }, { "multiply_adds", m.direct },
        { "multiply_adds_executed", m.executed }, { "nodes_counted", m.nodes } };
    // A model with no multiply-adds of these ops has no floor to give.
    const double floorMs = m.executed / rates.fmaPerSecond * 1e3;
    if (floorMs > 0) {
        c["floor_ms"] = floorMs;
        c["median_vs_floor"] = j["median_ms"].get<double>() / floorMs;
    }
    if (floorMs > 0 && j.contains("onnxruntime_cpu_median_ms")) {
        const double ort = j["onnxruntime_cpu_median_ms"].get<double>();
        c["onnxruntime_multiply_adds_per_s"] = m.direct / (ort * 1e-3);
        // The best speed_vs_onnxruntime any kernels doing these multiply-adds
        // at the probe's rate could give.
        c["speed_vs_onnxruntime_at_floor"] = ort / floorMs;
    }
    j["ceiling"] = c;
}

int benchRun(const Options& o)
{
    std::shared_ptr<Model> model = FormatRegistry::instance().open(o.model);
    rt::SessionOptions so;
    so.device = o.device;
    so.halfWeights = o.halfWeights;
    rt::Session session(model, so);
    auto feeds = makeFeeds(*model, o.inputs, o.fill, o.seed, o.symbols);
    session.run(feeds); // warm-up: pipelines, weight upload
    std::vector<double> ms;
    for (int r = 0; r < o.runs; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        session.run(feeds);
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v.empty() ? 0.0 : v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    };
    nlohmann::json j { { "model", o.model }, { "median_ms", median(ms) }, { "runs", o.runs },
        { "device", session.device().name }, { "weights", o.halfWeights ? "float16" : "float32" } };
    // The peer: onnxruntime CPU on the same model in the same run.
    std::string runner = o.noOrt || model->format != "onnx" ? std::string() : ortCommand();
    if (!runner.empty()) {
        nlohmann::json spec { { "inputs", nlohmann::json::array() } };
        for (auto& [name, t] : feeds)
            spec["inputs"].push_back(
                { { "name", name }, { "type", std::string(dataTypeName(t->dataType)) }, { "dims", t->dims } });
        char tmpl[] = "/tmp/nodus-bench-XXXXXX";
        int fd = mkstemp(tmpl);
        if (fd >= 0) {
            std::string text = spec.dump();
            [[maybe_unused]] auto w = write(fd, text.data(), text.size());
            close(fd);
            std::string cmd = runner + " '" + o.model + "' " + tmpl + " --runs "
                + std::to_string(o.runs + 1) + " 2>&1";
            std::string out;
            if (FILE* p = popen(cmd.c_str(), "r")) {
                char buf[4096];
                std::size_t k;
                while ((k = fread(buf, 1, sizeof buf, p)) > 0)
                    out.append(buf, k);
                pclose(p);
            }
            std::remove(tmpl);
            try {
                auto r = nlohmann::json::parse(out.substr(out.find('{')));
                std::vector<double> ort = r["run_ms"].get<std::vector<double>>();
                ort.erase(ort.begin()); // its warm-up
                j["onnxruntime_cpu_median_ms"] = median(ort);
                j["onnxruntime_runner"] = runner.rfind("python3", 0) == 0 ? "python" : "node";
                j["speed_vs_onnxruntime"] = median(ort) / std::max(median(ms), 1e-9);
            } catch (const std::exception&) {
                j["onnxruntime_error"] = out.substr(0, 300);
            }
        }
    }
    if (o.ceiling)
        addCeiling(j, o, model, feeds);
    std::cout << j.dump() << '\n';
    return 0;
}

} // namespace

int runCommand(const Args& args, const std::string& command)
{
    Options o;
    if (command == "devices") {
        try {
            auto devices = rt::listDevices();
            for (auto& d : devices)
                std::cout << d.index << ": " << d.name << " (" << d.kind << (d.fp16 ? ", fp16" : "") << ")\n";
            return devices.empty() ? 1 : 0;
        } catch (const std::exception& e) {
            std::cerr << "nodus-cli: " << e.what() << '\n';
            return 1;
        }
    }
    if (auto rc = parse(args, command == "bench-run" ? 1 : 0, o, command == "bench-run"))
        return *rc;
    try {
        if (command == "conformance")
            return conformance(o);
        if (command == "bench-run")
            return benchRun(o);
        return runModel(o);
    } catch (const std::exception& e) {
        std::cerr << "nodus-cli: " << o.model << ": " << e.what() << '\n';
        return 1;
    }
}

} // namespace nodus::cli
