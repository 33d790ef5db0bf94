// libFuzzer target for the PaddlePaddle program reader.
#include "fuzzformat.h"

#include "formats/paddle/paddleformat.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const nodus::PaddleFormat paddle;
    return nodus::fuzz::run({ &paddle }, data, size, { .name = "__model__", .save = true });
}
