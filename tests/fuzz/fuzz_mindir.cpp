// libFuzzer target for the MindIR reader and writer. Encrypted inputs get a
// key, so the decryption path is fuzzed too.
#include "fuzzformat.h"

#include "formats/mindspore/mindirformat.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const nodus::MindirFormat mindir;
    return nodus::fuzz::run({&mindir}, data, size, {.name = "fuzz.mindir", .key = "0123456789ABCDEF", .save = true});
}
