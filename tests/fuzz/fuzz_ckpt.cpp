// libFuzzer target for the MindSpore checkpoint reader and writer: any input
// either opens into a model that can be inspected and saved, or fails with
// nodus::Error. Anything else is a bug.
#include "formats/formatregistry.h"
#include "formats/mindspore/checkpointformat.h"
#include "ir/model.h"
#include "ir/modelsummary.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const nodus::CheckpointFormat ckpt;
    static const std::filesystem::path saveTo
        = std::filesystem::temp_directory_path() / ("fuzz_ckpt_" + std::to_string(::getpid()) + ".ckpt");
    try {
        auto file = nodus::MappedFile::fromBytes({ reinterpret_cast<const std::byte*>(data), size }, "fuzz.ckpt");
        const auto probe = nodus::FormatRegistry::probe(file);
        (void)ckpt.sniff(probe);
        const auto model = ckpt.read(probe);
        (void)nodus::ModelSummary::of(*model);
        for (const auto& t : model->graph->initializers) {
            try {
                if (t->data)
                    (void)t->data->bytes();
            } catch (const nodus::Error&) {
            }
        }
        ckpt.write(*model, saveTo, {});
        std::filesystem::remove(saveTo);
    } catch (const nodus::Error&) {
    }
    return 0;
}
