#pragma once

#include <memory>

namespace nodus {

class Model;

// Synthetic graphs for benchmarks and tests of the layout.
// `blocks` repeats of a 13-node pre-norm transformer block (attention: norm,
// q/k/v projections, scores, softmax, context, output projection; MLP: fc1,
// GELU, fc2; two residual Adds), scoped "/blocks.N/attn/...", "/blocks.N/mlp/..."
// as exporters name them. 13 * blocks nodes.
std::unique_ptr<Model> makeSyntheticTransformer(int blocks);

} // namespace nodus
