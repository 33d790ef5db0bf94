// libFuzzer target for the TensorFlow Lite reader and writer.
#include "fuzzformat.h"

#include "formats/tflite/tfliteformat.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const nodus::TfliteFormat tflite;
    return nodus::fuzz::run({ &tflite }, data, size, { .name = "fuzz.tflite", .save = true });
}
