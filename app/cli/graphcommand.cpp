#include "commands.h"

#include "formats/formatregistry.h"
#include "ir/model.h"

#include <iostream>

namespace nodus::cli {

namespace {

std::string valueLabel(const Value* v)
{
    if (!v)
        return "<none>";
    std::string s = v->name();
    if (v->type.kind != ValueType::Kind::Unknown)
        s += ": " + v->type.toString();
    return s;
}

void printGraph(const Graph& graph, const std::string& indent, bool subgraphs, std::ostream& out)
{
    out << indent << "graph '" << graph.name << "'\n";
    for (const Value* v : graph.inputs)
        out << indent << "  input  " << valueLabel(v) << (v->initializer ? " (stored)" : "") << '\n';
    for (const auto& t : graph.initializers) {
        out << indent << "  tensor " << t->name << ": " << dataTypeName(t->dataType) << '[';
        for (std::size_t k = 0; k < t->dims.size(); ++k)
            out << (k ? "," : "") << t->dims[k];
        out << "]\n";
    }
    for (const auto& node : graph.nodes()) {
        out << indent << "  ";
        for (std::size_t k = 0; k < node->outputs().size(); ++k)
            out << (k ? ", " : "") << valueLabel(node->outputs()[k]);
        out << " = " << (node->domain.empty() ? "" : node->domain + "::") << node->opType;
        if (!node->name.empty())
            out << " '" << node->name << "'";
        out << '(';
        for (std::size_t k = 0; k < node->inputs().size(); ++k)
            out << (k ? ", " : "") << (node->inputs()[k] ? node->inputs()[k]->name() : "<none>");
        out << ')';
        if (!node->attributes.empty()) {
            out << " {";
            for (std::size_t k = 0; k < node->attributes.size(); ++k)
                out << (k ? ", " : "") << node->attributes[k].name << '=' << node->attributes[k].valueText();
            out << '}';
        }
        out << '\n';
        if (subgraphs)
            for (const auto& a : node->attributes)
                for (const auto& g : a.graphs)
                    printGraph(*g, indent + "    ", true, out);
    }
    for (const Value* v : graph.outputs)
        out << indent << "  output " << valueLabel(v) << '\n';
}

} // namespace

int graphCommand(const Args& args)
{
    std::vector<std::string> files;
    ReadOptions readOptions;
    bool subgraphs = false;
    for (std::size_t k = 0; k < args.size(); ++k) {
        if (args[k] == "--subgraphs")
            subgraphs = true;
        else if (args[k] == "--key" && k + 1 < args.size())
            readOptions.key = args[++k];
        else if (args[k] == "--cipher" && k + 1 < args.size())
            readOptions.cipherMode = args[++k];
        else if (args[k].starts_with("--"))
            return usageError("graph: unknown option " + args[k]);
        else
            files.push_back(args[k]);
    }
    if (files.size() != 1)
        return usageError("graph: expected one FILE");
    try {
        const auto model = FormatRegistry::instance().open(files[0], readOptions);
        printGraph(*model->graph, "", subgraphs, std::cout);
        for (const auto& f : model->functions) {
            std::cout << "function " << f.domain << "::" << f.name << '\n';
            if (f.graph)
                printGraph(*f.graph, "  ", subgraphs, std::cout);
        }
    } catch (const std::exception& e) {
        std::cerr << "nodus-cli: " << e.what() << '\n';
        return 1;
    }
    return 0;
}

} // namespace nodus::cli
