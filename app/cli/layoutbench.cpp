// nodus-cli bench layout: the graph view's layout speed beside plain
// Graphviz dot on the flat graph, measured in the same run.
#include "commands.h"

#include "formats/formatregistry.h"
#include "ir/model.h"
#include "ir/syntheticmodels.h"
#include "layout/grouptree.h"
#include "layout/layoutcache.h"
#include "layout/scenebuilder.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace nodus::cli {

namespace {

double seconds(std::chrono::steady_clock::time_point since)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// The flat graph as dot sees it: every node a fixed-size box, every
// producer -> user edge, graph inputs and outputs as boxes too.
std::string flatDot(const Graph& g)
{
    std::string out = "digraph G {\nnode [shape=box fixedsize=true width=1.4 height=0.58 label=\"\"];\n";
    std::unordered_map<const Node*, std::size_t> index;
    for (std::size_t k = 0; k < g.nodes().size(); ++k)
        index[g.nodes()[k].get()] = k;
    for (std::size_t k = 0; k < g.nodes().size(); ++k)
        out += "n" + std::to_string(k) + ";\n";
    std::size_t io = 0;
    for (const Value* v : g.realInputs()) {
        const std::string name = "i" + std::to_string(io++);
        out += name + ";\n";
        for (const auto& u : v->users())
            out += name + " -> n" + std::to_string(index[u.node]) + ";\n";
    }
    for (std::size_t k = 0; k < g.nodes().size(); ++k)
        for (const Value* v : g.nodes()[k]->inputs())
            if (v && v->producer())
                out += "n" + std::to_string(index[v->producer()]) + " -> n" + std::to_string(k) + ";\n";
    for (const Value* v : g.outputs)
        if (v->producer())
            out += "n" + std::to_string(index[v->producer()]) + " -> o" + std::to_string(io++) + ";\n";
    return out + "}\n";
}

// Runs `dot -Tplain` on the flat graph; nullopt when it passes `cap` seconds.
std::optional<double> timeDot(const Graph& g, double cap)
{
    const auto file = std::filesystem::temp_directory_path() / ("nodus-bench-" + std::to_string(::getpid()) + ".dot");
    {
        std::ofstream f(file);
        f << flatDot(g);
    }
    std::string dot = "dot", plain = "-Tplain", o = "-o", null = "/dev/null", path = file.string();
    char* argv[] = {dot.data(), plain.data(), o.data(), null.data(), path.data(), nullptr};
    pid_t pid = 0;
    const auto t0 = std::chrono::steady_clock::now();
    if (posix_spawnp(&pid, "dot", nullptr, nullptr, argv, environ) != 0) {
        std::filesystem::remove(file);
        throw std::runtime_error("cannot run Graphviz's dot (is graphviz installed?)");
    }
    std::optional<double> result;
    while (true) {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                result = seconds(t0);
            break;
        }
        if (seconds(t0) > cap) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::filesystem::remove(file);
    return result;
}

} // namespace

int layoutBench(const Args& args)
{
    std::string file;
    int blocks = 0;
    int runs = 5;
    double dotCap = 60;
    for (std::size_t k = 1; k < args.size(); ++k) {
        if (args[k] == "--synthetic-transformer" && k + 1 < args.size())
            blocks = std::stoi(args[++k]);
        else if (args[k] == "--dot-cap" && k + 1 < args.size())
            dotCap = std::stod(args[++k]);
        else if (args[k] == "--runs" && k + 1 < args.size())
            runs = std::max(1, std::stoi(args[++k]));
        else if (args[k] == "--no-dot")
            dotCap = 0;
        else if (args[k].starts_with("--"))
            return usageError("bench layout: unknown option " + args[k]);
        else
            file = args[k];
    }
    if (file.empty() == (blocks <= 0))
        return usageError("bench layout: give FILE or --synthetic-transformer BLOCKS");
    try {
        const auto model = blocks > 0 ? makeSyntheticTransformer(blocks) : FormatRegistry::instance().open(file);
        const Graph& graph = *model->graph;

        // Each run starts from nothing: no layout cache in memory or on disk.
        std::vector<double> firstTimes, fullTimes;
        std::size_t groups = 0, overviewItems = 0, fullItems = 0, graphvizRuns = 0;
        for (int r = 0; r < runs; ++r) {
            // First frame: grouping, then the collapsed overview laid out.
            auto t0 = std::chrono::steady_clock::now();
            GroupTree tree(graph);
            LayoutCache firstCache;
            SceneBuilder first(tree, firstCache);
            const auto overview = first.build(SceneBuilder::initialExpansion(tree));
            firstTimes.push_back(seconds(t0));

            // Full layout: every group open.
            t0 = std::chrono::steady_clock::now();
            GroupTree fullTree(graph);
            LayoutCache fullCache;
            SceneBuilder full(fullTree, fullCache);
            const auto expanded = full.build(SceneBuilder::allExpanded(fullTree));
            fullTimes.push_back(seconds(t0));
            groups = tree.groups().size();
            overviewItems = overview->items.size();
            fullItems = expanded->items.size();
            graphvizRuns = full.graphvizRuns();
        }
        auto median = [](std::vector<double> v) {
            std::sort(v.begin(), v.end());
            return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
        };

        nlohmann::json out{{"nodes", graph.nodes().size()},
                           {"groups", groups},
                           {"runs", runs},
                           {"first_frame_s", median(firstTimes)},
                           {"first_frame_items", overviewItems},
                           {"full_layout_s", median(fullTimes)},
                           {"full_layout_items", fullItems},
                           {"graphviz_runs", graphvizRuns}};
        if (dotCap > 0) {
            const auto dot = timeDot(graph, dotCap);
            out["dot_s"] = dot ? nlohmann::json(*dot) : nlohmann::json(nullptr);
            out["dot_cap_s"] = dotCap;
        } else {
            out["dot_s"] = nullptr;
        }
        std::cout << out.dump() << '\n';
    } catch (const std::exception& e) {
        std::cerr << "nodus-cli: " << e.what() << '\n';
        return 1;
    }
    return 0;
}

} // namespace nodus::cli
