#pragma once

#include <cstdint>
#include <string_view>

namespace nodus {

// CNTK's PrimitiveOpType numbers, as model-v2 files store them in each
// primitive function's "op" entry. Empty for a number CNTK never assigned.
std::string_view cntkPrimitiveOpName(std::uint64_t op);

// The numbers of the ops the importer treats specially.
namespace cntkop {
constexpr std::uint64_t PastValue = 37;
constexpr std::uint64_t FutureValue = 38;
constexpr std::uint64_t Combine = 44;
constexpr std::uint64_t Block = 57;
} // namespace cntkop

} // namespace nodus
