#include "commands.h"

#include "formats/formatregistry.h"
#include "ir/datatype.h"
#include "ir/graph.h"
#include "ir/model.h"
#include "ir/ownedtensordata.h"
#include "ir/tensor.h"
#include "util/mappedfile.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace nodus::cli {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double secondsSince(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// One open in this process: what each fresh child of `bench load` runs.
int loadOnce(const std::string& file)
{
    try {
        const auto t0 = Clock::now();
        const auto model = FormatRegistry::instance().open(file);
        const double s = secondsSince(t0);
        std::cout << nlohmann::json { { "seconds", s }, { "nodes", model->graph->nodes().size() } }.dump() << '\n';
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "nodus-cli: " << e.what() << '\n';
        return 1;
    }
}

// The peak resident set of this process so far (VmHWM), in MB.
double peakRssMb()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.starts_with("VmHWM:"))
            return std::stod(line.substr(6)) / 1024.0;
    return 0;
}

// The edit `bench save` times the save after: the largest initializer gets
// new bytes held in memory, as an edit in the window would give it. Float
// tensors are scaled by 2; other types get every byte inverted. The bytes
// are read through the map in slices, each given back once copied, so the
// process holds the edited copy and not the mapped original as well.
std::shared_ptr<Tensor> editLargestTensor(const Model& model)
{
    std::shared_ptr<Tensor> largest;
    for (const auto& t : model.graph->initializers)
        if (t->data && t->dataType != DataType::String && (!largest || t->data->size() > largest->data->size()))
            largest = t;
    if (!largest || largest->data->size() == 0)
        throw std::runtime_error("the model has no initializer with data to edit");
    const auto source = largest->data->bytes();
    const FileRegion* region = largest->data->region();
    std::vector<std::byte> copy(source.size());
    constexpr std::size_t kSlice = 8 << 20;
    for (std::size_t at = 0; at < source.size(); at += kSlice) {
        const std::size_t n = std::min(kSlice, source.size() - at);
        std::memcpy(copy.data() + at, source.data() + at, n);
        if (region)
            region->file->release(region->offset + at, n);
    }
    if (largest->dataType == DataType::Float) {
        for (std::size_t at = 0; at + sizeof(float) <= copy.size(); at += sizeof(float)) {
            float v;
            std::memcpy(&v, copy.data() + at, sizeof v);
            v *= 2;
            std::memcpy(copy.data() + at, &v, sizeof v);
        }
    } else {
        for (auto& b : copy)
            b = ~b;
    }
    largest->data = std::make_shared<OwnedTensorData>(std::move(copy));
    return largest;
}

// One open, edit and save in this process: what each fresh child of
// `bench save` runs. Only the save is timed.
int saveOnce(const std::string& file, const std::string& out)
{
    try {
        const auto model = FormatRegistry::instance().open(file);
        const auto edited = editLargestTensor(*model);
        const auto t0 = Clock::now();
        FormatRegistry::instance().save(*model, out, model->format);
        const double s = secondsSince(t0);
        std::cout << nlohmann::json {
            { "seconds", s }, { "tensor", edited->name }, { "tensor_bytes", edited->data->size() },
            { "vmhwm_mb", peakRssMb() }
        }.dump() << '\n';
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "nodus-cli: " << e.what() << '\n';
        return 1;
    }
}

struct ChildResult {
    std::string output;
    double seconds = 0; // start to exit, measured here
    double peakRssMb = 0;
};

// Runs `argv` (argv[0] is the program) to its end, collecting its stdout.
// Throws, naming `what`, when it cannot start or does not exit with 0.
ChildResult runProgram(std::vector<std::string> argv, const std::string& what)
{
    int fds[2];
    if (::pipe(fds) != 0)
        throw std::runtime_error("cannot create a pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    std::vector<char*> args;
    for (auto& a : argv)
        args.push_back(a.data());
    args.push_back(nullptr);
    const auto t0 = Clock::now();
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (rc != 0) {
        ::close(fds[0]);
        throw std::runtime_error(what + ": cannot start " + argv[0] + ": " + std::strerror(rc));
    }
    ChildResult result;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0)
        result.output.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    struct rusage usage { };
    ::wait4(pid, &status, 0, &usage);
    result.seconds = secondsSince(t0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error(what + ": " + argv[0] + " failed");
    result.peakRssMb = usage.ru_maxrss / 1024.0;
    return result;
}

// Writes what is pending in the folder's filesystem back to disk, so that
// each timed save or copy starts from the same clean state.
void syncFolder(const fs::path& folder)
{
    const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::syncfs(fd);
        ::close(fd);
    }
}

// Removes `file` and whatever a save put beside it under names that start
// with its own (external data files).
void removeOutputs(const fs::path& file)
{
    const std::string prefix = file.filename().string();
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(file.parent_path(), ec)) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with(prefix) || name.starts_with("." + prefix))
            fs::remove(entry.path(), ec);
    }
}

struct Options {
    std::string file;
    int runs = 5;
};

// Parses FILE [--runs N]; returns an exit code when the usage is wrong.
std::optional<int> parseOptions(const Args& args, const std::string& command, Options& o)
{
    for (std::size_t k = 1; k < args.size(); ++k) {
        if (args[k] == "--runs" && k + 1 < args.size()) {
            try {
                o.runs = std::max(1, std::stoi(args[++k]));
            } catch (const std::exception&) {
                return usageError("bench " + command + ": --runs takes a number, not '" + args[k] + "'");
            }
        } else if (args[k].starts_with("--")) {
            return usageError("bench " + command + ": unknown option " + args[k]);
        } else {
            o.file = args[k];
        }
    }
    if (o.file.empty())
        return usageError("bench " + command + ": no file given");
    return std::nullopt;
}

int loadBench(const Options& o)
{
    std::vector<double> times, rss;
    std::int64_t nodes = 0;
    for (int r = 0; r < o.runs; ++r) {
        const ChildResult c = runProgram({ "/proc/self/exe", "bench", "load-once", o.file }, o.file);
        const auto json = nlohmann::json::parse(c.output);
        times.push_back(json.at("seconds").get<double>());
        rss.push_back(c.peakRssMb);
        nodes = json.at("nodes").get<std::int64_t>();
    }
    std::cout << nlohmann::json {
        { "file", o.file }, { "runs", o.runs }, { "median_s", median(times) }, { "peak_rss_mb", median(rss) },
        { "nodes", nodes }
    }.dump() << '\n';
    return 0;
}

// Each run: a fresh child opens FILE, edits its largest tensor and saves to
// a new file beside it (timed in the child, save only), and /bin/cp copies
// FILE beside it (timed here, the whole process). Runs alternate which goes
// first; the folder's filesystem is synced before each, untimed.
int saveBench(const Options& o)
{
    const fs::path file = fs::absolute(o.file);
    if (!fs::is_regular_file(file))
        throw std::runtime_error(file.string() + ": not a file");
    const fs::path folder = file.parent_path();
    const std::string tag = ".nodus-bench-" + std::to_string(::getpid());
    const fs::path saved = folder / (file.filename().string() + tag + "-save" + file.extension().string());
    const fs::path copied = folder / (file.filename().string() + tag + "-cp" + file.extension().string());
    std::vector<double> saveTimes, cpTimes;
    double peakRss = 0;
    nlohmann::json edited;
    try {
        for (int r = 0; r < o.runs; ++r) {
            for (int step = 0; step < 2; ++step) {
                syncFolder(folder);
                if ((step == 0) == (r % 2 == 0)) {
                    const ChildResult c = runProgram(
                        { "/proc/self/exe", "bench", "save-once", file.string(), saved.string() }, file.string());
                    const auto json = nlohmann::json::parse(c.output);
                    saveTimes.push_back(json.at("seconds").get<double>());
                    peakRss = std::max(peakRss, c.peakRssMb);
                    edited = { { "name", json.at("tensor") }, { "bytes", json.at("tensor_bytes") } };
                    removeOutputs(saved);
                } else {
                    cpTimes.push_back(runProgram({ "/bin/cp", file.string(), copied.string() }, file.string()).seconds);
                    removeOutputs(copied);
                }
            }
        }
    } catch (...) {
        removeOutputs(saved);
        removeOutputs(copied);
        throw;
    }
    const double save = median(saveTimes), cp = median(cpTimes);
    std::cout << nlohmann::json {
        { "file", file.string() }, { "runs", o.runs }, { "save_s", save }, { "cp_s", cp }, { "ratio", save / cp },
        { "peak_rss_mb", peakRss }, { "edited_tensor", edited }, { "save_runs_s", saveTimes }, { "cp_runs_s", cpTimes }
    }.dump() << '\n';
    return 0;
}

} // namespace

int benchCommand(const Args& args)
{
    if (args.size() >= 2 && args[0] == "load-once")
        return loadOnce(args[1]);
    if (args.size() >= 3 && args[0] == "save-once")
        return saveOnce(args[1], args[2]);
    if (!args.empty() && args[0] == "layout")
        return layoutBench(args);
    if (!args.empty() && args[0] == "run")
        return runCommand(args, "bench-run");
    if (args.empty() || (args[0] != "load" && args[0] != "save"))
        return usageError(
            "bench: expected 'bench load FILE [--runs N]', 'bench save FILE [--runs N]' or 'bench layout ...'");
    Options o;
    if (const auto rc = parseOptions(args, args[0], o))
        return *rc;
    try {
        return args[0] == "load" ? loadBench(o) : saveBench(o);
    } catch (const std::exception& e) {
        std::cerr << "nodus-cli: " << e.what() << '\n';
        return 1;
    }
}

} // namespace nodus::cli
