// libFuzzer target for the GGUF reader and writer.
#include "fuzzformat.h"

#include "formats/gguf/ggufformat.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const nodus::GgufFormat gguf;
    return nodus::fuzz::run({ &gguf }, data, size, { .name = "fuzz.gguf", .save = true });
}
