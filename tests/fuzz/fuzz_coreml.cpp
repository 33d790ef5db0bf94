// libFuzzer target for the Core ML reader and writer.
#include "fuzzformat.h"

#include "formats/coreml/coremlformat.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const nodus::CoremlFormat coreml;
    return nodus::fuzz::run({ &coreml }, data, size, { .name = "fuzz.mlmodel", .save = true });
}
