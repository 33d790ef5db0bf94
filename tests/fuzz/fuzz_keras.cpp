// libFuzzer target for the Keras reader (our own HDF5 reader underneath) and
// writer: inputs are HDF5 files (.h5) and .keras archives alike.
#include "fuzzformat.h"

#include "formats/keras/kerasformat.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const nodus::KerasFormat keras;
    return nodus::fuzz::run({ &keras }, data, size, { .name = "fuzz.h5", .save = true });
}
