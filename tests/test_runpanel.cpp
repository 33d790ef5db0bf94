#include "graphcanvas.h"
#include "graphview.h"
#include "mainwindow.h"
#include "runinputs.h"
#include "runpanel.h"
#include "tensorview.h"

#include "ir/graph.h"
#include "ir/model.h"
#include "ir/node.h"
#include "ir/value.h"
#include "util/error.h"
#include "util/npy.h"

#include "runtimetest.h"
#include "testsupport.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDockWidget>
#include <QImage>
#include <QLabel>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace nodus;
using namespace nodus::test;

namespace {

constexpr int kRunTimeoutMs = 120000;

// x -> Relu -> ... -> Relu -> y, `length` nodes, float [rows, cols].
std::shared_ptr<Model> reluChain(int length, std::vector<Dim> dims = { Dim::known(4), Dim::known(8) })
{
    auto model = std::make_shared<Model>();
    model->opsets = { { "", 17 } };
    Graph& g = *model->graph;
    Value* x = g.value("x");
    Shape shape;
    shape.rankKnown = true;
    shape.dims = std::move(dims);
    x->type = ValueType::tensor(DataType::Float, shape);
    g.inputs.push_back(x);
    Value* in = x;
    for (int i = 0; i < length; ++i) {
        Node* n = g.addNode("Relu", "relu" + std::to_string(i));
        g.addInput(n, in);
        Value* out = g.value(i + 1 == length ? std::string("y") : "v" + std::to_string(i));
        g.addOutput(n, out);
        in = out;
    }
    g.outputs.push_back(in);
    return model;
}

double cellValue(const QTableWidget* table, int row, int column)
{
    const QTableWidgetItem* item = table->item(row, column);
    return item ? item->data(RunPanel::ValueRole).toDouble() : std::nan("");
}

// Clicks Run and waits for the run to end; true when it went well.
bool clickRun(RunPanel& panel)
{
    QSignalSpy finished(&panel, &RunPanel::runFinished);
    if (!panel.runButton()->isEnabled())
        return false;
    QTest::mouseClick(panel.runButton(), Qt::LeftButton);
    if (!finished.wait(kRunTimeoutMs) && finished.isEmpty())
        return false;
    return finished.first().at(0).toBool();
}

} // namespace

class TestRunPanel : public QObject {
    Q_OBJECT

private slots:
    void unsupportedOpDisablesRun()
    {
        OpRun op;
        op.op = "NoSuchOpAnywhere";
        op.inputs = { tensorOf(DataType::Float, { 2 }, { 1, 2 }) };
        RunPanel panel;
        panel.setModel(opModel(op));
        QVERIFY(!panel.canRun());
        QVERIFY(!panel.runButton()->isEnabled());
        QVERIFY(!panel.unsupported().isEmpty());
        QVERIFY(panel.unsupportedList()->isVisibleTo(&panel));
        QCOMPARE(panel.unsupportedList()->count(), panel.unsupported().size());
        QVERIFY2(panel.unsupportedList()->item(0)->text().contains("NoSuchOpAnywhere"),
            qPrintable(panel.unsupportedList()->item(0)->text()));
        // Pressing it anyway does nothing.
        panel.run();
        QVERIFY(!panel.isRunning());
        QVERIFY(!panel.hasResult());

        // A model the runtime takes turns Run back on (when there is a device).
        panel.setModel(reluChain(1));
        QVERIFY(panel.unsupported().isEmpty());
        QVERIFY(!panel.unsupportedList()->isVisibleTo(&panel));
        QCOMPARE(panel.runButton()->isEnabled(), vulkanUnavailable().empty());
    }

    void inputRowsAndShapes()
    {
        RunPanel panel;
        panel.setModel(reluChain(1, { Dim::symbolic("batch"), Dim::known(8) }));
        QCOMPARE(panel.inputCount(), 1);
        QTableWidget* table = panel.inputsTable();
        QCOMPARE(table->item(0, RunPanel::InputName)->text(), QStringLiteral("x"));
        QCOMPARE(table->item(0, RunPanel::InputType)->text(), QStringLiteral("float32"));
        // The symbolic dim starts at 1 and may be edited; the fixed one may not change.
        QCOMPARE(table->item(0, RunPanel::InputShape)->text(), QStringLiteral("1,8"));
        QVERIFY(table->item(0, RunPanel::InputShape)->flags() & Qt::ItemIsEditable);
        panel.setInputDims(0, "3,8");
        auto spec = panel.inputSpec(0);
        QVERIFY(spec);
        QCOMPARE(spec->dims, (std::vector<std::int64_t> { 3, 8 }));
        QCOMPARE(spec->source, RunInputSpec::Source::Random);
        panel.setInputDims(0, "3,9");
        QString error;
        QVERIFY(!panel.inputSpec(0, &error));
        QVERIFY2(error.contains("fixed at 8"), qPrintable(error));
        panel.setInputDims(0, "3");
        QVERIFY(!panel.inputSpec(0, &error));
        QVERIFY2(error.contains("2"), qPrintable(error));

        // Image is offered only to 4-D float inputs.
        auto* source = qobject_cast<QComboBox*>(table->cellWidget(0, RunPanel::InputSource));
        QVERIFY(source);
        QCOMPARE(source->findData(int(RunInputSpec::Source::Image)), -1);
        panel.setModel(reluChain(1, { Dim::known(1), Dim::known(3), Dim::symbolic("h"), Dim::symbolic("w") }));
        source = qobject_cast<QComboBox*>(panel.inputsTable()->cellWidget(0, RunPanel::InputSource));
        QVERIFY(source->findData(int(RunInputSpec::Source::Image)) >= 0);
        panel.setInputSource(0, RunInputSpec::Source::Image, "/nonexistent.png");
        spec = panel.inputSpec(0);
        QVERIFY(spec);
        QCOMPARE(spec->source, RunInputSpec::Source::Image);
        QCOMPARE(spec->mean[0], 0.485f);
        QCOMPARE(spec->std[2], 0.225f);

        // Choices survive an edit of the model.
        panel.setInputSeed(0, 42);
        panel.modelEdited();
        spec = panel.inputSpec(0);
        QVERIFY(spec);
        QCOMPARE(spec->source, RunInputSpec::Source::Image);
        QCOMPARE(spec->seed, 42u);
    }

    void imageTensorNormalizes()
    {
        QImage image(4, 2, QImage::Format_RGB32);
        image.fill(QColor(255, 0, 51));
        const auto t
            = imageTensor(image, DataType::Float, { 2, 3, 2, 4 }, { 0.5f, 0.25f, 0.0f }, { 0.5f, 0.25f, 0.2f });
        QCOMPARE(t->dims, (std::vector<std::int64_t> { 2, 3, 2, 4 }));
        const auto v = valuesOf(*t);
        QCOMPARE(v.size(), std::size_t(2 * 3 * 8));
        for (int b = 0; b < 2; ++b)
            for (int i = 0; i < 8; ++i) {
                QCOMPARE(v[std::size_t(b * 24 + i)], 1.0); // (1 - 0.5) / 0.5
                QCOMPARE(v[std::size_t(b * 24 + 8 + i)], -1.0); // (0 - 0.25) / 0.25
                QVERIFY(std::abs(v[std::size_t(b * 24 + 16 + i)] - 1.0) < 1e-6); // (0.2 - 0) / 0.2
            }
        const auto gray = imageTensor(image, DataType::Float, { 1, 1, 3, 3 }, { 0, 0, 0 }, { 1, 1, 1 });
        QCOMPARE(gray->dims, (std::vector<std::int64_t> { 1, 1, 3, 3 }));
        QVERIFY_THROWS_EXCEPTION(Error, imageTensor(image, DataType::Float, { 1, 2, 3, 3 }, {}, { 1, 1, 1 }));
        QVERIFY_THROWS_EXCEPTION(Error, imageTensor(image, DataType::Int32, { 1, 3, 3, 3 }, {}, { 1, 1, 1 }));
    }

    void npyInputsAreCheckedAndConverted()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath("values.npy");
        writeNpy(*tensorOf(DataType::Double, { 1, 3 }, { 0.5, 1.5, -2 }), path.toStdString());
        RunInputSpec spec;
        spec.name = "x";
        spec.type = DataType::Float;
        spec.source = RunInputSpec::Source::Npy;
        spec.path = path;
        Shape declared;
        declared.rankKnown = true;
        declared.dims = { Dim::symbolic("n"), Dim::known(3) };
        const auto t = makeRunInput(spec, declared);
        QCOMPARE(t->name, std::string("x"));
        QCOMPARE(t->dataType, DataType::Float);
        QCOMPARE(valuesOf(*t), (std::vector<double> { 0.5, 1.5, -2 }));
        declared.dims[1] = Dim::known(4);
        try {
            makeRunInput(spec, declared);
            QFAIL("a .npy of the wrong shape was taken");
        } catch (const Error& e) {
            const QString message = e.what();
            QVERIFY2(message.contains("'x'") && message.contains("[1,3]"), qPrintable(message));
        }
    }

    void runShowsOutputsTopAndTimes()
    {
        NODUS_REQUIRE_VULKAN();
        // out0 = in0 + in1 with in0 all ones and in1 = 0..5 from a float64 .npy.
        OpRun op;
        op.op = "Add";
        op.inputs = { tensorOf(DataType::Float, { 1, 6 }, std::vector<double>(6)),
            tensorOf(DataType::Float, { 1, 6 }, std::vector<double>(6)) };
        auto model = opModel(op);
        QTemporaryDir dir;
        const QString npy = dir.filePath("in1.npy");
        writeNpy(*tensorOf(DataType::Double, { 1, 6 }, { 0, 1, 2, 3, 4, 5 }), npy.toStdString());

        GraphView view;
        view.resize(600, 400);
        RunPanel panel;
        panel.resize(700, 900);
        panel.setGraphView(&view);
        view.setModel(model);
        panel.setModel(model);
        QVERIFY(panel.unsupported().isEmpty());
        panel.setInputSource(0, RunInputSpec::Source::Ones);
        panel.setInputSource(1, RunInputSpec::Source::Npy, npy);
        panel.profileBox()->setChecked(true);
        QVERIFY2(clickRun(panel), qPrintable(panel.lastError()));
        QVERIFY(panel.hasResult());
        QVERIFY(!panel.isRunning());
        QVERIFY(panel.runButton()->isEnabled());

        // Outputs with their statistics: 1..6.
        QTableWidget* outputs = panel.outputsTable();
        QCOMPARE(outputs->rowCount(), 1);
        QCOMPARE(outputs->item(0, RunPanel::OutName)->text(), QStringLiteral("out0"));
        QCOMPARE(outputs->item(0, RunPanel::OutShape)->text(), QStringLiteral("[1,6]"));
        QCOMPARE(cellValue(outputs, 0, RunPanel::OutMin), 1.0);
        QCOMPARE(cellValue(outputs, 0, RunPanel::OutMax), 6.0);
        QCOMPARE(cellValue(outputs, 0, RunPanel::OutMean), 3.5);
        QVERIFY(std::abs(cellValue(outputs, 0, RunPanel::OutStd) - std::sqrt(35.0 / 12)) < 1e-6);
        QCOMPARE(cellValue(outputs, 0, RunPanel::OutNaN), 0.0);
        QCOMPARE(cellValue(outputs, 0, RunPanel::OutInf), 0.0);

        // The selected output in the tensor view, with a top-5 (a [1,6] score row).
        QVERIFY(panel.tensorView()->tensor());
        QCOMPARE(valuesOf(*panel.tensorView()->tensor()), (std::vector<double> { 1, 2, 3, 4, 5, 6 }));
        QTRY_VERIFY(panel.tensorView()->hasStatistics());
        QCOMPARE(panel.tensorView()->statistics().max, 6.0);
        QTableWidget* top = panel.topTable();
        QVERIFY(top->isVisibleTo(&panel));
        QCOMPARE(top->rowCount(), 5);
        double sum = 0;
        for (int i = 0; i < 6; ++i)
            sum += std::exp(i - 5.0);
        for (int r = 0; r < 5; ++r) {
            QCOMPARE(cellValue(top, r, 1), double(5 - r)); // index
            QCOMPARE(cellValue(top, r, 2), double(6 - r)); // value
            QVERIFY(std::abs(cellValue(top, r, 3) - std::exp(-r) / sum) < 1e-9);
        }

        // The tensors of the run by value name: inputs as fed and the output.
        QCOMPARE(valuesOf(*panel.resultTensor("in0")), std::vector<double>(6, 1.0));
        QCOMPARE(valuesOf(*panel.resultTensor("in1")), (std::vector<double> { 0, 1, 2, 3, 4, 5 }));
        QCOMPARE(valuesOf(*panel.resultTensor("out0")), (std::vector<double> { 1, 2, 3, 4, 5, 6 }));
        QVERIFY(!panel.resultTensor("nothing"));

        // Per-node times: a row for the node, and a badge on it in the graph.
        if (!panel.profileBox()->isEnabled())
            QSKIP("the device has no timestamps: no per-node times");
        QTableWidget* times = panel.timingTable();
        QCOMPARE(times->rowCount(), 1);
        QCOMPARE(times->item(0, RunPanel::TimeNode)->text(), QStringLiteral("Add_node"));
        QCOMPARE(times->item(0, RunPanel::TimeOp)->text(), QStringLiteral("Add"));
        // Its tooltip names the shader the node ran.
        QCOMPARE(times->item(0, RunPanel::TimeOp)->toolTip(), QStringLiteral("Shaders: binary_f32"));
        QVERIFY(cellValue(times, 0, RunPanel::TimeMs) >= 0);
        QCOMPARE(cellValue(times, 0, RunPanel::TimeShare), 1.0);
        const Id node = model->graph->nodes().front()->id();
        QCOMPARE(times->item(0, RunPanel::TimeNode)->data(RunPanel::NodeIdRole).toULongLong(), qulonglong(node));
        const auto& notes = view.canvas()->nodeAnnotations();
        QCOMPARE(notes.size(), std::size_t(1));
        QVERIFY(notes.count(node));
        QVERIFY2(notes.at(node).text.endsWith(" ms"), qPrintable(notes.at(node).text));
        // A row leads to its node on the graph.
        QTRY_VERIFY_WITH_TIMEOUT(view.scene() != nullptr, 30000);
        const QRect cell = times->visualItemRect(times->item(0, RunPanel::TimeNode));
        QTest::mouseClick(times->viewport(), Qt::LeftButton, {}, cell.center());
        QTRY_VERIFY(view.selectedNode() == model->graph->nodes().front().get());
        panel.overlayBox()->setChecked(false);
        QVERIFY(view.canvas()->nodeAnnotations().empty());
        panel.overlayBox()->setChecked(true);
        QCOMPARE(view.canvas()->nodeAnnotations().size(), std::size_t(1));

        // Saved outputs read back the same.
        QString error = panel.saveOutputs(dir.path());
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const auto saved = readNpy(dir.filePath("out0.npy").toStdString());
        QCOMPARE(saved->dims, (std::vector<std::int64_t> { 1, 6 }));
        QCOMPARE(valuesOf(*saved), (std::vector<double> { 1, 2, 3, 4, 5, 6 }));

        // A new model drops the results and the badges.
        panel.setModel(reluChain(1));
        QVERIFY(!panel.hasResult());
        QVERIFY(view.canvas()->nodeAnnotations().empty());
        QCOMPARE(panel.outputsTable()->rowCount(), 0);
    }

    void intermediatesAreKept()
    {
        NODUS_REQUIRE_VULKAN();
        auto model = reluChain(3);
        RunPanel panel;
        panel.setModel(model);
        QVERIFY(panel.keepBox()->isChecked()); // on by default
        panel.setInputSource(0, RunInputSpec::Source::Random);
        panel.setInputSeed(0, 7);
        QVERIFY2(clickRun(panel), qPrintable(panel.lastError()));
        const auto x = panel.resultTensor("x");
        const auto v0 = panel.resultTensor("v0");
        const auto v1 = panel.resultTensor("v1");
        QVERIFY(x && v0 && v1);
        const auto in = valuesOf(*x);
        std::vector<double> relu;
        for (double v : in)
            relu.push_back(std::max(v, 0.0));
        QVERIFY(std::any_of(in.begin(), in.end(), [](double v) { return v < 0; }));
        QCOMPARE(valuesOf(*v0), relu);
        QCOMPARE(valuesOf(*v1), relu);
        QCOMPARE(valuesOf(*panel.resultTensor("y")), relu);
        QCOMPARE(v0->name, std::string("v0"));
        QVERIFY(panel.resultNote().contains("last run"));

        // The same seed gives the same input; without keeping, no intermediates.
        panel.keepBox()->setChecked(false);
        QVERIFY2(clickRun(panel), qPrintable(panel.lastError()));
        QCOMPARE(valuesOf(*panel.resultTensor("x")), in);
        QVERIFY(!panel.resultTensor("v0"));
        QVERIFY(panel.resultTensor("y"));
    }

    // The float16-weights box reaches the session: a MatMul by a weight of
    // 0.1s sums 0.1 as float32, then as float16 (0.0999755859375).
    void halfWeightsBoxTakesEffect()
    {
        NODUS_REQUIRE_VULKAN();
        auto model = std::make_shared<Model>();
        model->opsets = { { "", 17 } };
        Graph& g = *model->graph;
        Value* x = g.value("x");
        x->type = ValueType::tensor(DataType::Float, Shape::of({ 2, 16 }));
        g.inputs.push_back(x);
        Value* w = g.value("w");
        w->initializer = tensorOf(DataType::Float, { 16, 8 }, std::vector<double>(128, 0.1));
        w->initializer->name = "w";
        w->type = ValueType::tensor(DataType::Float, Shape::of({ 16, 8 }));
        g.initializers.push_back(w->initializer);
        Node* n = g.addNode("MatMul", "mm");
        g.addInput(n, x);
        g.addInput(n, w);
        Value* y = g.value("y");
        g.addOutput(n, y);
        g.outputs.push_back(y);

        RunPanel panel;
        panel.setModel(model);
        QVERIFY(!panel.halfWeightsBox()->isChecked()); // off by default
        QVERIFY(panel.halfWeightsBox()->isEnabled()); // lavapipe and GPUs read float16 texels
        panel.setInputSource(0, RunInputSpec::Source::Ones);
        QVERIFY2(clickRun(panel), qPrintable(panel.lastError()));
        // The two sums differ by 4e-4; float32 accumulation by far less.
        const double f32 = cellValue(panel.outputsTable(), 0, RunPanel::OutMean);
        QVERIFY2(std::abs(f32 - 1.6) < 1e-5, qPrintable(QString::number(f32, 'g', 9)));
        panel.halfWeightsBox()->setChecked(true);
        QVERIFY2(clickRun(panel), qPrintable(panel.lastError()));
        const double f16 = cellValue(panel.outputsTable(), 0, RunPanel::OutMean);
        QVERIFY2(std::abs(f16 - 16 * 0.0999755859375) < 1e-5, qPrintable(QString::number(f16, 'g', 9)));
    }

    void cancelStopsTheRun()
    {
        NODUS_REQUIRE_VULKAN();
        RunPanel panel;
        panel.setModel(reluChain(300, { Dim::known(64), Dim::known(64) }));
        panel.setInputSource(0, RunInputSpec::Source::Ones);
        QSignalSpy finished(&panel, &RunPanel::runFinished);
        QSignalSpy running(&panel, &RunPanel::runningChanged);
        QTest::mouseClick(panel.runButton(), Qt::LeftButton);
        QVERIFY(panel.isRunning());
        QVERIFY(!panel.runButton()->isEnabled());
        QVERIFY(panel.cancelButton()->isEnabled());
        QVERIFY(!panel.inputsTable()->isEnabled());
        // At once, before the worker has prepared the model.
        QTest::mouseClick(panel.cancelButton(), Qt::LeftButton);
        QVERIFY(!panel.cancelButton()->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), kRunTimeoutMs);
        QCOMPARE(finished.first().at(0).toBool(), false);
        QVERIFY(!panel.isRunning());
        QVERIFY(!panel.hasResult());
        QVERIFY2(panel.lastError().contains("Cancel"), qPrintable(panel.lastError()));
        QVERIFY2(panel.statusLabel()->text().contains("Cancel"), qPrintable(panel.statusLabel()->text()));
        QCOMPARE(running.count(), 2);
        QVERIFY(panel.runButton()->isEnabled());

        // The next run goes through, and the progress bar ends full.
        QVERIFY2(clickRun(panel), qPrintable(panel.lastError()));
        QCOMPARE(cellValue(panel.outputsTable(), 0, RunPanel::OutMean), 1.0);
        QCOMPARE(panel.progressBar()->value(), panel.progressBar()->maximum());
    }

    void mainWindowRunsSqueezeNet()
    {
        NODUS_REQUIRE_VULKAN();
        const auto file
            = corpusDir().empty() ? std::filesystem::path() : corpusDir() / "pytorch-export" / "squeezenet1_1.onnx";
        if (file.empty() || !std::filesystem::exists(file))
            QSKIP("no corpus: ../shared/corpus/pytorch-export/squeezenet1_1.onnx");
        MainWindow w;
        w.resize(1500, 950);
        w.show();
        QSignalSpy opened(&w, &MainWindow::modelOpened);
        w.openFile(QString::fromStdString(file.string()));
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, 60000);

        // Model > Run (Ctrl+R) shows the panel for the open model.
        auto* action = w.findChild<QAction*>("runAction");
        QVERIFY(action);
        QCOMPARE(action->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_R));
        QVERIFY(!w.runDock()->isVisible());
        action->trigger();
        QVERIFY(w.runDock()->isVisible());
        RunPanel* panel = w.runPanel();
        QCOMPARE(panel->model(), w.model());
        if (!panel->unsupported().isEmpty())
            QSKIP(qPrintable("the runtime cannot run squeezenet yet: " + panel->unsupported().join("; ")));
        QCOMPARE(panel->inputCount(), 1);

        // A picture as input: a horizontal gradient.
        QTemporaryDir dir;
        QImage image(320, 240, QImage::Format_RGB32);
        for (int y = 0; y < image.height(); ++y)
            for (int x = 0; x < image.width(); ++x)
                image.setPixel(x, y, qRgb(x * 255 / 319, y * 255 / 239, 128));
        const QString picture = dir.filePath("gradient.png");
        QVERIFY(image.save(picture));
        panel->setInputSource(0, RunInputSpec::Source::Image, picture);
        QSignalSpy finished(panel, &RunPanel::runFinished);
        QTest::mouseClick(panel->runButton(), Qt::LeftButton);
        QVERIFY(panel->isRunning());
        // The run reads the model on another thread: edits wait for it.
        const std::string nodeName = w.model()->graph->nodes().front()->name;
        QVERIFY(!w.runEdit(renameNode(nodeName, "renamed_while_running"), EditKind::Names));
        QVERIFY2(w.lastEditError().contains("running"), qPrintable(w.lastEditError()));
        QCOMPARE(w.model()->graph->nodes().front()->name, nodeName);
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), kRunTimeoutMs);
        QVERIFY2(finished.first().at(0).toBool(), qPrintable(panel->lastError()));
        QVERIFY(panel->topTable()->isVisibleTo(panel)); // [1,1000] scores
        QCOMPARE(panel->topTable()->rowCount(), 5);
        double probs = 0;
        for (int r = 0; r < 5; ++r)
            probs += cellValue(panel->topTable(), r, 3);
        QVERIFY(probs > 0 && probs <= 1.0 + 1e-9);

        // Clicking an edge shows the tensor the run computed there.
        const Graph& graph = *w.model()->graph;
        const Node* firstConv = nullptr;
        for (const auto& n : graph.nodes())
            if (n->opType == "Conv") {
                firstConv = n.get();
                break;
            }
        QVERIFY(firstConv);
        const Value* edge = firstConv->outputs().front();
        QVERIFY(panel->resultTensor(edge->name()));
        w.graphView()->revealValue(&graph, edge->id());
        QTRY_VERIFY(w.tensorView()->tensor() == panel->resultTensor(edge->name()));
        QVERIFY(w.tensorView()->noteText().contains("last run"));
        if (panel->profileBox()->isChecked())
            QVERIFY(panel->timingTable()->rowCount() > 0);

        if (const QByteArray shot = qgetenv("NODUS_RUNPANEL_SHOT"); !shot.isEmpty()) {
            // The panel after the run, its outputs and then its node times.
            w.findChild<QDockWidget*>("tensorDock")->hide();
            w.runDock()->raise();
            panel->resultTabs()->setCurrentIndex(0);
            QTest::qWait(500);
            QVERIFY(w.grab().save(QString::fromLocal8Bit(shot)));
            panel->resultTabs()->setCurrentIndex(1);
            QTest::qWait(200);
            QVERIFY(w.grab().save(QString::fromLocal8Bit(shot) + "-nodes.png"));
        }
    }
};

QTEST_MAIN(TestRunPanel)
#include "test_runpanel.moc"
