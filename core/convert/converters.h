#pragma once

#include <memory>
#include <string_view>
#include <vector>

namespace nodus {

class Model;
class OnnxBuilder;
class OnnxConverter;
struct OnnxExportReport;

using OnnxConverterFactory = std::unique_ptr<OnnxConverter> (*)(
    const Model& model, OnnxBuilder& b, OnnxExportReport& report, bool partial);

// One source format whose models convert to ONNX, and its op table.
struct OnnxConverterEntry {
    std::string_view format;      // the registry's short name
    std::string_view description; // for messages: "CNTK model-v2"
    OnnxConverterFactory make;
};

// The table (converters.cpp): every format with an ONNX converter, once.
const std::vector<OnnxConverterEntry>& onnxConverters();
const OnnxConverterEntry* onnxConverterFor(std::string_view format);

// The per-format op tables (cntktoonnx.cpp, mindirtoonnx.cpp, ...).
std::unique_ptr<OnnxConverter> makeCntkToOnnx(
    const Model& model, OnnxBuilder& b, OnnxExportReport& report, bool partial);
std::unique_ptr<OnnxConverter> makeMindirToOnnx(
    const Model& model, OnnxBuilder& b, OnnxExportReport& report, bool partial);
std::unique_ptr<OnnxConverter> makeTfliteToOnnx(
    const Model& model, OnnxBuilder& b, OnnxExportReport& report, bool partial);
std::unique_ptr<OnnxConverter> makeKerasToOnnx(
    const Model& model, OnnxBuilder& b, OnnxExportReport& report, bool partial);
std::unique_ptr<OnnxConverter> makeCaffeToOnnx(
    const Model& model, OnnxBuilder& b, OnnxExportReport& report, bool partial);
std::unique_ptr<OnnxConverter> makeNcnnToOnnx(
    const Model& model, OnnxBuilder& b, OnnxExportReport& report, bool partial);

} // namespace nodus
