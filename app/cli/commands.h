#pragma once

#include <string>
#include <vector>

namespace nodus::cli {

using Args = std::vector<std::string>;

// Each returns the process exit code: 0 success, 1 a file could not be read
// or written, 2 bad usage.
int formatsCommand(const Args& args);
int associationsCommand(const Args& args);
int infoCommand(const Args& args);
int graphCommand(const Args& args);
int convertCommand(const Args& args);
int exportWeightsCommand(const Args& args);
int editCommand(const Args& args);
int applyWeightsCommand(const Args& args);
int benchCommand(const Args& args);
int layoutBench(const Args& args);
// run, conformance, devices and bench-run (the Vulkan runtime).
int runCommand(const Args& args, const std::string& command);

int usageError(const std::string& message);

} // namespace nodus::cli
