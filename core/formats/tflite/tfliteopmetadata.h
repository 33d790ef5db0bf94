#pragma once

namespace nodus {

class OpMetadata;

// TFLite's op metadata (core/formats/tflite/tflite-ops.json, embedded at
// build time): categories, ports and option attributes with their defaults,
// by the op type names TfliteImporter gives ("Conv2D", "FullyConnected").
// Parsed on first use.
const OpMetadata& tfliteOpMetadata();

} // namespace nodus
