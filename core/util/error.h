#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

namespace nodus {

// An error a user can act on: the message names the file (where there is one)
// and what is wrong with it. Thrown by readers, writers and edit commands.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The file is fine but locked: it opens with a key the user must supply
// (an encrypted MindIR). Front ends catch it to ask for the key.
class KeyRequiredError : public Error {
public:
    using Error::Error;
};

// For a writer's catch block: an error that already names `path` goes on
// as it is; any other is reported as "<path>: cannot save: <what>".
[[noreturn]] inline void rethrowSaveError(const std::filesystem::path& path, const std::exception& e)
{
    const std::string what = e.what();
    if (what.starts_with(path.string()))
        throw Error(what);
    throw Error(path.string() + ": cannot save: " + what);
}

} // namespace nodus
