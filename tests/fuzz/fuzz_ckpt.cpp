// libFuzzer target for the MindSpore checkpoint reader and writer.
#include "fuzzformat.h"

#include "formats/mindspore/checkpointformat.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const nodus::CheckpointFormat ckpt;
    return nodus::fuzz::run({&ckpt}, data, size, {.name = "fuzz.ckpt", .save = true});
}
