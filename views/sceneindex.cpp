#include "sceneindex.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace nodus {

namespace {

// Cells per indexed thing: with one or two entries per cell a query visits
// little beyond what it returns, and the grid stays small.
constexpr double kThingsPerCell = 1.0;
constexpr int kMaxCells = 1 << 20;

Point cubicAt(const Point& a, const Point& b, const Point& c, const Point& d, double t)
{
    const double u = 1 - t;
    const double w0 = u * u * u, w1 = 3 * u * u * t, w2 = 3 * u * t * t, w3 = t * t * t;
    return { w0 * a.x + w1 * b.x + w2 * c.x + w3 * d.x, w0 * a.y + w1 * b.y + w2 * c.y + w3 * d.y };
}

double distanceToSegment(Point p, Point a, Point b)
{
    const double dx = b.x - a.x, dy = b.y - a.y;
    const double len2 = dx * dx + dy * dy;
    double t = len2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2 : 0;
    t = std::clamp(t, 0.0, 1.0);
    const double ex = a.x + t * dx - p.x, ey = a.y + t * dy - p.y;
    return std::sqrt(ex * ex + ey * ey);
}

double distanceToRect(Point p, const Rect& r)
{
    const double dx = std::max({ r.left() - p.x, 0.0, p.x - r.right() });
    const double dy = std::max({ r.top() - p.y, 0.0, p.y - r.bottom() });
    return std::sqrt(dx * dx + dy * dy);
}

Rect boundsOf(std::span<const Point> pts)
{
    if (pts.empty())
        return {};
    double l = pts[0].x, r = l, t = pts[0].y, b = t;
    for (const Point& p : pts) {
        l = std::min(l, p.x);
        r = std::max(r, p.x);
        t = std::min(t, p.y);
        b = std::max(b, p.y);
    }
    return { l, t, r - l, b - t };
}

// Turns (cell, id) pairs into compressed rows, one per cell, ids ascending.
void compress(std::vector<std::pair<int, int>>& pairs, int cells, std::vector<int>& start, std::vector<int>& ids)
{
    start.assign(static_cast<std::size_t>(cells) + 1, 0);
    for (const auto& [cell, id] : pairs)
        ++start[static_cast<std::size_t>(cell) + 1];
    for (int c = 0; c < cells; ++c)
        start[static_cast<std::size_t>(c) + 1] += start[static_cast<std::size_t>(c)];
    ids.resize(pairs.size());
    std::vector<int> fill(start.begin(), start.end() - 1);
    // Pairs come in ascending id order, so each cell's row ends up ascending.
    for (const auto& [cell, id] : pairs)
        ids[static_cast<std::size_t>(fill[static_cast<std::size_t>(cell)]++)] = id;
}

} // namespace

void SceneIndex::clear()
{
    *this = SceneIndex();
}

void SceneIndex::build(const Scene& scene)
{
    clear();
    const std::size_t itemCount = scene.items.size();
    const std::size_t edgeCount = scene.edges.size();

    itemRects_.reserve(itemCount);
    for (const auto& item : scene.items)
        itemRects_.push_back(item.rect);

    flatStart_.reserve(edgeCount + 1);
    edgeBounds_.reserve(edgeCount);
    for (const auto& edge : scene.edges) {
        flatStart_.push_back(static_cast<int>(flat_.size()));
        const auto& path = edge.path;
        if (path.size() >= 4 && path.size() % 3 == 1) {
            flat_.push_back(path[0]);
            for (std::size_t k = 0; k + 3 < path.size(); k += 3)
                for (int s = 1; s <= kSegmentsPerCubic; ++s)
                    flat_.push_back(cubicAt(
                        path[k], path[k + 1], path[k + 2], path[k + 3], static_cast<double>(s) / kSegmentsPerCubic));
        } else {
            // Not Graphviz's 1 + 3k shape: take the points as a polyline.
            flat_.insert(flat_.end(), path.begin(), path.end());
        }
        // The control points bound the curve; they also cover the arrowhead tip.
        edgeBounds_.push_back(boundsOf(path));
    }
    flatStart_.push_back(static_cast<int>(flat_.size()));

    bool any = false;
    auto grow = [&](const Rect& r) {
        bounds_ = any ? bounds_.united(r) : r;
        any = true;
    };
    for (const Rect& r : itemRects_)
        grow(r);
    for (const Rect& r : edgeBounds_)
        if (r.width > 0 || r.height > 0)
            grow(r);
    for (const auto& frame : scene.frames)
        grow(frame.rect);
    if (!any)
        bounds_ = scene.bounds;

    const double area = std::max(bounds_.width, 1.0) * std::max(bounds_.height, 1.0);
    const double things = std::max(1.0, static_cast<double>(itemCount + edgeCount) / kThingsPerCell);
    cellSize_ = std::max(std::sqrt(area / std::min(things, static_cast<double>(kMaxCells))), 8.0);
    cols_ = std::clamp(static_cast<int>(std::ceil(bounds_.width / cellSize_)), 1, kMaxCells);
    rows_ = std::clamp(static_cast<int>(std::ceil(bounds_.height / cellSize_)), 1, kMaxCells / cols_);
    const int cells = cols_ * rows_;

    std::vector<std::pair<int, int>> pairs;
    pairs.reserve(itemCount * 2);
    for (std::size_t i = 0; i < itemCount; ++i) {
        const CellRange c = cellsFor(itemRects_[i]);
        for (int y = c.y0; y <= c.y1; ++y)
            for (int x = c.x0; x <= c.x1; ++x)
                pairs.emplace_back(y * cols_ + x, static_cast<int>(i));
    }
    compress(pairs, cells, itemStart_, itemIds_);

    pairs.clear();
    std::vector<int> lastEdgeInCell(static_cast<std::size_t>(cells), -1);
    for (std::size_t e = 0; e < edgeCount; ++e) {
        const auto pts = polyline(static_cast<int>(e));
        for (std::size_t k = 0; k + 1 < pts.size() || (k == 0 && pts.size() == 1); ++k) {
            const Rect seg = pts.size() == 1 ? Rect { pts[0].x, pts[0].y, 0, 0 } : boundsOf(pts.subspan(k, 2));
            const CellRange c = cellsFor(seg);
            for (int y = c.y0; y <= c.y1; ++y)
                for (int x = c.x0; x <= c.x1; ++x) {
                    int& last = lastEdgeInCell[static_cast<std::size_t>(y * cols_ + x)];
                    if (last != static_cast<int>(e)) {
                        last = static_cast<int>(e);
                        pairs.emplace_back(y * cols_ + x, static_cast<int>(e));
                    }
                }
        }
    }
    compress(pairs, cells, edgeStart_, edgeIds_);

    itemStamp_.assign(itemCount, 0);
    edgeStamp_.assign(edgeCount, 0);
}

SceneIndex::CellRange SceneIndex::cellsFor(const Rect& r) const
{
    auto cx
        = [&](double x) { return std::clamp(static_cast<int>(std::floor((x - bounds_.x) / cellSize_)), 0, cols_ - 1); };
    auto cy
        = [&](double y) { return std::clamp(static_cast<int>(std::floor((y - bounds_.y) / cellSize_)), 0, rows_ - 1); };
    return { cx(r.left()), cy(r.top()), cx(r.right()), cy(r.bottom()) };
}

std::uint32_t SceneIndex::nextEpoch() const
{
    // Two values per query: "seen" and "seen and accepted".
    if (epoch_ >= std::numeric_limits<std::uint32_t>::max() - 2) {
        std::fill(itemStamp_.begin(), itemStamp_.end(), 0);
        std::fill(edgeStamp_.begin(), edgeStamp_.end(), 0);
        epoch_ = 0;
    }
    epoch_ += 2;
    return epoch_;
}

template <typename Test>
void SceneIndex::collect(const CellRange& range, const std::vector<int>& start, const std::vector<int>& ids,
    std::vector<std::uint32_t>& stamps, int count, Test test, std::vector<int>& out) const
{
    out.clear();
    if (count == 0 || cols_ == 0)
        return;
    const long long cellsInRange = static_cast<long long>(range.x1 - range.x0 + 1) * (range.y1 - range.y0 + 1);
    // A view that covers most of the scene is cheaper to answer by a plain
    // scan, which also gives ascending order for free.
    if (cellsInRange * 2 >= static_cast<long long>(cols_) * rows_) {
        for (int id = 0; id < count; ++id)
            if (test(id))
                out.push_back(id);
        return;
    }
    const std::uint32_t seen = nextEpoch(), accepted = seen + 1;
    for (int y = range.y0; y <= range.y1; ++y) {
        const int row = y * cols_;
        for (int c = row + range.x0; c <= row + range.x1; ++c) {
            for (int k = start[static_cast<std::size_t>(c)]; k < start[static_cast<std::size_t>(c) + 1]; ++k) {
                const int id = ids[static_cast<std::size_t>(k)];
                std::uint32_t& stamp = stamps[static_cast<std::size_t>(id)];
                if (stamp == seen || stamp == accepted)
                    continue;
                stamp = test(id) ? accepted : seen;
                if (stamp == accepted)
                    out.push_back(id);
            }
        }
    }
    // Drawing order must not depend on the grid: later items draw on top.
    if (out.size() * 16 > static_cast<std::size_t>(count)) {
        out.clear();
        for (int id = 0; id < count; ++id)
            if (stamps[static_cast<std::size_t>(id)] == accepted)
                out.push_back(id);
    } else {
        std::sort(out.begin(), out.end());
    }
}

void SceneIndex::queryItems(const Rect& area, std::vector<int>& out) const
{
    collect(
        cellsFor(area), itemStart_, itemIds_, itemStamp_, itemCount(),
        [&](int id) { return itemRects_[static_cast<std::size_t>(id)].intersects(area); }, out);
}

void SceneIndex::queryEdges(const Rect& area, std::vector<int>& out) const
{
    collect(
        cellsFor(area), edgeStart_, edgeIds_, edgeStamp_, edgeCount(),
        [&](int id) { return edgeBounds_[static_cast<std::size_t>(id)].intersects(area); }, out);
}

std::span<const Point> SceneIndex::polyline(int edge) const
{
    const auto b = static_cast<std::size_t>(flatStart_[static_cast<std::size_t>(edge)]);
    const auto e = static_cast<std::size_t>(flatStart_[static_cast<std::size_t>(edge) + 1]);
    return std::span<const Point>(flat_).subspan(b, e - b);
}

int SceneIndex::itemAt(Point p, double tolerance) const
{
    std::vector<int> candidates;
    queryItems({ p.x - tolerance, p.y - tolerance, 2 * tolerance, 2 * tolerance }, candidates);
    int best = -1;
    double bestDistance = std::numeric_limits<double>::max();
    for (int id : candidates) {
        const double d = distanceToRect(p, itemRects_[static_cast<std::size_t>(id)]);
        // Ties (overlapping items, both containing p) go to the later one, drawn on top.
        if (d <= tolerance && d <= bestDistance) {
            best = id;
            bestDistance = d;
        }
    }
    return best;
}

int SceneIndex::edgeAt(Point p, double tolerance) const
{
    std::vector<int> candidates;
    queryEdges({ p.x - tolerance, p.y - tolerance, 2 * tolerance, 2 * tolerance }, candidates);
    int best = -1;
    double bestDistance = tolerance;
    for (int id : candidates) {
        const auto pts = polyline(id);
        for (std::size_t k = 0; k + 1 < pts.size(); ++k) {
            const double d = distanceToSegment(p, pts[k], pts[k + 1]);
            if (d <= bestDistance) {
                best = id;
                bestDistance = d;
            }
        }
    }
    return best;
}

} // namespace nodus
