#pragma once

namespace nodus {

class OpMetadata;

// PaddlePaddle's op metadata (core/formats/paddle/paddle-ops.json, embedded
// at build time), by Paddle's op type names ("conv2d", "batch_norm").
// Parsed on first use.
const OpMetadata& paddleOpMetadata();

} // namespace nodus
