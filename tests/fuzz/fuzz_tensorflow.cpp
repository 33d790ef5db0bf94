// libFuzzer target for the TensorFlow reader and writer (GraphDef,
// MetaGraphDef, SavedModel protobuf, their text format) and for the
// tensor-bundle table reader of SavedModel variables.
#include "fuzzformat.h"

#include "formats/tensorflow/tensorbundle.h"
#include "formats/tensorflow/tensorflowformat.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const nodus::TensorflowFormat tensorflow;
    try {
        (void)nodus::TensorBundle::readTable({ reinterpret_cast<const std::byte*>(data), size }, "fuzz.index");
    } catch (const nodus::Error&) {
    }
    return nodus::fuzz::run({ &tensorflow }, data, size, { .name = "fuzz.pb", .save = true });
}
