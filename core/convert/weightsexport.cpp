#include "weightsexport.h"

#include "formats/safetensors/safetensorsio.h"
#include "ir/model.h"
#include "util/error.h"
#include "util/npy.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace nodus {

namespace fs = std::filesystem;

namespace {

// Why `t` cannot go into `format`, empty when it can.
std::string refusal(const Tensor& t, WeightsFormat format)
{
    if (t.isSparse())
        return "sparse tensors have no place in a weight file";
    if (format == WeightsFormat::Safetensors) {
        if (!safetensorsDtype(t.dataType))
            return "safetensors has no " + std::string(dataTypeName(t.dataType)) + " type";
    } else {
        if (!npyCanHold(t.dataType))
            return "NumPy has no " + std::string(dataTypeName(t.dataType)) + " dtype";
    }
    if (!t.data && t.dataType != DataType::String)
        return "the tensor holds no data";
    const auto expected = t.expectedBytes();
    if (t.dataType != DataType::String && (!expected || *expected != t.data->size()))
        return "its data does not match its type and shape";
    return {};
}

void writeSafetensors(const std::vector<const Tensor*>& tensors, const Model& model, const fs::path& path)
{
    writeSafetensorsFile(tensors,
        { { "format", "pt" }, { "source", model.sourcePath.filename().string() }, { "source_format", model.format } },
        path);
}

} // namespace

std::optional<WeightsFormat> weightsFormatFor(const fs::path& path)
{
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ext == ".safetensors")
        return WeightsFormat::Safetensors;
    if (ext == ".npz")
        return WeightsFormat::Npz;
    return std::nullopt;
}

WeightsExportReport exportWeights(const Model& model, const fs::path& path, std::optional<WeightsFormat> format)
{
    if (!format)
        format = weightsFormatFor(path);
    if (!format)
        throw Error(path.string() + ": cannot export weights: name the file .safetensors or .npz");
    WeightsExportReport report;
    std::vector<const Tensor*> chosen;
    std::set<std::string> names;
    const auto take = [&](const Graph& graph) {
        for (const auto& t : graph.initializers) {
            if (t->name.empty()) {
                report.skipped.emplace_back("(unnamed)", "a weight file finds tensors by name");
                continue;
            }
            if (names.count(t->name)) {
                report.skipped.emplace_back(t->name, "another tensor already has this name");
                continue;
            }
            if (auto why = refusal(*t, *format); !why.empty()) {
                report.skipped.emplace_back(t->name, why);
                continue;
            }
            names.insert(t->name);
            chosen.push_back(t.get());
            report.written.push_back(t->name);
        }
    };
    if (model.graph) {
        take(*model.graph);
        model.graph->forEachSubgraph([&](Graph& g) { take(g); });
    }
    if (chosen.empty())
        throw Error(path.string() + ": cannot export weights: "
            + (report.skipped.empty() ? std::string("the model has no stored tensors")
                                      : "none of its " + std::to_string(report.skipped.size())
                                          + " stored tensors fits the format (" + report.skipped.front().first
                                          + ": " + report.skipped.front().second + ")"));
    try {
        if (*format == WeightsFormat::Safetensors) {
            writeSafetensors(chosen, model, path);
        } else {
            std::vector<std::pair<std::string, const Tensor*>> arrays;
            for (const Tensor* t : chosen)
                arrays.emplace_back(t->name, t);
            writeNpz(arrays, path);
        }
    } catch (const std::exception& e) {
        rethrowSaveError(path, e);
    }
    return report;
}

} // namespace nodus
