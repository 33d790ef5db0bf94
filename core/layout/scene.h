#pragma once

#include "geometry.h"

#include "ir/id.h"

#include <cstdint>
#include <string>
#include <vector>

namespace nodus {

// What the canvas draws: a flat, fully positioned picture of one graph at
// the current expansion state. Built by SceneBuilder (core/layout) from the
// IR graph and its GroupTree; the canvas only reads it.
struct Scene {
    enum class ItemKind {
        Operation,      // an IR node (nodeId set)
        CollapsedGroup, // a name scope / repeated block shown as one box (group set)
        GraphInput,     // a graph input (valueId set)
        GraphOutput,    // a graph output (valueId set)
    };

    struct Item {
        ItemKind kind = ItemKind::Operation;
        Id nodeId = 0;   // Operation
        Id valueId = 0;  // GraphInput / GraphOutput
        int group = -1;  // CollapsedGroup: index into GroupTree::groups
        Rect rect;
        std::string title;    // op type, group label, or value name
        std::string subtitle; // node name, "12 nodes", or the value's type
        std::string category; // op category from OpMetadata ("Layer", "Activation", ...); "" plain
        bool hasSubgraphs = false; // the node holds If/Loop/Scan bodies: can be entered
    };

    // An expanded group drawn as a frame around its content.
    struct Frame {
        int group = -1;
        Rect rect;
        std::string label;
        int depth = 0; // nesting depth, for shading
    };

    struct Edge {
        int from = -1;  // index into items
        int to = -1;    // index into items
        Id valueId = 0; // the IR value carried (first one when several are merged)
        int count = 1;  // values merged into this edge (edges between collapsed groups)
        // Cubic Bezier control points as Graphviz gives them: p0, c1, c2, p1, c1, c2, p2, ...
        // (1 + 3k points); the last point is where the arrowhead ends.
        std::vector<Point> path;
        std::string label; // tensor shape, e.g. "1x64x56x56"; empty when unknown
        Point labelPos;
    };

    std::vector<Item> items;
    std::vector<Frame> frames;
    std::vector<Edge> edges;
    Rect bounds;

    int findItemByNode(Id nodeId) const
    {
        for (std::size_t k = 0; k < items.size(); ++k)
            if (items[k].kind == ItemKind::Operation && items[k].nodeId == nodeId)
                return static_cast<int>(k);
        return -1;
    }
};

} // namespace nodus
