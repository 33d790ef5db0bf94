// libFuzzer target for the CNTK model-v2 and v1 readers.
#include "fuzzformat.h"

#include "formats/cntk/cntkformat.h"
#include "formats/cntk/cntkv1format.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const nodus::CntkFormat cntk;
    static const nodus::CntkV1Format cntkV1;
    return nodus::fuzz::run({&cntk, &cntkV1}, data, size, {.name = "fuzz.model"});
}
