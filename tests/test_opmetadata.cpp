#include "ir/opmetadata.h"
#include "util/error.h"

#include <QtTest>

#include <algorithm>
#include <thread>

using namespace nodus;

namespace {

QString qs(std::string_view s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

} // namespace

class TestOpMetadata : public QObject {
    Q_OBJECT

private slots:
    void convSchema()
    {
        const auto& meta = OpMetadata::onnx();
        const OpInfo* conv = meta.find("", "Conv");
        QVERIFY(conv);
        QCOMPARE(qs(conv->name), QString("Conv"));
        QCOMPARE(conv->sinceVersion, std::int64_t(11)); // libonnx 1.12: Conv-1, Conv-11
        QCOMPARE(qs(conv->category), QString("Layer"));
        QVERIFY(!conv->description.empty());
        for (const char* name : { "kernel_shape", "pads", "strides", "group", "dilations", "auto_pad" })
            QVERIFY2(conv->attribute(name), name);

        const auto* group = conv->attribute("group");
        QCOMPARE(group->type, AttributeType::Int);
        QVERIFY(!group->required);
        QVERIFY(group->hasDefault);
        QCOMPARE(qs(group->defaultText), QString("1"));
        QVERIFY(!conv->attribute("kernel_shape")->hasDefault);
        QCOMPARE(conv->attribute("kernel_shape")->type, AttributeType::Ints);
        QCOMPARE(qs(conv->attribute("auto_pad")->defaultText), QString("'NOTSET'"));
        QVERIFY(std::is_sorted(conv->attributes.begin(), conv->attributes.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; }));

        QCOMPARE(conv->inputs.size(), std::size_t(3));
        QCOMPARE(qs(conv->inputs[0].name), QString("X"));
        QCOMPARE(qs(conv->inputs[0].type), QString("T"));
        QCOMPARE(conv->inputs[2].option, OpPortOption::Optional);
        QCOMPARE(conv->minInput, 2);
        QCOMPARE(conv->maxInput, 3);
        QCOMPARE(conv->outputs.size(), std::size_t(1));
        QCOMPARE(qs(conv->outputs[0].name), QString("Y"));
        QCOMPARE(conv->typeConstraints.size(), std::size_t(1));
        QCOMPARE(qs(conv->typeConstraints[0].name), QString("T"));
        const auto& allowed = conv->typeConstraints[0].allowed;
        QVERIFY(std::find(allowed.begin(), allowed.end(), "tensor(float)") != allowed.end());
    }

    void categories()
    {
        const auto& meta = OpMetadata::onnx();
        QCOMPARE(qs(meta.category("", "Relu")), QString("Activation"));
        QCOMPARE(qs(meta.category("", "MaxPool")), QString("Pool"));
        QCOMPARE(qs(meta.category("", "BatchNormalization")), QString("Normalization"));
        QCOMPARE(qs(meta.category("", "Reshape")), QString("Shape"));
        QCOMPARE(qs(meta.category("", "Concat")), QString("Tensor"));
        QCOMPARE(qs(meta.category("", "Constant")), QString("Data"));
        QCOMPARE(qs(meta.category("", "QuantizeLinear")), QString("Quantization"));
        QCOMPARE(qs(meta.category("", "If")), QString("Control"));
        QCOMPARE(qs(meta.category("", "Equal")), QString("Logic"));
        QCOMPARE(qs(meta.category("", "Dropout")), QString("Dropout"));
        QCOMPARE(qs(meta.category("", "Add")), QString());
        QCOMPARE(qs(meta.category("", "NoSuchOp")), QString());
    }

    void versionSelection()
    {
        const auto& meta = OpMetadata::onnx();
        // libonnx 1.12 has Resize-10, Resize-11 and Resize-13.
        const OpInfo* r10 = meta.find("", "Resize", 10);
        QVERIFY(r10);
        QCOMPARE(r10->sinceVersion, std::int64_t(10));
        QCOMPARE(meta.find("", "Resize", 12)->sinceVersion, std::int64_t(11));
        const OpInfo* r19 = meta.find("", "Resize", 19);
        QVERIFY(r19);
        QCOMPARE(r19->sinceVersion, std::int64_t(13));
        QVERIFY(r19 != r10);
        QCOMPARE(meta.find("", "Resize")->sinceVersion, std::int64_t(13));
        // A model claiming an opset older than the op still gets its oldest docs.
        QCOMPARE(meta.find("", "Resize", 7)->sinceVersion, std::int64_t(10));
        // Upsample-10 is the deprecated one.
        QVERIFY(meta.find("", "Upsample", 10)->deprecated);
        QVERIFY(!meta.find("", "Upsample", 9)->deprecated);
        // Float defaults read like the attribute a model stores (float32).
        QCOMPARE(
            qs(meta.find("", "BatchNormalization", 15)->attribute("epsilon")->defaultText), QString("1e-05"));
        QCOMPARE(meta.find("", "BatchNormalization", 15)->attribute("epsilon")->type, AttributeType::Float);
    }

    void unknownOps()
    {
        const auto& meta = OpMetadata::onnx();
        QVERIFY(!meta.find("", "NoSuchOp"));
        QVERIFY(!meta.find("com.example", "Conv"));
        QVERIFY(!meta.find("", ""));
        QVERIFY(!meta.find("", "conv")); // op types are case-sensitive
    }

    void domains()
    {
        const auto& meta = OpMetadata::onnx();
        QCOMPARE(meta.find("ai.onnx", "Conv", 9), meta.find("", "Conv", 9));
        QCOMPARE(meta.opNames("ai.onnx"), meta.opNames(""));
        QCOMPARE(qs(meta.category("ai.onnx", "Relu")), QString("Activation"));

        const OpInfo* tree = meta.find("ai.onnx.ml", "TreeEnsembleClassifier");
        QVERIFY(tree);
        QCOMPARE(qs(tree->domain), QString("ai.onnx.ml"));
        QVERIFY(tree->attribute("nodes_treeids"));
        QVERIFY(meta.find("ai.onnx.ml", "ZipMap"));
        QVERIFY(!meta.find("", "TreeEnsembleClassifier"));

        const auto names = meta.opNames("");
        QVERIFY2(names.size() > 150, qPrintable(QString::number(names.size())));
        QVERIFY(std::is_sorted(names.begin(), names.end()));
        QVERIFY(std::adjacent_find(names.begin(), names.end()) == names.end());
        QVERIFY(std::binary_search(names.begin(), names.end(), "Conv"));
        QVERIFY(meta.opNames("ai.onnx.ml").size() >= 18);
        QVERIFY(meta.opNames("no.such.domain").empty());

        const auto domains = meta.domains();
        QVERIFY(std::find(domains.begin(), domains.end(), "") != domains.end());
        QVERIFY(std::find(domains.begin(), domains.end(), "ai.onnx.ml") != domains.end());
        QVERIFY(std::find(domains.begin(), domains.end(), "ai.onnx") == domains.end());
    }

    void onceAcrossThreads()
    {
        // Every thread gets the same instance; no second parse, no race.
        const OpMetadata* seen[4] = {};
        std::vector<std::thread> threads;
        for (auto& s : seen)
            threads.emplace_back([&s] { s = &OpMetadata::onnx(); });
        for (auto& t : threads)
            t.join();
        for (auto* s : seen)
            QCOMPARE(s, &OpMetadata::onnx());
    }

    void handWrittenFile()
    {
        // The schema other formats use for their own op sets: fields may be
        // left out, arities follow from the ports.
        const auto meta = OpMetadata::fromJson(R"([
            {"name": "Plus", "category": "", "inputs": [{"name": "a"}, {"name": "b"}], "outputs": [{"name": "y"}]},
            {"name": "Pooling", "since_version": 2, "category": "Pool",
             "attributes": [{"name": "strides", "type": "ints", "default": [1, 1]},
                            {"name": "mode", "type": "string", "default": "max"},
                            {"name": "alpha", "type": "float", "default": 0.5},
                            {"name": "ceil", "default": true}],
             "inputs": [{"name": "x"}, {"name": "rest", "option": "variadic"}]},
            {"name": "Pooling", "since_version": 1, "category": "Pool"}
        ])",
            "cntk-metadata.json");
        QCOMPARE(qs(meta.sourceName()), QString("cntk-metadata.json"));
        QCOMPARE(meta.ops().size(), std::size_t(3));
        const OpInfo* plus = meta.find("", "Plus", 5);
        QVERIFY(plus);
        QCOMPARE(plus->minInput, 2);
        QCOMPARE(plus->maxInput, 2);
        QCOMPARE(plus->maxOutput, 1);
        const OpInfo* pool = meta.find("", "Pooling");
        QCOMPARE(pool->sinceVersion, std::int64_t(2));
        QCOMPARE(meta.find("", "Pooling", 1)->sinceVersion, std::int64_t(1));
        QCOMPARE(qs(pool->attribute("strides")->defaultText), QString("[1, 1]"));
        QCOMPARE(qs(pool->attribute("mode")->defaultText), QString("'max'"));
        QCOMPARE(qs(pool->attribute("alpha")->defaultText), QString("0.5"));
        QCOMPARE(qs(pool->attribute("ceil")->defaultText), QString("1"));
        QCOMPARE(pool->attribute("ceil")->type, AttributeType::Undefined);
        QCOMPARE(pool->maxInput, std::numeric_limits<int>::max());
        QCOMPARE(pool->minInput, 1);
        QCOMPARE(meta.opNames(""), (std::vector<std::string> { "Plus", "Pooling" }));
    }

    void malformedFiles_data()
    {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("not json") << "[{\"name\": \"Conv\", "
                                  << "not valid JSON";
        QTest::newRow("empty") << ""
                               << "not valid JSON";
        QTest::newRow("object") << "{\"name\": \"Conv\"}"
                                << "array of ops";
        QTest::newRow("no name") << "[{\"category\": \"Layer\"}]"
                                 << "op #0";
        QTest::newRow("bad version") << "[{\"name\": \"Conv\", \"since_version\": \"9\"}]"
                                     << "(Conv)";
        QTest::newRow("bad type") << "[{\"name\": \"Conv\", \"attributes\": [{\"name\": \"g\", \"type\": \"int64\"}]}]"
                                  << "int64";
        QTest::newRow("bad default") << "[{\"name\": \"Conv\", \"attributes\": [{\"name\": \"g\", \"default\": {}}]}]"
                                     << "default";
        QTest::newRow("bad option") << "[{\"name\": \"Conv\", \"inputs\": [{\"name\": \"x\", \"option\": \"many\"}]}]"
                                    << "many";
        QTest::newRow("duplicate") << "[{\"name\": \"Conv\"}, {\"name\": \"Conv\"}]"
                                   << "twice";
    }

    void malformedFiles()
    {
        QFETCH(QString, json);
        QFETCH(QString, mentions);
        const std::string text = json.toStdString();
        try {
            OpMetadata::fromJson(text, "broken-ops.json");
            QFAIL("fromJson accepted a malformed file");
        } catch (const Error& e) {
            const QString message = QString::fromUtf8(e.what());
            QVERIFY2(message.contains("broken-ops.json"), qPrintable(message));
            QVERIFY2(message.contains(mentions), qPrintable(message));
        }
    }
};

QTEST_GUILESS_MAIN(TestOpMetadata)
#include "test_opmetadata.moc"
