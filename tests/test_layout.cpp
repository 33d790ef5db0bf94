// Grouping, Graphviz layout (in process and in parallel workers), scene
// building at different expansion states, and the layout caches.
#include "testsupport.h"

#include "formats/formatregistry.h"
#include "formats/onnx/onnxshapeinference.h"
#include "ir/model.h"
#include "ir/syntheticmodels.h"
#include "layout/dotlayout.h"
#include "layout/grouptree.h"
#include "layout/layoutcache.h"
#include "layout/scenebuilder.h"

#include <QTemporaryDir>

#include <fstream>
#include <set>

using namespace nodus;

namespace {

QStringList qs(const std::vector<std::string>& v)
{
    QStringList out;
    for (const auto& s : v)
        out << QString::fromStdString(s);
    return out;
}

LayoutJob diamond(double width)
{
    LayoutJob job;
    job.boxes = {{width, 40}, {80, 40}, {80, 40}, {80, 40}};
    job.links = {{0, 1}, {0, 2}, {1, 3}, {2, 3}};
    return job;
}

} // namespace

class TestLayout : public QObject {
    Q_OBJECT

private slots:
    void scopes()
    {
        QCOMPARE(qs(scopeOf("/encoder/layer.3/attn/MatMul")), QStringList({"encoder", "layer.3", "attn"}));
        QCOMPARE(qs(scopeOf("encoder.layer.3.attn.matmul")), QStringList({"encoder", "layer.3", "attn"}));
        QCOMPARE(qs(scopeOf("Conv_0")), QStringList());
        QCOMPARE(qs(scopeOf("/Add")), QStringList());
    }

    void repeatedBlocksShareAStructure()
    {
        const auto model = makeSyntheticTransformer(6);
        QCOMPARE(model->graph->nodes().size(), std::size_t(78));
        GroupTree tree(*model->graph);
        std::set<std::uint64_t> blockHashes;
        int blocks = 0;
        for (const auto& g : tree.groups())
            if (g.depth == 1) {
                ++blocks;
                QCOMPARE(g.totalNodes, std::size_t(13));
                blockHashes.insert(g.structureHash);
            }
        QCOMPARE(blocks, 6);
        QCOMPARE(blockHashes.size(), std::size_t(1));
        for (const auto& n : model->graph->nodes())
            QVERIFY(tree.groupOf(n.get()) > 0);
    }

    void longFlatRunsAreSplit()
    {
        // Unscoped names: no groups but the parts.
        Model m;
        Graph& g = *m.graph;
        Value* v = g.value("x");
        g.inputs.push_back(v);
        for (int k = 0; k < 1000; ++k) {
            Node* n = g.addNode("Relu", "Relu_" + std::to_string(k));
            g.addInput(n, v);
            v = g.value("t" + std::to_string(k));
            g.addOutput(n, v);
        }
        g.outputs.push_back(v);
        GroupTree tree(g);
        QCOMPARE(tree.group(0).nodes.size(), std::size_t(0));
        QCOMPARE(tree.group(0).children.size(), std::size_t(4));
        for (int c : tree.group(0).children)
            QVERIFY(tree.group(c).nodes.size() <= GroupTree::kMaxPart);
    }

    void dotLaysOutInOrder()
    {
        const LayoutResult r = DotLayout::run(diamond(80));
        QCOMPARE(r.centers.size(), std::size_t(4));
        QCOMPARE(r.paths.size(), std::size_t(4));
        // Top to bottom: the source above its successors, the sink below.
        QVERIFY(r.centers[0].y < r.centers[1].y);
        QVERIFY(r.centers[1].y < r.centers[3].y);
        QVERIFY(std::abs(r.centers[1].y - r.centers[2].y) < 1);
        for (const auto& path : r.paths)
            QCOMPARE(path.size() % 3, std::size_t(1));
        // The last point of an edge ends at the target box.
        const Point tip = r.paths[3].back();
        QVERIFY(std::abs(tip.y - (r.centers[3].y - 20)) < 2);

        LayoutJob lr = diamond(80);
        lr.direction = LayoutDirection::LeftToRight;
        const LayoutResult h = DotLayout::run(lr);
        QVERIFY(h.centers[0].x < h.centers[1].x);
    }

    void parallelWorkersGiveTheSameLayouts()
    {
        std::vector<LayoutJob> jobs;
        for (int k = 0; k < 12; ++k)
            jobs.push_back(diamond(80 + 10 * k));
        std::vector<const LayoutJob*> ptrs;
        for (const auto& j : jobs)
            ptrs.push_back(&j);
        DotLayout::setWorkers(2);
        const auto parallel = DotLayout::runAll(ptrs);
        DotLayout::setWorkers(1);
        const auto serial = DotLayout::runAll(ptrs);
        DotLayout::setWorkers(2);
        QCOMPARE(parallel.size(), jobs.size());
        for (std::size_t k = 0; k < jobs.size(); ++k) {
            QCOMPARE(parallel[k].centers.size(), std::size_t(4));
            for (std::size_t c = 0; c < 4; ++c) {
                QCOMPARE(parallel[k].centers[c].x, serial[k].centers[c].x);
                QCOMPARE(parallel[k].centers[c].y, serial[k].centers[c].y);
            }
        }
    }

    void overviewThenFullExpansion()
    {
        const auto model = makeSyntheticTransformer(400);
        GroupTree tree(*model->graph);
        LayoutCache cache;
        SceneBuilder builder(tree, cache);
        const auto overview = builder.build(SceneBuilder::initialExpansion(tree));
        QVERIFY(overview);
        // 400 collapsed blocks plus the input and the output.
        QCOMPARE(overview->items.size(), std::size_t(402));
        int groups = 0;
        for (const auto& it : overview->items)
            groups += it.kind == Scene::ItemKind::CollapsedGroup;
        QCOMPARE(groups, 400);
        QVERIFY(overview->frames.empty());

        const auto full = builder.build(SceneBuilder::allExpanded(tree));
        std::set<Id> drawn;
        for (const auto& it : full->items)
            if (it.kind == Scene::ItemKind::Operation)
                drawn.insert(it.nodeId);
        QCOMPARE(drawn.size(), model->graph->nodes().size());
        QVERIFY(!full->frames.empty());
        // Every item lies inside the scene, and inside its frame's bounds.
        for (const auto& it : full->items)
            QVERIFY(full->bounds.united(it.rect) == full->bounds);
        // Identical blocks: a handful of Graphviz runs, not hundreds.
        QVERIFY2(builder.graphvizRuns() < 10, qPrintable(QString::number(builder.graphvizRuns())));

        // Expanding one block in place only adds that block's insides.
        auto open = SceneBuilder::initialExpansion(tree);
        open[static_cast<std::size_t>(tree.group(0).children[5])] = true;
        const auto one = builder.build(open);
        QCOMPARE(one->frames.size(), std::size_t(1));
        QVERIFY(one->items.size() > overview->items.size());
    }

    void cachedLayoutsRunNoGraphviz()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto model = FormatRegistry::instance().open(test::corpusDir() / "pytorch-export" / "squeezenet1_1.onnx");
        QTemporaryDir dir;
        const auto file = std::filesystem::path(dir.path().toStdString()) / "cache.layout";
        GroupTree tree(*model->graph);
        {
            LayoutCache cache(file);
            SceneBuilder builder(tree, cache);
            const auto scene = builder.build(SceneBuilder::allExpanded(tree));
            QVERIFY(builder.graphvizRuns() > 0);
            cache.save();
        }
        LayoutCache reopened(file);
        QVERIFY(reopened.size() > 0);
        SceneBuilder again(tree, reopened);
        const auto scene = again.build(SceneBuilder::allExpanded(tree));
        QCOMPARE(again.graphvizRuns(), std::size_t(0));
        QCOMPARE(scene->findItemByNode(model->graph->nodes().front()->id()) >= 0, true);

        // A damaged cache file is ignored, not trusted.
        std::ofstream(file, std::ios::binary | std::ios::trunc) << "NODUSLC1 garbage";
        LayoutCache damaged(file);
        QCOMPARE(damaged.size(), std::size_t(0));
    }

    void cancelStopsTheBuild()
    {
        const auto model = makeSyntheticTransformer(50);
        GroupTree tree(*model->graph);
        LayoutCache cache;
        SceneBuilder builder(tree, cache);
        std::atomic<bool> cancel{true};
        QVERIFY(!builder.build(SceneBuilder::allExpanded(tree), &cancel));
        cancel = false;
        QVERIFY(builder.build(SceneBuilder::allExpanded(tree), &cancel));
    }

    void shapesAreInferredForLabels()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        auto model = FormatRegistry::instance().open(test::corpusDir() / "pytorch-export" / "squeezenet1_1.onnx");
        QVERIFY(inferOnnxShapes(*model) > 40);
        const Node* conv = model->graph->nodes().front().get();
        for (const auto& n : model->graph->nodes())
            if (n->opType == "Conv") {
                conv = n.get();
                break;
            }
        const Value* out = conv->outputs().front();
        QVERIFY(out->typeInferred);
        QCOMPARE(QString::fromStdString(out->type.toString()), QString("float32[1,64,111,111]"));
        GroupTree tree(*model->graph);
        LayoutCache cache;
        const auto scene = SceneBuilder(tree, cache).build(SceneBuilder::allExpanded(tree));
        bool labelled = false;
        for (const auto& e : scene->edges)
            labelled |= e.label == "1\u00d764\u00d7111\u00d7111";
        QVERIFY(labelled);
    }

    void subgraphsLayOut()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto model = FormatRegistry::instance().open(test::corpusDir() / "onnx" / "node_test_if.onnx");
        const Node* node = model->graph->nodes().front().get();
        QCOMPARE(QString::fromStdString(node->opType), QString("If"));
        const Graph& body = *node->attribute("then_branch")->graphs.front();
        GroupTree tree(body);
        LayoutCache cache;
        const auto scene = SceneBuilder(tree, cache).build(SceneBuilder::allExpanded(tree));
        QVERIFY(scene && !scene->items.empty());
        // The branch reads nothing from outside, and its output is drawn.
        int outputs = 0;
        for (const auto& it : scene->items)
            outputs += it.kind == Scene::ItemKind::GraphOutput;
        QCOMPARE(outputs, static_cast<int>(body.outputs.size()));
    }
};

QTEST_GUILESS_MAIN(TestLayout)
#include "test_layout.moc"
