#include "tensorstatistics.h"

#include "tensor.h"
#include "tensorvalues.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace nodus {

namespace {

// Small enough to stay in L1 while a block is visited twice.
constexpr std::size_t kBlock = 4096;
constexpr std::uint64_t kCheckEvery = std::uint64_t(1) << 20;

std::string tensorLabel(const Tensor& t)
{
    return t.name.empty() ? std::string("the tensor") : "tensor '" + t.name + "'";
}

// Decodes `count` elements of `t` block by block into doubles and hands
// each block to `visit`. Returns false when cancelled.
template <typename Visit>
bool scan(const Tensor& t, std::uint64_t count, const std::atomic<bool>* cancel, Visit&& visit)
{
    const auto bytes = t.data->bytes();
    const FileRegion* region = t.data->region();
    const int bits = dataTypeBits(t.dataType);
    std::uint64_t releasedBytes = 0;
    // Gives the pages already read back as we go, so the resident set stays
    // about one check interval large whatever the tensor's size.
    const auto releaseUpTo = [&](std::uint64_t elements) {
        if (!region || !region->file)
            return;
        const std::uint64_t end = std::min<std::uint64_t>(bytes.size(), (elements * std::uint64_t(bits) + 7) / 8);
        if (end > releasedBytes)
            region->file->release(region->offset + releasedBytes, end - releasedBytes);
        releasedBytes = end;
    };

    std::array<double, kBlock> buffer;
    std::uint64_t sinceCheck = 0;
    for (std::uint64_t first = 0; first < count;) {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kBlock, count - first));
        decodeElements(t.dataType, bytes, first, n, buffer.data());
        visit(buffer.data(), n);
        first += n;
        sinceCheck += n;
        if (sinceCheck >= kCheckEvery) {
            sinceCheck = 0;
            releaseUpTo(first);
            if (cancel && cancel->load(std::memory_order_relaxed))
                return false;
        }
    }
    releaseUpTo(count);
    return true;
}

// Element count of a dense tensor whose bytes are all there.
std::uint64_t checkedCount(const Tensor& t)
{
    if (t.dataType == DataType::String)
        throw Error("statistics need numeric elements: " + tensorLabel(t) + " holds strings");
    const auto count = t.elementCount();
    if (!count)
        throw Error("statistics need a known element count: " + tensorLabel(t) + " has an invalid shape");
    if (dataTypeBits(t.dataType) == 0)
        throw Error("statistics need numeric elements: " + tensorLabel(t) + " has element type "
            + std::string(dataTypeName(t.dataType)));
    if (*count == 0)
        return 0;
    if (!t.data)
        throw Error("statistics need the tensor's values: " + tensorLabel(t) + " has no data");
    const auto needed = storageBytes(t.dataType, *count);
    if (!needed || t.data->size() < *needed)
        throw Error(tensorLabel(t) + " holds " + std::to_string(t.data->size()) + " bytes but its shape needs "
            + (needed ? std::to_string(*needed) : std::string("more")));
    return *count;
}

struct Moments {
    std::uint64_t n = 0;
    double mean = 0;
    double m2 = 0;

    // Chan et al.'s pairwise update: blocks are summarised on their own
    // (vectorisable) and merged, which stays as stable as Welford's
    // per-element form without its division per element.
    void merge(std::uint64_t nb, double meanb, double m2b)
    {
        if (nb == 0)
            return;
        if (n == 0) {
            n = nb;
            mean = meanb;
            m2 = m2b;
            return;
        }
        const double total = double(n + nb);
        const double delta = meanb - mean;
        mean += delta * double(nb) / total;
        m2 += m2b + delta * delta * double(n) * double(nb) / total;
        n += nb;
    }
};

} // namespace

TensorStatistics computeStatistics(const Tensor& tensor, const std::atomic<bool>* cancel)
{
    TensorStatistics s;
    if (cancel && cancel->load(std::memory_order_relaxed)) {
        s.cancelled = true;
        return s;
    }
    // A sparse tensor is its stored values plus implicit zeros.
    const Tensor* stored = &tensor;
    std::uint64_t implicitZeros = 0;
    if (tensor.isSparse()) {
        if (!tensor.sparse->values)
            throw Error("statistics need the tensor's values: sparse " + tensorLabel(tensor) + " has none");
        stored = tensor.sparse->values.get();
        const auto dense = tensor.elementCount();
        if (!dense)
            throw Error("statistics need a known element count: " + tensorLabel(tensor) + " has an invalid shape");
        if (stored->dataType == DataType::String)
            throw Error("statistics need numeric elements: " + tensorLabel(tensor) + " holds strings");
        const std::uint64_t nnz = checkedCount(*stored);
        if (nnz > *dense)
            throw Error("sparse " + tensorLabel(tensor) + " stores more values than its shape holds");
        implicitZeros = *dense - nnz;
    }
    const std::uint64_t count = checkedCount(*stored);
    s.count = count + implicitZeros;
    s.ofMagnitude = stored->dataType == DataType::Complex64 || stored->dataType == DataType::Complex128;

    double lo = std::numeric_limits<double>::infinity();
    double hi = -std::numeric_limits<double>::infinity();
    Moments moments;
    const bool done = scan(*stored, count, cancel, [&](const double* x, std::size_t n) {
        double sum = 0;
        std::uint64_t finite = 0;
        for (std::size_t k = 0; k < n; ++k) {
            const double v = x[k];
            if (std::isnan(v)) {
                ++s.nans;
            } else if (std::isinf(v)) {
                ++s.infs;
            } else {
                ++finite;
                sum += v;
                lo = std::min(lo, v);
                hi = std::max(hi, v);
                s.zeros += v == 0;
            }
        }
        if (finite == 0)
            return;
        const double mean = sum / double(finite);
        double m2 = 0;
        for (std::size_t k = 0; k < n; ++k)
            if (std::isfinite(x[k]))
                m2 += (x[k] - mean) * (x[k] - mean);
        moments.merge(finite, mean, m2);
    });
    if (!done) {
        s.cancelled = true;
        return s;
    }
    if (implicitZeros) {
        moments.merge(implicitZeros, 0, 0);
        s.zeros += implicitZeros;
        lo = std::min(lo, 0.0);
        hi = std::max(hi, 0.0);
    }
    s.finite = moments.n;
    if (s.finite == 0)
        return s;
    s.min = lo;
    s.max = hi;
    s.mean = moments.mean;
    s.std = std::sqrt(moments.m2 / double(moments.n));

    // Halves keep max - min finite even for doubles near the top of the range.
    constexpr int bins = TensorStatistics::kHistogramBins;
    const double halfRange = hi / 2 - lo / 2;
    const double scale = halfRange > 0 ? bins / halfRange : 0;
    const auto bin = [&](double v) { return std::min(bins - 1, static_cast<int>((v / 2 - lo / 2) * scale)); };
    s.histogram.assign(bins, 0);
    const bool binned = scan(*stored, count, cancel, [&](const double* x, std::size_t n) {
        for (std::size_t k = 0; k < n; ++k)
            if (std::isfinite(x[k]))
                ++s.histogram[std::size_t(bin(x[k]))];
    });
    if (!binned) {
        s.cancelled = true;
        return s;
    }
    if (implicitZeros)
        s.histogram[std::size_t(bin(0))] += implicitZeros;
    return s;
}

} // namespace nodus
