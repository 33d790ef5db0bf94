#pragma once

#include "ir/id.h"
#include "layout/layoutjob.h"

#include <QElapsedTimer>
#include <QFuture>
#include <QPointF>
#include <QWidget>

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

class QHBoxLayout;

namespace nodus {

class GraphCanvas;
class GroupTree;
class LayoutCache;
class Model;
class Graph;
class Node;
class Value;
struct Scene;

// The graph area of a document: a breadcrumb bar over the canvas, the
// expansion state of every group, navigation into subgraphs (If/Loop/Scan
// bodies, functions) and back, and layouts run off the GUI thread with
// progress and cancel. Selection is reported as IR objects, not scene
// indices, so panels never see layout details.
class GraphView : public QWidget {
    Q_OBJECT
public:
    explicit GraphView(QWidget* parent = nullptr);
    ~GraphView() override;

    void setModel(std::shared_ptr<const Model> model);
    // Shows the model again after an edit changed its graphs (names,
    // attributes, shapes, deleted nodes), keeping what can be kept: the
    // entered subgraph while it still exists, the open groups (by name
    // scope), the view, and the selected node while it exists (otherwise
    // selectionCleared()).
    void refreshModel();
    void clear();
    std::shared_ptr<const Model> model() const { return model_; }

    GraphCanvas* canvas() const { return canvas_; }
    const Graph* currentGraph() const;
    std::shared_ptr<const Scene> scene() const;
    const GroupTree* groupTree() const;
    // 0 = the main graph; each entered subgraph adds one.
    int depth() const { return static_cast<int>(stack_.size()) - 1; }
    QStringList breadcrumbs() const;

    LayoutDirection direction() const { return direction_; }
    void setDirection(LayoutDirection direction);

    void setGroupExpanded(int group, bool expanded);
    bool isGroupExpanded(int group) const;
    void expandAll();
    void collapseAll();

    // Graphs a node holds, in attribute order ("then_branch", "else_branch"),
    // then the model-local function it calls, if `model` has one by its
    // domain and op type.
    static std::vector<std::pair<QString, const Graph*>> subgraphsOf(const Node& node, const Model* model = nullptr);
    bool enterSubgraph(const Node* node, int index);
    void goUp(int depth);

    // Shows a node (or a value's producer) wherever it is: enters the
    // subgraph holding it, opens the groups around it, selects and centres it.
    void revealNode(const Graph* graph, Id nodeId);
    void revealValue(const Graph* graph, Id valueId);
    const Node* selectedNode() const;

    bool isLayingOut() const { return layingOut_; }
    void cancelLayout();

signals:
    void nodeSelected(const nodus::Node* node);
    void valueSelected(const nodus::Value* value);
    void selectionCleared();
    void graphEntered(const nodus::Graph* graph);
    void layoutStarted();
    void layoutProgress(int done, int total);
    void layoutFinished(double seconds, bool cancelled, const QString& error);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    struct Level;
    struct Anchor {
        int group = -1;
        bool toFrame = true; // expanding: anchor the new frame; collapsing: the new box
        QPointF widgetPoint; // where the anchored point was on screen
    };

    void pushLevel(const Graph* graph, const QString& label);
    void relayout(std::optional<Anchor> anchor = std::nullopt, bool keepView = true);
    void applyScene(std::shared_ptr<const Scene> scene, std::optional<Anchor> anchor, bool keepView);
    void rebuildBreadcrumbs();
    void onItemClicked(int item);
    void onItemDoubleClicked(int item);
    void onEdgeClicked(int edge);
    void showContextMenu(const QPoint& pos);
    int frameAt(QPointF widgetPoint) const;
    int itemFor(const Node* node) const;
    void highlightValue(const Value* value);
    void selectNodeItem(Id nodeId);
    const Node* nodeById(Id id) const;

    GraphCanvas* canvas_;
    QWidget* crumbs_;
    QHBoxLayout* crumbLayout_;
    std::shared_ptr<const Model> model_;
    std::shared_ptr<LayoutCache> cache_;
    std::vector<std::unique_ptr<Level>> stack_;
    LayoutDirection direction_ = LayoutDirection::TopToBottom;

    std::shared_ptr<std::atomic<bool>> cancel_;
    QFuture<void> running_;
    quint64 generation_ = 0;
    bool layingOut_ = false;
    QElapsedTimer layoutTimer_;
    std::optional<Id> pendingSelection_;
    Id selectedNode_ = 0;
};

} // namespace nodus
