#pragma once

#include "geometry.h"

#include <cstdint>
#include <string>
#include <vector>

namespace nodus {

enum class LayoutDirection { TopToBottom, LeftToRight };

// One Graphviz dot run: boxes of given sizes and the edges between them.
// Node i of the input is node i of the output.
struct LayoutJob {
    struct Box {
        double width = 0;
        double height = 0;
    };
    struct Link {
        int from = 0;
        int to = 0;
    };
    std::vector<Box> boxes;
    std::vector<Link> links;
    LayoutDirection direction = LayoutDirection::TopToBottom;

    // Identifies the job for the layout caches (memory and disk).
    std::uint64_t hash() const;
};

struct LayoutResult {
    std::vector<Point> centers;           // per box
    std::vector<std::vector<Point>> paths; // per link: Bezier control points, 1 + 3k
    double width = 0;
    double height = 0;

    std::string serialize() const;
    // Returns false on malformed bytes (a corrupt cache file is ignored).
    bool deserialize(const std::string& bytes, std::size_t& pos);
};

} // namespace nodus
