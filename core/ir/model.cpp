#include "model.h"

namespace nodus {

Model::Model()
    : graph(std::make_shared<Graph>())
{
}

std::size_t Model::tensorCount() const
{
    return graph ? graph->initializers.size() : 0;
}

std::uint64_t Model::parameterCount() const
{
    std::uint64_t total = 0;
    if (!graph)
        return 0;
    for (const auto& t : graph->initializers)
        if (auto n = t->elementCount())
            total += *n;
    return total;
}

} // namespace nodus
