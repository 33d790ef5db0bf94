#pragma once

#include <QLineF>
#include <QPoint>
#include <QRect>
#include <QRgb>

#include <optional>
#include <vector>

class QImage;
class QPainter;

namespace nodus {

// Writes opaque rectangles and one-pixel lines straight into a QImage that a
// QPainter is painting on. Zoomed out, a frame is 20,000 tiny boxes and as
// many short lines; through QPainter each costs a few microseconds of
// per-call work, far past a frame's budget, while the pixels themselves are
// almost free. Coordinates are the painter's; the result matches QPainter's
// aliased drawing of the same shapes.
class DirectRaster {
public:
    // Empty unless the painter draws with the raster engine on a 32-bit
    // QImage through at most an integer translation, with no clip other than
    // a single rectangle. `area` (painter coordinates) limits all drawing.
    static std::optional<DirectRaster> forPainter(QPainter& painter, const QRect& area);

    void fillRect(const QRect& rect, QRgb colour);
    void fillRects(const std::vector<QRect>& rects, QRgb colour);
    void drawLines(const std::vector<QLineF>& lines, QRgb colour);

private:
    DirectRaster() = default;
    void span(int y, int x0, int x1, quint32 pixel);

    uchar* bits_ = nullptr;
    qsizetype stride_ = 0;
    QRect clip_; // device pixels that may be written
    QPoint offset_; // painter coordinates to device pixels
};

} // namespace nodus
