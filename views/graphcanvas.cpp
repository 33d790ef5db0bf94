#include "graphcanvas.h"

#include "minimap.h"

#include "layout/scene.h"

#include <QApplication>
#include <QFontMetricsF>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace nodus {

namespace {

constexpr double kFitMargin = 24; // pixels left free around a fitted scene
constexpr double kStepFactor = 1.25; // zoomIn / zoomOut
constexpr double kWheelNotchFactor = 1.2;
constexpr double kItemTolerancePx = 3; // so tiny boxes far out can still be hit
constexpr double kEdgeTolerancePx = 4;
constexpr int kMinimapMargin = 12;
constexpr double kAnnotationRadius = 5; // the renderer's box corner radius

} // namespace

GraphCanvas::GraphCanvas(QWidget* parent)
    : QWidget(parent)
    , minimap_(new Minimap(this))
{
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
    renderer_.setFont(font());
    applyPaletteTheme();
    minimap_->hide();
    connect(minimap_, &Minimap::centerRequested, this, &GraphCanvas::centerOnScenePoint);
}

GraphCanvas::~GraphCanvas() = default;

void GraphCanvas::setScene(std::shared_ptr<const Scene> scene, bool keepView)
{
    scene_ = std::move(scene);
    if (scene_)
        index_.build(*scene_);
    else
        index_.clear();
    renderer_.setScene(scene_.get(), scene_ ? &index_ : nullptr);
    findAnnotatedItems();
    selected_ = -1;
    minimap_->setScene(scene_);
    placeMinimap();
    if (keepView)
        setView(origin_, scale_);
    else
        fitToView();
    update();
}

QPointF GraphCanvas::mapFromScene(QPointF p) const
{
    return (p - origin_) * scale_;
}

QRectF GraphCanvas::mapFromScene(const QRectF& r) const
{
    return { mapFromScene(r.topLeft()), r.size() * scale_ };
}

QPointF GraphCanvas::mapToScene(QPointF p) const
{
    return origin_ + p / scale_;
}

QRectF GraphCanvas::visibleSceneRect() const
{
    return { origin_, QSizeF(width() / scale_, height() / scale_) };
}

int GraphCanvas::itemAt(QPointF widgetPoint) const
{
    if (!scene_)
        return -1;
    const QPointF p = mapToScene(widgetPoint);
    return index_.itemAt({ p.x(), p.y() }, kItemTolerancePx / scale_);
}

int GraphCanvas::edgeAt(QPointF widgetPoint) const
{
    if (!scene_)
        return -1;
    const QPointF p = mapToScene(widgetPoint);
    return index_.edgeAt({ p.x(), p.y() }, kEdgeTolerancePx / scale_);
}

void GraphCanvas::setSelectedItem(int item)
{
    if (!scene_ || item < 0 || static_cast<std::size_t>(item) >= scene_->items.size())
        item = -1;
    if (item == selected_)
        return;
    selected_ = item;
    renderer_.setSelectedItem(item);
    update();
}

void GraphCanvas::setHighlight(std::vector<int> items, std::vector<int> edges)
{
    renderer_.setHighlight(items, edges);
    update();
}

void GraphCanvas::setNodeAnnotations(std::unordered_map<Id, NodeAnnotation> annotations)
{
    annotations_ = std::move(annotations);
    findAnnotatedItems();
    update();
}

void GraphCanvas::findAnnotatedItems()
{
    annotatedItems_.clear();
    if (!scene_ || annotations_.empty())
        return;
    for (std::size_t k = 0; k < scene_->items.size(); ++k) {
        const auto& item = scene_->items[k];
        if (item.kind != Scene::ItemKind::Operation)
            continue;
        if (auto it = annotations_.find(item.nodeId); it != annotations_.end())
            annotatedItems_.emplace_back(static_cast<int>(k), &it->second);
    }
}

// Drawn over the finished frame rather than inside the renderer, so the
// renderer's cached sprites stay as they are; boxes out of view cost a
// rectangle test each.
void GraphCanvas::paintAnnotations(QPainter& painter, qreal dpr)
{
    const double s = scale_ * dpr;
    const QRectF target(QPointF(0, 0), QSizeF(frame_.size()));
    QFont font = this->font();
    font.setPixelSize(std::max(9, qRound(10 * dpr)));
    const QFontMetricsF metrics(font);
    const double padX = 4 * dpr;
    const double badgeHeight = metrics.height() + 2 * dpr;
    painter.save();
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setFont(font);
    for (const auto& [item, note] : annotatedItems_) {
        const Rect& r = scene_->items[static_cast<std::size_t>(item)].rect;
        const QRectF box((r.x - origin_.x()) * s, (r.y - origin_.y()) * s, r.width * s, r.height * s);
        if (!box.adjusted(-80 * dpr, -badgeHeight, 80 * dpr, badgeHeight).intersects(target))
            continue;
        if (note->color.isValid() && note->level > 0 && box.height() >= 4 * dpr) {
            const double radius = std::clamp(kAnnotationRadius * s, 1.0, 12.0);
            const double barHeight = std::clamp(box.height() * 0.12, 2 * dpr, 5 * dpr);
            QPainterPath shape;
            shape.addRoundedRect(box, radius, radius);
            painter.save();
            painter.setClipPath(shape);
            QColor bar = note->color;
            bar.setAlpha(255);
            painter.fillRect(
                QRectF(box.left(), box.bottom() - barHeight, box.width() * std::min(note->level, 1.0), barHeight), bar);
            painter.restore();
        }
        // Text only where the box is big enough to tell which node it belongs to.
        if (note->text.isEmpty() || box.width() < 36 * dpr)
            continue;
        const double width = metrics.horizontalAdvance(note->text) + 2 * padX;
        // On the top edge, right-aligned: the title in the middle stays readable.
        const QRectF badge(box.right() - width + 2 * dpr, box.top() - badgeHeight * 0.6, width, badgeHeight);
        QColor fill = note->color.isValid() ? note->color : renderer_.theme().accent;
        fill.setAlpha(255);
        painter.setPen(QPen(fill.darker(140), dpr));
        painter.setBrush(fill);
        painter.drawRoundedRect(badge, badgeHeight / 2, badgeHeight / 2);
        painter.setPen(fill.lightnessF() > 0.55 ? QColor(20, 20, 20) : QColor(250, 250, 250));
        painter.drawText(badge, Qt::AlignCenter, note->text);
    }
    painter.restore();
}

void GraphCanvas::setTheme(const CanvasTheme& theme)
{
    themeForced_ = true;
    renderer_.setTheme(theme);
    minimap_->setTheme(theme);
    update();
}

void GraphCanvas::followSystemTheme()
{
    themeForced_ = false;
    applyPaletteTheme();
}

void GraphCanvas::applyPaletteTheme()
{
    if (themeForced_)
        return;
    const CanvasTheme theme = CanvasTheme::forPalette(palette());
    renderer_.setTheme(theme);
    minimap_->setTheme(theme);
    update();
}

void GraphCanvas::setMinimapVisible(bool visible)
{
    minimapWanted_ = visible;
    placeMinimap();
}

void GraphCanvas::placeMinimap()
{
    const bool show = minimapWanted_ && scene_ && !scene_->items.empty();
    if (!show) {
        minimap_->hide();
        return;
    }
    const QSize limit(std::min(220, width() / 4), std::min(160, height() / 4));
    const QSize size = minimap_->sizeFor(limit);
    if (size.isEmpty() || limit.width() < 48 || limit.height() < 48) {
        minimap_->hide();
        return;
    }
    minimap_->setGeometry(width() - size.width() - kMinimapMargin, height() - size.height() - kMinimapMargin,
        size.width(), size.height());
    minimap_->setViewport(visibleSceneRect());
    minimap_->show();
}

QRectF GraphCanvas::contentBounds() const
{
    const Rect b = index_.bounds();
    return { b.x, b.y, b.width, b.height };
}

void GraphCanvas::fitToView()
{
    if (!scene_ || width() <= 0 || height() <= 0) {
        fitPending_ = scene_ != nullptr;
        return;
    }
    // A hidden widget's size is provisional; fit again once it is shown.
    fitPending_ = !isVisible();
    const QRectF b = contentBounds();
    const double w = std::max(width() - 2 * kFitMargin, 1.0);
    const double h = std::max(height() - 2 * kFitMargin, 1.0);
    // Never blow a small graph up past 100 %: huge boxes help no one.
    double s = 1.0;
    if (b.width() > 0)
        s = std::min(s, w / b.width());
    if (b.height() > 0)
        s = std::min(s, h / b.height());
    s = std::clamp(s, kMinScale, kMaxScale);
    setView(b.center() - QPointF(width(), height()) / (2 * s), s);
}

void GraphCanvas::zoomTo(double scale)
{
    zoomAround(QPointF(width(), height()) / 2, scale / scale_);
}

void GraphCanvas::zoomIn()
{
    zoomAround(QPointF(width(), height()) / 2, kStepFactor);
}

void GraphCanvas::zoomOut()
{
    zoomAround(QPointF(width(), height()) / 2, 1 / kStepFactor);
}

void GraphCanvas::centerOn(int item)
{
    if (!scene_ || item < 0 || static_cast<std::size_t>(item) >= scene_->items.size())
        return;
    const Point c = scene_->items[static_cast<std::size_t>(item)].rect.center();
    centerOnScenePoint({ c.x, c.y });
}

void GraphCanvas::centerOnScenePoint(QPointF p)
{
    setView(p - QPointF(width(), height()) / (2 * scale_), scale_);
}

void GraphCanvas::zoomAround(QPointF anchor, double factor)
{
    if (!(factor > 0) || !std::isfinite(factor))
        return;
    const double s = std::clamp(scale_ * factor, kMinScale, kMaxScale);
    const QPointF fixed = mapToScene(anchor);
    setView(fixed - anchor / s, s);
}

void GraphCanvas::setView(QPointF origin, double scale)
{
    scale = std::clamp(scale, kMinScale, kMaxScale);
    const bool changed = origin != origin_ || scale != scale_;
    origin_ = origin;
    scale_ = scale;
    minimap_->setViewport(visibleSceneRect());
    update();
    if (changed)
        emit viewChanged();
}

void GraphCanvas::panBy(QPointF widgetDelta)
{
    setView(origin_ - widgetDelta / scale_, scale_);
}

void GraphCanvas::paintEvent(QPaintEvent*)
{
    // Render into an image of our own, in device pixels, then copy it: the
    // renderer's fast paths write into a QImage's pixels, which the
    // widget's own paint device does not expose.
    const qreal dpr = devicePixelRatioF();
    const QSize pixels = (QSizeF(size()) * dpr).toSize();
    if (pixels.isEmpty())
        return;
    if (frame_.size() != pixels)
        frame_ = QImage(pixels, QImage::Format_RGB32);
    frame_.setDevicePixelRatio(1);
    {
        QPainter painter(&frame_);
        renderer_.paint(painter, QRectF(QPointF(0, 0), QSizeF(pixels)), origin_, scale_ * dpr);
        if (!annotatedItems_.empty())
            paintAnnotations(painter, dpr);
    }
    frame_.setDevicePixelRatio(dpr);
    QPainter(this).drawImage(QPointF(0, 0), frame_);
}

void GraphCanvas::resizeEvent(QResizeEvent*)
{
    if (fitPending_ && isVisible())
        fitToView();
    placeMinimap();
    minimap_->setViewport(visibleSceneRect());
}

void GraphCanvas::showEvent(QShowEvent*)
{
    if (fitPending_)
        fitToView();
}

void GraphCanvas::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange)
        applyPaletteTheme();
    else if (event->type() == QEvent::FontChange) {
        renderer_.setFont(font());
        update();
    }
    QWidget::changeEvent(event);
}

void GraphCanvas::mousePressEvent(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton && event->button() != Qt::MiddleButton) {
        QWidget::mousePressEvent(event);
        return;
    }
    pressPos_ = event->position();
    lastDragPos_ = event->position();
    pressButton_ = event->button();
    // The middle button only ever pans, so it starts at once.
    dragging_ = event->button() == Qt::MiddleButton;
    if (dragging_)
        setCursor(Qt::ClosedHandCursor);
    event->accept();
}

void GraphCanvas::mouseMoveEvent(QMouseEvent* event)
{
    if (pressPos_ && (event->buttons() & pressButton_)) {
        if (!dragging_ && (event->position() - *pressPos_).manhattanLength() >= QApplication::startDragDistance()) {
            dragging_ = true;
            setCursor(Qt::ClosedHandCursor);
        }
        if (dragging_) {
            panBy(event->position() - lastDragPos_);
            lastDragPos_ = event->position();
        }
        event->accept();
        return;
    }
    setCursor(itemAt(event->position()) >= 0 ? Qt::PointingHandCursor : Qt::ArrowCursor);
}

void GraphCanvas::mouseReleaseEvent(QMouseEvent* event)
{
    if (!pressPos_ || event->button() != pressButton_) {
        QWidget::mouseReleaseEvent(event);
        return;
    }
    const bool wasDrag = dragging_;
    pressPos_.reset();
    dragging_ = false;
    pressButton_ = Qt::NoButton;
    unsetCursor();
    event->accept();
    if (wasDrag || event->button() != Qt::LeftButton)
        return;

    if (const int item = itemAt(event->position()); item >= 0) {
        setSelectedItem(item);
        emit itemClicked(item);
    } else if (const int edge = edgeAt(event->position()); edge >= 0) {
        emit edgeClicked(edge);
    } else {
        setSelectedItem(-1);
        emit backgroundClicked();
    }
}

void GraphCanvas::mouseDoubleClickEvent(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton) {
        QWidget::mouseDoubleClickEvent(event);
        return;
    }
    event->accept();
    if (const int item = itemAt(event->position()); item >= 0)
        emit itemDoubleClicked(item);
}

void GraphCanvas::wheelEvent(QWheelEvent* event)
{
    // Plain and Ctrl+wheel both zoom: a graph has no natural scroll direction.
    const QPoint angle = event->angleDelta();
    const int delta = angle.y() != 0 ? angle.y() : angle.x();
    if (delta == 0) {
        event->ignore();
        return;
    }
    // Proportional to the delta, so high-resolution wheels and touchpads zoom smoothly.
    zoomAround(event->position(), std::pow(kWheelNotchFactor, delta / 120.0));
    event->accept();
}

void GraphCanvas::keyPressEvent(QKeyEvent* event)
{
    const double step = (event->modifiers() & Qt::ShiftModifier) ? 0.5 : 0.125;
    switch (event->key()) {
    case Qt::Key_Left:
        panBy({ width() * step, 0 });
        break;
    case Qt::Key_Right:
        panBy({ -width() * step, 0 });
        break;
    case Qt::Key_Up:
        panBy({ 0, height() * step });
        break;
    case Qt::Key_Down:
        panBy({ 0, -height() * step });
        break;
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomIn();
        break;
    case Qt::Key_Minus:
        zoomOut();
        break;
    case Qt::Key_0:
        zoomTo(1.0);
        break;
    case Qt::Key_F:
    case Qt::Key_Home:
        fitToView();
        break;
    default:
        QWidget::keyPressEvent(event);
        return;
    }
    event->accept();
}

} // namespace nodus
