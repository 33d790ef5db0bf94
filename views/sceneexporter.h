#pragma once

#include "canvastheme.h"

#include <QCoreApplication>
#include <QRectF>
#include <QSize>
#include <QString>

namespace nodus {

struct Scene;

// Writes a whole Scene to an image file. Each function returns an empty
// string on success and otherwise a message naming the file and the problem;
// the target is replaced only by a complete file.
class SceneExporter {
    Q_DECLARE_TR_FUNCTIONS(SceneExporter)
public:
    // Scene units left free around the content.
    static constexpr double kMargin = 20;

    // The scene region an export covers: the content plus the margin.
    static QRectF exportArea(const Scene& scene);
    // Pixel size of a PNG export at `scale`; can exceed int, hence doubles.
    static QSizeF imageSize(const Scene& scene, double scale);

    // Renders in bands of at most 2048 rows streamed to libpng, so memory
    // stays bounded however large the image: a 100,000 x 100,000 export
    // holds one band, not 40 GB.
    static QString exportPng(const Scene& scene, const QString& path, double scale, const CanvasTheme& theme);
    // Vector output, with text at every scale.
    static QString exportSvg(const Scene& scene, const QString& path, double scale, const CanvasTheme& theme);
};

} // namespace nodus
