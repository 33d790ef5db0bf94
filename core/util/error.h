#pragma once

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

} // namespace nodus
