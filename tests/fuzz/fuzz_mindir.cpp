// libFuzzer target for the MindIR reader and writer: any input either opens
// into a model that can be inspected and saved, or fails with nodus::Error.
// Anything else (another exception, a sanitizer report, a timeout) is a bug.
#include "formats/formatregistry.h"
#include "formats/mindspore/mindirformat.h"
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
    static const nodus::MindirFormat mindir;
    static const std::filesystem::path saveTo
        = std::filesystem::temp_directory_path() / ("fuzz_mindir_" + std::to_string(::getpid()) + ".mindir");
    try {
        auto file = nodus::MappedFile::fromBytes({ reinterpret_cast<const std::byte*>(data), size }, "fuzz.mindir");
        auto probe = nodus::FormatRegistry::probe(file);
        (void)mindir.sniff(probe);
        // Encrypted inputs get a key, so the decryption path is fuzzed too.
        probe.options.key = "0123456789ABCDEF";
        const auto model = mindir.read(probe);
        (void)nodus::ModelSummary::of(*model);
        for (const auto& t : model->graph->initializers) {
            try {
                if (t->data)
                    (void)t->data->bytes();
            } catch (const nodus::Error&) {
            }
        }
        mindir.write(*model, saveTo, {});
        std::filesystem::remove(saveTo);
    } catch (const nodus::Error&) {
    }
    return 0;
}
