#pragma once

#include <nlohmann/json.hpp>

namespace nodus {
struct ModelSummary;
}

namespace nodus::cli {

// The `info --json` object, field names as documented in the README.
nlohmann::json summaryJson(const std::string& file, const ModelSummary& summary);

} // namespace nodus::cli
