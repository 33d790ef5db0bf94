// libFuzzer target for the ncnn reader (text and binary params, pnnx graphs)
// and writer. An input from memory has no .bin beside it: the param parser
// and the graph building are what is exercised.
#include "fuzzformat.h"

#include "formats/ncnn/ncnnformat.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const nodus::NcnnFormat ncnn;
    return nodus::fuzz::run({ &ncnn }, data, size, { .name = "fuzz.param", .save = true });
}
