#pragma once

#include <string>
#include <vector>

namespace nodus {

class Model;

// Structural equality of two models, for round-trip checks and "did this
// edit change anything else": properties, graphs (nodes, wiring, attributes,
// subgraphs), functions and every stored tensor byte. Returns the
// differences found, in words (at most `limit`); empty means equal.
std::vector<std::string> compareModels(const Model& a, const Model& b, std::size_t limit = 20);

} // namespace nodus
