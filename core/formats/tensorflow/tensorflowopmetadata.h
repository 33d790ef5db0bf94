#pragma once

namespace nodus {

class OpMetadata;

// TensorFlow's op metadata (core/formats/tensorflow/tensorflow-ops.json,
// embedded at build time): categories, ports and attributes of common ops,
// by TensorFlow op name ("Conv2D", "VarHandleOp"). Parsed on first use.
const OpMetadata& tensorflowOpMetadata();

} // namespace nodus
