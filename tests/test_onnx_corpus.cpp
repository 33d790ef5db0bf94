// Every ONNX file of the corpus opens, and the counts Nodus reports equal
// those of python onnx (Debian's python3-onnx, run at test time through
// tools/onnx_expect.py).
#include "testsupport.h"

#include "formats/formatregistry.h"
#include "ir/model.h"
#include "ir/modelsummary.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

using namespace nodus;

Q_DECLARE_METATYPE(std::string)

class TestOnnxCorpus : public QObject {
    Q_OBJECT

    QHash<QString, QJsonObject> expected_;

private slots:
    void initTestCase()
    {
        const auto files = test::onnxCorpusFiles();
        if (files.empty())
            return;
        QStringList args;
        for (const auto& f : files)
            args << QString::fromStdString(f.string());
        QProcess python;
        python.start(QString::fromStdString((test::sourceDir() / "tools" / "onnx_expect.py").string()), args);
        QVERIFY2(python.waitForFinished(300000), "tools/onnx_expect.py did not finish");
        QVERIFY2(python.exitCode() == 0, qPrintable("tools/onnx_expect.py failed (is python3-onnx installed?): "
                                                    + QString::fromUtf8(python.readAllStandardError())));
        for (const auto& line : python.readAllStandardOutput().split('\n')) {
            if (line.trimmed().isEmpty())
                continue;
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            expected_.insert(o.value("file").toString(), o);
        }
        QCOMPARE(expected_.size(), qsizetype(files.size()));
    }

    void countsMatchPythonOnnx_data()
    {
        QTest::addColumn<QString>("file");
        for (const auto& f : test::onnxCorpusFiles())
            QTest::newRow(f.filename().string().c_str()) << QString::fromStdString(f.string());
    }

    void countsMatchPythonOnnx()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QFETCH(QString, file);
        const QJsonObject want = expected_.value(file);
        QVERIFY2(!want.isEmpty(), "no expectation from python onnx");
        QVERIFY2(!want.contains("error"), qPrintable("python onnx cannot read it: " + want.value("error").toString()));

        std::unique_ptr<Model> model;
        try {
            model = FormatRegistry::instance().open(file.toStdString());
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
        const ModelSummary s = ModelSummary::of(*model);
        QCOMPARE(QString::fromStdString(s.format), QString("onnx"));
        QCOMPARE(QString::fromStdString(s.producer), want.value("producer").toString());
        QCOMPARE(s.irVersion, want.value("ir_version").toInteger());
        const QJsonObject opsets = want.value("opsets").toObject();
        QCOMPARE(s.opsets.size(), std::size_t(opsets.size()));
        for (const auto& [domain, version] : s.opsets)
            QCOMPARE(version, opsets.value(QString::fromStdString(domain)).toInteger(-1));
        const QJsonObject graph = want.value("graph").toObject();
        QCOMPARE(QString::fromStdString(s.graphName), graph.value("name").toString());
        QCOMPARE(qint64(s.nodes), graph.value("nodes").toInteger());
        QCOMPARE(qint64(s.inputs), graph.value("inputs").toInteger());
        QCOMPARE(qint64(s.outputs), graph.value("outputs").toInteger());
        QCOMPARE(qint64(s.subgraphs), want.value("subgraphs").toInteger());
        QCOMPARE(qint64(s.functions), want.value("functions").toInteger());
        QCOMPARE(qint64(s.tensors), want.value("tensors").toInteger());
        QCOMPARE(qint64(s.parameters), want.value("parameters").toInteger());
        QStringList ops;
        for (const auto& op : s.opTypes)
            ops << QString::fromStdString(op);
        QStringList wantOps;
        for (const auto& op : want.value("op_types").toArray())
            wantOps << op.toString();
        QCOMPARE(ops, wantOps);
    }

    // libonnx here is 1.12 (IR 8); the corpus has files up to IR 12 with
    // newer element types. They must open all the same.
    void newerThanLibonnxOpen()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        int newer = 0;
        for (const auto& f : test::onnxCorpusFiles()) {
            const auto model = FormatRegistry::instance().open(f);
            if (model->irVersion.value_or(0) > 8)
                ++newer;
        }
        QVERIFY2(newer >= 10, qPrintable(QString("only %1 corpus files newer than IR 8").arg(newer)));
    }

    void tensorsAreLazyViews()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto path = test::corpusDir() / "pytorch-export" / "squeezenet1_1.onnx";
        const auto model = FormatRegistry::instance().open(path);
        QVERIFY(!model->graph->initializers.empty());
        for (const auto& t : model->graph->initializers) {
            QVERIFY2(t->isMapped(), t->name.c_str());
            QCOMPARE(t->data->size(), *t->expectedBytes());
        }
    }
};

QTEST_GUILESS_MAIN(TestOnnxCorpus)
#include "test_onnx_corpus.moc"
