#pragma once

#include <algorithm>

namespace nodus {

// Scene coordinates are in device-independent pixels at 100 % zoom.
struct Point {
    double x = 0;
    double y = 0;
    bool operator==(const Point&) const = default;
};

struct Rect {
    double x = 0;
    double y = 0;
    double width = 0;
    double height = 0;

    double left() const { return x; }
    double top() const { return y; }
    double right() const { return x + width; }
    double bottom() const { return y + height; }
    Point center() const { return {x + width / 2, y + height / 2}; }
    bool contains(Point p) const { return p.x >= x && p.x <= right() && p.y >= y && p.y <= bottom(); }
    bool intersects(const Rect& r) const
    {
        return x <= r.right() && r.x <= right() && y <= r.bottom() && r.y <= bottom();
    }
    Rect united(const Rect& r) const
    {
        const double l = std::min(x, r.x), t = std::min(y, r.y);
        return {l, t, std::max(right(), r.right()) - l, std::max(bottom(), r.bottom()) - t};
    }
    Rect translated(double dx, double dy) const { return {x + dx, y + dy, width, height}; }
    bool operator==(const Rect&) const = default;
};

} // namespace nodus
