// Desktop integration in the GUI: drops on the Convert target and on the
// window, a second launch handing its files to the first, one window per
// model, File > Export > ONNX / Weights and dragging a tensor out.
#include "testsupport.h"

#include "convertpanel.h"
#include "dropoverlay.h"
#include "graphview.h"
#include "mainwindow.h"
#include "singleinstance.h"
#include "tensorview.h"
#include "windowmanager.h"

#include "formats/formatregistry.h"
#include "ir/model.h"
#include "util/npy.h"

#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QMimeData>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QLabel>
#include <QTest>
#include <QTreeWidget>
#include <QUrl>

#include <onnx/checker.h>

using namespace nodus;
namespace fs = std::filesystem;

namespace {

constexpr int kTimeoutMs = 60000;

QString samplePath()
{
    return QString::fromStdString((test::sourceDir() / "resources" / "samples" / "sample.onnx").string());
}

// Three models to convert: CNTK and MindIR ones from the corpus when it is
// there, else copies of the sample.
QStringList threeModels(const QTemporaryDir& dir)
{
    QStringList files;
    const fs::path corpus = test::corpusDir();
    if (!corpus.empty()) {
        files << QString::fromStdString((corpus / "cntk-v2" / "MNISTConvolution.model").string())
              << QString::fromStdString((corpus / "mindir" / "relu.mindir").string());
    } else {
        QFile::copy(samplePath(), dir.filePath(QStringLiteral("first.onnx")));
        QFile::copy(samplePath(), dir.filePath(QStringLiteral("second.onnx")));
        files << dir.filePath(QStringLiteral("first.onnx")) << dir.filePath(QStringLiteral("second.onnx"));
    }
    QFile::copy(samplePath(), dir.filePath(QStringLiteral("third.onnx")));
    files << dir.filePath(QStringLiteral("third.onnx"));
    return files;
}

QMimeData* urlsOf(const QStringList& files)
{
    auto* mime = new QMimeData;
    QList<QUrl> urls;
    for (const QString& f : files)
        urls << QUrl::fromLocalFile(f);
    mime->setUrls(urls);
    return mime;
}

// What a drag and drop delivers to `target` at `pos`.
void dropOn(QWidget* target, const QPoint& pos, const QStringList& files)
{
    std::unique_ptr<QMimeData> mime(urlsOf(files));
    QDragEnterEvent enter(pos, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &enter);
    QVERIFY(enter.isAccepted());
    QDragMoveEvent move(pos, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &move);
    QDropEvent drop(QPointF(pos), Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &drop);
    QVERIFY(drop.isAccepted());
}

// NODUS_SHOT_DIR=folder saves what the window looks like at that moment
// (the overlay, the result list), to look at by eye.
void shoot(QWidget& w, const char* name)
{
    const QString dir = qEnvironmentVariable("NODUS_SHOT_DIR");
    if (!dir.isEmpty())
        w.grab().save(QDir(dir).filePath(QString::fromLatin1(name) + QStringLiteral(".png")));
}

void checkOnnx(const QString& path)
{
    try {
        onnx::checker::check_model(path.toStdString());
    } catch (const std::exception& e) {
        QFAIL(qPrintable(path + QStringLiteral(": ") + QString::fromUtf8(e.what())));
    }
}

} // namespace

class TestDesktop : public QObject {
    Q_OBJECT
private slots:
    void dropOnConvertTargetWritesOnnxFiles()
    {
        QTemporaryDir dir;
        MainWindow w;
        w.show();
        ConvertPanel* panel = w.convertPanel();
        panel->setOutputDir(dir.filePath(QStringLiteral("out")));
        const QStringList files = threeModels(dir);
        QSignalSpy finished(panel, &ConvertPanel::batchFinished);
        dropOn(panel->dropZone(), panel->dropZone()->rect().center(), files);
        QVERIFY(finished.wait(kTimeoutMs));
        QCOMPARE(finished.first().at(0).toInt(), 3);
        QCOMPARE(finished.first().at(1).toInt(), 0);
        QCOMPARE(panel->results().size(), 3);
        for (const auto& r : panel->results()) {
            QVERIFY2(r.ok, qPrintable(r.source + QStringLiteral(": ") + r.message));
            QCOMPARE(QFileInfo(r.output).absolutePath(), QDir(dir.filePath(QStringLiteral("out"))).absolutePath());
            QCOMPARE(QFileInfo(r.output).completeBaseName(), QFileInfo(r.source).completeBaseName());
            checkOnnx(r.output);
            const auto reopened = FormatRegistry::instance().open(r.output.toStdString());
            QCOMPARE(reopened->format, std::string("onnx"));
            const auto source = FormatRegistry::instance().open(r.source.toStdString());
            QVERIFY(reopened->graph->nodes().size() >= 1);
            QCOMPARE(reopened->graph->outputs.size(), source->graph->outputs.size());
        }
        // One that fails, with its reason in the list.
        QFile junk(dir.filePath(QStringLiteral("broken.onnx")));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write("\x08\x07 not a model at all");
        junk.close();
        dropOn(panel->dropZone(), panel->dropZone()->rect().center(), { junk.fileName() });
        QVERIFY(finished.wait(kTimeoutMs));
        QCOMPARE(finished.at(1).at(1).toInt(), 1);
        QVERIFY(!panel->results().last().ok);
        QVERIFY(panel->results().last().message.contains(QStringLiteral("not a model file")));
        w.convertDock()->show();
        w.convertDock()->raise();
        auto* list = panel->findChild<QTreeWidget*>(QStringLiteral("convertResults"));
        list->setCurrentItem(list->topLevelItem(3));
        QVERIFY(panel->findChild<QLabel*>(QStringLiteral("convertDetails"))->text().contains(QStringLiteral("not a model file")));
        w.resize(1400, 900);
        shoot(w, "convert-results");
    }

    void dropOnWindowOffersOpenAndConvert()
    {
        QTemporaryDir dir;
        MainWindow w;
        w.resize(1200, 800);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        w.convertPanel()->setOutputDir(dir.filePath(QStringLiteral("converted")));
        QFile::copy(samplePath(), dir.filePath(QStringLiteral("m.onnx")));
        const QStringList files { dir.filePath(QStringLiteral("m.onnx")) };

        // Entering the window shows the overlay with its two targets.
        std::unique_ptr<QMimeData> mime(urlsOf(files));
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&w, &enter);
        QVERIFY(enter.isAccepted());
        DropOverlay* overlay = w.dropOverlay();
        QVERIFY(overlay->isVisible());
        QCOMPARE(overlay->size(), w.graphView()->size());
        const QPoint convertAt = overlay->targetRect(DropOverlay::Target::Convert).center();
        const QPoint openAt = overlay->targetRect(DropOverlay::Target::Open).center();
        QCOMPARE(overlay->targetAt(convertAt), DropOverlay::Target::Convert);
        QCOMPARE(overlay->targetAt(openAt), DropOverlay::Target::Open);
        QDragMoveEvent hover(convertAt, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(overlay, &hover);
        shoot(w, "drop-overlay");

        QSignalSpy finished(w.convertPanel(), &ConvertPanel::batchFinished);
        dropOn(overlay, convertAt, files);
        QVERIFY(!overlay->isVisible());
        QVERIFY(w.convertDock()->isVisible());
        QVERIFY(finished.wait(kTimeoutMs));
        QVERIFY(QFileInfo::exists(dir.filePath(QStringLiteral("converted/m.onnx"))));

        // The Open target hands the files to the window manager.
        QSignalSpy openRequested(&w, &MainWindow::openRequested);
        QApplication::sendEvent(&w, &enter);
        dropOn(overlay, openAt, files);
        QCOMPARE(openRequested.count(), 1);
        QCOMPARE(openRequested.first().at(0).toStringList(), files);
    }

    void secondLaunchForwardsItsFiles()
    {
        const QString name = QStringLiteral("nodus-test-%1").arg(QCoreApplication::applicationPid());
        SingleInstance first;
        QVERIFY2(first.listen(name), qPrintable(first.errorString()));
        QSignalSpy received(&first, &SingleInstance::filesReceived);

        QProcess second;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("NODUS_INSTANCE"), name);
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        second.setProcessEnvironment(env);
        second.start(QStringLiteral(NODUS_GUI_BINARY), { samplePath() });
        QVERIFY(second.waitForStarted());
        QVERIFY(received.wait(kTimeoutMs));
        QVERIFY(second.waitForFinished(kTimeoutMs));
        QCOMPARE(second.exitStatus(), QProcess::NormalExit);
        QCOMPARE(second.exitCode(), 0); // it handed over and quit, opening no window
        QCOMPARE(received.first().at(0).toStringList(), QStringList { QFileInfo(samplePath()).absoluteFilePath() });

        // Without a listener, forwarding fails and the launch would become the instance.
        QVERIFY(!SingleInstance::forward(name + QStringLiteral("-nobody"), { samplePath() }, 500));
    }

    void eachModelGetsItsOwnWindow()
    {
        QTemporaryDir dir;
        QFile::copy(samplePath(), dir.filePath(QStringLiteral("a.onnx")));
        QFile::copy(samplePath(), dir.filePath(QStringLiteral("b.onnx")));
        WindowManager manager;
        MainWindow* first = manager.createWindow();
        QVERIFY(first->isBlank());
        QSignalSpy opened(first, &MainWindow::modelOpened);
        manager.openFiles({ dir.filePath(QStringLiteral("a.onnx")) });
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kTimeoutMs);
        QCOMPARE(manager.windows().size(), 1); // the blank window was used
        QVERIFY(!first->isBlank());

        manager.openFiles({ dir.filePath(QStringLiteral("b.onnx")) });
        QCOMPARE(manager.windows().size(), 2);
        MainWindow* second = manager.windows().last();
        QTRY_VERIFY_WITH_TIMEOUT(second->model() != nullptr, kTimeoutMs);
        QCOMPARE(QFileInfo(second->currentFile()).fileName(), QStringLiteral("b.onnx"));
        QCOMPARE(QFileInfo(first->currentFile()).fileName(), QStringLiteral("a.onnx"));
        QVERIFY(first->undoStack() != second->undoStack());

        // A file already open is brought forward, not opened twice.
        manager.openFiles({ dir.filePath(QStringLiteral("a.onnx")) });
        QCOMPARE(manager.windows().size(), 2);
        // Drops and the Open dialog route through the manager.
        emit second->openRequested({ dir.filePath(QStringLiteral("b.onnx")) });
        QCOMPARE(manager.windows().size(), 2);
    }

    void exportOnnxPassesTheChecker()
    {
        QTemporaryDir dir;
        MainWindow w;
        QSignalSpy opened(&w, &MainWindow::modelOpened);
        const fs::path corpus = test::corpusDir();
        const QString source = corpus.empty()
            ? samplePath()
            : QString::fromStdString((corpus / "cntk-v2" / "ConvNet_CIFAR10_DataAug_0.dnn").string());
        w.openFile(source);
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kTimeoutMs);
        const QString out = dir.filePath(QStringLiteral("export.onnx"));
        MainWindow::OnnxExportChoice choice;
        choice.opset = 13;
        QVERIFY2(w.exportOnnx(out, choice), qPrintable(w.lastFileError()));
        checkOnnx(out);
        QCOMPARE(w.currentFile(), QFileInfo(source).absoluteFilePath()); // the window keeps its file
        const auto exported = FormatRegistry::instance().open(out.toStdString());
        if (!corpus.empty()) {
            QCOMPARE(exported->opsets.front().second, std::int64_t(13));
            QVERIFY(exported->graph->nodes().size() > 5);
        }
        choice.externalData = true;
        const QString withData = dir.filePath(QStringLiteral("external.onnx"));
        QVERIFY2(w.exportOnnx(withData, choice), qPrintable(w.lastFileError()));
        QVERIFY(QFileInfo::exists(withData + QStringLiteral(".data")));
        checkOnnx(withData);
        QVERIFY(QFileInfo(withData).size() < QFileInfo(out).size());

        // Weights go out as safetensors or .npz; other names are refused.
        QVERIFY(w.exportWeights(dir.filePath(QStringLiteral("w.npz"))));
        QCOMPARE(readNpz(dir.filePath(QStringLiteral("w.npz")).toStdString()).size(), w.model()->graph->initializers.size());
        QVERIFY(!w.exportWeights(dir.filePath(QStringLiteral("w.txt"))));
        QVERIFY(w.lastFileError().contains(QStringLiteral(".safetensors")));
    }

    void tensorDragsOutAsNpy()
    {
        MainWindow w;
        QSignalSpy opened(&w, &MainWindow::modelOpened);
        w.openFile(samplePath());
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kTimeoutMs);
        const auto tensor = w.model()->graph->initializers.front();
        w.tensorView()->setTensor(tensor);
        QVERIFY(w.tensorView()->dragHandle()->isEnabled());
        std::unique_ptr<QMimeData> mime(w.tensorView()->createDragData());
        QVERIFY(mime);
        QCOMPARE(mime->urls().size(), 1);
        const QString file = mime->urls().first().toLocalFile();
        QVERIFY(file.endsWith(QStringLiteral(".npy")));
        const auto back = readNpy(file.toStdString());
        QCOMPARE(back->dims, tensor->dims);
        QCOMPARE(back->dataType, tensor->dataType);
        const auto a = back->data->bytes(), b = tensor->data->bytes();
        QVERIFY(a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0);
    }
};

QTEST_MAIN(TestDesktop)
#include "test_desktop.moc"
