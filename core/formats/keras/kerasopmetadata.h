#pragma once

namespace nodus {

class OpMetadata;

// Keras layer metadata (core/formats/keras/keras-ops.json, embedded at build
// time): categories, ports and config attributes by layer class name.
const OpMetadata& kerasOpMetadata();

} // namespace nodus
