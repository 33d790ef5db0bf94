#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace nodus::rt {

// Shape rules shared by host evaluation and the device kernels, so both
// agree. Each throws RuntimeError with the reason on bad shapes.

// Numpy-style broadcast of two shapes.
std::vector<std::int64_t> broadcastShapes(std::span<const std::int64_t> a, std::span<const std::int64_t> b);
// Strides of `shape` (row-major) as seen from an output of rank `rank`
// broadcast from it: 0 where the dim is 1 (or missing).
std::vector<std::int64_t> broadcastStrides(std::span<const std::int64_t> shape, std::size_t rank);
std::vector<std::int64_t> contiguousStrides(std::span<const std::int64_t> shape);
// Axis in [-rank, rank) to [0, rank).
std::int64_t normalizeAxis(std::int64_t axis, std::size_t rank, const char* what = "axis");

// Reshape target with 0 (copy, unless allowzero) and one -1.
std::vector<std::int64_t> reshapeTarget(
    std::span<const std::int64_t> input, std::span<const std::int64_t> target, bool allowZero);
std::vector<std::int64_t> squeezeShape(std::span<const std::int64_t> input, std::vector<std::int64_t> axes);
std::vector<std::int64_t> unsqueezeShape(std::span<const std::int64_t> input, std::vector<std::int64_t> axes);

// Slice: per input dim the start and step, and the output shape.
struct SliceRange {
    std::vector<std::int64_t> start; // per dim
    std::vector<std::int64_t> step;  // per dim
    std::vector<std::int64_t> shape; // output
};
SliceRange sliceRange(std::span<const std::int64_t> input, std::span<const std::int64_t> starts,
    std::span<const std::int64_t> ends, std::span<const std::int64_t> axes, std::span<const std::int64_t> steps);

} // namespace nodus::rt
