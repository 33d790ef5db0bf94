#include "editablelabel.h"
#include "findpanel.h"
#include "histogramwidget.h"
#include "modelpropertiespanel.h"
#include "nodepropertiespanel.h"
#include "tensortablemodel.h"
#include "tensorview.h"

#include "formats/formatregistry.h"
#include "ir/model.h"
#include "ir/opmetadata.h"
#include "ir/ownedtensordata.h"
#include "ir/tensorvalues.h"

#include "testsupport.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableView>
#include <QTableWidget>
#include <QTextBrowser>
#include <QTreeWidget>
#include <QtTest>

#include <cstring>
#include <numeric>

using namespace nodus;

namespace {

std::int64_t defaultOpset(const Model& model)
{
    for (const auto& [domain, version] : model.opsets)
        if (domain.empty() || domain == "ai.onnx")
            return version;
    return 1;
}

int rowNamed(const QTableWidget* table, const QString& name)
{
    for (int r = 0; r < table->rowCount(); ++r)
        if (table->item(r, 0) && table->item(r, 0)->text() == name)
            return r;
    return -1;
}

void clickRow(QTableWidget* table, int row)
{
    const QRect rect = table->visualRect(table->model()->index(row, 1));
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, rect.center());
}

std::shared_ptr<Tensor> floatTensor(std::vector<std::int64_t> dims, const std::vector<float>& values)
{
    auto t = std::make_shared<Tensor>();
    t->name = "synthetic";
    t->dataType = DataType::Float;
    t->dims = std::move(dims);
    std::vector<std::byte> bytes(values.size() * sizeof(float));
    std::memcpy(bytes.data(), values.data(), bytes.size());
    t->data = std::make_shared<OwnedTensorData>(std::move(bytes));
    return t;
}

} // namespace

class TestPanels : public QObject {
    Q_OBJECT

    std::shared_ptr<Model> squeezenet_;
    const Node* firstConv_ = nullptr;

private slots:
    void initTestCase()
    {
        const auto path = nodus::test::corpusDir() / "pytorch-export/squeezenet1_1.onnx";
        if (nodus::test::corpusDir().empty() || !std::filesystem::exists(path))
            return;
        squeezenet_ = FormatRegistry::instance().open(path);
        for (const auto& n : squeezenet_->graph->nodes())
            if (n->opType == "Conv") {
                firstConv_ = n.get();
                break;
            }
    }

    void nodeAttributesAndDefaults()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QVERIFY(firstConv_);
        NodePropertiesPanel panel;
        panel.resize(480, 900);
        panel.setNode(firstConv_, defaultOpset(*squeezenet_));
        QCOMPARE(panel.titleText(), QString("Conv"));
        QVERIFY(panel.documentation()->toPlainText().contains("convolution", Qt::CaseInsensitive));

        auto* table = panel.attributesTable();
        const Attribute* kernel = firstConv_->attribute("kernel_shape");
        QVERIFY(kernel);
        const int kernelRow = rowNamed(table, "kernel_shape");
        QVERIFY(kernelRow >= 0);
        QCOMPARE(table->item(kernelRow, 1)->text(), QString::fromStdString(kernel->valueText()));
        QCOMPARE(table->item(kernelRow, 2)->text(), QString("ints"));
        QVERIFY(!table->item(kernelRow, 1)->data(NodePropertiesPanel::DefaultRole).toBool());

        // Attributes equal to their default stay hidden until asked for.
        const OpInfo* op = OpMetadata::onnx().find("", "Conv", defaultOpset(*squeezenet_));
        QVERIFY(op);
        for (int r = 0; r < table->rowCount(); ++r) {
            const auto* info = op->attribute(table->item(r, 0)->text().toStdString());
            if (info && info->hasDefault)
                QVERIFY(info->defaultText != table->item(r, 1)->text().toStdString());
        }
        const int before = table->rowCount();
        QVERIFY(rowNamed(table, "group") < 0 || firstConv_->attribute("group")->i != 1);
        auto* checkbox = panel.findChild<QCheckBox*>("showDefaults");
        QVERIFY(checkbox);
        checkbox->click();
        QVERIFY(panel.showDefaults());
        QVERIFY(table->rowCount() > before);
        const int groupRow = rowNamed(table, "group");
        QVERIFY(groupRow >= 0);
        QCOMPARE(table->item(groupRow, 1)->text(), QString("1"));
        QVERIFY(table->item(groupRow, 1)->data(NodePropertiesPanel::DefaultRole).toBool());
        QCOMPARE(
            table->item(groupRow, 1)->foreground().color(), panel.palette().color(QPalette::Disabled, QPalette::Text));
        // auto_pad is never set by PyTorch: listed with its default.
        if (!firstConv_->attribute("auto_pad")) {
            const int autoPad = rowNamed(table, "auto_pad");
            QVERIFY(autoPad >= 0);
            QCOMPARE(table->item(autoPad, 1)->text(), QString("'NOTSET'"));
        }
        checkbox->click();
        QCOMPARE(table->rowCount(), before);
    }

    void nodeInputsAndOutputs()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QVERIFY(firstConv_);
        NodePropertiesPanel panel;
        panel.resize(480, 900);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        panel.setNode(firstConv_, defaultOpset(*squeezenet_));

        auto* inputs = panel.inputsTable();
        QCOMPARE(inputs->rowCount(), int(firstConv_->inputs().size()));
        QCOMPARE(inputs->item(0, 0)->text(), QString("X"));
        QCOMPARE(inputs->item(1, 0)->text(), QString("W"));
        const Value* weight = firstConv_->inputs()[1];
        QVERIFY(weight->initializer);
        QCOMPARE(inputs->item(1, 1)->text(), QString::fromStdString(weight->name()));
        QVERIFY(inputs->item(1, 2)->text().startsWith("weights"));
        QCOMPARE(panel.outputsTable()->item(0, 0)->text(), QString("Y"));

        QSignalSpy tensors(&panel, &NodePropertiesPanel::tensorActivated);
        QSignalSpy values(&panel, &NodePropertiesPanel::valueActivated);
        clickRow(inputs, 1);
        QCOMPARE(tensors.count(), 1);
        QCOMPARE(tensors.at(0).at(0).value<std::shared_ptr<Tensor>>(), weight->initializer);
        clickRow(inputs, 0);
        QCOMPARE(values.count(), 1);
        QCOMPARE(values.at(0).at(0).value<Id>(), firstConv_->inputs()[0]->id());
        clickRow(panel.outputsTable(), 0);
        QCOMPARE(values.count(), 2);
        QCOMPARE(values.at(1).at(0).value<Id>(), firstConv_->outputs()[0]->id());

        // An edge: its producer and users.
        const Value* out = firstConv_->outputs()[0];
        panel.showValue(out);
        QCOMPARE(panel.titleText(), QString::fromStdString(out->name()));
        QCOMPARE(panel.inputsTable()->item(0, 2)->text(), QString("Conv"));
        QCOMPARE(panel.outputsTable()->rowCount(), int(out->users().size()));
        QSignalSpy nodes(&panel, &NodePropertiesPanel::nodeActivated);
        clickRow(panel.outputsTable(), 0);
        QCOMPARE(nodes.count(), 1);
        QCOMPARE(nodes.at(0).at(0).value<Id>(), out->users().front().node->id());

        panel.clear();
        QCOMPARE(panel.inputsTable()->rowCount(), 0);
    }

    void tensorViewOfConvWeight()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QVERIFY(firstConv_);
        const auto weight = firstConv_->inputs()[1]->initializer;
        QVERIFY(weight);
        TensorView view;
        view.resize(640, 720);
        view.setTensor(weight);

        QStringList dims;
        for (auto d : weight->dims)
            dims << QString::number(d);
        QCOMPARE(view.fieldText("Shape"), "[" + dims.join(",") + "]");
        QCOMPARE(view.fieldText("Type"), QString("float32"));
        QVERIFY(view.fieldText("Storage").startsWith("in file at offset"));

        // Rank 4: the last two dims are the table, the first two spin boxes.
        QCOMPARE(weight->dims.size(), std::size_t(4));
        auto* model = view.tableModel();
        QCOMPARE(model->rowCount(), int(weight->dims[2]));
        QCOMPARE(model->columnCount(), int(weight->dims[3]));
        const auto bytes = weight->data->bytes();
        QCOMPARE(model->index(0, 0).data().toString(), QString::fromStdString(elementText(weight->dataType, bytes, 0)));
        QCOMPARE(view.table()->model()->index(0, 0).data().toString(), model->index(0, 0).data().toString());

        auto* spin0 = view.findChild<QSpinBox*>("index0");
        auto* spin1 = view.findChild<QSpinBox*>("index1");
        QVERIFY(spin0 && spin1);
        QCOMPARE(spin0->maximum(), int(weight->dims[0] - 1));
        spin1->setValue(2);
        spin0->setValue(5);
        const std::uint64_t flat = ((5 * weight->dims[1] + 2) * weight->dims[2] + 1) * weight->dims[3] + 2;
        QCOMPARE(
            model->index(1, 2).data().toString(), QString::fromStdString(elementText(weight->dataType, bytes, flat)));

        QCOMPARE(view.statisticsStatus(), QString("Computing…"));
        QTRY_VERIFY_WITH_TIMEOUT(view.hasStatistics(), 10000);
        const TensorStatistics& s = view.statistics();
        const auto count = *weight->elementCount();
        QCOMPARE(s.count, count);
        QVERIFY(s.min <= s.mean && s.mean <= s.max);
        QVERIFY(s.std > 0);
        QCOMPARE(std::accumulate(s.histogram.begin(), s.histogram.end(), std::uint64_t(0)), count);
        const auto& bars = view.histogram()->counts();
        QCOMPARE(std::accumulate(bars.begin(), bars.end(), std::uint64_t(0)), count);
        QVERIFY(!view.fieldText("Min").isEmpty());
        QCOMPARE(view.statisticsStatus(), QString());
    }

    void tensorViewShapes()
    {
        TensorView view;
        // Scalar: one cell.
        view.setTensor(floatTensor({}, { 2.5f }));
        QCOMPARE(view.tableModel()->rowCount(), 1);
        QCOMPARE(view.tableModel()->columnCount(), 1);
        QCOMPARE(view.tableModel()->index(0, 0).data().toString(), QString("2.5"));
        // 1-D: one column.
        view.setTensor(floatTensor({ 3 }, { 1, 2, 3 }));
        QCOMPARE(view.tableModel()->rowCount(), 3);
        QCOMPARE(view.tableModel()->columnCount(), 1);
        QCOMPARE(view.tableModel()->index(2, 0).data().toString(), QString("3"));

        // Strings show, statistics say why there are none.
        auto strings = std::make_shared<Tensor>();
        strings->name = "labels";
        strings->dataType = DataType::String;
        strings->dims = { 2 };
        strings->strings = { "cat", "dog\nline" };
        view.setTensor(strings);
        QCOMPARE(view.tableModel()->index(1, 0).data().toString(), QString("dog\\nline"));
        QTRY_VERIFY(view.statisticsStatus().contains("need numeric elements"));

        // float16 bit patterns, shortest text in their own precision.
        auto half = std::make_shared<Tensor>();
        half->dataType = DataType::Float16;
        half->dims = { 1, 2 };
        half->data = std::make_shared<OwnedTensorData>(
            std::vector<std::byte> { std::byte(0x66), std::byte(0x2e), std::byte(0x00), std::byte(0xfc) });
        view.setTensor(half);
        QCOMPARE(view.tableModel()->index(0, 0).data().toString(), QString("0.1"));
        QCOMPARE(view.tableModel()->index(0, 1).data().toString(), QString("-inf"));
        QTRY_VERIFY(view.hasStatistics());
        QCOMPARE(view.statistics().infs, std::uint64_t(1));

        // Short data: an error, not a crash.
        auto broken = floatTensor({ 4 }, { 1, 2 });
        view.setTensor(broken);
        QCOMPARE(view.tableModel()->rowCount(), 0);
        QVERIFY(view.tableModel()->errorText().contains("bytes"));
    }

    void tensorViewPagesHugeSlices()
    {
        // More rows than a table holds: a window with a page spin box.
        const std::int64_t n = TensorTableModel::kMaxRows + 10;
        std::vector<float> values(static_cast<std::size_t>(n));
        std::iota(values.begin(), values.end(), 0.0f);
        TensorView view;
        view.setTensor(floatTensor({ n }, values));
        QCOMPARE(view.tableModel()->rowCount(), int(TensorTableModel::kMaxRows));
        auto* page = view.findChild<QSpinBox*>("rowPage");
        QVERIFY(page);
        QCOMPARE(page->value(), 1);
        page->setValue(2);
        QCOMPARE(view.tableModel()->rowCount(), 10);
        QCOMPARE(view.tableModel()->index(0, 0).data().toString(), QString::number(TensorTableModel::kMaxRows));
        QCOMPARE(
            view.tableModel()->headerData(0, Qt::Vertical).toString(), QString::number(TensorTableModel::kMaxRows));

        // Switching tensors while statistics run: only the last one reports.
        QSignalSpy ready(&view, &TensorView::statisticsReady);
        view.setTensor(floatTensor({ 2 }, { -1, 1 }));
        QTRY_VERIFY(view.hasStatistics());
        QTest::qWait(50);
        QCOMPARE(ready.count(), 1);
        QCOMPARE(view.statistics().count, std::uint64_t(2));
    }

    void tensorEditRequests()
    {
        // [2,2,3]: the table shows slice [i,:,:]; flat index = i*6 + row*3 + column.
        std::vector<float> values(12);
        std::iota(values.begin(), values.end(), 0.0f);
        auto tensor = floatTensor({ 2, 2, 3 }, values);
        TensorView view;
        view.resize(640, 480);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QSignalSpy shown(&view, &TensorView::tensorShown);
        view.setTensor(tensor);
        QCOMPARE(shown.count(), 1);
        auto* model = view.tableModel();
        // Not editable until the window says so.
        QVERIFY(!view.isEditable());
        QVERIFY(!(model->flags(model->index(0, 0)) & Qt::ItemIsEditable));
        QCOMPARE(view.table()->editTriggers(), QAbstractItemView::NoEditTriggers);
        QVERIFY(!view.action(TensorView::Action::Fill)->isEnabled());
        QVERIFY(view.action(TensorView::Action::Export)->isEnabled());
        view.setEditable(true, false);
        QVERIFY(model->flags(model->index(0, 0)) & Qt::ItemIsEditable);
        QVERIFY(view.action(TensorView::Action::Fill)->isEnabled());
        QVERIFY(!view.action(TensorView::Action::Cast)->isEnabled());

        view.findChild<QSpinBox*>("index0")->setValue(1);
        QSignalSpy edits(&view, &TensorView::elementsEditRequested);
        QSignalSpy problems(&view, &TensorView::editProblem);
        // A cell edit asks; the tensor does not change by itself.
        QVERIFY(!model->setData(model->index(1, 2), QStringLiteral(" 9.5 ")));
        QCOMPARE(edits.count(), 1);
        QCOMPARE(edits.at(0).at(0).value<ElementEdits>(), (ElementEdits { { 11, "9.5" } }));
        QCOMPARE(model->cellText(1, 2), QStringLiteral("11"));
        // The same text is no edit.
        QVERIFY(!model->setData(model->index(1, 2), QStringLiteral("11")));
        QCOMPARE(edits.count(), 1);

        // Paste from the current cell: rows by newline, columns by tab.
        view.table()->setCurrentIndex(model->index(0, 1));
        QApplication::clipboard()->setText(QStringLiteral("a\tb\r\nc\td\r\n"));
        view.paste();
        QCOMPARE(edits.count(), 2);
        QCOMPARE(edits.at(1).at(0).value<ElementEdits>(),
            (ElementEdits { { 7, "a" }, { 8, "b" }, { 10, "c" }, { 11, "d" } }));
        // One value into a selected block fills it.
        view.table()->selectionModel()->select(
            QItemSelection(model->index(0, 0), model->index(1, 1)), QItemSelectionModel::ClearAndSelect);
        QApplication::clipboard()->setText(QStringLiteral("5"));
        view.paste();
        QCOMPARE(edits.at(2).at(0).value<ElementEdits>(),
            (ElementEdits { { 6, "5" }, { 7, "5" }, { 9, "5" }, { 10, "5" } }));
        // Three columns from column 1 do not fit: a problem, no request.
        view.table()->clearSelection();
        view.table()->setCurrentIndex(model->index(0, 1));
        QApplication::clipboard()->setText(QStringLiteral("1 2 3"));
        view.paste();
        QCOMPARE(edits.count(), 3);
        QCOMPARE(problems.count(), 1);
        QVERIFY(problems.at(0).at(0).toString().contains("do not fit"));

        // What Fill/Scale/Add cover: everything, or the slice shown.
        QVERIFY(view.editScope().ranges.empty());
        QCOMPARE(view.editScopeText(), QStringLiteral("the whole tensor"));
        view.setSliceScope(true);
        QCOMPARE(view.editScope().ranges,
            (std::vector<std::pair<std::int64_t, std::int64_t>> { { 1, 2 }, { 0, 2 }, { 0, 3 } }));
        QCOMPARE(view.editScopeText(), QStringLiteral("slice [1,:,:]"));

        // After an edit is applied, refresh shows it and keeps the slice.
        values[11] = 42.0f;
        std::vector<std::byte> bytes(values.size() * sizeof(float));
        std::memcpy(bytes.data(), values.data(), bytes.size());
        tensor->data = std::make_shared<OwnedTensorData>(std::move(bytes));
        view.refresh();
        QCOMPARE(view.findChild<QSpinBox*>("index0")->value(), 1);
        QCOMPARE(model->cellText(1, 2), QStringLiteral("42"));
        QVERIFY(view.isEditable());
        QCOMPARE(shown.count(), 1);
        QTRY_VERIFY(view.hasStatistics());
        QCOMPARE(view.statistics().max, 42.0);

        // A new tensor starts not editable.
        view.setTensor(floatTensor({ 2 }, { 1, 2 }));
        QVERIFY(!view.isEditable());
    }

    void editableLabel()
    {
        EditableLabel label;
        label.setText(QStringLiteral("old"));
        label.show();
        QVERIFY(QTest::qWaitForWindowExposed(&label));
        QSignalSpy edited(&label, &EditableLabel::edited);
        QTest::mouseDClick(label.label(), Qt::LeftButton);
        QVERIFY(!label.isEditing());

        label.setEditable(true);
        QTest::mouseDClick(label.label(), Qt::LeftButton);
        QVERIFY(label.isEditing());
        QCOMPARE(label.editor()->text(), QStringLiteral("old"));
        QTest::keyClick(label.editor(), Qt::Key_A, Qt::ControlModifier);
        QTest::keyClicks(label.editor(), QStringLiteral("new"));
        QTest::keyClick(label.editor(), Qt::Key_Escape);
        QVERIFY(!label.isEditing());
        QCOMPARE(edited.count(), 0);

        // F2, type, Enter: asked for; the text changes only when set.
        label.setFocus();
        QTest::keyClick(&label, Qt::Key_F2);
        QVERIFY(label.isEditing());
        QTest::keyClick(label.editor(), Qt::Key_A, Qt::ControlModifier);
        QTest::keyClicks(label.editor(), QStringLiteral("line one\\nline two"));
        QTest::keyClick(label.editor(), Qt::Key_Return);
        QVERIFY(!label.isEditing());
        QTRY_COMPARE(edited.count(), 1);
        QCOMPARE(edited.at(0).at(0).toString(), QStringLiteral("line one\nline two"));
        QCOMPARE(label.text(), QStringLiteral("old"));
        // Enter on an unchanged text asks nothing.
        label.startEditing();
        QTest::keyClick(label.editor(), Qt::Key_Return);
        QTest::qWait(20);
        QCOMPARE(edited.count(), 1);
    }

    void parseDims()
    {
        QString error;
        auto dims = NodePropertiesPanel::parseDims(QStringLiteral("1,3,224,224"), &error);
        QVERIFY(dims);
        QCOMPARE(*dims, (std::vector<Dim> { Dim::known(1), Dim::known(3), Dim::known(224), Dim::known(224) }));
        dims = NodePropertiesPanel::parseDims(QStringLiteral("[batch, 3, ?]"), &error);
        QVERIFY(dims);
        QCOMPARE(*dims, (std::vector<Dim> { Dim::symbolic("batch"), Dim::known(3), Dim {} }));
        QVERIFY(NodePropertiesPanel::parseDims(QStringLiteral(""))->empty());
        QVERIFY(!NodePropertiesPanel::parseDims(QStringLiteral("4,-3"), &error));
        QVERIFY2(error.contains(QStringLiteral("'-3'")), qPrintable(error));
        QVERIFY(!NodePropertiesPanel::parseDims(QStringLiteral("4,,3"), &error));
        QVERIFY2(error.contains(QStringLiteral("empty")), qPrintable(error));
        QVERIFY(!NodePropertiesPanel::parseDims(QStringLiteral("4 3"), &error));
    }

    // A model with many op types (an inlined TorchScript graph has ~20)
    // keeps the panel narrow and short: its labels wrap and scroll instead
    // of widening the dock and making the window taller than the screen.
    void modelPanelStaysCompact()
    {
        auto model = std::make_shared<Model>();
        model->format = "onnx";
        model->graph = std::make_shared<Graph>();
        for (int k = 0; k < 60; ++k)
            model->graph->addNode("SomeRatherLongOperatorName" + std::to_string(k));
        ModelPropertiesPanel panel;
        panel.showModel(model);
        QVERIFY(panel.fieldText(QStringLiteral("Op types")).startsWith(QStringLiteral("60: ")));
        QVERIFY2(panel.sizeHint().width() <= 320, qPrintable(QString::number(panel.sizeHint().width())));
        QVERIFY2(panel.minimumSizeHint().height() < 200, qPrintable(QString::number(panel.minimumSizeHint().height())));
    }

    void findPanel()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QVERIFY(squeezenet_);
        FindPanel panel;
        panel.resize(400, 500);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        panel.setGraph(squeezenet_->graph.get());
        QCOMPARE(panel.lineEdit()->placeholderText(), QString("Find nodes, values, tensors"));

        QSignalSpy activated(&panel, &FindPanel::hitActivated);
        panel.focusSearch();
        QTest::keyClicks(panel.lineEdit(), "Relu");
        // Debounced: nothing yet, then results.
        QCOMPARE(panel.resultsList()->topLevelItemCount(), 0);
        QTRY_VERIFY(panel.resultsList()->topLevelItemCount() > 0);
        QTest::keyClick(panel.lineEdit(), Qt::Key_Return);
        QCOMPARE(activated.count(), 1);
        const auto hit = activated.at(0).at(0).value<SearchHit>();
        QCOMPARE(hit.kind, SearchHit::Node);
        const Node* node = squeezenet_->graph->nodeById(hit.id);
        QVERIFY(node);
        QCOMPARE(QString::fromStdString(node->opType), QString("Relu"));

        // Down moves through the results; double-click activates too.
        QTest::keyClick(panel.lineEdit(), Qt::Key_Down);
        QCOMPARE(panel.resultsList()->indexOfTopLevelItem(panel.resultsList()->currentItem()), 1);
        auto* list = panel.resultsList();
        const QRect rect = list->visualItemRect(list->topLevelItem(2));
        // A real double-click starts with a click; Qt only recognises the
        // second press as a double-click after one.
        QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, rect.center());
        QTest::mouseDClick(list->viewport(), Qt::LeftButton, {}, rect.center());
        QCOMPARE(activated.count(), 2);
        QCOMPARE(activated.at(1).at(0).value<SearchHit>().id, panel.hits()[2].id);

        // Op type mode: exactly the Conv nodes.
        panel.setMode(SearchMode::OpType);
        panel.setQuery("conv");
        std::size_t convs = 0;
        for (const auto& n : squeezenet_->graph->nodes())
            convs += n->opType == "Conv";
        QCOMPARE(std::size_t(panel.resultsList()->topLevelItemCount()), convs);

        // A half-typed regex: said inline, no dialog, no results.
        panel.setMode(SearchMode::Regex);
        panel.setQuery("features[");
        QVERIFY(panel.errorText().startsWith("invalid regular expression"));
        QCOMPARE(panel.resultsList()->topLevelItemCount(), 0);
        QVERIFY(!QApplication::activeModalWidget());
        panel.setQuery("^/features/features\\.3/");
        QVERIFY(panel.errorText().isEmpty());
        QVERIFY(panel.resultsList()->topLevelItemCount() >= 4);

        panel.setGraph(nullptr);
        QCOMPARE(panel.resultsList()->topLevelItemCount(), 0);
    }
};

QTEST_MAIN(TestPanels)
#include "test_panels.moc"
