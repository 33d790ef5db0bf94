#pragma once

namespace nodus {

class OpMetadata;

// Core ML's op metadata (core/formats/coreml/coreml-ops.json, embedded at
// build time): categories and parameters of the neural network layers and
// model types, by the names CoremlImporter gives ("Convolution",
// "InnerProduct", "OneHotEncoder"). Parsed on first use.
const OpMetadata& coremlOpMetadata();

} // namespace nodus
