#pragma once

namespace nodus {

class OpMetadata;

// MindSpore Lite's op metadata (core/formats/mindsporelite/mindspore-lite-ops.json,
// embedded at build time): categories, ports and option attributes by the op
// names MsliteImporter gives ("Conv2DFusion", "FullConnection"). Parsed on
// first use.
const OpMetadata& msliteOpMetadata();

} // namespace nodus
