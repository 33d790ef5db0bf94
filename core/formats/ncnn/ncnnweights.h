#pragma once

#include "ncnnnet.h"

#include <optional>

namespace nodus {

// One blob a layer's load_model() reads from the .bin, in file order.
// `flagged`: ModelBin type 0 (a 4-byte tag says fp32, fp16, int8 or a
// quantization table); otherwise type 1, bare fp32.
struct NcnnWeightSpec {
    std::string suffix; // "weight", "bias", "slope", ...
    std::int64_t count = 0;
    bool flagged = false;
    std::vector<std::int64_t> dims;
};

// What a layer reads from the .bin, or nullopt with `why` when Nodus does
// not know its layout (weights after it cannot be located either).
std::optional<std::vector<NcnnWeightSpec>> ncnnWeightLayout(const NcnnLayer& layer, std::string& why);

constexpr std::uint32_t kNcnnTagFp16 = 0x01306B47;
constexpr std::uint32_t kNcnnTagInt8 = 0x000D4B38;
constexpr std::uint32_t kNcnnTagFp32 = 0x0002C056;

} // namespace nodus
