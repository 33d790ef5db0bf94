#pragma once

#include "layout/scene.h"

#include <cstdint>
#include <span>
#include <vector>

namespace nodus {

// A uniform grid over a Scene's items and edges, so drawing and hit-testing
// touch only what is near the view or the cursor: a 20,000-node scene must
// repaint within a frame. Edges are indexed by their flattened Bezier path,
// not by their bounding box, so a long edge does not fill every cell it spans.
//
// Queries reuse internal scratch space: an index is not safe to query from
// two threads at once.
class SceneIndex {
public:
    void build(const Scene& scene);
    void clear();

    // Items whose rect intersects `area`, in ascending index order.
    void queryItems(const Rect& area, std::vector<int>& out) const;
    // Edges whose flattened path may pass through `area`, in ascending order.
    void queryEdges(const Rect& area, std::vector<int>& out) const;

    // The topmost item containing `p`; failing that, the nearest item within
    // `tolerance` (so tiny boxes at low zoom can still be clicked); else -1.
    int itemAt(Point p, double tolerance = 0) const;
    // The edge whose flattened path is nearest to `p` within `tolerance`, or -1.
    int edgeAt(Point p, double tolerance) const;

    std::span<const Point> polyline(int edge) const;
    const Rect& edgeBounds(int edge) const { return edgeBounds_[static_cast<std::size_t>(edge)]; }
    // Everything in the scene: items, frames and edge paths.
    const Rect& bounds() const { return bounds_; }
    int itemCount() const { return static_cast<int>(itemRects_.size()); }
    int edgeCount() const { return static_cast<int>(edgeBounds_.size()); }

    // Points a cubic Bezier segment is flattened into for hit-testing.
    static constexpr int kSegmentsPerCubic = 8;

private:
    struct CellRange {
        int x0, y0, x1, y1;
    };
    CellRange cellsFor(const Rect& r) const;
    // Collects the ids listed in the cells of `range` whose `rect` test passes, once each.
    template <typename Test>
    void collect(const CellRange& range, const std::vector<int>& start, const std::vector<int>& ids,
        std::vector<std::uint32_t>& stamps, int count, Test test, std::vector<int>& out) const;
    std::uint32_t nextEpoch() const;

    Rect bounds_;
    double cellSize_ = 1;
    int cols_ = 0;
    int rows_ = 0;
    std::vector<Rect> itemRects_;
    std::vector<Rect> edgeBounds_;
    std::vector<Point> flat_; // every edge's flattened path, back to back
    std::vector<int> flatStart_; // edge k's points are flat_[flatStart_[k] .. flatStart_[k+1])
    // Per cell, the items (and edges) touching it, as compressed rows: cell c
    // lists ids[start[c] .. start[c+1]).
    std::vector<int> itemStart_, itemIds_;
    std::vector<int> edgeStart_, edgeIds_;
    mutable std::vector<std::uint32_t> itemStamp_, edgeStamp_;
    mutable std::uint32_t epoch_ = 0;
};

} // namespace nodus
