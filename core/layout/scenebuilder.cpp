#include "scenebuilder.h"

#include "dotlayout.h"

#include "ir/graph.h"
#include "ir/opmetadata.h"

#include <algorithm>
#include <deque>
#include <map>
#include <unordered_map>

namespace nodus {

namespace {

// Box sizes, in scene pixels. Text is elided by the canvas, so widths only
// follow the op type (short) and never the node name (long).
constexpr double kNodeHeight = 42;
constexpr double kGroupHeight = 52;
constexpr double kPillHeight = 30;
constexpr double kPortSize = 6;
constexpr double kFramePad = 14;
constexpr double kFrameHeader = 24;

double clampWidth(double w, double lo, double hi)
{
    return std::clamp(w, lo, hi);
}

std::string shapeLabel(const Value* v)
{
    if (!v || !v->type.isTensor() || !v->type.shape.rankKnown)
        return {};
    std::string out;
    for (const auto& d : v->type.shape.dims) {
        if (!out.empty())
            out += "\u00d7";
        out += d.toString();
    }
    return out.empty() ? std::string("scalar") : out;
}

bool hasSubgraphs(const Node& n)
{
    for (const auto& a : n.attributes)
        if (!a.graphs.empty())
            return true;
    return false;
}

} // namespace

struct SceneBuilder::Level {
    struct Item {
        enum Kind { NodeItem, GroupItem, InputItem, OutputItem, PortItem } kind = NodeItem;
        const Node* node = nullptr;
        int group = -1;
        const Value* value = nullptr;
        double width = 0;
        double height = 0;
        Level* child = nullptr; // expanded group
    };
    struct Link {
        int from = 0;
        int to = 0;
        const Value* value = nullptr;
        int count = 1;
    };
    int group = 0;
    std::vector<Item> items;
    std::vector<Link> links;
    LayoutJob job;
    std::uint64_t key = 0;
    LayoutResult result;
};

SceneBuilder::SceneBuilder(const GroupTree& tree, LayoutCache& cache, SceneOptions options)
    : tree_(tree)
    , cache_(cache)
    , options_(options)
{
    const auto& nodes = tree_.graph().nodes();
    order_.reserve(nodes.size());
    for (std::size_t k = 0; k < nodes.size(); ++k)
        order_[nodes[k].get()] = k;
}

std::vector<bool> SceneBuilder::allExpanded(const GroupTree& tree)
{
    return std::vector<bool>(tree.groups().size(), true);
}

std::vector<bool> SceneBuilder::initialExpansion(const GroupTree& tree, std::size_t budget)
{
    std::vector<bool> open(tree.groups().size(), false);
    open[0] = true;
    const auto& root = tree.group(0);
    std::size_t shown = root.nodes.size() + root.children.size();
    std::deque<int> queue(root.children.begin(), root.children.end());
    while (!queue.empty()) {
        const int g = queue.front();
        queue.pop_front();
        const auto& group = tree.group(g);
        const std::size_t adds = group.nodes.size() + group.children.size();
        if (shown - 1 + adds > budget)
            continue;
        shown = shown - 1 + adds;
        open[static_cast<std::size_t>(g)] = true;
        queue.insert(queue.end(), group.children.begin(), group.children.end());
    }
    return open;
}

void SceneBuilder::prepareLevel(Level& level, const std::vector<bool>& expanded)
{
    const Graph& graph = tree_.graph();
    const auto& group = tree_.group(level.group);
    const int depth = group.depth;
    const bool root = level.group == 0;

    std::unordered_map<const Node*, int> nodeItem;
    std::unordered_map<int, int> groupItem;
    std::unordered_map<const Value*, int> valueItem; // inputs, outputs, ports (in)
    std::unordered_map<const Value*, int> outPort;

    auto addItem = [&level](Level::Item item) {
        level.items.push_back(item);
        return static_cast<int>(level.items.size() - 1);
    };
    if (root)
        for (const Value* v : graph.realInputs()) {
            Level::Item it;
            it.kind = Level::Item::InputItem;
            it.value = v;
            it.width = clampWidth(24 + 7.0 * v->name().size(), 70, 220);
            it.height = kPillHeight;
            valueItem[v] = addItem(it);
        }
    for (const Node* n : group.nodes) {
        Level::Item it;
        it.node = n;
        it.width = clampWidth(28 + 7.5 * n->opType.size(), 80, 200);
        it.height = kNodeHeight;
        nodeItem[n] = addItem(it);
    }
    for (int c : group.children) {
        Level::Item it;
        it.kind = Level::Item::GroupItem;
        it.group = c;
        if (expanded[static_cast<std::size_t>(c)])
            continue; // sized later from its own layout; placeholder added below
        it.width = clampWidth(44 + 7.5 * tree_.group(c).label.size(), 130, 260);
        it.height = kGroupHeight;
        groupItem[c] = addItem(it);
    }
    for (int c : group.children)
        if (expanded[static_cast<std::size_t>(c)]) {
            Level::Item it;
            it.kind = Level::Item::GroupItem;
            it.group = c;
            groupItem[c] = addItem(it);
        }

    // The item at this level that stands for a node somewhere below.
    auto rep = [&](const Node* n) -> int {
        int g = tree_.groupOf(n);
        if (g == level.group)
            return nodeItem.at(n);
        while (tree_.group(g).depth > depth + 1)
            g = tree_.group(g).parent;
        return groupItem.at(g);
    };
    auto within = [&](const Node* n) { return n && tree_.isWithin(tree_.groupOf(n), level.group); };

    std::map<std::pair<int, int>, int> seen;
    auto link = [&](int from, int to, const Value* v) {
        if (from == to)
            return;
        auto [it, fresh] = seen.emplace(std::make_pair(from, to), static_cast<int>(level.links.size()));
        if (fresh)
            level.links.push_back({from, to, v, 1});
        else
            ++level.links[static_cast<std::size_t>(it->second)].count;
    };

    std::vector<const Node*> members;
    std::vector<int> stack{level.group};
    while (!stack.empty()) {
        const int g = stack.back();
        stack.pop_back();
        const auto& gg = tree_.group(g);
        members.insert(members.end(), gg.nodes.begin(), gg.nodes.end());
        stack.insert(stack.end(), gg.children.begin(), gg.children.end());
    }
    std::sort(members.begin(), members.end(),
              [this](const Node* a, const Node* b) { return order_.at(a) < order_.at(b); });

    for (const Node* n : members) {
        const int to = rep(n);
        for (const Value* v : n->inputs()) {
            if (!v || v->initializer)
                continue;
            const Node* p = v->producer();
            if (within(p)) {
                link(rep(p), to, v);
            } else if (root) {
                if (auto it = valueItem.find(v); it != valueItem.end())
                    link(it->second, to, v);
            } else {
                auto it = valueItem.find(v);
                if (it == valueItem.end()) {
                    Level::Item port;
                    port.kind = Level::Item::PortItem;
                    port.value = v;
                    port.width = port.height = kPortSize;
                    it = valueItem.emplace(v, addItem(port)).first;
                }
                link(it->second, to, v);
            }
        }
        for (const Value* v : n->outputs()) {
            if (!v)
                continue;
            bool leaves = graph.isOutput(v);
            if (!root)
                for (const auto& use : v->users())
                    leaves |= !within(use.node);
            if (!leaves)
                continue;
            auto it = outPort.find(v);
            if (it == outPort.end()) {
                Level::Item out;
                out.kind = root ? Level::Item::OutputItem : Level::Item::PortItem;
                out.value = v;
                out.width = root ? clampWidth(24 + 7.0 * v->name().size(), 70, 220) : kPortSize;
                out.height = root ? kPillHeight : kPortSize;
                it = outPort.emplace(v, addItem(out)).first;
            }
            link(rep(n), it->second, v);
        }
    }
}

std::shared_ptr<Scene> SceneBuilder::build(const std::vector<bool>& expandedIn, const std::atomic<bool>* cancel,
                                           const Progress& progress)
{
    std::vector<bool> expanded = expandedIn;
    expanded.resize(tree_.groups().size(), false);
    expanded[0] = true;
    // Only groups whose ancestors are all open are on screen.
    std::vector<std::unique_ptr<Level>> levels;
    std::vector<Level*> byGroup(tree_.groups().size(), nullptr);
    for (std::size_t g = 0; g < tree_.groups().size(); ++g) {
        bool visible = expanded[g];
        for (int a = tree_.group(static_cast<int>(g)).parent; a >= 0 && visible; a = tree_.group(a).parent)
            visible = expanded[static_cast<std::size_t>(a)];
        if (!visible)
            continue;
        levels.push_back(std::make_unique<Level>());
        levels.back()->group = static_cast<int>(g);
        byGroup[g] = levels.back().get();
    }
    for (auto& l : levels) {
        prepareLevel(*l, expanded);
        for (auto& it : l->items)
            if (it.kind == Level::Item::GroupItem && expanded[static_cast<std::size_t>(it.group)])
                it.child = byGroup[static_cast<std::size_t>(it.group)];
    }

    // Deepest first: a level's size is known only once its open children
    // are laid out. Levels at one depth are independent: one parallel batch.
    int maxDepth = 0;
    for (auto& l : levels)
        maxDepth = std::max(maxDepth, tree_.group(l->group).depth);
    std::size_t total = 0, done = 0;
    for (int depth = maxDepth; depth >= 0; --depth) {
        if (cancel && cancel->load())
            return nullptr;
        std::vector<Level*> batch;
        for (auto& l : levels)
            if (tree_.group(l->group).depth == depth)
                batch.push_back(l.get());
        std::vector<const LayoutJob*> jobs;
        std::vector<std::uint64_t> jobKeys;
        std::unordered_map<std::uint64_t, std::size_t> pending;
        for (Level* l : batch) {
            for (auto& it : l->items)
                if (it.child) {
                    it.width = it.child->result.width + 2 * kFramePad;
                    it.height = it.child->result.height + kFramePad + kFrameHeader;
                }
            l->job.direction = options_.direction;
            for (const auto& it : l->items)
                l->job.boxes.push_back({it.width, it.height});
            for (const auto& k : l->links)
                l->job.links.push_back({k.from, k.to});
            l->key = l->job.hash();
            if (cache_.find(l->key, l->result) || pending.count(l->key))
                continue;
            pending.emplace(l->key, jobs.size());
            jobs.push_back(&l->job);
            jobKeys.push_back(l->key);
        }
        total += jobs.size();
        if (progress)
            progress(done, total);
        auto results = DotLayout::runAll(jobs, cancel);
        if (cancel && cancel->load())
            return nullptr;
        graphvizRuns_ += jobs.size();
        for (std::size_t k = 0; k < jobs.size(); ++k)
            cache_.insert(jobKeys[k], std::move(results[k]));
        for (Level* l : batch)
            if (l->result.centers.size() != l->items.size())
                cache_.find(l->key, l->result);
        done += jobs.size();
        if (progress)
            progress(done, total);
    }

    auto scene = std::make_shared<Scene>();
    place(*byGroup[0], Point{0, 0}, *scene);
    Rect bounds{0, 0, byGroup[0]->result.width, byGroup[0]->result.height};
    scene->bounds = bounds;
    return scene;
}

void SceneBuilder::place(const Level& level, Point origin, Scene& scene) const
{
    std::vector<int> sceneIndex(level.items.size(), -1);
    for (std::size_t k = 0; k < level.items.size(); ++k) {
        const auto& it = level.items[k];
        const Point c = k < level.result.centers.size() ? level.result.centers[k] : Point{};
        const Rect rect{origin.x + c.x - it.width / 2, origin.y + c.y - it.height / 2, it.width, it.height};
        if (it.child) {
            Scene::Frame f;
            f.group = it.group;
            f.rect = rect;
            f.label = tree_.group(it.group).path;
            f.depth = tree_.group(it.group).depth;
            scene.frames.push_back(f);
            place(*it.child, Point{rect.x + kFramePad, rect.y + kFrameHeader}, scene);
            continue;
        }
        Scene::Item item;
        item.rect = rect;
        switch (it.kind) {
        case Level::Item::NodeItem:
            item.kind = Scene::ItemKind::Operation;
            item.nodeId = it.node->id();
            item.title = it.node->opType;
            item.subtitle = it.node->name;
            item.category = std::string((options_.metadata ? *options_.metadata : OpMetadata::onnx())
                                            .category(it.node->domain, it.node->opType));
            item.hasSubgraphs = hasSubgraphs(*it.node) || (options_.enterable && options_.enterable(*it.node));
            break;
        case Level::Item::GroupItem: {
            const auto& g = tree_.group(it.group);
            item.kind = Scene::ItemKind::CollapsedGroup;
            item.group = it.group;
            item.title = g.label;
            item.subtitle = std::to_string(g.totalNodes) + (g.totalNodes == 1 ? " node" : " nodes");
            break;
        }
        case Level::Item::InputItem:
        case Level::Item::OutputItem:
            item.kind = it.kind == Level::Item::InputItem ? Scene::ItemKind::GraphInput : Scene::ItemKind::GraphOutput;
            item.valueId = it.value->id();
            item.title = it.value->name();
            item.subtitle = it.value->type.toString();
            break;
        case Level::Item::PortItem:
            continue; // an edge end on the frame: not drawn
        }
        sceneIndex[k] = static_cast<int>(scene.items.size());
        scene.items.push_back(std::move(item));
    }
    for (std::size_t k = 0; k < level.links.size(); ++k) {
        const auto& l = level.links[k];
        Scene::Edge e;
        e.from = sceneIndex[static_cast<std::size_t>(l.from)];
        e.to = sceneIndex[static_cast<std::size_t>(l.to)];
        e.valueId = l.value ? l.value->id() : 0;
        e.count = l.count;
        if (k < level.result.paths.size())
            for (const Point& p : level.result.paths[k])
                e.path.push_back({origin.x + p.x, origin.y + p.y});
        if (options_.shapeLabels && l.count == 1 && !e.path.empty()) {
            e.label = shapeLabel(l.value);
            e.labelPos = e.path[e.path.size() / 2];
        }
        scene.edges.push_back(std::move(e));
    }
}

} // namespace nodus
