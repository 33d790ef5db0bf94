#pragma once

#include "ir/model.h"

#include <filesystem>
#include <memory>

namespace nodus {

class MappedFile;

// Builds a model from a PaddlePaddle program (ProgramDesc): block 0 is the
// main graph, one node per op except feed and fetch, which name the graph's
// inputs and outputs; sub-blocks (while, conditional_block) hang off their
// op's block attribute as subgraphs. Persistable tensors are the weights,
// with their values from the parameter files beside the model when there
// are any: the combined `__params__` (beside `__model__`) or
// `<name>.pdiparams` (beside `<name>.pdmodel`), read in the order of the
// sorted variable names as save_combine writes them, else one file per
// variable named after it. Without them the weights are shapes only, and
// the model's properties say so. The model's native document
// (PaddleDocument) records where each weight's record lies, for
// writePaddleModel.
std::unique_ptr<Model> importPaddle(std::shared_ptr<const MappedFile> program);

} // namespace nodus
