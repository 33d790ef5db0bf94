#pragma once

#include "ir/datatype.h"
#include "ir/shape.h"

#include <QString>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

class QImage;

namespace nodus {

class Tensor;
struct ValueType;

// What the run panel feeds one graph input, and how the tensor is made.
struct RunInputSpec {
    enum class Source { Random, Zeros, Ones, Npy, Image };

    std::string name;
    DataType type = DataType::Float;
    // The dims the user settled on (symbolic and unknown dims filled in);
    // a .npy file's own dims win where the declared shape leaves room.
    std::vector<std::int64_t> dims;
    Source source = Source::Random;
    std::uint64_t seed = 0;
    QString path; // Npy, Image
    // Image: (pixel / 255 - mean) / std per channel, ImageNet's by default.
    std::array<float, 3> mean { 0.485f, 0.456f, 0.406f };
    std::array<float, 3> std { 0.229f, 0.224f, 0.225f };
};

// The tensor for `spec`, named after the input. `declared` is the graph
// input's shape, which a .npy must agree with. Throws nodus::Error naming
// the input (and file) when the values cannot be made.
std::shared_ptr<Tensor> makeRunInput(const RunInputSpec& spec, const Shape& declared);

// A picture as an NCHW float input of `dims` (N copies; C 1 for gray or 3
// for RGB): scaled to H x W, each channel normalized with mean and std.
std::shared_ptr<Tensor> imageTensor(const QImage& image, DataType type, const std::vector<std::int64_t>& dims,
    const std::array<float, 3>& mean, const std::array<float, 3>& std);

// Whether an input can be fed from a picture: a 4-D floating-point tensor
// whose channel dim is 1 or 3 (or not fixed).
bool acceptsImage(const ValueType& type);

// The declared dims with symbolic and unknown ones replaced by 1.
std::vector<std::int64_t> defaultDims(const Shape& shape);
// "1,3,224,224" and back; nullopt when the text is not a list of sizes.
QString dimsText(const std::vector<std::int64_t>& dims);
std::optional<std::vector<std::int64_t>> parseDimsText(const QString& text);

// "1.5, 2, 3" as numbers; nullopt unless there are exactly `count`.
std::optional<std::array<float, 3>> parseTriple(const QString& text);

} // namespace nodus
