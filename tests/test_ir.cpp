#include "ir/attribute.h"
#include "ir/datatype.h"
#include "ir/graph.h"
#include "ir/model.h"
#include "ir/modelcompare.h"
#include "ir/ownedtensordata.h"
#include "ir/shape.h"

#include <QtTest>

#include <set>

using namespace nodus;

class TestIr : public QObject {
    Q_OBJECT

private slots:
    void dataTypeSizes()
    {
        QCOMPARE(dataTypeBits(DataType::Float), 32);
        QCOMPARE(dataTypeBits(DataType::BFloat16), 16);
        QCOMPARE(dataTypeBits(DataType::Float8E5M2), 8);
        QCOMPARE(dataTypeBits(DataType::Int4), 4);
        QCOMPARE(*storageBytes(DataType::Int4, 5), std::uint64_t(3));
        QCOMPARE(*storageBytes(DataType::Float16, 7), std::uint64_t(14));
        QVERIFY(!storageBytes(DataType::String, 3));
        // A size field can never turn into a huge allocation through overflow.
        QVERIFY(!storageBytes(DataType::Double, std::numeric_limits<std::uint64_t>::max() / 2));
        QVERIFY(!elementCount({1ll << 40, 1ll << 40}));
        QVERIFY(!elementCount({-1}));
        QCOMPARE(dataTypeName(DataType::Float8E4M3FN), std::string_view("float8e4m3fn"));
        QCOMPARE(*dataTypeFromName("bfloat16"), DataType::BFloat16);
    }

    void shapes()
    {
        Shape s;
        QCOMPARE(QString::fromStdString(s.toString()), QString("?"));
        s.rankKnown = true;
        s.dims = {Dim::symbolic("batch"), Dim::known(3), Dim{}};
        QCOMPARE(QString::fromStdString(s.toString()), QString("[batch,3,?]"));
        QVERIFY(!s.elementCount());
        QCOMPARE(*Shape::of({2, 3, 4}).elementCount(), std::uint64_t(24));
        QCOMPARE(QString::fromStdString(ValueType::tensor(DataType::Float, Shape::of({1, 3})).toString()),
                 QString("float32[1,3]"));
    }

    void wiringKeepsProducersAndUsers()
    {
        Graph g("g");
        Value* x = g.value("x");
        g.inputs.push_back(x);
        Node* relu = g.addNode("Relu", "relu");
        g.addInput(relu, x);
        g.addOutput(relu, g.value("y"));
        Node* neg = g.addNode("Neg", "neg");
        g.addInput(neg, g.value("y"));
        g.addOutput(neg, g.value("z"));

        QCOMPARE(g.findValue("y")->producer(), relu);
        QCOMPARE(g.findValue("y")->users().size(), std::size_t(1));
        QCOMPARE(g.findValue("y")->users()[0].node, neg);
        // Rewiring moves the use from one value to the other.
        g.setInput(neg, 0, x);
        QVERIFY(g.findValue("y")->users().empty());
        QCOMPARE(x->users().size(), std::size_t(2));
        QVERIFY_THROWS_EXCEPTION(std::exception, g.setInput(neg, 3, x));
        QCOMPARE(g.findNode("neg"), neg);
        QCOMPARE(g.nodeById(neg->id()), neg);
        QCOMPARE(g.valueById(x->id()), x);
    }

    void idsAreUniqueAndStable()
    {
        Graph g;
        std::set<Id> ids;
        for (int k = 0; k < 100; ++k) {
            Node* n = g.addNode("Op");
            QVERIFY(ids.insert(n->id()).second);
            QVERIFY(ids.insert(g.value("v" + std::to_string(k))->id()).second);
        }
        const Id first = g.nodes().front()->id();
        g.addNode("Later");
        QCOMPARE(g.nodes().front()->id(), first);
    }

    void subgraphsAreCounted()
    {
        Graph g;
        Node* n = g.addNode("If");
        Attribute then;
        then.name = "then_branch";
        then.type = AttributeType::Graph;
        auto body = std::make_shared<Graph>("then", &g);
        Node* inner = body->addNode("Loop");
        Attribute loopBody;
        loopBody.type = AttributeType::Graph;
        loopBody.graphs.push_back(std::make_shared<Graph>("body", body.get()));
        inner->attributes.push_back(loopBody);
        then.graphs.push_back(body);
        n->attributes.push_back(then);
        QCOMPARE(g.subgraphCount(), std::size_t(2));
        QCOMPARE(QString::fromStdString(n->attributes[0].valueText()), QString("<graph then>"));
    }

    void attributeText()
    {
        Attribute a;
        a.type = AttributeType::Ints;
        a.ints = {1, 2, 3};
        QCOMPARE(QString::fromStdString(a.valueText()), QString("[1, 2, 3]"));
        a.ints.assign(40, 7);
        QVERIFY(QString::fromStdString(a.valueText(4)).endsWith("... (40 items)]"));
    }

    void compareSeesTensorBytes()
    {
        auto make = [](std::byte b) {
            Model m;
            auto t = std::make_shared<Tensor>();
            t->name = "w";
            t->dataType = DataType::UInt8;
            t->dims = {2};
            t->data = std::make_shared<OwnedTensorData>(std::vector<std::byte>{std::byte{1}, b});
            m.graph->addInitializer(t);
            return m;
        };
        const Model a = make(std::byte{2});
        const Model b = make(std::byte{2});
        const Model c = make(std::byte{3});
        QVERIFY(compareModels(a, b).empty());
        const auto diffs = compareModels(a, c);
        QCOMPARE(diffs.size(), std::size_t(1));
        QVERIFY(QString::fromStdString(diffs[0]).contains("bytes differ"));
        QCOMPARE(a.parameterCount(), std::uint64_t(2));
    }
};

QTEST_GUILESS_MAIN(TestIr)
#include "test_ir.moc"
