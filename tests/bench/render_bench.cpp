// Frame times of GraphCanvas on a synthetic scene of 20,000 ops, offscreen.
// Prints one JSON object per case: all items in view without text ("low"),
// about 2,000 items with text ("high"), the same while zooming (text laid
// out anew every frame), and the peer: the same low-detail frame painted the
// obvious way, one antialiased QPainter call per item and edge, no culling.
//
//   QT_QPA_PLATFORM=offscreen nodus-render-bench [--frames N] [--items N]
#include "graphcanvas.h"
#include "sceneindex.h"
#include "scenerenderer.h"

#include "layout/scene.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QImage>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

using namespace nodus;

namespace {

// Boxes as SceneBuilder makes them for short op types (80 x 42), packed
// somewhat tighter than dot's nodesep/ranksep so that about 2,000 of them
// fill a 1600 x 1000 view at the text threshold (0.4).
constexpr double kBoxWidth = 80, kBoxHeight = 42;
constexpr double kPitchX = 96, kPitchY = 52;
constexpr QSize kViewSize(1600, 1000);

struct OpKind {
    const char* type;
    const char* category;
};

constexpr OpKind kKinds[] = {
    { "Conv", "Layer" },
    { "MatMul", "Layer" },
    { "Relu", "Activation" },
    { "Gelu", "Activation" },
    { "MaxPool", "Pool" },
    { "LayerNormalization", "Normalization" },
    { "Dropout", "Dropout" },
    { "Reshape", "Shape" },
    { "Transpose", "Shape" },
    { "Concat", "Tensor" },
    { "Gather", "Data" },
    { "QuantizeLinear", "Quantization" },
    { "If", "Control" },
    { "Equal", "Logic" },
    { "Add", "" },
    { "Mul", "" },
};

// A grid-ish graph: columns of ops, each feeding the one below, every 50th
// also feeding its lower-right neighbour; shaped to fill a 16:10 view.
Scene makeScene(int count)
{
    Scene s;
    const int cols = std::max(1, static_cast<int>(std::lround(std::sqrt(count * 1.6 * kPitchY / kPitchX))));
    for (int i = 0; i < count; ++i) {
        const int row = i / cols, col = i % cols;
        const OpKind& kind = kKinds[(i * 7 + row) % std::size(kKinds)];
        Scene::Item item;
        item.nodeId = static_cast<Id>(i + 1);
        item.rect = { col * kPitchX + (row % 2) * 6, row * kPitchY, kBoxWidth, kBoxHeight };
        item.title = kind.type;
        item.subtitle = "/encoder/layer." + std::to_string(row / 12) + "/block/" + kind.type + "_" + std::to_string(i);
        item.category = kind.category;
        s.items.push_back(std::move(item));
    }
    auto connect = [&](int from, int to) {
        const Rect& a = s.items[static_cast<std::size_t>(from)].rect;
        const Rect& b = s.items[static_cast<std::size_t>(to)].rect;
        const Point p0 { a.center().x, a.bottom() }, p3 { b.center().x, b.top() };
        Scene::Edge e;
        e.from = from;
        e.to = to;
        const double bend = (p3.y - p0.y) / 2;
        e.path = { p0, { p0.x, p0.y + bend }, { p3.x, p3.y - bend }, p3 };
        if (from % 2 == 0) {
            e.label = "1x64x56x56";
            e.labelPos = { (p0.x + p3.x) / 2 + 24, (p0.y + p3.y) / 2 };
        }
        s.edges.push_back(std::move(e));
    };
    for (int i = 0; i + cols < count; ++i) {
        connect(i, i + cols);
        if (i % 50 == 0 && (i % cols) + 1 < cols && i + cols + 1 < count)
            connect(i, i + cols + 1);
    }
    Rect b = s.items.front().rect;
    for (const auto& item : s.items)
        b = b.united(item.rect);
    s.bounds = b;
    return s;
}

struct Stats {
    double median = 0, p90 = 0;
};

Stats measure(int frames, const std::function<void(int)>& frame)
{
    for (int k = 0; k < 3; ++k)
        frame(k); // warm caches: glyphs, text layouts, allocations
    std::vector<double> ms;
    QElapsedTimer timer;
    for (int k = 0; k < frames; ++k) {
        timer.start();
        frame(k);
        ms.push_back(timer.nsecsElapsed() / 1e6);
    }
    std::sort(ms.begin(), ms.end());
    return { ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 9 / 10)] };
}

int itemsInView(const GraphCanvas& canvas)
{
    const QRectF v = canvas.visibleSceneRect();
    int n = 0;
    for (const auto& item : canvas.scene()->items)
        if (item.rect.intersects({ v.x(), v.y(), v.width(), v.height() }))
            ++n;
    return n;
}

void print(const char* lod, const GraphCanvas& canvas, int frames, const Stats& st, const char* note = nullptr)
{
    std::printf("{\"items\": %zu, \"edges\": %zu, \"in_view\": %d, \"scale\": %.4f, \"frames\": %d, "
                "\"median_ms\": %.3f, \"p90_ms\": %.3f, \"lod\": \"%s\"%s%s%s}\n",
        canvas.scene()->items.size(), canvas.scene()->edges.size(), itemsInView(canvas), canvas.scale(), frames,
        st.median, st.p90, lod, note ? ", \"case\": \"" : "", note ? note : "", note ? "\"" : "");
    std::fflush(stdout);
}

// The peer: what a first attempt looks like. Every item and edge through
// its own antialiased QPainter call, whether in view or not.
void paintNaive(QPainter& p, const Scene& s, const CanvasTheme& theme, QPointF origin, double scale)
{
    p.fillRect(QRectF(QPointF(0, 0), QSizeF(kViewSize)), theme.background);
    p.setRenderHint(QPainter::Antialiasing);
    p.setBrush(Qt::NoBrush);
    p.setPen(QPen(theme.edge, 1));
    for (const auto& e : s.edges) {
        QPainterPath path(QPointF((e.path[0].x - origin.x()) * scale, (e.path[0].y - origin.y()) * scale));
        for (std::size_t k = 0; k + 3 < e.path.size(); k += 3) {
            auto m = [&](const Point& q) { return QPointF((q.x - origin.x()) * scale, (q.y - origin.y()) * scale); };
            path.cubicTo(m(e.path[k + 1]), m(e.path[k + 2]), m(e.path[k + 3]));
        }
        p.drawPath(path);
    }
    for (const auto& item : s.items) {
        const auto& style = theme.style(CanvasTheme::styleForCategory(item.category));
        p.setPen(style.border);
        p.setBrush(style.fill);
        p.drawRoundedRect(QRectF((item.rect.x - origin.x()) * scale, (item.rect.y - origin.y()) * scale,
                              item.rect.width * scale, item.rect.height * scale),
            5 * scale, 5 * scale);
    }
}

} // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    int frames = 50, count = 20000;
    const QStringList args = app.arguments();
    for (int k = 1; k + 1 < args.size(); ++k) {
        if (args[k] == "--frames")
            frames = std::max(1, args[k + 1].toInt());
        else if (args[k] == "--items")
            count = std::max(2, args[k + 1].toInt());
    }

    auto scene = std::make_shared<Scene>(makeScene(count));
    GraphCanvas canvas;
    canvas.resize(kViewSize);
    QElapsedTimer setup;
    setup.start();
    canvas.setScene(scene);
    std::fprintf(stderr, "setScene (index build): %.1f ms\n", setup.nsecsElapsed() / 1e6);
    QImage image(kViewSize, QImage::Format_ARGB32_Premultiplied);
    auto render = [&](int) { canvas.render(&image); };

    canvas.fitToView();
    print("low", canvas, frames, measure(frames, render));

    // A panning frame differs only in the origin; keep the index honest by moving.
    print("low", canvas, frames,
        measure(frames,
            [&](int k) {
                canvas.centerOnScenePoint(canvas.mapToScene(QPointF(800 + (k % 2 ? 3 : -3), 500)));
                canvas.render(&image);
            }),
        "panning");

    // The scale at which about 2,000 items are in view, but never below the text threshold.
    const double area = double(kViewSize.width()) * kViewSize.height();
    const double high = std::max(SceneRenderer::kTextScale, std::sqrt(area / (2000 * kPitchX * kPitchY)));
    canvas.zoomTo(high);
    canvas.centerOnScenePoint({ scene->bounds.center().x, scene->bounds.center().y });
    print("high", canvas, frames, measure(frames, render));

    // Zooming in steadily, 1 % a frame: box sprites and text layouts are
    // redone whenever their pixel size changes.
    print("high", canvas, frames,
        measure(frames,
            [&](int k) {
                canvas.zoomTo(high * std::pow(1.01, k % 60));
                canvas.render(&image);
            }),
        "zooming, 1 % a frame from the scale above; in_view and scale are where it ended");
    canvas.zoomTo(high);

    canvas.zoomTo(1.0);
    print("high", canvas, frames, measure(frames, render), "labels");

    canvas.fitToView();
    const QPointF origin = canvas.mapToScene(QPointF(0, 0));
    const int peerFrames = std::max(3, frames / 5);
    print("low", canvas, peerFrames,
        measure(peerFrames,
            [&](int) {
                QPainter p(&image);
                paintNaive(p, *scene, canvas.theme(), origin, canvas.scale());
            }),
        "peer: one QPainter call per item and edge");
    return 0;
}
