#include "onnxexport.h"

#include "converters.h"
#include "onnxbuilder.h"
#include "onnxconverter.h"

#include "ir/model.h"
#include "util/atomicfile.h"
#include "util/error.h"

#include "util/outputsink.h"

#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include <limits>

namespace nodus {

namespace {

// The IR version that goes with a default-domain opset (onnx/helper.py's table).
std::int64_t irVersionFor(int opset)
{
    return opset <= 14 ? 7 : 8;
}

std::string describe(const Model& m)
{
    return m.sourcePath.empty() ? std::string("the model") : m.sourcePath.string();
}

// Tensors smaller than this stay inside the model (onnx.external_data_helper's
// default threshold).
constexpr std::size_t kExternalThreshold = 1024;
// Protobuf's hard limit on one message.
constexpr std::size_t kProtobufLimit = static_cast<std::size_t>(std::numeric_limits<int>::max());

// Moves the raw data of large initializers into `dataPath`, written
// atomically, and points the tensors at it (location relative to the model).
void moveToExternalData(onnx::ModelProto& proto, const std::filesystem::path& dataPath)
{
    AtomicFile file(dataPath);
    OutputSink sink(file.fd(), dataPath.string());
    for (auto& init : *proto.mutable_graph()->mutable_initializer()) {
        if (init.raw_data().size() < kExternalThreshold)
            continue;
        const std::uint64_t offset = sink.position();
        const std::string& raw = init.raw_data();
        sink.write(std::as_bytes(std::span(raw.data(), raw.size())));
        const auto add = [&](const std::string& key, const std::string& value) {
            auto* e = init.add_external_data();
            e->set_key(key);
            e->set_value(value);
        };
        add("location", dataPath.filename().string());
        add("offset", std::to_string(offset));
        add("length", std::to_string(raw.size()));
        init.set_data_location(onnx::TensorProto::EXTERNAL);
        init.clear_raw_data();
        // Keep tensors 4 KiB aligned, as onnx's helper does, so readers may map them.
        sink.zeros((4096 - sink.position() % 4096) % 4096);
    }
    sink.flush();
    file.commit();
}

} // namespace

int maxOnnxExportOpset()
{
    const auto& map = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
    auto it = map.find(onnx::ONNX_DOMAIN);
    return it == map.end() ? kDefaultOnnxExportOpset : it->second.second;
}

std::string OnnxExportReport::unsupportedText() const
{
    std::string s = std::to_string(unsupported.size()) + (unsupported.size() == 1 ? " op has" : " ops have")
        + " no ONNX mapping:";
    for (const auto& u : unsupported)
        s += "\n  " + u.opType + " '" + u.nodeName + "': " + u.reason;
    return s;
}

bool canExportToOnnx(const std::string& sourceFormat)
{
    return onnxConverterFor(sourceFormat) != nullptr;
}

void convertToOnnx(
    const Model& source, const OnnxExportOptions& options, onnx::ModelProto& out, OnnxExportReport& report)
{
    const std::string file = describe(source);
    const OnnxConverterEntry* entry = onnxConverterFor(source.format);
    if (!entry) {
        std::string supported;
        for (const auto& e : onnxConverters())
            supported += (supported.empty() ? "" : ", ") + std::string(e.description);
        throw Error(file + ": converting " + (source.format.empty() ? "this" : source.format)
            + " models to ONNX is not supported (" + supported + " models are)");
    }
    const int maxOpset = maxOnnxExportOpset();
    if (options.opset < kMinOnnxExportOpset || options.opset > maxOpset)
        throw Error(file + ": ONNX opset " + std::to_string(options.opset) + " is not offered (choose "
            + std::to_string(kMinOnnxExportOpset) + " to " + std::to_string(maxOpset) + ")");
    if (!source.graph)
        throw Error(file + ": the model has no graph to convert");

    out.Clear();
    out.set_ir_version(irVersionFor(options.opset));
    out.set_producer_name("Nodus");
    out.set_producer_version(NODUS_VERSION);
    auto* opset = out.add_opset_import();
    opset->set_domain("");
    opset->set_version(options.opset);
    out.set_doc_string(
        "Converted by Nodus from the " + source.format + " model " + source.sourcePath.filename().string());
    auto* prop = out.add_metadata_props();
    prop->set_key("source_format");
    prop->set_value(source.format);
    if (!source.producerName.empty()) {
        prop = out.add_metadata_props();
        prop->set_key("source_producer");
        prop->set_value(source.producerName + (source.producerVersion.empty() ? "" : " " + source.producerVersion));
    }
    out.mutable_graph()->set_name(source.graph->name.empty() ? "main" : source.graph->name);

    OnnxBuilder builder(out, options.opset);
    auto converter = entry->make(source, builder, report, options.partial);
    try {
        converter->run();
    } catch (const UnsupportedOp& e) {
        throw Error(file + ": cannot convert to ONNX: " + e.reason);
    } catch (const Error& e) {
        throw Error(file + ": cannot convert to ONNX: " + e.what()
            + (report.complete() ? "" : "\n" + report.unsupportedText()));
    }
    report.nodesOut = builder.nodeCount();
    if (!report.complete()) {
        if (!options.partial)
            throw Error(file + ": cannot convert to ONNX: " + report.unsupportedText()
                + "\n(a partial export keeps them as custom ops)");
    }
    try {
        onnx::checker::check_model(out);
    } catch (const std::exception& e) {
        throw Error(file + ": the converted ONNX model fails the ONNX checker: " + e.what());
    }
    auto* graph = out.mutable_graph();
    if (!options.inferShapes) {
        graph->clear_value_info();
        return;
    }
    try {
        onnx::ShapeInferenceOptions inference(false, 0, true);
        onnx::shape_inference::InferShapes(out, onnx::OpSchemaRegistry::Instance(), inference);
    } catch (const std::exception& e) {
        report.notes.push_back(std::string("shape inference stopped early: ") + e.what());
    }
}

OnnxExportReport exportToOnnx(const Model& source, const std::filesystem::path& path, const OnnxExportOptions& options)
{
    OnnxExportReport report;
    exportToOnnx(source, path, options, report);
    return report;
}

void exportToOnnx(const Model& source, const std::filesystem::path& path, const OnnxExportOptions& options,
    OnnxExportReport& report)
{
    onnx::ModelProto proto;
    convertToOnnx(source, options, proto, report);
    if (options.externalData || proto.ByteSizeLong() > kProtobufLimit) {
        if (!options.externalData)
            report.notes.push_back("the model is over 2 GB, so its tensors went into an external data file");
        moveToExternalData(proto, path.string() + ".data");
    }
    if (proto.ByteSizeLong() > kProtobufLimit)
        throw Error(path.string() + ": the converted model is over 2 GB even without its tensors");
    AtomicFile file(path);
    {
        google::protobuf::io::FileOutputStream stream(file.fd());
        if (!proto.SerializeToZeroCopyStream(&stream) || !stream.Flush())
            throw Error(path.string() + ": writing failed");
    }
    file.commit();
}

} // namespace nodus
