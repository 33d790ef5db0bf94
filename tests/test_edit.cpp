// Edit commands (core/edit/commands.h): every command reverts to an equal
// model; apply, save, reopen gives exactly the edited model (compared with
// an unsaved copy the same command was applied to: every other tensor byte,
// name and attribute equal); 100 random edits with undo and redo against a
// reference replay; refusals change nothing and say why; the other formats
// save the edits they can and refuse the rest; element encoding by type;
// nodus-cli edit.
#include "testsupport.h"

#include "edit/commands.h"
#include "formats/formatregistry.h"
#include "ir/model.h"
#include "ir/modelcompare.h"
#include "ir/ownedtensordata.h"
#include "ir/tensorencode.h"
#include "ir/tensorvalues.h"
#include "util/npy.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <QProcess>
#include <QTemporaryDir>

#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>

using namespace nodus;
namespace fs = std::filesystem;

namespace {

fs::path samplePath()
{
    return test::sourceDir() / "resources" / "samples" / "sample.onnx";
}

std::unique_ptr<Model> openModel(const fs::path& p)
{
    return FormatRegistry::instance().open(p);
}

QString diffText(const std::vector<std::string>& d)
{
    QStringList l;
    for (const auto& s : d)
        l << QString::fromStdString(s);
    return l.join("; ");
}

std::shared_ptr<Tensor> tensorOf(Model& m, const std::string& name)
{
    for (const auto& t : m.graph->initializers)
        if (t->name == name)
            return t;
    return nullptr;
}

using Factory = std::function<EditCommandPtr()>;

// One of each command on the sample CNN.
std::vector<std::pair<const char*, Factory>> sampleCommands()
{
    const std::string conv = "/features/block1/conv/Conv";
    return {
        { "setTensorData",
            [] {
                std::vector<std::byte> bytes(40);
                for (std::size_t k = 0; k < bytes.size(); ++k)
                    bytes[k] = std::byte(k);
                return setTensorData("classifier.fc.bias", std::make_shared<OwnedTensorData>(bytes));
            } },
        { "setTensorElements",
            [] {
                return setTensorElements("classifier.fc.bias", { { 0, "1.5" }, { 9, "-2" } });
            } },
        { "scale", [] { return tensorArithmetic("features.block1.conv.weight", TensorOp::Scale, 2); } },
        { "addSlice",
            [] {
                return tensorArithmetic("features.block2.conv.weight", TensorOp::Add, 1,
                    TensorSlice { { { 1, 3 }, { 0, 8 }, { 0, 3 }, { 2, 3 } } });
            } },
        { "zero", [] { return tensorArithmetic("features.block1.bn.bias", TensorOp::Fill, 0); } },
        { "cast", [] { return castTensor("classifier.fc.weight", DataType::Float16); } },
        { "replace",
            [] {
                auto t = std::make_shared<Tensor>();
                t->dataType = DataType::Double;
                t->dims = { 10 };
                std::vector<double> v(10, 0.25);
                std::vector<std::byte> b(80);
                std::memcpy(b.data(), v.data(), 80);
                t->data = std::make_shared<OwnedTensorData>(b);
                return replaceTensor("classifier.fc.bias", t);
            } },
        { "renameNode", [conv] { return renameNode(conv, "first_conv"); } },
        { "renameInput", [] { return renameValue("input", "image"); } },
        { "renameInner", [] { return renameValue("/features/block1/relu/Relu_output_0", "relu1"); } },
        { "renameTensor", [] { return renameValue("classifier.fc.bias", "fc_bias"); } },
        { "renameOutput", [] { return renameValue("probabilities", "probs"); } },
        { "setAttribute", [conv] { return setAttribute(conv, "pads", "[0,0,0,0]"); } },
        { "addAttribute", [] { return setAttribute("/features/pool/MaxPool", "dilations", "[1,1]"); } },
        { "removeAttribute", [] { return removeAttribute("/features/block1/bn/BatchNormalization", "momentum"); } },
        { "inputShape",
            [] {
                return setInputShape("input", { Dim::symbolic("n"), Dim::known(3), Dim::known(48), Dim::known(48) });
            } },
        { "bypass", [] { return deleteNode("/Softmax", DeleteMode::Bypass); } },
        { "properties",
            [] {
                ModelProperties p;
                p.producerName = "edited";
                p.docString = "a doc";
                p.metadata = std::vector<std::pair<std::string, std::string>> { { "k", "v" }, { "license", "MIT" } };
                return setModelProperties(p);
            } },
        { "compound",
            [] {
                std::vector<EditCommandPtr> c;
                c.push_back(tensorArithmetic("classifier.fc.bias", TensorOp::Scale, -1));
                c.push_back(renameNode("/Flatten", "flatten"));
                return compound("two edits", std::move(c));
            } },
    };
}

} // namespace

class TestEdit : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

    fs::path out(const std::string& name) const { return fs::path(dir_.path().toStdString()) / name; }

private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void applyRevertSaveReopen_data()
    {
        QTest::addColumn<int>("index");
        const auto cmds = sampleCommands();
        for (std::size_t k = 0; k < cmds.size(); ++k)
            QTest::newRow(cmds[k].first) << int(k);
    }

    void applyRevertSaveReopen()
    {
        QFETCH(int, index);
        const auto factory = sampleCommands()[static_cast<std::size_t>(index)].second;
        const auto original = openModel(samplePath());
        auto model = openModel(samplePath());
        auto cmd = factory();
        cmd->apply(*model);
        QVERIFY2(!compareModels(*model, *original).empty(), "the edit changed nothing");
        cmd->revert(*model);
        QVERIFY2(compareModels(*model, *original).empty(), qPrintable(diffText(compareModels(*model, *original))));
        // Reverted then saved: the file is the original, byte for byte.
        const auto reverted = out(std::to_string(index) + "-reverted.onnx");
        FormatRegistry::instance().save(*model, reverted);
        QCOMPARE(test::fileBytes(reverted), test::fileBytes(samplePath()));

        // Applied, saved, reopened = an unsaved copy with the same edit.
        cmd->apply(*model);
        const auto saved = out(std::to_string(index) + ".onnx");
        FormatRegistry::instance().save(*model, saved);
        const auto back = openModel(saved);
        auto reference = openModel(samplePath());
        factory()->apply(*reference);
        QVERIFY2(compareModels(*back, *reference).empty(), qPrintable(diffText(compareModels(*back, *reference))));
        // Undo after a save: saving again gives the original bytes back.
        cmd->revert(*model);
        const auto again = out(std::to_string(index) + "-undone.onnx");
        FormatRegistry::instance().save(*model, again);
        QCOMPARE(test::fileBytes(again), test::fileBytes(samplePath()));
    }

    void refusals()
    {
        const auto original = openModel(samplePath());
        auto model = openModel(samplePath());
        const std::string conv = "/features/block1/conv/Conv";
        auto refused = [&](EditCommandPtr cmd, const char* reason) {
            try {
                cmd->apply(*model);
                QFAIL(qPrintable("accepted: " + QString::fromStdString(cmd->text())));
            } catch (const EditRefused& e) {
                QVERIFY2(QString(e.what()).contains(reason), e.what());
            }
            QVERIFY2(compareModels(*model, *original).empty(), qPrintable(diffText(compareModels(*model, *original))));
        };
        refused(setTensorElements("classifier.fc.bias", { { 0, "abc" } }), "'abc' is not a number");
        refused(setTensorElements("classifier.fc.bias", { { 0, "1" }, { 10, "2" } }), "element 10 is outside");
        refused(setTensorElements("nope", { { 0, "1" } }), "no stored tensor named 'nope'");
        refused(castTensor("classifier.fc.bias", DataType::Int8), "not a whole number");
        refused(setAttribute(conv, "colour", "3"), "Conv has no attribute 'colour'");
        refused(setAttribute(conv, "group", "two"), "'two' is not a whole number");
        refused(setAttribute(conv, "pads", "[1,x]"), "a list of whole numbers");
        refused(removeAttribute("/features/pool/MaxPool", "kernel_shape"), "requires its attribute 'kernel_shape'");
        refused(renameValue("logits", "probabilities"), "already used");
        refused(renameNode(conv, "/Softmax"), "already named '/Softmax'");
        refused(renameValue("missing", "x"), "no value named 'missing'");
        refused(deleteNode("/classifier/fc/Gemm", DeleteMode::WithDanglingProducers), "is read by '/Softmax'");
        refused(deleteNode("/Softmax", DeleteMode::WithDanglingProducers), "the graph would have none");
        refused(deleteNode(conv, DeleteMode::Bypass), "would feed float32[batch,3,32,32] where float32[batch,8,32,32]");
        refused(setInputShape("classifier.fc.bias", { Dim::known(1) }), "no input named");
        // A failing part of a compound undoes the parts before it.
        std::vector<EditCommandPtr> parts;
        parts.push_back(tensorArithmetic("classifier.fc.bias", TensorOp::Fill, 7));
        parts.push_back(renameNode("missing", "x"));
        refused(compound("both", std::move(parts)), "no node named 'missing'");

        // int8: range and whole numbers.
        auto cast = castTensor("classifier.fc.bias", DataType::Int8);
        tensorArithmetic("classifier.fc.bias", TensorOp::Fill, 3)->apply(*model);
        cast->apply(*model);
        auto t = tensorOf(*model, "classifier.fc.bias");
        QCOMPARE(t->dataType, DataType::Int8);
        try {
            setTensorElements("classifier.fc.bias", { { 2, "300" } })->apply(*model);
            QFAIL("300 fits int8?");
        } catch (const EditRefused& e) {
            QVERIFY2(QString(e.what()).contains("does not fit int8 (-128 to 127)"), e.what());
        }
        setTensorElements("classifier.fc.bias", { { 2, "-128" } })->apply(*model);
        QCOMPARE(elementAsDouble(DataType::Int8, t->data->bytes(), 2), -128.0);
    }

    // Delete with producers: the branch and the tensors only it used go.
    void deleteWithProducers()
    {
        // A two-output model: out2 = Relu(Mul(x, w)) besides the sample's path.
        const auto path = out("twoheads.onnx");
        QProcess py;
        py.start("/usr/bin/python3",
            { "-c",
                "import onnx, numpy as np, sys\n"
                "from onnx import helper as h, numpy_helper as nh\n"
                "g = h.make_graph([h.make_node('Add', ['x','a'], ['y'], name='add'),"
                " h.make_node('Mul', ['x','w'], ['m'], name='mul'), h.make_node('Relu', ['m'], ['z'], name='relu')],"
                " 'g', [h.make_tensor_value_info('x', 1, [2])],"
                " [h.make_tensor_value_info('y', 1, [2]), h.make_tensor_value_info('z', 1, [2])],"
                " [nh.from_array(np.ones(2, np.float32), 'a'), nh.from_array(np.full(2, 3, np.float32), 'w')])\n"
                "onnx.save(h.make_model(g, opset_imports=[h.make_opsetid('', 17)]), sys.argv[1])\n",
                QString::fromStdString(path.string()) });
        QVERIFY(py.waitForFinished(60000));
        if (py.exitCode() != 0)
            QSKIP("python3-onnx is not available");
        auto model = openModel(path);
        const auto original = openModel(path);
        auto cmd = deleteNode("relu", DeleteMode::WithDanglingProducers);
        cmd->apply(*model);
        QCOMPARE(model->graph->nodes().size(), std::size_t { 1 });
        QCOMPARE(model->graph->outputs.size(), std::size_t { 1 });
        QCOMPARE(model->graph->initializers.size(), std::size_t { 1 });
        const auto saved = out("onehead.onnx");
        FormatRegistry::instance().save(*model, saved);
        const auto back = openModel(saved);
        QCOMPARE(back->graph->nodes().size(), std::size_t { 1 });
        QCOMPARE(QString::fromStdString(back->graph->nodes()[0]->name), QString("add"));
        QCOMPARE(back->graph->initializers.size(), std::size_t { 1 });
        QCOMPARE(QString::fromStdString(back->graph->initializers[0]->name), QString("a"));
        QVERIFY(!back->graph->findValue("w") || !back->graph->findValue("w")->initializer);
        cmd->revert(*model);
        QVERIFY(compareModels(*model, *original).empty());
        const auto restored = out("restored.onnx");
        FormatRegistry::instance().save(*model, restored);
        QCOMPARE(test::fileBytes(restored), test::fileBytes(path));
    }

    // 100 random edits with undo and redo; after each step the model equals a
    // fresh copy with the commands still in effect replayed on it.
    void randomUndoRedo()
    {
        std::mt19937 rng(20261122);
        auto model = openModel(samplePath());
        const std::vector<std::string> tensors
            = { "classifier.fc.bias", "classifier.fc.weight", "features.block1.bn.bias", "features.block2.conv.bias" };
        const std::vector<std::string> nodes = { "/features/block1/conv/Conv", "/features/pool/MaxPool", "/Flatten" };
        std::vector<std::pair<std::string, Factory>> done; // applied, in order
        std::vector<std::pair<std::string, Factory>> undone;
        std::vector<EditCommandPtr> live, redoable;
        int renames = 0;
        auto pick = [&](const auto& v) { return v[rng() % v.size()]; };
        for (int step = 0; step < 100; ++step) {
            const int what = static_cast<int>(rng() % 10);
            if (what < 2 && !live.empty()) {
                live.back()->revert(*model);
                redoable.push_back(std::move(live.back()));
                live.pop_back();
                undone.push_back(done.back());
                done.pop_back();
            } else if (what < 3 && !redoable.empty()) {
                redoable.back()->apply(*model);
                live.push_back(std::move(redoable.back()));
                redoable.pop_back();
                done.push_back(undone.back());
                undone.pop_back();
            } else {
                Factory f;
                const std::string t = pick(tensors);
                switch (rng() % 5) {
                case 0: {
                    const double s = 0.5 + (rng() % 4);
                    f = [t, s] { return tensorArithmetic(t, TensorOp::Scale, s); };
                    break;
                }
                case 1: {
                    const std::uint64_t i = rng() % 8;
                    const std::string v = std::to_string(int(rng() % 100) - 50) + ".25";
                    f = [t, i, v] { return setTensorElements(t, { { i, v } }); };
                    break;
                }
                case 2: {
                    // Rename a node that exists now, to a new unique name.
                    std::vector<std::string> names;
                    for (const auto& n : model->graph->nodes())
                        names.push_back(n->name);
                    const std::string from = pick(names);
                    const std::string to = "renamed_" + std::to_string(renames++);
                    f = [from, to] { return renameNode(from, to); };
                    break;
                }
                case 3: {
                    const std::string n = pick(nodes);
                    if (!model->graph->findNode(n)) {
                        f = [t] { return tensorArithmetic(t, TensorOp::Add, 1); };
                        break;
                    }
                    const std::string v = n == "/Flatten" ? std::to_string(1 + rng() % 2) : "[1,1]";
                    const std::string attr = n == "/Flatten" ? "axis" : "strides";
                    f = [n, attr, v] { return setAttribute(n, attr, v); };
                    break;
                }
                default: {
                    ModelProperties p;
                    p.docString = "step " + std::to_string(step);
                    f = [p] { return setModelProperties(p); };
                    break;
                }
                }
                auto cmd = f();
                cmd->apply(*model);
                live.push_back(std::move(cmd));
                done.emplace_back(std::to_string(step), f);
                redoable.clear();
                undone.clear();
            }
            auto reference = openModel(samplePath());
            for (auto& [name, f] : done)
                f()->apply(*reference);
            const auto d = compareModels(*model, *reference);
            QVERIFY2(d.empty(), qPrintable(QString("step %1: %2").arg(step).arg(diffText(d))));
        }
        QVERIFY(done.size() > 20);
        const auto saved = out("random.onnx");
        FormatRegistry::instance().save(*model, saved);
        auto reference = openModel(samplePath());
        for (auto& [name, f] : done)
            f()->apply(*reference);
        QVERIFY(compareModels(*openModel(saved), *reference).empty());
    }

    // The other writable formats: the edits each can save round-trip; the
    // rest are refused naming the format.
    void otherFormats_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("tensor");
        QTest::addColumn<bool>("canRename");
        NODUS_SKIP_IF_NO_CORPUS();
        const auto c = test::corpusDir();
        QTest::newRow("cntk") << QString::fromStdString((c / "cntk-v2" / "MNISTConvolution.model").string())
                              << "Parameter28" << false;
        QTest::newRow("ckpt") << QString::fromStdString(
            (c / "mindspore-ckpt" / "SanBernardino_best_model.ckpt").string())
                              << "" << true;
    }

    void otherFormats()
    {
        QFETCH(QString, file);
        QFETCH(QString, tensor);
        QFETCH(bool, canRename);
        const fs::path path = file.toStdString();
        auto model = openModel(path);
        std::string name = tensor.toStdString();
        if (name.empty())
            for (const auto& t : model->graph->initializers)
                if (isFloatingPoint(t->dataType) && t->elementCount().value_or(0) > 1) {
                    name = t->name;
                    break;
                }
        QVERIFY(!name.empty());
        auto scale = [name] { return tensorArithmetic(name, TensorOp::Scale, -2); };
        scale()->apply(*model);
        std::unique_ptr<EditCommand> rename = renameValue(name, name + "_renamed");
        if (canRename)
            rename->apply(*model);
        const auto saved = out("other" + path.extension().string());
        FormatRegistry::instance().save(*model, saved);
        auto reference = openModel(path);
        scale()->apply(*reference);
        if (canRename)
            renameValue(name, name + "_renamed")->apply(*reference);
        const auto back = openModel(saved);
        QVERIFY2(compareModels(*back, *reference).empty(), qPrintable(diffText(compareModels(*back, *reference))));
        if (!canRename) {
            try {
                rename->apply(*model);
                QFAIL("rename accepted");
            } catch (const EditRefused& e) {
                QVERIFY2(QString(e.what()).contains("models cannot save rename edits"), e.what());
            }
        }
    }

    // Models python3-onnx writes for the cases the sample lacks: a value read
    // only inside an If branch, untyped value_info, complex and 64-bit tensors.
    void subgraphsTypesAndExactness()
    {
        const auto path = out("cases.onnx");
        QProcess py;
        py.start("/usr/bin/python3",
            { "-c",
                "import onnx, numpy as np, sys\n"
                "from onnx import helper as h, numpy_helper as nh, TensorProto as T\n"
                "then = h.make_graph([h.make_node('Identity', ['a'], ['t'])], 'then', [],"
                " [h.make_tensor_value_info('t', T.FLOAT, [2])])\n"
                "other = h.make_graph([h.make_node('Identity', ['x'], ['e'])], 'else', [],"
                " [h.make_tensor_value_info('e', T.FLOAT, [2])])\n"
                "nodes = [h.make_node('Neg', ['x'], ['a'], name='A'),"
                " h.make_node('If', ['c'], ['y'], name='if', then_branch=then, else_branch=other),"
                " h.make_node('Relu', ['y'], ['h'], name='relu'), h.make_node('Abs', ['h'], ['z'], name='abs')]\n"
                "g = h.make_graph(nodes, 'g', [h.make_tensor_value_info('x', T.FLOAT, [2]),"
                " h.make_tensor_value_info('c', T.BOOL, [])], [h.make_tensor_value_info('z', T.FLOAT, [2])],"
                " [nh.from_array(np.array([1+2j, -3j], np.complex64), 'cx'),"
                " nh.from_array(np.array([2**63-1, 2**53+1], np.int64), 'big')])\n"
                "g.value_info.append(onnx.ValueInfoProto(name='h'))\n"
                "onnx.save(h.make_model(g, opset_imports=[h.make_opsetid('', 17)]), sys.argv[1])\n",
                QString::fromStdString(path.string()) });
        QVERIFY(py.waitForFinished(60000));
        if (py.exitCode() != 0)
            QSKIP("python3-onnx is not available");
        auto model = openModel(path);
        const auto original = openModel(path);
        for (auto mode : { DeleteMode::Bypass, DeleteMode::WithDanglingProducers }) {
            try {
                deleteNode("A", mode)->apply(*model);
                QFAIL("a value read inside the If branch lost its producer");
            } catch (const EditRefused& e) {
                QVERIFY2(QString(e.what()).contains("read inside a subgraph"), e.what());
            }
        }
        try {
            renameValue("x", "t")->apply(*model);
            QFAIL("renamed onto a name the If branch defines");
        } catch (const EditRefused& e) {
            QVERIFY2(QString(e.what()).contains("already used in subgraph 'then'"), e.what());
        }
        QVERIFY(compareModels(*model, *original).empty());

        // Complex: scaled part by part.
        tensorArithmetic("cx", TensorOp::Scale, 2)->apply(*model);
        float c[4];
        std::memcpy(c, tensorOf(*model, "cx")->data->bytes().data(), 16);
        QCOMPARE(std::vector<float>(c, c + 4), (std::vector<float> { 2, 4, 0, -6 }));
        try {
            castTensor("cx", DataType::Float)->apply(*model);
            QFAIL("an imaginary part was dropped");
        } catch (const EditRefused& e) {
            QVERIFY2(QString(e.what()).contains("imaginary part"), e.what());
        }
        // 64-bit integers stay exact: INT64_MAX * 1, and 2^53 + 1 through a cast.
        tensorArithmetic("big", TensorOp::Scale, 1)->apply(*model);
        castTensor("big", DataType::UInt64)->apply(*model);
        std::uint64_t b[2];
        std::memcpy(b, tensorOf(*model, "big")->data->bytes().data(), 16);
        QCOMPARE(b[0], std::uint64_t { 9223372036854775807ull });
        QCOMPARE(b[1], std::uint64_t { 9007199254740993ull });
        try {
            tensorArithmetic("big", TensorOp::Add, 1)->apply(*model);
            castTensor("big", DataType::Int64)->apply(*model);
            QFAIL("2^63 fits int64?");
        } catch (const EditRefused& e) {
            QVERIFY2(QString(e.what()).contains("9223372036854775808 does not fit int64"), e.what());
        }

        // Bypassing the node that makes the graph output: the output keeps
        // its type; the untyped value_info of 'h' survives the save.
        deleteNode("abs", DeleteMode::Bypass)->apply(*model);
        const auto saved = out("cases-edited.onnx");
        FormatRegistry::instance().save(*model, saved);
        onnx::ModelProto proto;
        {
            std::ifstream in(saved, std::ios::binary);
            QVERIFY(proto.ParseFromIstream(&in));
        }
        onnx::checker::check_model(proto);
        QCOMPARE(proto.graph().output(0).name(), std::string("h"));
        QCOMPARE(proto.graph().output(0).type().tensor_type().shape().dim(0).dim_value(), std::int64_t { 2 });
        QCOMPARE(proto.graph().value_info_size(), 1);
    }

    void encoding()
    {
        std::vector<std::byte> b(8);
        auto half = [&](const char* text) {
            encodeElementText(DataType::Float16, b, 0, text);
            std::uint16_t v;
            std::memcpy(&v, b.data(), 2);
            return v;
        };
        QCOMPARE(half("1"), std::uint16_t { 0x3c00 });
        QCOMPARE(half("65504"), std::uint16_t { 0x7bff });
        QCOMPARE(half("65520"), std::uint16_t { 0x7c00 }); // rounds to infinity
        QCOMPARE(half("-0"), std::uint16_t { 0x8000 });
        QCOMPARE(half("5.960464477539063e-08"), std::uint16_t { 0x0001 }); // smallest subnormal
        QCOMPARE(half("1.00048828125"), std::uint16_t { 0x3c00 }); // a tie: to even
        QCOMPARE(floatToBFloat16(1.00390625f), std::uint16_t { 0x3f80 }); // a tie: to even
        QCOMPARE(floatToBFloat16(1.01171875f), std::uint16_t { 0x3f82 });
        encodeElement(DataType::Float8E4M3FN, b, 0, 1000.0); // saturates to 448
        QCOMPARE(elementAsDouble(DataType::Float8E4M3FN, b, 0), 448.0);
        encodeElement(DataType::Float8E5M2, b, 0, -1.75);
        QCOMPARE(elementAsDouble(DataType::Float8E5M2, b, 0), -1.75);
        encodeElementText(DataType::Float8E4M3FN, b, 0, "nan");
        QVERIFY(std::isnan(elementAsDouble(DataType::Float8E4M3FN, b, 0)));
        std::fill(b.begin(), b.end(), std::byte { 0 });
        encodeElement(DataType::Int4, b, 0, -8);
        encodeElement(DataType::Int4, b, 1, 7);
        QCOMPARE(std::to_integer<int>(b[0]), 0x78);
        QCOMPARE(elementAsDouble(DataType::Int4, b, 0), -8.0);
        QCOMPARE(elementAsDouble(DataType::Int4, b, 1), 7.0);
        encodeElementText(DataType::Int64, b, 0, "9223372036854775807");
        std::int64_t big;
        std::memcpy(&big, b.data(), 8);
        QCOMPARE(big, std::numeric_limits<std::int64_t>::max());
        encodeElementText(DataType::Complex64, b, 0, "1.5-2i");
        float c[2];
        std::memcpy(c, b.data(), 8);
        QCOMPARE(c[0], 1.5f);
        QCOMPARE(c[1], -2.0f);
        encodeElementText(DataType::Bool, b, 0, "true");
        QCOMPARE(std::to_integer<int>(b[0]), 1);
        QVERIFY_THROWS_EXCEPTION(Error, encodeElementText(DataType::Bool, b, 0, "2"));
        QVERIFY_THROWS_EXCEPTION(Error, encodeElementText(DataType::UInt8, b, 0, "-1"));
        QVERIFY_THROWS_EXCEPTION(Error, encodeElementText(DataType::Int32, b, 0, "1.5"));
    }

    void cli()
    {
        const QString cliPath = QString::fromStdString((test::binaryDir() / "app" / "nodus-cli").string());
        // A .npy of new bias values, written by Nodus.
        Tensor bias;
        bias.dataType = DataType::Float;
        bias.dims = { 10 };
        std::vector<float> values(10);
        for (int k = 0; k < 10; ++k)
            values[k] = 0.5f * k;
        std::vector<std::byte> bytes(40);
        std::memcpy(bytes.data(), values.data(), 40);
        bias.data = std::make_shared<OwnedTensorData>(bytes);
        const auto npy = out("bias.npy");
        writeNpy(bias, npy);

        const auto target = out("cli.onnx");
        QProcess p;
        p.start(cliPath,
            { "edit", QString::fromStdString(samplePath().string()), "-o", QString::fromStdString(target.string()),
                "--set-tensor", QString::fromStdString("classifier.fc.bias=" + npy.string()), "--scale-tensor",
                "features.block1.bn.bias=3", "--rename", "input=image", "--set-attr",
                "/features/block1/conv/Conv.group=1", "--input-shape", "image=1,3,32,32", "--delete-node", "/Softmax",
                "--bypass-node", "/Softmax" });
        QVERIFY(p.waitForFinished(60000));
        const QString err = p.readAllStandardError();
        // --delete-node /Softmax is refused (it makes the only output).
        QCOMPARE(p.exitCode(), 1);
        QVERIFY2(err.contains("the graph would have none"), qPrintable(err));
        QVERIFY(!fs::exists(target));

        p.start(cliPath,
            { "edit", QString::fromStdString(samplePath().string()), "-o", QString::fromStdString(target.string()),
                "--set-tensor", QString::fromStdString("classifier.fc.bias=" + npy.string()), "--scale-tensor",
                "features.block1.bn.bias=3", "--rename", "input=image", "--set-attr",
                "/features/block1/conv/Conv.group=1", "--input-shape", "image=1,3,32,32", "--bypass-node",
                "/Softmax" });
        QVERIFY(p.waitForFinished(60000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        auto back = openModel(target);
        auto reference = openModel(samplePath());
        auto source = std::make_shared<Tensor>(bias);
        replaceTensor("classifier.fc.bias", source)->apply(*reference);
        tensorArithmetic("features.block1.bn.bias", TensorOp::Scale, 3)->apply(*reference);
        renameValue("input", "image")->apply(*reference);
        setAttribute("/features/block1/conv/Conv", "group", "1")->apply(*reference);
        setInputShape("image", { Dim::known(1), Dim::known(3), Dim::known(32), Dim::known(32) })->apply(*reference);
        deleteNode("/Softmax", DeleteMode::Bypass)->apply(*reference);
        QVERIFY2(compareModels(*back, *reference).empty(), qPrintable(diffText(compareModels(*back, *reference))));
        QCOMPARE(elementAsDouble(DataType::Float, tensorOf(*back, "classifier.fc.bias")->data->bytes(), 9), 4.5);

        p.start(cliPath,
            { "edit", QString::fromStdString(samplePath().string()), "-o", QString::fromStdString(target.string()),
                "--set-attr", "nodot" });
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 2);
    }
};

QTEST_GUILESS_MAIN(TestEdit)
#include "test_edit.moc"
