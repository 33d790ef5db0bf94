// The graph view in the main window, driven as a user would: open a corpus
// model, find, select, expand and collapse, enter an If body and come back,
// export images, cancel a long layout.
#include "testsupport.h"

#include "findpanel.h"
#include "graphcanvas.h"
#include "graphview.h"
#include "mainwindow.h"
#include "nodepropertiespanel.h"

#include "formats/formatregistry.h"
#include "ir/graphsearch.h"
#include "ir/model.h"
#include "layout/grouptree.h"
#include "layout/scene.h"

#include <QImage>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QSvgRenderer>
#include <QTableWidget>
#include <QTemporaryDir>

#include <random>
#include <set>

using namespace nodus;

namespace {

int countKind(const Scene& scene, Scene::ItemKind kind)
{
    int n = 0;
    for (const auto& it : scene.items)
        n += it.kind == kind;
    return n;
}

bool settled(const GraphView& view)
{
    return view.scene() && !view.isLayingOut();
}

// A DAG with no name scopes and many cross edges: Graphviz needs seconds.
std::shared_ptr<Model> tangledModel(int nodes)
{
    auto model = std::make_shared<Model>();
    Graph& g = *model->graph;
    std::mt19937 rng(7);
    std::vector<Value*> values{g.value("x")};
    g.inputs.push_back(values.front());
    for (int k = 0; k < nodes; ++k) {
        Node* n = g.addNode("Add", "n" + std::to_string(k));
        g.addInput(n, values[rng() % values.size()]);
        g.addInput(n, values[rng() % values.size()]);
        Value* out = g.value("v" + std::to_string(k));
        g.addOutput(n, out);
        values.push_back(out);
    }
    g.outputs.push_back(values.back());
    return model;
}

} // namespace

class TestGraphView : public QObject {
    Q_OBJECT

    QTemporaryDir cache_;

private slots:
    void initTestCase()
    {
        qRegisterMetaType<const Node*>();
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("Nodus"));
        QCoreApplication::setApplicationName(QStringLiteral("NodusGraphViewTest"));
        QSettings().clear();
        // Layout caches go to a folder of this run, not the user's.
        qputenv("XDG_CACHE_HOME", cache_.path().toUtf8());
    }

    void canvasShowsEveryNodeAndFindSelects()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const QString file = QString::fromStdString((test::corpusDir() / "pytorch-export" / "squeezenet1_1.onnx").string());
        MainWindow w;
        w.resize(1400, 900);
        w.show();
        w.openFile(file);
        GraphView* view = w.graphView();
        QTRY_VERIFY_WITH_TIMEOUT(settled(*view), 20000);
        const auto model = w.model();
        view->expandAll();
        QTRY_VERIFY_WITH_TIMEOUT(settled(*view) && view->scene()->frames.size() > 0, 20000);

        // Every node drawn once, nothing else drawn as an operation.
        std::set<Id> drawn;
        for (const auto& it : view->scene()->items)
            if (it.kind == Scene::ItemKind::Operation) {
                QVERIFY(model->graph->nodeById(it.nodeId));
                QVERIFY(drawn.insert(it.nodeId).second);
            }
        QCOMPARE(drawn.size(), model->graph->nodes().size());
        QCOMPARE(countKind(*view->scene(), Scene::ItemKind::GraphInput), 1);
        QCOMPARE(countKind(*view->scene(), Scene::ItemKind::GraphOutput), 1);

        // Find a node by name, activate it: it is selected and its
        // attributes are in the panel.
        const auto hits = searchGraph(*model->graph, "/features/features.7/expand3x3/Conv", SearchMode::Text);
        QVERIFY(!hits.empty());
        QCOMPARE(hits.front().kind, SearchHit::Node);
        emit w.findPanel()->hitActivated(hits.front());
        QTRY_VERIFY(view->selectedNode() && view->selectedNode()->id() == hits.front().id);
        const int item = view->canvas()->selectedItem();
        QVERIFY(item >= 0);
        QCOMPARE(view->scene()->items[static_cast<std::size_t>(item)].nodeId, hits.front().id);

        const Node* conv = view->selectedNode();
        const QString kernel = QString::fromStdString(conv->attribute("kernel_shape")->valueText());
        bool shown = false;
        for (auto* table : w.nodePanel()->findChildren<QTableWidget*>())
            for (int r = 0; r < table->rowCount(); ++r)
                if (table->item(r, 0) && table->item(r, 0)->text() == "kernel_shape")
                    for (int c = 1; c < table->columnCount(); ++c)
                        shown |= table->item(r, c) && table->item(r, c)->text() == kernel;
        QVERIFY2(shown, qPrintable("kernel_shape " + kernel + " not in the node panel"));

        // Export what is drawn.
        QTemporaryDir dir;
        QCOMPARE(w.exportImage(dir.filePath("g.png"), 0.5), QString());
        QImage png(dir.filePath("g.png"));
        QVERIFY(!png.isNull() && png.width() > 100 && png.height() > 100);
        QCOMPARE(w.exportImage(dir.filePath("g.svg")), QString());
        QVERIFY(QFileInfo(dir.filePath("g.svg")).size() > 1000);
        QVERIFY(QSvgRenderer(dir.filePath("g.svg")).isValid());
    }

    void expandAndCollapseChangeWhatIsDrawn()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        MainWindow w;
        w.show();
        w.openFile(QString::fromStdString((test::corpusDir() / "pytorch-export" / "squeezenet1_1.onnx").string()));
        GraphView* view = w.graphView();
        QTRY_VERIFY_WITH_TIMEOUT(settled(*view), 20000);
        view->collapseAll();
        QTRY_VERIFY_WITH_TIMEOUT(settled(*view) && view->scene()->frames.empty(), 20000);
        const std::size_t collapsed = view->scene()->items.size();
        int group = -1;
        for (const auto& it : view->scene()->items)
            if (it.kind == Scene::ItemKind::CollapsedGroup)
                group = it.group;
        QVERIFY(group > 0);
        // Double-clicking a collapsed group opens it in place.
        const auto& items = view->scene()->items;
        int index = -1;
        for (std::size_t k = 0; k < items.size(); ++k)
            if (items[k].kind == Scene::ItemKind::CollapsedGroup && items[k].group == group)
                index = static_cast<int>(k);
        emit view->canvas()->itemDoubleClicked(index);
        QTRY_VERIFY_WITH_TIMEOUT(settled(*view) && view->scene()->frames.size() == 1, 20000);
        QVERIFY(view->scene()->items.size() > collapsed);
        QVERIFY(view->isGroupExpanded(group));
        view->setGroupExpanded(group, false);
        QTRY_VERIFY_WITH_TIMEOUT(settled(*view) && view->scene()->frames.empty(), 20000);
        QCOMPARE(view->scene()->items.size(), collapsed);
    }

    void entersIfBodyAndComesBack()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        MainWindow w;
        w.show();
        w.openFile(QString::fromStdString((test::corpusDir() / "onnx" / "node_test_if.onnx").string()));
        GraphView* view = w.graphView();
        QTRY_VERIFY_WITH_TIMEOUT(settled(*view), 20000);
        const Node* ifNode = w.model()->graph->nodes().front().get();
        const int item = view->scene()->findItemByNode(ifNode->id());
        QVERIFY(item >= 0);
        QVERIFY(view->scene()->items[static_cast<std::size_t>(item)].hasSubgraphs);
        const auto subs = GraphView::subgraphsOf(*ifNode);
        int then = -1;
        for (std::size_t k = 0; k < subs.size(); ++k)
            if (subs[k].first == "then_branch")
                then = static_cast<int>(k);
        QVERIFY(then >= 0);
        QVERIFY(view->enterSubgraph(ifNode, then));
        QTRY_VERIFY_WITH_TIMEOUT(settled(*view) && view->depth() == 1, 20000);
        const Graph* body = ifNode->attribute("then_branch")->graphs.front().get();
        QCOMPARE(view->currentGraph(), body);
        QCOMPARE(view->breadcrumbs().size(), 2);
        QVERIFY(view->breadcrumbs().last().contains("then_branch"));
        QCOMPARE(countKind(*view->scene(), Scene::ItemKind::Operation), static_cast<int>(body->nodes().size()));
        view->goUp(0);
        QTRY_VERIFY_WITH_TIMEOUT(settled(*view) && view->depth() == 0, 20000);
        QCOMPARE(view->currentGraph(), w.model()->graph.get());
        QVERIFY(view->scene()->findItemByNode(ifNode->id()) >= 0);
    }

    void encryptedModelAsksForItsKey()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto files = test::corpusFiles("mindir-encrypted", {".mindir"});
        QVERIFY(!files.empty());
        const QString file = QString::fromStdString(files.front().string());
        MainWindow w;
        w.show();
        QSignalSpy asked(&w, &MainWindow::keyRequested);
        QSignalSpy failed(&w, &MainWindow::openFailed);
        QSignalSpy opened(&w, &MainWindow::modelOpened);
        w.openFile(file);
        QTRY_COMPARE_WITH_TIMEOUT(asked.size(), 1, 20000);
        QVERIFY(failed.isEmpty());
        QVERIFY(!w.model());
        w.openFileWithKey(file, QStringLiteral("not the key"));
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 20000);
        QVERIFY(!w.model());
        w.openFileWithKey(file, QStringLiteral("0123456789ABCDEF"));
        QTRY_COMPARE_WITH_TIMEOUT(opened.size(), 1, 20000);
        QCOMPARE(QString::fromStdString(w.model()->format), QString("mindir"));
        QVERIFY(!w.model()->graph->nodes().empty());
        QTRY_VERIFY_WITH_TIMEOUT(settled(*w.graphView()), 20000);
    }

    void entersModelLocalFunctions()
    {
        auto model = std::make_shared<Model>();
        Graph& g = *model->graph;
        Value* x = g.value("x");
        g.inputs.push_back(x);
        Node* call = g.addNode("Gelu2", "call");
        call->domain = "local";
        g.addInput(call, x);
        g.addOutput(call, g.value("y"));
        g.outputs.push_back(g.findValue("y"));
        Function fn;
        fn.name = "Gelu2";
        fn.domain = "local";
        fn.graph = std::make_shared<Graph>("Gelu2");
        Graph& body = *fn.graph;
        body.inputs.push_back(body.value("X"));
        Node* a = body.addNode("Erf", "erf");
        body.addInput(a, body.findValue("X"));
        body.addOutput(a, body.value("e"));
        Node* b = body.addNode("Mul", "mul");
        body.addInput(b, body.findValue("X"));
        body.addInput(b, body.findValue("e"));
        body.addOutput(b, body.value("Y"));
        body.outputs.push_back(body.findValue("Y"));
        model->functions.push_back(fn);

        GraphView view;
        view.resize(600, 400);
        view.show();
        view.setModel(model);
        QTRY_VERIFY_WITH_TIMEOUT(settled(view), 20000);
        const int item = view.scene()->findItemByNode(call->id());
        QVERIFY(item >= 0);
        QVERIFY(view.scene()->items[static_cast<std::size_t>(item)].hasSubgraphs);
        emit view.canvas()->itemDoubleClicked(item);
        QTRY_VERIFY_WITH_TIMEOUT(settled(view) && view.depth() == 1, 20000);
        QCOMPARE(view.currentGraph(), fn.graph.get());
        QCOMPARE(countKind(*view.scene(), Scene::ItemKind::Operation), 2);
        QVERIFY(view.breadcrumbs().last().contains("Gelu2"));
    }

    void cancellingALayoutLeavesTheViewUsable()
    {
        GraphView view;
        view.resize(800, 600);
        view.show();
        QSignalSpy finished(&view, &GraphView::layoutFinished);
        view.setModel(tangledModel(1200));
        view.expandAll();
        QVERIFY(view.isLayingOut());
        view.cancelLayout();
        QVERIFY(!view.isLayingOut());
        QVERIFY(!finished.isEmpty());
        QCOMPARE(finished.last().at(1).toBool(), true); // cancelled

        // The same view goes on to show another model.
        auto small = tangledModel(12);
        view.setModel(small);
        QTRY_VERIFY_WITH_TIMEOUT(settled(view), 60000);
        QCOMPARE(countKind(*view.scene(), Scene::ItemKind::Operation), 12);
        QSignalSpy selected(&view, &GraphView::nodeSelected);
        const int item = view.scene()->findItemByNode(small->graph->nodes()[3]->id());
        QTest::mouseClick(view.canvas(), Qt::LeftButton, {},
                          view.canvas()->mapFromScene(QPointF(view.scene()->items[static_cast<std::size_t>(item)].rect.center().x,
                                                              view.scene()->items[static_cast<std::size_t>(item)].rect.center().y)).toPoint());
        QTRY_COMPARE(selected.size(), 1);
        QCOMPARE(selected.first().at(0).value<const Node*>(), small->graph->nodes()[3].get());
    }
};

QTEST_MAIN(TestGraphView)
#include "test_graphview.moc"
