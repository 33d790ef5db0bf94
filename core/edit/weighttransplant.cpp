#include "weighttransplant.h"

#include "ir/model.h"

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

// MindIR qualifies a parameter with its graph: "construct_wrapper.4:fc.weight".
std::string unqualified(const std::string& name)
{
    const auto colon = name.find(':');
    return colon == std::string::npos ? name : name.substr(colon + 1);
}

} // namespace

WeightTransplant::WeightTransplant(Model& target, const Model& weights)
{
    std::unordered_map<std::string, std::shared_ptr<Tensor>> source;
    std::vector<std::string> sourceOrder;
    if (weights.graph)
        for (const auto& t : weights.graph->initializers)
            if (source.emplace(t->name, t).second)
                sourceOrder.push_back(t->name);

    std::unordered_set<std::string> used;
    if (target.graph) {
        for (const auto& t : target.graph->initializers) {
            auto it = source.find(t->name);
            if (it == source.end())
                it = source.find(unqualified(t->name));
            if (it == source.end()) {
                report_.notLoaded.push_back(t->name);
                continue;
            }
            used.insert(it->first);
            const Tensor& w = *it->second;
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
    if (!report_.mismatches.empty())
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

TransplantReport applyWeights(Model& target, const Model& weights)
{
    WeightTransplant transplant(target, weights);
    transplant.apply();
    return transplant.report();
}

} // namespace nodus
