#pragma once

#include <filesystem>

namespace nodus {

class Model;

// Saves a model read from a Keras file back in its own container: the file
// is copied and the edited weights' bytes patched in place (shapes and types
// must stay as read). A .keras archive is rewritten member by member.
void writeKerasModel(const Model& model, const std::filesystem::path& path);

} // namespace nodus
