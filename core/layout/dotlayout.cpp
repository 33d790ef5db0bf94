#include "dotlayout.h"

#include "util/error.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace nodus {

namespace {

constexpr double kPointsPerInch = 72.0;
// Below this many jobs the cost of forking is not worth it.
constexpr std::size_t kParallelThreshold = 6;

std::mutex& graphvizMutex()
{
    static std::mutex m;
    return m;
}

std::atomic<int>& workerCount()
{
    static std::atomic<int> n{static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))};
    return n;
}

GVC_t* context()
{
    static GVC_t* gvc = gvContext();
    return gvc;
}

char* text(const char* s)
{
    return const_cast<char*>(s);
}

std::string inches(double points)
{
    return std::to_string(points / kPointsPerInch);
}

// A graph that is one simple path (a chain of collapsed transformer layers,
// a plain CNN) is put in one column (row) directly: it is what dot would
// draw, and dot's network simplex costs seconds on thousands of boxes.
bool layoutPath(const LayoutJob& job, LayoutResult& result)
{
    const std::size_t n = job.boxes.size();
    if (n < 3 || job.links.size() != n - 1)
        return false;
    std::vector<int> next(n, -1), in(n, 0);
    for (const auto& l : job.links) {
        if (l.from < 0 || l.to < 0 || static_cast<std::size_t>(l.from) >= n || static_cast<std::size_t>(l.to) >= n
            || l.from == l.to || next[static_cast<std::size_t>(l.from)] != -1)
            return false;
        next[static_cast<std::size_t>(l.from)] = l.to;
        if (++in[static_cast<std::size_t>(l.to)] > 1)
            return false;
    }
    int start = -1;
    for (std::size_t k = 0; k < n; ++k)
        if (in[k] == 0) {
            if (start >= 0)
                return false;
            start = static_cast<int>(k);
        }
    if (start < 0)
        return false;
    std::vector<int> order;
    for (int k = start; k >= 0 && order.size() <= n; k = next[static_cast<std::size_t>(k)])
        order.push_back(k);
    if (order.size() != n)
        return false;

    const bool lr = job.direction == LayoutDirection::LeftToRight;
    const double gap = 0.4 * kPointsPerInch, margin = 4;
    double across = 0;
    for (const auto& b : job.boxes)
        across = std::max(across, lr ? b.height : b.width);
    result.centers.assign(n, Point{});
    double along = margin;
    for (int k : order) {
        const auto& b = job.boxes[static_cast<std::size_t>(k)];
        const double size = lr ? b.width : b.height;
        const double mid = margin + across / 2;
        result.centers[static_cast<std::size_t>(k)] = lr ? Point{along + size / 2, mid} : Point{mid, along + size / 2};
        along += size + gap;
    }
    along += margin - gap;
    result.width = lr ? along : across + 2 * margin;
    result.height = lr ? across + 2 * margin : along;
    result.paths.resize(job.links.size());
    for (std::size_t k = 0; k < job.links.size(); ++k) {
        const auto& l = job.links[k];
        const auto& a = job.boxes[static_cast<std::size_t>(l.from)];
        const auto& b = job.boxes[static_cast<std::size_t>(l.to)];
        const Point ca = result.centers[static_cast<std::size_t>(l.from)];
        const Point cb = result.centers[static_cast<std::size_t>(l.to)];
        const Point p0 = lr ? Point{ca.x + a.width / 2, ca.y} : Point{ca.x, ca.y + a.height / 2};
        const Point p1 = lr ? Point{cb.x - b.width / 2, cb.y} : Point{cb.x, cb.y - b.height / 2};
        const Point third{p0.x + (p1.x - p0.x) / 3, p0.y + (p1.y - p0.y) / 3};
        const Point twoThirds{p0.x + 2 * (p1.x - p0.x) / 3, p0.y + 2 * (p1.y - p0.y) / 3};
        result.paths[k] = {p0, third, twoThirds, p1};
    }
    return true;
}

// Must be called with the Graphviz lock held (or in a worker process).
LayoutResult runUnlocked(const LayoutJob& job)
{
    LayoutResult result;
    if (job.boxes.empty())
        return result;
    if (layoutPath(job, result))
        return result;
    Agraph_t* g = agopen(text("g"), Agdirected, nullptr);
    agattr(g, AGRAPH, text("rankdir"), text(job.direction == LayoutDirection::LeftToRight ? "LR" : "TB"));
    agattr(g, AGRAPH, text("nodesep"), text("0.25"));
    agattr(g, AGRAPH, text("ranksep"), text("0.4"));
    agattr(g, AGRAPH, text("splines"), text("spline"));
    Agsym_t* shape = agattr(g, AGNODE, text("shape"), text("box"));
    Agsym_t* fixed = agattr(g, AGNODE, text("fixedsize"), text("true"));
    Agsym_t* label = agattr(g, AGNODE, text("label"), text(""));
    Agsym_t* width = agattr(g, AGNODE, text("width"), text("1"));
    Agsym_t* height = agattr(g, AGNODE, text("height"), text("0.5"));
    (void)shape;
    (void)fixed;
    (void)label;

    std::vector<Agnode_t*> nodes(job.boxes.size());
    for (std::size_t k = 0; k < job.boxes.size(); ++k) {
        const std::string name = "n" + std::to_string(k);
        nodes[k] = agnode(g, text(name.c_str()), 1);
        std::string w = inches(job.boxes[k].width), h = inches(job.boxes[k].height);
        agxset(nodes[k], width, w.data());
        agxset(nodes[k], height, h.data());
    }
    std::vector<Agedge_t*> edges(job.links.size(), nullptr);
    for (std::size_t k = 0; k < job.links.size(); ++k) {
        const auto& l = job.links[k];
        if (l.from < 0 || l.to < 0 || static_cast<std::size_t>(l.from) >= nodes.size()
            || static_cast<std::size_t>(l.to) >= nodes.size() || l.from == l.to)
            continue;
        const std::string name = "e" + std::to_string(k);
        edges[k] = agedge(g, nodes[static_cast<std::size_t>(l.from)], nodes[static_cast<std::size_t>(l.to)],
                          text(name.c_str()), 1);
    }

    if (gvLayout(context(), g, "dot") != 0) {
        agclose(g);
        throw Error("Graphviz could not lay out the graph");
    }
    const boxf bb = GD_bb(g);
    result.width = bb.UR.x - bb.LL.x;
    result.height = bb.UR.y - bb.LL.y;
    auto map = [&bb](pointf p) { return Point{p.x - bb.LL.x, bb.UR.y - p.y}; };
    result.centers.resize(nodes.size());
    for (std::size_t k = 0; k < nodes.size(); ++k)
        result.centers[k] = map(ND_coord(nodes[k]));
    result.paths.resize(job.links.size());
    for (std::size_t k = 0; k < edges.size(); ++k) {
        auto& path = result.paths[k];
        const splines* spl = edges[k] ? ED_spl(edges[k]) : nullptr;
        if (spl && spl->size > 0 && spl->list[0].size >= 4) {
            const bezier& bz = spl->list[0];
            for (int p = 0; p < bz.size; ++p)
                path.push_back(map(bz.list[p]));
            if (bz.eflag) {
                // Extend to the arrow tip so the path ends where the head does.
                const Point last = path.back();
                const Point tip = map(bz.ep);
                path.insert(path.end(), {last, tip, tip});
            }
        } else {
            const auto& l = job.links[k];
            const Point a = result.centers[static_cast<std::size_t>(std::max(0, l.from))];
            const Point b = result.centers[static_cast<std::size_t>(std::max(0, l.to))];
            path = {a, a, b, b};
        }
    }
    gvFreeLayout(context(), g);
    agclose(g);
    return result;
}

bool writeAll(int fd, const std::string& bytes)
{
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

std::string readAll(int fd)
{
    std::string out;
    char buf[65536];
    while (true) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

struct Worker {
    pid_t pid = -1;
    int fd = -1;
    std::vector<std::size_t> jobs;
};

} // namespace

LayoutResult DotLayout::run(const LayoutJob& job)
{
    std::lock_guard lock(graphvizMutex());
    return runUnlocked(job);
}

void DotLayout::setWorkers(int workers)
{
    workerCount() = std::max(1, workers);
}

std::vector<LayoutResult> DotLayout::runAll(const std::vector<const LayoutJob*>& jobs, const std::atomic<bool>* cancel)
{
    std::vector<LayoutResult> results(jobs.size());
    auto cancelled = [cancel] { return cancel && cancel->load(); };
    const int workers = workerCount();
    if (workers <= 1 || jobs.size() < kParallelThreshold) {
        for (std::size_t k = 0; k < jobs.size() && !cancelled(); ++k)
            results[k] = run(*jobs[k]);
        return results;
    }

    // Jobs are dealt round-robin: worker processes take slices 1..n-1, this
    // process does slice 0. Holding the lock across fork() means no thread of
    // ours is inside Graphviz when the children copy its state.
    std::vector<Worker> children(static_cast<std::size_t>(workers - 1));
    std::vector<std::size_t> own;
    for (std::size_t k = 0; k < jobs.size(); ++k) {
        const std::size_t slot = k % static_cast<std::size_t>(workers);
        (slot == 0 ? own : children[slot - 1].jobs).push_back(k);
    }
    {
        std::lock_guard lock(graphvizMutex());
        context(); // created before forking so children share the set-up work
        for (auto& c : children) {
            int fds[2];
            if (::pipe(fds) != 0)
                break;
            const pid_t pid = ::fork();
            if (pid == 0) {
                ::close(fds[0]);
                std::string out;
                try {
                    for (std::size_t index : c.jobs) {
                        const std::string bytes = runUnlocked(*jobs[index]).serialize();
                        const auto n = static_cast<std::uint64_t>(bytes.size());
                        out.append(reinterpret_cast<const char*>(&index), sizeof index);
                        out.append(reinterpret_cast<const char*>(&n), sizeof n);
                        out += bytes;
                    }
                } catch (...) {
                    ::_exit(2);
                }
                ::_exit(writeAll(fds[1], out) ? 0 : 3);
            }
            ::close(fds[1]);
            if (pid < 0) {
                ::close(fds[0]);
                continue;
            }
            c.pid = pid;
            c.fd = fds[0];
        }
    }

    for (std::size_t index : own) {
        if (cancelled())
            break;
        results[index] = run(*jobs[index]);
    }
    for (auto& c : children) {
        if (c.pid < 0) {
            // fork failed: do its share here.
            for (std::size_t index : c.jobs)
                if (!cancelled())
                    results[index] = run(*jobs[index]);
            continue;
        }
        if (cancelled())
            ::kill(c.pid, SIGKILL);
        const std::string bytes = readAll(c.fd);
        ::close(c.fd);
        int status = 0;
        ::waitpid(c.pid, &status, 0);
        std::size_t pos = 0;
        std::vector<bool> got(jobs.size(), false);
        while (pos < bytes.size()) {
            std::size_t index = 0;
            std::uint64_t n = 0;
            if (bytes.size() - pos < sizeof index + sizeof n)
                break;
            std::memcpy(&index, bytes.data() + pos, sizeof index);
            std::memcpy(&n, bytes.data() + pos + sizeof index, sizeof n);
            pos += sizeof index + sizeof n;
            std::size_t at = pos;
            if (index >= jobs.size() || n > bytes.size() - pos || !results[index].deserialize(bytes, at))
                break;
            got[index] = true;
            pos += n;
        }
        // A worker that died (or sent garbage) has its jobs redone here.
        for (std::size_t index : c.jobs)
            if (!got[index] && !cancelled())
                results[index] = run(*jobs[index]);
    }
    return results;
}

} // namespace nodus
