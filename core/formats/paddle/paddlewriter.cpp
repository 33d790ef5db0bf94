#include "paddlewriter.h"

#include "paddledocument.h"

#include "ir/model.h"
#include "ir/tensor.h"
#include "util/error.h"
#include "util/mappedfile.h"
#include "util/splicewrite.h"

#include <set>
#include <string>

namespace nodus {

namespace fs = std::filesystem;

namespace {

using Record = PaddleDocument::Record;

bool isEdited(const Record& r)
{
    return r.tensor->data != r.original;
}

// A record's header fixes the element type and the shape, and the program
// names the weight: only new values of the same size fit.
void checkFits(const Record& r)
{
    const Tensor& t = *r.tensor;
    if (t.name != r.name)
        throw Error("weight '" + r.name + "' was renamed to '" + t.name
            + "'; the program names its weights, so only their values can be saved");
    if (!isEdited(r))
        return;
    if (!t.data || t.isSparse())
        throw Error("weight '" + r.name + "' has no element bytes to save");
    if (t.dataType != r.dataType || t.dims != r.dims)
        throw Error("weight '" + r.name
            + "' changed its type or shape; the program and the parameter record fix both, so only its values "
              "can be saved");
    if (t.data->size() != r.length)
        throw Error("weight '" + r.name + "' holds " + std::to_string(t.data->size()) + " bytes where its record holds "
            + std::to_string(r.length));
}

// The combined parameter file Paddle (and Nodus's importer) looks for
// beside `program`; empty for a program name that has none.
fs::path combinedBeside(const fs::path& program)
{
    if (program.filename() == "__model__")
        return program.parent_path() / "__params__";
    if (program.extension() == ".pdmodel")
        return fs::path(program).replace_extension(".pdiparams");
    return {};
}

std::vector<Splice> splicesFor(const Record& r)
{
    if (!isEdited(r))
        return {};
    return { Splice { r.offset, r.tensor->data->bytes() } };
}

} // namespace

void writePaddleModel(const Model& model, const fs::path& path)
{
    try {
        const auto& doc = nativeDocumentAs<PaddleDocument>(
            model, { "paddle" }, "PaddlePaddle: Nodus does not convert other formats to PaddlePaddle");
        if (!doc.program)
            throw Error("the model keeps no program to save");
        std::error_code ec;
        fs::path program = path;
        if (fs::is_directory(path, ec))
            program = path / doc.program->path().filename();

        // Everything is checked before the first file is written, so a
        // refused save leaves the target as it was.
        std::set<const Tensor*> recorded, present;
        for (const auto& r : doc.records) {
            checkFits(r);
            recorded.insert(r.tensor.get());
        }
        for (const auto& t : model.graph->initializers) {
            present.insert(t.get());
            if (t->data && !recorded.count(t.get()))
                throw Error("weight '" + t->name + "' has values, but "
                    + (doc.layout == PaddleDocument::Layout::None
                            ? std::string("the parameters were not found beside the model; there are no values to "
                                          "save")
                            : std::string("its parameter file was not found beside the model; there is no record "
                                          "to save its values in")));
        }
        for (const auto& r : doc.records)
            if (!present.count(r.tensor.get()))
                throw Error("weight '" + r.name
                    + "' is no longer in the graph; a PaddlePaddle program cannot be edited, only its weight values");

        const fs::path combined = combinedBeside(program);
        if (doc.layout == PaddleDocument::Layout::Combined) {
            if (combined.empty())
                throw Error("a PaddlePaddle model with combined parameters is saved as <name>.pdmodel (parameters "
                            "in <name>.pdiparams) or as __model__ (parameters in __params__), where Paddle finds "
                            "them");
            std::vector<Splice> splices;
            for (const auto& r : doc.records) {
                if (r.file != doc.records.front().file)
                    throw Error("the combined parameters came from more than one file");
                for (auto& s : splicesFor(r))
                    splices.push_back(s);
            }
            writeSpliced(*doc.records.front().file, combined, std::move(splices));
        } else if (doc.layout == PaddleDocument::Layout::PerWeight) {
            // A combined file there would be read instead of these.
            if (!combined.empty() && fs::exists(combined, ec))
                throw Error(combined.string()
                    + " exists beside the target and would be read instead of the per-weight parameter files; "
                      "save into another folder or remove it");
            const fs::path dir = program.parent_path();
            for (const auto& r : doc.records) {
                if (r.name.empty() || r.name.find('/') != std::string::npos || r.name == "." || r.name == "..")
                    throw Error("weight '" + r.name + "' cannot be a file name");
                writeSpliced(*r.file, dir / r.name, splicesFor(r));
            }
        }
        // The program last: it is what opens the model, and it is unchanged.
        writeSpliced(*doc.program, program, {});
    } catch (const std::exception& e) {
        rethrowSaveError(path, e);
    }
}

} // namespace nodus
