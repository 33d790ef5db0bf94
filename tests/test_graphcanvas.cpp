// GraphCanvas, SceneRenderer and SceneExporter on hand-made Scenes, offscreen:
// clicks hit the item under the cursor, zoom keeps the cursor's point still,
// fit shows everything, and exports decode with the right size and colours.
#include "canvastheme.h"
#include "graphcanvas.h"
#include "minimap.h"
#include "sceneexporter.h"
#include "sceneindex.h"

#include "layout/scene.h"

#include <QImage>
#include <QSignalSpy>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QWheelEvent>
#include <QtTest>

#include <cmath>

using namespace nodus;

namespace {

Scene::Item op(double x, double y, const char* type, const char* name, const char* category)
{
    Scene::Item item;
    item.kind = Scene::ItemKind::Operation;
    item.rect = { x, y, 120, 40 };
    item.title = type;
    item.subtitle = name;
    item.category = category;
    return item;
}

// A straight vertical cubic from the bottom of `from` to the top of `to`.
Scene::Edge link(const Scene& s, int from, int to, const char* label = "")
{
    const Rect& a = s.items[static_cast<std::size_t>(from)].rect;
    const Rect& b = s.items[static_cast<std::size_t>(to)].rect;
    const Point p0 { a.center().x, a.bottom() }, p1 { b.center().x, b.top() };
    Scene::Edge e;
    e.from = from;
    e.to = to;
    e.path = { p0, { p0.x, p0.y + (p1.y - p0.y) / 3 }, { p1.x, p1.y - (p1.y - p0.y) / 3 }, p1 };
    e.label = label;
    e.labelPos = { (p0.x + p1.x) / 2 + 30, (p0.y + p1.y) / 2 };
    return e;
}

Rect unionOf(const Scene& s)
{
    Rect b = s.items.front().rect;
    for (const auto& item : s.items)
        b = b.united(item.rect);
    for (const auto& f : s.frames)
        b = b.united(f.rect);
    return b;
}

// Input, three ops in a column, a collapsed group beside them, output, and a frame.
std::shared_ptr<Scene> smallScene()
{
    auto s = std::make_shared<Scene>();
    Scene::Item in;
    in.kind = Scene::ItemKind::GraphInput;
    in.rect = { 100, 0, 120, 32 };
    in.title = "input";
    in.subtitle = "float32[1,3,224,224]";
    s->items.push_back(in);
    s->items.push_back(op(100, 100, "Conv", "/stem/conv", "Layer"));
    s->items.push_back(op(100, 200, "Relu", "/stem/relu", "Activation"));
    s->items.push_back(op(100, 300, "MaxPool", "/stem/pool", "Pool"));
    Scene::Item group;
    group.kind = Scene::ItemKind::CollapsedGroup;
    group.rect = { 400, 200, 140, 44 };
    group.title = "layer1";
    group.subtitle = "12 nodes";
    s->items.push_back(group);
    Scene::Item out;
    out.kind = Scene::ItemKind::GraphOutput;
    out.rect = { 100, 420, 120, 32 };
    out.title = "output";
    s->items.push_back(out);
    s->frames.push_back({ 0, { 70, 70, 180, 300 }, "stem", 0 });
    s->edges.push_back(link(*s, 0, 1, "1x3x224x224"));
    s->edges.push_back(link(*s, 1, 2, "1x64x112x112"));
    s->edges.push_back(link(*s, 2, 3));
    s->edges.push_back(link(*s, 3, 5));
    s->edges.push_back(link(*s, 2, 4));
    s->bounds = unionOf(*s);
    return s;
}

QPoint centreOf(const GraphCanvas& canvas, int item)
{
    const Rect& r = canvas.scene()->items[static_cast<std::size_t>(item)].rect;
    return canvas.mapFromScene(QPointF(r.center().x, r.center().y)).toPoint();
}

void sendWheel(QWidget* w, QPointF pos, int delta, Qt::KeyboardModifiers mods = Qt::NoModifier)
{
    QWheelEvent event(
        pos, w->mapToGlobal(pos), QPoint(), QPoint(0, delta), Qt::NoButton, mods, Qt::NoScrollPhase, false);
    QCoreApplication::sendEvent(w, &event);
}

bool sameColour(QRgb a, const QColor& b, int tolerance = 0)
{
    return std::abs(qRed(a) - b.red()) <= tolerance && std::abs(qGreen(a) - b.green()) <= tolerance
        && std::abs(qBlue(a) - b.blue()) <= tolerance;
}

} // namespace

class TestGraphCanvas : public QObject {
    Q_OBJECT

private:
    // A shown canvas without the minimap, which would sit over items in the corner.
    void showCanvas(GraphCanvas& canvas, std::shared_ptr<const Scene> scene, QSize size = { 800, 600 })
    {
        canvas.setMinimapVisible(false);
        canvas.resize(size);
        canvas.setScene(std::move(scene));
        canvas.show();
        QVERIFY(QTest::qWaitForWindowExposed(&canvas));
    }

private slots:
    void clickSelectsItem()
    {
        GraphCanvas canvas;
        showCanvas(canvas, smallScene());
        QSignalSpy clicked(&canvas, &GraphCanvas::itemClicked);
        for (int i = 0; i < static_cast<int>(canvas.scene()->items.size()); ++i) {
            clicked.clear();
            QTest::mouseClick(&canvas, Qt::LeftButton, {}, centreOf(canvas, i));
            QCOMPARE(clicked.count(), 1);
            QCOMPARE(clicked.at(0).at(0).toInt(), i);
            QCOMPARE(canvas.selectedItem(), i);
        }
    }

    void doubleClickEmits()
    {
        GraphCanvas canvas;
        showCanvas(canvas, smallScene());
        QSignalSpy doubled(&canvas, &GraphCanvas::itemDoubleClicked);
        QTest::mouseDClick(&canvas, Qt::LeftButton, {}, centreOf(canvas, 4));
        QCOMPARE(doubled.count(), 1);
        QCOMPARE(doubled.at(0).at(0).toInt(), 4);
    }

    void backgroundClickClearsSelection()
    {
        GraphCanvas canvas;
        showCanvas(canvas, smallScene());
        canvas.setSelectedItem(2);
        QSignalSpy background(&canvas, &GraphCanvas::backgroundClicked);
        QSignalSpy clicked(&canvas, &GraphCanvas::itemClicked);
        // Right of the column, above the group: nothing there.
        const QPoint empty = canvas.mapFromScene(QPointF(470, 60)).toPoint();
        QCOMPARE(canvas.itemAt(empty), -1);
        QCOMPARE(canvas.edgeAt(empty), -1);
        QTest::mouseClick(&canvas, Qt::LeftButton, {}, empty);
        QCOMPARE(background.count(), 1);
        QCOMPARE(clicked.count(), 0);
        QCOMPARE(canvas.selectedItem(), -1);
    }

    void clickOnEdge()
    {
        GraphCanvas canvas;
        showCanvas(canvas, smallScene());
        QSignalSpy edge(&canvas, &GraphCanvas::edgeClicked);
        // Edge 1 runs straight down x = 160 from y = 140 to 200; a pixel beside it still hits.
        const QPoint onEdge = canvas.mapFromScene(QPointF(160, 170)).toPoint() + QPoint(2, 0);
        QTest::mouseClick(&canvas, Qt::LeftButton, {}, onEdge);
        QCOMPARE(edge.count(), 1);
        QCOMPARE(edge.at(0).at(0).toInt(), 1);
    }

    void dragPansWithoutClicking()
    {
        GraphCanvas canvas;
        showCanvas(canvas, smallScene());
        QSignalSpy clicked(&canvas, &GraphCanvas::itemClicked);
        QSignalSpy background(&canvas, &GraphCanvas::backgroundClicked);
        const QPoint start = canvas.mapFromScene(QPointF(470, 60)).toPoint();
        const QPointF before = canvas.mapToScene(QPointF(start));
        QTest::mousePress(&canvas, Qt::LeftButton, {}, start);
        QMouseEvent move(QEvent::MouseMove, QPointF(start + QPoint(60, 40)),
            canvas.mapToGlobal(QPointF(start + QPoint(60, 40))), Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(&canvas, &move);
        QTest::mouseRelease(&canvas, Qt::LeftButton, {}, start + QPoint(60, 40));
        // The scene point that was under the press is now under the release.
        const QPointF after = canvas.mapToScene(QPointF(start + QPoint(60, 40)));
        QVERIFY(std::hypot(after.x() - before.x(), after.y() - before.y()) * canvas.scale() < 1.0);
        QCOMPARE(clicked.count(), 0);
        QCOMPARE(background.count(), 0);
    }

    void fitShowsEverything_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::newRow("landscape") << QSize(800, 600);
        QTest::newRow("tall") << QSize(300, 900);
        QTest::newRow("tiny") << QSize(160, 120);
    }

    void fitShowsEverything()
    {
        QFETCH(QSize, size);
        GraphCanvas canvas;
        showCanvas(canvas, smallScene(), size);
        canvas.zoomTo(5);
        canvas.fitToView();
        const QRectF widget(canvas.rect());
        for (const auto& item : canvas.scene()->items) {
            const QRectF r = canvas.mapFromScene(QRectF(item.rect.x, item.rect.y, item.rect.width, item.rect.height));
            QVERIFY2(
                widget.contains(r), qPrintable(QStringLiteral("%1 outside").arg(QString::fromStdString(item.title))));
        }
    }

    void wheelZoomKeepsPointUnderCursor()
    {
        GraphCanvas canvas;
        showCanvas(canvas, smallScene());
        const QPointF cursor(523, 187);
        const QPointF anchor = canvas.mapToScene(cursor);
        const double before = canvas.scale();
        QSignalSpy changed(&canvas, &GraphCanvas::viewChanged);

        sendWheel(&canvas, cursor, 120);
        QVERIFY(canvas.scale() > before);
        QVERIFY(changed.count() >= 1);
        QPointF moved = canvas.mapFromScene(anchor);
        QVERIFY2(std::hypot(moved.x() - cursor.x(), moved.y() - cursor.y()) <= 1.0, "zoom in moved the cursor's point");

        sendWheel(&canvas, cursor, -360, Qt::ControlModifier);
        QVERIFY(canvas.scale() < before);
        moved = canvas.mapFromScene(anchor);
        QVERIFY2(
            std::hypot(moved.x() - cursor.x(), moved.y() - cursor.y()) <= 1.0, "zoom out moved the cursor's point");

        for (int k = 0; k < 100; ++k)
            sendWheel(&canvas, cursor, 1200);
        QCOMPARE(canvas.scale(), GraphCanvas::kMaxScale);
        for (int k = 0; k < 100; ++k)
            sendWheel(&canvas, cursor, -1200);
        QCOMPARE(canvas.scale(), GraphCanvas::kMinScale);
    }

    void keyboard()
    {
        GraphCanvas canvas;
        showCanvas(canvas, smallScene());
        QTest::keyClick(&canvas, Qt::Key_0);
        QCOMPARE(canvas.scale(), 1.0);
        QTest::keyClick(&canvas, Qt::Key_Plus);
        QVERIFY(canvas.scale() > 1.0);
        QTest::keyClick(&canvas, Qt::Key_Minus);
        QTest::keyClick(&canvas, Qt::Key_Minus);
        QVERIFY(canvas.scale() < 1.0);
        const QPointF origin = canvas.mapToScene(QPointF(0, 0));
        QTest::keyClick(&canvas, Qt::Key_Right);
        QVERIFY(canvas.mapToScene(QPointF(0, 0)).x() > origin.x());
        QTest::keyClick(&canvas, Qt::Key_Down);
        QVERIFY(canvas.mapToScene(QPointF(0, 0)).y() > origin.y());
        canvas.zoomTo(4);
        QTest::keyClick(&canvas, Qt::Key_F);
        QVERIFY(canvas.scale() < 4);
        const double fitted = canvas.scale();
        canvas.zoomTo(4);
        QTest::keyClick(&canvas, Qt::Key_Home);
        QCOMPARE(canvas.scale(), fitted);
    }

    void centerOnItem()
    {
        GraphCanvas canvas;
        showCanvas(canvas, smallScene());
        canvas.zoomTo(2);
        canvas.centerOn(4);
        const QPoint c = centreOf(canvas, 4);
        QVERIFY(std::abs(c.x() - canvas.width() / 2) <= 1);
        QVERIFY(std::abs(c.y() - canvas.height() / 2) <= 1);
    }

    void keepViewOnNewScene()
    {
        GraphCanvas canvas;
        showCanvas(canvas, smallScene());
        canvas.zoomTo(2.5);
        canvas.centerOn(3);
        canvas.setSelectedItem(3);
        const QPointF origin = canvas.mapToScene(QPointF(0, 0));
        canvas.setScene(smallScene(), true);
        QCOMPARE(canvas.scale(), 2.5);
        QCOMPARE(canvas.mapToScene(QPointF(0, 0)), origin);
        QCOMPARE(canvas.selectedItem(), -1);
        canvas.setScene(smallScene());
        QVERIFY(canvas.scale() < 2.5);
    }

    void minimapMovesView()
    {
        GraphCanvas canvas;
        showCanvas(canvas, smallScene());
        canvas.setMinimapVisible(true);
        Minimap* map = canvas.minimap();
        QVERIFY(map->isVisible());
        // Bottom-right corner of the canvas.
        QVERIFY(map->geometry().right() > canvas.width() * 3 / 4);
        QVERIFY(map->geometry().bottom() > canvas.height() * 3 / 4);
        canvas.zoomTo(3);
        QTest::mouseClick(map, Qt::LeftButton, {}, QPoint(map->width() / 2, map->height() / 2));
        // The middle of the minimap is the middle of the scene, now the middle of the view.
        const Rect b = canvas.scene()->bounds;
        const QPointF centre = canvas.mapFromScene(QPointF(b.center().x, b.center().y));
        QVERIFY(std::abs(centre.x() - canvas.width() / 2.0) < 3 * 3);
        QVERIFY(std::abs(centre.y() - canvas.height() / 2.0) < 3 * 3);
        canvas.setMinimapVisible(false);
        QVERIFY(!map->isVisible());
    }

    void selectionAndThemeAreDrawn()
    {
        GraphCanvas canvas;
        showCanvas(canvas, smallScene());
        canvas.setTheme(CanvasTheme::light());
        canvas.zoomTo(1);
        canvas.centerOn(2);
        canvas.setSelectedItem(2);
        QImage image(canvas.size(), QImage::Format_RGB32);
        canvas.render(&image);
        const QRectF r = canvas.mapFromScene(QRectF(100, 200, 120, 40));
        // The outline sits just outside the box, on its left edge's middle.
        QVERIFY(
            sameColour(image.pixel(QPoint(int(r.left()) - 3, int(r.center().y()))), CanvasTheme::light().accent, 40));
        // Far inside the box, clear of the text, the fill.
        QVERIFY(sameColour(image.pixel(QPoint(int(r.left()) + 4, int(r.top()) + 4)),
            CanvasTheme::light().style(CanvasTheme::Activation).fill, 2));

        QPalette dark;
        dark.setColor(QPalette::Window, QColor(30, 30, 30));
        canvas.followSystemTheme();
        canvas.setPalette(dark);
        QVERIFY(canvas.theme().dark);
        QPalette light;
        light.setColor(QPalette::Window, QColor(240, 240, 240));
        canvas.setPalette(light);
        QVERIFY(!canvas.theme().dark);
        canvas.setTheme(CanvasTheme::darkTheme());
        canvas.setPalette(light);
        QVERIFY(canvas.theme().dark);
    }

    void lowDetailDrawsBoxes()
    {
        GraphCanvas canvas;
        showCanvas(canvas, smallScene());
        canvas.setTheme(CanvasTheme::darkTheme());
        canvas.zoomTo(0.2);
        canvas.centerOn(1);
        QImage image(canvas.size(), QImage::Format_RGB32);
        canvas.render(&image);
        QVERIFY(sameColour(image.pixel(centreOf(canvas, 1)), CanvasTheme::darkTheme().style(CanvasTheme::Layer).fill));
        QVERIFY(sameColour(image.pixel(5, 5), CanvasTheme::darkTheme().background));
    }

    void indexFindsWhatIsThere()
    {
        const auto scene = smallScene();
        SceneIndex index;
        index.build(*scene);
        std::vector<int> found;
        index.queryItems({ 90, 90, 50, 130 }, found);
        QCOMPARE(found, (std::vector<int> { 1, 2 }));
        index.queryItems({ -1e6, -1e6, 2e6, 2e6 }, found);
        QCOMPARE(found.size(), scene->items.size());
        QCOMPARE(index.itemAt({ 160, 220 }), 2);
        QCOMPARE(index.itemAt({ 300, 20 }), -1);
        QCOMPARE(index.edgeAt({ 161, 170 }, 3), 1);
    }

    void exportsDecode()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const auto scene = smallScene();
        const QString png = dir.filePath("small.png");
        QCOMPARE(SceneExporter::exportPng(*scene, png, 1.0, CanvasTheme::light()), QString());
        QImage image;
        QVERIFY(image.load(png));
        const QSizeF expected = SceneExporter::imageSize(*scene, 1.0);
        QCOMPARE(image.size(), expected.toSize());

        const QString svg = dir.filePath("small.svg");
        QCOMPARE(SceneExporter::exportSvg(*scene, svg, 1.0, CanvasTheme::darkTheme()), QString());
        QVERIFY(QFileInfo(svg).size() > 0);
        QSvgRenderer renderer(svg);
        QVERIFY(renderer.isValid());
        QCOMPARE(renderer.viewBoxF().size(), expected);
    }

    void exportErrors()
    {
        const auto scene = smallScene();
        QString error = SceneExporter::exportPng(*scene, "/nonexistent-dir/x.png", 1.0, CanvasTheme::light());
        QVERIFY(error.contains("nonexistent-dir"));
        error = SceneExporter::exportSvg(*scene, "/nonexistent-dir/x.svg", 1.0, CanvasTheme::light());
        QVERIFY(error.contains("nonexistent-dir"));
        QTemporaryDir dir;
        error = SceneExporter::exportPng(*scene, dir.filePath("huge.png"), 1e7, CanvasTheme::light());
        QVERIFY2(error.contains("PNG allows"), qPrintable(error));
        QVERIFY(!QFileInfo::exists(dir.filePath("huge.png")));
        QVERIFY(!SceneExporter::exportPng(Scene(), dir.filePath("empty.png"), 1, CanvasTheme::light()).isEmpty());
    }

    // 3000 x 9000 pixels is five bands of 2048 rows: items in each band, and
    // one across a band boundary, must come out where they belong and in their colour.
    void bigTiledPng()
    {
        Scene scene;
        const char* categories[] = { "Layer", "Activation", "Pool", "Normalization", "Data" };
        // A 10 x 30 grid of 600 x 600 boxes on a 1000 px pitch: 10,000 x 30,000 scene units.
        for (int row = 0; row < 30; ++row)
            for (int col = 0; col < 10; ++col) {
                Scene::Item item;
                item.rect = { col * 1000.0 + 200, row * 1000.0 + 200, 600, 600 };
                item.category = categories[(row + col) % 5];
                scene.items.push_back(item);
            }
        // In the gap between columns 0 and 1, across image row 2048 (the first band boundary).
        Scene::Item across;
        across.rect = { 850, 6500, 300, 600 };
        across.category = "Quantization";
        scene.items.push_back(across);
        scene.bounds = { 0, 0, 10000, 30000 };
        const double scale = 0.3;
        const QSizeF size = SceneExporter::imageSize(scene, scale);
        QCOMPARE(size, QSizeF(std::ceil(10040 * 0.3), std::ceil(30040 * 0.3)));

        QTemporaryDir dir;
        const QString path = dir.filePath("big.png");
        const CanvasTheme theme = CanvasTheme::light();
        QCOMPARE(SceneExporter::exportPng(scene, path, scale, theme), QString());
        QImage image;
        QVERIFY(image.load(path));
        QCOMPARE(image.size(), size.toSize());

        const QRectF area = SceneExporter::exportArea(scene);
        auto pixelAt = [&](Point p) {
            return image.pixel(QPoint(int((p.x - area.x()) * scale), int((p.y - area.y()) * scale)));
        };
        for (std::size_t i = 0; i < scene.items.size(); i += 7) {
            const auto& item = scene.items[i];
            const QColor fill = theme.style(CanvasTheme::styleForCategory(item.category)).fill;
            QVERIFY2(sameColour(pixelAt(item.rect.center()), fill), qPrintable(QString("item %1").arg(i)));
        }
        int straddling = 0;
        for (const auto& item : scene.items) {
            const double top = (item.rect.top() - area.y()) * scale, bottom = (item.rect.bottom() - area.y()) * scale;
            if (top < 2040 && bottom > 2056) {
                const QColor fill = theme.style(CanvasTheme::styleForCategory(item.category)).fill;
                const int x = int((item.rect.center().x - area.x()) * scale);
                QVERIFY(sameColour(image.pixel(x, 2046), fill));
                QVERIFY(sameColour(image.pixel(x, 2049), fill));
                ++straddling;
            }
        }
        QCOMPARE(straddling, 1);
        QVERIFY(sameColour(pixelAt({ 100, 100 }), theme.background));
        QVERIFY(sameColour(pixelAt({ 9950, 29950 }), theme.background));
    }
};

QTEST_MAIN(TestGraphCanvas)
#include "test_graphcanvas.moc"
