#include "formats/formatregistry.h"
#include "ir/graphsearch.h"
#include "ir/model.h"
#include "util/error.h"

#include "testsupport.h"

#include <QtTest>

#include <set>

using namespace nodus;

namespace {

std::unique_ptr<Model> openCorpus(const std::string& relative)
{
    const auto path = nodus::test::corpusDir() / relative;
    if (!std::filesystem::exists(path))
        return nullptr;
    return FormatRegistry::instance().open(path);
}

std::size_t countKind(const std::vector<SearchHit>& hits, SearchHit::Kind kind)
{
    return std::size_t(std::count_if(hits.begin(), hits.end(), [kind](const SearchHit& h) { return h.kind == kind; }));
}

} // namespace

class TestGraphSearch : public QObject {
    Q_OBJECT

private slots:
    void opTypeFindsEveryConv()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        auto model = openCorpus("pytorch-export/squeezenet1_1.onnx");
        QVERIFY(model);
        const Graph& g = *model->graph;
        std::size_t convs = 0;
        for (const auto& n : g.nodes())
            convs += n->opType == "Conv";
        QVERIFY(convs > 20);

        const auto hits = searchGraph(g, "Conv", SearchMode::OpType);
        QCOMPARE(hits.size(), convs);
        for (const auto& h : hits) {
            QCOMPARE(h.kind, SearchHit::Node);
            QCOMPARE(h.graph, &g);
            QVERIFY(h.graphPath.empty());
            const Node* n = g.nodeById(h.id);
            QVERIFY(n);
            QCOMPARE(QString::fromStdString(n->opType), QString("Conv"));
            QCOMPARE(h.name, n->name);
            QCOMPARE(h.detail, std::string("Conv"));
        }
        // Case does not matter, but the whole op type must match.
        QCOMPARE(searchGraph(g, "conv", SearchMode::OpType).size(), convs);
        QCOMPARE(searchGraph(g, "Con", SearchMode::OpType).size(), std::size_t(0));
        QCOMPARE(searchGraph(g, "Conv", SearchMode::OpType, 5).size(), std::size_t(5));
    }

    void textFindsNodesValuesAndTensors()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        auto model = openCorpus("pytorch-export/squeezenet1_1.onnx");
        QVERIFY(model);
        const Graph& g = *model->graph;
        QVERIFY(!g.initializers.empty());

        // A weight's name finds it as a tensor, with the id of its value.
        const auto& weight = g.initializers.front();
        auto hits = searchGraph(g, weight->name, SearchMode::Text);
        auto it
            = std::find_if(hits.begin(), hits.end(), [&](const SearchHit& h) { return h.kind == SearchHit::Tensor; });
        QVERIFY(it != hits.end());
        QCOMPARE(it->name, weight->name);
        QCOMPARE(it->id, g.findValue(weight->name)->id());
        QVERIFY(QString::fromStdString(it->detail)
                    .startsWith(QString::fromStdString(std::string(dataTypeName(weight->dataType)))));
        // ... once, not again as a value.
        for (const auto& h : hits)
            QVERIFY(!(h.kind == SearchHit::Value && h.name == weight->name));

        // Case-insensitive substring over op types: every Relu node at least.
        std::size_t relus = 0;
        for (const auto& n : g.nodes())
            relus += n->opType == "Relu";
        hits = searchGraph(g, "rElU", SearchMode::Text);
        QVERIFY(countKind(hits, SearchHit::Node) >= relus);

        // A graph output is a value that text search finds.
        QVERIFY(!g.outputs.empty());
        hits = searchGraph(g, g.outputs.front()->name(), SearchMode::Text);
        QVERIFY(std::any_of(hits.begin(), hits.end(),
            [&](const SearchHit& h) { return h.kind == SearchHit::Value && h.id == g.outputs.front()->id(); }));

        QVERIFY(searchGraph(g, "", SearchMode::Text).empty());
        QVERIFY(searchGraph(g, "   ", SearchMode::Text).empty());
        QVERIFY(searchGraph(g, "no such thing anywhere", SearchMode::Text).empty());
    }

    void regexFindsAScope()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        auto model = openCorpus("pytorch-export/squeezenet1_1.onnx");
        QVERIFY(model);
        const Graph& g = *model->graph;
        std::set<Id> expected;
        for (const auto& n : g.nodes())
            if (n->name.rfind("/features/features.3/", 0) == 0)
                expected.insert(n->id());
        QVERIFY2(expected.size() >= 4, "squeezenet's features.3 is a Fire module");

        const auto hits = searchGraph(g, "^/features/features\\.3/", SearchMode::Regex);
        std::set<Id> found;
        for (const auto& h : hits)
            if (h.kind == SearchHit::Node)
                found.insert(h.id);
        QCOMPARE(found, expected);
        // The dot is escaped: features.30 or features_3 would not match.
        for (const auto& h : hits)
            QVERIFY(QString::fromStdString(h.name).startsWith("/features/features.3/"));

        // ECMAScript with icase.
        QCOMPARE(searchGraph(g, "^/FEATURES/features\\.3/", SearchMode::Regex).size(), hits.size());
        // Op types are searched too.
        QCOMPARE(countKind(searchGraph(g, "^maxpool$", SearchMode::Regex), SearchHit::Node),
            std::size_t(std::count_if(
                g.nodes().begin(), g.nodes().end(), [](const auto& n) { return n->opType == "MaxPool"; })));
    }

    void badRegexThrowsWithReason()
    {
        Graph g("g");
        g.addNode("Relu", "relu");
        try {
            searchGraph(g, "features[", SearchMode::Regex);
            QFAIL("a bad regex should throw");
        } catch (const Error& e) {
            const QString message = QString::fromUtf8(e.what());
            QVERIFY2(message.startsWith("invalid regular expression: "), e.what());
            QVERIFY2(message.size() > QString("invalid regular expression: ").size(), e.what());
        }
        QVERIFY_THROWS_EXCEPTION(Error, searchGraph(g, "(", SearchMode::Regex));
        // Text mode takes the same characters literally.
        QVERIFY(searchGraph(g, "(", SearchMode::Text).empty());
    }

    void hitsInsideIfBodies()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        auto model = openCorpus("onnx/node_test_if.onnx");
        QVERIFY(model);
        const Graph& g = *model->graph;
        QCOMPARE(g.nodes().size(), std::size_t(1));
        const Node& ifNode = *g.nodes().front();
        QCOMPARE(QString::fromStdString(ifNode.opType), QString("If"));
        const std::string segment = graphPathSegment(g, 0);
        QCOMPARE(segment, ifNode.name.empty() ? std::string("If_0") : ifNode.name);

        const Attribute* thenBranch = ifNode.attribute("then_branch");
        const Attribute* elseBranch = ifNode.attribute("else_branch");
        QVERIFY(thenBranch && !thenBranch->graphs.empty());
        QVERIFY(elseBranch && !elseBranch->graphs.empty());
        const Graph& thenGraph = *thenBranch->graphs.front();
        QVERIFY(!thenGraph.nodes().empty());
        const Node& inner = *thenGraph.nodes().front();

        // Every node of the body shows up under an op type search with its
        // path; the outer If has none.
        const auto hits = searchGraph(g, inner.opType, SearchMode::OpType);
        auto it = std::find_if(hits.begin(), hits.end(), [&](const SearchHit& h) { return h.id == inner.id(); });
        QVERIFY(it != hits.end());
        QCOMPARE(it->graph, &thenGraph);
        QCOMPARE(QString::fromStdString(it->graphPath), QString::fromStdString(segment + "/then_branch"));
        QCOMPARE(thenGraph.nodeById(it->id), &inner);

        // The outer node itself is in the main graph.
        const auto ifHits = searchGraph(g, "If", SearchMode::OpType);
        QCOMPARE(ifHits.size(), std::size_t(1));
        QVERIFY(ifHits.front().graphPath.empty());
        QCOMPARE(ifHits.front().graph, &g);

        // Both branches are searched, each with its own path.
        std::set<std::string> paths;
        for (const auto& h : searchGraph(g, ".", SearchMode::Regex))
            paths.insert(h.graphPath);
        QVERIFY(paths.count(segment + "/then_branch"));
        QVERIFY(paths.count(segment + "/else_branch"));
    }

    void syntheticNestedPaths()
    {
        // Loop body holding an If: paths nest, unnamed nodes get op type and
        // position.
        Graph g("main");
        g.addNode("Add", "first");
        Node* loop = g.addNode("Loop");
        Attribute body;
        body.name = "body";
        body.type = AttributeType::Graph;
        body.graphs.push_back(std::make_shared<Graph>("body", &g));
        Graph& bodyGraph = *body.graphs.front();
        Node* cond = bodyGraph.addNode("If", "cond");
        Attribute thenBranch;
        thenBranch.name = "then_branch";
        thenBranch.type = AttributeType::Graph;
        thenBranch.graphs.push_back(std::make_shared<Graph>("then", &bodyGraph));
        Node* deep = thenBranch.graphs.front()->addNode("Relu", "deep_relu");
        cond->attributes.push_back(std::move(thenBranch));
        loop->attributes.push_back(std::move(body));

        const auto hits = searchGraph(g, "deep", SearchMode::Text);
        QCOMPARE(hits.size(), std::size_t(1));
        QCOMPARE(hits.front().id, deep->id());
        QCOMPARE(QString::fromStdString(hits.front().graphPath), QString("Loop_1/body/cond/then_branch"));
        QCOMPARE(searchGraph(g, "relu", SearchMode::OpType).size(), std::size_t(1));
    }
};

QTEST_GUILESS_MAIN(TestGraphSearch)
#include "test_graphsearch.moc"
