// Vulkan kernels of the convolution family (Conv, ConvTranspose, the
// pools, MaxUnpool, Resize/Upsample, DepthToSpace/SpaceToDepth, GridSample,
// RoiAlign, ConvInteger, QLinearConv) against plain CPU references on seeded
// random data.
//
// NODUS_CONV_BENCH=1 in the environment also times a ResNet-style 3x3 conv
// (printed, never a pass/fail criterion).
#include "runtimetest.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <set>

using namespace nodus;
using namespace nodus::test;

namespace {

using Dims = std::vector<std::int64_t>;
using Ints = std::vector<std::int64_t>;

// Row-major strides.
Dims stridesOf(const Dims& s)
{
    Dims st(s.size(), 1);
    for (std::size_t i = s.size(); i-- > 1;)
        st[i - 1] = st[i] * s[i];
    return st;
}

// Iterates every index of `shape`, calling f(coords).
template <class F> void forEachIndex(const Dims& shape, F f)
{
    std::size_t n = countOf(shape);
    Dims c(shape.size(), 0);
    for (std::size_t i = 0; i < n; ++i) {
        f(c);
        for (std::size_t d = shape.size(); d-- > 0;) {
            if (++c[d] < shape[d])
                break;
            c[d] = 0;
        }
    }
}

// Geometry of a windowed op, worked out the way the ONNX operator
// documents say (independently of the kernels' own code).
struct Geometry {
    Ints out, head, tail;
};

Geometry geometry(const Dims& in, const Ints& kernel, const Ints& strides, const Ints& dilations, const Ints& pads,
    const std::string& autoPad, bool ceilMode)
{
    std::size_t r = kernel.size();
    Geometry g;
    for (std::size_t i = 0; i < r; ++i) {
        std::int64_t x = in[2 + i], dk = (kernel[i] - 1) * dilations[i] + 1, s = strides[i];
        if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
            std::int64_t o = (x + s - 1) / s;
            std::int64_t total = std::max<std::int64_t>(0, (o - 1) * s + dk - x);
            std::int64_t head = autoPad == "SAME_UPPER" ? total / 2 : (total + 1) / 2;
            g.out.push_back(o);
            g.head.push_back(head);
            g.tail.push_back(total - head);
        } else if (autoPad == "VALID") {
            g.out.push_back((x - dk) / s + 1);
            g.head.push_back(0);
            g.tail.push_back(0);
        } else {
            double span = double(x + pads[i] + pads[r + i] - dk) / double(s);
            g.out.push_back(std::int64_t(ceilMode ? std::ceil(span) : std::floor(span)) + 1);
            g.head.push_back(pads[i]);
            g.tail.push_back(pads[r + i]);
        }
    }
    return g;
}

Attribute autoPadAttr(const std::string& s)
{
    return stringAttr("auto_pad", s);
}

// ---- Conv reference: direct summation in double.
std::vector<double> convRef(const std::vector<double>& x, const Dims& xs, const std::vector<double>& w, const Dims& ws,
    const std::vector<double>* bias, std::int64_t group, const Ints& strides, const Ints& dil, const Geometry& g,
    Dims& ys)
{
    std::size_t r = xs.size() - 2;
    std::int64_t N = xs[0], C = xs[1], OC = ws[0], Cg = C / group, OCg = OC / group;
    ys = { N, OC };
    for (auto o : g.out)
        ys.push_back(o);
    Dims kshape(ws.begin() + 2, ws.end());
    auto xst = stridesOf(xs), wst = stridesOf(ws);
    std::vector<double> y(countOf(ys));
    std::size_t k = 0;
    forEachIndex(ys, [&](const Dims& c) {
        std::int64_t n = c[0], oc = c[1], grp = oc / OCg;
        double acc = bias ? (*bias)[std::size_t(oc)] : 0.0;
        for (std::int64_t ic = 0; ic < Cg; ++ic) {
            forEachIndex(kshape, [&](const Dims& kc) {
                std::int64_t xo = n * xst[0] + (grp * Cg + ic) * xst[1];
                for (std::size_t i = 0; i < r; ++i) {
                    std::int64_t p = c[2 + i] * strides[i] - g.head[i] + kc[i] * dil[i];
                    if (p < 0 || p >= xs[2 + i])
                        return;
                    xo += p * xst[2 + i];
                }
                std::int64_t wo = oc * wst[0] + ic * wst[1];
                for (std::size_t i = 0; i < r; ++i)
                    wo += kc[i] * wst[2 + i];
                acc += x[std::size_t(xo)] * w[std::size_t(wo)];
            });
        }
        y[k++] = acc;
    });
    return y;
}

struct ConvCase {
    Dims x {};
    Dims w {};
    std::int64_t group = 1;
    Ints strides {}, dilations {}, pads {};
    std::string autoPad = "NOTSET";
    bool bias = true;
    bool winograd = false; // runWinogradConv takes it (with session weights)
    bool gemm = false; // runGemmConv takes it (with session weights)
    bool winoInPlace = false; // Winograd reads the input in place (no conv_pad)
};

// The passes of a conv run as one GEMM (runGemmConv): patches, GEMM,
// transpose with the epilogue.
const std::vector<std::string> kGemmKernels { "conv_gemm_in", "conv_wino_gemm", "conv_gemm_out" };

std::vector<std::shared_ptr<Tensor>> run(std::string op, std::vector<Attribute> attrs,
    std::vector<std::shared_ptr<Tensor>> inputs, int outputs = 1, int opset = 17)
{
    OpRun r;
    r.op = std::move(op);
    r.attributes = std::move(attrs);
    r.inputs = std::move(inputs);
    r.outputs = outputs;
    r.opset = opset;
    return runOp(r);
}

// ---- ConvTranspose reference: scatter every input through the kernel.
std::vector<double> convTransposeRef(const std::vector<double>& x, const Dims& xs, const std::vector<double>& w,
    const Dims& ws, const std::vector<double>* bias, std::int64_t group, const Ints& strides, const Ints& dil,
    const Ints& head, const Ints& out, Dims& ys)
{
    std::size_t r = xs.size() - 2;
    std::int64_t N = xs[0], C = xs[1], Cg = C / group, OCg = ws[1], OC = OCg * group;
    ys = { N, OC };
    for (auto o : out)
        ys.push_back(o);
    auto yst = stridesOf(ys), wst = stridesOf(ws);
    std::vector<double> y(countOf(ys), 0.0);
    for (std::int64_t n = 0; n < N; ++n)
        for (std::int64_t oc = 0; oc < OC; ++oc)
            for (std::size_t i = 0; i < std::size_t(yst[1]); ++i)
                y[std::size_t(n * yst[0] + oc * yst[1]) + i] = bias ? (*bias)[std::size_t(oc)] : 0.0;
    Dims kshape(ws.begin() + 2, ws.end());
    std::size_t xi = 0;
    forEachIndex(xs, [&](const Dims& c) {
        double xv = x[xi++];
        std::int64_t n = c[0], ic = c[1], g = ic / Cg;
        forEachIndex(kshape, [&](const Dims& kc) {
            std::int64_t yo = n * yst[0];
            for (std::size_t i = 0; i < r; ++i) {
                std::int64_t pos = c[2 + i] * strides[i] + kc[i] * dil[i] - head[i];
                if (pos < 0 || pos >= out[i])
                    return;
                yo += pos * yst[2 + i];
            }
            for (std::int64_t ocg = 0; ocg < OCg; ++ocg) {
                std::int64_t wo = ic * wst[0] + ocg * wst[1];
                for (std::size_t i = 0; i < r; ++i)
                    wo += kc[i] * wst[2 + i];
                y[std::size_t(yo + (g * OCg + ocg) * yst[1])] += xv * w[std::size_t(wo)];
            }
        });
    });
    return y;
}

struct ConvTCase {
    Dims x {}, w {};
    std::int64_t group = 1;
    Ints strides {}, dilations {}, pads {}, outputPadding {}, outputShape {};
    std::string autoPad = "NOTSET";
};

// ---- Pooling reference.
enum class PoolKind { Max, Avg, AvgPads, Lp };

std::vector<double> poolRef(const std::vector<double>& x, const Dims& xs, PoolKind kind, const Ints& kernel,
    const Ints& strides, const Ints& dil, const Geometry& g, double lp, int storageOrder, Dims& ys,
    std::vector<double>* indices)
{
    std::size_t r = kernel.size();
    ys = { xs[0], xs[1] };
    for (auto o : g.out)
        ys.push_back(o);
    auto xst = stridesOf(xs);
    Dims spatial(xs.begin() + 2, xs.end());
    std::vector<double> y;
    Dims kshape(kernel.begin(), kernel.end());
    forEachIndex(ys, [&](const Dims& c) {
        double best = -std::numeric_limits<double>::infinity(), sum = 0;
        std::int64_t bestAt = -1, count = 0;
        forEachIndex(kshape, [&](const Dims& kc) {
            std::int64_t off = c[0] * xst[0] + c[1] * xst[1], colMajor = 0, mul = 1;
            for (std::size_t i = 0; i < r; ++i) {
                std::int64_t p = c[2 + i] * strides[i] - g.head[i] + kc[i] * dil[i];
                if (p < 0 || p >= xs[2 + i])
                    return;
                off += p * xst[2 + i];
                colMajor += p * mul;
                mul *= xs[2 + i];
            }
            double v = x[std::size_t(off)];
            if (v > best) {
                best = v;
                bestAt = storageOrder ? c[0] * xst[0] + c[1] * xst[1] + colMajor : off;
            }
            sum += kind == PoolKind::Lp ? std::pow(std::abs(v), lp) : v;
            ++count;
        });
        if (kind == PoolKind::Max) {
            y.push_back(best);
            if (indices)
                indices->push_back(double(bestAt));
        } else if (kind == PoolKind::Lp) {
            y.push_back(std::pow(sum, 1.0 / lp));
        } else {
            if (kind == PoolKind::AvgPads) {
                count = 1;
                for (std::size_t i = 0; i < r; ++i) {
                    std::int64_t start = c[2 + i] * strides[i] - g.head[i];
                    std::int64_t end = std::min(start + kernel[i], xs[2 + i] + g.tail[i]);
                    count *= end - start;
                }
            }
            y.push_back(sum / double(count));
        }
    });
    return y;
}

struct PoolCase {
    std::string op;
    Dims x {};
    Ints kernel {}, strides {}, dilations {}, pads {};
    std::string autoPad = "NOTSET";
    bool ceilMode = false;
    bool countIncludePad = false;
    int storageOrder = 0;
    std::int64_t p = 2;
    bool indices = false;
    bool max4 = false; // pool_max4.comp takes it (2-D float max, rows of whole texels)
};

// ---- Resize reference: the ONNX reference implementation's algorithm
// (1-D interpolation of n nearest neighbours of an edge-padded array,
// applied dim by dim), written out plainly.
struct ResizeRef {
    std::string mode = "nearest", transform = "half_pixel", nearest = "round_prefer_floor";
    double cubicA = -0.75, extrapolation = 0;
    bool excludeOutside = false;

    std::vector<double> coeffs(double ratio) const
    {
        if (mode == "linear")
            return { 1 - ratio, ratio };
        if (mode == "cubic") {
            double A = cubicA;
            return { ((A * (ratio + 1) - 5 * A) * (ratio + 1) + 8 * A) * (ratio + 1) - 4 * A,
                ((A + 2) * ratio - (A + 3)) * ratio * ratio + 1,
                ((A + 2) * (1 - ratio) - (A + 3)) * (1 - ratio) * (1 - ratio) + 1,
                ((A * ((1 - ratio) + 1) - 5 * A) * ((1 - ratio) + 1) + 8 * A) * ((1 - ratio) + 1) - 4 * A };
        }
        if (ratio == std::floor(ratio))
            return { 0, 1 };
        if (nearest == "round_prefer_ceil")
            return { double(ratio < 0.5), double(ratio >= 0.5) };
        if (nearest == "floor")
            return { 1, 0 };
        if (nearest == "ceil")
            return { 0, 1 };
        return { double(ratio <= 0.5), double(ratio > 0.5) };
    }

    double interp1d(const std::vector<double>& data, double scale, double x, double roi0, double roi1) const
    {
        double in = double(data.size()), outW = scale * in, xo;
        if (transform == "align_corners")
            xo = outW == 1 ? 0 : x * (in - 1) / (outW - 1);
        else if (transform == "asymmetric")
            xo = x / scale;
        else if (transform == "tf_crop_and_resize") {
            xo = outW == 1 ? (roi1 - roi0) * (in - 1) / 2 : x * (roi1 - roi0) * (in - 1) / (outW - 1);
            xo += roi0 * (in - 1);
            if (xo < 0 || xo > in - 1)
                return extrapolation;
        } else if (transform == "pytorch_half_pixel")
            xo = outW == 1 ? -0.5 : (x + 0.5) / scale - 0.5;
        else if (transform == "tf_half_pixel_for_nn")
            xo = (x + 0.5) / scale;
        else
            xo = (x + 0.5) / scale - 0.5;
        double fl = std::floor(xo);
        double ratio = xo == fl ? 1.0 : xo - fl;
        auto c = coeffs(ratio);
        int n = int(c.size());
        int pad = (n + 1) / 2;
        // The n nearest indexes of the padded array, ties to the lower one.
        std::vector<std::int64_t> all;
        for (std::int64_t i = 0; i < std::int64_t(data.size()) + 2 * pad; ++i)
            all.push_back(i);
        double px = xo + pad;
        std::stable_sort(all.begin(), all.end(), [&](std::int64_t a, std::int64_t b) {
            double da = std::abs(px - double(a)), db = std::abs(px - double(b));
            return da < db || (da == db && a < b);
        });
        std::vector<std::int64_t> idx(all.begin(), all.begin() + n);
        std::sort(idx.begin(), idx.end());
        if (excludeOutside) {
            double sum = 0;
            for (int k = 0; k < n; ++k) {
                std::int64_t i = idx[std::size_t(k)] - pad;
                if (i < 0 || i >= std::int64_t(data.size()))
                    c[std::size_t(k)] = 0;
                sum += c[std::size_t(k)];
            }
            for (auto& v : c)
                v /= sum;
        }
        double acc = 0;
        for (int k = 0; k < n; ++k) {
            std::int64_t i = std::clamp<std::int64_t>(idx[std::size_t(k)] - pad, 0, std::int64_t(data.size()) - 1);
            acc += c[std::size_t(k)] * data[std::size_t(i)];
        }
        return acc;
    }

    // data of shape `shape` at output coordinate `x`, dims from `d` on.
    double interpNd(const std::vector<double>& data, const Dims& shape, std::size_t d,
        const std::vector<double>& scales, const Dims& x, const std::vector<double>& roi) const
    {
        std::size_t rank = shape.size();
        if (d == rank - 1)
            return interp1d(data, scales[d], double(x[d]), roi.empty() ? 0 : roi[d], roi.empty() ? 1 : roi[rank + d]);
        std::size_t inner = data.size() / std::size_t(shape[d]);
        std::vector<double> line;
        for (std::int64_t i = 0; i < shape[d]; ++i) {
            std::vector<double> sub(data.begin() + std::ptrdiff_t(i * std::int64_t(inner)),
                data.begin() + std::ptrdiff_t((i + 1) * std::int64_t(inner)));
            line.push_back(interpNd(sub, shape, d + 1, scales, x, roi));
        }
        return interp1d(line, scales[d], double(x[d]), roi.empty() ? 0 : roi[d], roi.empty() ? 1 : roi[rank + d]);
    }
};

struct ResizeCase {
    Dims x {};
    std::vector<double> scales {};
    Ints sizes {};
    std::string mode = "nearest", transform = "half_pixel", nearest = "round_prefer_floor";
    double cubicA = -0.75;
    bool excludeOutside = false;
    std::vector<double> roi {};
    double extrapolation = 0;
    DataType type = DataType::Float;
};

// Generic transpose, for the DepthToSpace / SpaceToDepth references.
std::vector<double> transposeRef(const std::vector<double>& x, const Dims& shape, const Ints& perm)
{
    Dims out;
    for (auto p : perm)
        out.push_back(shape[std::size_t(p)]);
    auto st = stridesOf(shape);
    std::vector<double> y;
    forEachIndex(out, [&](const Dims& c) {
        std::int64_t off = 0;
        for (std::size_t i = 0; i < perm.size(); ++i)
            off += c[i] * st[std::size_t(perm[i])];
        y.push_back(x[std::size_t(off)]);
    });
    return y;
}

// ---- GridSample reference (PyTorch's grid_sample).
double gsUnnormalize(double v, std::int64_t size, bool align)
{
    return align ? (v + 1) / 2 * double(size - 1) : ((v + 1) * double(size) - 1) / 2;
}
double gsReflect(double v, std::int64_t size, bool align)
{
    double lo2 = align ? 0 : -1, hi2 = align ? 2.0 * double(size - 1) : 2.0 * double(size) - 1;
    if (lo2 == hi2)
        return 0;
    double lo = lo2 / 2, span = (hi2 - lo2) / 2;
    v = std::abs(v - lo);
    double extra = std::fmod(v, span);
    int flips = int(std::floor(v / span));
    return flips % 2 == 0 ? extra + lo : span - extra + lo;
}
double gsPad(double v, std::int64_t size, bool align, const std::string& pad)
{
    if (pad == "border")
        return std::clamp(v, 0.0, double(size - 1));
    if (pad == "reflection")
        return std::clamp(gsReflect(v, size, align), 0.0, double(size - 1));
    return v;
}
double gsCubic(double t, int k)
{
    const double A = -0.75;
    double s = k == 0 ? t + 1 : k == 1 ? t : k == 2 ? 1 - t : 2 - t;
    if (k == 1 || k == 2)
        return ((A + 2) * s - (A + 3)) * s * s + 1;
    return ((A * s - 5 * A) * s + 8 * A) * s - 4 * A;
}

} // namespace

Q_DECLARE_METATYPE(ConvCase)
Q_DECLARE_METATYPE(ConvTCase)
Q_DECLARE_METATYPE(PoolCase)
Q_DECLARE_METATYPE(ResizeCase)
Q_DECLARE_METATYPE(nodus::DataType)

class TestRuntimeConv : public QObject {
    Q_OBJECT

private slots:
    // ---------------------------------------------------------------- Conv
    void conv_data()
    {
        QTest::addColumn<ConvCase>("c");
        QTest::newRow("3x3 pad 1") << ConvCase { { 1, 8, 10, 12 }, { 6, 8, 3, 3 }, 1, {}, {}, { 1, 1, 1, 1 } };
        QTest::newRow("batch 2, no bias")
            << ConvCase { { 2, 5, 7, 9 }, { 7, 5, 3, 3 }, 1, {}, {}, { 1, 1, 1, 1 }, "NOTSET", false };
        QTest::newRow("stride 2 asym pads")
            << ConvCase { { 1, 6, 13, 11 }, { 9, 6, 3, 5 }, 1, { 2, 2 }, {}, { 0, 2, 1, 1 } };
        QTest::newRow("dilation 2") << ConvCase { { 1, 4, 12, 12 }, { 5, 4, 3, 3 }, 1, {}, { 2, 2 }, { 2, 2, 2, 2 } };
        QTest::newRow("1x1") << ConvCase { { 2, 16, 7, 7 }, { 33, 16, 1, 1 }, 1, {}, {}, {} };
        QTest::newRow("1x1 stride 2") << ConvCase { { 1, 8, 9, 9 }, { 12, 8, 1, 1 }, 1, { 2, 2 }, {}, {} };
        QTest::newRow("groups 2") << ConvCase { { 1, 6, 8, 8 }, { 10, 3, 3, 3 }, 2, {}, {}, { 1, 1, 1, 1 } };
        QTest::newRow("depthwise") << ConvCase { { 1, 12, 9, 10 }, { 12, 1, 3, 3 }, 12, {}, {}, { 1, 1, 1, 1 } };
        QTest::newRow("depthwise x2 stride 2")
            << ConvCase { { 1, 4, 9, 10 }, { 8, 1, 3, 3 }, 4, { 2, 2 }, {}, { 1, 1, 1, 1 } };
        QTest::newRow("same upper s2") << ConvCase { { 1, 3, 11, 10 }, { 4, 3, 4, 4 }, 1, { 2, 2 }, {}, {},
            "SAME_UPPER" };
        QTest::newRow("same lower s2") << ConvCase { { 1, 3, 11, 10 }, { 4, 3, 4, 4 }, 1, { 2, 2 }, {}, {},
            "SAME_LOWER" };
        QTest::newRow("valid s3") << ConvCase { { 1, 3, 14, 13 }, { 4, 3, 3, 2 }, 1, { 3, 3 }, {}, {}, "VALID" };
        QTest::newRow("7x7 stem s2") << ConvCase { { 1, 3, 32, 32 }, { 16, 3, 7, 7 }, 1, { 2, 2 }, {}, { 3, 3, 3, 3 } };
        QTest::newRow("resnet-ish 64") << ConvCase { { 1, 64, 14, 14 }, { 64, 64, 3, 3 }, 1, {}, {}, { 1, 1, 1, 1 },
            "NOTSET", true, true };
        // In place (no pads, rows a multiple of 4 wide) with vec4 stores.
        QTest::newRow("1x1 unpadded width 16") << ConvCase { { 1, 16, 6, 16 }, { 12, 16, 1, 1 }, 1, {}, {}, {} };
        QTest::newRow("3x3 unpadded width 20")
            << ConvCase { { 2, 8, 7, 20 }, { 20, 8, 3, 3 }, 1, {}, {}, {}, "NOTSET", false };
        // conv_dw.comp: row tiles, vec4 stores, strides and dilations.
        QTest::newRow("depthwise width 16") << ConvCase { { 2, 8, 13, 16 }, { 8, 1, 3, 3 }, 8, {}, {}, { 1, 1, 1, 1 } };
        QTest::newRow("depthwise s2 width 17")
            << ConvCase { { 1, 6, 15, 17 }, { 6, 1, 3, 3 }, 6, { 2, 2 }, {}, { 1, 1, 1, 1 } };
        QTest::newRow("depthwise 5x5 dil 2 no bias")
            << ConvCase { { 1, 5, 19, 11 }, { 5, 1, 5, 5 }, 5, {}, { 2, 2 }, { 4, 4, 4, 4 }, "NOTSET", false };
        QTest::newRow("depthwise 1-D") << ConvCase { { 2, 3, 30 }, { 3, 1, 5 }, 3, { 2 }, {}, { 2, 1 } };
        QTest::newRow("wide channels odd") << ConvCase { { 1, 37, 5, 6 }, { 19, 37, 3, 3 }, 1, {}, {}, { 1, 1, 1, 1 } };
        QTest::newRow("1-D") << ConvCase { { 2, 5, 17 }, { 6, 5, 3 }, 1, { 2 }, { 1 }, { 1, 2 } };
        QTest::newRow("1-D groups dil") << ConvCase { { 1, 4, 20 }, { 6, 2, 4 }, 2, { 1 }, { 3 }, { 0, 0 } };
        QTest::newRow("3-D") << ConvCase { { 1, 3, 5, 6, 7 }, { 4, 3, 3, 3, 3 }, 1, { 1, 2, 1 }, {},
            { 1, 1, 0, 1, 0, 1 } };
        // Winograd F(4x4, 3x3) (session weights, conv() below; shapes that
        // pass its selection rule): channels past the GEMM blocks, asymmetric
        // and no pads, partial tiles and quads, batch 2, odd widths (scalar
        // stores).
        QTest::newRow("winograd batch 2 asym pads")
            << ConvCase { { 2, 32, 13, 11 }, { 40, 32, 3, 3 }, 1, {}, {}, { 1, 0, 2, 1 }, "NOTSET", true, true };
        QTest::newRow("winograd no pad") << ConvCase { { 1, 40, 18, 17 }, { 36, 40, 3, 3 }, 1, {}, {}, {}, "NOTSET",
            true, true };
        QTest::newRow("winograd 30x30 no bias")
            << ConvCase { { 1, 48, 30, 30 }, { 32, 48, 3, 3 }, 1, {}, {}, { 1, 1, 1, 1 }, "NOTSET", false, true };
        QTest::newRow("winograd same upper 40 wide")
            << ConvCase { { 1, 36, 16, 40 }, { 40, 36, 3, 3 }, 1, {}, {}, {}, "SAME_UPPER", true, true, false, true };
        // Rows of whole texels, read in place: left pads 0 and 2 (patch rows
        // starting on and inside a texel), batch 2 with a partial quad.
        QTest::newRow("winograd in place no pad") << ConvCase { { 1, 32, 18, 20 }, { 40, 32, 3, 3 }, 1, {}, {}, {},
            "NOTSET", true, true, false, true };
        QTest::newRow("winograd in place pad 2") << ConvCase { { 1, 40, 18, 16 }, { 32, 40, 3, 3 }, 1, {}, {},
            { 2, 2, 0, 0 }, "NOTSET", false, true, false, true };
        QTest::newRow("winograd in place batch 2") << ConvCase { { 2, 32, 12, 12 }, { 36, 32, 3, 3 }, 1, {}, {},
            { 1, 1, 1, 1 }, "NOTSET", true, true, false, true };
        // One GEMM over all output pixels (session weights, outputs of up
        // to 64 pixels with 64+ channels): blocks of 8 and of 16 pixels,
        // output channels past the last slot group, K not a multiple of 8,
        // strides, dilations, asymmetric pads, batch 2, a 1x1 and a 5x3
        // kernel.
        QTest::newRow("gemm 7x7 512 channels")
            << ConvCase { { 1, 64, 7, 7 }, { 512, 64, 3, 3 }, 1, {}, {}, { 1, 1, 1, 1 }, "NOTSET", true, false, true };
        QTest::newRow("gemm stride 2 odd channels") << ConvCase { { 1, 37, 13, 11 }, { 70, 37, 3, 3 }, 1, { 2, 2 }, {},
            { 1, 0, 1, 2 }, "NOTSET", true, false, true };
        QTest::newRow("gemm 2x3 output batch 2 no bias") << ConvCase { { 2, 16, 6, 7 }, { 72, 16, 5, 3 }, 1, { 2, 2 },
            { 1, 2 }, { 0, 0, 0, 0 }, "NOTSET", false, false, true };
        QTest::newRow("gemm 1x1") << ConvCase { { 1, 96, 5, 5 }, { 130, 96, 1, 1 }, 1, {}, {}, {}, "NOTSET", true,
            false, true };
    }
    void conv()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(ConvCase, c);
        std::size_t r = c.x.size() - 2;
        Ints strides = c.strides.empty() ? Ints(r, 1) : c.strides;
        Ints dil = c.dilations.empty() ? Ints(r, 1) : c.dilations;
        Ints pads = c.pads.empty() ? Ints(2 * r, 0) : c.pads;
        Ints kernel(c.w.begin() + 2, c.w.end());
        auto x = randomValues(countOf(c.x), 11);
        auto w = randomValues(countOf(c.w), 12);
        auto b = randomValues(std::size_t(c.w[0]), 13);
        Geometry g = geometry(c.x, kernel, strides, dil, pads, c.autoPad, false);
        Dims ys;
        auto expected = convRef(x, c.x, w, c.w, c.bias ? &b : nullptr, c.group, strides, dil, g, ys);

        std::vector<Attribute> attrs { intAttr("group", c.group), intsAttr("kernel_shape", kernel),
            intsAttr("strides", strides) };
        if (c.autoPad == "NOTSET") {
            attrs.push_back(intsAttr("pads", pads));
            attrs.push_back(intsAttr("dilations", dil));
        } else {
            attrs.push_back(autoPadAttr(c.autoPad));
        }
        std::vector<std::shared_ptr<Tensor>> inputs { tensorOf(DataType::Float, c.x, x),
            tensorOf(DataType::Float, c.w, w) };
        if (c.bias)
            inputs.push_back(tensorOf(DataType::Float, { c.w[0] }, b));
        auto out = run("Conv", attrs, inputs);
        QCOMPARE(out[0]->dims, ys);
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), expected, 1e-4, 1e-4);

        // Again with W (and B) as session weights, which 3x3 stride-1 convs
        // with 16+ channels run through Winograd (weights transformed on the
        // host once per session). Its rounding error is ~1e-5 of the output
        // scale (outputs here are sums of up to 9 * 64 products of values in
        // [-1, 1]), inside the same tolerance. Winograd is one of the CPU
        // kernels (NODUS_KERNELS=cpu runs it on a GPU too).
        qputenv("NODUS_KERNELS", "cpu");
        auto restoreKernels = qScopeGuard([] { qunsetenv("NODUS_KERNELS"); });
        OpRun opRun("Conv", attrs, inputs);
        std::vector<bool> weights { false, true, c.bias };
        auto model = weightModel(opRun, weights);
        // Profiled: the shaders it ran show the path taken (below).
        auto profiledRun = runWeightModelResult(model, opRun, weights, profiledOptions());
        const auto& fromWeights = profiledRun.outputs;
        QCOMPARE(fromWeights[0]->dims, ys);
        NODUS_COMPARE_VALUES(valuesOf(*fromWeights[0]), expected, 1e-4, 1e-4);
        // Without Winograd the same session weights give other roundings
        // exactly where the case says Winograd runs (the rows marked
        // winograd, and no other).
        qputenv("NODUS_CONV_NO_WINOGRAD", "1");
        auto restore = qScopeGuard([] { qunsetenv("NODUS_CONV_NO_WINOGRAD"); });
        auto direct = runWeightModel(model, opRun, weights);
        NODUS_COMPARE_VALUES(valuesOf(*direct[0]), expected, 1e-4, 1e-4);
        QCOMPARE(valuesOf(*direct[0]) != valuesOf(*fromWeights[0]), c.winograd);
        // The GEMM path sums in the order conv_tile does, so its values can
        // match bit for bit: the profile's shader names show which ran.
        QCOMPARE(profiledRun.timings.size(), std::size_t(1));
        const auto& kernels = profiledRun.timings[0].kernels;
        QCOMPARE(kernels == kGemmKernels, c.gemm);
        if (c.winograd) {
            std::vector<std::string> wino { "conv_wino_in", "conv_wino_gemm", "conv_wino_out" };
            if (!c.winoInPlace)
                wino.insert(wino.begin(), "conv_pad");
            QCOMPARE(kernels, wino);
        }
    }

    // Random sweeps over shapes and attributes catch tile-edge mistakes the
    // named cases miss, on the tiled kernel (with its padded input and packed
    // weights; convs with at least 8 input channel x kernel rows) and on the
    // general one (forced by NODUS_CONV_GENERIC).
    void convRandom_data()
    {
        QTest::addColumn<int>("minCg");
        QTest::addColumn<int>("maxCg");
        QTest::addColumn<bool>("general");
        QTest::addColumn<bool>("gpuKernels");
        QTest::newRow("general") << 1 << 12 << true << false;
        QTest::newRow("few channels") << 1 << 6 << false << false;
        QTest::newRow("tiled") << 8 << 21 << false << false;
        // minCg 0: depthwise (one channel in and out per group, conv_dw.comp).
        QTest::newRow("depthwise") << 0 << 0 << false << false;
        // The kernels a GPU gets (NODUS_KERNELS=gpu): the general one with
        // tiles shrunk to one output per invocation at these sizes.
        QTest::newRow("gpu kernels") << 1 << 24 << false << true;
    }
    void convRandom()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(int, minCg);
        QFETCH(int, maxCg);
        QFETCH(bool, general);
        QFETCH(bool, gpuKernels);
        if (general)
            qputenv("NODUS_CONV_GENERIC", "1");
        if (gpuKernels)
            qputenv("NODUS_KERNELS", "gpu");
        auto restore = qScopeGuard([] {
            qunsetenv("NODUS_CONV_GENERIC");
            qunsetenv("NODUS_KERNELS");
        });
        std::mt19937 rng(2024 + minCg + general + 7 * gpuKernels);
        auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
        bool depthwise = minCg == 0;
        for (int t = 0; t < 24; ++t) {
            std::int64_t group = depthwise ? pick(1, 19) : pick(1, 3);
            std::int64_t cg = depthwise ? 1 : pick(minCg, maxCg), ocg = depthwise ? 1 : pick(1, 37);
            std::int64_t kh = pick(1, 4), kw = pick(1, 4), sh = pick(1, 3), sw = pick(1, 3);
            std::int64_t dh = pick(1, 2), dw = pick(1, 2);
            Ints pads { pick(0, 2), pick(0, 2), pick(0, 2), pick(0, 2) };
            std::int64_t h = (kh - 1) * dh + 1 + pick(0, 9), w = (kw - 1) * dw + 1 + pick(0, 19);
            Dims xs { pick(1, 2), cg * group, h, w }, wsh { ocg * group, cg, kh, kw };
            Ints strides { sh, sw }, dil { dh, dw };
            auto x = randomValues(countOf(xs), 100 + t), wv = randomValues(countOf(wsh), 200 + t);
            auto b = randomValues(std::size_t(wsh[0]), 300 + t);
            Geometry g = geometry(xs, { kh, kw }, strides, dil, pads, "NOTSET", false);
            Dims ys;
            auto expected = convRef(x, xs, wv, wsh, &b, group, strides, dil, g, ys);
            auto out = run("Conv",
                { intAttr("group", group), intsAttr("strides", strides), intsAttr("dilations", dil),
                    intsAttr("pads", pads) },
                { tensorOf(DataType::Float, xs, x), tensorOf(DataType::Float, wsh, wv),
                    tensorOf(DataType::Float, { wsh[0] }, b) });
            QCOMPARE(out[0]->dims, ys);
            NODUS_COMPARE_VALUES(valuesOf(*out[0]), expected, 1e-4, 1e-4);
        }
    }

    // The named cases again on the general kernel, which otherwise only
    // sees convs with few channels per group.
    void convGeneral()
    {
        NODUS_REQUIRE_VULKAN();
        qputenv("NODUS_CONV_GENERIC", "1");
        auto restore = qScopeGuard([] { qunsetenv("NODUS_CONV_GENERIC"); });
        Dims xs { 2, 16, 9, 11 }, ws { 20, 8, 3, 3 };
        Ints strides { 2, 1 }, dil { 1, 2 }, pads { 1, 2, 0, 1 };
        auto x = randomValues(countOf(xs), 5), w = randomValues(countOf(ws), 6);
        Geometry g = geometry(xs, { 3, 3 }, strides, dil, pads, "NOTSET", false);
        Dims ys;
        auto expected = convRef(x, xs, w, ws, nullptr, 2, strides, dil, g, ys);
        auto out = run("Conv",
            { intAttr("group", 2), intsAttr("strides", strides), intsAttr("dilations", dil), intsAttr("pads", pads) },
            { tensorOf(DataType::Float, xs, x), tensorOf(DataType::Float, ws, w) });
        QCOMPARE(out[0]->dims, ys);
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), expected, 1e-4, 1e-4);
    }

    // The GPU kernels on a conv big enough to keep 2 x 2 tiles (64 x 64
    // pixels x 64 channels: 65536 invocations) and on one that shrinks them
    // to single outputs (ResNet's last stage, 7 x 7 x 512 from 256 channels
    // at stride 2), against the CPU kernels' result.
    void convGpuKernels_data()
    {
        QTest::addColumn<Dims>("xs");
        QTest::addColumn<Dims>("ws");
        QTest::addColumn<std::int64_t>("stride");
        QTest::newRow("2x2 tiles") << Dims { 1, 32, 64, 64 } << Dims { 64, 32, 3, 3 } << std::int64_t(1);
        QTest::newRow("1x1 tiles") << Dims { 1, 256, 14, 14 } << Dims { 512, 256, 3, 3 } << std::int64_t(2);
    }
    void convGpuKernels()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(Dims, xs);
        QFETCH(Dims, ws);
        QFETCH(std::int64_t, stride);
        Ints strides { stride, stride }, dil { 1, 1 }, pads { 1, 1, 1, 1 };
        auto x = randomValues(countOf(xs), 41), w = randomValues(countOf(ws), 42);
        auto b = randomValues(std::size_t(ws[0]), 43);
        Geometry g = geometry(xs, { 3, 3 }, strides, dil, pads, "NOTSET", false);
        Dims ys;
        auto expected = convRef(x, xs, w, ws, &b, 1, strides, dil, g, ys);
        auto conv = [&] {
            return run("Conv", { intsAttr("strides", strides), intsAttr("pads", pads) },
                { tensorOf(DataType::Float, xs, x), tensorOf(DataType::Float, ws, w),
                    tensorOf(DataType::Float, { ws[0] }, b) });
        };
        qputenv("NODUS_KERNELS", "cpu");
        auto cpu = conv();
        qputenv("NODUS_KERNELS", "gpu");
        auto restore = qScopeGuard([] { qunsetenv("NODUS_KERNELS"); });
        auto gpu = conv();
        QCOMPARE(gpu[0]->dims, ys);
        NODUS_COMPARE_VALUES(valuesOf(*gpu[0]), expected, 1e-4, 1e-4);
        NODUS_COMPARE_VALUES(valuesOf(*cpu[0]), expected, 1e-4, 1e-4);
        // Different kernels sum in a different order.
        QVERIFY(valuesOf(*gpu[0]) != valuesOf(*cpu[0]));
    }

    // com.microsoft FusedConv: activation(conv + bias + z), on the tiled,
    // the general, the depthwise and the Winograd kernel (session weights).
    void fusedConv_data()
    {
        QTest::addColumn<QString>("activation");
        QTest::addColumn<std::vector<double>>("params");
        QTest::addColumn<bool>("z");
        QTest::addColumn<QString>("kernel");
        for (QString path : { "tiled", "general", "depthwise", "winograd", "gemm", "gpu" }) {
            QTest::newRow(qPrintable(QString("Relu + z %1").arg(path)))
                << QString("Relu") << std::vector<double> {} << true << path;
            QTest::newRow(qPrintable(QString("LeakyRelu %1").arg(path)))
                << QString("LeakyRelu") << std::vector<double> { 0.1 } << false << path;
            QTest::newRow(qPrintable(QString("Clip %1").arg(path)))
                << QString("Clip") << std::vector<double> { -0.5, 0.7 } << true << path;
            QTest::newRow(qPrintable(QString("Sigmoid %1").arg(path)))
                << QString("Sigmoid") << std::vector<double> {} << false << path;
            QTest::newRow(qPrintable(QString("HardSigmoid %1").arg(path)))
                << QString("HardSigmoid") << std::vector<double> { 0.3, 0.4 } << false << path;
            QTest::newRow(qPrintable(QString("none + z %1").arg(path)))
                << QString("") << std::vector<double> {} << true << path;
        }
    }
    void fusedConv()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(QString, activation);
        QFETCH(std::vector<double>, params);
        QFETCH(bool, z);
        QFETCH(QString, kernel);
        if (kernel == "general")
            qputenv("NODUS_CONV_GENERIC", "1");
        if (kernel == "gpu")
            qputenv("NODUS_KERNELS", "gpu");
        else if (kernel == "winograd" || kernel == "tiled" || kernel == "gemm")
            qputenv("NODUS_KERNELS", "cpu"); // CPU kernels, also on a GPU
        auto restore = qScopeGuard([] {
            qunsetenv("NODUS_CONV_GENERIC");
            qunsetenv("NODUS_KERNELS");
        });
        bool depthwise = kernel == "depthwise";
        std::int64_t group = depthwise ? 24 : 1;
        // The depthwise rows are a multiple of 4 wide (its vec4 stores);
        // Winograd needs 1024+ channel pairs and enough 4x4 tiles; the GEMM
        // path 64+ output channels and at most 64 output pixels.
        bool winograd = kernel == "winograd", gemm = kernel == "gemm";
        std::int64_t OC = gemm ? 72 : 24;
        Dims xs { 1, depthwise ? 24 : winograd ? 48 : 16, winograd ? 32 : gemm ? 7 : 9,
            depthwise ? 12 : winograd ? 14 : gemm ? 6 : 10 };
        Dims ws { OC, depthwise ? 1 : winograd ? 48 : 16, 3, 3 };
        Ints strides { 1, 1 }, dil { 1, 1 }, pads { 1, 1, 1, 1 };
        auto x = randomValues(countOf(xs), 111), w = randomValues(countOf(ws), 112), b = randomValues(OC, 113);
        Geometry g = geometry(xs, { 3, 3 }, strides, dil, pads, "NOTSET", false);
        Dims ys;
        auto expected = convRef(x, xs, w, ws, &b, group, strides, dil, g, ys);
        auto zv = randomValues(countOf(ys), 114);
        std::string act = activation.toStdString();
        for (std::size_t i = 0; i < expected.size(); ++i) {
            double v = expected[i] + (z ? zv[i] : 0.0);
            if (act == "Relu")
                v = std::max(v, 0.0);
            else if (act == "LeakyRelu")
                v = v >= 0 ? v : params[0] * v;
            else if (act == "Clip")
                v = std::clamp(v, params[0], params[1]);
            else if (act == "Sigmoid")
                v = 1 / (1 + std::exp(-v));
            else if (act == "HardSigmoid")
                v = std::clamp(params[0] * v + params[1], 0.0, 1.0);
            expected[i] = v;
        }
        OpRun r;
        r.op = "FusedConv";
        r.domain = "com.microsoft";
        r.attributes = { intsAttr("pads", pads), intAttr("group", group), stringAttr("activation", act),
            floatsAttr("activation_params", params) };
        r.inputs = { tensorOf(DataType::Float, xs, x), tensorOf(DataType::Float, ws, w),
            tensorOf(DataType::Float, { OC }, b) };
        if (z)
            r.inputs.push_back(tensorOf(DataType::Float, ys, zv));
        std::vector<bool> weights { false, true, true };
        auto result = winograd || gemm ? runWeightModelResult(weightModel(r, weights), r, weights, profiledOptions())
                                       : rt::RunResult {};
        auto out = winograd || gemm ? result.outputs : runOp(r);
        QCOMPARE(out[0]->dims, ys);
        NODUS_COMPARE_VALUES(valuesOf(*out[0]), expected, 1e-4, 1e-4);
        if (winograd) {
            // It took Winograd: the direct kernel rounds differently.
            qputenv("NODUS_CONV_NO_WINOGRAD", "1");
            auto restoreWinograd = qScopeGuard([] { qunsetenv("NODUS_CONV_NO_WINOGRAD"); });
            auto direct = runWeightModel(weightModel(r, weights), r, weights);
            NODUS_COMPARE_VALUES(valuesOf(*direct[0]), expected, 1e-4, 1e-4);
            QVERIFY(valuesOf(*direct[0]) != valuesOf(*out[0]));
        }
        if (gemm)
            QCOMPARE(result.timings[0].kernels, kGemmKernels);
    }

    // Graph-level fusion and the session's packed-weight cache: Conv ->
    // Add(z) -> Relu, then a depthwise Conv -> Clip(constant min, max), run
    // fused, again in the same session (weights packed once), and unfused
    // (keepIntermediates), against the reference.
    void graphFusion()
    {
        NODUS_REQUIRE_VULKAN();
        Dims xs { 1, 16, 16, 16 }, ws { 24, 16, 3, 3 }, dws { 24, 1, 3, 3 };
        Ints strides { 1, 1 }, dil { 1, 1 }, pads { 1, 1, 1, 1 };
        auto x = randomValues(countOf(xs), 121), w = randomValues(countOf(ws), 122), b = randomValues(24, 123);
        auto dw = randomValues(countOf(dws), 124), db = randomValues(24, 125);
        Geometry g = geometry(xs, { 3, 3 }, strides, dil, pads, "NOTSET", false);
        Dims ys;
        auto r = convRef(x, xs, w, ws, &b, 1, strides, dil, g, ys);
        auto z = randomValues(countOf(ys), 126);
        std::vector<double> added(r.size());
        for (std::size_t i = 0; i < r.size(); ++i) {
            added[i] = r[i] + z[i];
            r[i] = std::max(added[i], 0.0);
        }
        Dims ys2;
        auto expected = convRef(r, ys, dw, dws, &db, 24, strides, dil, g, ys2);
        for (auto& v : expected)
            v = std::clamp(v, -0.25, 0.5);

        auto model = std::make_shared<Model>();
        model->opsets = { { "", 17 } };
        Graph& gr = *model->graph;
        auto input = [&](const std::string& name, const Dims& dims) {
            Value* v = gr.value(name);
            v->type = ValueType::tensor(DataType::Float, Shape::of(dims));
            gr.inputs.push_back(v);
            return v;
        };
        auto weight = [&](const std::string& name, const Dims& dims, const std::vector<double>& values) {
            auto t = tensorOf(DataType::Float, dims, values);
            t->name = name;
            gr.initializers.push_back(t);
            Value* v = gr.value(name);
            v->initializer = t;
            return v;
        };
        auto node = [&](const std::string& op, std::vector<Value*> ins, const std::string& out,
                        std::vector<Attribute> attrs = {}) {
            Node* n = gr.addNode(op, op + "_" + out);
            n->attributes = std::move(attrs);
            for (Value* v : ins)
                gr.addInput(n, v);
            Value* o = gr.value(out);
            gr.addOutput(n, o);
            return o;
        };
        Value* xv = input("x", xs);
        Value* zv = input("z", ys);
        Value* c1 = node("Conv", { xv, weight("W", ws, w), weight("B", { 24 }, b) }, "c1", { intsAttr("pads", pads) });
        Value* a = node("Add", { zv, c1 }, "a");
        Value* rl = node("Relu", { a }, "r");
        Value* c2 = node("Conv", { rl, weight("DW", dws, dw), weight("DB", { 24 }, db) }, "c2",
            { intsAttr("pads", pads), intAttr("group", 24) });
        gr.outputs.push_back(node("Clip", { c2, weight("lo", {}, { -0.25 }), weight("hi", {}, { 0.5 }) }, "y"));

        std::vector<std::pair<std::string, std::shared_ptr<const Tensor>>> feeds {
            { "x", tensorOf(DataType::Float, xs, x) }, { "z", tensorOf(DataType::Float, ys, z) }
        };
        // The packed-weight cache is conv_tile's, one of the CPU kernels.
        qputenv("NODUS_KERNELS", "cpu");
        auto restoreKernels = qScopeGuard([] { qunsetenv("NODUS_KERNELS"); });
        rt::SessionOptions fusedOptions;
        fusedOptions.profile = true;
        rt::Session session(model, fusedOptions);
        auto first = session.run(feeds);
        QCOMPARE(first.outputs[0]->dims, ys2);
        NODUS_COMPARE_VALUES(valuesOf(*first.outputs[0]), expected, 1e-4, 1e-4);
        if (session.device().timestamps) {
            // The fused nodes are named in their Conv's entry, never on their own.
            std::set<std::string> ops;
            for (auto& t : first.timings)
                ops.insert(t.opType);
            QVERIFY(ops.count("Conv+Add+Relu"));
            QVERIFY(ops.count("Conv+Clip"));
            QVERIFY(!ops.count("Add") && !ops.count("Relu") && !ops.count("Clip"));
        }
        // The second run reuses the packed weights: same output, fewer dispatches.
        auto second = session.run(feeds);
        QCOMPARE(valuesOf(*second.outputs[0]), valuesOf(*first.outputs[0]));
        QVERIFY2(second.dispatches < first.dispatches,
            qPrintable(QString("%1 then %2 dispatches").arg(first.dispatches).arg(second.dispatches)));

        rt::SessionOptions keepOptions;
        keepOptions.keepIntermediates = true;
        rt::Session unfused(model, keepOptions);
        auto kept = unfused.run(feeds);
        NODUS_COMPARE_VALUES(valuesOf(*kept.outputs[0]), expected, 1e-4, 1e-4);
        // Every value is reported, the fused-away ones included.
        for (const char* name : { "c1", "a", "r", "c2", "y" })
            QVERIFY2(kept.intermediates.count(name), name);
        NODUS_COMPARE_VALUES(valuesOf(*kept.intermediates.at("a")), added, 1e-4, 1e-4);
        NODUS_COMPARE_VALUES(valuesOf(*kept.intermediates.at("r")), r, 1e-4, 1e-4);
        QVERIFY(kept.dispatches > second.dispatches);
    }

    // A Conv whose output is read twice is not fused: the Add and the Relu
    // beside it both see the plain conv output.
    void graphFusionSharedOutput()
    {
        NODUS_REQUIRE_VULKAN();
        Dims xs { 1, 8, 6, 8 }, ws { 8, 8, 3, 3 };
        Ints strides { 1, 1 }, dil { 1, 1 }, pads { 1, 1, 1, 1 };
        auto x = randomValues(countOf(xs), 131), w = randomValues(countOf(ws), 132);
        Geometry g = geometry(xs, { 3, 3 }, strides, dil, pads, "NOTSET", false);
        Dims ys;
        auto c = convRef(x, xs, w, ws, nullptr, 1, strides, dil, g, ys);
        auto model = std::make_shared<Model>();
        model->opsets = { { "", 17 } };
        Graph& gr = *model->graph;
        Value* xv = gr.value("x");
        xv->type = ValueType::tensor(DataType::Float, Shape::of(xs));
        gr.inputs.push_back(xv);
        auto wt = tensorOf(DataType::Float, ws, w);
        wt->name = "W";
        gr.initializers.push_back(wt);
        Value* wv = gr.value("W");
        wv->initializer = wt;
        Node* conv = gr.addNode("Conv", "conv");
        conv->attributes = { intsAttr("pads", pads) };
        gr.addInput(conv, xv);
        gr.addInput(conv, wv);
        Value* cv = gr.value("c");
        gr.addOutput(conv, cv);
        Node* relu = gr.addNode("Relu", "relu");
        gr.addInput(relu, cv);
        Value* rv = gr.value("r");
        gr.addOutput(relu, rv);
        Node* add = gr.addNode("Add", "add");
        gr.addInput(add, cv);
        gr.addInput(add, rv);
        Value* yv = gr.value("y");
        gr.addOutput(add, yv);
        gr.outputs.push_back(yv);
        std::vector<double> expected(c.size());
        for (std::size_t i = 0; i < c.size(); ++i)
            expected[i] = c[i] + std::max(c[i], 0.0);
        rt::Session session(model);
        auto out = session.run({ { "x", tensorOf(DataType::Float, xs, x) } });
        NODUS_COMPARE_VALUES(valuesOf(*out.outputs[0]), expected, 1e-4, 1e-4);
    }

    void convZeroBatch()
    {
        NODUS_REQUIRE_VULKAN();
        auto out = run("Conv", { intsAttr("pads", { 1, 1, 1, 1 }) },
            { tensorOf(DataType::Float, { 0, 3, 5, 5 }, {}),
                tensorOf(DataType::Float, { 4, 3, 3, 3 }, randomValues(108, 1)) });
        QCOMPARE(out[0]->dims, (Dims { 0, 4, 5, 5 }));
    }

    // ------------------------------------------------------- ConvTranspose
    void convTranspose_data()
    {
        QTest::addColumn<ConvTCase>("c");
        QTest::newRow("basic") << ConvTCase { { 1, 3, 5, 6 }, { 3, 4, 3, 3 } };
        QTest::newRow("stride 2 output_padding")
            << ConvTCase { { 2, 4, 4, 5 }, { 4, 3, 3, 3 }, 1, { 2, 2 }, {}, { 1, 1, 1, 1 }, { 1, 0 } };
        QTest::newRow("groups") << ConvTCase { { 1, 6, 4, 4 }, { 6, 2, 2, 3 }, 3, { 2, 1 }, {}, { 0, 1, 0, 1 } };
        QTest::newRow("dilations") << ConvTCase { { 1, 2, 5, 5 }, { 2, 3, 3, 2 }, 1, {}, { 2, 3 } };
        QTest::newRow("output_shape") << ConvTCase { { 1, 2, 3, 3 }, { 2, 2, 3, 3 }, 1, { 3, 2 }, {}, {}, {},
            { 10, 8 } };
        QTest::newRow("same upper") << ConvTCase { { 1, 2, 3, 4 }, { 2, 3, 3, 3 }, 1, { 2, 2 }, {}, {}, {}, {},
            "SAME_UPPER" };
        QTest::newRow("same lower") << ConvTCase { { 1, 2, 3, 4 }, { 2, 3, 3, 3 }, 1, { 2, 2 }, {}, {}, {}, {},
            "SAME_LOWER" };
        QTest::newRow("1-D") << ConvTCase { { 1, 3, 7 }, { 3, 5, 4 }, 1, { 3 }, {}, { 1, 2 } };
        QTest::newRow("3-D") << ConvTCase { { 1, 2, 3, 4, 3 }, { 2, 3, 2, 3, 2 }, 1, { 2, 1, 2 } };
    }
    void convTranspose()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(ConvTCase, c);
        std::size_t r = c.x.size() - 2;
        Ints strides = c.strides.empty() ? Ints(r, 1) : c.strides;
        Ints dil = c.dilations.empty() ? Ints(r, 1) : c.dilations;
        Ints pads = c.pads.empty() ? Ints(2 * r, 0) : c.pads;
        Ints outPad = c.outputPadding.empty() ? Ints(r, 0) : c.outputPadding;
        Ints head(r), out(r);
        for (std::size_t i = 0; i < r; ++i) {
            std::int64_t full = strides[i] * (c.x[2 + i] - 1) + outPad[i] + (c.w[2 + i] - 1) * dil[i] + 1;
            if (!c.outputShape.empty() || c.autoPad != "NOTSET") {
                out[i] = c.outputShape.empty() ? c.x[2 + i] * strides[i] : c.outputShape[i];
                std::int64_t total = std::max<std::int64_t>(0, full - out[i]);
                head[i] = c.autoPad == "SAME_LOWER" ? total - total / 2 : total / 2;
            } else {
                head[i] = pads[i];
                out[i] = full - pads[i] - pads[r + i];
            }
        }
        auto x = randomValues(countOf(c.x), 21), w = randomValues(countOf(c.w), 22);
        auto b = randomValues(std::size_t(c.w[1] * c.group), 23);
        Dims ys;
        auto expected = convTransposeRef(x, c.x, w, c.w, &b, c.group, strides, dil, head, out, ys);
        std::vector<Attribute> attrs { intAttr("group", c.group), intsAttr("strides", strides),
            intsAttr("dilations", dil) };
        if (c.autoPad != "NOTSET")
            attrs.push_back(autoPadAttr(c.autoPad));
        else if (c.outputShape.empty())
            attrs.push_back(intsAttr("pads", pads));
        if (!c.outputShape.empty())
            attrs.push_back(intsAttr("output_shape", c.outputShape));
        if (!c.outputPadding.empty())
            attrs.push_back(intsAttr("output_padding", c.outputPadding));
        auto y = run("ConvTranspose", attrs,
            { tensorOf(DataType::Float, c.x, x), tensorOf(DataType::Float, c.w, w),
                tensorOf(DataType::Float, { c.w[1] * c.group }, b) });
        QCOMPARE(y[0]->dims, ys);
        NODUS_COMPARE_VALUES(valuesOf(*y[0]), expected, 1e-4, 1e-4);
    }

    // ------------------------------------------------------------- Pools
    void pool_data()
    {
        QTest::addColumn<PoolCase>("c");
        QTest::newRow("max 3x3 s2 p1") << PoolCase { "MaxPool", { 2, 3, 9, 10 }, { 3, 3 }, { 2, 2 }, {},
            { 1, 1, 1, 1 } };
        QTest::newRow("max ceil") << PoolCase { "MaxPool", { 1, 2, 8, 7 }, { 3, 2 }, { 2, 2 }, {}, {}, "NOTSET", true };
        QTest::newRow("max dilations") << PoolCase { "MaxPool", { 1, 2, 9, 9 }, { 2, 3 }, { 1, 2 }, { 2, 2 },
            { 1, 0, 1, 2 } };
        QTest::newRow("max same upper") << PoolCase { "MaxPool", { 1, 2, 7, 6 }, { 3, 3 }, { 2, 2 }, {}, {},
            "SAME_UPPER" };
        QTest::newRow("max same lower") << PoolCase { "MaxPool", { 1, 2, 7, 6 }, { 2, 2 }, { 1, 1 }, {}, {},
            "SAME_LOWER" };
        QTest::newRow("max indices") << PoolCase { "MaxPool", { 2, 3, 6, 7 }, { 3, 2 }, { 2, 2 }, {}, { 1, 0, 0, 1 },
            "NOTSET", false, false, 0, 2, true };
        QTest::newRow("max indices col-major")
            << PoolCase { "MaxPool", { 2, 3, 6, 7 }, { 2, 2 }, { 2, 2 }, {}, {}, "NOTSET", false, false, 1, 2, true };
        // pool_max4.comp: ResNet's stem pool (vec4 stores), odd output
        // widths and ceil mode (scalar stores, windows past the row), a
        // leading pad of 2 and dilations (strips starting two texels left of
        // the row), a wide stride.
        QTest::newRow("max4 3x3 s2 p1") << PoolCase { "MaxPool", { 1, 4, 16, 16 }, { 3, 3 }, { 2, 2 }, {},
            { 1, 1, 1, 1 }, "NOTSET", false, false, 0, 2, false, true };
        QTest::newRow("max4 ceil odd width") << PoolCase { "MaxPool", { 2, 3, 7, 12 }, { 3, 3 }, { 2, 2 }, {},
            { 0, 1, 1, 0 }, "NOTSET", true, false, 0, 2, false, true };
        QTest::newRow("max4 dilations pad 2") << PoolCase { "MaxPool", { 1, 2, 5, 8 }, { 2, 3 }, { 1, 1 }, { 2, 2 },
            { 2, 2, 1, 1 }, "NOTSET", false, false, 0, 2, false, true };
        QTest::newRow("max4 stride 3") << PoolCase { "MaxPool", { 1, 3, 9, 20 }, { 2, 4 }, { 3, 3 }, {},
            { 0, 3, 1, 2 }, "NOTSET", false, false, 0, 2, false, true };
        QTest::newRow("max 1-D") << PoolCase { "MaxPool", { 2, 3, 11 }, { 3 }, { 2 }, {}, { 1, 1 } };
        QTest::newRow("max 3-D indices") << PoolCase { "MaxPool", { 1, 2, 4, 5, 6 }, { 2, 2, 3 }, { 2, 1, 2 }, {}, {},
            "NOTSET", false, false, 0, 2, true };
        QTest::newRow("avg") << PoolCase { "AveragePool", { 2, 3, 9, 8 }, { 3, 3 }, { 2, 2 }, {}, { 1, 1, 1, 1 } };
        QTest::newRow("avg include pad") << PoolCase { "AveragePool", { 1, 3, 9, 8 }, { 3, 3 }, { 2, 2 }, {},
            { 1, 2, 1, 0 }, "NOTSET", false, true };
        QTest::newRow("avg ceil include pad")
            << PoolCase { "AveragePool", { 1, 2, 8, 8 }, { 3, 3 }, { 2, 2 }, {}, { 1, 1, 1, 1 }, "NOTSET", true, true };
        QTest::newRow("avg same upper") << PoolCase { "AveragePool", { 1, 2, 7, 7 }, { 3, 3 }, { 2, 2 }, {}, {},
            "SAME_UPPER" };
        QTest::newRow("avg 1-D") << PoolCase { "AveragePool", { 1, 2, 10 }, { 4 }, { 3 }, {}, { 2, 1 } };
        QTest::newRow("avg 3-D") << PoolCase { "AveragePool", { 1, 2, 4, 4, 5 }, { 2, 2, 2 }, { 2, 2, 2 } };
        QTest::newRow("lp p2") << PoolCase { "LpPool", { 1, 3, 7, 8 }, { 3, 3 }, { 2, 2 }, {}, { 1, 1, 1, 1 }, "NOTSET",
            false, false, 0, 2 };
        QTest::newRow("lp p3") << PoolCase { "LpPool", { 1, 3, 7, 8 }, { 2, 3 }, { 1, 2 }, {}, {}, "NOTSET", false,
            false, 0, 3 };
    }
    void pool()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(PoolCase, c);
        std::size_t r = c.kernel.size();
        Ints strides = c.strides.empty() ? Ints(r, 1) : c.strides;
        Ints dil = c.dilations.empty() ? Ints(r, 1) : c.dilations;
        Ints pads = c.pads.empty() ? Ints(2 * r, 0) : c.pads;
        auto x = randomValues(countOf(c.x), 31, -2, 2);
        Geometry g = geometry(c.x, c.kernel, strides, dil, pads, c.autoPad, c.ceilMode);
        PoolKind kind = c.op == "MaxPool" ? PoolKind::Max
            : c.op == "LpPool"            ? PoolKind::Lp
            : c.countIncludePad           ? PoolKind::AvgPads
                                          : PoolKind::Avg;
        Dims ys;
        std::vector<double> indices;
        auto expected = poolRef(
            x, c.x, kind, c.kernel, strides, dil, g, double(c.p), c.storageOrder, ys, c.indices ? &indices : nullptr);
        std::vector<Attribute> attrs { intsAttr("kernel_shape", c.kernel), intsAttr("strides", strides) };
        if (c.autoPad != "NOTSET")
            attrs.push_back(autoPadAttr(c.autoPad));
        else
            attrs.push_back(intsAttr("pads", pads));
        if (!c.dilations.empty())
            attrs.push_back(intsAttr("dilations", dil));
        if (c.ceilMode)
            attrs.push_back(intAttr("ceil_mode", 1));
        if (c.countIncludePad)
            attrs.push_back(intAttr("count_include_pad", 1));
        if (c.storageOrder)
            attrs.push_back(intAttr("storage_order", 1));
        if (c.op == "LpPool")
            attrs.push_back(intAttr("p", c.p));
        OpRun opRun;
        opRun.op = c.op;
        opRun.attributes = attrs;
        opRun.inputs = { tensorOf(DataType::Float, c.x, x) };
        opRun.outputs = c.indices ? 2 : 1;
        auto result = runOpResult(opRun, profiledOptions());
        auto& y = result.outputs;
        QCOMPARE(y[0]->dims, ys);
        NODUS_COMPARE_VALUES(valuesOf(*y[0]), expected, 1e-5, 1e-5);
        QCOMPARE(result.timings.size(), std::size_t(1));
        QCOMPARE(result.timings[0].kernels,
            std::vector<std::string> { c.max4 ? "pool_max4" : "pool_f32" });
        if (c.indices) {
            QCOMPARE(y[1]->dataType, DataType::Int64);
            NODUS_COMPARE_VALUES(valuesOf(*y[1]), indices, 0, 0);
        }
    }

    void maxPoolUint8()
    {
        NODUS_REQUIRE_VULKAN();
        Dims xs { 1, 2, 6, 6 };
        std::vector<double> x(countOf(xs));
        std::mt19937 rng(5);
        for (auto& v : x)
            v = double(rng() % 256);
        Geometry g = geometry(xs, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 1, 1, 1 }, "NOTSET", false);
        Dims ys;
        auto expected = poolRef(x, xs, PoolKind::Max, { 3, 3 }, { 2, 2 }, { 1, 1 }, g, 2, 0, ys, nullptr);
        auto y = run("MaxPool",
            { intsAttr("kernel_shape", { 3, 3 }), intsAttr("strides", { 2, 2 }), intsAttr("pads", { 1, 1, 1, 1 }) },
            { tensorOf(DataType::UInt8, xs, x) });
        QCOMPARE(y[0]->dataType, DataType::UInt8);
        QCOMPARE(y[0]->dims, ys);
        NODUS_COMPARE_VALUES(valuesOf(*y[0]), expected, 0, 0);
    }

    void globalPool_data()
    {
        QTest::addColumn<QString>("op");
        QTest::addColumn<Dims>("shape");
        QTest::newRow("avg 2-D") << QString("GlobalAveragePool") << Dims { 2, 5, 7, 9 };
        QTest::newRow("avg 1-D") << QString("GlobalAveragePool") << Dims { 1, 3, 13 };
        QTest::newRow("max 2-D") << QString("GlobalMaxPool") << Dims { 2, 4, 6, 5 };
        QTest::newRow("max 3-D") << QString("GlobalMaxPool") << Dims { 1, 3, 2, 3, 4 };
        QTest::newRow("lp 2-D") << QString("GlobalLpPool") << Dims { 1, 6, 5, 5 };
    }
    void globalPool()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(QString, op);
        QFETCH(Dims, shape);
        auto x = randomValues(countOf(shape), 41, -3, 3);
        std::size_t planes = std::size_t(shape[0] * shape[1]), n = countOf(shape) / planes;
        std::vector<double> expected;
        for (std::size_t p = 0; p < planes; ++p) {
            double acc = op == "GlobalMaxPool" ? -1e300 : 0;
            for (std::size_t i = 0; i < n; ++i) {
                double v = x[p * n + i];
                acc = op == "GlobalMaxPool" ? std::max(acc, v) : op == "GlobalLpPool" ? acc + v * v : acc + v;
            }
            expected.push_back(op == "GlobalAveragePool" ? acc / double(n)
                    : op == "GlobalLpPool"               ? std::sqrt(acc)
                                                         : acc);
        }
        auto y = run(op.toStdString(), {}, { tensorOf(DataType::Float, shape, x) });
        Dims ys { shape[0], shape[1] };
        for (std::size_t i = 2; i < shape.size(); ++i)
            ys.push_back(1);
        QCOMPARE(y[0]->dims, ys);
        NODUS_COMPARE_VALUES(valuesOf(*y[0]), expected, 1e-5, 1e-5);
    }

    void maxUnpool()
    {
        NODUS_REQUIRE_VULKAN();
        // MaxPool with indices, then MaxUnpool puts each max back in place.
        Dims xs { 2, 3, 6, 8 };
        auto x = randomValues(countOf(xs), 51);
        auto pooled = run("MaxPool", { intsAttr("kernel_shape", { 2, 2 }), intsAttr("strides", { 2, 2 }) },
            { tensorOf(DataType::Float, xs, x) }, 2);
        auto values = valuesOf(*pooled[0]), idx = valuesOf(*pooled[1]);
        std::vector<double> expected(countOf(xs), 0.0);
        for (std::size_t i = 0; i < values.size(); ++i)
            expected[std::size_t(idx[i])] = values[i];
        auto y = run("MaxUnpool", { intsAttr("kernel_shape", { 2, 2 }), intsAttr("strides", { 2, 2 }) },
            { pooled[0], pooled[1] });
        QCOMPARE(y[0]->dims, xs);
        NODUS_COMPARE_VALUES(valuesOf(*y[0]), expected, 0, 0);

        // A larger output_shape keeps each value at its spatial coordinates
        // (the indices count in the default shape).
        Dims big { 2, 3, 7, 9 };
        std::vector<double> expectedBig(countOf(big), 0.0);
        for (std::size_t i = 0; i < values.size(); ++i) {
            std::size_t at = std::size_t(idx[i]), plane = at / 48, h = (at % 48) / 8, w = at % 8;
            expectedBig[plane * 63 + h * 9 + w] = values[i];
        }
        auto y2 = run("MaxUnpool", { intsAttr("kernel_shape", { 2, 2 }), intsAttr("strides", { 2, 2 }) },
            { pooled[0], pooled[1], tensorOf(DataType::Int64, { 4 }, { 2, 3, 7, 9 }) });
        QCOMPARE(y2[0]->dims, big);
        NODUS_COMPARE_VALUES(valuesOf(*y2[0]), expectedBig, 0, 0);
    }

    // ------------------------------------------------------------ Resize
    void resize_data()
    {
        QTest::addColumn<ResizeCase>("c");
        const char* nearestModes[] = { "round_prefer_floor", "round_prefer_ceil", "floor", "ceil" };
        const char* transforms[]
            = { "half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn" };
        for (const char* nm : nearestModes)
            for (const char* t : transforms) {
                QTest::newRow(qPrintable(QString("nearest %1 %2 up").arg(nm, t)))
                    << ResizeCase { { 1, 2, 3, 4 }, { 1, 1, 2.5, 1.75 }, {}, "nearest", t, nm };
                QTest::newRow(qPrintable(QString("nearest %1 %2 down").arg(nm, t)))
                    << ResizeCase { { 1, 2, 7, 9 }, {}, { 1, 2, 4, 5 }, "nearest", t, nm };
            }
        for (const char* t : transforms) {
            QTest::newRow(qPrintable(QString("linear %1 up").arg(t)))
                << ResizeCase { { 2, 3, 4, 5 }, { 1, 1, 2, 1.5 }, {}, "linear", t };
            QTest::newRow(qPrintable(QString("linear %1 down").arg(t)))
                << ResizeCase { { 1, 2, 9, 8 }, { 1, 1, 0.6, 0.6 }, {}, "linear", t };
            QTest::newRow(qPrintable(QString("cubic %1 up").arg(t)))
                << ResizeCase { { 1, 2, 4, 5 }, {}, { 1, 2, 9, 7 }, "cubic", t };
        }
        QTest::newRow("cubic A -0.5 exclude outside") << ResizeCase { { 1, 1, 5, 6 }, { 1, 1, 0.8, 1.6 }, {}, "cubic",
            "half_pixel", "round_prefer_floor", -0.5, true };
        QTest::newRow("cubic down") << ResizeCase { { 1, 1, 8, 8 }, {}, { 1, 1, 3, 5 }, "cubic" };
        QTest::newRow("linear 1-D") << ResizeCase { { 11 }, {}, { 7 }, "linear" };
        QTest::newRow("linear 3 dims") << ResizeCase { { 2, 3, 4, 5 }, {}, { 3, 3, 6, 2 }, "linear" };
        QTest::newRow("tf_crop_and_resize") << ResizeCase { { 1, 1, 6, 5 }, {}, { 1, 1, 4, 4 }, "linear",
            "tf_crop_and_resize", "round_prefer_floor", -0.75, false, { 0, 0, 0.2, 0.3, 1, 1, 0.9, 1.2 }, 7.5 };
        QTest::newRow("nearest uint8") << ResizeCase { { 1, 2, 3, 3 }, { 1, 1, 2, 2 }, {}, "nearest", "asymmetric",
            "floor", -0.75, false, {}, 0, DataType::UInt8 };
        QTest::newRow("nearest int64") << ResizeCase { { 2, 3, 4 }, {}, { 2, 5, 7 }, "nearest", "half_pixel",
            "round_prefer_floor", -0.75, false, {}, 0, DataType::Int64 };
    }
    void resize()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(ResizeCase, c);
        std::vector<double> x = randomValues(countOf(c.x), 61, -4, 4);
        if (c.type != DataType::Float)
            for (auto& v : x)
                v = std::floor(v * 30 + 128);
        std::size_t rank = c.x.size();
        std::vector<double> scales(rank);
        Dims ys(rank);
        for (std::size_t d = 0; d < rank; ++d) {
            if (!c.scales.empty()) {
                double s = double(float(c.scales[d]));
                scales[d] = s;
                ys[d] = std::int64_t(std::floor(s * double(c.x[d])));
            } else {
                ys[d] = c.sizes[d];
                scales[d] = double(c.sizes[d]) / double(c.x[d]);
            }
        }
        ResizeRef ref;
        ref.mode = c.mode;
        ref.transform = c.transform;
        ref.nearest = c.nearest;
        ref.cubicA = c.cubicA;
        ref.excludeOutside = c.excludeOutside;
        ref.extrapolation = c.extrapolation;
        std::vector<double> roi;
        for (double v : c.roi)
            roi.push_back(double(float(v)));
        std::vector<double> expected;
        forEachIndex(ys, [&](const Dims& at) { expected.push_back(ref.interpNd(x, c.x, 0, scales, at, roi)); });

        std::vector<Attribute> attrs { stringAttr("mode", c.mode),
            stringAttr("coordinate_transformation_mode", c.transform), stringAttr("nearest_mode", c.nearest),
            floatAttr("cubic_coeff_a", c.cubicA), intAttr("exclude_outside", c.excludeOutside),
            floatAttr("extrapolation_value", c.extrapolation) };
        std::vector<std::shared_ptr<Tensor>> inputs { tensorOf(c.type, c.x, x),
            c.roi.empty() ? nullptr : tensorOf(DataType::Float, { std::int64_t(c.roi.size()) }, c.roi),
            c.scales.empty() ? nullptr : tensorOf(DataType::Float, { std::int64_t(rank) }, c.scales) };
        if (!c.sizes.empty())
            inputs.push_back(
                tensorOf(DataType::Int64, { std::int64_t(rank) }, std::vector<double>(c.sizes.begin(), c.sizes.end())));
        auto y = run("Resize", attrs, inputs, 1, 13);
        QCOMPARE(y[0]->dims, ys);
        NODUS_COMPARE_VALUES(valuesOf(*y[0]), expected, 1e-5, 1e-5);
    }

    // Upsample (opset 7 attribute, opset 9 input) and Resize-10: asymmetric
    // coordinates, nearest rounds down when upsampling.
    void upsample()
    {
        NODUS_REQUIRE_VULKAN();
        Dims xs { 1, 2, 3, 4 };
        auto x = randomValues(countOf(xs), 71);
        std::vector<double> scales { 1, 1, 2, 3 };
        Dims ys { 1, 2, 6, 12 };
        std::vector<double> nearest, linear;
        forEachIndex(ys, [&](const Dims& c) {
            std::int64_t h = c[2] / 2, w = c[3] / 3;
            nearest.push_back(x[std::size_t(((c[0] * 2 + c[1]) * 3 + h) * 4 + w)]);
            double fh = double(c[2]) / 2, fw = double(c[3]) / 3;
            std::int64_t h0 = std::min<std::int64_t>(std::int64_t(fh), 2),
                         w0 = std::min<std::int64_t>(std::int64_t(fw), 3);
            std::int64_t h1 = std::min<std::int64_t>(h0 + 1, 2), w1 = std::min<std::int64_t>(w0 + 1, 3);
            double dh = fh - double(h0), dw = fw - double(w0);
            auto at = [&](std::int64_t hh, std::int64_t ww) { return x[std::size_t((c[1] * 3 + hh) * 4 + ww)]; };
            linear.push_back(
                (1 - dh) * ((1 - dw) * at(h0, w0) + dw * at(h0, w1)) + dh * ((1 - dw) * at(h1, w0) + dw * at(h1, w1)));
        });
        auto scalesTensor = tensorOf(DataType::Float, { 4 }, scales);
        auto y7 = run("Upsample", { stringAttr("mode", "nearest"), floatsAttr("scales", scales) },
            { tensorOf(DataType::Float, xs, x) }, 1, 7);
        QCOMPARE(y7[0]->dims, ys);
        NODUS_COMPARE_VALUES(valuesOf(*y7[0]), nearest, 0, 0);
        auto y9 = run(
            "Upsample", { stringAttr("mode", "linear") }, { tensorOf(DataType::Float, xs, x), scalesTensor }, 1, 9);
        NODUS_COMPARE_VALUES(valuesOf(*y9[0]), linear, 1e-5, 1e-5);
        auto y10 = run(
            "Resize", { stringAttr("mode", "nearest") }, { tensorOf(DataType::Float, xs, x), scalesTensor }, 1, 10);
        NODUS_COMPARE_VALUES(valuesOf(*y10[0]), nearest, 0, 0);
    }

    // ----------------------------------------- DepthToSpace / SpaceToDepth
    void depthToSpace_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::addColumn<DataType>("type");
        QTest::newRow("DCR float") << QString("DCR") << DataType::Float;
        QTest::newRow("CRD float") << QString("CRD") << DataType::Float;
        QTest::newRow("DCR int64") << QString("DCR") << DataType::Int64;
        QTest::newRow("CRD int32") << QString("CRD") << DataType::Int32;
    }
    void depthToSpace()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(QString, mode);
        QFETCH(DataType, type);
        std::int64_t N = 2, C = 18, H = 3, W = 4, b = 3, c = C / (b * b);
        Dims xs { N, C, H, W };
        std::vector<double> x(countOf(xs));
        for (std::size_t i = 0; i < x.size(); ++i)
            x[i] = double(i % 1000) - 300;
        std::vector<double> expected = mode == "DCR" ? transposeRef(x, { N, b, b, c, H, W }, { 0, 3, 4, 1, 5, 2 })
                                                     : transposeRef(x, { N, c, b, b, H, W }, { 0, 1, 4, 2, 5, 3 });
        auto y = run("DepthToSpace", { intAttr("blocksize", b), stringAttr("mode", mode.toStdString()) },
            { tensorOf(type, xs, x) }, 1, 13);
        QCOMPARE(y[0]->dims, (Dims { N, c, H * b, W * b }));
        NODUS_COMPARE_VALUES(valuesOf(*y[0]), expected, 0, 0);
    }
    void spaceToDepth()
    {
        NODUS_REQUIRE_VULKAN();
        std::int64_t N = 2, C = 3, H = 6, W = 4, b = 2;
        Dims xs { N, C, H, W };
        auto x = randomValues(countOf(xs), 81);
        auto expected = transposeRef(x, { N, C, H / b, b, W / b, b }, { 0, 3, 5, 1, 2, 4 });
        auto y = run("SpaceToDepth", { intAttr("blocksize", b) }, { tensorOf(DataType::Float, xs, x) });
        QCOMPARE(y[0]->dims, (Dims { N, C * b * b, H / b, W / b }));
        NODUS_COMPARE_VALUES(valuesOf(*y[0]), expected, 0, 0);
    }

    // -------------------------------------------------------- GridSample
    void gridSample_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::addColumn<QString>("pad");
        QTest::addColumn<bool>("align");
        for (const char* m : { "bilinear", "nearest", "bicubic" })
            for (const char* p : { "zeros", "border", "reflection" })
                for (bool a : { false, true })
                    QTest::newRow(qPrintable(QString("%1 %2 %3").arg(m, p).arg(a))) << QString(m) << QString(p) << a;
    }
    void gridSample()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(QString, mode);
        QFETCH(QString, pad);
        QFETCH(bool, align);
        std::int64_t N = 2, C = 3, H = 5, W = 6, OH = 4, OW = 7;
        Dims xs { N, C, H, W }, gs { N, OH, OW, 2 };
        auto x = randomValues(countOf(xs), 91);
        auto grid = randomValues(countOf(gs), 92, -1.4, 1.4);
        std::string m = mode.toStdString(), p = pad.toStdString();
        std::vector<double> expected;
        for (std::int64_t n = 0; n < N; ++n)
            for (std::int64_t c = 0; c < C; ++c)
                for (std::int64_t oy = 0; oy < OH; ++oy)
                    for (std::int64_t ox = 0; ox < OW; ++ox) {
                        std::size_t gi = std::size_t(((n * OH + oy) * OW + ox) * 2);
                        double gx = gsUnnormalize(grid[gi], W, align), gy = gsUnnormalize(grid[gi + 1], H, align);
                        auto px = [&](std::int64_t yy, std::int64_t xx) {
                            if (yy < 0 || xx < 0 || yy >= H || xx >= W)
                                return 0.0;
                            return x[std::size_t(((n * C + c) * H + yy) * W + xx)];
                        };
                        double v = 0;
                        if (m == "bicubic") {
                            double fx = std::floor(gx), fy = std::floor(gy);
                            for (int r = 0; r < 4; ++r)
                                for (int k = 0; k < 4; ++k) {
                                    double yy = gsPad(fy - 1 + r, H, align, p), xx = gsPad(fx - 1 + k, W, align, p);
                                    double val = (yy < 0 || xx < 0) ? 0.0 : px(std::int64_t(yy), std::int64_t(xx));
                                    v += gsCubic(gy - fy, r) * gsCubic(gx - fx, k) * val;
                                }
                        } else {
                            gx = gsPad(gx, W, align, p);
                            gy = gsPad(gy, H, align, p);
                            if (m == "nearest") {
                                v = px(std::int64_t(std::nearbyint(gy)), std::int64_t(std::nearbyint(gx)));
                            } else {
                                double fx = std::floor(gx), fy = std::floor(gy), dx = gx - fx, dy = gy - fy;
                                std::int64_t x0 = std::int64_t(fx), y0 = std::int64_t(fy);
                                v = (1 - dy) * ((1 - dx) * px(y0, x0) + dx * px(y0, x0 + 1))
                                    + dy * ((1 - dx) * px(y0 + 1, x0) + dx * px(y0 + 1, x0 + 1));
                            }
                        }
                        expected.push_back(v);
                    }
        auto y = run("GridSample",
            { stringAttr("mode", m), stringAttr("padding_mode", p), intAttr("align_corners", align) },
            { tensorOf(DataType::Float, xs, x), tensorOf(DataType::Float, gs, grid) }, 1, 16);
        QCOMPARE(y[0]->dims, (Dims { N, C, OH, OW }));
        NODUS_COMPARE_VALUES(valuesOf(*y[0]), expected, 1e-4, 1e-4);
    }

    // ---------------------------------------------------------- RoiAlign
    void roiAlign_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::addColumn<bool>("halfPixel");
        QTest::addColumn<int>("ratio");
        QTest::newRow("avg half_pixel adaptive") << QString("avg") << true << 0;
        QTest::newRow("avg output_half_pixel ratio 2") << QString("avg") << false << 2;
        QTest::newRow("max half_pixel ratio 2") << QString("max") << true << 2;
    }
    void roiAlign()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(QString, mode);
        QFETCH(bool, halfPixel);
        QFETCH(int, ratio);
        std::int64_t N = 2, C = 3, H = 10, W = 9, R = 4, OH = 3, OW = 2;
        double scale = 0.5;
        auto x = randomValues(std::size_t(N * C * H * W), 101);
        std::vector<double> rois { 1, 1, 12, 15, 0, 0, 17, 19, 5.5, 3.2, 9.1, 10.7, -2, -3, 4, 30 };
        for (auto& v : rois)
            v = double(float(v));
        std::vector<double> batch { 0, 1, 1, 0 };
        std::vector<double> expected;
        for (std::int64_t r = 0; r < R; ++r)
            for (std::int64_t c = 0; c < C; ++c)
                for (std::int64_t ph = 0; ph < OH; ++ph)
                    for (std::int64_t pw = 0; pw < OW; ++pw) {
                        double off = halfPixel ? 0.5 : 0;
                        double x0 = rois[std::size_t(r * 4)] * scale - off,
                               y0 = rois[std::size_t(r * 4 + 1)] * scale - off;
                        double x1 = rois[std::size_t(r * 4 + 2)] * scale - off,
                               y1 = rois[std::size_t(r * 4 + 3)] * scale - off;
                        double rw = x1 - x0, rh = y1 - y0;
                        if (!halfPixel) {
                            rw = std::max(rw, 1.0);
                            rh = std::max(rh, 1.0);
                        }
                        double bh = rh / double(OH), bw = rw / double(OW);
                        int gh = ratio > 0 ? ratio : int(std::ceil(rh / double(OH)));
                        int gw = ratio > 0 ? ratio : int(std::ceil(rw / double(OW)));
                        const double* plane = &x[std::size_t((std::int64_t(batch[std::size_t(r)]) * C + c) * H * W)];
                        double acc = mode == "avg" ? 0 : -1e300;
                        for (int iy = 0; iy < gh; ++iy)
                            for (int ix = 0; ix < gw; ++ix) {
                                double yy = y0 + double(ph) * bh + (iy + 0.5) * bh / gh;
                                double xx = x0 + double(pw) * bw + (ix + 0.5) * bw / gw;
                                double v[4] = { 0, 0, 0, 0 };
                                if (!(yy < -1 || yy > double(H) || xx < -1 || xx > double(W))) {
                                    yy = std::max(yy, 0.0);
                                    xx = std::max(xx, 0.0);
                                    std::int64_t yl = std::int64_t(yy), xl = std::int64_t(xx), yh, xh;
                                    if (yl >= H - 1) {
                                        yh = yl = H - 1;
                                        yy = double(yl);
                                    } else {
                                        yh = yl + 1;
                                    }
                                    if (xl >= W - 1) {
                                        xh = xl = W - 1;
                                        xx = double(xl);
                                    } else {
                                        xh = xl + 1;
                                    }
                                    double ly = yy - double(yl), lx = xx - double(xl);
                                    v[0] = (1 - ly) * (1 - lx) * plane[yl * W + xl];
                                    v[1] = (1 - ly) * lx * plane[yl * W + xh];
                                    v[2] = ly * (1 - lx) * plane[yh * W + xl];
                                    v[3] = ly * lx * plane[yh * W + xh];
                                }
                                if (mode == "avg")
                                    acc += v[0] + v[1] + v[2] + v[3];
                                else
                                    acc = std::max({ acc, v[0], v[1], v[2], v[3] });
                            }
                        expected.push_back(mode == "avg" ? acc / std::max(gh * gw, 1) : acc);
                    }
        std::vector<Attribute> attrs { stringAttr("mode", mode.toStdString()), intAttr("output_height", OH),
            intAttr("output_width", OW), intAttr("sampling_ratio", ratio), floatAttr("spatial_scale", scale),
            stringAttr("coordinate_transformation_mode", halfPixel ? "half_pixel" : "output_half_pixel") };
        auto y = run("RoiAlign", attrs,
            { tensorOf(DataType::Float, { N, C, H, W }, x), tensorOf(DataType::Float, { R, 4 }, rois),
                tensorOf(DataType::Int64, { R }, batch) },
            1, 16);
        QCOMPARE(y[0]->dims, (Dims { R, C, OH, OW }));
        NODUS_COMPARE_VALUES(valuesOf(*y[0]), expected, 1e-4, 1e-4);
    }

    // ------------------------------------------ ConvInteger / QLinearConv
    void convInteger()
    {
        NODUS_REQUIRE_VULKAN();
        Dims xs { 1, 4, 6, 7 }, ws { 6, 2, 3, 3 };
        std::mt19937 rng(7);
        std::vector<double> x(countOf(xs)), w(countOf(ws));
        for (auto& v : x)
            v = double(rng() % 256);
        for (auto& v : w)
            v = double(int(rng() % 256) - 128);
        std::vector<double> wzp { -3, 5, 0, 7, -128, 127 };
        double xzp = 131;
        std::vector<double> xs0(x.size()), ws0(w.size());
        for (std::size_t i = 0; i < x.size(); ++i)
            xs0[i] = x[i] - xzp;
        for (std::size_t i = 0; i < w.size(); ++i)
            ws0[i] = w[i] - wzp[i / std::size_t(countOf(ws) / 6)];
        Ints strides { 2, 1 }, dil { 1, 1 }, pads { 1, 1, 0, 1 };
        Geometry g = geometry(xs, { 3, 3 }, strides, dil, pads, "NOTSET", false);
        Dims ys;
        auto expected = convRef(xs0, xs, ws0, ws, nullptr, 2, strides, dil, g, ys);
        auto y = run("ConvInteger", { intAttr("group", 2), intsAttr("strides", strides), intsAttr("pads", pads) },
            { tensorOf(DataType::UInt8, xs, x), tensorOf(DataType::Int8, ws, w), tensorOf(DataType::UInt8, {}, { xzp }),
                tensorOf(DataType::Int8, { 6 }, wzp) },
            1, 10);
        QCOMPARE(y[0]->dataType, DataType::Int32);
        QCOMPARE(y[0]->dims, ys);
        NODUS_COMPARE_VALUES(valuesOf(*y[0]), expected, 0, 0);
    }

    void qlinearConv_data()
    {
        QTest::addColumn<DataType>("outType");
        QTest::newRow("uint8") << DataType::UInt8;
        QTest::newRow("int8") << DataType::Int8;
    }
    void qlinearConv()
    {
        NODUS_REQUIRE_VULKAN();
        QFETCH(DataType, outType);
        Dims xs { 2, 3, 5, 6 }, ws { 4, 3, 3, 3 };
        std::mt19937 rng(9);
        std::vector<double> x(countOf(xs)), w(countOf(ws)), bias;
        for (auto& v : x)
            v = double(rng() % 256);
        for (auto& v : w)
            v = double(int(rng() % 256) - 128);
        for (int i = 0; i < 4; ++i)
            bias.push_back(double(int(rng() % 2001) - 1000));
        float xscale = 0.02f, yscale = 0.5f;
        std::vector<double> wscale { 0.01, 0.02, 0.015, 0.03 }, wzp { 0, 0, 0, 0 };
        double xzp = 120, yzp = outType == DataType::UInt8 ? 100 : -5;
        std::vector<double> xs0(x.size());
        for (std::size_t i = 0; i < x.size(); ++i)
            xs0[i] = x[i] - xzp;
        Ints strides { 1, 1 }, dil { 1, 1 }, pads { 1, 1, 1, 1 };
        Geometry g = geometry(xs, { 3, 3 }, strides, dil, pads, "NOTSET", false);
        Dims ys;
        auto acc = convRef(xs0, xs, w, ws, &bias, 1, strides, dil, g, ys);
        std::vector<double> expected;
        double lo = outType == DataType::UInt8 ? 0 : -128, hi = outType == DataType::UInt8 ? 255 : 127;
        std::size_t plane = countOf(ys) / std::size_t(ys[0] * ys[1]);
        for (std::size_t i = 0; i < acc.size(); ++i) {
            std::size_t oc = (i / plane) % 4;
            float m = xscale * float(wscale[oc]) / yscale;
            double v = std::nearbyint(double(float(acc[i]) * m)) + yzp;
            expected.push_back(std::clamp(v, lo, hi));
        }
        auto y = run("QLinearConv", { intsAttr("pads", pads) },
            { tensorOf(DataType::UInt8, xs, x), tensorOf(DataType::Float, {}, { xscale }),
                tensorOf(DataType::UInt8, {}, { xzp }), tensorOf(DataType::Int8, ws, w),
                tensorOf(DataType::Float, { 4 }, wscale), tensorOf(DataType::Int8, { 4 }, wzp),
                tensorOf(DataType::Float, {}, { yscale }), tensorOf(outType, {}, { yzp }),
                tensorOf(DataType::Int32, { 4 }, bias) },
            1, 10);
        QCOMPARE(y[0]->dataType, outType);
        QCOMPARE(y[0]->dims, ys);
        NODUS_COMPARE_VALUES(valuesOf(*y[0]), expected, 0, 0);
    }

    void convBench()
    {
        if (!std::getenv("NODUS_CONV_BENCH"))
            QSKIP("set NODUS_CONV_BENCH=1 to time ResNet-18's convs");
        NODUS_REQUIRE_VULKAN();
        struct B {
            const char* name;
            Dims x, w;
            Ints strides, pads;
        };
        // ResNet-18's conv shapes.
        const B cases[] = {
            { "3->64 7x7 s2", { 1, 3, 224, 224 }, { 64, 3, 7, 7 }, { 2, 2 }, { 3, 3, 3, 3 } },
            { "64x56x56 3x3", { 1, 64, 56, 56 }, { 64, 64, 3, 3 }, { 1, 1 }, { 1, 1, 1, 1 } },
            { "64->128 3x3 s2", { 1, 64, 56, 56 }, { 128, 64, 3, 3 }, { 2, 2 }, { 1, 1, 1, 1 } },
            { "64->128 1x1 s2", { 1, 64, 56, 56 }, { 128, 64, 1, 1 }, { 2, 2 }, { 0, 0, 0, 0 } },
            { "128x28x28 3x3", { 1, 128, 28, 28 }, { 128, 128, 3, 3 }, { 1, 1 }, { 1, 1, 1, 1 } },
            { "256x14x14 3x3", { 1, 256, 14, 14 }, { 256, 256, 3, 3 }, { 1, 1 }, { 1, 1, 1, 1 } },
            { "512x7x7 3x3", { 1, 512, 7, 7 }, { 512, 512, 3, 3 }, { 1, 1 }, { 1, 1, 1, 1 } },
        };
        for (const B& b : cases) {
            OpRun r;
            r.op = "Conv";
            r.attributes = { intsAttr("strides", b.strides), intsAttr("pads", b.pads) };
            r.inputs = { tensorOf(DataType::Float, b.x, randomValues(countOf(b.x), 1)),
                tensorOf(DataType::Float, b.w, randomValues(countOf(b.w), 2)) };
            auto model = opModel(r);
            // The weights as an initializer, as in a real model.
            Graph& g = *model->graph;
            g.inputs.pop_back();
            auto weights = tensorOf(DataType::Float, b.w, randomValues(countOf(b.w), 2));
            weights->name = "in1";
            g.addInitializer(weights);
            rt::Session session(model);
            std::vector<std::pair<std::string, std::shared_ptr<const Tensor>>> feeds { { "in0",
                tensorOf(DataType::Float, b.x, randomValues(countOf(b.x), 1)) } };
            session.run(feeds);
            std::vector<double> ms, cpu;
            for (int i = 0; i < 7; ++i) {
                auto t0 = std::chrono::steady_clock::now();
                std::clock_t c0 = std::clock();
                session.run(feeds);
                cpu.push_back(double(std::clock() - c0) * 1000.0 / CLOCKS_PER_SEC);
                ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
            }
            std::sort(ms.begin(), ms.end());
            std::sort(cpu.begin(), cpu.end());
            std::int64_t oh = (b.x[2] + b.pads[0] + b.pads[2] - b.w[2]) / b.strides[0] + 1;
            std::int64_t ow = (b.x[3] + b.pads[1] + b.pads[3] - b.w[3]) / b.strides[1] + 1;
            double flops = 2.0 * double(countOf(b.w)) * double(oh * ow);
            qInfo("%-16s median %8.2f ms wall, %8.2f ms CPU (%.1f GFLOP/s per CPU second)", b.name, ms[ms.size() / 2],
                cpu[cpu.size() / 2], flops / cpu[cpu.size() / 2] / 1e6);
        }
    }
};

QTEST_GUILESS_MAIN(TestRuntimeConv)
#include "test_runtime_conv.moc"
