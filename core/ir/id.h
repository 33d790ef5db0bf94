#pragma once

#include <cstdint>

namespace nodus {

// Stable identity of a node or value. Ids are never reused within a process,
// so undo stacks, selections and layout caches can hold them safely across
// edits, removals and re-insertions.
using Id = std::uint64_t;
Id newId();

} // namespace nodus
