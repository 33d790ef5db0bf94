// libFuzzer target for the ONNX reader: any input either opens into a model
// that can be inspected, or fails with nodus::Error. Anything else (another
// exception, a sanitizer report, a timeout) is a bug.
#include "formats/formatregistry.h"
#include "formats/onnx/onnxformat.h"
#include "ir/model.h"
#include "ir/modelsummary.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const nodus::OnnxFormat onnx;
    try {
        auto file = nodus::MappedFile::fromBytes({reinterpret_cast<const std::byte*>(data), size}, "fuzz.onnx");
        const auto probe = nodus::FormatRegistry::probe(file);
        (void)onnx.sniff(probe);
        const auto model = onnx.read(probe);
        (void)nodus::ModelSummary::of(*model);
        for (const auto& t : model->graph->initializers) {
            try {
                if (t->data)
                    (void)t->data->bytes();
            } catch (const nodus::Error&) {
            }
        }
    } catch (const nodus::Error&) {
    }
    return 0;
}
