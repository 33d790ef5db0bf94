// libFuzzer target for the CNTK readers (model-v2 Dictionary and 1.x BCN
// networks): any input either opens into a model that can be inspected, or
// fails with nodus::Error. Anything else (another exception, a sanitizer
// report, a timeout) is a bug.
#include "formats/cntk/cntkformat.h"
#include "formats/cntk/cntkv1format.h"
#include "ir/model.h"
#include "ir/modelsummary.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <cstddef>
#include <cstdint>
#include <memory>

namespace {

void inspect(const nodus::Model& model)
{
    (void)nodus::ModelSummary::of(model);
    auto touch = [](const nodus::Graph& g) {
        for (const auto& t : g.initializers) {
            try {
                if (t->data)
                    (void)t->data->bytes();
            } catch (const nodus::Error&) {
            }
        }
    };
    touch(*model.graph);
    model.graph->forEachSubgraph(touch);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const nodus::CntkFormat cntk;
    static const nodus::CntkV1Format cntkV1;
    std::shared_ptr<const nodus::MappedFile> file;
    try {
        file = nodus::MappedFile::fromBytes({reinterpret_cast<const std::byte*>(data), size}, "fuzz.model");
    } catch (const nodus::Error&) {
        return 0;
    }
    nodus::Probe probe;
    probe.path = file->path();
    probe.file = file;
    probe.extension = ".model";
    // Both readers see every input, claimed or not: the sniffers are cheap
    // and the readers must refuse what they do not understand on their own.
    const nodus::Format* formats[] = {&cntk, &cntkV1};
    for (const nodus::Format* format : formats) {
        try {
            (void)format->sniff(probe);
            inspect(*format->read(probe));
        } catch (const nodus::Error&) {
        }
    }
    return 0;
}
