#pragma once

#include <memory>

namespace nodus {

class Model;
class OnnxBuilder;
class OnnxConverter;
struct OnnxExportReport;

// The per-format op tables (cntktoonnx.cpp, mindirtoonnx.cpp).
std::unique_ptr<OnnxConverter> makeCntkToOnnx(
    const Model& model, OnnxBuilder& b, OnnxExportReport& report, bool partial);
std::unique_ptr<OnnxConverter> makeMindirToOnnx(
    const Model& model, OnnxBuilder& b, OnnxExportReport& report, bool partial);

} // namespace nodus
