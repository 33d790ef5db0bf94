#include "modelsummary.h"

#include "model.h"

#include <set>

namespace nodus {

ModelSummary ModelSummary::of(const Model& model)
{
    ModelSummary s;
    s.format = model.format;
    s.producer = model.producerName;
    s.producerVersion = model.producerVersion;
    s.irVersion = model.irVersion.value_or(0);
    for (const auto& [domain, version] : model.opsets)
        s.opsets[domain.empty() ? std::string("ai.onnx") : domain] = version;
    s.functions = model.functions.size();
    s.tensors = model.tensorCount();
    s.parameters = model.parameterCount();
    if (const Graph* g = model.graph.get()) {
        s.graphName = g->name;
        s.nodes = g->nodes().size();
        s.inputs = g->realInputs().size();
        s.outputs = g->outputs.size();
        s.subgraphs = g->subgraphCount();
        std::set<std::string> ops;
        for (const auto& n : g->nodes())
            ops.insert(n->opType);
        s.opTypes.assign(ops.begin(), ops.end());
    }
    return s;
}

} // namespace nodus
