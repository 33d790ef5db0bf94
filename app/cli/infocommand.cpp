#include "commands.h"
#include "jsonoutput.h"

#include "formats/formatregistry.h"
#include "ir/model.h"
#include "ir/modelsummary.h"

#include <iostream>

namespace nodus::cli {

int infoCommand(const Args& args)
{
    bool json = false;
    std::vector<std::string> files;
    ReadOptions readOptions;
    for (std::size_t k = 0; k < args.size(); ++k) {
        const auto& a = args[k];
        if (a == "--json")
            json = true;
        else if (a == "--key" && k + 1 < args.size())
            readOptions.key = args[++k];
        else if (a == "--cipher" && k + 1 < args.size())
            readOptions.cipherMode = args[++k];
        else if (a.starts_with("--"))
            return usageError("info: unknown option " + a);
        else
            files.push_back(a);
    }
    if (files.empty())
        return usageError("info: no file given");

    int status = 0;
    for (const auto& file : files) {
        try {
            const auto model = FormatRegistry::instance().open(file, readOptions);
            const auto s = ModelSummary::of(*model);
            if (json) {
                std::cout << summaryJson(file, s).dump() << '\n';
                continue;
            }
            std::cout << file << '\n'
                      << "  format:     " << s.format << '\n'
                      << "  producer:   " << s.producer << (s.producerVersion.empty() ? "" : " " + s.producerVersion)
                      << '\n'
                      << "  IR version: " << s.irVersion << '\n'
                      << "  opsets:    ";
            for (const auto& [domain, version] : s.opsets)
                std::cout << ' ' << domain << ':' << version;
            std::cout << "\n  graph:      '" << s.graphName << "', " << s.nodes << " nodes, " << s.inputs
                      << " inputs, " << s.outputs << " outputs, " << s.subgraphs << " subgraphs\n"
                      << "  tensors:    " << s.tensors << " (" << s.parameters << " parameters)\n"
                      << "  op types:  ";
            for (const auto& op : s.opTypes)
                std::cout << ' ' << op;
            std::cout << '\n';
        } catch (const std::exception& e) {
            std::cerr << "nodus-cli: " << e.what() << '\n';
            status = 1;
        }
    }
    return status;
}

} // namespace nodus::cli
