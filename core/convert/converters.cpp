#include "converters.h"

#include "onnxconverter.h"

namespace nodus {

const std::vector<OnnxConverterEntry>& onnxConverters()
{
    static const std::vector<OnnxConverterEntry> table = {
        { "cntk", "CNTK model-v2", &makeCntkToOnnx },
        { "mindir", "MindIR", &makeMindirToOnnx },
        { "tflite", "TensorFlow Lite", &makeTfliteToOnnx },
        { "keras", "Keras", &makeKerasToOnnx },
        { "caffe", "Caffe", &makeCaffeToOnnx },
        { "ncnn", "ncnn", &makeNcnnToOnnx },
    };
    return table;
}

const OnnxConverterEntry* onnxConverterFor(std::string_view format)
{
    for (const auto& e : onnxConverters())
        if (e.format == format)
            return &e;
    return nullptr;
}

} // namespace nodus
