#pragma once

#include "pickle.h"

#include "ir/graph.h"
#include "ir/opmetadata.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nodus::torchscript {

// The text of an archive member by its path under the archive's folder
// ("code/__torch__.py"); nullopt when the archive has no such member.
// May throw CodeError (a member too large or unreadable).
using CodeLoader = std::function<std::optional<std::string>(const std::string& path)>;

// Builds the graph of a TorchScript archive from its code/ files: starts at
// the root module class's forward with `self` bound to `root` (data.pkl's
// object), inlines every submodule's forward, method and top-level function
// it calls, and emits aten-level nodes ("aten::linear", named
// "enc.layers.0.linear1/aten::linear"). Parameters and buffers become
// `tensors` (the reader's initializers, by attribute path; CONSTANTS.cN are
// "constants.N"), added to the graph in the order given. `if` statements whose
// condition is known while building (module flags such as `training`,
// literal arguments, `is None` tests) are followed one way; others, and
// loops, become prim::If / prim::Loop nodes whose bodies are not followed.
//
// Returns nullptr and sets `note` ("<file>:<line>: <why>") when the code
// cannot be followed; never throws for bad code.
std::shared_ptr<Graph> buildGraph(const pickle::Value& root, const std::vector<std::shared_ptr<Tensor>>& tensors,
    const CodeLoader& load, std::string& note);

// The built-in aten/prim op metadata (core/formats/pytorch/torchscript-ops.json).
const OpMetadata& opMetadata();

} // namespace nodus::torchscript
