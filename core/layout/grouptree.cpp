#include "grouptree.h"

#include "ir/graph.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace nodus {

namespace {

std::uint64_t mix(std::uint64_t h, std::uint64_t v)
{
    // 64-bit FNV-1a step over the value's bytes (order-sensitive).
    for (int k = 0; k < 8; ++k) {
        h ^= (v >> (8 * k)) & 0xff;
        h *= 1099511628211ull;
    }
    return h;
}

std::uint64_t mixText(std::uint64_t h, const std::string& s)
{
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return mix(h, s.size());
}

bool isNumber(const std::string& s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::string nameOf(const Node& node)
{
    if (!node.name.empty())
        return node.name;
    for (const Value* v : node.outputs())
        if (v)
            return v->name();
    return {};
}

} // namespace

std::vector<std::string> scopeOf(const std::string& name)
{
    std::vector<std::string> parts;
    const char sep = name.find('/') != std::string::npos ? '/' : '.';
    std::size_t start = 0;
    while (start <= name.size()) {
        std::size_t end = name.find(sep, start);
        if (end == std::string::npos)
            end = name.size();
        std::string part = name.substr(start, end - start);
        if (!part.empty()) {
            // "layer.3" stays one scope when names use dots.
            if (sep == '.' && isNumber(part) && !parts.empty())
                parts.back() += "." + part;
            else
                parts.push_back(std::move(part));
        }
        start = end + 1;
    }
    if (!parts.empty())
        parts.pop_back(); // the node's own name
    return parts;
}

GroupTree::GroupTree(const Graph& graph)
    : graph_(graph)
{
    addGroup("", "", -1);
    std::map<std::string, int> byPath;
    for (const auto& node : graph.nodes()) {
        int g = 0;
        std::string path;
        for (const auto& part : scopeOf(nameOf(*node))) {
            path += (path.empty() ? "" : "/") + part;
            auto it = byPath.find(path);
            if (it == byPath.end())
                it = byPath.emplace(path, addGroup(path, part, g)).first;
            g = it->second;
        }
        groups_[static_cast<std::size_t>(g)].nodes.push_back(node.get());
        groupOf_[node.get()] = g;
    }
    moveConstantsToTheirUsers();
    groupOf_.clear();
    computeTotals();

    // A group of one node (or a single chain of wrappers around one group)
    // only adds a frame: fold such groups into their parent.
    for (std::size_t k = groups_.size(); k-- > 1;) {
        Group& g = groups_[k];
        if (g.totalNodes >= 2 && !(g.nodes.empty() && g.children.size() == 1))
            continue;
        Group& parent = groups_[static_cast<std::size_t>(g.parent)];
        auto pos = std::find(parent.children.begin(), parent.children.end(), static_cast<int>(k));
        pos = parent.children.erase(pos);
        parent.children.insert(pos, g.children.begin(), g.children.end());
        for (int c : g.children)
            groups_[static_cast<std::size_t>(c)].parent = g.parent;
        parent.nodes.insert(parent.nodes.end(), g.nodes.begin(), g.nodes.end());
        g.children.clear();
        g.nodes.clear();
        g.parent = -2; // dead
    }
    // Compact away the dead groups, keeping the order.
    std::vector<int> remap(groups_.size(), -1);
    std::vector<Group> alive;
    for (std::size_t k = 0; k < groups_.size(); ++k)
        if (groups_[k].parent != -2) {
            remap[k] = static_cast<int>(alive.size());
            alive.push_back(std::move(groups_[k]));
        }
    for (auto& g : alive) {
        if (g.parent >= 0)
            g.parent = remap[static_cast<std::size_t>(g.parent)];
        for (int& c : g.children)
            c = remap[static_cast<std::size_t>(c)];
    }
    groups_ = std::move(alive);

    // Keep file (topological) order of nodes inside each group.
    std::unordered_map<const Node*, std::size_t> order;
    for (std::size_t k = 0; k < graph.nodes().size(); ++k)
        order[graph.nodes()[k].get()] = k;
    for (auto& g : groups_)
        std::sort(g.nodes.begin(), g.nodes.end(), [&order](Node* a, Node* b) { return order[a] < order[b]; });

    const std::size_t scoped = groups_.size();
    for (std::size_t k = 0; k < scoped; ++k)
        splitLongRuns(static_cast<int>(k));

    for (std::size_t k = 0; k < groups_.size(); ++k) {
        for (Node* n : groups_[k].nodes)
            groupOf_[n] = static_cast<int>(k);
        groups_[k].depth = groups_[k].parent < 0 ? 0 : groups_[static_cast<std::size_t>(groups_[k].parent)].depth + 1;
    }
    computeTotals();
    computeHashes();
}

void GroupTree::moveConstantsToTheirUsers()
{
    // Exporters put weight-feeding nodes (Constant, Identity of an
    // initializer) outside the scope that uses them; drawn there they fan
    // long edges across the graph. They belong with their users.
    auto isConstant = [](const Node& n) {
        for (const Value* v : n.inputs())
            if (v && !v->initializer)
                return false;
        return true;
    };
    auto lowestCommon = [this](int a, int b) {
        std::vector<int> chainA;
        for (int g = a; g >= 0; g = groups_[static_cast<std::size_t>(g)].parent)
            chainA.push_back(g);
        for (int g = b; g >= 0; g = groups_[static_cast<std::size_t>(g)].parent)
            if (std::find(chainA.begin(), chainA.end(), g) != chainA.end())
                return g;
        return 0;
    };
    for (const auto& node : graph_.nodes()) {
        if (!isConstant(*node))
            continue;
        int target = -1;
        for (const Value* v : node->outputs())
            for (const auto& use : v ? v->users() : std::vector<Use>{}) {
                auto it = groupOf_.find(use.node);
                const int g = it == groupOf_.end() ? 0 : it->second;
                target = target < 0 ? g : lowestCommon(target, g);
            }
        const int current = groupOf_[node.get()];
        if (target <= 0 || target == current || lowestCommon(current, target) != current)
            continue;
        auto& from = groups_[static_cast<std::size_t>(current)].nodes;
        from.erase(std::find(from.begin(), from.end(), node.get()));
        groups_[static_cast<std::size_t>(target)].nodes.push_back(node.get());
        groupOf_[node.get()] = target;
    }
}

int GroupTree::addGroup(const std::string& path, const std::string& label, int parent)
{
    Group g;
    g.path = path;
    g.label = label;
    g.parent = parent;
    groups_.push_back(std::move(g));
    const int index = static_cast<int>(groups_.size() - 1);
    if (parent >= 0)
        groups_[static_cast<std::size_t>(parent)].children.push_back(index);
    return index;
}

void GroupTree::splitLongRuns(int index)
{
    auto& nodes = groups_[static_cast<std::size_t>(index)].nodes;
    if (nodes.size() <= kMaxPart * 2)
        return;
    std::vector<Node*> all = std::move(nodes);
    nodes.clear();
    const std::string base = groups_[static_cast<std::size_t>(index)].path;
    for (std::size_t start = 0; start < all.size(); start += kMaxPart) {
        const std::size_t end = std::min(all.size(), start + kMaxPart);
        const std::string label = "nodes " + std::to_string(start + 1) + "-" + std::to_string(end);
        const int part = addGroup(base.empty() ? label : base + "/" + label, label, index);
        auto& g = groups_[static_cast<std::size_t>(part)];
        g.nodes.assign(all.begin() + static_cast<std::ptrdiff_t>(start), all.begin() + static_cast<std::ptrdiff_t>(end));
    }
}

void GroupTree::computeTotals()
{
    for (auto& g : groups_)
        g.totalNodes = g.nodes.size();
    // Children always come after their parent in creation order.
    for (std::size_t k = groups_.size(); k-- > 1;)
        if (groups_[k].parent >= 0)
            groups_[static_cast<std::size_t>(groups_[k].parent)].totalNodes += groups_[k].totalNodes;
}

void GroupTree::computeHashes()
{
    // Inside a group, values are named by local position (which node,
    // which output), so two layers with different names but the same wiring
    // hash the same.
    for (std::size_t k = groups_.size(); k-- > 0;) {
        Group& g = groups_[k];
        std::uint64_t h = 14695981039346656037ull;
        std::unordered_map<const Value*, std::uint64_t> local;
        std::uint64_t next = 1;
        for (const Node* n : g.nodes) {
            h = mixText(h, n->domain + ":" + n->opType);
            h = mix(h, n->inputs().size());
            for (const Value* v : n->inputs()) {
                auto it = v ? local.find(v) : local.end();
                h = mix(h, it == local.end() ? 0 : it->second);
            }
            for (const Value* v : n->outputs())
                if (v)
                    local[v] = next++;
            h = mix(h, n->outputs().size());
        }
        for (int c : g.children)
            h = mix(h, groups_[static_cast<std::size_t>(c)].structureHash);
        g.structureHash = h;
    }
}

int GroupTree::groupOf(const Node* node) const
{
    auto it = groupOf_.find(node);
    return it == groupOf_.end() ? 0 : it->second;
}

bool GroupTree::isWithin(int g, int ancestor) const
{
    while (g >= 0) {
        if (g == ancestor)
            return true;
        g = groups_[static_cast<std::size_t>(g)].parent;
    }
    return false;
}

std::vector<int> GroupTree::chain(int g) const
{
    std::vector<int> out;
    while (g >= 0) {
        out.push_back(g);
        g = groups_[static_cast<std::size_t>(g)].parent;
    }
    std::reverse(out.begin(), out.end());
    return out;
}

} // namespace nodus
