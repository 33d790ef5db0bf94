#pragma once

// What every reader's fuzz target does: map the input as a file, let the
// formats sniff and read it, and exercise what opened (summary, every
// tensor's bytes, and optionally a save). nodus::Error is the only
// acceptable failure; anything else reaches libFuzzer as a crash.
#include "formats/format.h"
#include "formats/formatregistry.h"
#include "ir/model.h"
#include "ir/modelsummary.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <unistd.h>

namespace nodus::fuzz {

inline void inspect(const Model& model)
{
    (void)ModelSummary::of(model);
    auto touch = [](const Graph& g) {
        for (const auto& t : g.initializers) {
            try {
                if (t->data)
                    (void)t->data->bytes();
            } catch (const Error&) {
            }
        }
    };
    touch(*model.graph);
    model.graph->forEachSubgraph(touch);
}

struct Options {
    std::string name = "fuzz.bin"; // its extension is the hint the readers see
    std::string key;               // for encrypted inputs
    bool save = false;             // write what opened back out
};

inline int run(std::initializer_list<const Format*> formats, const std::uint8_t* data, std::size_t size,
               const Options& options)
{
    std::shared_ptr<const MappedFile> file;
    try {
        file = MappedFile::fromBytes({reinterpret_cast<const std::byte*>(data), size}, options.name);
    } catch (const Error&) {
        return 0;
    }
    Probe probe = FormatRegistry::probe(file);
    probe.options.key = options.key;
    // Every reader sees every input, claimed or not: readers must refuse
    // what they do not understand on their own.
    for (const Format* format : formats) {
        try {
            (void)format->sniff(probe);
            const auto model = format->read(probe);
            inspect(*model);
            if (options.save) {
                const auto saveTo = std::filesystem::temp_directory_path()
                    / ("nodus_fuzz_" + std::to_string(::getpid()) + std::filesystem::path(options.name).extension().string());
                format->write(*model, saveTo, {});
                std::filesystem::remove(saveTo);
            }
        } catch (const Error&) {
        }
    }
    return 0;
}

} // namespace nodus::fuzz
