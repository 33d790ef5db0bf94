#pragma once

#include "ir/id.h"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace nodus {

class Graph;
class Node;

// The nodes of one graph organised into nested groups, so a big model is
// first shown as a handful of boxes and laid out one group at a time:
//  - name scopes: "/encoder/layer.3/attn/MatMul" lies in encoder > layer.3 > attn
//    ("encoder.layer.3.attn.matmul" too: numeric parts stay with their parent);
//  - nodes that only feed weights (Constant, Identity of an initializer)
//    join the group of their users;
//  - long flat runs of unscoped nodes are cut, in topological order, into
//    parts of at most kMaxPart nodes, so no single layout run is huge.
// Group 0 is the root (the whole graph). Each group records a structural
// hash: groups with equal hashes (repeated transformer layers, ResNet
// blocks) have identical insides and share one layout.
class GroupTree {
public:
    static constexpr std::size_t kMaxPart = 250;

    struct Group {
        std::string path;  // "encoder/layer.3"; "" for the root
        std::string label; // last part: "layer.3"
        int parent = -1;
        std::vector<int> children;    // child groups, in order of first node
        std::vector<Node*> nodes;     // nodes directly in this group
        std::size_t totalNodes = 0;   // in this group and all below
        std::uint64_t structureHash = 0;
        int depth = 0;
    };

    explicit GroupTree(const Graph& graph);

    const std::vector<Group>& groups() const { return groups_; }
    const Group& group(int index) const { return groups_.at(static_cast<std::size_t>(index)); }
    const Graph& graph() const { return graph_; }
    // Innermost group holding the node.
    int groupOf(const Node* node) const;
    // Is `group` the same as, or inside, `ancestor`?
    bool isWithin(int group, int ancestor) const;
    // Groups from the root down to and including `group`.
    std::vector<int> chain(int group) const;
    // Structure hash of the whole graph: the key of its on-disk layout cache.
    std::uint64_t graphHash() const { return groups_.front().structureHash; }

private:
    int addGroup(const std::string& path, const std::string& label, int parent);
    void splitLongRuns(int group);
    void moveConstantsToTheirUsers();
    void computeTotals();
    void computeHashes();

    const Graph& graph_;
    std::vector<Group> groups_;
    std::unordered_map<const Node*, int> groupOf_;
};

// The scope parts of a node name, outermost first (without the node's own
// last part).
std::vector<std::string> scopeOf(const std::string& nodeName);

} // namespace nodus
