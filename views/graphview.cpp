#include "graphview.h"

#include "graphcanvas.h"

#include "formats/formatregistry.h"
#include "ir/model.h"
#include "layout/grouptree.h"
#include "layout/layoutcache.h"
#include "layout/scenebuilder.h"

#include <QContextMenuEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QMouseEvent>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <unordered_map>

namespace nodus {

namespace {

constexpr double kReadableScale = 0.8;

QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}

// The chain of (node, subgraph index) leading from `root` down to `target`.
bool pathTo(const Graph& root, const Graph* target, const Model* model, std::vector<std::pair<const Node*, int>>& path)
{
    if (&root == target)
        return true;
    if (path.size() > 32) // functions may call each other: do not loop
        return false;
    for (const auto& node : root.nodes()) {
        const auto subs = GraphView::subgraphsOf(*node, model);
        for (std::size_t k = 0; k < subs.size(); ++k) {
            path.emplace_back(node.get(), static_cast<int>(k));
            if (pathTo(*subs[k].second, target, model, path))
                return true;
            path.pop_back();
        }
    }
    return false;
}

} // namespace

struct GraphView::Level {
    const Graph* graph = nullptr;
    QString label;
    std::shared_ptr<GroupTree> tree;
    std::vector<bool> expanded;
    std::shared_ptr<const Scene> scene;
};

GraphView::GraphView(QWidget* parent)
    : QWidget(parent)
    , canvas_(new GraphCanvas(this))
    , crumbs_(new QWidget(this))
    , crumbLayout_(new QHBoxLayout(crumbs_))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    crumbLayout_->setContentsMargins(6, 2, 6, 2);
    crumbLayout_->setSpacing(2);
    layout->addWidget(crumbs_);
    layout->addWidget(canvas_, 1);
    crumbs_->hide();

    canvas_->installEventFilter(this);
    canvas_->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(canvas_, &GraphCanvas::itemClicked, this, &GraphView::onItemClicked);
    connect(canvas_, &GraphCanvas::itemDoubleClicked, this, &GraphView::onItemDoubleClicked);
    connect(canvas_, &GraphCanvas::edgeClicked, this, &GraphView::onEdgeClicked);
    connect(canvas_, &GraphCanvas::backgroundClicked, this, [this] {
        selectedNode_ = 0;
        canvas_->setSelectedItem(-1);
        canvas_->setHighlight({}, {});
        emit selectionCleared();
    });
    connect(canvas_, &QWidget::customContextMenuRequested, this, &GraphView::showContextMenu);
}

GraphView::~GraphView()
{
    // Nobody is listening any more: the window around us is half destroyed.
    blockSignals(true);
    cancelLayout();
    running_.waitForFinished();
}

void GraphView::setModel(std::shared_ptr<const Model> model)
{
    cancelLayout();
    stack_.clear();
    model_ = std::move(model);
    selectedNode_ = 0;
    pendingSelection_.reset();
    if (!model_ || !model_->graph) {
        clear();
        return;
    }
    pushLevel(model_->graph.get(), model_->graph->name.empty() ? tr("main graph") : qs(model_->graph->name));
    // One cache per model, on disk, keyed by the main graph's structure.
    cache_ = std::make_shared<LayoutCache>(LayoutCache::fileFor(stack_.front()->tree->graphHash()));
    relayout(std::nullopt, false);
}

void GraphView::refreshModel()
{
    if (!model_ || !model_->graph || stack_.empty()) {
        setModel(model_);
        return;
    }
    cancelLayout();
    std::vector<std::unique_ptr<Level>> old = std::move(stack_);
    stack_.clear();
    for (std::size_t k = 0; k < old.size(); ++k) {
        const Graph* graph = k == 0 ? model_->graph.get() : old[k]->graph;
        std::vector<std::pair<const Node*, int>> path;
        if (k > 0 && !pathTo(*model_->graph, graph, model_.get(), path))
            break; // its node was deleted: show the graph around it
        auto level = std::make_unique<Level>();
        level->graph = graph;
        level->label = old[k]->label;
        level->tree = std::make_shared<GroupTree>(*graph);
        level->expanded = SceneBuilder::initialExpansion(*level->tree);
        // Group indices change with the graph; name scopes mostly do not.
        std::unordered_map<std::string, bool> was;
        const auto& oldGroups = old[k]->tree->groups();
        for (std::size_t g = 0; g < oldGroups.size() && g < old[k]->expanded.size(); ++g)
            was.emplace(oldGroups[g].path, old[k]->expanded[g]);
        const auto& groups = level->tree->groups();
        for (std::size_t g = 1; g < groups.size(); ++g)
            if (const auto it = was.find(groups[g].path); it != was.end())
                level->expanded[g] = it->second;
        stack_.push_back(std::move(level));
    }
    const bool left = stack_.size() != old.size();
    rebuildBreadcrumbs();
    if (left)
        emit graphEntered(stack_.back()->graph);
    cache_ = std::make_shared<LayoutCache>(LayoutCache::fileFor(stack_.front()->tree->graphHash()));
    if (selectedNode_ && !nodeById(selectedNode_)) {
        selectedNode_ = 0;
        emit selectionCleared();
    }
    relayout(std::nullopt, !left);
}

void GraphView::clear()
{
    cancelLayout();
    stack_.clear();
    model_.reset();
    cache_.reset();
    selectedNode_ = 0;
    canvas_->setScene(nullptr);
    rebuildBreadcrumbs();
}

const Graph* GraphView::currentGraph() const
{
    return stack_.empty() ? nullptr : stack_.back()->graph;
}

std::shared_ptr<const Scene> GraphView::scene() const
{
    return canvas_->scene();
}

const GroupTree* GraphView::groupTree() const
{
    return stack_.empty() ? nullptr : stack_.back()->tree.get();
}

QStringList GraphView::breadcrumbs() const
{
    QStringList out;
    for (const auto& l : stack_)
        out << l->label;
    return out;
}

void GraphView::pushLevel(const Graph* graph, const QString& label)
{
    auto level = std::make_unique<Level>();
    level->graph = graph;
    level->label = label;
    level->tree = std::make_shared<GroupTree>(*graph);
    level->expanded = SceneBuilder::initialExpansion(*level->tree);
    stack_.push_back(std::move(level));
    rebuildBreadcrumbs();
    emit graphEntered(graph);
}

void GraphView::setDirection(LayoutDirection direction)
{
    if (direction == direction_)
        return;
    direction_ = direction;
    if (!stack_.empty())
        relayout(std::nullopt, false);
}

void GraphView::setGroupExpanded(int group, bool expanded)
{
    if (stack_.empty() || group <= 0 || static_cast<std::size_t>(group) >= stack_.back()->expanded.size())
        return;
    auto& level = *stack_.back();
    if (level.expanded[static_cast<std::size_t>(group)] == expanded)
        return;
    Anchor anchor;
    anchor.group = group;
    anchor.toFrame = expanded;
    const auto scene = canvas_->scene();
    if (scene) {
        // Keep the top centre of the group where it is on screen.
        for (const auto& it : scene->items)
            if (it.kind == Scene::ItemKind::CollapsedGroup && it.group == group)
                anchor.widgetPoint = canvas_->mapFromScene(QPointF(it.rect.center().x, it.rect.y));
        for (const auto& f : scene->frames)
            if (f.group == group)
                anchor.widgetPoint = canvas_->mapFromScene(QPointF(f.rect.center().x, f.rect.y));
    }
    level.expanded[static_cast<std::size_t>(group)] = expanded;
    if (!expanded) // closing a group closes what was open inside it
        for (std::size_t g = 0; g < level.expanded.size(); ++g)
            if (level.tree->isWithin(static_cast<int>(g), group) && static_cast<int>(g) != group)
                level.expanded[g] = false;
    relayout(anchor);
}

bool GraphView::isGroupExpanded(int group) const
{
    return !stack_.empty() && group >= 0 && static_cast<std::size_t>(group) < stack_.back()->expanded.size()
        && stack_.back()->expanded[static_cast<std::size_t>(group)];
}

void GraphView::expandAll()
{
    if (stack_.empty())
        return;
    stack_.back()->expanded = SceneBuilder::allExpanded(*stack_.back()->tree);
    relayout(std::nullopt, false);
}

void GraphView::collapseAll()
{
    if (stack_.empty())
        return;
    auto& e = stack_.back()->expanded;
    std::fill(e.begin(), e.end(), false);
    e[0] = true;
    relayout(std::nullopt, false);
}

std::vector<std::pair<QString, const Graph*>> GraphView::subgraphsOf(const Node& node, const Model* model)
{
    std::vector<std::pair<QString, const Graph*>> out;
    for (const auto& a : node.attributes)
        for (std::size_t k = 0; k < a.graphs.size(); ++k)
            if (a.graphs[k])
                out.emplace_back(
                    a.graphs.size() > 1 ? qs(a.name) + QStringLiteral("[%1]").arg(k) : qs(a.name), a.graphs[k].get());
    if (model)
        for (const auto& f : model->functions)
            if (f.graph && f.name == node.opType && f.domain == node.domain)
                out.emplace_back(tr("function %1").arg(qs(f.name)), f.graph.get());
    return out;
}

bool GraphView::enterSubgraph(const Node* node, int index)
{
    if (!node)
        return false;
    const auto subs = subgraphsOf(*node, model_.get());
    if (index < 0 || static_cast<std::size_t>(index) >= subs.size())
        return false;
    cancelLayout();
    const QString nodeLabel = node->name.empty() ? qs(node->opType) : qs(node->name);
    pushLevel(subs[static_cast<std::size_t>(index)].second,
        nodeLabel + QStringLiteral(" \u25b8 ") + subs[static_cast<std::size_t>(index)].first);
    selectedNode_ = 0;
    relayout(std::nullopt, false);
    return true;
}

void GraphView::goUp(int depth)
{
    if (depth < 0 || depth >= this->depth())
        return;
    cancelLayout();
    stack_.resize(static_cast<std::size_t>(depth) + 1);
    rebuildBreadcrumbs();
    emit graphEntered(stack_.back()->graph);
    selectedNode_ = 0;
    if (stack_.back()->scene)
        applyScene(stack_.back()->scene, std::nullopt, false);
    else
        relayout(std::nullopt, false);
}

void GraphView::revealNode(const Graph* graph, Id nodeId)
{
    if (!model_ || !graph)
        return;
    // Walk down from the main graph to the graph holding the node.
    std::vector<std::pair<const Node*, int>> path;
    if (!pathTo(*model_->graph, graph, model_.get(), path))
        return;
    bool sameChain = stack_.size() == path.size() + 1;
    for (std::size_t k = 0; sameChain && k < path.size(); ++k)
        sameChain = stack_[k + 1]->graph
            == GraphView::subgraphsOf(*path[k].first, model_.get())[static_cast<std::size_t>(path[k].second)].second;
    if (!sameChain) {
        cancelLayout();
        stack_.resize(1);
        for (const auto& [node, index] : path) {
            const auto subs = subgraphsOf(*node, model_.get());
            const QString nodeLabel = node->name.empty() ? qs(node->opType) : qs(node->name);
            pushLevel(subs[static_cast<std::size_t>(index)].second,
                nodeLabel + QStringLiteral(" \u25b8 ") + subs[static_cast<std::size_t>(index)].first);
        }
    }
    auto& level = *stack_.back();
    const Node* node = graph->nodeById(nodeId);
    if (!node)
        return;
    bool changed = !sameChain;
    for (int g : level.tree->chain(level.tree->groupOf(node)))
        if (!level.expanded[static_cast<std::size_t>(g)]) {
            level.expanded[static_cast<std::size_t>(g)] = true;
            changed = true;
        }
    if (changed) {
        pendingSelection_ = nodeId;
        relayout(std::nullopt, sameChain);
    } else {
        selectNodeItem(nodeId);
    }
}

void GraphView::revealValue(const Graph* graph, Id valueId)
{
    if (!graph)
        return;
    const Value* v = graph->valueById(valueId);
    if (!v)
        return;
    if (v->producer()) {
        revealNode(graph, v->producer()->id());
    } else if (!v->users().empty()) {
        revealNode(graph, v->users().front().node->id());
    }
    highlightValue(v);
    emit valueSelected(v);
}

const Node* GraphView::selectedNode() const
{
    return selectedNode_ ? nodeById(selectedNode_) : nullptr;
}

const Node* GraphView::nodeById(Id id) const
{
    const Graph* g = currentGraph();
    return g ? g->nodeById(id) : nullptr;
}

void GraphView::cancelLayout()
{
    if (cancel_)
        *cancel_ = true;
    cancel_.reset();
    ++generation_;
    if (layingOut_) {
        layingOut_ = false;
        emit layoutFinished(layoutTimer_.elapsed() / 1000.0, true, {});
    }
}

void GraphView::relayout(std::optional<Anchor> anchor, bool keepView)
{
    if (stack_.empty() || !cache_)
        return;
    cancelLayout();
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    cancel_ = cancel;
    const quint64 generation = generation_;
    Level& level = *stack_.back();
    const auto tree = level.tree;
    const auto expanded = level.expanded;
    const auto cache = cache_;
    const auto model = model_;
    SceneOptions options;
    options.direction = direction_;
    options.metadata = &FormatRegistry::instance().opMetadataFor(model_->format);
    if (!model_->functions.empty())
        options.enterable = [model](const Node& n) {
            for (const auto& f : model->functions)
                if (f.name == n.opType && f.domain == n.domain)
                    return true;
            return false;
        };
    layingOut_ = true;
    layoutTimer_.start();
    emit layoutStarted();
    // A cancelled run still finishing its current Graphviz job holds the
    // Graphviz lock; this run waits for it on the pool thread, not here.
    running_ = QtConcurrent::run([this, generation, tree, expanded, cache, model, options, cancel, anchor, keepView] {
        std::shared_ptr<Scene> scene;
        QString error;
        try {
            SceneBuilder builder(*tree, *cache, options);
            scene = builder.build(expanded, cancel.get(), [this, generation](std::size_t done, std::size_t total) {
                QMetaObject::invokeMethod(
                    this,
                    [this, generation, done, total] {
                        if (generation == generation_)
                            emit layoutProgress(static_cast<int>(done), static_cast<int>(total));
                    },
                    Qt::QueuedConnection);
            });
            if (scene)
                cache->save();
        } catch (const std::exception& e) {
            error = QString::fromLocal8Bit(e.what());
        }
        QMetaObject::invokeMethod(
            this,
            [this, generation, scene, error, anchor, keepView] {
                if (generation != generation_)
                    return;
                layingOut_ = false;
                const double seconds = layoutTimer_.elapsed() / 1000.0;
                if (!scene) {
                    emit layoutFinished(seconds, error.isEmpty(), error);
                    return;
                }
                stack_.back()->scene = scene;
                applyScene(scene, anchor, keepView);
                emit layoutFinished(seconds, false, {});
            },
            Qt::QueuedConnection);
    });
}

void GraphView::applyScene(std::shared_ptr<const Scene> scene, std::optional<Anchor> anchor, bool keepView)
{
    canvas_->setScene(scene, keepView || anchor.has_value());
    if (!keepView && !anchor && scene && canvas_->scale() < kReadableScale) {
        // Fitting a tall graph would make it unreadable: start at a scale
        // where text shows, at the inputs, as a reader starts at the top.
        canvas_->zoomTo(kReadableScale);
        const double visibleWidth = canvas_->width() / kReadableScale;
        const double visibleHeight = canvas_->height() / kReadableScale;
        // Horizontally on the first graph input, where reading starts.
        double x = scene->bounds.width < visibleWidth ? scene->bounds.center().x : scene->bounds.x + visibleWidth / 2;
        double top = scene->bounds.y;
        for (const auto& it : scene->items)
            if (it.kind == Scene::ItemKind::GraphInput) {
                x = it.rect.center().x;
                top = it.rect.y - 20;
                break;
            }
        canvas_->centerOnScenePoint(QPointF(x, top + visibleHeight / 2));
    }
    if (anchor && anchor->group >= 0) {
        std::optional<QPointF> target;
        if (anchor->toFrame) {
            for (const auto& f : scene->frames)
                if (f.group == anchor->group)
                    target = QPointF(f.rect.center().x, f.rect.y);
        } else {
            for (const auto& it : scene->items)
                if (it.kind == Scene::ItemKind::CollapsedGroup && it.group == anchor->group)
                    target = QPointF(it.rect.center().x, it.rect.y);
        }
        if (target) {
            const QPointF centre(canvas_->width() / 2.0, canvas_->height() / 2.0);
            canvas_->centerOnScenePoint(*target + (centre - anchor->widgetPoint) / canvas_->scale());
        }
    }
    if (pendingSelection_) {
        const Id id = *pendingSelection_;
        pendingSelection_.reset();
        selectNodeItem(id);
    } else if (selectedNode_) {
        const int item = itemFor(nodeById(selectedNode_));
        canvas_->setSelectedItem(item);
    }
}

void GraphView::selectNodeItem(Id nodeId)
{
    const Node* node = nodeById(nodeId);
    const int item = itemFor(node);
    if (item < 0)
        return;
    selectedNode_ = nodeId;
    canvas_->setSelectedItem(item);
    canvas_->centerOn(item);
    emit nodeSelected(node);
}

int GraphView::itemFor(const Node* node) const
{
    const auto scene = canvas_->scene();
    if (!node || !scene || stack_.empty())
        return -1;
    const int direct = scene->findItemByNode(node->id());
    if (direct >= 0)
        return direct;
    // Inside a collapsed group: the group's box stands for it.
    const GroupTree& tree = *stack_.back()->tree;
    const int g = tree.groupOf(node);
    for (std::size_t k = 0; k < scene->items.size(); ++k)
        if (scene->items[k].kind == Scene::ItemKind::CollapsedGroup && tree.isWithin(g, scene->items[k].group))
            return static_cast<int>(k);
    return -1;
}

void GraphView::highlightValue(const Value* value)
{
    const auto scene = canvas_->scene();
    if (!scene || !value)
        return;
    std::vector<int> items, edges;
    if (value->producer())
        items.push_back(itemFor(value->producer()));
    for (const auto& use : value->users())
        items.push_back(itemFor(use.node));
    for (std::size_t k = 0; k < scene->items.size(); ++k)
        if (scene->items[k].valueId == value->id())
            items.push_back(static_cast<int>(k));
    items.erase(std::remove(items.begin(), items.end(), -1), items.end());
    for (std::size_t k = 0; k < scene->edges.size(); ++k)
        if (scene->edges[k].valueId == value->id())
            edges.push_back(static_cast<int>(k));
    canvas_->setHighlight(std::move(items), std::move(edges));
}

void GraphView::onItemClicked(int index)
{
    const auto scene = canvas_->scene();
    if (!scene || index < 0 || static_cast<std::size_t>(index) >= scene->items.size())
        return;
    const auto& item = scene->items[static_cast<std::size_t>(index)];
    canvas_->setSelectedItem(index);
    switch (item.kind) {
    case Scene::ItemKind::Operation:
        if (const Node* node = nodeById(item.nodeId)) {
            selectedNode_ = node->id();
            canvas_->setHighlight({}, {});
            emit nodeSelected(node);
        }
        break;
    case Scene::ItemKind::GraphInput:
    case Scene::ItemKind::GraphOutput:
        if (const Value* v = currentGraph()->valueById(item.valueId)) {
            selectedNode_ = 0;
            highlightValue(v);
            emit valueSelected(v);
        }
        break;
    case Scene::ItemKind::CollapsedGroup:
        selectedNode_ = 0;
        canvas_->setHighlight({}, {});
        emit selectionCleared();
        break;
    }
}

void GraphView::onItemDoubleClicked(int index)
{
    const auto scene = canvas_->scene();
    if (!scene || index < 0 || static_cast<std::size_t>(index) >= scene->items.size())
        return;
    const auto& item = scene->items[static_cast<std::size_t>(index)];
    if (item.kind == Scene::ItemKind::CollapsedGroup) {
        setGroupExpanded(item.group, true);
        return;
    }
    if (item.kind != Scene::ItemKind::Operation || !item.hasSubgraphs)
        return;
    const Node* node = nodeById(item.nodeId);
    const auto subs = node ? subgraphsOf(*node, model_.get()) : decltype(subgraphsOf(*node)) {};
    if (subs.size() == 1) {
        enterSubgraph(node, 0);
        return;
    }
    QMenu menu(this);
    for (std::size_t k = 0; k < subs.size(); ++k)
        menu.addAction(
            tr("Enter %1").arg(subs[k].first), this, [this, node, k] { enterSubgraph(node, static_cast<int>(k)); });
    menu.exec(QCursor::pos());
}

void GraphView::onEdgeClicked(int index)
{
    const auto scene = canvas_->scene();
    if (!scene || index < 0 || static_cast<std::size_t>(index) >= scene->edges.size())
        return;
    const Value* v = currentGraph()->valueById(scene->edges[static_cast<std::size_t>(index)].valueId);
    if (!v)
        return;
    selectedNode_ = 0;
    canvas_->setSelectedItem(-1);
    highlightValue(v);
    emit valueSelected(v);
}

int GraphView::frameAt(QPointF widgetPoint) const
{
    const auto scene = canvas_->scene();
    if (!scene)
        return -1;
    const QPointF p = canvas_->mapToScene(widgetPoint);
    int best = -1, depth = -1;
    for (std::size_t k = 0; k < scene->frames.size(); ++k) {
        const auto& f = scene->frames[k];
        if (f.rect.contains({ p.x(), p.y() }) && f.depth > depth) {
            best = static_cast<int>(k);
            depth = f.depth;
        }
    }
    return best;
}

bool GraphView::eventFilter(QObject* watched, QEvent* event)
{
    // Double-clicking inside an open group (not on a box) closes it.
    if (watched == canvas_ && event->type() == QEvent::MouseButtonDblClick) {
        auto* e = static_cast<QMouseEvent*>(event);
        if (e->button() == Qt::LeftButton && canvas_->itemAt(e->position()) < 0) {
            const int frame = frameAt(e->position());
            if (frame >= 0) {
                setGroupExpanded(canvas_->scene()->frames[static_cast<std::size_t>(frame)].group, false);
                return true;
            }
        }
    }
    return QWidget::eventFilter(watched, event);
}

void GraphView::showContextMenu(const QPoint& pos)
{
    const auto scene = canvas_->scene();
    if (!scene)
        return;
    QMenu menu(this);
    const int index = canvas_->itemAt(pos);
    if (index >= 0) {
        const auto& item = scene->items[static_cast<std::size_t>(index)];
        if (item.kind == Scene::ItemKind::CollapsedGroup)
            menu.addAction(
                tr("Expand %1").arg(qs(item.title)), this, [this, g = item.group] { setGroupExpanded(g, true); });
        if (item.kind == Scene::ItemKind::Operation)
            if (const Node* node = nodeById(item.nodeId)) {
                const auto subs = subgraphsOf(*node, model_.get());
                for (std::size_t k = 0; k < subs.size(); ++k)
                    menu.addAction(tr("Enter %1").arg(subs[k].first), this,
                        [this, node, k] { enterSubgraph(node, static_cast<int>(k)); });
            }
    }
    const int frame = frameAt(pos);
    if (frame >= 0) {
        const auto& f = scene->frames[static_cast<std::size_t>(frame)];
        menu.addAction(tr("Collapse %1").arg(qs(f.label)), this, [this, g = f.group] { setGroupExpanded(g, false); });
    }
    if (!menu.isEmpty())
        menu.addSeparator();
    menu.addAction(tr("Expand All"), this, &GraphView::expandAll);
    menu.addAction(tr("Collapse All"), this, &GraphView::collapseAll);
    if (depth() > 0)
        menu.addAction(tr("Back to %1").arg(stack_[stack_.size() - 2]->label), this, [this] { goUp(depth() - 1); });
    menu.exec(canvas_->mapToGlobal(pos));
}

void GraphView::rebuildBreadcrumbs()
{
    while (QLayoutItem* item = crumbLayout_->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    crumbs_->setVisible(stack_.size() > 1);
    for (std::size_t k = 0; k < stack_.size(); ++k) {
        if (k) {
            auto* sep = new QLabel(QStringLiteral("\u203a"), crumbs_);
            crumbLayout_->addWidget(sep);
        }
        auto* b = new QToolButton(crumbs_);
        b->setText(stack_[k]->label);
        b->setAutoRaise(true);
        b->setEnabled(k + 1 < stack_.size());
        connect(b, &QToolButton::clicked, this, [this, k] { goUp(static_cast<int>(k)); });
        crumbLayout_->addWidget(b);
    }
    crumbLayout_->addStretch(1);
}

} // namespace nodus
