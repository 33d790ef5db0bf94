#include "commands.h"

#include "convert/onnxexport.h"
#include "formats/format.h"
#include "formats/formatregistry.h"
#include "ir/model.h"

#include <iostream>

namespace nodus::cli {

int convertCommand(const Args& args)
{
    std::vector<std::string> files;
    std::string format;
    WriteOptions options;
    ReadOptions readOptions;
    for (std::size_t k = 0; k < args.size(); ++k) {
        if (args[k] == "--format" && k + 1 < args.size())
            format = args[++k];
        else if (args[k] == "--key" && k + 1 < args.size())
            readOptions.key = args[++k];
        else if (args[k] == "--cipher" && k + 1 < args.size())
            readOptions.cipherMode = args[++k];
        else if (args[k] == "--opset" && k + 1 < args.size()) {
            try {
                options.onnxOpset = std::stoi(args[++k]);
            } catch (const std::exception&) {
                return usageError("convert: --opset needs a number");
            }
        } else if (args[k] == "--partial")
            options.partialExport = true;
        else if (args[k] == "--external-data")
            options.externalData = true;
        else if (args[k].starts_with("--"))
            return usageError("convert: unknown option " + args[k]);
        else
            files.push_back(args[k]);
    }
    if (files.size() != 2)
        return usageError("convert: expected IN and OUT");
    OnnxExportReport report;
    options.exportReport = &report;
    try {
        const auto model = FormatRegistry::instance().open(files[0], readOptions);
        FormatRegistry::instance().save(*model, files[1], format, options);
    } catch (const std::exception& e) {
        std::cerr << "nodus-cli: " << e.what() << '\n';
        return 1;
    }
    // A conversion says what it did; a plain re-save has nothing to add.
    if (report.nodesOut > 0 || !report.unsupported.empty()) {
        std::cerr << "converted " << report.nodesIn << " nodes to " << report.nodesOut << " ONNX nodes\n";
        if (!report.unsupported.empty())
            std::cerr << "partial export: " << report.unsupportedText() << '\n';
        for (const auto& n : report.notes)
            std::cerr << "note: " << n << '\n';
    }
    return 0;
}

} // namespace nodus::cli
