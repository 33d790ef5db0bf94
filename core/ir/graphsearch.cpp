#include "graphsearch.h"

#include "graph.h"
#include "util/error.h"

#include <algorithm>
#include <regex>

namespace nodus {

namespace {

char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

std::string lowered(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), lower);
    return out;
}

bool equalsIgnoringCase(std::string_view a, std::string_view b)
{
    return a.size() == b.size()
        && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

bool containsIgnoringCase(std::string_view text, std::string_view loweredNeedle)
{
    if (loweredNeedle.size() > text.size())
        return false;
    const auto it = std::search(text.begin(), text.end(), loweredNeedle.begin(), loweredNeedle.end(),
        [](char x, char y) { return lower(x) == y; });
    return it != text.end();
}

std::string_view trimmed(std::string_view s)
{
    const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!s.empty() && space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && space(s.back()))
        s.remove_suffix(1);
    return s;
}

std::string tensorDetail(const Tensor& t)
{
    std::string out = (t.isSparse() ? "sparse " : "") + std::string(dataTypeName(t.dataType)) + "[";
    for (std::size_t k = 0; k < t.dims.size(); ++k)
        out += (k ? "," : "") + std::to_string(t.dims[k]);
    return out + "]";
}

// Most exporters leave intermediate types out; "?" alone tells nothing,
// where the value comes from does.
std::string valueDetail(const Graph& graph, const Value& value)
{
    if (value.type.kind != ValueType::Kind::Unknown)
        return value.type.toString();
    if (value.producer())
        return "from " + value.producer()->opType;
    return graph.isInput(&value) ? "graph input" : "?";
}

class Searcher {
public:
    Searcher(std::string_view query, SearchMode mode, std::size_t limit)
        : mode_(mode)
        , limit_(limit)
    {
        if (mode == SearchMode::Regex) {
            try {
                regex_ = std::regex(std::string(query), std::regex::ECMAScript | std::regex::icase);
            } catch (const std::regex_error& e) {
                throw Error("invalid regular expression: " + std::string(e.what()));
            }
        } else {
            query_ = lowered(trimmed(query));
        }
    }

    bool full() const { return hits_.size() >= limit_; }

    void searchGraph(const Graph& graph, const std::string& path)
    {
        const auto& nodes = graph.nodes();
        for (const auto& node : nodes) {
            if (full())
                return;
            const bool match = mode_ == SearchMode::OpType ? equalsIgnoringCase(node->opType, query_)
                                                           : matches(node->name) || matches(node->opType);
            if (match)
                add(SearchHit::Node, node->id(), graph, node->name, node->opType, path);
        }
        if (mode_ != SearchMode::OpType) {
            for (const auto& value : graph.values()) {
                if (full())
                    return;
                // Initializers come once, as tensors; captured outer values
                // belong to (and are found in) the graph that defines them.
                if (value->initializer || value->fromOuterScope || value->name().empty())
                    continue;
                if (matches(value->name()))
                    add(SearchHit::Value, value->id(), graph, value->name(), valueDetail(graph, *value), path);
            }
            for (const auto& tensor : graph.initializers) {
                if (full())
                    return;
                if (!tensor || !matches(tensor->name))
                    continue;
                const Value* value = graph.findValue(tensor->name);
                add(SearchHit::Tensor, value ? value->id() : tensor->id, graph, tensor->name, tensorDetail(*tensor),
                    path);
            }
        }
        for (std::size_t k = 0; k < nodes.size(); ++k) {
            const std::string prefix = (path.empty() ? std::string() : path + "/") + graphPathSegment(graph, k);
            for (const auto& attr : nodes[k]->attributes) {
                for (std::size_t g = 0; g < attr.graphs.size(); ++g) {
                    if (full())
                        return;
                    if (!attr.graphs[g])
                        continue;
                    std::string sub = prefix + "/" + attr.name;
                    if (attr.graphs.size() > 1)
                        sub += "[" + std::to_string(g) + "]";
                    searchGraph(*attr.graphs[g], sub);
                }
            }
        }
    }

    std::vector<SearchHit> take() { return std::move(hits_); }

private:
    bool matches(std::string_view text) const
    {
        if (text.empty())
            return false;
        if (mode_ == SearchMode::Regex)
            return std::regex_search(text.begin(), text.end(), regex_);
        return containsIgnoringCase(text, query_);
    }

    void add(SearchHit::Kind kind, Id id, const Graph& graph, const std::string& name, std::string detail,
        const std::string& path)
    {
        hits_.push_back(SearchHit { kind, id, &graph, name, std::move(detail), path });
    }

    SearchMode mode_;
    std::size_t limit_;
    std::string query_;
    std::regex regex_;
    std::vector<SearchHit> hits_;
};

} // namespace

std::string graphPathSegment(const Graph& graph, std::size_t nodeIndex)
{
    const Node& node = *graph.nodes().at(nodeIndex);
    if (!node.name.empty())
        return node.name;
    return node.opType + "_" + std::to_string(nodeIndex);
}

std::vector<SearchHit> searchGraph(const Graph& graph, std::string_view query, SearchMode mode, std::size_t limit)
{
    // Compile first so a bad regex is reported even for an empty graph.
    Searcher searcher(query, mode, limit);
    if (limit == 0 || (mode != SearchMode::Regex && trimmed(query).empty()) || query.empty())
        return {};
    searcher.searchGraph(graph, std::string());
    return searcher.take();
}

} // namespace nodus
