#pragma once

#include "grouptree.h"
#include "layoutcache.h"
#include "layoutjob.h"
#include "scene.h"

#include <atomic>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

namespace nodus {

class Graph;
class OpMetadata;

struct SceneOptions {
    LayoutDirection direction = LayoutDirection::TopToBottom;
    bool shapeLabels = true; // tensor shapes on edges where known
    // Nodes that can be entered besides those holding graph attributes
    // (calls of model-local functions).
    std::function<bool(const Node&)> enterable;
    // Where op categories (colours) come from; null means ONNX's.
    const OpMetadata* metadata = nullptr;
};

// Lays out a graph at a given expansion state and produces the Scene the
// canvas draws. Each expanded group is laid out on its own (one dot run per
// distinct group structure: repeated layers share one), groups at the same
// depth run in parallel, and results are cached by job hash so expanding
// or collapsing one group, or reopening the model, reuses everything else.
class SceneBuilder {
public:
    using Progress = std::function<void(std::size_t done, std::size_t total)>;

    SceneBuilder(const GroupTree& tree, LayoutCache& cache, SceneOptions options = {});

    // expanded[g] says whether group g is open; the root is always open.
    // Returns nullptr when cancelled.
    std::shared_ptr<Scene> build(const std::vector<bool>& expanded, const std::atomic<bool>* cancel = nullptr,
                                 const Progress& progress = {});

    // The first picture: open groups breadth first while the number of
    // boxes on screen stays within `budget`, so small models show whole and
    // big ones start as an overview.
    static std::vector<bool> initialExpansion(const GroupTree& tree, std::size_t budget = 150);
    static std::vector<bool> allExpanded(const GroupTree& tree);

    std::size_t graphvizRuns() const { return graphvizRuns_; }

private:
    struct Level;
    void prepareLevel(Level& level, const std::vector<bool>& expanded);
    void place(const Level& level, Point origin, Scene& scene) const;

    const GroupTree& tree_;
    LayoutCache& cache_;
    SceneOptions options_;
    std::size_t graphvizRuns_ = 0;
    std::unordered_map<const Node*, std::size_t> order_; // file (topological) order
};

} // namespace nodus
