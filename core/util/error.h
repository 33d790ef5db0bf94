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

} // namespace nodus
