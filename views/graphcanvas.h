#pragma once

#include "canvastheme.h"
#include "sceneindex.h"
#include "scenerenderer.h"

#include "ir/id.h"

#include <QColor>
#include <QImage>
#include <QPointF>
#include <QString>
#include <QWidget>

#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace nodus {

struct Scene;
class Minimap;

// A note painted over a node wherever the node shows, at any expansion or
// subgraph (a run's per-node time): `text` in a badge of `color` on the
// box's top edge, and a bar of that colour along the box's bottom, `level`
// (0 to 1) of its width. The box keeps its own colour: a tint over it
// would hide the op category.
struct NodeAnnotation {
    QString text;
    QColor color;
    double level = 0;
};

// The graph view: a laid-out Scene, zoomed and panned, painted directly
// with QPainter. A QGraphicsView costs an object per node and cannot draw
// 20,000 nodes in a frame; this draws only what is in view (SceneIndex),
// batches by colour, and drops text and curves when zoomed out (SceneRenderer).
//
// Items and edges are indices into the Scene; they are valid until the next
// setScene.
class GraphCanvas : public QWidget {
    Q_OBJECT
public:
    static constexpr double kMinScale = 0.01;
    static constexpr double kMaxScale = 8.0;

    explicit GraphCanvas(QWidget* parent = nullptr);
    ~GraphCanvas() override;

    // Shows `scene`, fitted to the view unless `keepView` (expanding a group
    // should not move what the user is looking at). Clears selection and highlight.
    void setScene(std::shared_ptr<const Scene> scene, bool keepView = false);
    const std::shared_ptr<const Scene>& scene() const { return scene_; }

    double scale() const { return scale_; }
    QPointF mapFromScene(QPointF scenePoint) const;
    QRectF mapFromScene(const QRectF& sceneRect) const;
    QPointF mapToScene(QPointF widgetPoint) const;
    QRectF visibleSceneRect() const;

    // Hit-testing in widget coordinates; -1 when nothing is there.
    int itemAt(QPointF widgetPoint) const;
    int edgeAt(QPointF widgetPoint) const;

    void setSelectedItem(int item);
    int selectedItem() const { return selected_; }
    // Items and edges drawn in the accent colour, e.g. a value's producer and users.
    void setHighlight(std::vector<int> items, std::vector<int> edges);

    // Forces a theme; until then the canvas follows the palette (light or dark).
    void setTheme(const CanvasTheme& theme);
    void followSystemTheme();
    const CanvasTheme& theme() const { return renderer_.theme(); }

    // Replaces every annotation; keyed by node id, so they survive relayouts.
    void setNodeAnnotations(std::unordered_map<Id, NodeAnnotation> annotations);
    const std::unordered_map<Id, NodeAnnotation>& nodeAnnotations() const { return annotations_; }

    void setMinimapVisible(bool visible);
    bool isMinimapVisible() const { return minimapWanted_; }
    Minimap* minimap() const { return minimap_; }

public slots:
    void fitToView();
    void zoomTo(double scale);
    void zoomIn();
    void zoomOut();
    void centerOn(int item);
    void centerOnScenePoint(QPointF scenePoint);

signals:
    void itemClicked(int item);
    void itemDoubleClicked(int item);
    void edgeClicked(int edge);
    void backgroundClicked();
    void viewChanged();

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void showEvent(QShowEvent* event) override;
    void changeEvent(QEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    // Zooms by `factor` keeping the scene point under `anchor` (widget coordinates) in place.
    void zoomAround(QPointF anchor, double factor);
    void setView(QPointF origin, double scale);
    void panBy(QPointF widgetDelta);
    void placeMinimap();
    void applyPaletteTheme();
    QRectF contentBounds() const;
    void findAnnotatedItems();
    void paintAnnotations(QPainter& painter, qreal dpr);

    std::shared_ptr<const Scene> scene_;
    SceneIndex index_;
    SceneRenderer renderer_;
    QImage frame_;
    Minimap* minimap_ = nullptr;
    bool minimapWanted_ = true;
    bool themeForced_ = false;

    double scale_ = 1.0;
    QPointF origin_; // the scene point at the widget's top-left corner
    bool fitPending_ = false;

    int selected_ = -1;

    std::unordered_map<Id, NodeAnnotation> annotations_;
    // Scene items that have an annotation, found once per scene.
    std::vector<std::pair<int, const NodeAnnotation*>> annotatedItems_;

    // A press becomes a pan once the mouse has moved beyond a few pixels;
    // until then its release is a click.
    std::optional<QPointF> pressPos_;
    QPointF lastDragPos_;
    Qt::MouseButton pressButton_ = Qt::NoButton;
    bool dragging_ = false;
};

} // namespace nodus
