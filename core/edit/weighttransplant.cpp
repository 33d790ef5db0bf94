#include "weighttransplant.h"

#include "ir/model.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace nodus {

namespace {

std::string shapeText(const Tensor& t)
{
    std::string s = std::string(dataTypeName(t.dataType)) + "[";
    for (std::size_t k = 0; k < t.dims.size(); ++k)
        s += (k ? "," : "") + std::to_string(t.dims[k]);
    return s + "]";
}

} // namespace

std::string canonicalWeightName(std::string name)
{
    // TensorFlow names a tensor by its op's output: "dense/kernel:0".
    if (const auto colon = name.rfind(':'); colon != std::string::npos && colon + 1 < name.size()
        && std::all_of(name.begin() + static_cast<std::ptrdiff_t>(colon) + 1, name.end(),
            [](char c) { return c >= '0' && c <= '9'; }))
        name.resize(colon);
    // MindIR qualifies a parameter with its graph: "construct_wrapper.4:fc.weight".
    if (const auto colon = name.rfind(':'); colon != std::string::npos)
        name.erase(0, colon + 1);
    for (;;) {
        if (name.starts_with("module."))
            name.erase(0, 7);
        else if (name.starts_with("model."))
            name.erase(0, 6);
        else
            return name;
    }
}

std::string TransplantReport::summary() const
{
    const std::size_t skipped = notLoaded.size() + mismatches.size();
    std::string s = "applied " + std::to_string(applied ? loaded.size() : 0) + ", skipped "
        + std::to_string(applied ? skipped : loaded.size() + skipped);
    std::vector<std::string> why;
    if (!notLoaded.empty())
        why.push_back(std::to_string(notLoaded.size()) + " not in the weights");
    if (!mismatches.empty())
        why.push_back(std::to_string(mismatches.size()) + " mismatched");
    if (!applied && !loaded.empty())
        why.push_back(std::to_string(loaded.size()) + " held back by the mismatches");
    for (std::size_t k = 0; k < why.size(); ++k)
        s += (k ? ", " : " (") + why[k] + (k + 1 == why.size() ? ")" : "");
    return s;
}

WeightTransplant::WeightTransplant(Model& target, const Model& weights, bool skipMismatches)
    : skipMismatches_(skipMismatches)
{
    std::unordered_map<std::string, std::shared_ptr<Tensor>> source;
    std::unordered_map<std::string, std::vector<std::string>> byCanonical;
    std::vector<std::string> sourceOrder;
    if (weights.graph)
        for (const auto& t : weights.graph->initializers)
            if (source.emplace(t->name, t).second) {
                sourceOrder.push_back(t->name);
                byCanonical[canonicalWeightName(t->name)].push_back(t->name);
            }

    std::unordered_set<std::string> used;
    // Per target tensor: the entry it takes, or why it takes none.
    std::unordered_map<const Tensor*, std::string> entryOf, problemOf;
    if (target.graph) {
        // Exact names first, so a tolerated match never takes an entry
        // another parameter names exactly.
        for (const auto& t : target.graph->initializers)
            if (source.count(t->name) && used.insert(t->name).second)
                entryOf[t.get()] = t->name;
        for (const auto& t : target.graph->initializers) {
            if (entryOf.count(t.get()))
                continue;
            std::vector<std::string> candidates;
            if (auto it = byCanonical.find(canonicalWeightName(t->name)); it != byCanonical.end())
                for (const auto& name : it->second)
                    if (!used.count(name))
                        candidates.push_back(name);
            if (candidates.size() > 1) {
                std::string list;
                for (const auto& c : candidates)
                    list += (list.empty() ? "'" : ", '") + c + "'";
                problemOf[t.get()] = t->name + ": several weights match it (" + list + ")";
            } else if (candidates.size() == 1) {
                used.insert(candidates.front());
                report_.renamed.emplace_back(t->name, candidates.front());
                entryOf[t.get()] = candidates.front();
            }
        }
        for (const auto& t : target.graph->initializers) {
            if (auto p = problemOf.find(t.get()); p != problemOf.end()) {
                report_.mismatches.push_back(p->second);
                continue;
            }
            auto e = entryOf.find(t.get());
            if (e == entryOf.end()) {
                report_.notLoaded.push_back(t->name);
                continue;
            }
            const Tensor& w = *source.at(e->second);
            if (w.dataType != t->dataType || w.dims != t->dims) {
                report_.mismatches.push_back(t->name + ": the model has " + shapeText(*t) + ", the weights have "
                    + shapeText(w) + (w.name != t->name ? " ('" + w.name + "')" : ""));
                continue;
            }
            if (w.dataType == DataType::String || !w.data) {
                report_.mismatches.push_back(t->name + ": the weight entry holds no tensor data");
                continue;
            }
            report_.loaded.push_back(t->name);
            changes_.push_back({ t, t->data, w.data });
        }
    }
    for (const auto& name : sourceOrder)
        if (!used.count(name))
            report_.unused.push_back(name);
}

void WeightTransplant::apply()
{
    if (!report_.mismatches.empty() && !skipMismatches_)
        return;
    for (auto& c : changes_)
        c.tensor->data = c.after;
    report_.applied = true;
}

void WeightTransplant::revert()
{
    if (!report_.applied)
        return;
    for (auto& c : changes_)
        c.tensor->data = c.before;
    report_.applied = false;
}

TransplantReport applyWeights(Model& target, const Model& weights, bool skipMismatches)
{
    WeightTransplant transplant(target, weights, skipMismatches);
    transplant.apply();
    return transplant.report();
}

} // namespace nodus
