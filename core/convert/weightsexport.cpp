#include "weightsexport.h"

#include "ir/model.h"
#include "util/atomicfile.h"
#include "util/error.h"
#include "util/npy.h"
#include "util/outputsink.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <set>

namespace nodus {

namespace fs = std::filesystem;

namespace {

// safetensors' dtype codes (its Rust Dtype enum, as written in headers).
const char* safetensorsDtype(DataType type)
{
    switch (type) {
    case DataType::Float: return "F32";
    case DataType::Double: return "F64";
    case DataType::Float16: return "F16";
    case DataType::BFloat16: return "BF16";
    case DataType::Float8E4M3FN: return "F8_E4M3";
    case DataType::Float8E5M2: return "F8_E5M2";
    case DataType::Int8: return "I8";
    case DataType::Int16: return "I16";
    case DataType::Int32: return "I32";
    case DataType::Int64: return "I64";
    case DataType::UInt8: return "U8";
    case DataType::UInt16: return "U16";
    case DataType::UInt32: return "U32";
    case DataType::UInt64: return "U64";
    case DataType::Bool: return "BOOL";
    default: return nullptr;
    }
}

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
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    meta["format"] = "pt";
    meta["source"] = model.sourcePath.filename().string();
    meta["source_format"] = model.format;
    header["__metadata__"] = meta;
    std::uint64_t offset = 0;
    for (const Tensor* t : tensors) {
        const std::uint64_t size = t->data->size();
        header[t->name] = { { "dtype", safetensorsDtype(t->dataType) }, { "shape", t->dims },
            { "data_offsets", { offset, offset + size } } };
        offset += size;
    }
    std::string text = header.dump();
    // The data starts 8-aligned, as the safetensors writer pads it.
    text.append((8 - text.size() % 8) % 8, ' ');
    std::string prefix(8, '\0');
    for (int i = 0; i < 8; ++i)
        prefix[i] = static_cast<char>((static_cast<std::uint64_t>(text.size()) >> (8 * i)) & 0xff);
    AtomicFile file(path);
    OutputSink sink(file.fd(), path.string());
    sink.write(std::as_bytes(std::span(prefix)));
    sink.write(std::as_bytes(std::span(text)));
    for (const Tensor* t : tensors)
        sink.writeData(*t->data);
    sink.flush();
    file.commit();
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
