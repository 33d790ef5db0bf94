#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace nodus {
class Graph;
class Tensor;
} // namespace nodus

namespace nodus::rt {

struct RunResult;

// What a Vulkan device's compiled shaders reach on the two things conv and
// GEMM kernels do: multiply-adds on registers and RGBA32F texel fetches.
// The rates bound any kernel from above, so a model's multiply-add count
// over fmaPerSecond is a floor on its run time on that device (`nodus-cli
// bench run MODEL --ceiling`). Medians of `runs` timed dispatches after a
// warm-up; wall time, so they hold for CPU drivers (lavapipe) as well as
// GPUs.
struct DeviceRates {
    std::string device;
    double fmaPerSecond = 0; // float32 multiply-adds, register operands
    double fetchesPerSecond = 0; // RGBA32F texel fetches (one vec4 per invocation), a 32 KiB buffer
    double streamBytesPerSecond = 0; // bytes read by texel fetches streaming through a 64 MiB buffer
};

// Each probe's results are read back and checked against the host's
// arithmetic, so a rate never comes from work the driver skipped. Throws
// RuntimeError when the device cannot be opened, a dispatch fails or a
// result is wrong.
DeviceRates probeDevice(const std::string& device, int runs = 7);

// The multiply-adds of a graph's Conv, ConvTranspose, Gemm and MatMul nodes
// (the bulk of a CNN's or transformer's arithmetic), from the shapes of one
// run: `run` must come from a session with keepIntermediates and profile on,
// fed `inputs`. `executed` counts convs that ran as Winograd F(4x4, 3x3)
// (profile kernels conv_wino_in and conv_wino_gemm) at a quarter, 36
// products per 4x4 output tile instead of 144: the least arithmetic the
// kernels that ran can do.
struct MultiplyAdds {
    double direct = 0;
    double executed = 0;
    int nodes = 0; // nodes counted
};
MultiplyAdds countMultiplyAdds(const Graph& graph, const RunResult& run,
    const std::vector<std::pair<std::string, std::shared_ptr<const Tensor>>>& inputs);

} // namespace nodus::rt
