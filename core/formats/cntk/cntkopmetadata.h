#pragma once

#include "ir/opmetadata.h"

namespace nodus {

// CNTK's op metadata (primitive ops of model-v2, CNTK 1.x node types, and
// the layers-library names Block functions carry), from the hand-written
// resources/ops/cntk.json embedded in the binary. Parsed on first use.
const OpMetadata& cntkOpMetadata();

} // namespace nodus
