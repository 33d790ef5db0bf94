#include "minimap.h"

#include "scenerenderer.h"

#include "layout/scene.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>

namespace nodus {

namespace {
constexpr int kInset = 4; // between the frame and the drawing
}

Minimap::Minimap(QWidget* parent)
    : QWidget(parent)
    , theme_(CanvasTheme::light())
{
    setCursor(Qt::PointingHandCursor);
    setAttribute(Qt::WA_OpaquePaintEvent, false);
}

void Minimap::setScene(std::shared_ptr<const Scene> scene)
{
    scene_ = std::move(scene);
    dirty_ = true;
    update();
}

void Minimap::setTheme(const CanvasTheme& theme)
{
    theme_ = theme;
    dirty_ = true;
    update();
}

void Minimap::setViewport(const QRectF& sceneRect)
{
    if (sceneRect == viewport_)
        return;
    viewport_ = sceneRect;
    update();
}

QRectF Minimap::sceneBounds() const
{
    if (!scene_)
        return {};
    Rect b = scene_->bounds;
    if (b.width <= 0 || b.height <= 0) {
        // Not every producer fills in bounds; the items always say where they are.
        bool any = false;
        for (const auto& item : scene_->items) {
            b = any ? b.united(item.rect) : item.rect;
            any = true;
        }
    }
    return { b.x, b.y, std::max(b.width, 1.0), std::max(b.height, 1.0) };
}

QSize Minimap::sizeFor(const QSize& limit) const
{
    const QRectF b = sceneBounds();
    if (b.isEmpty())
        return {};
    const double s = std::min((limit.width() - 2.0 * kInset) / b.width(), (limit.height() - 2.0 * kInset) / b.height());
    // Very long thin graphs still get a strip one can aim at.
    return { std::clamp(static_cast<int>(b.width() * s) + 2 * kInset, 48, limit.width()),
        std::clamp(static_cast<int>(b.height() * s) + 2 * kInset, 48, limit.height()) };
}

QRectF Minimap::contentRect() const
{
    const QRectF b = sceneBounds();
    if (b.isEmpty())
        return {};
    const QRectF area = QRectF(rect()).adjusted(kInset, kInset, -kInset, -kInset);
    const double s = std::min(area.width() / b.width(), area.height() / b.height());
    const QSizeF size(b.width() * s, b.height() * s);
    return { area.center() - QPointF(size.width() / 2, size.height() / 2), size };
}

QPointF Minimap::toScene(QPointF widgetPos) const
{
    const QRectF c = contentRect();
    const QRectF b = sceneBounds();
    if (c.isEmpty())
        return {};
    return b.topLeft() + (widgetPos - c.topLeft()) * (b.width() / c.width());
}

void Minimap::renderOverview()
{
    dirty_ = false;
    const QRectF c = contentRect();
    const qreal dpr = devicePixelRatioF();
    if (c.isEmpty()) {
        overview_ = QImage();
        return;
    }
    // Painted in device pixels at ratio 1, which keeps the renderer on its
    // direct-to-pixels path; the ratio is set afterwards for drawing.
    const QSize pixels = (c.size() * dpr).toSize().expandedTo(QSize(1, 1));
    overview_ = QImage(pixels, QImage::Format_ARGB32_Premultiplied);
    overview_.fill(Qt::transparent);
    {
        QPainter p(&overview_);
        SceneRenderer renderer;
        renderer.setScene(scene_.get(), nullptr);
        renderer.setTheme(theme_);
        renderer.setPaintBackground(false);
        renderer.setDetailOverride(SceneRenderer::Detail::Low);
        const QRectF b = sceneBounds();
        renderer.paint(p, QRectF(QPointF(0, 0), QSizeF(pixels)), b.topLeft(), pixels.width() / b.width());
    }
    overview_.setDevicePixelRatio(dpr);
}

void Minimap::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setPen(theme_.minimapBorder);
    p.setBrush(theme_.minimapBackground);
    p.drawRect(QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5));
    if (!scene_)
        return;
    if (dirty_)
        renderOverview();
    const QRectF c = contentRect();
    p.drawImage(c.topLeft(), overview_);

    const QRectF b = sceneBounds();
    const double s = c.width() / b.width();
    QRectF v((viewport_.left() - b.left()) * s + c.left(), (viewport_.top() - b.top()) * s + c.top(),
        viewport_.width() * s, viewport_.height() * s);
    v = v.intersected(QRectF(rect()).adjusted(1, 1, -1, -1));
    if (v.isEmpty())
        return;
    QColor fill = theme_.accent;
    fill.setAlpha(40);
    p.setBrush(fill);
    p.setPen(QPen(theme_.accent, 1.5));
    p.drawRect(v);
}

void Minimap::mousePressEvent(QMouseEvent* event)
{
    if (event->button() == Qt::LeftButton)
        emit centerRequested(toScene(event->position()));
    event->accept();
}

void Minimap::mouseMoveEvent(QMouseEvent* event)
{
    if (event->buttons() & Qt::LeftButton)
        emit centerRequested(toScene(event->position()));
    event->accept();
}

void Minimap::resizeEvent(QResizeEvent*)
{
    dirty_ = true;
}

} // namespace nodus
