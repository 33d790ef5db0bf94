// libFuzzer target for the MindSpore Lite reader (MSL2, v0 and predict files) and writer.
#include "fuzzformat.h"

#include "formats/mindsporelite/msliteformat.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const nodus::MsliteFormat mindsporeLite;
    return nodus::fuzz::run({ &mindsporeLite }, data, size, { .name = "fuzz.ms", .save = true });
}
