// MainWindow end to end, offscreen: open the sample, check the outline
// matches the model, and check a bad file leaves the open model alone;
// Save, Save As, Load Weights and the unsaved-changes prompt.
#include "mainwindow.h"
#include "testsupport.h"
#include "modeloutline.h"
#include "modeloutlinemodel.h"
#include "modelpropertiespanel.h"
#include "recentfiles.h"
#include "tensortablemodel.h"
#include "tensorview.h"
#include "weightsreportdialog.h"

#include "edit/weighttransplant.h"
#include "formats/formatregistry.h"
#include "formats/mindspore/checkpoint.pb.h"
#include "ir/model.h"
#include "ir/modelcompare.h"

#include <QAbstractItemModelTester>
#include <QMessageBox>
#include <QStatusBar>
#include <QPlainTextEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryFile>
#include <QtTest>

#include <cstring>

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

QByteArray readFile(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

std::string floatBytes(const std::vector<float>& values)
{
    std::string s(values.size() * sizeof(float), '\0');
    std::memcpy(s.data(), values.data(), s.size());
    return s;
}

// `count` floats from `first` by `step`: values no sample tensor holds.
std::vector<float> ramp(std::size_t count, float first, float step)
{
    std::vector<float> v(count);
    for (std::size_t k = 0; k < count; ++k)
        v[k] = first + step * float(k);
    return v;
}

std::string bytesOf(const Tensor& t)
{
    if (!t.data)
        return {};
    const auto b = t.data->bytes();
    return { reinterpret_cast<const char*>(b.data()), b.size() };
}

const Tensor* initializer(const Model& m, const std::string& name)
{
    for (const auto& t : m.graph->initializers)
        if (t->name == name)
            return t.get();
    return nullptr;
}

struct Entry {
    std::string tag;
    std::vector<std::int64_t> dims;
    std::string type; // MindSpore's spelling: "Float32", "Int32"
    std::string content;
};

// A MindSpore checkpoint as MindSpore writes one: tagged tensors, in order.
void writeCheckpoint(const QString& path, const std::vector<Entry>& entries)
{
    ckpt::Checkpoint c;
    for (const auto& e : entries) {
        auto* v = c.add_value();
        v->set_tag(e.tag);
        auto* t = v->mutable_tensor();
        for (auto d : e.dims)
            t->add_dims(d);
        t->set_tensor_type(e.type);
        t->set_tensor_content(e.content);
    }
    std::string bytes;
    QVERIFY(c.SerializeToString(&bytes));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(bytes.data(), qint64(bytes.size())), qint64(bytes.size()));
}

// New values for the classifier, plus two entries the sample has no
// parameter for (an optimizer moment, a step counter).
const std::vector<float> kNewFcWeight = ramp(160, -2.0f, 0.025f);
const std::vector<float> kNewFcBias = ramp(10, 0.5f, 1.0f);

void writeClassifierWeights(const QString& path)
{
    writeCheckpoint(path,
        { { "classifier.fc.weight", { 10, 16 }, "Float32", floatBytes(kNewFcWeight) },
            { "moments.classifier.fc.weight", { 10, 16 }, "Float32", floatBytes(ramp(160, 0, 0)) },
            { "classifier.fc.bias", { 10 }, "Float32", floatBytes(kNewFcBias) },
            { "global_step", { 1 }, "Int32", std::string("\x07\0\0\0", 4) } });
}

// The window's model after applying `weights` the way the window should:
// the sample read by the registry, then the same transplant.
std::unique_ptr<Model> sampleWith(const QString& weights)
{
    auto m = FormatRegistry::instance().open(kSample.toStdString());
    const auto w = FormatRegistry::instance().open(weights.toStdString());
    nodus::applyWeights(*m, *w);
    return m;
}

QString joined(const std::vector<std::string>& differences)
{
    QStringList out;
    for (const auto& d : differences)
        out << QString::fromStdString(d);
    return out.join(QLatin1Char('\n'));
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
    void saveAsAndSave();
    void saveFailureKeepsDocument();
    void loadWeightsReport();
    void loadWeightsMismatchAppliesNothing();
    void unsavedChangesPrompt();
    void exportToOnnx();

private:
    // The sample copied to `dir` as `name`, opened in `w`.
    bool openCopy(MainWindow& w, const QTemporaryDir& dir, const QString& name);
};

bool TestMainWindow::openCopy(MainWindow& w, const QTemporaryDir& dir, const QString& name)
{
    const QString path = dir.filePath(name);
    if (!QFile::copy(kSample, path))
        return false;
    QSignalSpy opened(&w, &MainWindow::modelOpened);
    w.openFile(path);
    return opened.wait(kLoadTimeoutMs) && w.currentFile() == path;
}

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

void TestMainWindow::saveAsAndSave()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    MainWindow w;
    w.show();
    QVERIFY(openCopy(w, dir, QStringLiteral("model.onnx")));
    const QString original = w.currentFile();
    const auto sample = FormatRegistry::instance().open(kSample.toStdString());

    // Unedited, to a new name in the same format: reads back equal, and the
    // window now shows the new file.
    const QString copy = dir.filePath(QStringLiteral("copy.onnx"));
    QVERIFY(w.saveAs(copy));
    QVERIFY2(w.lastFileError().isEmpty(), qPrintable(w.lastFileError()));
    QCOMPARE(w.currentFile(), copy);
    QCOMPARE(w.windowTitle(), QStringLiteral("copy.onnx[*] — Nodus"));
    QVERIFY(!w.isWindowModified());
    QCOMPARE(RecentFiles().files().value(0), copy);
    QCOMPARE(w.propertiesPanel()->fieldText(QStringLiteral("File")), QStringLiteral("copy.onnx"));
    const auto reopened = FormatRegistry::instance().open(copy.toStdString());
    QCOMPARE(reopened->format, std::string("onnx"));
    QVERIFY2(compareModels(*sample, *reopened).empty(), qPrintable(joined(compareModels(*sample, *reopened))));

    // Edited (weights loaded), then Save As: the modified flag clears and
    // the file holds the new weights and everything else as it was.
    const QString weights = dir.filePath(QStringLiteral("weights.ckpt"));
    writeClassifierWeights(weights);
    QVERIFY(w.loadWeights(weights));
    QVERIFY(w.isWindowModified());
    if (auto* report = w.findChild<WeightsReportDialog*>(QStringLiteral("weightsReport")))
        report->accept();
    const QString edited = dir.filePath(QStringLiteral("edited.onnx"));
    QVERIFY(w.saveAs(edited, QStringLiteral("onnx")));
    QVERIFY(!w.isWindowModified());
    QCOMPARE(w.currentFile(), edited);
    const auto expected = sampleWith(weights);
    const auto back = FormatRegistry::instance().open(edited.toStdString());
    QVERIFY2(compareModels(*expected, *back).empty(), qPrintable(joined(compareModels(*expected, *back))));
    QCOMPARE(bytesOf(*initializer(*back, "classifier.fc.bias")), floatBytes(kNewFcBias));
    QCOMPARE(bytesOf(*initializer(*back, "classifier.fc.weight")), floatBytes(kNewFcWeight));
    // Save As never touches the file the model came from.
    QCOMPARE(readFile(original), readFile(kSample));

    // Save writes back to the current file, in place.
    const QString stepWeights = dir.filePath(QStringLiteral("step.ckpt"));
    const std::vector<float> bias = ramp(10, -9.0f, 2.0f);
    writeCheckpoint(stepWeights, { { "classifier.fc.bias", { 10 }, "Float32", floatBytes(bias) } });
    QVERIFY(w.loadWeights(stepWeights));
    QVERIFY(w.isWindowModified());
    QVERIFY(w.save());
    QVERIFY(!w.isWindowModified());
    QCOMPARE(w.currentFile(), edited);
    const auto saved = FormatRegistry::instance().open(edited.toStdString());
    QCOMPARE(bytesOf(*initializer(*saved, "classifier.fc.bias")), floatBytes(bias));
    QCOMPARE(bytesOf(*initializer(*saved, "classifier.fc.weight")), floatBytes(kNewFcWeight));
}

void TestMainWindow::saveFailureKeepsDocument()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    MainWindow w;
    w.show();
    QVERIFY(openCopy(w, dir, QStringLiteral("model.onnx")));
    const QString weights = dir.filePath(QStringLiteral("weights.ckpt"));
    writeClassifierWeights(weights);
    QVERIFY(w.loadWeights(weights));
    const auto model = w.model();
    const QString title = w.windowTitle();

    // A folder that does not exist: the writer's error names the file, is
    // shown, and the document stays as it was, still modified.
    const QString target = dir.filePath(QStringLiteral("no-such-folder/out.onnx"));
    QVERIFY(!w.saveAs(target));
    QVERIFY2(w.lastFileError().contains(target), qPrintable(w.lastFileError()));
    QMessageBox* box = nullptr;
    QTRY_VERIFY((box = w.findChild<QMessageBox*>(QStringLiteral("fileErrorBox"))) && box->isVisible());
    QCOMPARE(box->text(), w.lastFileError());
    QCOMPARE(box->icon(), QMessageBox::Warning);
    QCOMPARE(w.model(), model);
    QCOMPARE(w.currentFile(), dir.filePath(QStringLiteral("model.onnx")));
    QCOMPARE(w.windowTitle(), title);
    QVERIFY(w.isWindowModified());
    QCOMPARE(bytesOf(*initializer(*w.model(), "classifier.fc.bias")), floatBytes(kNewFcBias));
    QVERIFY(!QFileInfo::exists(target));
    box->close();

    // A format by name that is not one.
    QVERIFY(!w.saveAs(dir.filePath(QStringLiteral("out.xyz")), QStringLiteral("no-such-format")));
    QVERIFY2(w.lastFileError().contains(QStringLiteral("no-such-format")), qPrintable(w.lastFileError()));
    QVERIFY(w.isWindowModified());
}

void TestMainWindow::loadWeightsReport()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    MainWindow w;
    w.show();
    QVERIFY(openCopy(w, dir, QStringLiteral("model.onnx")));
    QVERIFY(!w.isWindowModified());
    const auto sample = FormatRegistry::instance().open(kSample.toStdString());

    // The tensor panel shows the bias before: it must show the new values after.
    std::shared_ptr<const Tensor> bias;
    for (const auto& t : w.model()->graph->initializers)
        if (t->name == "classifier.fc.bias")
            bias = t;
    QVERIFY(bias);
    w.tensorView()->setTensor(bias);
    QVERIFY(w.tensorView()->tableModel()->index(0, 0).data().toString() != QStringLiteral("0.5"));

    const QString weights = dir.filePath(QStringLiteral("weights.ckpt"));
    writeClassifierWeights(weights);
    QVERIFY(w.loadWeights(weights));
    QVERIFY2(w.lastFileError().isEmpty(), qPrintable(w.lastFileError()));

    // The report: counts, then every parameter not loaded (the sample's own
    // order) and every unused entry (the checkpoint's order), by name.
    WeightsReportDialog* report = nullptr;
    QTRY_VERIFY((report = w.findChild<WeightsReportDialog*>(QStringLiteral("weightsReport"))) && report->isVisible());
    QCOMPARE(report->headline(), QStringLiteral("Loaded 2 of 14 parameters from weights.ckpt."));
    QStringList notLoaded;
    for (const auto& t : sample->graph->initializers)
        if (t->name != "classifier.fc.weight" && t->name != "classifier.fc.bias")
            notLoaded << QStringLiteral("  ") + QString::fromStdString(t->name);
    QCOMPARE(notLoaded.size(), 12);
    QCOMPARE(notLoaded.front(), QStringLiteral("  features.block1.conv.weight"));
    const QString expected = QStringLiteral("Parameters not loaded (12):\n") + notLoaded.join(QLatin1Char('\n'))
        + QStringLiteral("\n\nUnused weight entries (2):\n  moments.classifier.fc.weight\n  global_step");
    QCOMPARE(report->text(), expected);
    auto* text = report->findChild<QPlainTextEdit*>(QStringLiteral("weightsReportText"));
    QVERIFY(text && text->isReadOnly());
    QCOMPARE(text->toPlainText(), expected);

    // The data changed, only where the checkpoint had it, and the window knows.
    QCOMPARE(bytesOf(*initializer(*w.model(), "classifier.fc.bias")), floatBytes(kNewFcBias));
    QCOMPARE(bytesOf(*initializer(*w.model(), "classifier.fc.weight")), floatBytes(kNewFcWeight));
    QCOMPARE(bytesOf(*initializer(*w.model(), "features.block1.conv.weight")),
        bytesOf(*initializer(*sample, "features.block1.conv.weight")));
    QVERIFY(w.isWindowModified());
    QCOMPARE(w.tensorView()->tensor(), bias);
    QCOMPARE(w.tensorView()->tableModel()->index(0, 0).data().toString(), QStringLiteral("0.5"));
    QCOMPARE(w.tensorView()->tableModel()->index(9, 0).data().toString(), QStringLiteral("9.5"));
    report->accept();
    QTRY_VERIFY(!w.findChild<WeightsReportDialog*>(QStringLiteral("weightsReport")));

    // A file no reader claims is an error that names it; nothing changes.
    const QString garbage = dir.filePath(QStringLiteral("garbage.ckpt"));
    QFile g(garbage);
    QVERIFY(g.open(QIODevice::WriteOnly));
    g.write("not weights, just text that no reader claims\n");
    g.close();
    QVERIFY(!w.loadWeights(garbage));
    QVERIFY2(w.lastFileError().contains(QStringLiteral("garbage.ckpt")), qPrintable(w.lastFileError()));
    QVERIFY(!w.findChild<WeightsReportDialog*>(QStringLiteral("weightsReport")));
    QCOMPARE(bytesOf(*initializer(*w.model(), "classifier.fc.bias")), floatBytes(kNewFcBias));
}

void TestMainWindow::loadWeightsMismatchAppliesNothing()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    MainWindow w;
    w.show();
    QVERIFY(openCopy(w, dir, QStringLiteral("model.onnx")));
    const auto sample = FormatRegistry::instance().open(kSample.toStdString());

    // The weight matches; the bias has 5 elements where the model has 10.
    const QString weights = dir.filePath(QStringLiteral("bad.ckpt"));
    writeCheckpoint(weights,
        { { "classifier.fc.weight", { 10, 16 }, "Float32", floatBytes(kNewFcWeight) },
            { "classifier.fc.bias", { 5 }, "Float32", floatBytes(ramp(5, 1, 1)) } });
    QVERIFY(!w.loadWeights(weights));

    WeightsReportDialog* report = nullptr;
    QTRY_VERIFY((report = w.findChild<WeightsReportDialog*>(QStringLiteral("weightsReport"))) && report->isVisible());
    QCOMPARE(report->headline(),
        QStringLiteral("Nothing was applied: 1 parameter of the model differs in type or shape from its weights in "
                       "bad.ckpt."));
    QVERIFY2(report->text().startsWith(QStringLiteral("Type or shape mismatches (1):\n  classifier.fc.bias: the model "
                                                      "has float32[10], the weights have float32[5]\n\n"
                                                      "Parameters not loaded (12):\n")),
        qPrintable(report->text()));
    QVERIFY(report->text().endsWith(QStringLiteral("Unused weight entries: none")));
    // All or nothing: the matching weight was not applied either.
    QCOMPARE(bytesOf(*initializer(*w.model(), "classifier.fc.weight")),
        bytesOf(*initializer(*sample, "classifier.fc.weight")));
    QVERIFY(!w.isWindowModified());
    report->accept();
}

void TestMainWindow::unsavedChangesPrompt()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    MainWindow w;
    QStringList asked;
    MainWindow::SaveChoice answer = MainWindow::SaveChoice::Cancel;
    w.setSavePrompt([&](const QString& name) {
        asked << name;
        return answer;
    });
    w.show();
    QVERIFY(openCopy(w, dir, QStringLiteral("model.onnx")));
    const QString path = w.currentFile();
    const QString weights = dir.filePath(QStringLiteral("weights.ckpt"));
    writeClassifierWeights(weights);

    // Unmodified: closing asks nothing.
    QVERIFY(w.closeModel());
    QVERIFY(asked.isEmpty());
    QVERIFY(!w.model());

    QVERIFY(openCopy(w, dir, QStringLiteral("second.onnx")));
    QVERIFY(w.loadWeights(weights));
    const auto model = w.model();

    // Cancel keeps everything: File > Close, closing the window, opening another file.
    QVERIFY(!w.closeModel());
    QCOMPARE(asked, QStringList { QStringLiteral("second.onnx") });
    QCOMPARE(w.model(), model);
    QVERIFY(w.isWindowModified());
    QVERIFY(!w.close());
    QVERIFY(w.isVisible());
    QCOMPARE(asked.size(), 2);
    w.openFile(path);
    QCOMPARE(asked.size(), 3);
    QVERIFY(!w.isLoading());
    QCOMPARE(w.model(), model);
    QCOMPARE(w.currentFile(), dir.filePath(QStringLiteral("second.onnx")));
    QCOMPARE(bytesOf(*initializer(*w.model(), "classifier.fc.bias")), floatBytes(kNewFcBias));

    // Discard closes without writing.
    answer = MainWindow::SaveChoice::Discard;
    QVERIFY(w.closeModel());
    QCOMPARE(asked.size(), 4);
    QVERIFY(!w.model());
    QVERIFY(!w.isWindowModified());
    QCOMPARE(w.windowTitle(), QStringLiteral("Nodus"));
    QCOMPARE(readFile(dir.filePath(QStringLiteral("second.onnx"))), readFile(kSample));

    // Save writes the file, then the window closes.
    QSignalSpy opened(&w, &MainWindow::modelOpened);
    w.openFile(path);
    QVERIFY(opened.wait(kLoadTimeoutMs));
    QVERIFY(w.loadWeights(weights));
    answer = MainWindow::SaveChoice::Save;
    QVERIFY(w.close());
    QCOMPARE(asked,
        (QStringList { QStringLiteral("second.onnx"), QStringLiteral("second.onnx"), QStringLiteral("second.onnx"),
            QStringLiteral("second.onnx"), QStringLiteral("model.onnx") }));
    QVERIFY(!w.isVisible());
    QVERIFY(!w.isWindowModified());
    const auto saved = FormatRegistry::instance().open(path.toStdString());
    QCOMPARE(bytesOf(*initializer(*saved, "classifier.fc.bias")), floatBytes(kNewFcBias));
}

QTEST_MAIN(TestMainWindow)
// Save As .onnx of a CNTK model converts it: the file is ONNX, the window
// keeps the CNTK file open, and the status bar says what the conversion did.
void TestMainWindow::exportToOnnx()
{
    NODUS_SKIP_IF_NO_CORPUS();
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    MainWindow w;
    w.show();
    const QString source = QString::fromStdString((test::corpusDir() / "cntk-v2" / "MNISTConvolution.model").string());
    QSignalSpy opened(&w, &MainWindow::modelOpened);
    w.openFile(source);
    QVERIFY(opened.wait(kLoadTimeoutMs));
    const QString target = dir.filePath(QStringLiteral("mnist.onnx"));
    QVERIFY2(w.saveAs(target), qPrintable(w.lastFileError()));
    QCOMPARE(w.currentFile(), source);
    QCOMPARE(QString::fromStdString(w.model()->format), QStringLiteral("cntk"));
    QVERIFY(!w.isWindowModified());
    QVERIFY2(w.statusBar()->currentMessage().contains(QStringLiteral("10 nodes converted to 10 ONNX nodes")),
        qPrintable(w.statusBar()->currentMessage()));
    const auto back = FormatRegistry::instance().open(target.toStdString());
    QCOMPARE(QString::fromStdString(back->format), QStringLiteral("onnx"));
    QCOMPARE(back->graph->nodes().size(), std::size_t { 10 });

    // A model with an op ONNX cannot express: the error lists it, nothing is written.
    w.openFile(QString::fromStdString((test::corpusDir() / "cntk-v2" / "ATIS_model.cmf").string()));
    QVERIFY(opened.wait(kLoadTimeoutMs));
    const QString atis = dir.filePath(QStringLiteral("atis.onnx"));
    QVERIFY(!w.saveAs(atis));
    QVERIFY2(w.lastFileError().contains(QStringLiteral("PastValue 'PastValue1998'")), qPrintable(w.lastFileError()));
    QVERIFY(!QFileInfo::exists(atis));
}

#include "test_mainwindow.moc"
