// libFuzzer target for the safetensors reader and writer.
#include "fuzzformat.h"

#include "formats/safetensors/safetensorsformat.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const nodus::SafetensorsFormat safetensors;
    return nodus::fuzz::run({ &safetensors }, data, size, { .name = "fuzz.safetensors", .save = true });
}
