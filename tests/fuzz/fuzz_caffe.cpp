// libFuzzer target for the Caffe reader (text prototxt and binary
// caffemodel) and writer.
#include "fuzzformat.h"

#include "formats/caffe/caffeformat.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const nodus::CaffeFormat caffe;
    return nodus::fuzz::run({ &caffe }, data, size, { .name = "fuzz.caffemodel", .save = true });
}
