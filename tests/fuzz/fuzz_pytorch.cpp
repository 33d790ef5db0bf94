// libFuzzer target for the PyTorch checkpoint and TorchScript readers (the
// pickle VM included) and their writer.
#include "fuzzformat.h"

#include "formats/pytorch/pytorchformat.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const nodus::PytorchFormat pytorch;
    static const nodus::TorchScriptFormat torchScript;
    return nodus::fuzz::run({ &pytorch, &torchScript }, data, size, { .name = "fuzz.pth", .save = true });
}
