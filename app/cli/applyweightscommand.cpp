#include "commands.h"

#include "edit/weighttransplant.h"
#include "formats/formatregistry.h"
#include "ir/model.h"

#include <nlohmann/json.hpp>

#include <iostream>

namespace nodus::cli {

namespace {

void printList(const char* title, const std::vector<std::string>& names)
{
    std::cout << "  " << title << " (" << names.size() << ")" << (names.empty() ? "" : ":") << '\n';
    for (const auto& n : names)
        std::cout << "    " << n << '\n';
}

} // namespace

int applyWeightsCommand(const Args& args)
{
    std::vector<std::string> files;
    std::string out;
    bool json = false;
    bool skipMismatches = false;
    ReadOptions readOptions;
    for (std::size_t k = 0; k < args.size(); ++k) {
        if ((args[k] == "-o" || args[k] == "--output") && k + 1 < args.size())
            out = args[++k];
        else if (args[k] == "--json")
            json = true;
        else if (args[k] == "--skip-mismatches")
            skipMismatches = true;
        else if (args[k] == "--key" && k + 1 < args.size())
            readOptions.key = args[++k];
        else if (args[k] == "--cipher" && k + 1 < args.size())
            readOptions.cipherMode = args[++k];
        else if (args[k].starts_with("-"))
            return usageError("apply-weights: unknown option " + args[k]);
        else
            files.push_back(args[k]);
    }
    if (files.size() != 2)
        return usageError("apply-weights: expected MODEL and WEIGHTS");
    if (out.empty())
        return usageError("apply-weights: no output file given (-o OUT)");

    TransplantReport report;
    try {
        const auto model = FormatRegistry::instance().open(files[0], readOptions);
        const auto weights = FormatRegistry::instance().open(files[1]);
        report = applyWeights(*model, *weights, skipMismatches);
        if (report.applied)
            FormatRegistry::instance().save(*model, out, model->format);
    } catch (const std::exception& e) {
        std::cerr << "nodus-cli: " << e.what() << '\n';
        return 1;
    }

    if (json) {
        nlohmann::json j;
        j["model"] = files[0];
        j["weights"] = files[1];
        j["output"] = report.applied ? nlohmann::json(out) : nlohmann::json(nullptr);
        j["applied"] = report.applied;
        j["loaded"] = report.loaded;
        j["not_loaded"] = report.notLoaded;
        j["unused"] = report.unused;
        j["mismatches"] = report.mismatches;
        nlohmann::json renamed = nlohmann::json::array();
        for (const auto& [parameter, entry] : report.renamed)
            renamed.push_back({ { "parameter", parameter }, { "weight", entry } });
        j["renamed"] = renamed;
        j["summary"] = report.summary();
        std::cout << j.dump() << '\n';
    } else {
        std::cout << files[0] << " <- " << files[1] << '\n';
        std::cout << "  " << report.summary() << '\n';
        for (const auto& [parameter, entry] : report.renamed)
            std::cout << "  " << parameter << " <- " << entry << '\n';
        printList("parameters not loaded", report.notLoaded);
        printList("weights not used", report.unused);
        if (!report.mismatches.empty())
            printList("type or shape mismatches", report.mismatches);
        std::cout << (report.applied ? "  saved " + out : std::string("  nothing applied, nothing saved")) << '\n';
    }
    if (!report.applied) {
        std::cerr << "nodus-cli: " << files[1] << ": " << report.mismatches.size()
                  << " weights do not match the model's parameters in type or shape; nothing was applied"
                  << " (--skip-mismatches applies the others)\n";
        return 1;
    }
    return 0;
}

} // namespace nodus::cli
