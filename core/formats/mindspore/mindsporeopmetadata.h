#pragma once

namespace nodus {

class OpMetadata;

// MindSpore's op metadata (resources/ops/mindspore.json, embedded at build
// time): categories, attributes and ports of the primitives MindIR graphs
// use, by the names MindirImporter gives op types ("Conv2D", "MakeTuple").
// Parsed on first use.
const OpMetadata& mindSporeOpMetadata();

} // namespace nodus
