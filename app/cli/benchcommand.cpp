#include "commands.h"

#include "formats/formatregistry.h"
#include "ir/model.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace nodus::cli {

namespace {

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// One open in this process: what each fresh child of `bench load` runs.
int loadOnce(const std::string& file)
{
    try {
        const auto t0 = std::chrono::steady_clock::now();
        const auto model = FormatRegistry::instance().open(file);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::cout << nlohmann::json{{"seconds", s}, {"nodes", model->graph->nodes().size()}}.dump() << '\n';
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "nodus-cli: " << e.what() << '\n';
        return 1;
    }
}

struct ChildResult {
    nlohmann::json output;
    double peakRssMb = 0;
};

ChildResult runChild(const std::string& file)
{
    int fds[2];
    if (::pipe(fds) != 0)
        throw std::runtime_error("cannot create a pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    std::string self = "/proc/self/exe", bench = "bench", once = "load-once";
    std::string arg = file;
    char* argv[] = {self.data(), bench.data(), once.data(), arg.data(), nullptr};
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (rc != 0) {
        ::close(fds[0]);
        throw std::runtime_error("cannot start a child process");
    }
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0)
        out.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    struct rusage usage {};
    ::wait4(pid, &status, 0, &usage);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error(file + ": the measuring child failed");
    return {nlohmann::json::parse(out), usage.ru_maxrss / 1024.0};
}

} // namespace

int benchCommand(const Args& args)
{
    if (args.size() >= 2 && args[0] == "load-once")
        return loadOnce(args[1]);
    if (!args.empty() && args[0] == "layout")
        return layoutBench(args);
    if (args.empty() || args[0] != "load")
        return usageError("bench: expected 'bench load FILE [--runs N]' or 'bench layout ...'");
    std::string file;
    int runs = 5;
    for (std::size_t k = 1; k < args.size(); ++k) {
        if (args[k] == "--runs" && k + 1 < args.size())
            runs = std::max(1, std::stoi(args[++k]));
        else if (args[k].starts_with("--"))
            return usageError("bench load: unknown option " + args[k]);
        else
            file = args[k];
    }
    if (file.empty())
        return usageError("bench load: no file given");
    try {
        std::vector<double> times, rss;
        std::int64_t nodes = 0;
        for (int r = 0; r < runs; ++r) {
            const ChildResult c = runChild(file);
            times.push_back(c.output.at("seconds").get<double>());
            rss.push_back(c.peakRssMb);
            nodes = c.output.at("nodes").get<std::int64_t>();
        }
        std::cout << nlohmann::json{{"file", file},
                                    {"runs", runs},
                                    {"median_s", median(times)},
                                    {"peak_rss_mb", median(rss)},
                                    {"nodes", nodes}}
                         .dump()
                  << '\n';
    } catch (const std::exception& e) {
        std::cerr << "nodus-cli: " << e.what() << '\n';
        return 1;
    }
    return 0;
}

} // namespace nodus::cli
