#pragma once

#include "id.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace nodus {

class Graph;

enum class SearchMode {
    Text, // case-insensitive substring of names and op types
    OpType, // op type equal to the query, ignoring case
    Regex, // ECMAScript regular expression, ignoring case, anywhere in names and op types
};

// One match. `id` is the node's id, or the value's id (for a Tensor hit,
// the id of the value the initializer feeds) so a view can select it on the
// canvas; `graph` is the graph that owns it.
struct SearchHit {
    enum Kind { Node, Value, Tensor };
    Kind kind = Node;
    Id id = 0;
    const Graph* graph = nullptr;
    std::string name; // node, value or tensor name as stored (nodes may be unnamed)
    std::string detail; // op type for nodes, type text for tensors and values ("from Conv" when unknown)
    std::string graphPath; // "" for the searched graph, "If_0/then_branch" inside a body
};

// Nodes, values and stored tensors of `graph` and of every subgraph under
// it, in graph order (the graph itself first, then its bodies depth first),
// at most `limit` of them. A value that is an initializer is reported once,
// as a Tensor. An empty query finds nothing. Throws nodus::Error with the
// reason when a Regex query does not compile.
std::vector<SearchHit> searchGraph(
    const Graph& graph, std::string_view query, SearchMode mode, std::size_t limit = 1000);

// The segment a node contributes to a graphPath: its name, or for an
// unnamed node its op type and position ("If_3"), so a path stays readable.
std::string graphPathSegment(const Graph& graph, std::size_t nodeIndex);

} // namespace nodus
