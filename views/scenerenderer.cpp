#include "scenerenderer.h"

#include "directraster.h"
#include "sceneindex.h"

#include "layout/scene.h"

#include <QFontMetricsF>
#include <QGuiApplication>
#include <QPaintEngine>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>

namespace nodus {

namespace {

// Sizes at 100 % zoom, in scene units. The layout sizes boxes for text of
// about this size.
constexpr double kTitlePx = 12;
constexpr double kSubtitlePx = 10;
constexpr double kLabelPx = 9;
constexpr double kFramePx = 11;
constexpr double kBoxRadius = 5;
constexpr double kFrameRadius = 8;
constexpr double kTextPadding = 6;
constexpr double kArrowLength = 8;
// Below this many pixels a font is noise, not text.
constexpr int kMinReadablePx = 4;
// Up to this zoom edges are drawn one pixel wide with the cosmetic stroker,
// which is some fifty times faster than stroking a real width.
constexpr double kThinEdgeScale = 1.5;
// Boxes larger than this are drawn, not cached: there are few of them in view.
constexpr int kMaxSpritePixels = 320 * 128;
constexpr std::size_t kMaxSprites = 4096;
// Rendered item text kept between frames, at most this many bytes.
constexpr qsizetype kMaxTextImageBytes = qsizetype(64) << 20;
// Sprites are redrawn when the zoom moves by about this factor: their size is
// exact, only corner radius and pen width follow the zoom, and those can lag.
constexpr double kSpriteScaleStep = 1.1;

bool isCubicPath(std::size_t n)
{
    return n >= 4 && n % 3 == 1;
}

bool isPill(Scene::ItemKind kind)
{
    return kind == Scene::ItemKind::GraphInput || kind == Scene::ItemKind::GraphOutput;
}

// Halfway along a Graphviz path by segment count: where a label goes when
// the layout gave it no position.
Point pathMiddle(const std::vector<Point>& path)
{
    const std::size_t n = path.size();
    if (!isCubicPath(n))
        return path[n / 2];
    const std::size_t segments = (n - 1) / 3;
    if (segments % 2 == 0)
        return path[3 * (segments / 2)];
    const std::size_t k = 3 * (segments / 2);
    const Point &a = path[k], &b = path[k + 1], &c = path[k + 2], &d = path[k + 3];
    return { (a.x + 3 * b.x + 3 * c.x + d.x) / 8, (a.y + 3 * b.y + 3 * c.y + d.y) / 8 };
}

QStaticText makeStaticText(const QString& text, const QFont& font)
{
    QStaticText st(text);
    st.setTextFormat(Qt::PlainText);
    st.setPerformanceHint(QStaticText::AggressiveCaching);
    st.prepare(QTransform(), font);
    return st;
}

// Offsets of the cards stacked behind a collapsed group.
double stackOffset(double scale)
{
    return std::clamp(3.5 * scale, 2.0, 10.0);
}

} // namespace

struct SceneRenderer::Mapper {
    double ox, oy, s;
    QPointF map(const Point& p) const { return { (p.x - ox) * s, (p.y - oy) * s }; }
    QRectF map(const Rect& r) const { return { (r.x - ox) * s, (r.y - oy) * s, r.width * s, r.height * s }; }
    // Pixel-snapped, never thinner than a pixel, so every item stays visible
    // when zoomed far out.
    QRect snap(const Rect& r) const
    {
        const int x0 = static_cast<int>(std::floor((r.x - ox) * s));
        const int y0 = static_cast<int>(std::floor((r.y - oy) * s));
        const int x1 = static_cast<int>(std::floor((r.right() - ox) * s));
        const int y1 = static_cast<int>(std::floor((r.bottom() - oy) * s));
        return { x0, y0, std::max(1, x1 - x0), std::max(1, y1 - y0) };
    }
};

SceneRenderer::SceneRenderer()
    : theme_(CanvasTheme::light())
    , baseFont_(QGuiApplication::font())
{
}

SceneRenderer::~SceneRenderer() = default;

void SceneRenderer::setScene(const Scene* scene, const SceneIndex* index)
{
    scene_ = scene;
    index_ = index;
    selected_ = -1;
    itemHighlight_.clear();
    edgeHighlight_.clear();
    itemText_.clear();
    labelText_.clear();
    textImageBytes_ = 0;
    fontPx_.fill(-1);
    textScale_ = -1;
    itemStyle_.clear();
    frameOrder_.clear();
    if (!scene_)
        return;
    itemStyle_.reserve(scene_->items.size());
    for (const auto& item : scene_->items) {
        CanvasTheme::Style style = CanvasTheme::Plain;
        switch (item.kind) {
        case Scene::ItemKind::Operation:
            style = CanvasTheme::styleForCategory(item.category);
            break;
        case Scene::ItemKind::CollapsedGroup:
            style = CanvasTheme::Group;
            break;
        case Scene::ItemKind::GraphInput:
        case Scene::ItemKind::GraphOutput:
            style = CanvasTheme::Io;
            break;
        }
        itemStyle_.push_back(static_cast<unsigned char>(style));
    }
    frameOrder_.resize(scene_->frames.size());
    std::iota(frameOrder_.begin(), frameOrder_.end(), 0);
    std::stable_sort(frameOrder_.begin(), frameOrder_.end(), [&](int a, int b) {
        return scene_->frames[static_cast<std::size_t>(a)].depth < scene_->frames[static_cast<std::size_t>(b)].depth;
    });
}

void SceneRenderer::setTheme(const CanvasTheme& theme)
{
    theme_ = theme;
    sprites_.clear();
    arrowSprites_.clear();
    clearTextImages(); // they carry the theme's text colours
}

void SceneRenderer::setFont(const QFont& font)
{
    baseFont_ = font;
    fontPx_.fill(-1);
    textScale_ = -1;
}

void SceneRenderer::setSelectedItem(int item)
{
    selected_ = item;
}

void SceneRenderer::setHighlight(const std::vector<int>& items, const std::vector<int>& edges)
{
    itemHighlight_.assign(scene_ ? scene_->items.size() : 0, 0);
    edgeHighlight_.assign(scene_ ? scene_->edges.size() : 0, 0);
    for (int i : items)
        if (i >= 0 && static_cast<std::size_t>(i) < itemHighlight_.size())
            itemHighlight_[static_cast<std::size_t>(i)] = 1;
    for (int e : edges)
        if (e >= 0 && static_cast<std::size_t>(e) < edgeHighlight_.size())
            edgeHighlight_[static_cast<std::size_t>(e)] = 1;
}

bool SceneRenderer::isHighlightedEdge(int edge) const
{
    return static_cast<std::size_t>(edge) < edgeHighlight_.size() && edgeHighlight_[static_cast<std::size_t>(edge)];
}

void SceneRenderer::prepareText(double scale)
{
    textScale_ = scale;
    auto px = [&](double size) { return std::max(1, static_cast<int>(std::lround(size * scale))); };
    const std::array<int, 4> wanted = { px(kTitlePx), px(kSubtitlePx), px(kLabelPx), px(kFramePx) };
    if (wanted == fontPx_)
        return;
    fontPx_ = wanted;
    auto sized = [&](int pixels, QFont::Weight weight) {
        QFont f = baseFont_;
        f.setPixelSize(pixels);
        f.setWeight(weight);
        return f;
    };
    titleFont_ = sized(wanted[0], QFont::Bold);
    subtitleFont_ = sized(wanted[1], QFont::Normal);
    labelFont_ = sized(wanted[2], QFont::Normal);
    frameFont_ = sized(wanted[3], QFont::DemiBold);
    titleHeight_ = QFontMetricsF(titleFont_).height();
    subtitleHeight_ = QFontMetricsF(subtitleFont_).height();
    itemText_.assign(scene_ ? scene_->items.size() : 0, std::nullopt);
    labelText_.assign(scene_ ? scene_->edges.size() : 0, std::nullopt);
    textImageBytes_ = 0;
}

void SceneRenderer::paint(QPainter& painter, const QRectF& target, QPointF origin, double scale)
{
    painter.save();
    const bool raster = painter.paintEngine() && painter.paintEngine()->type() == QPaintEngine::Raster;
    std::optional<DirectRaster> direct = DirectRaster::forPainter(painter, target.toAlignedRect());
    painter.setClipRect(target, Qt::IntersectClip);
    if (paintBackground_) {
        if (direct)
            direct->fillRect(target.toAlignedRect(), theme_.background.rgb());
        else
            painter.fillRect(target, theme_.background);
    }
    if (!scene_ || !(scale > 0) || !std::isfinite(scale)) {
        painter.restore();
        return;
    }
    const Mapper m { origin.x(), origin.y(), scale };
    const Detail detail = detailOverride_.value_or(detailFor(scale));
    // Outlines, arrowheads and labels reach a little beyond an item's rect.
    const double pad = 6 / scale;
    const Rect view { origin.x() + target.x() / scale - pad, origin.y() + target.y() / scale - pad,
        target.width() / scale + 2 * pad, target.height() / scale + 2 * pad };

    // Graphviz puts a label beside its edge, so an edge just out of view may
    // still have its label in view.
    const double labelReach = detail == Detail::High ? 80 : 0;
    const Rect edgeView { view.x - labelReach, view.y - labelReach, view.width + 2 * labelReach,
        view.height + 2 * labelReach };
    if (index_) {
        index_->queryItems(view, visibleItems_);
        index_->queryEdges(edgeView, visibleEdges_);
    } else {
        visibleItems_.clear();
        visibleEdges_.clear();
        for (std::size_t i = 0; i < scene_->items.size(); ++i)
            if (scene_->items[i].rect.intersects(view))
                visibleItems_.push_back(static_cast<int>(i));
        for (std::size_t e = 0; e < scene_->edges.size(); ++e) {
            const auto& path = scene_->edges[e].path;
            if (path.empty())
                continue;
            Rect b { path[0].x, path[0].y, 0, 0 };
            for (const Point& p : path)
                b = b.united({ p.x, p.y, 0, 0 });
            if (b.intersects(edgeView))
                visibleEdges_.push_back(static_cast<int>(e));
        }
    }

    if (detail == Detail::High)
        prepareText(scale);
    paintFrames(painter, direct ? &*direct : nullptr, m, detail);
    if (detail == Detail::Low) {
        painter.setRenderHint(QPainter::Antialiasing, false);
        paintEdgesLow(painter, direct ? &*direct : nullptr, m);
        paintItemsLow(painter, direct ? &*direct : nullptr, m);
    } else {
        painter.setRenderHint(QPainter::Antialiasing, true);
        painter.setRenderHint(QPainter::TextAntialiasing, true);
        paintEdgesHigh(painter, m, raster);
        if (scale >= kLabelScale || detailOverride_)
            paintEdgeLabels(painter, m);
        paintItemsHigh(painter, m, raster);
        paintItemText(painter, m, raster);
    }
    paintMarks(painter, m, detail);
    painter.restore();
}

void SceneRenderer::paintFrames(QPainter& painter, DirectRaster* direct, const Mapper& m, Detail detail)
{
    if (frameOrder_.empty())
        return;
    const QRectF clip = painter.clipBoundingRect();
    const bool high = detail == Detail::High;
    painter.setRenderHint(QPainter::Antialiasing, high);
    const double radius = std::min(kFrameRadius * m.s, 12.0);
    painter.setPen(QPen(theme_.frameBorder, high ? 1.0 : 0.0));
    for (int f : frameOrder_) {
        const auto& frame = scene_->frames[static_cast<std::size_t>(f)];
        const QRectF box = m.map(frame.rect);
        if (!box.intersects(clip))
            continue;
        if (high) {
            painter.setBrush(theme_.frameFillAt(frame.depth));
            // Half-pixel inset keeps the one-pixel border crisp.
            painter.drawRoundedRect(box.adjusted(0.5, 0.5, -0.5, -0.5), radius, radius);
        } else if (direct) {
            const QRect r = m.snap(frame.rect);
            direct->fillRect(r, theme_.frameBorder.rgb());
            direct->fillRect(r.adjusted(1, 1, -1, -1), theme_.frameFillAt(frame.depth).rgb());
        } else {
            painter.setBrush(theme_.frameFillAt(frame.depth));
            painter.drawRect(m.snap(frame.rect));
        }
    }
    if (!high || frameFont_.pixelSize() < kMinReadablePx + 1)
        return;
    painter.setFont(frameFont_);
    painter.setPen(theme_.frameLabel);
    const QFontMetricsF fm(frameFont_);
    for (int f : frameOrder_) {
        const auto& frame = scene_->frames[static_cast<std::size_t>(f)];
        const QRectF box = m.map(frame.rect);
        if (frame.label.empty() || !box.intersects(clip))
            continue;
        const double inset = kTextPadding * m.s + 2;
        const double width = box.width() - 2 * inset;
        if (width < fm.averageCharWidth() * 3)
            continue;
        const QString text = fm.elidedText(QString::fromStdString(frame.label), Qt::ElideMiddle, width);
        painter.drawText(QPointF(box.left() + inset, box.top() + inset * 0.6 + fm.ascent()), text);
    }
}

void SceneRenderer::paintEdgesLow(QPainter& painter, DirectRaster* direct, const Mapper& m)
{
    lineScratch_.clear();
    highlightLineScratch_.clear();
    for (int e : visibleEdges_) {
        const auto& path = scene_->edges[static_cast<std::size_t>(e)].path;
        const std::size_t n = path.size();
        if (n < 2)
            continue;
        // Through the on-curve points only: at this size the curve's bend is
        // a pixel or two, and one segment per cubic keeps the batch small.
        const std::size_t step = isCubicPath(n) ? 3 : 1;
        auto& lines = isHighlightedEdge(e) ? highlightLineScratch_ : lineScratch_;
        for (std::size_t k = 0; k + step < n; k += step)
            lines.emplace_back(m.map(path[k]), m.map(path[k + step]));
    }
    if (direct) {
        direct->drawLines(lineScratch_, theme_.edge.rgb());
    } else {
        painter.setBrush(Qt::NoBrush);
        painter.setPen(QPen(theme_.edge, 0));
        painter.drawLines(lineScratch_.data(), static_cast<int>(lineScratch_.size()));
    }
    if (!highlightLineScratch_.empty()) {
        painter.setPen(QPen(theme_.accent, 2));
        painter.drawLines(highlightLineScratch_.data(), static_cast<int>(highlightLineScratch_.size()));
    }
}

void SceneRenderer::paintItemsLow(QPainter& painter, DirectRaster* direct, const Mapper& m)
{
    for (auto& v : fills_)
        v.clear();
    for (auto& v : borders_)
        v.clear();
    stackScratch_.clear();
    const int offset = std::max(1, static_cast<int>(std::lround(stackOffset(m.s))));
    for (int i : visibleItems_) {
        const auto& item = scene_->items[static_cast<std::size_t>(i)];
        const auto style = static_cast<std::size_t>(itemStyle_[static_cast<std::size_t>(i)]);
        const QRect r = m.snap(item.rect);
        if (item.kind == Scene::ItemKind::CollapsedGroup)
            stackScratch_.push_back(r.translated(offset, offset));
        // A border is worth drawing only where there are pixels inside it.
        if (r.width() >= 6 && r.height() >= 4) {
            borders_[style].push_back(r);
            fills_[style].push_back(r.adjusted(1, 1, -1, -1));
        } else {
            fills_[style].push_back(r);
        }
    }
    // One batch per colour; borders first, fills inside them.
    auto batch = [&](const std::vector<QRect>& rects, const QColor& colour) {
        if (rects.empty())
            return;
        if (direct) {
            direct->fillRects(rects, colour.rgb());
            return;
        }
        painter.setPen(Qt::NoPen);
        painter.setBrush(colour);
        painter.drawRects(rects.data(), static_cast<int>(rects.size()));
    };
    batch(stackScratch_, theme_.groupStack);
    for (int s = 0; s < CanvasTheme::StyleCount; ++s)
        batch(borders_[static_cast<std::size_t>(s)], theme_.style(s).border);
    for (int s = 0; s < CanvasTheme::StyleCount; ++s)
        batch(fills_[static_cast<std::size_t>(s)], theme_.style(s).fill);
}

void SceneRenderer::paintEdgesHigh(QPainter& painter, const Mapper& m, bool raster)
{
    const double width = std::clamp(1.2 * m.s, 1.0, 2.5);
    const bool thin = raster && m.s < kThinEdgeScale;
    const double arrowLength = std::clamp(kArrowLength * m.s, 4.0, 8.0 * kArrowLength);
    QPainterPath normal, highlighted;
    struct Arrow {
        QPointF points[3];
        bool highlighted;
    };
    std::vector<Arrow> arrows;
    arrows.reserve(visibleEdges_.size());

    auto trace = [&](const Scene::Edge& edge, QPainterPath& lines) {
        const auto& path = edge.path;
        const std::size_t n = path.size();
        lines.moveTo(m.map(path[0]));
        if (isCubicPath(n)) {
            for (std::size_t k = 0; k + 3 < n; k += 3)
                lines.cubicTo(m.map(path[k + 1]), m.map(path[k + 2]), m.map(path[k + 3]));
        } else {
            for (std::size_t k = 1; k < n; ++k)
                lines.lineTo(m.map(path[k]));
        }
    };
    auto arrowFor = [&](const Scene::Edge& edge, bool hi) {
        // The arrowhead points along the last stretch that has a length.
        const auto& path = edge.path;
        const QPointF tip = m.map(path.back());
        QPointF from = tip;
        for (std::size_t k = path.size() - 1; k-- > 0 && from == tip;)
            from = m.map(path[k]);
        const QPointF d = tip - from;
        const double len = std::hypot(d.x(), d.y());
        if (len <= 0)
            return;
        const QPointF u = d / len, normalDir(-u.y(), u.x());
        const QPointF base = tip - u * arrowLength;
        const double half = arrowLength * 0.42;
        arrows.push_back({ { tip, base + normalDir * half, base - normalDir * half }, hi });
    };

    painter.setBrush(Qt::NoBrush);
    for (int e : visibleEdges_) {
        const auto& edge = scene_->edges[static_cast<std::size_t>(e)];
        if (edge.path.size() < 2)
            continue;
        const bool hi = isHighlightedEdge(e);
        arrowFor(edge, hi);
        if (edge.count > 1) {
            // Several values merged into one edge: a heavier line says so.
            QPainterPath line;
            trace(edge, line);
            const double w = width * (1 + 0.5 * std::min(std::log2(static_cast<double>(edge.count)), 4.0));
            painter.strokePath(
                line, QPen(hi ? theme_.accent : theme_.edge, w, Qt::SolidLine, Qt::FlatCap, Qt::RoundJoin));
            continue;
        }
        trace(edge, hi ? highlighted : normal);
    }
    QPen pen(theme_.edge, thin ? 1.0 : width, Qt::SolidLine, Qt::FlatCap, Qt::RoundJoin);
    pen.setCosmetic(thin);
    painter.strokePath(normal, pen);
    if (!highlighted.isEmpty())
        painter.strokePath(
            highlighted, QPen(theme_.accent, std::max(2.0, width * 1.6), Qt::SolidLine, Qt::FlatCap, Qt::RoundJoin));

    // On a raster target arrowheads are blitted from images per direction;
    // elsewhere one polygon each (a single path of thousands of triangles
    // rasterises far slower than the triangles one by one).
    painter.setPen(Qt::NoPen);
    for (int pass = 0; pass < 2; ++pass) {
        const QColor& colour = pass == 0 ? theme_.edge : theme_.accent;
        painter.setBrush(colour);
        for (const Arrow& a : arrows) {
            if (a.highlighted != (pass == 1))
                continue;
            if (raster) {
                const QPointF d = a.points[0] - (a.points[1] + a.points[2]) / 2;
                const QImage& image = arrowSprite(std::atan2(d.y(), d.x()), arrowLength, pass == 1);
                const int c = image.width() / 2;
                painter.drawImage(QPoint(static_cast<int>(std::lround(a.points[0].x())) - c,
                                      static_cast<int>(std::lround(a.points[0].y())) - c),
                    image);
            } else {
                painter.drawPolygon(a.points, 3);
            }
        }
    }
}

const QImage& SceneRenderer::arrowSprite(double angle, double length, bool highlighted)
{
    constexpr int kDirections = 64;
    if (length != arrowSpriteLength_) {
        arrowSprites_.clear();
        arrowSpriteLength_ = length;
    }
    const int direction
        = static_cast<int>(std::lround(angle / (2 * std::numbers::pi) * kDirections) % kDirections + kDirections)
        % kDirections;
    const int key = direction * 2 + (highlighted ? 1 : 0);
    auto it = arrowSprites_.find(key);
    if (it != arrowSprites_.end())
        return it->second;
    // The tip sits at the centre pixel, so the blit lands it on the edge's end.
    const int c = static_cast<int>(std::ceil(length)) + 1;
    QImage image(2 * c + 1, 2 * c + 1, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    const double a = direction * 2 * std::numbers::pi / kDirections;
    const QPointF u(std::cos(a), std::sin(a)), n(-u.y(), u.x());
    const QPointF tip(c + 0.5, c + 0.5), base = tip - u * length;
    const double half = length * 0.42;
    const QPointF points[3] = { tip, base + n * half, base - n * half };
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(Qt::NoPen);
    p.setBrush(highlighted ? theme_.accent : theme_.edge);
    p.drawPolygon(points, 3);
    p.end();
    return arrowSprites_.emplace(key, std::move(image)).first->second;
}

void SceneRenderer::paintEdgeLabels(QPainter& painter, const Mapper& m)
{
    if (labelFont_.pixelSize() < kMinReadablePx)
        return;
    // QStaticText lays out again whenever the painter's font differs from its own.
    painter.setFont(labelFont_);
    for (int e : visibleEdges_) {
        const auto& edge = scene_->edges[static_cast<std::size_t>(e)];
        if ((edge.label.empty() && edge.count <= 1) || edge.path.empty())
            continue;
        auto& cached = labelText_[static_cast<std::size_t>(e)];
        if (!cached) {
            QString text = QString::fromStdString(edge.label);
            if (edge.count > 1)
                text = text.isEmpty() ? QStringLiteral("\u00d7%1").arg(edge.count)
                                      : QStringLiteral("%1 \u00d7%2").arg(text).arg(edge.count);
            cached = makeStaticText(text, labelFont_);
        }
        // Graphviz gives the label's centre; an edge without one gets its label mid-path.
        Point at = edge.labelPos;
        if (edge.label.empty() || (at.x == 0 && at.y == 0))
            at = pathMiddle(edge.path);
        const QSizeF size = cached->size();
        const QPointF c = m.map(at);
        painter.setPen(isHighlightedEdge(e) ? theme_.accent : theme_.edgeLabel);
        painter.drawStaticText(QPointF(c.x() - size.width() / 2, c.y() - size.height() / 2), *cached);
    }
}

void SceneRenderer::drawBox(QPainter& painter, const QRectF& box, int i, double scale) const
{
    const auto& item = scene_->items[static_cast<std::size_t>(i)];
    const auto& style = theme_.style(itemStyle_[static_cast<std::size_t>(i)]);
    const double penWidth = std::clamp(scale, 1.0, 2.0);
    // Inset by half the pen so the border lands on whole pixels and stays crisp.
    const QRectF shape = box.adjusted(penWidth / 2, penWidth / 2, -penWidth / 2, -penWidth / 2);
    const double radius = isPill(item.kind) ? shape.height() / 2 : std::clamp(kBoxRadius * scale, 1.0, 12.0);
    painter.setPen(QPen(style.border, penWidth));
    if (item.kind == Scene::ItemKind::CollapsedGroup) {
        // Cards stacked behind the box: there is more inside.
        const double d = stackOffset(scale);
        painter.setBrush(theme_.groupStack);
        painter.drawRoundedRect(shape.translated(2 * d, 2 * d), radius, radius);
        painter.drawRoundedRect(shape.translated(d, d), radius, radius);
    }
    painter.setBrush(style.fill);
    painter.drawRoundedRect(shape, radius, radius);
    if (item.hasSubgraphs) {
        // A folded corner: this node has bodies one can enter.
        const double c = std::min(10 * scale, shape.height() / 2);
        QPainterPath corner;
        corner.moveTo(shape.right() - c, shape.top());
        corner.lineTo(shape.right() - radius * 0.3, shape.top());
        corner.lineTo(shape.right(), shape.top() + radius * 0.3);
        corner.lineTo(shape.right(), shape.top() + c);
        corner.closeSubpath();
        painter.fillPath(corner, style.subtitle);
    }
}

const QImage* SceneRenderer::sprite(int i, QSize size, double scale)
{
    if (size.width() * size.height() > kMaxSpritePixels || size.isEmpty())
        return nullptr;
    const double step = std::pow(kSpriteScaleStep, std::round(std::log(scale) / std::log(kSpriteScaleStep)));
    if (step != spriteScale_ || sprites_.size() > kMaxSprites) {
        sprites_.clear();
        spriteScale_ = step;
    }
    scale = step;
    const auto& item = scene_->items[static_cast<std::size_t>(i)];
    const std::uint64_t key = (std::uint64_t(itemStyle_[static_cast<std::size_t>(i)]) << 40)
        | (std::uint64_t(item.kind) << 37) | (std::uint64_t(item.hasSubgraphs) << 36)
        | (std::uint64_t(size.width() & 0xffff) << 16) | std::uint64_t(size.height() & 0xffff);
    auto it = sprites_.find(key);
    if (it == sprites_.end()) {
        const int extra
            = item.kind == Scene::ItemKind::CollapsedGroup ? static_cast<int>(std::ceil(2 * stackOffset(scale))) : 0;
        QImage image(size.width() + extra + 1, size.height() + extra + 1, QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::transparent);
        QPainter p(&image);
        p.setRenderHint(QPainter::Antialiasing);
        drawBox(p, QRectF(QPointF(0, 0), QSizeF(size)), i, scale);
        p.end();
        it = sprites_.emplace(key, std::move(image)).first;
    }
    return &it->second;
}

void SceneRenderer::paintItemsHigh(QPainter& painter, const Mapper& m, bool raster)
{
    for (int i : visibleItems_) {
        const QRectF box = m.map(scene_->items[static_cast<std::size_t>(i)].rect);
        if (raster) {
            // Whole pixels, so one sprite serves every box of this look and size.
            const QPoint topLeft(static_cast<int>(std::lround(box.left())), static_cast<int>(std::lround(box.top())));
            const QSize size(static_cast<int>(std::lround(box.right())) - topLeft.x(),
                static_cast<int>(std::lround(box.bottom())) - topLeft.y());
            if (const QImage* image = sprite(i, size, m.s)) {
                painter.drawImage(topLeft, *image);
                continue;
            }
        }
        drawBox(painter, box, i, m.s);
    }
}

SceneRenderer::ItemText& SceneRenderer::textFor(int i, double available)
{
    auto& cached = itemText_[static_cast<std::size_t>(i)];
    // Zooming within one font size keeps the layout while it fits, allowing
    // it half the padding, so zooming out a little does not lay out every
    // long name again.
    const double pad = kTextPadding * textScale_;
    if (cached && available < cached->width
        && std::max(cached->title.size().width(), cached->subtitle.size().width()) > available + pad) {
        textImageBytes_ -= cached->image.sizeInBytes();
        cached.reset();
    }
    if (!cached) {
        const auto& item = scene_->items[static_cast<std::size_t>(i)];
        // Op types read best whole; names elide in the middle to keep both
        // the scope and the last part.
        const QString title
            = QFontMetricsF(titleFont_).elidedText(QString::fromStdString(item.title), Qt::ElideRight, available);
        const QString subtitle = item.subtitle.empty()
            ? QString()
            : QFontMetricsF(subtitleFont_)
                  .elidedText(QString::fromStdString(item.subtitle), Qt::ElideMiddle, available);
        cached.emplace();
        cached->title = makeStaticText(title, titleFont_);
        cached->subtitle = makeStaticText(subtitle, subtitleFont_);
        cached->width = available;
    }
    return *cached;
}

const QImage* SceneRenderer::textImage(int i, ItemText& text, bool withSubtitle)
{
    const QSizeF size(std::max(text.title.size().width(), withSubtitle ? text.subtitle.size().width() : 0.0),
        withSubtitle ? titleHeight_ + subtitleHeight_ : titleHeight_);
    if (size.width() * size.height() > kMaxSpritePixels)
        return nullptr;
    if (!text.image.isNull() && text.imageWithSubtitle == withSubtitle)
        return &text.image;
    if (textImageBytes_ > kMaxTextImageBytes)
        clearTextImages();
    textImageBytes_ -= text.image.sizeInBytes();
    const auto& style = theme_.style(itemStyle_[static_cast<std::size_t>(i)]);
    QImage image(static_cast<int>(std::ceil(size.width())) + 1, static_cast<int>(std::ceil(size.height())) + 1,
        QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    QPainter p(&image);
    p.setRenderHint(QPainter::TextAntialiasing);
    p.setFont(titleFont_);
    p.setPen(style.title);
    p.drawStaticText(QPointF((size.width() - text.title.size().width()) / 2, 0), text.title);
    if (withSubtitle) {
        p.setFont(subtitleFont_);
        p.setPen(style.subtitle);
        p.drawStaticText(QPointF((size.width() - text.subtitle.size().width()) / 2, titleHeight_), text.subtitle);
    }
    p.end();
    text.image = std::move(image);
    text.imageWithSubtitle = withSubtitle;
    textImageBytes_ += text.image.sizeInBytes();
    return &text.image;
}

void SceneRenderer::clearTextImages()
{
    for (auto& t : itemText_)
        if (t)
            t->image = QImage();
    textImageBytes_ = 0;
}

void SceneRenderer::paintItemText(QPainter& painter, const Mapper& m, bool raster)
{
    if (titleFont_.pixelSize() < kMinReadablePx)
        return;
    const double pad = kTextPadding * textScale_;
    const bool subtitles = subtitleFont_.pixelSize() >= kMinReadablePx;
    // Two lines of text cost two layouts' worth of glyph drawing per item per
    // frame; on a raster target each item's text is drawn once into an image
    // and blitted after that. Otherwise one pass per font: QStaticText lays
    // out again whenever the painter's font differs from its own.
    for (int pass = 0; pass < (subtitles && !raster ? 2 : 1); ++pass) {
        painter.setFont(pass == 0 ? titleFont_ : subtitleFont_);
        for (int i : visibleItems_) {
            const auto& item = scene_->items[static_cast<std::size_t>(i)];
            const QRectF box = m.map(item.rect);
            const double available = box.width() - 2 * pad;
            if (available < titleHeight_)
                continue;
            const bool withSubtitle
                = subtitles && !item.subtitle.empty() && box.height() >= titleHeight_ + subtitleHeight_ + pad * 0.5;
            if (pass == 1 && !withSubtitle)
                continue;
            ItemText& text = textFor(i, available);
            const double total = withSubtitle ? titleHeight_ + subtitleHeight_ : titleHeight_;
            const double top = box.center().y() - total / 2;
            if (raster) {
                if (const QImage* image = textImage(i, text, withSubtitle)) {
                    painter.drawImage(QPoint(static_cast<int>(std::lround(box.center().x() - image->width() / 2.0)),
                                          static_cast<int>(std::lround(top))),
                        *image);
                    continue;
                }
                // Too large to keep: draw both lines here, setting each font.
                const auto& style = theme_.style(itemStyle_[static_cast<std::size_t>(i)]);
                painter.setFont(titleFont_);
                painter.setPen(style.title);
                painter.drawStaticText(QPointF(box.center().x() - text.title.size().width() / 2, top), text.title);
                if (withSubtitle) {
                    painter.setFont(subtitleFont_);
                    painter.setPen(style.subtitle);
                    painter.drawStaticText(
                        QPointF(box.center().x() - text.subtitle.size().width() / 2, top + titleHeight_),
                        text.subtitle);
                }
                continue;
            }
            const auto& style = theme_.style(itemStyle_[static_cast<std::size_t>(i)]);
            const QStaticText& line = pass == 0 ? text.title : text.subtitle;
            painter.setPen(pass == 0 ? style.title : style.subtitle);
            painter.drawStaticText(
                QPointF(box.center().x() - line.size().width() / 2, pass == 0 ? top : top + titleHeight_), line);
        }
    }
}

void SceneRenderer::paintMarks(QPainter& painter, const Mapper& m, Detail detail)
{
    const bool high = detail == Detail::High;
    const double radius = std::clamp(kBoxRadius * m.s, 1.0, 12.0) + 2;
    auto outline = [&](int i, double grow) {
        const auto& item = scene_->items[static_cast<std::size_t>(i)];
        if (high) {
            const QRectF box = m.map(item.rect).adjusted(-grow, -grow, grow, grow);
            const double r = isPill(item.kind) ? box.height() / 2 : radius;
            painter.drawRoundedRect(box, r, r);
        } else {
            const int g = static_cast<int>(std::lround(grow));
            painter.drawRect(m.snap(item.rect).adjusted(-g, -g, g, g));
        }
    };
    painter.setBrush(Qt::NoBrush);
    if (!itemHighlight_.empty()) {
        painter.setPen(QPen(theme_.accent, 2));
        for (int i : visibleItems_)
            if (itemHighlight_[static_cast<std::size_t>(i)] && i != selected_)
                outline(i, 1.5);
    }
    if (selected_ >= 0 && static_cast<std::size_t>(selected_) < scene_->items.size()
        && std::binary_search(visibleItems_.begin(), visibleItems_.end(), selected_)) {
        painter.setPen(QPen(theme_.accent, 3, Qt::SolidLine, Qt::SquareCap, Qt::MiterJoin));
        outline(selected_, 2.5);
    }
}

} // namespace nodus
