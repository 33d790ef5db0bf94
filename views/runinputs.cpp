#include "runinputs.h"

#include "ir/ownedtensordata.h"
#include "ir/tensor.h"
#include "ir/tensorencode.h"
#include "ir/valuetype.h"
#include "runtime/session.h"
#include "util/error.h"
#include "util/npy.h"

#include <QFile>
#include <QImage>
#include <QImageReader>
#include <QRegularExpression>
#include <QStringList>

#include <cstring>

namespace nodus {

namespace {

std::string shapeString(const std::vector<std::int64_t>& dims)
{
    return "[" + dimsText(dims).toStdString() + "]";
}

std::filesystem::path fsPath(const QString& path)
{
    return std::filesystem::path(QFile::encodeName(path).toStdString());
}

// A .npy's array as the input: its dims must fit the declared shape, and
// its numbers are converted when the file holds another numeric type
// (numpy saves float64 unless told otherwise).
std::shared_ptr<Tensor> npyInput(const RunInputSpec& spec, const Shape& declared)
{
    if (spec.path.isEmpty())
        throw Error("input '" + spec.name + "': choose a .npy file");
    std::shared_ptr<Tensor> file = readNpy(fsPath(spec.path));
    const std::string where = "input '" + spec.name + "': " + spec.path.toStdString();
    if (declared.rankKnown) {
        bool fits = declared.rank() == file->dims.size();
        for (std::size_t i = 0; fits && i < file->dims.size(); ++i)
            if (declared.dims[i].isKnown() && *declared.dims[i].value != file->dims[i])
                fits = false;
        if (!fits)
            throw Error(where + " holds shape " + shapeString(file->dims) + ", the input is " + declared.toString());
    }
    file->name = spec.name;
    if (file->dataType == spec.type)
        return file;
    if (file->dataType == DataType::String || spec.type == DataType::String || dataTypeBits(spec.type) == 0)
        throw Error(where + " holds " + std::string(dataTypeName(file->dataType)) + ", the input is "
            + std::string(dataTypeName(spec.type)));
    const std::uint64_t count = file->elementCount().value_or(0);
    std::vector<std::byte> bytes((count * std::uint64_t(dataTypeBits(spec.type)) + 7) / 8);
    const auto in = file->data ? file->data->bytes() : std::span<const std::byte>();
    try {
        for (std::uint64_t i = 0; i < count; ++i)
            convertElement(file->dataType, in, spec.type, bytes, i);
    } catch (const std::exception& e) {
        throw Error(where + ": cannot convert " + std::string(dataTypeName(file->dataType)) + " to "
            + std::string(dataTypeName(spec.type)) + ": " + e.what());
    }
    auto out = std::make_shared<Tensor>();
    out->name = spec.name;
    out->dataType = spec.type;
    out->dims = file->dims;
    out->data = std::make_shared<OwnedTensorData>(std::move(bytes));
    return out;
}

std::shared_ptr<Tensor> imageInput(const RunInputSpec& spec, const Shape& declared)
{
    if (spec.path.isEmpty())
        throw Error("input '" + spec.name + "': choose an image file");
    if (spec.dims.size() != 4)
        throw Error(
            "input '" + spec.name + "': an image feeds 4-D (NCHW) inputs only, this one is " + shapeString(spec.dims));
    QImageReader reader(spec.path);
    reader.setAutoTransform(true);
    const QImage image = reader.read();
    if (image.isNull())
        throw Error(
            "input '" + spec.name + "': " + spec.path.toStdString() + ": " + reader.errorString().toStdString());
    std::vector<std::int64_t> dims = spec.dims;
    // Sizes the model leaves open are taken from the picture itself.
    const auto open = [&](std::size_t i) { return !declared.rankKnown || !declared.dims[i].isKnown(); };
    if (open(1))
        dims[1] = 3;
    if (open(2))
        dims[2] = image.height();
    if (open(3))
        dims[3] = image.width();
    auto t = imageTensor(image, spec.type, dims, spec.mean, spec.std);
    t->name = spec.name;
    return t;
}

} // namespace

std::shared_ptr<Tensor> makeRunInput(const RunInputSpec& spec, const Shape& declared)
{
    using Source = RunInputSpec::Source;
    switch (spec.source) {
    case Source::Npy:
        return npyInput(spec, declared);
    case Source::Image:
        return imageInput(spec, declared);
    case Source::Random:
    case Source::Zeros:
    case Source::Ones:
        break;
    }
    const rt::InputFill fill = spec.source == Source::Zeros ? rt::InputFill::Zeros
        : spec.source == Source::Ones                       ? rt::InputFill::Ones
                                                            : rt::InputFill::Random;
    return rt::makeInput(spec.name, spec.type, spec.dims, fill, spec.seed);
}

std::shared_ptr<Tensor> imageTensor(const QImage& image, DataType type, const std::vector<std::int64_t>& dims,
    const std::array<float, 3>& mean, const std::array<float, 3>& std)
{
    if (dims.size() != 4 || (dims[1] != 1 && dims[1] != 3) || dims[0] < 1 || dims[2] < 1 || dims[3] < 1)
        throw Error("an image gives N x 1 x H x W or N x 3 x H x W values, not " + shapeString(dims));
    if (!isFloatingPoint(type) || dataTypeBits(type) < 16)
        throw Error("an image gives floating-point values, not " + std::string(dataTypeName(type)));
    for (int c = 0; c < 3; ++c)
        if (!(std[std::size_t(c)] != 0))
            throw Error("the image's std must not be 0");
    const std::int64_t n = dims[0], channels = dims[1], h = dims[2], w = dims[3];
    if (h > 16384 || w > 16384)
        throw Error("an image input of " + shapeString(dims) + " is too large");
    const QImage scaled = image.scaled(int(w), int(h), Qt::IgnoreAspectRatio, Qt::SmoothTransformation)
                              .convertToFormat(channels == 1 ? QImage::Format_Grayscale8 : QImage::Format_RGB888);

    const std::size_t plane = std::size_t(h * w);
    std::vector<float> values(plane * std::size_t(channels));
    for (std::int64_t y = 0; y < h; ++y) {
        const uchar* row = scaled.constScanLine(int(y));
        for (std::int64_t x = 0; x < w; ++x)
            for (std::int64_t c = 0; c < channels; ++c) {
                const float v = row[x * channels + c] / 255.0f;
                values[std::size_t(c) * plane + std::size_t(y * w + x)]
                    = (v - mean[std::size_t(c)]) / std[std::size_t(c)];
            }
    }

    const std::size_t bytesPer = std::size_t(dataTypeBits(type) / 8);
    std::vector<std::byte> bytes(values.size() * std::size_t(n) * bytesPer);
    if (type == DataType::Float) {
        for (std::int64_t b = 0; b < n; ++b)
            std::memcpy(bytes.data() + std::size_t(b) * values.size() * 4, values.data(), values.size() * 4);
    } else {
        for (std::int64_t b = 0; b < n; ++b)
            for (std::size_t i = 0; i < values.size(); ++i)
                encodeElement(type, bytes, std::uint64_t(b) * values.size() + i, values[i]);
    }
    auto t = std::make_shared<Tensor>();
    t->dataType = type;
    t->dims = dims;
    t->data = std::make_shared<OwnedTensorData>(std::move(bytes));
    return t;
}

bool acceptsImage(const ValueType& type)
{
    if (!type.isTensor() || !isFloatingPoint(type.elementType) || dataTypeBits(type.elementType) < 16)
        return false;
    if (!type.shape.rankKnown)
        return true;
    if (type.shape.rank() != 4)
        return false;
    const Dim& c = type.shape.dims[1];
    return !c.isKnown() || *c.value == 1 || *c.value == 3;
}

std::vector<std::int64_t> defaultDims(const Shape& shape)
{
    std::vector<std::int64_t> dims;
    for (const Dim& d : shape.dims)
        dims.push_back(d.isKnown() && *d.value >= 0 ? *d.value : 1);
    return dims;
}

QString dimsText(const std::vector<std::int64_t>& dims)
{
    QStringList parts;
    for (auto d : dims)
        parts << QString::number(d);
    return parts.join(QLatin1Char(','));
}

std::optional<std::vector<std::int64_t>> parseDimsText(const QString& text)
{
    QString t = text.trimmed();
    if (t.startsWith(QLatin1Char('[')) && t.endsWith(QLatin1Char(']')))
        t = t.mid(1, t.size() - 2);
    std::vector<std::int64_t> dims;
    if (t.trimmed().isEmpty())
        return dims; // a scalar
    for (const QString& part : t.split(QRegularExpression(QStringLiteral("[,x\\s]+")), Qt::SkipEmptyParts)) {
        bool ok = false;
        const qlonglong v = part.toLongLong(&ok);
        if (!ok || v < 0)
            return std::nullopt;
        dims.push_back(v);
    }
    return dims;
}

std::optional<std::array<float, 3>> parseTriple(const QString& text)
{
    const QStringList parts = text.split(QRegularExpression(QStringLiteral("[,;\\s]+")), Qt::SkipEmptyParts);
    if (parts.size() != 3)
        return std::nullopt;
    std::array<float, 3> out {};
    for (int i = 0; i < 3; ++i) {
        bool ok = false;
        out[std::size_t(i)] = parts[i].toFloat(&ok);
        if (!ok)
            return std::nullopt;
    }
    return out;
}

} // namespace nodus
