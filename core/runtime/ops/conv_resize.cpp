// Resampling: Resize (opset 10-17), Upsample, GridSample and RoiAlign.
#include "runtime/kernel.h"
#include "runtime/recorder.h"

#include "ir/attribute.h"
#include "ir/node.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace nodus::rt {

namespace {

// ---- Resize / Upsample

enum class Interp { Nearest, Linear, Cubic };

struct ResizeMode {
    Interp interp = Interp::Nearest;
    std::string transform = "half_pixel";
    std::string nearest = "round_prefer_floor";
    double cubicA = -0.75;
    bool excludeOutside = false;
    float extrapolation = 0;
    // Resize-10 and Upsample: asymmetric coordinates and onnxruntime's
    // original nearest rounding (floor when upsampling, ceil when
    // downsampling).
    bool legacy = false;
};

const char* const kTransforms[] = { "half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
    "tf_crop_and_resize", "tf_half_pixel_for_nn" };
const char* const kNearestModes[] = { "round_prefer_floor", "round_prefer_ceil", "floor", "ceil" };

std::string checkResize(const Node& node)
{
    const Attribute* a = node.attribute("mode");
    if (a && a->s != "nearest" && a->s != "linear" && a->s != "cubic" && a->s != "bilinear")
        return "mode '" + a->s + "' is not nearest, linear or cubic";
    if ((a = node.attribute("coordinate_transformation_mode"))) {
        if (std::find(std::begin(kTransforms), std::end(kTransforms), a->s) == std::end(kTransforms))
            return "coordinate_transformation_mode '" + a->s + "' is not supported";
    }
    if ((a = node.attribute("nearest_mode"))) {
        if (std::find(std::begin(kNearestModes), std::end(kNearestModes), a->s) == std::end(kNearestModes))
            return "nearest_mode '" + a->s + "' is not supported";
    }
    if ((a = node.attribute("antialias")) && a->i != 0)
        return "antialias (opset 18) is not supported";
    if ((a = node.attribute("keep_aspect_ratio_policy")) && a->s != "stretch")
        return "keep_aspect_ratio_policy (opset 18) is not supported";
    if (node.attribute("axes"))
        return "axes (opset 18) is not supported";
    return {};
}

struct DimTable {
    int taps = 1;
    std::vector<std::int32_t> idx; // out * taps
    std::vector<float> w; // out * taps
};

double originalCoordinate(
    const ResizeMode& m, std::int64_t o, std::int64_t in, double scale, double roiStart, double roiEnd, bool& outside)
{
    double x = double(o);
    // The reference's output width is scale * input (not the rounded
    // size), which matters for align_corners with fractional scales.
    double outWidth = scale * double(in);
    const std::string& t = m.transform;
    if (m.legacy || t == "asymmetric")
        return x / scale;
    if (t == "align_corners")
        return outWidth == 1 ? 0.0 : x * double(in - 1) / (outWidth - 1);
    if (t == "tf_crop_and_resize") {
        double r = outWidth == 1 ? (roiEnd - roiStart) * double(in - 1) / 2
                                 : x * (roiEnd - roiStart) * double(in - 1) / (outWidth - 1);
        r += roiStart * double(in - 1);
        outside = r < 0 || r > double(in - 1);
        return r;
    }
    if (t == "pytorch_half_pixel")
        return outWidth == 1 ? -0.5 : (x + 0.5) / scale - 0.5;
    if (t == "tf_half_pixel_for_nn")
        return (x + 0.5) / scale;
    return (x + 0.5) / scale - 0.5; // half_pixel
}

DimTable dimTable(const ResizeMode& m, std::int64_t in, std::int64_t out, double scale, double roiStart, double roiEnd)
{
    DimTable t;
    int n = m.interp == Interp::Cubic ? 4 : 2;
    t.taps = m.interp == Interp::Nearest ? 1 : n;
    t.idx.reserve(std::size_t(out * t.taps));
    t.w.reserve(std::size_t(out * t.taps));
    for (std::int64_t o = 0; o < out; ++o) {
        bool outside = false;
        double x = originalCoordinate(m, o, in, scale, roiStart, roiEnd, outside);
        if (outside) {
            for (int k = 0; k < t.taps; ++k) {
                t.idx.push_back(-1);
                t.w.push_back(0);
            }
            continue;
        }
        if (m.legacy && m.interp == Interp::Nearest) {
            double r = scale < 1 ? std::ceil(x) : std::trunc(x);
            t.idx.push_back(std::int32_t(std::clamp<double>(r, 0, double(in - 1))));
            t.w.push_back(1);
            continue;
        }
        // The reference takes the n nearest indexes of the edge-padded
        // input, preferring the lower one; the ratio is in (0, 1].
        double fl = std::floor(x);
        bool integral = x == fl;
        double ratio = integral ? 1.0 : x - fl;
        std::int64_t left = integral ? std::int64_t(x) - 1 : std::int64_t(fl);
        std::int64_t pad = (n + 1) / 2;
        std::int64_t start = std::clamp<std::int64_t>(left - (n / 2 - 1) + pad, 0, in + 2 * pad - n) - pad;
        double c[4];
        if (m.interp == Interp::Cubic) {
            double A = m.cubicA, r = ratio, s = 1 - ratio;
            c[0] = ((A * (r + 1) - 5 * A) * (r + 1) + 8 * A) * (r + 1) - 4 * A;
            c[1] = ((A + 2) * r - (A + 3)) * r * r + 1;
            c[2] = ((A + 2) * s - (A + 3)) * s * s + 1;
            c[3] = ((A * (s + 1) - 5 * A) * (s + 1) + 8 * A) * (s + 1) - 4 * A;
        } else if (m.interp == Interp::Linear) {
            c[0] = 1 - ratio;
            c[1] = ratio;
        } else {
            bool right;
            if (integral)
                right = true;
            else if (m.nearest == "round_prefer_ceil")
                right = ratio >= 0.5;
            else if (m.nearest == "floor")
                right = false;
            else if (m.nearest == "ceil")
                right = true;
            else
                right = ratio > 0.5;
            std::int64_t i = start + (right ? 1 : 0);
            t.idx.push_back(std::int32_t(std::clamp<std::int64_t>(i, 0, in - 1)));
            t.w.push_back(1);
            continue;
        }
        if (m.excludeOutside) {
            double sum = 0;
            for (int k = 0; k < n; ++k) {
                std::int64_t i = start + k;
                if (i < 0 || i >= in)
                    c[k] = 0;
                sum += c[k];
            }
            for (int k = 0; k < n; ++k)
                c[k] = sum != 0 ? c[k] / sum : 0;
        }
        for (int k = 0; k < n; ++k) {
            t.idx.push_back(std::int32_t(std::clamp<std::int64_t>(start + k, 0, in - 1)));
            t.w.push_back(float(c[k]));
        }
    }
    // A dim whose every coordinate lands on one input with weight 1
    // (an unscaled N or C dim) needs one lookup, not n.
    if (t.taps > 1) {
        bool single = true;
        std::vector<std::int32_t> idx;
        for (std::int64_t o = 0; o < out && single; ++o) {
            int hits = 0;
            std::int32_t at = 0;
            for (int k = 0; k < t.taps; ++k) {
                float w = t.w[std::size_t(o * t.taps + k)];
                if (t.idx[std::size_t(o * t.taps + k)] < 0) {
                    hits = 1;
                    at = -1;
                    break;
                }
                if (w != 0) {
                    ++hits;
                    at = t.idx[std::size_t(o * t.taps + k)];
                    if (w != 1)
                        hits = 2;
                }
            }
            single = hits == 1;
            idx.push_back(at);
        }
        if (single) {
            t.taps = 1;
            t.idx = std::move(idx);
            t.w.assign(t.idx.size(), 1.0f);
        }
    }
    return t;
}

void runResize(KernelContext& ctx, bool upsample)
{
    const auto& xs = ctx.shape(0);
    std::size_t rank = xs.size();
    int opset = ctx.opset();
    ResizeMode m;
    std::string mode = ctx.attrString("mode", "nearest");
    m.interp = mode == "cubic"                     ? Interp::Cubic
        : (mode == "linear" || mode == "bilinear") ? Interp::Linear
                                                   : Interp::Nearest;
    m.legacy = upsample || opset < 11;
    if (m.legacy && m.interp == Interp::Cubic)
        ctx.fail("cubic mode needs Resize from opset 11");
    if (!m.legacy) {
        m.transform = ctx.attrString("coordinate_transformation_mode", "half_pixel");
        m.nearest = ctx.attrString("nearest_mode", "round_prefer_floor");
        m.cubicA = ctx.attrFloat("cubic_coeff_a", -0.75f);
        m.excludeOutside = ctx.attrInt("exclude_outside", 0) != 0;
        m.extrapolation = ctx.attrFloat("extrapolation_value", 0.0f);
    }

    // Scales (Upsample-7 attribute, Upsample-9 / Resize-10 input 1,
    // Resize-11+ input 2) or sizes (Resize-11+ input 3).
    std::vector<double> scales;
    std::vector<std::int64_t> sizes;
    if (upsample && opset < 9) {
        for (float f : ctx.attrFloats("scales"))
            scales.push_back(f);
    } else {
        int si = m.legacy ? 1 : 2;
        if (ctx.has(si) && ctx.count(si) > 0)
            scales = ctx.doubles(si);
        if (!m.legacy && ctx.has(3) && ctx.count(3) > 0)
            sizes = ctx.ints(3);
    }
    if (!scales.empty() && !sizes.empty())
        ctx.fail("only one of scales and sizes may be given");
    if (scales.empty() && sizes.empty())
        ctx.fail("neither scales nor sizes is given");
    std::vector<double> roi;
    if (!m.legacy && m.transform == "tf_crop_and_resize") {
        if (!ctx.has(1) || ctx.count(1) != 2 * rank)
            ctx.fail("tf_crop_and_resize needs a roi of 2 * rank values");
        roi = ctx.doubles(1);
    }

    std::vector<std::int64_t> ys(rank);
    std::vector<double> scale(rank);
    if (!scales.empty()) {
        if (scales.size() != rank)
            ctx.fail("scales has " + std::to_string(scales.size()) + " values for rank " + std::to_string(rank));
        for (std::size_t d = 0; d < rank; ++d) {
            if (!(scales[d] > 0))
                ctx.fail("scales must be positive");
            scale[d] = scales[d];
            ys[d] = std::int64_t(std::floor(scales[d] * double(xs[d])));
        }
    } else {
        if (sizes.size() != rank)
            ctx.fail("sizes has " + std::to_string(sizes.size()) + " values for rank " + std::to_string(rank));
        for (std::size_t d = 0; d < rank; ++d) {
            if (sizes[d] < 0)
                ctx.fail("sizes must not be negative");
            ys[d] = sizes[d];
            scale[d] = xs[d] > 0 ? double(sizes[d]) / double(xs[d]) : 1.0;
        }
    }
    RtValue& out = ctx.output(0, ctx.type(0), ys);
    std::uint64_t count = out.count();
    if (count == 0)
        return;
    if (ctx.count(0) == 0)
        ctx.fail("cannot resize an empty input to a non-empty output");
    if (count > UINT32_MAX || ctx.count(0) > UINT32_MAX)
        ctx.fail("tensor too large for 32-bit indexing");

    std::vector<std::uint32_t> p { std::uint32_t(count), std::uint32_t(rank), floatBits(m.extrapolation) };
    std::vector<std::int32_t> table;
    bool nearest = true;
    int interpolated = 0;
    std::uint64_t stride = 1;
    std::vector<std::uint64_t> strides(rank);
    for (std::size_t d = rank; d-- > 0;) {
        strides[d] = stride;
        stride *= std::uint64_t(xs[d]);
    }
    for (std::size_t d = 0; d < rank; ++d) {
        double r0 = roi.empty() ? 0 : roi[d], r1 = roi.empty() ? 1 : roi[rank + d];
        DimTable t = dimTable(m, xs[d], ys[d], scale[d], r0, r1);
        if (t.taps > 1) {
            nearest = false;
            ++interpolated;
        }
        p.push_back(std::uint32_t(ys[d]));
        p.push_back(std::uint32_t(strides[d]));
        p.push_back(std::uint32_t(t.taps));
        p.push_back(std::uint32_t(table.size()));
        for (std::size_t k = 0; k < t.idx.size(); ++k) {
            table.push_back(t.idx[k]);
            std::int32_t wb;
            std::memcpy(&wb, &t.w[k], 4);
            table.push_back(wb);
        }
    }
    if (interpolated > 4)
        ctx.fail("interpolating more than 4 dims at once is not supported");
    BufferRef tab = ctx.scratch(table.size() * 4);
    ctx.recorder().upload(
        *tab.buffer, std::span(reinterpret_cast<const std::byte*>(table.data()), table.size() * 4), tab.offset);
    ctx.dispatch1D(KernelContext::shader("resize", repOf(ctx.type(0))), { nearest ? 1u : 0u }, p,
        { ctx.buffer(0), ctx.outBuffer(0), tab }, count);
}

// ---- GridSample

std::string checkGridSample(const Node& node)
{
    const Attribute* a = node.attribute("mode");
    if (a && a->s != "bilinear" && a->s != "nearest" && a->s != "bicubic" && a->s != "linear" && a->s != "cubic")
        return "mode '" + a->s + "' is not bilinear, nearest or bicubic";
    a = node.attribute("padding_mode");
    if (a && a->s != "zeros" && a->s != "border" && a->s != "reflection")
        return "padding_mode '" + a->s + "' is not zeros, border or reflection";
    return {};
}

void runGridSample(KernelContext& ctx)
{
    const auto& xs = ctx.shape(0);
    const auto& gs = ctx.shape(1);
    if (xs.size() != 4)
        ctx.fail("only 4-D inputs are supported (got " + shapeText(xs) + ")");
    if (gs.size() != 4 || gs[0] != xs[0] || gs[3] != 2)
        ctx.fail("grid " + shapeText(gs) + " does not match input " + shapeText(xs) + " (expected N x H x W x 2)");
    if (repOf(ctx.type(0)) != Rep::F32 || repOf(ctx.type(1)) != Rep::F32)
        ctx.fail("GridSample needs floating-point inputs");
    std::string mode = ctx.attrString("mode", "bilinear");
    std::string pad = ctx.attrString("padding_mode", "zeros");
    std::uint32_t m = (mode == "nearest") ? 1 : (mode == "bicubic" || mode == "cubic") ? 2 : 0;
    std::uint32_t pm = pad == "border" ? 1 : pad == "reflection" ? 2 : 0;
    std::int64_t N = xs[0], C = xs[1], H = xs[2], W = xs[3], OH = gs[1], OW = gs[2];
    RtValue& out = ctx.output(0, ctx.type(0), { N, C, OH, OW });
    std::uint64_t points = std::uint64_t(N * OH * OW);
    if (out.count() == 0)
        return;
    if (H == 0 || W == 0)
        ctx.fail("cannot sample an empty image");
    if (out.count() > UINT32_MAX || ctx.count(0) > UINT32_MAX)
        ctx.fail("tensor too large for 32-bit indexing");
    std::vector<std::uint32_t> p { std::uint32_t(points), std::uint32_t(C), std::uint32_t(H), std::uint32_t(W),
        std::uint32_t(OH * OW), std::uint32_t(ctx.attrInt("align_corners", 0) != 0) };
    ctx.dispatch1D("grid_sample", { m, pm }, p, { ctx.buffer(0), ctx.buffer(1), ctx.outBuffer(0) }, points);
}

// ---- RoiAlign

std::string checkRoiAlign(const Node& node)
{
    const Attribute* a = node.attribute("mode");
    if (a && a->s != "avg" && a->s != "max")
        return "mode '" + a->s + "' is not avg or max";
    a = node.attribute("coordinate_transformation_mode");
    if (a && a->s != "half_pixel" && a->s != "output_half_pixel")
        return "coordinate_transformation_mode '" + a->s + "' is not half_pixel or output_half_pixel";
    return {};
}

void runRoiAlign(KernelContext& ctx)
{
    const auto& xs = ctx.shape(0);
    const auto& rs = ctx.shape(1);
    const auto& bs = ctx.shape(2);
    if (xs.size() != 4)
        ctx.fail("input " + shapeText(xs) + " is not 4-D");
    if (rs.size() != 2 || rs[1] != 4 || bs.size() != 1 || bs[0] != rs[0])
        ctx.fail("rois " + shapeText(rs) + " and batch_indices " + shapeText(bs) + " do not match");
    if (repOf(ctx.type(0)) != Rep::F32 || repOf(ctx.type(1)) != Rep::F32 || repOf(ctx.type(2)) != Rep::I64)
        ctx.fail("RoiAlign needs float input and rois and int64 batch_indices");
    std::int64_t OH = ctx.attrInt("output_height", 1), OW = ctx.attrInt("output_width", 1);
    std::int64_t ratio = ctx.attrInt("sampling_ratio", 0);
    if (OH < 1 || OW < 1 || ratio < 0)
        ctx.fail("output size must be positive and sampling_ratio not negative");
    // Opset 10 had no attribute and used no half-pixel offset.
    bool halfPixel
        = ctx.opset() >= 16 && ctx.attrString("coordinate_transformation_mode", "half_pixel") == "half_pixel";
    std::int64_t R = rs[0], C = xs[1];
    RtValue& out = ctx.output(0, ctx.type(0), { R, C, OH, OW });
    if (out.count() == 0)
        return;
    if (xs[2] == 0 || xs[3] == 0)
        ctx.fail("cannot pool an empty image");
    if (out.count() > UINT32_MAX || ctx.count(0) > UINT32_MAX)
        ctx.fail("tensor too large for 32-bit indexing");
    std::vector<std::uint32_t> p { std::uint32_t(out.count()), std::uint32_t(C), std::uint32_t(xs[2]),
        std::uint32_t(xs[3]), std::uint32_t(OH), std::uint32_t(OW), std::uint32_t(ratio),
        floatBits(ctx.attrFloat("spatial_scale", 1.0f)), halfPixel ? 1u : 0u, std::uint32_t(xs[0]) };
    std::uint32_t mode = ctx.attrString("mode", "avg") == "max" ? 1 : 0;
    ctx.dispatch1D(
        "roi_align", { mode }, p, { ctx.buffer(0), ctx.buffer(1), ctx.buffer(2), ctx.outBuffer(0) }, out.count());
}

} // namespace

void registerResizeKernels(KernelRegistry& registry)
{
    registry.add(
        "Resize", [](KernelContext& ctx) { runResize(ctx, false); }, checkResize);
    registry.add(
        "Upsample", [](KernelContext& ctx) { runResize(ctx, true); }, checkResize);
    registry.add("GridSample", runGridSample, checkGridSample);
    registry.add("RoiAlign", runRoiAlign, checkRoiAlign);
}

} // namespace nodus::rt
