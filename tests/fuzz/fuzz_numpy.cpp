// libFuzzer target for the NumPy (.npy/.npz) reader and writer.
#include "fuzzformat.h"

#include "formats/numpy/numpyformat.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const nodus::NumpyFormat numpy;
    return nodus::fuzz::run({ &numpy }, data, size, { .name = "fuzz.npz", .save = true });
}
