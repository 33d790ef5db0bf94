#include "commands.h"

#include "convert/batchconvert.h"
#include "convert/onnxexport.h"
#include "convert/weightsexport.h"
#include "formats/format.h"
#include "formats/formatregistry.h"
#include "ir/model.h"

#include <iostream>

namespace nodus::cli {

namespace {

int convertBatch(const std::vector<std::string>& inputs, const std::string& format, const WriteOptions& options,
    const std::string& outputDir)
{
    BatchConvertOptions b;
    if (!format.empty())
        b.format = format;
    if (!FormatRegistry::instance().byName(b.format))
        return usageError("convert: no format is named '" + b.format + "' (see nodus-cli formats)");
    b.onnxOpset = options.onnxOpset;
    b.partial = options.partialExport;
    b.externalData = options.externalData;
    b.inferShapes = options.inferShapes;
    b.outputDir = outputDir;
    const std::vector<std::filesystem::path> paths(inputs.begin(), inputs.end());
    const BatchCollection collected = collectBatchSources(paths);
    if (collected.sources.empty()) {
        std::cerr << "nodus-cli: convert: no model files in " << inputs.size()
                  << (inputs.size() == 1 ? " folder" : " folders") << '\n';
        return 1;
    }
    std::size_t converted = 0;
    BatchConverter(b).convertAll(collected.sources, [&](std::size_t, const BatchResult& r) {
        if (r.ok) {
            ++converted;
            std::cout << "converted " << r.source.string() << " -> " << r.output.string() << '\n';
        } else {
            std::cout << "failed " << r.source.string() << ": " << r.message << '\n';
        }
    });
    const std::size_t failed = collected.sources.size() - converted;
    std::cout << converted << " converted, " << failed << " failed";
    if (collected.ignored)
        std::cout << " (" << collected.ignored << " other files in folders left alone)";
    std::cout << '\n';
    return failed ? 1 : 0;
}

} // namespace

int convertCommand(const Args& args)
{
    std::vector<std::string> files;
    std::string format;
    std::string outputDir;
    WriteOptions options;
    ReadOptions readOptions;
    for (std::size_t k = 0; k < args.size(); ++k) {
        if (args[k] == "--format" && k + 1 < args.size())
            format = args[++k];
        else if (args[k] == "--output-dir" && k + 1 < args.size())
            outputDir = args[++k];
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
        else if (args[k] == "--no-shape-inference")
            options.inferShapes = false;
        else if (args[k].starts_with("--"))
            return usageError("convert: unknown option " + args[k]);
        else
            files.push_back(args[k]);
    }
    if (!outputDir.empty()) {
        if (files.empty())
            return usageError("convert: --output-dir needs files or folders to convert");
        if (!readOptions.key.empty())
            return usageError("convert: --key opens one file: convert it as IN OUT");
        return convertBatch(files, format, options, outputDir);
    }
    if (files.size() != 2)
        return usageError("convert: expected IN and OUT (or files with --output-dir DIR)");
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

int exportWeightsCommand(const Args& args)
{
    std::vector<std::string> files;
    ReadOptions readOptions;
    for (std::size_t k = 0; k < args.size(); ++k) {
        if (args[k] == "--key" && k + 1 < args.size())
            readOptions.key = args[++k];
        else if (args[k] == "--cipher" && k + 1 < args.size())
            readOptions.cipherMode = args[++k];
        else if (args[k].starts_with("--"))
            return usageError("export-weights: unknown option " + args[k]);
        else
            files.push_back(args[k]);
    }
    if (files.size() != 2)
        return usageError("export-weights: expected MODEL and OUT");
    if (!weightsFormatFor(files[1]))
        return usageError("export-weights: OUT must end in .safetensors or .npz");
    try {
        const auto model = FormatRegistry::instance().open(files[0], readOptions);
        const WeightsExportReport report = exportWeights(*model, files[1]);
        std::cout << "wrote " << report.written.size() << " tensors to " << files[1] << '\n';
        for (const auto& [name, why] : report.skipped)
            std::cout << "left out " << name << ": " << why << '\n';
    } catch (const std::exception& e) {
        std::cerr << "nodus-cli: " << e.what() << '\n';
        return 1;
    }
    return 0;
}

} // namespace nodus::cli
