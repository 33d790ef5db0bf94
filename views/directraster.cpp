#include "directraster.h"

#include <QImage>
#include <QPaintEngine>
#include <QPainter>
#include <QRegion>

#include <algorithm>
#include <cmath>

namespace nodus {

namespace {

// Liang-Barsky: trims the segment to the box, false when nothing is left.
bool clipSegment(double& x0, double& y0, double& x1, double& y1, double xmin, double ymin, double xmax, double ymax)
{
    double t0 = 0, t1 = 1;
    const double dx = x1 - x0, dy = y1 - y0;
    const double p[4] = { -dx, dx, -dy, dy };
    const double q[4] = { x0 - xmin, xmax - x0, y0 - ymin, ymax - y0 };
    for (int k = 0; k < 4; ++k) {
        if (p[k] == 0) {
            if (q[k] < 0)
                return false;
            continue;
        }
        const double t = q[k] / p[k];
        if (p[k] < 0)
            t0 = std::max(t0, t);
        else
            t1 = std::min(t1, t);
        if (t0 > t1)
            return false;
    }
    const double ax = x0, ay = y0;
    x0 = ax + t0 * dx;
    y0 = ay + t0 * dy;
    x1 = ax + t1 * dx;
    y1 = ay + t1 * dy;
    return true;
}

} // namespace

std::optional<DirectRaster> DirectRaster::forPainter(QPainter& painter, const QRect& area)
{
    if (!painter.isActive() || !painter.paintEngine() || painter.paintEngine()->type() != QPaintEngine::Raster)
        return std::nullopt;
    QPaintDevice* device = painter.device();
    if (!device || device->devType() != QInternal::Image)
        return std::nullopt;
    auto* image = static_cast<QImage*>(device);
    switch (image->format()) {
    case QImage::Format_RGB32:
    case QImage::Format_ARGB32:
    case QImage::Format_ARGB32_Premultiplied:
        break;
    default:
        return std::nullopt;
    }
    // A shared image would detach on bits(), leaving the painter on the old copy.
    if (!image->isDetached())
        return std::nullopt;
    const QTransform t = painter.deviceTransform();
    if (t.type() > QTransform::TxTranslate || t.dx() != std::floor(t.dx()) || t.dy() != std::floor(t.dy()))
        return std::nullopt;

    DirectRaster r;
    r.offset_ = QPoint(static_cast<int>(t.dx()), static_cast<int>(t.dy()));
    r.clip_ = image->rect() & area.translated(r.offset_);
    if (painter.hasClipping()) {
        const QRegion clip = painter.clipRegion();
        if (clip.rectCount() != 1)
            return std::nullopt;
        r.clip_ &= clip.boundingRect().translated(r.offset_);
    }
    r.bits_ = image->bits();
    r.stride_ = image->bytesPerLine();
    return r;
}

void DirectRaster::span(int y, int x0, int x1, quint32 pixel)
{
    auto* row = reinterpret_cast<quint32*>(bits_ + y * stride_);
    std::fill(row + x0, row + x1 + 1, pixel);
}

void DirectRaster::fillRect(const QRect& rect, QRgb colour)
{
    const QRect r = rect.translated(offset_) & clip_;
    if (r.isEmpty())
        return;
    // Opaque colours are the same in all three formats.
    const quint32 pixel = colour | 0xff000000u;
    for (int y = r.top(); y <= r.bottom(); ++y)
        span(y, r.left(), r.right(), pixel);
}

void DirectRaster::fillRects(const std::vector<QRect>& rects, QRgb colour)
{
    for (const QRect& r : rects)
        fillRect(r, colour);
}

void DirectRaster::drawLines(const std::vector<QLineF>& lines, QRgb colour)
{
    if (clip_.isEmpty())
        return;
    const quint32 pixel = colour | 0xff000000u;
    const double xmin = clip_.left(), ymin = clip_.top();
    // Just inside the last column and row, so floor() stays in the clip.
    const double xmax = clip_.right() + 0.999, ymax = clip_.bottom() + 0.999;
    for (const QLineF& line : lines) {
        double x0 = line.x1() + offset_.x(), y0 = line.y1() + offset_.y();
        double x1 = line.x2() + offset_.x(), y1 = line.y2() + offset_.y();
        if (!clipSegment(x0, y0, x1, y1, xmin, ymin, xmax, ymax))
            continue;
        const double dx = x1 - x0, dy = y1 - y0;
        const int steps = static_cast<int>(std::ceil(std::max(std::abs(dx), std::abs(dy))));
        const double sx = steps ? dx / steps : 0, sy = steps ? dy / steps : 0;
        double x = x0, y = y0;
        for (int k = 0; k <= steps; ++k, x += sx, y += sy) {
            const int px = std::clamp(static_cast<int>(x), clip_.left(), clip_.right());
            const int py = std::clamp(static_cast<int>(y), clip_.top(), clip_.bottom());
            reinterpret_cast<quint32*>(bits_ + py * stride_)[px] = pixel;
        }
    }
}

} // namespace nodus
