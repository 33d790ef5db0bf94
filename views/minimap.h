#pragma once

#include "canvastheme.h"

#include <QImage>
#include <QRectF>
#include <QWidget>

#include <memory>

namespace nodus {

struct Scene;

// The whole scene in a corner of the canvas with the part on screen marked;
// clicking or dragging in it moves the view there. The overview is painted
// once per scene (and theme) into an image, so it costs nothing while panning.
class Minimap : public QWidget {
    Q_OBJECT
public:
    explicit Minimap(QWidget* parent = nullptr);

    void setScene(std::shared_ptr<const Scene> scene);
    void setTheme(const CanvasTheme& theme);
    // The scene rectangle the canvas shows.
    void setViewport(const QRectF& sceneRect);
    // A size within `limit` with the scene's aspect ratio.
    QSize sizeFor(const QSize& limit) const;

signals:
    void centerRequested(QPointF scenePoint);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    QRectF contentRect() const; // where the scene lies in the widget
    QPointF toScene(QPointF widgetPos) const;
    QRectF sceneBounds() const;
    void renderOverview();

    std::shared_ptr<const Scene> scene_;
    CanvasTheme theme_;
    QRectF viewport_;
    QImage overview_;
    bool dirty_ = true;
};

} // namespace nodus
