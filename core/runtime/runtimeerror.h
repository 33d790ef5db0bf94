#pragma once

#include <stdexcept>
#include <string>

namespace nodus::rt {

// Anything that stops a run: no Vulkan, an op without a kernel, bad inputs,
// a device error. The message is for the user.
class RuntimeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The user cancelled the run.
class RunCancelled : public RuntimeError {
public:
    RunCancelled()
        : RuntimeError("run cancelled")
    {
    }
};

} // namespace nodus::rt
