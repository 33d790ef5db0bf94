#pragma once

#include "canvastheme.h"

#include <QFont>
#include <QImage>
#include <QLineF>
#include <QPointF>
#include <QRect>
#include <QRectF>
#include <QStaticText>

#include <array>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

class QPainter;

namespace nodus {

struct Scene;
class SceneIndex;
class DirectRaster;

// Paints a Scene, or a region of it, at a scale into any QPainter: the canvas
// paints its frames with it, the minimap its overview, the exporters their
// PNG bands and SVG files. Geometry is mapped to device pixels here rather
// than through the painter's transform, so boxes snap to pixels and text is
// laid out at the size it is shown.
//
// On a QImage (the canvas's frame, export bands) it takes shortcuts that
// QPainter's per-call cost makes necessary for 20,000 items a frame: boxes
// and lines written straight into the pixels when zoomed out (DirectRaster);
// zoomed in, boxes, arrowheads and each item's text blitted from images
// rendered once per size. Elsewhere (SVG) it draws every shape as a vector.
class SceneRenderer {
public:
    enum class Detail {
        Low, // boxes without text, straight edges without arrowheads, no antialiasing
        High, // rounded boxes with text, Bezier edges with arrowheads (labels above kLabelScale)
    };
    static constexpr double kTextScale = 0.4;
    static constexpr double kLabelScale = 0.7;
    static Detail detailFor(double scale) { return scale < kTextScale ? Detail::Low : Detail::High; }

    SceneRenderer();
    ~SceneRenderer();

    // The scene and index must outlive the renderer or the next setScene.
    // Without an index every item is tested against the region.
    void setScene(const Scene* scene, const SceneIndex* index);
    void setTheme(const CanvasTheme& theme);
    const CanvasTheme& theme() const { return theme_; }
    void setFont(const QFont& font);
    void setSelectedItem(int item);
    void setHighlight(const std::vector<int>& items, const std::vector<int>& edges);
    // Vector exports keep their text at every scale.
    void setDetailOverride(std::optional<Detail> detail) { detailOverride_ = detail; }
    void setPaintBackground(bool on) { paintBackground_ = on; }

    // Paints the part of the scene that falls inside `target` (painter
    // coordinates) when scene point `origin` sits at painter (0, 0) and one
    // scene unit is `scale` pixels. Nothing outside `target` is touched.
    void paint(QPainter& painter, const QRectF& target, QPointF origin, double scale);

private:
    struct Mapper;
    struct ItemText {
        QStaticText title;
        QStaticText subtitle;
        double width = 0; // the room it was elided for
        QImage image; // both lines rendered, on raster targets
        bool imageWithSubtitle = false;
    };

    void paintFrames(QPainter& painter, DirectRaster* direct, const Mapper& m, Detail detail);
    void paintEdgesLow(QPainter& painter, DirectRaster* direct, const Mapper& m);
    void paintItemsLow(QPainter& painter, DirectRaster* direct, const Mapper& m);
    void paintEdgesHigh(QPainter& painter, const Mapper& m, bool raster);
    void paintEdgeLabels(QPainter& painter, const Mapper& m);
    void paintItemsHigh(QPainter& painter, const Mapper& m, bool raster);
    void paintItemText(QPainter& painter, const Mapper& m, bool raster);
    ItemText& textFor(int item, double available);
    const QImage* textImage(int item, ItemText& text, bool withSubtitle);
    void clearTextImages();
    void paintMarks(QPainter& painter, const Mapper& m, Detail detail);
    void drawBox(QPainter& painter, const QRectF& box, int item, double scale) const;
    const QImage* sprite(int item, QSize size, double scale);
    const QImage& arrowSprite(double angle, double length, bool highlighted);
    void prepareText(double scale);
    bool isHighlightedEdge(int edge) const;

    const Scene* scene_ = nullptr;
    const SceneIndex* index_ = nullptr;
    CanvasTheme theme_;
    QFont baseFont_;
    int selected_ = -1;
    std::vector<unsigned char> itemHighlight_;
    std::vector<unsigned char> edgeHighlight_;
    std::vector<unsigned char> itemStyle_; // CanvasTheme::Style per item
    std::optional<Detail> detailOverride_;
    bool paintBackground_ = true;

    // Text is laid out once per item and font size: shaping is what makes
    // text expensive, and panning, or zooming within one pixel size, reuses
    // every layout.
    QFont titleFont_, subtitleFont_, labelFont_, frameFont_;
    std::array<int, 4> fontPx_ = { -1, -1, -1, -1 };
    double titleHeight_ = 0, subtitleHeight_ = 0;
    double textScale_ = -1;
    std::vector<std::optional<ItemText>> itemText_;
    qsizetype textImageBytes_ = 0;
    std::vector<std::optional<QStaticText>> labelText_;

    // Rendered boxes by look and pixel size, for the current scale and theme.
    std::unordered_map<std::uint64_t, QImage> sprites_;
    double spriteScale_ = -1;
    std::unordered_map<int, QImage> arrowSprites_; // by direction and highlight
    double arrowSpriteLength_ = -1;

    // Per-frame scratch, kept to avoid reallocating every frame.
    std::vector<int> visibleItems_;
    std::vector<int> visibleEdges_;
    std::vector<int> frameOrder_; // frames by depth, shallow first
    std::array<std::vector<QRect>, CanvasTheme::StyleCount> fills_;
    std::array<std::vector<QRect>, CanvasTheme::StyleCount> borders_;
    std::vector<QRect> stackScratch_;
    std::vector<QLineF> lineScratch_;
    std::vector<QLineF> highlightLineScratch_;
};

} // namespace nodus
