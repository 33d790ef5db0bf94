// read -> write -> read gives an equal model, and an unedited model saves
// byte for byte as it came: for every ONNX corpus file and for the ONNX
// backend node test suite (generated at test time with python3-onnx).
#include "testsupport.h"

#include "formats/formatregistry.h"
#include "ir/model.h"
#include "ir/modelcompare.h"

#include <QProcess>
#include <QTemporaryDir>

#include <fstream>
#include <iterator>

using namespace nodus;

namespace {

using test::readAll;

std::filesystem::path nodeSuiteDir()
{
    return test::binaryDir() / "nodetests";
}

} // namespace

class TestOnnxRoundTrip : public QObject {
    Q_OBJECT

    QTemporaryDir out_;
    std::vector<std::filesystem::path> nodeSuite_;

    void roundTrip(const std::filesystem::path& file, bool expectIdenticalBytes)
    {
        const auto target = std::filesystem::path(out_.path().toStdString()) / file.filename();
        std::unique_ptr<Model> a, b;
        try {
            a = FormatRegistry::instance().open(file);
            FormatRegistry::instance().save(*a, target, "onnx");
            b = FormatRegistry::instance().open(target);
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
        const auto diffs = compareModels(*a, *b);
        QVERIFY2(diffs.empty(), diffs.empty() ? "" : diffs.front().c_str());
        if (expectIdenticalBytes)
            QVERIFY2(readAll(file) == readAll(target), "saved bytes differ from the original");
        std::filesystem::remove(target);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(out_.isValid());
        // Generated once into the build folder; the script is idempotent.
        QProcess gen;
        gen.start(QString::fromStdString((test::sourceDir() / "tools" / "gen_node_tests.sh").string()),
            { QString::fromStdString(nodeSuiteDir().string()) });
        QVERIFY2(gen.waitForFinished(600000), "tools/gen_node_tests.sh did not finish");
        QVERIFY2(gen.exitCode() == 0, qPrintable(QString::fromUtf8(gen.readAllStandardError())));
        for (const auto& entry : std::filesystem::directory_iterator(nodeSuiteDir() / "node"))
            if (std::filesystem::exists(entry.path() / "model.onnx"))
                nodeSuite_.push_back(entry.path() / "model.onnx");
        std::sort(nodeSuite_.begin(), nodeSuite_.end());
        // onnx 1.12's generator writes 922 node tests.
        QVERIFY2(nodeSuite_.size() >= 900, qPrintable(QString("only %1 node tests").arg(nodeSuite_.size())));
    }

    void corpus_data()
    {
        QTest::addColumn<QString>("file");
        for (const auto& f : test::onnxCorpusFiles())
            QTest::newRow(f.filename().string().c_str()) << QString::fromStdString(f.string());
    }

    void corpus()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QFETCH(QString, file);
        const std::filesystem::path path = file.toStdString();
        // External data is rewritten beside the output; only the
        // self-contained files are expected to come back byte-identical.
        const bool external = path.filename().string().find("external") != std::string::npos;
        roundTrip(path, !external);
    }

    void nodeSuite()
    {
        // One row per model would make 922 rows of noise; report the first failure instead.
        std::size_t done = 0;
        for (const auto& file : nodeSuite_) {
            roundTrip(file, true);
            if (QTest::currentTestFailed()) {
                qWarning() << "node test model failing:" << file.string().c_str();
                return;
            }
            ++done;
        }
        QCOMPARE(done, nodeSuite_.size());
    }
};

QTEST_GUILESS_MAIN(TestOnnxRoundTrip)
#include "test_onnx_roundtrip.moc"
