#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

namespace nodus {

class Tensor;

// Summary of a tensor's values. min, max, mean and std cover the finite
// values only, so one NaN does not hide what the rest look like; NaN and
// infinities are counted apart. Complex tensors are summarised by magnitude.
struct TensorStatistics {
    static constexpr int kHistogramBins = 64;

    std::uint64_t count = 0; // all elements (a sparse tensor's dense count)
    std::uint64_t finite = 0; // elements that are neither NaN nor infinite
    double min = 0;
    double max = 0;
    double mean = 0;
    double std = 0; // population standard deviation (numpy's default, ddof 0)
    std::uint64_t zeros = 0;
    std::uint64_t nans = 0;
    std::uint64_t infs = 0;
    // Counts of the finite values in kHistogramBins equal bins from min to
    // max (the last bin includes max). Empty when there is no finite value.
    std::vector<std::uint64_t> histogram;
    bool ofMagnitude = false; // complex elements: the numbers describe |z|
    bool cancelled = false; // stopped early: the other fields mean nothing
};

// Streams over the tensor's bytes twice (moments, then histogram), checking
// `cancel` every million elements; when it turns true the result comes back
// with `cancelled` set. Pages of a memory-mapped tensor are given back to
// the system as the scan passes them, so statistics on a 10 GB weight do
// not leave 10 GB resident. Throws nodus::Error for string tensors and for
// tensors whose bytes are missing or short.
TensorStatistics computeStatistics(const Tensor& tensor, const std::atomic<bool>* cancel = nullptr);

} // namespace nodus
