// nodus-cli as scripts use it: formats, info --json (fields and exit codes),
// convert, and errors that name the file.
#include "testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

namespace {

using Run = nodus::test::CliRun;
constexpr auto cli = &nodus::test::runCli;

} // namespace

class TestCli : public QObject {
    Q_OBJECT

private slots:
    void formatsListsTheRegistry()
    {
        const Run r = cli({"formats", "--json"});
        QCOMPARE(r.code, 0);
        const QJsonArray list = QJsonDocument::fromJson(r.out).array();
        QVERIFY(!list.isEmpty());
        bool onnx = false;
        for (const auto& f : list)
            onnx |= f.toObject().value("name").toString() == "onnx" && f.toObject().value("write").toBool();
        QVERIFY(onnx);
    }

    void infoJson()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const QString file = QString::fromStdString((nodus::test::corpusDir() / "pytorch-export" / "squeezenet1_1.onnx").string());
        const Run r = cli({"info", "--json", file});
        QCOMPARE(r.code, 0);
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o.value("file").toString(), file);
        QCOMPARE(o.value("format").toString(), QString("onnx"));
        QCOMPARE(o.value("producer").toString(), QString("pytorch"));
        QCOMPARE(o.value("ir_version").toInt(), 7);
        QCOMPARE(o.value("opsets").toObject().value("ai.onnx").toInt(), 13);
        QCOMPARE(o.value("graph").toObject().value("nodes").toInt(), 83);
        QCOMPARE(o.value("graph").toObject().value("inputs").toInt(), 1);
        QCOMPARE(o.value("graph").toObject().value("outputs").toInt(), 1);
        QCOMPARE(o.value("tensors").toInt(), 34);
        QCOMPARE(o.value("parameters").toInteger(), 1233288);
        QVERIFY(o.value("op_types").toArray().contains(QJsonValue("Conv")));
    }

    void infoErrorsNameTheFile()
    {
        QTemporaryDir dir;
        const QString junk = dir.filePath("junk.onnx");
        QFile f(junk);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("this is not a model at all");
        f.close();
        const Run r = cli({"info", "--json", junk});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(junk), qPrintable(r.err));
        const Run missing = cli({"info", dir.filePath("missing.onnx")});
        QCOMPARE(missing.code, 1);
        QVERIFY2(missing.err.contains("missing.onnx"), qPrintable(missing.err));
        QCOMPARE(cli({"info"}).code, 2);
        QCOMPARE(cli({"frobnicate"}).code, 2);
    }

    void convertReSaves()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QTemporaryDir dir;
        const QString in = QString::fromStdString((nodus::test::corpusDir() / "pytorch-export" / "lstm.onnx").string());
        const QString out = dir.filePath("lstm.onnx");
        QCOMPARE(cli({"convert", in, out}).code, 0);
        QFile a(in), b(out);
        QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
        QCOMPARE(a.readAll(), b.readAll());
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
