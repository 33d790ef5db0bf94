#pragma once

#include "formats/format.h"

#include <memory>
#include <span>
#include <string>

namespace nodus {

class Model;

std::unique_ptr<Model> importCaffe(const Probe& probe);

// Content sniffing: a binary NetParameter's top-level fields, or a text one's
// "layer {" blocks; a solver's keys count too (it is refused when read).
int sniffCaffe(std::span<const std::byte> bytes);

} // namespace nodus
