// Editing in the window, offscreen, driven the way a user drives it: cells
// of the tensor table typed into and pasted over, attribute values edited
// in place, F2 and Delete on the graph, all undone and redone with the
// keyboard; refusals shown and changing nothing; edits saved and read back.
#include "mainwindow.h"
#include "testsupport.h"

#include "editablelabel.h"
#include "findpanel.h"
#include "graphcanvas.h"
#include "graphview.h"
#include "modeloutline.h"
#include "modeloutlinemodel.h"
#include "modelpropertiespanel.h"
#include "nodepropertiespanel.h"
#include "tensortablemodel.h"
#include "tensorview.h"
#include "weightsreportdialog.h"

#include "formats/formatregistry.h"
#include "formats/mindspore/checkpoint.pb.h"
#include "ir/model.h"
#include "ir/tensorvalues.h"
#include "layout/scene.h"
#include "util/npy.h"

#include <onnx/onnx_pb.h>

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDockWidget>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPointer>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTableWidget>
#include <QUndoStack>
#include <QtTest>

#include <cstring>

using namespace nodus;

namespace {

const QString kSample = QStringLiteral(NODUS_SOURCE_DIR "/resources/samples/sample.onnx");
constexpr int kLoadTimeoutMs = 20000;
constexpr int kLayoutTimeoutMs = 30000;

QtMessageHandler defaultHandler = nullptr;

void quietHandler(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    if (message.contains(QLatin1String("does not support propagateSizeHints")))
        return;
    defaultHandler(type, context, message);
}

std::shared_ptr<Tensor> initializer(const Model& m, const std::string& name)
{
    for (const auto& t : m.graph->initializers)
        if (t->name == name)
            return t;
    return nullptr;
}

QByteArray bytesOf(const Tensor& t)
{
    if (!t.data)
        return {};
    const auto b = t.data->bytes();
    return QByteArray(reinterpret_cast<const char*>(b.data()), qsizetype(b.size()));
}

QByteArray withFloat(QByteArray bytes, std::uint64_t index, float value)
{
    std::memcpy(bytes.data() + index * sizeof(float), &value, sizeof(float));
    return bytes;
}

float floatAt(const QByteArray& bytes, std::uint64_t index)
{
    float v;
    std::memcpy(&v, bytes.constData() + index * sizeof(float), sizeof(float));
    return v;
}

// A float as the tensor table shows it (its shortest text).
QString floatText(float v)
{
    std::byte bytes[4];
    std::memcpy(bytes, &v, 4);
    return QString::fromStdString(elementText(DataType::Float, bytes, 0));
}

const Node* nodeNamed(const Model& m, const std::string& name)
{
    for (const auto& n : m.graph->nodes())
        if (n->name == name)
            return n.get();
    return nullptr;
}

int rowNamed(const QTableWidget* table, const QString& name)
{
    for (int r = 0; r < table->rowCount(); ++r)
        if (table->item(r, 0) && table->item(r, 0)->text() == name)
            return r;
    return -1;
}

// A quantized weight as exporters write one: int8 values, a float scale and
// an int8 zero point, dequantized before a MatMul.
void writeQuantizedModel(const QString& path)
{
    onnx::ModelProto m;
    m.set_ir_version(8);
    m.set_producer_name("nodus-test");
    auto* opset = m.add_opset_import();
    opset->set_domain("");
    opset->set_version(13);
    auto* g = m.mutable_graph();
    g->set_name("quantized");
    const auto tensor
        = [g](const char* name, onnx::TensorProto::DataType type, std::vector<std::int64_t> dims, std::string raw) {
              auto* t = g->add_initializer();
              t->set_name(name);
              t->set_data_type(type);
              for (auto d : dims)
                  t->add_dims(d);
              t->set_raw_data(std::move(raw));
          };
    tensor("qweight", onnx::TensorProto::INT8, { 2, 3 }, std::string("\x01\x02\x03\xfd\xfe\xff", 6));
    const float scale = 0.5f;
    tensor("scale", onnx::TensorProto::FLOAT, {}, std::string(reinterpret_cast<const char*>(&scale), 4));
    tensor("zero_point", onnx::TensorProto::INT8, {}, std::string("\x03", 1));
    auto* dq = g->add_node();
    dq->set_op_type("DequantizeLinear");
    dq->set_name("/dequant");
    for (const char* in : { "qweight", "scale", "zero_point" })
        dq->add_input(in);
    dq->add_output("weight");
    auto* mm = g->add_node();
    mm->set_op_type("MatMul");
    mm->set_name("/matmul");
    mm->add_input("input");
    mm->add_input("weight");
    mm->add_output("output");
    const auto io = [](onnx::ValueInfoProto* v, const char* name, std::int64_t columns) {
        v->set_name(name);
        auto* t = v->mutable_type()->mutable_tensor_type();
        t->set_elem_type(onnx::TensorProto::FLOAT);
        t->mutable_shape()->add_dim()->set_dim_value(1);
        t->mutable_shape()->add_dim()->set_dim_value(columns);
    };
    io(g->add_input(), "input", 2);
    io(g->add_output(), "output", 3);
    std::string bytes;
    QVERIFY(m.SerializeToString(&bytes));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(bytes.data(), qint64(bytes.size())), qint64(bytes.size()));
}

// The sample's classifier weights, as a MindSpore checkpoint.
void writeBiasCheckpoint(const QString& path, const std::vector<float>& bias)
{
    ckpt::Checkpoint c;
    auto* v = c.add_value();
    v->set_tag("classifier.fc.bias");
    auto* t = v->mutable_tensor();
    t->add_dims(std::int64_t(bias.size()));
    t->set_tensor_type("Float32");
    t->set_tensor_content(std::string(reinterpret_cast<const char*>(bias.data()), bias.size() * sizeof(float)));
    std::string bytes;
    QVERIFY(c.SerializeToString(&bytes));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(bytes.data(), qint64(bytes.size()));
}

} // namespace

class TestEditing : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanup();
    void tensorCellEditUndoRedo();
    void int8RefusalsAndQuantization();
    void pasteBlock();
    void sliceScaleAndCast();
    void npyExportImport();
    void attributeEditor();
    void renameAndShapeInPanels();
    void graphRenameWithF2();
    void graphDeleteBypass();
    void loadWeightsUndo();
    void saveAfterEditsAndCleanMarker();

private:
    // The sample (or `source`) copied to `dir` as `name`, opened in `w`,
    // the window shown and active so shortcuts reach it.
    bool openCopy(MainWindow& w, const QTemporaryDir& dir, const QString& name, const QString& source = kSample);
    // Shows `name` in the tensor dock, as clicking its weights does.
    QTableView* showTensor(MainWindow& w, const std::string& name);
    // Types `text` into cell (row, column) of the tensor table and presses Enter.
    void typeIntoCell(MainWindow& w, int row, int column, const QString& text);
    void closeEditErrorBox(MainWindow& w);
    // Selects the node in the graph view and waits for its layout.
    void selectNode(MainWindow& w, const std::string& name);
};

void TestEditing::initTestCase()
{
    defaultHandler = qInstallMessageHandler(quietHandler);
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("Nodus"));
    QCoreApplication::setApplicationName(QStringLiteral("NodusEditTest"));
    QSettings().clear();
    QVERIFY2(QFileInfo::exists(kSample), qPrintable(kSample + " is missing: run tools/make_sample_model.py"));
}

void TestEditing::cleanup()
{
    // A failed check must not leave a window-modal box to the next test.
    for (QWidget* w : QApplication::topLevelWidgets())
        if (qobject_cast<QMessageBox*>(w))
            w->close();
}

bool TestEditing::openCopy(MainWindow& w, const QTemporaryDir& dir, const QString& name, const QString& source)
{
    const QString path = dir.filePath(name);
    if (!QFile::exists(path) && !QFile::copy(source, path))
        return false;
    w.resize(1400, 900);
    w.show();
    w.activateWindow();
    if (!QTest::qWaitForWindowActive(&w))
        return false;
    QSignalSpy opened(&w, &MainWindow::modelOpened);
    w.openFile(path);
    return opened.wait(kLoadTimeoutMs) && w.currentFile() == path;
}

QTableView* TestEditing::showTensor(MainWindow& w, const std::string& name)
{
    const auto tensor = initializer(*w.model(), name);
    if (!tensor)
        return nullptr;
    w.findChild<QDockWidget*>(QStringLiteral("tensorDock"))->show();
    w.tensorView()->setTensor(tensor);
    return w.tensorView()->table();
}

void TestEditing::typeIntoCell(MainWindow& w, int row, int column, const QString& text)
{
    QTableView* table = w.tensorView()->table();
    const QModelIndex index = table->model()->index(row, column);
    table->scrollTo(index);
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(index).center());
    QCOMPARE(table->currentIndex(), index);
    QTest::keyClick(table, Qt::Key_F2);
    auto* editor = qobject_cast<QLineEdit*>(QApplication::focusWidget());
    QVERIFY2(editor && table->isAncestorOf(editor), "F2 opened no cell editor");
    QCOMPARE(editor->text(), w.tensorView()->tableModel()->cellText(row, column));
    QTest::keyClick(editor, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(editor, text);
    QTest::keyClick(editor, Qt::Key_Return);
    // Item views commit on the next turn of the event loop.
    const QPointer<QLineEdit> open(editor);
    QTRY_VERIFY(!open || !open->isVisible());
}

void TestEditing::closeEditErrorBox(MainWindow& w)
{
    QMessageBox* box = nullptr;
    QTRY_VERIFY((box = w.findChild<QMessageBox*>(QStringLiteral("editErrorBox"))) && box->isVisible());
    QCOMPARE(box->text(), w.lastEditError());
    QCOMPARE(box->icon(), QMessageBox::Warning);
    box->close();
    QTRY_VERIFY(!w.findChild<QMessageBox*>(QStringLiteral("editErrorBox")));
    w.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&w));
}

void TestEditing::selectNode(MainWindow& w, const std::string& name)
{
    GraphView* view = w.graphView();
    QTRY_VERIFY_WITH_TIMEOUT(view->scene() && !view->isLayingOut(), kLayoutTimeoutMs);
    const Node* node = nodeNamed(*w.model(), name);
    QVERIFY(node);
    view->revealNode(w.model()->graph.get(), node->id());
    QTRY_VERIFY_WITH_TIMEOUT(!view->isLayingOut() && view->selectedNode() == node, kLayoutTimeoutMs);
    QCOMPARE(w.nodePanel()->shownNode(), node->id());
}

void TestEditing::tensorCellEditUndoRedo()
{
    QTemporaryDir dir;
    MainWindow w;
    QVERIFY(openCopy(w, dir, QStringLiteral("model.onnx")));
    const auto weight = initializer(*w.model(), "classifier.fc.weight");
    const QByteArray original = bytesOf(*weight);
    QCOMPARE(original.size(), 10 * 16 * 4);

    // Through the properties panel, as a user gets there: the Gemm's weights row.
    selectNode(w, "/classifier/fc/Gemm");
    QTableWidget* inputs = w.nodePanel()->inputsTable();
    QCOMPARE(inputs->item(1, 1)->text(), QStringLiteral("classifier.fc.weight"));
    QTest::mouseClick(
        inputs->viewport(), Qt::LeftButton, {}, inputs->visualRect(inputs->model()->index(1, 1)).center());
    QCOMPARE(w.tensorView()->tensor(), std::shared_ptr<const Tensor>(weight));
    QVERIFY(w.tensorView()->isEditable());
    QVERIFY(!w.isWindowModified());

    typeIntoCell(w, 2, 5, QStringLiteral("0.25"));
    const QByteArray edited = withFloat(original, 2 * 16 + 5, 0.25f);
    QCOMPARE(bytesOf(*weight), edited);
    QCOMPARE(w.tensorView()->tableModel()->cellText(2, 5), QStringLiteral("0.25"));
    QVERIFY2(w.lastEditError().isEmpty(), qPrintable(w.lastEditError()));
    QCOMPARE(w.undoStack()->count(), 1);
    QVERIFY(w.isWindowModified());
    auto* undo = w.findChild<QAction*>(QStringLiteral("undoAction"));
    auto* redo = w.findChild<QAction*>(QStringLiteral("redoAction"));
    QVERIFY(undo && redo);
    QVERIFY2(undo->text().startsWith(QStringLiteral("&Undo ")) && undo->text().contains("classifier.fc.weight"),
        qPrintable(undo->text()));
    QCOMPARE(undo->text(), QStringLiteral("&Undo ") + w.undoStack()->undoText());

    // Ctrl+Z where the user is (the table): the exact original bytes, clean again.
    QTableView* table = w.tensorView()->table();
    QTest::keyClick(table, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(bytesOf(*weight), original);
    QCOMPARE(w.tensorView()->tableModel()->cellText(2, 5), floatText(floatAt(original, 37)));
    QVERIFY(!w.isWindowModified());
    QVERIFY(redo->isEnabled());
    QTest::keyClick(table, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(bytesOf(*weight), edited);
    QVERIFY(w.isWindowModified());
    QTest::keyClick(table, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(bytesOf(*weight), original);
    QTest::keyClick(table, Qt::Key_Y, Qt::ControlModifier);
    QCOMPARE(bytesOf(*weight), edited);
    QCOMPARE(w.undoStack()->index(), 1);

    // Typing the text the cell already shows is no edit.
    typeIntoCell(w, 2, 5, QStringLiteral("0.25"));
    QCOMPARE(w.undoStack()->count(), 1);
}

void TestEditing::int8RefusalsAndQuantization()
{
    QTemporaryDir dir;
    writeQuantizedModel(dir.filePath(QStringLiteral("quantized.onnx")));
    MainWindow w;
    QVERIFY(openCopy(w, dir, QStringLiteral("quantized.onnx")));
    const auto q = initializer(*w.model(), "qweight");
    QVERIFY(q);
    const QByteArray original = bytesOf(*q);
    QCOMPARE(original, QByteArray("\x01\x02\x03\xfd\xfe\xff", 6));
    QVERIFY(showTensor(w, "qweight"));
    QVERIFY(w.tensorView()->isEditable());
    QCOMPARE(w.tensorView()->tableModel()->cellText(1, 0), QStringLiteral("-3"));

    // The DequantizeLinear's parameters show under the table.
    QCOMPARE(w.tensorView()->noteText(),
        QStringLiteral("Quantization (DequantizeLinear '/dequant'): scale = 0.5, zero point = 3"));

    // Out of int8's range, then not a number: refused, said, nothing changed.
    for (const QString& bad : { QStringLiteral("300"), QStringLiteral("abc") }) {
        typeIntoCell(w, 1, 1, bad);
        QVERIFY2(w.lastEditError().contains(bad), qPrintable(w.lastEditError()));
        QCOMPARE(bytesOf(*q), original);
        QCOMPARE(w.undoStack()->count(), 0);
        QVERIFY(!w.isWindowModified());
        QCOMPARE(w.tensorView()->tableModel()->cellText(1, 1), QStringLiteral("-2"));
        closeEditErrorBox(w);
    }

    typeIntoCell(w, 1, 1, QStringLiteral("-128"));
    QCOMPARE(bytesOf(*q), QByteArray("\x01\x02\x03\xfd\x80\xff", 6));
    QVERIFY(w.isWindowModified());

    // A scale edited elsewhere shows in the note when the tensor is shown again.
    QVERIFY(w.runEdit(setTensorElements("scale", { { 0, "0.25" } }), EditKind::TensorValues));
    QVERIFY(showTensor(w, "qweight"));
    QVERIFY2(
        w.tensorView()->noteText().contains(QStringLiteral("scale = 0.25")), qPrintable(w.tensorView()->noteText()));
}

void TestEditing::pasteBlock()
{
    QTemporaryDir dir;
    MainWindow w;
    QVERIFY(openCopy(w, dir, QStringLiteral("model.onnx")));
    const auto weight = initializer(*w.model(), "classifier.fc.weight");
    const QByteArray original = bytesOf(*weight);
    QTableView* table = showTensor(w, "classifier.fc.weight");
    QVERIFY(table);

    const QModelIndex at = table->model()->index(3, 7);
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(at).center());
    QApplication::clipboard()->setText(QStringLiteral("1.5\t-2\n3\t4e-3\n"));
    QTest::keyClick(table, Qt::Key_V, Qt::ControlModifier);
    QVERIFY2(w.lastEditError().isEmpty(), qPrintable(w.lastEditError()));
    QByteArray expected = original;
    expected = withFloat(expected, 3 * 16 + 7, 1.5f);
    expected = withFloat(expected, 3 * 16 + 8, -2.0f);
    expected = withFloat(expected, 4 * 16 + 7, 3.0f);
    expected = withFloat(expected, 4 * 16 + 8, 0.004f);
    QCOMPARE(bytesOf(*weight), expected);
    // One paste, one undo step.
    QCOMPARE(w.undoStack()->count(), 1);
    QTest::keyClick(table, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(bytesOf(*weight), original);

    // Space-separated, into the last column: it does not fit, nothing changes.
    const QModelIndex edge = table->model()->index(0, 15);
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(edge).center());
    QApplication::clipboard()->setText(QStringLiteral("1 2\n"));
    QTest::keyClick(table, Qt::Key_V, Qt::ControlModifier);
    QVERIFY2(w.lastEditError().contains(QStringLiteral("do not fit")), qPrintable(w.lastEditError()));
    QCOMPARE(bytesOf(*weight), original);
    QCOMPARE(w.undoStack()->index(), 0);
    closeEditErrorBox(w);

    // A bad value anywhere in the block refuses the whole paste.
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(at).center());
    QApplication::clipboard()->setText(QStringLiteral("1 2\n3 x\n"));
    QTest::keyClick(table, Qt::Key_V, Qt::ControlModifier);
    QVERIFY(!w.lastEditError().isEmpty());
    QCOMPARE(bytesOf(*weight), original);
    closeEditErrorBox(w);
}

void TestEditing::sliceScaleAndCast()
{
    QTemporaryDir dir;
    MainWindow w;
    QVERIFY(openCopy(w, dir, QStringLiteral("model.onnx")));
    QStringList titles;
    QString answer;
    w.setInputPrompt([&](const QString& title, const std::vector<FieldsDialog::Field>&) -> std::optional<QStringList> {
        titles << title;
        return QStringList { answer };
    });

    // Scale one 2-D slice of a [16,8,3,3] convolution weight by 2.
    const auto conv = initializer(*w.model(), "features.block2.conv.weight");
    QCOMPARE(conv->dims, (std::vector<std::int64_t> { 16, 8, 3, 3 }));
    const QByteArray original = bytesOf(*conv);
    QVERIFY(showTensor(w, "features.block2.conv.weight"));
    TensorView* view = w.tensorView();
    view->findChild<QSpinBox*>(QStringLiteral("index0"))->setValue(4);
    view->findChild<QSpinBox*>(QStringLiteral("index1"))->setValue(6);
    view->setSliceScope(true);
    QCOMPARE(view->editScopeText(), QStringLiteral("slice [4,6,:,:]"));
    answer = QStringLiteral("2");
    view->action(TensorView::Action::Scale)->trigger();
    QCOMPARE(titles.value(0), QStringLiteral("Scale 'features.block2.conv.weight' (slice [4,6,:,:])"));
    QVERIFY2(w.lastEditError().isEmpty(), qPrintable(w.lastEditError()));
    const QByteArray scaled = bytesOf(*conv);
    const std::uint64_t first = (4 * 8 + 6) * 9;
    for (std::uint64_t k = 0; k < 16 * 8 * 9; ++k) {
        const float want = k >= first && k < first + 9 ? floatAt(original, k) * 2 : floatAt(original, k);
        QCOMPARE(floatAt(scaled, k), want);
    }
    // The view kept its slice and shows the new values.
    QCOMPARE(view->findChild<QSpinBox*>(QStringLiteral("index0"))->value(), 4);
    QCOMPARE(view->tableModel()->cellText(1, 1), floatText(floatAt(original, first + 4) * 2));
    QVERIFY2(w.undoStack()->undoText().startsWith(QStringLiteral("Scale")), qPrintable(w.undoStack()->undoText()));
    w.undoStack()->undo();
    QCOMPARE(bytesOf(*conv), original);

    // Not a number: said, nothing pushed.
    answer = QStringLiteral("two");
    view->action(TensorView::Action::Fill)->trigger();
    QVERIFY2(w.lastEditError().contains(QStringLiteral("'two' is not a number")), qPrintable(w.lastEditError()));
    QCOMPARE(w.undoStack()->count(), 1);
    closeEditErrorBox(w);

    // Zero over the whole tensor.
    view->setSliceScope(false);
    view->action(TensorView::Action::Zero)->trigger();
    QCOMPARE(bytesOf(*conv), QByteArray(original.size(), '\0'));
    w.undoStack()->undo();
    QCOMPARE(bytesOf(*conv), original);

    // Cast the bias to float16: the view shows the new type; undo restores the bytes.
    const auto bias = initializer(*w.model(), "classifier.fc.bias");
    const QByteArray biasBytes = bytesOf(*bias);
    QVERIFY(showTensor(w, "classifier.fc.bias"));
    QVERIFY(view->action(TensorView::Action::Cast)->isEnabled());
    answer = QStringLiteral("float16");
    view->action(TensorView::Action::Cast)->trigger();
    QVERIFY2(w.lastEditError().isEmpty(), qPrintable(w.lastEditError()));
    QCOMPARE(bias->dataType, DataType::Float16);
    QCOMPARE(bytesOf(*bias).size(), 10 * 2);
    QCOMPARE(view->fieldText(QStringLiteral("Type")), QStringLiteral("float16"));
    w.undoStack()->undo();
    QCOMPARE(bias->dataType, DataType::Float);
    QCOMPARE(bytesOf(*bias), biasBytes);
    QCOMPARE(view->fieldText(QStringLiteral("Type")), QStringLiteral("float32"));
}

void TestEditing::npyExportImport()
{
    QTemporaryDir dir;
    MainWindow w;
    QVERIFY(openCopy(w, dir, QStringLiteral("model.onnx")));
    const auto bias = initializer(*w.model(), "classifier.fc.bias");
    const QByteArray original = bytesOf(*bias);
    QVERIFY(showTensor(w, "classifier.fc.bias"));

    const QString npy = dir.filePath(QStringLiteral("bias.npy"));
    QVERIFY2(w.exportTensor(npy), qPrintable(w.lastFileError()));
    const auto back = readNpy(npy.toStdString());
    QCOMPARE(back->dims, bias->dims);
    QCOMPARE(bytesOf(*back), original);

    w.tensorView()->action(TensorView::Action::Zero)->trigger();
    QCOMPARE(bytesOf(*bias), QByteArray(original.size(), '\0'));
    QVERIFY2(w.importTensor(npy), qPrintable(w.lastEditError()));
    QCOMPARE(bytesOf(*bias), original);
    QCOMPARE(w.undoStack()->count(), 2);
    w.undoStack()->undo();
    QCOMPARE(bytesOf(*bias), QByteArray(original.size(), '\0'));

    // A file that is not an array: the error names it, nothing changes.
    const QString bad = dir.filePath(QStringLiteral("bad.npy"));
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("not numpy");
    f.close();
    QVERIFY(!w.importTensor(bad));
    QVERIFY2(w.lastEditError().contains(QStringLiteral("bad.npy")), qPrintable(w.lastEditError()));
    QCOMPARE(w.undoStack()->index(), 1);
    closeEditErrorBox(w);
}

void TestEditing::attributeEditor()
{
    QTemporaryDir dir;
    MainWindow w;
    QVERIFY(openCopy(w, dir, QStringLiteral("model.onnx")));
    selectNode(w, "/features/pool/MaxPool");
    const Node* pool = nodeNamed(*w.model(), "/features/pool/MaxPool");
    QCOMPARE(pool->attribute("kernel_shape")->ints, (std::vector<std::int64_t> { 2, 2 }));

    // Double-click the value, type, Enter.
    QTableWidget* table = w.nodePanel()->attributesTable();
    const int row = rowNamed(table, QStringLiteral("kernel_shape"));
    QVERIFY(row >= 0);
    QCOMPARE(table->item(row, 1)->text(), QStringLiteral("[2, 2]"));
    const QPoint cell = table->visualRect(table->model()->index(row, 1)).center();
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, cell);
    QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, cell);
    auto* editor = qobject_cast<QLineEdit*>(QApplication::focusWidget());
    QVERIFY2(editor && table->isAncestorOf(editor), "a double-click opened no editor");
    QCOMPARE(editor->text(), QStringLiteral("[2, 2]"));
    QTest::keyClick(editor, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(editor, QStringLiteral("[3,3]"));
    QTest::keyClick(editor, Qt::Key_Return);
    QTRY_COMPARE(pool->attribute("kernel_shape")->ints, (std::vector<std::int64_t> { 3, 3 }));
    QVERIFY2(w.lastEditError().isEmpty(), qPrintable(w.lastEditError()));
    QTRY_COMPARE(table->item(rowNamed(table, QStringLiteral("kernel_shape")), 1)->text(), QStringLiteral("[3, 3]"));
    QVERIFY(w.isWindowModified());

    // Ctrl+Z from the panel restores it, in the IR and in the table.
    QTest::keyClick(table, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(pool->attribute("kernel_shape")->ints, (std::vector<std::int64_t> { 2, 2 }));
    QCOMPARE(table->item(rowNamed(table, QStringLiteral("kernel_shape")), 1)->text(), QStringLiteral("[2, 2]"));
    QVERIFY(!w.isWindowModified());

    // A value of the wrong type is refused with the reason; the table keeps the old text.
    QVERIFY(w.nodePanel()->editAttribute(QStringLiteral("kernel_shape")));
    editor = qobject_cast<QLineEdit*>(QApplication::focusWidget());
    QVERIFY(editor);
    QTest::keyClick(editor, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(editor, QStringLiteral("'wide'"));
    QTest::keyClick(editor, Qt::Key_Return);
    QTRY_VERIFY(!w.lastEditError().isEmpty());
    QCOMPARE(pool->attribute("kernel_shape")->ints, (std::vector<std::int64_t> { 2, 2 }));
    QCOMPARE(w.undoStack()->index(), 0);
    closeEditErrorBox(w);

    // Add Attribute asks for a name and a value; Remove takes it away.
    w.setInputPrompt([](const QString&, const std::vector<FieldsDialog::Field>& fields) -> std::optional<QStringList> {
        if (fields.size() != 2)
            return std::nullopt;
        return QStringList { QStringLiteral("storage_order"), QStringLiteral("1") };
    });
    emit w.nodePanel()->attributeAddRequested(QStringLiteral("/features/pool/MaxPool"));
    QVERIFY2(pool->attribute("storage_order"), qPrintable(w.lastEditError()));
    QCOMPARE(pool->attribute("storage_order")->i, std::int64_t(1));
    QVERIFY(rowNamed(table, QStringLiteral("storage_order")) >= 0);
    emit w.nodePanel()->attributeRemoveRequested(
        QStringLiteral("/features/pool/MaxPool"), QStringLiteral("storage_order"));
    QVERIFY(!pool->attribute("storage_order"));
    QCOMPARE(w.undoStack()->count(), 2);
}

void TestEditing::renameAndShapeInPanels()
{
    QTemporaryDir dir;
    MainWindow w;
    QVERIFY(openCopy(w, dir, QStringLiteral("model.onnx")));
    const Model& model = *w.model();

    // The node's name in the properties panel: double-click, type, Enter.
    selectNode(w, "/Softmax");
    const Node* softmax = nodeNamed(model, "/Softmax");
    EditableLabel* name = w.nodePanel()->nameLabel();
    QVERIFY(name->isEditable());
    QTest::mouseDClick(name->label(), Qt::LeftButton);
    QVERIFY(name->isEditing());
    QTest::keyClick(name->editor(), Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(name->editor(), QStringLiteral("/head/Softmax"));
    QTest::keyClick(name->editor(), Qt::Key_Return);
    QTRY_COMPARE(softmax->name, std::string("/head/Softmax"));
    QCOMPARE(w.nodePanel()->nameLabel()->text(), QStringLiteral("/head/Softmax"));
    // The find panel searches the new name.
    w.findPanel()->setQuery(QStringLiteral("/head/Softmax"));
    QCOMPARE(w.findPanel()->hits().size(), std::size_t(1));

    // A value's name, from the Softmax's output row (F2 there).
    QTableWidget* outputs = w.nodePanel()->outputsTable();
    outputs->setCurrentCell(0, 1);
    outputs->setFocus();
    QTest::keyClick(outputs, Qt::Key_F2);
    auto* editor = qobject_cast<QLineEdit*>(QApplication::focusWidget());
    QVERIFY(editor && outputs->isAncestorOf(editor));
    QCOMPARE(editor->text(), QStringLiteral("probabilities"));
    QTest::keyClick(editor, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(editor, QStringLiteral("scores"));
    QTest::keyClick(editor, Qt::Key_Return);
    QTRY_COMPARE(softmax->outputs()[0]->name(), std::string("scores"));
    QVERIFY(model.graph->isOutput(softmax->outputs()[0]));
    QTRY_COMPARE(outputs->item(0, 1)->text(), QStringLiteral("scores"));

    // The graph input's shape, from the input's own properties.
    const Value* input = model.graph->findValue("input");
    QVERIFY(input);
    w.graphView()->revealValue(model.graph.get(), input->id());
    QCOMPARE(w.nodePanel()->shownValue(), input->id());
    EditableLabel* shape = w.nodePanel()->shapeLabel();
    QCOMPARE(shape->text(), QStringLiteral("batch,3,32,32"));
    QVERIFY(shape->isEditable());
    shape->startEditing();
    QTest::keyClick(shape->editor(), Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(shape->editor(), QStringLiteral("4, 3, ?, width"));
    QTest::keyClick(shape->editor(), Qt::Key_Return);
    QTRY_COMPARE(input->type.shape.toString(), std::string("[4,3,?,width]"));
    QVERIFY2(w.lastEditError().isEmpty(), qPrintable(w.lastEditError()));
    QCOMPARE(w.nodePanel()->shapeLabel()->text(), QStringLiteral("4,3,?,width"));

    // Not a shape: said, nothing pushed.
    shape->startEditing();
    QTest::keyClick(shape->editor(), Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(shape->editor(), QStringLiteral("4,-3"));
    QTest::keyClick(shape->editor(), Qt::Key_Return);
    QTRY_VERIFY2(w.lastEditError().contains(QStringLiteral("'-3'")), qPrintable(w.lastEditError()));
    QCOMPARE(w.undoStack()->count(), 3);
    closeEditErrorBox(w);

    // The model's producer and a metadata property, in the Model panel.
    EditableLabel* producer = w.propertiesPanel()->editableField(QStringLiteral("Producer"));
    QVERIFY(producer && producer->isEditable());
    QCOMPARE(producer->text(), QStringLiteral("nodus-sample"));
    producer->startEditing();
    QTest::keyClick(producer->editor(), Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(producer->editor(), QStringLiteral("edited-by-nodus"));
    QTest::keyClick(producer->editor(), Qt::Key_Return);
    QTRY_COMPARE(model.producerName, std::string("edited-by-nodus"));
    QCOMPARE(w.propertiesPanel()->fieldText(QStringLiteral("Producer")), QStringLiteral("edited-by-nodus"));
    EditableLabel* license = w.propertiesPanel()->editableField(QStringLiteral("metadata:license"));
    QVERIFY(license);
    license->startEditing();
    QTest::keyClick(license->editor(), Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(license->editor(), QStringLiteral("MIT"));
    QTest::keyClick(license->editor(), Qt::Key_Return);
    QTRY_COMPARE(model.metadata,
        (std::vector<std::pair<std::string, std::string>> { { "license", "MIT" }, { "classes", "10" } }));

    // Everything undoes, in order, back to the file as opened.
    while (w.undoStack()->canUndo())
        w.undoStack()->undo();
    QCOMPARE(model.producerName, std::string("nodus-sample"));
    QCOMPARE(model.metadata.front().second, std::string("CC0-1.0"));
    QCOMPARE(input->type.shape.toString(), std::string("[batch,3,32,32]"));
    QCOMPARE(softmax->outputs()[0]->name(), std::string("probabilities"));
    QCOMPARE(softmax->name, std::string("/Softmax"));
    QVERIFY(!w.isWindowModified());
}

void TestEditing::graphRenameWithF2()
{
    QTemporaryDir dir;
    MainWindow w;
    QVERIFY(openCopy(w, dir, QStringLiteral("model.onnx")));
    QStringList asked;
    QString answer = QStringLiteral("/classifier/fc/Linear");
    w.setInputPrompt(
        [&](const QString& title, const std::vector<FieldsDialog::Field>& fields) -> std::optional<QStringList> {
            asked << title + QLatin1Char(':') + fields.front().value;
            if (answer.isEmpty())
                return std::nullopt;
            return QStringList { answer };
        });
    selectNode(w, "/classifier/fc/Gemm");
    const Node* gemm = w.graphView()->selectedNode();
    const Id id = gemm->id();

    GraphCanvas* canvas = w.graphView()->canvas();
    canvas->setFocus();
    QTest::keyClick(canvas, Qt::Key_F2);
    QCOMPARE(asked, QStringList { QStringLiteral("Rename Node:/classifier/fc/Gemm") });
    QCOMPARE(gemm->name, std::string("/classifier/fc/Linear"));
    // The canvas lays out again and shows the new name; the node stays selected.
    QTRY_VERIFY_WITH_TIMEOUT(!w.graphView()->isLayingOut(), kLayoutTimeoutMs);
    const auto scene = w.graphView()->scene();
    const int item = scene->findItemByNode(id);
    QVERIFY(item >= 0);
    QCOMPARE(scene->items[std::size_t(item)].subtitle, std::string("/classifier/fc/Linear"));
    QCOMPARE(w.graphView()->selectedNode(), gemm);
    QCOMPARE(canvas->selectedItem(), item);
    QCOMPARE(w.nodePanel()->nameLabel()->text(), QStringLiteral("/classifier/fc/Linear"));
    // The outline lists the new name.
    const QAbstractItemModel* outline = w.outline()->model();
    QModelIndex nodes;
    for (int r = 0; r < outline->rowCount(); ++r)
        if (outline->index(r, 0).data().toString() == QStringLiteral("Nodes"))
            nodes = outline->index(r, 0);
    QStringList names;
    for (int r = 0; r < outline->rowCount(nodes); ++r)
        names << outline->index(r, 0, nodes).data().toString();
    QVERIFY(names.contains(QStringLiteral("/classifier/fc/Linear")));
    QVERIFY(!names.contains(QStringLiteral("/classifier/fc/Gemm")));

    // A name another node has: refused, shown.
    canvas->setFocus();
    answer = QStringLiteral("/Softmax");
    QTest::keyClick(canvas, Qt::Key_F2);
    QVERIFY2(!w.lastEditError().isEmpty(), "renaming to a taken name was not refused");
    QCOMPARE(gemm->name, std::string("/classifier/fc/Linear"));
    closeEditErrorBox(w);

    // Cancelled: nothing. Undo: the old name, in the canvas too.
    canvas->setFocus();
    answer.clear();
    QTest::keyClick(canvas, Qt::Key_F2);
    QCOMPARE(w.undoStack()->count(), 1);
    QTest::keyClick(canvas, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(gemm->name, std::string("/classifier/fc/Gemm"));
    QTRY_VERIFY_WITH_TIMEOUT(!w.graphView()->isLayingOut(), kLayoutTimeoutMs);
    const auto again = w.graphView()->scene();
    QCOMPARE(again->items[std::size_t(again->findItemByNode(id))].subtitle, std::string("/classifier/fc/Gemm"));
}

void TestEditing::graphDeleteBypass()
{
    QTemporaryDir dir;
    MainWindow w;
    QVERIFY(openCopy(w, dir, QStringLiteral("model.onnx")));
    QStringList asked;
    MainWindow::DeleteChoice choice = MainWindow::DeleteChoice::Cancel;
    w.setDeletePrompt([&](const QString& name) {
        asked << name;
        return choice;
    });
    const Model& model = *w.model();
    const std::size_t nodesBefore = model.graph->nodes().size();
    selectNode(w, "/features/block1/relu/Relu");
    const Node* relu = w.graphView()->selectedNode();
    const Id reluId = relu->id();
    const Node* conv2 = nodeNamed(model, "/features/block2/conv/Conv");
    const std::string bnOut = relu->inputs()[0]->name();
    QCOMPARE(conv2->inputs()[0]->name(), relu->outputs()[0]->name());
    const std::size_t itemsBefore = w.graphView()->scene()->items.size();

    GraphCanvas* canvas = w.graphView()->canvas();
    canvas->setFocus();
    QTest::keyClick(canvas, Qt::Key_Delete);
    QCOMPARE(asked, QStringList { QStringLiteral("/features/block1/relu/Relu") });
    QCOMPARE(model.graph->nodes().size(), nodesBefore);

    choice = MainWindow::DeleteChoice::Bypass;
    QTest::keyClick(canvas, Qt::Key_Delete);
    QVERIFY2(w.lastEditError().isEmpty(), qPrintable(w.lastEditError()));
    QCOMPARE(model.graph->nodes().size(), nodesBefore - 1);
    QVERIFY(!nodeNamed(model, "/features/block1/relu/Relu"));
    QCOMPARE(conv2->inputs()[0]->name(), bnOut);
    // The canvas shows the graph without it and keeps working.
    QCOMPARE(w.nodePanel()->shownNode(), Id(0));
    QTRY_VERIFY_WITH_TIMEOUT(!w.graphView()->isLayingOut(), kLayoutTimeoutMs);
    QCOMPARE(w.graphView()->scene()->items.size(), itemsBefore - 1);
    QCOMPARE(w.graphView()->scene()->findItemByNode(reluId), -1);
    QVERIFY(!w.graphView()->selectedNode());
    QVERIFY(!w.findChild<QAction*>(QStringLiteral("deleteNodeAction"))->isEnabled());
    selectNode(w, "/features/block2/conv/Conv");

    // Undo puts it back where it was, wired as before.
    QTest::keyClick(canvas, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(model.graph->nodes().size(), nodesBefore);
    QCOMPARE(conv2->inputs()[0]->name(), nodeNamed(model, "/features/block1/relu/Relu")->outputs()[0]->name());
    QTRY_VERIFY_WITH_TIMEOUT(!w.graphView()->isLayingOut(), kLayoutTimeoutMs);
    QCOMPARE(w.graphView()->scene()->items.size(), itemsBefore);
    QVERIFY(w.graphView()->scene()->findItemByNode(reluId) >= 0);
    QVERIFY(!w.isWindowModified());
}

void TestEditing::loadWeightsUndo()
{
    QTemporaryDir dir;
    MainWindow w;
    QVERIFY(openCopy(w, dir, QStringLiteral("model.onnx")));
    const auto bias = initializer(*w.model(), "classifier.fc.bias");
    const QByteArray original = bytesOf(*bias);
    std::vector<float> values(10);
    for (int k = 0; k < 10; ++k)
        values[std::size_t(k)] = float(k) - 4.5f;
    const QString weights = dir.filePath(QStringLiteral("bias.ckpt"));
    writeBiasCheckpoint(weights, values);
    QVERIFY(showTensor(w, "classifier.fc.bias"));

    QVERIFY(w.loadWeights(weights));
    if (auto* report = w.findChild<WeightsReportDialog*>(QStringLiteral("weightsReport")))
        report->accept();
    QCOMPARE(floatAt(bytesOf(*bias), 9), 4.5f);
    QCOMPARE(w.tensorView()->tableModel()->cellText(9, 0), QStringLiteral("4.5"));
    QCOMPARE(w.undoStack()->undoText(), QStringLiteral("Load weights from bias.ckpt"));
    QVERIFY(w.isWindowModified());
    w.undoStack()->undo();
    QCOMPARE(bytesOf(*bias), original);
    QCOMPARE(w.tensorView()->tableModel()->cellText(9, 0), floatText(floatAt(original, 9)));
    QVERIFY(!w.isWindowModified());
    w.undoStack()->redo();
    QCOMPARE(floatAt(bytesOf(*bias), 0), -4.5f);
}

void TestEditing::saveAfterEditsAndCleanMarker()
{
    QTemporaryDir dir;
    MainWindow w;
    QVERIFY(openCopy(w, dir, QStringLiteral("model.onnx")));
    const QString path = w.currentFile();
    QVERIFY(w.runEdit(setTensorElements("classifier.fc.bias", { { 3, "7.5" } }), EditKind::TensorValues));
    QVERIFY(w.runEdit(setAttribute("/features/pool/MaxPool", "kernel_shape", "[3,3]"), EditKind::Attributes));
    QVERIFY(w.runEdit(renameNode("/Softmax", "/head/Softmax"), EditKind::Names));
    QVERIFY(w.isWindowModified());
    QCOMPARE(w.windowTitle(), QStringLiteral("model.onnx[*] — Nodus"));

    QVERIFY(w.save());
    QVERIFY(!w.isWindowModified());
    QVERIFY(w.undoStack()->isClean());
    const auto saved = FormatRegistry::instance().open(path.toStdString());
    QCOMPARE(floatAt(bytesOf(*initializer(*saved, "classifier.fc.bias")), 3), 7.5f);
    QCOMPARE(nodeNamed(*saved, "/features/pool/MaxPool")->attribute("kernel_shape")->ints,
        (std::vector<std::int64_t> { 3, 3 }));
    QVERIFY(nodeNamed(*saved, "/head/Softmax"));
    QVERIFY(!nodeNamed(*saved, "/Softmax"));

    // Reopened in the window: the edits are there, the stack is empty.
    w.closeModel();
    QSignalSpy opened(&w, &MainWindow::modelOpened);
    w.openFile(path);
    QVERIFY(opened.wait(kLoadTimeoutMs));
    QCOMPARE(w.undoStack()->count(), 0);
    QVERIFY(nodeNamed(*w.model(), "/head/Softmax"));
    QCOMPARE(floatAt(bytesOf(*initializer(*w.model(), "classifier.fc.bias")), 3), 7.5f);

    // The marker follows the stack: an edit marks, undo back to clean clears,
    // redo marks again; the unsaved-changes prompt asks only when marked.
    QStringList asked;
    w.setSavePrompt([&](const QString& name) {
        asked << name;
        return MainWindow::SaveChoice::Cancel;
    });
    QVERIFY(w.runEdit(tensorArithmetic("classifier.fc.bias", TensorOp::Add, 1.0), EditKind::TensorValues));
    QVERIFY(w.isWindowModified());
    QVERIFY(!w.closeModel());
    QCOMPARE(asked.size(), 1);
    w.undoStack()->undo();
    QVERIFY(!w.isWindowModified());
    QVERIFY(w.closeModel());
    QCOMPARE(asked.size(), 1);
    QCOMPARE(w.undoStack()->count(), 0);
    QVERIFY(!w.model());
}

QTEST_MAIN(TestEditing)
#include "test_editing.moc"
