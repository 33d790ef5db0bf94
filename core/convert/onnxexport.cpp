#include "onnxexport.h"

#include "converters.h"
#include "onnxbuilder.h"
#include "onnxconverter.h"

#include "ir/model.h"
#include "util/atomicfile.h"
#include "util/error.h"

#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <onnx/checker.h>
#include <onnx/defs/schema.h>

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
    return sourceFormat == "cntk" || sourceFormat == "mindir";
}

void convertToOnnx(
    const Model& source, const OnnxExportOptions& options, onnx::ModelProto& out, OnnxExportReport& report)
{
    const std::string file = describe(source);
    if (!canExportToOnnx(source.format))
        throw Error(file + ": converting " + (source.format.empty() ? "this" : source.format)
            + " models to ONNX is not supported (CNTK model-v2 and MindIR models are)");
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
    auto converter = source.format == "cntk" ? makeCntkToOnnx(source, builder, report, options.partial)
                                             : makeMindirToOnnx(source, builder, report, options.partial);
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
}

OnnxExportReport exportToOnnx(const Model& source, const std::filesystem::path& path, const OnnxExportOptions& options)
{
    OnnxExportReport report;
    onnx::ModelProto proto;
    convertToOnnx(source, options, proto, report);
    const auto size = proto.ByteSizeLong();
    if (size > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        throw Error(path.string() + ": the converted model is over 2 GB, more than one ONNX protobuf can hold");
    AtomicFile file(path);
    {
        google::protobuf::io::FileOutputStream stream(file.fd());
        if (!proto.SerializeToZeroCopyStream(&stream) || !stream.Flush())
            throw Error(path.string() + ": writing failed");
    }
    file.commit();
    return report;
}

} // namespace nodus
