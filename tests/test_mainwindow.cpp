// MainWindow end to end, offscreen: open the sample, check the outline
// matches the model, and check a bad file leaves the open model alone.
#include "mainwindow.h"
#include "modeloutline.h"
#include "modeloutlinemodel.h"
#include "modelpropertiespanel.h"
#include "recentfiles.h"

#include "formats/formatregistry.h"
#include "ir/model.h"

#include <QAbstractItemModelTester>
#include <QMessageBox>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryFile>
#include <QtTest>

using namespace nodus;

namespace {

const QString kSample = QStringLiteral(NODUS_SOURCE_DIR "/resources/samples/sample.onnx");
constexpr int kLoadTimeoutMs = 20000;

QtMessageHandler defaultHandler = nullptr;

// The offscreen platform warns on every dialog that it cannot resize a
// native window; that says nothing about Nodus and buries real failures.
void quietHandler(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    if (message.contains(QLatin1String("does not support propagateSizeHints")))
        return;
    defaultHandler(type, context, message);
}

QModelIndex topLevelRow(const QAbstractItemModel* model, const QString& name)
{
    for (int r = 0; r < model->rowCount(); ++r)
        if (model->index(r, 0).data().toString() == name)
            return model->index(r, 0);
    return {};
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void opensSample();
    void badFileKeepsModel();
    void builtInSample();
    void recentFilesSkipMissing();
};

void TestMainWindow::initTestCase()
{
    // Keep the developer's own window layout and recent files out of this.
    defaultHandler = qInstallMessageHandler(quietHandler);
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("Nodus"));
    QCoreApplication::setApplicationName(QStringLiteral("NodusTest"));
    QSettings().clear();
    QVERIFY2(QFileInfo::exists(kSample), qPrintable(kSample + " is missing: run tools/make_sample_model.py"));
}

void TestMainWindow::opensSample()
{
    const auto expected = FormatRegistry::instance().open(kSample.toStdString());
    const int expectedNodes = int(expected->graph->nodes().size());
    QVERIFY(expectedNodes > 0);

    MainWindow w;
    w.show();
    // Checks the hand-written tree model's invariants on every change.
    QAbstractItemModelTester tester(w.outline()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy opened(&w, &MainWindow::modelOpened);
    w.openFile(kSample);
    QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kLoadTimeoutMs);
    QVERIFY(!w.isLoading());
    QVERIFY(w.model());

    const QAbstractItemModel* outline = w.outline()->model();
    const QModelIndex nodes = topLevelRow(outline, QStringLiteral("Nodes"));
    QVERIFY(nodes.isValid());
    QCOMPARE(outline->rowCount(nodes), expectedNodes);
    QVERIFY(topLevelRow(outline, QStringLiteral("Inputs")).isValid());
    QVERIFY(topLevelRow(outline, QStringLiteral("Outputs")).isValid());
    QCOMPARE(
        outline->rowCount(topLevelRow(outline, QStringLiteral("Tensors"))), int(expected->graph->initializers.size()));

    // The first node reads as the file has it: name, op type, then its edges
    // and attributes underneath.
    const auto& first = *expected->graph->nodes().front();
    const QModelIndex firstNode = outline->index(0, 0, nodes);
    QCOMPARE(firstNode.data().toString(), QString::fromStdString(first.name));
    QCOMPARE(firstNode.siblingAtColumn(ModelOutlineModel::TypeColumn).data().toString(),
        QString::fromStdString(first.opType));
    QCOMPARE(
        outline->rowCount(firstNode), int(first.inputs().size() + first.outputs().size() + first.attributes.size()));
    QCOMPARE(outline->index(0, 0, firstNode).data().toString(), QString::fromStdString(first.inputs()[0]->name()));

    QVERIFY2(w.windowTitle().contains(QStringLiteral("sample.onnx")), qPrintable(w.windowTitle()));
    QCOMPARE(w.propertiesPanel()->fieldText(QStringLiteral("Nodes")), QLocale().toString(expectedNodes));
    QVERIFY(w.lastError().isEmpty());
}

void TestMainWindow::badFileKeepsModel()
{
    MainWindow w;
    w.show();
    QSignalSpy opened(&w, &MainWindow::modelOpened);
    QSignalSpy failed(&w, &MainWindow::openFailed);
    w.openFile(kSample);
    QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kLoadTimeoutMs);
    const auto before = w.model();
    const QString title = w.windowTitle();
    const QModelIndex nodes = topLevelRow(w.outline()->model(), QStringLiteral("Nodes"));
    const int nodeRows = w.outline()->model()->rowCount(nodes);

    QTemporaryFile garbage(QDir::tempPath() + QStringLiteral("/nodus-garbage-XXXXXX.onnx"));
    QVERIFY(garbage.open());
    garbage.write("this is not a model, just some text that no reader claims\n");
    garbage.close();

    w.openFile(garbage.fileName());
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kLoadTimeoutMs);
    QCOMPARE(opened.count(), 1);

    // The error names the file, is shown to the user, and changed nothing.
    QVERIFY2(w.lastError().contains(QFileInfo(garbage.fileName()).fileName()), qPrintable(w.lastError()));
    QMessageBox* box = nullptr;
    QTRY_VERIFY((box = w.findChild<QMessageBox*>(QStringLiteral("openErrorBox"))) && box->isVisible());
    QCOMPARE(box->text(), w.lastError());
    QCOMPARE(w.model(), before);
    QCOMPARE(w.windowTitle(), title);
    QCOMPARE(w.outline()->model()->rowCount(topLevelRow(w.outline()->model(), QStringLiteral("Nodes"))), nodeRows);
    box->close();
}

void TestMainWindow::builtInSample()
{
    MainWindow w;
    QSignalSpy opened(&w, &MainWindow::modelOpened);
    w.openSample();
    QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kLoadTimeoutMs);
    // "[*]" is where Qt shows the unsaved-changes marker; unmodified, it shows nothing.
    QCOMPARE(w.windowTitle(), QStringLiteral("sample.onnx[*] — Nodus"));
    QVERIFY(!w.isWindowModified());
    w.closeModel();
    QVERIFY(!w.model());
    QCOMPARE(w.windowTitle(), QStringLiteral("Nodus"));
    QCOMPARE(w.outline()->model()->rowCount(), 0);
}

void TestMainWindow::recentFilesSkipMissing()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString kept = dir.filePath(QStringLiteral("kept.onnx"));
    const QString gone = dir.filePath(QStringLiteral("gone.onnx"));
    QVERIFY(QFile::copy(kSample, kept));
    QVERIFY(QFile::copy(kSample, gone));

    QSettings().remove(QStringLiteral("recentFiles"));
    MainWindow w;
    QSignalSpy opened(&w, &MainWindow::modelOpened);
    w.openFile(gone);
    QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kLoadTimeoutMs);
    w.openFile(kept);
    QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 2, kLoadTimeoutMs);
    QCOMPARE(QSettings().value(QStringLiteral("recentFiles")).toStringList(), (QStringList { kept, gone }));

    QVERIFY(QFile::remove(gone));
    QCOMPARE(RecentFiles().files(), QStringList { kept });
    QCOMPARE(QSettings().value(QStringLiteral("recentFiles")).toStringList(), QStringList { kept });

    w.openSample(); // the sample's temporary copy is never remembered
    QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 3, kLoadTimeoutMs);
    QCOMPARE(RecentFiles().files(), QStringList { kept });
}

QTEST_MAIN(TestMainWindow)
#include "test_mainwindow.moc"
