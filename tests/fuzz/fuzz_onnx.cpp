// libFuzzer target for the ONNX reader and writer.
#include "fuzzformat.h"

#include "formats/onnx/onnxformat.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const nodus::OnnxFormat onnx;
    return nodus::fuzz::run({&onnx}, data, size, {.name = "fuzz.onnx", .save = true});
}
