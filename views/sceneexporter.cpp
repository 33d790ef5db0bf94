#include "sceneexporter.h"

#include "sceneindex.h"
#include "scenerenderer.h"

#include "layout/scene.h"

#include <QDir>
#include <QPainter>
#include <QSaveFile>
#include <QSvgGenerator>

#include <png.h>

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <limits>
#include <memory>
#include <new>
#include <vector>

namespace nodus {

namespace {

// A band is as many rows as fit in this many bytes, at most kMaxBandRows:
// wide images get short bands, so memory stays flat whatever the size.
constexpr std::size_t kBandBytes = 256u << 20;
constexpr int kMaxBandRows = 2048;
// Tiles keep device coordinates small for the raster engine and each QImage
// well inside its limits, even for very wide exports.
constexpr int kTileWidth = 8192;

// libpng reports errors by longjmp. Every libpng call that may fail runs in
// one of the small functions below, whose frames hold no C++ objects, so the
// jump skips no destructor.
struct PngSink {
    QSaveFile* file = nullptr;
    png_structp png = nullptr;
    png_infop info = nullptr;
    char message[512] = {};
};

void onPngError(png_structp png, png_const_charp message)
{
    auto* sink = static_cast<PngSink*>(png_get_error_ptr(png));
    std::snprintf(sink->message, sizeof sink->message, "%s", message);
    png_longjmp(png, 1);
}

void onPngWarning(png_structp, png_const_charp) { }

void onPngWrite(png_structp png, png_bytep data, std::size_t length)
{
    auto* sink = static_cast<PngSink*>(png_get_io_ptr(png));
    if (sink->file->write(reinterpret_cast<const char*>(data), static_cast<qint64>(length))
        != static_cast<qint64>(length))
        png_error(png, "writing to the disk failed");
}

void onPngFlush(png_structp) { }

bool pngStart(PngSink& s, png_uint_32 width, png_uint_32 height)
{
    if (setjmp(png_jmpbuf(s.png)))
        return false;
    png_set_write_fn(s.png, &s, onPngWrite, onPngFlush);
    // The default limits are for reading untrusted files (1,000,000 px a side);
    // here only the format's own 2^31 - 1 applies.
    png_set_user_limits(s.png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
    png_set_IHDR(s.png, s.info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
        PNG_FILTER_TYPE_DEFAULT);
    png_write_info(s.png, s.info);
    return true;
}

bool pngRow(PngSink& s, const unsigned char* row)
{
    if (setjmp(png_jmpbuf(s.png)))
        return false;
    png_write_row(s.png, row);
    return true;
}

bool pngFinish(PngSink& s)
{
    if (setjmp(png_jmpbuf(s.png)))
        return false;
    png_write_end(s.png, nullptr);
    return true;
}

// Frees libpng's state; the sink itself lives on the caller's stack.
void releasePng(PngSink* s)
{
    if (s->png)
        png_destroy_write_struct(&s->png, s->info ? &s->info : nullptr);
}

QString nativePath(const QString& path)
{
    return QDir::toNativeSeparators(path);
}

} // namespace

QRectF SceneExporter::exportArea(const Scene& scene)
{
    bool any = false;
    Rect b;
    auto grow = [&](const Rect& r) {
        b = any ? b.united(r) : r;
        any = true;
    };
    for (const auto& item : scene.items)
        grow(item.rect);
    for (const auto& frame : scene.frames)
        grow(frame.rect);
    for (const auto& edge : scene.edges)
        for (const Point& p : edge.path)
            grow({ p.x, p.y, 0, 0 });
    if (scene.bounds.width > 0 && scene.bounds.height > 0)
        grow(scene.bounds);
    if (!any)
        return {};
    return QRectF(b.x, b.y, b.width, b.height).adjusted(-kMargin, -kMargin, kMargin, kMargin);
}

QSizeF SceneExporter::imageSize(const Scene& scene, double scale)
{
    const QRectF area = exportArea(scene);
    return { std::ceil(area.width() * scale), std::ceil(area.height() * scale) };
}

QString SceneExporter::exportPng(const Scene& scene, const QString& path, double scale, const CanvasTheme& theme)
{
    if (!(scale > 0) || !std::isfinite(scale))
        return tr("Cannot export %1: the scale must be a positive number.").arg(nativePath(path));
    const QRectF area = exportArea(scene);
    if (area.isEmpty())
        return tr("Cannot export %1: the graph is empty.").arg(nativePath(path));
    const QSizeF size = imageSize(scene, scale);
    if (size.width() > PNG_UINT_31_MAX || size.height() > PNG_UINT_31_MAX)
        return tr("Cannot export %1: the image would be %2 x %3 pixels, and PNG allows at most %4 in each "
                  "direction. Choose a smaller scale.")
            .arg(nativePath(path))
            .arg(size.width(), 0, 'f', 0)
            .arg(size.height(), 0, 'f', 0)
            .arg(PNG_UINT_31_MAX);
    const auto width = static_cast<std::size_t>(size.width());
    const auto height = static_cast<std::size_t>(size.height());

    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return tr("Cannot write %1: %2").arg(nativePath(path), file.errorString());

    PngSink state;
    const std::unique_ptr<PngSink, void (*)(PngSink*)> sink(&state, releasePng);
    sink->file = &file;
    sink->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, sink.get(), onPngError, onPngWarning);
    if (sink->png)
        sink->info = png_create_info_struct(sink->png);
    if (!sink->png || !sink->info)
        return tr("Cannot write %1: libpng could not start.").arg(nativePath(path));
    auto pngFailed = [&] {
        return tr("Cannot write %1: %2")
            .arg(nativePath(path),
                file.error() != QFileDevice::NoError ? file.errorString() : QString::fromLocal8Bit(sink->message));
    };
    if (!pngStart(*sink, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height)))
        return pngFailed();

    SceneIndex index;
    index.build(scene);
    SceneRenderer renderer;
    renderer.setScene(&scene, &index);
    renderer.setTheme(theme);

    const int bandRows = static_cast<int>(std::clamp<std::size_t>(kBandBytes / (width * 4), 1, kMaxBandRows));
    try {
        std::vector<unsigned char> row(width * 3);
        std::vector<QImage> tiles;
        for (std::size_t y0 = 0; y0 < height; y0 += static_cast<std::size_t>(bandRows)) {
            const int rows = static_cast<int>(std::min<std::size_t>(bandRows, height - y0));
            tiles.clear();
            for (std::size_t x0 = 0; x0 < width; x0 += kTileWidth) {
                const int cols = static_cast<int>(std::min<std::size_t>(kTileWidth, width - x0));
                QImage tile(cols, rows, QImage::Format_RGB32);
                if (tile.isNull())
                    return tr("Cannot export %1: not enough memory for a %2 x %3 pixel band.")
                        .arg(nativePath(path))
                        .arg(cols)
                        .arg(rows);
                QPainter painter(&tile);
                const QPointF origin
                    = area.topLeft() + QPointF(static_cast<double>(x0), static_cast<double>(y0)) / scale;
                renderer.paint(painter, QRectF(0, 0, cols, rows), origin, scale);
                painter.end();
                tiles.push_back(std::move(tile));
            }
            for (int r = 0; r < rows; ++r) {
                unsigned char* out = row.data();
                for (const QImage& tile : tiles) {
                    const auto* in = reinterpret_cast<const QRgb*>(tile.constScanLine(r));
                    for (int x = 0; x < tile.width(); ++x) {
                        *out++ = static_cast<unsigned char>(qRed(in[x]));
                        *out++ = static_cast<unsigned char>(qGreen(in[x]));
                        *out++ = static_cast<unsigned char>(qBlue(in[x]));
                    }
                }
                if (!pngRow(*sink, row.data()))
                    return pngFailed();
            }
        }
    } catch (const std::bad_alloc&) {
        return tr("Cannot export %1: not enough memory for an image %2 pixels wide.").arg(nativePath(path)).arg(width);
    }
    if (!pngFinish(*sink))
        return pngFailed();
    if (!file.commit())
        return tr("Cannot write %1: %2").arg(nativePath(path), file.errorString());
    return {};
}

QString SceneExporter::exportSvg(const Scene& scene, const QString& path, double scale, const CanvasTheme& theme)
{
    if (!(scale > 0) || !std::isfinite(scale))
        return tr("Cannot export %1: the scale must be a positive number.").arg(nativePath(path));
    const QRectF area = exportArea(scene);
    if (area.isEmpty())
        return tr("Cannot export %1: the graph is empty.").arg(nativePath(path));
    const QSizeF size = imageSize(scene, scale);
    constexpr double kMaxSide = std::numeric_limits<int>::max();
    if (size.width() > kMaxSide || size.height() > kMaxSide)
        return tr("Cannot export %1: at this scale the drawing would be %2 x %3 units, more than SVG "
                  "viewers handle. Choose a smaller scale.")
            .arg(nativePath(path))
            .arg(size.width(), 0, 'f', 0)
            .arg(size.height(), 0, 'f', 0);

    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return tr("Cannot write %1: %2").arg(nativePath(path), file.errorString());

    QSvgGenerator generator;
    generator.setOutputDevice(&file);
    generator.setSize(size.toSize());
    generator.setViewBox(QRectF(QPointF(0, 0), size));
    // The generator writes the size in millimetres; at CSS's 96 pixels per
    // inch browsers and editors show it at the requested pixel size.
    generator.setResolution(96);
    generator.setTitle(tr("Graph"));
    generator.setDescription(tr("Exported by Nodus"));

    SceneRenderer renderer;
    renderer.setScene(&scene, nullptr);
    renderer.setTheme(theme);
    renderer.setDetailOverride(SceneRenderer::Detail::High);
    QPainter painter;
    if (!painter.begin(&generator))
        return tr("Cannot write %1: the SVG generator could not start.").arg(nativePath(path));
    renderer.paint(painter, QRectF(QPointF(0, 0), size), area.topLeft(), scale);
    painter.end();

    if (file.error() != QFileDevice::NoError)
        return tr("Cannot write %1: %2").arg(nativePath(path), file.errorString());
    if (!file.commit())
        return tr("Cannot write %1: %2").arg(nativePath(path), file.errorString());
    return {};
}

} // namespace nodus
