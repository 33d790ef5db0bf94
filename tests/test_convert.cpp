// CNTK and MindIR -> ONNX (core/convert): every corpus model either
// converts to ONNX that libonnx's checker accepts and onnxruntime runs with
// finite outputs of the expected shapes, or fails naming exactly the ops
// that block it; numbers are checked where the result is known (element-wise
// ops, the bprop graphs, a small MindSpore CNN computed here by hand).
#include "ortrunner.h"
#include "testsupport.h"

#include "convert/onnxexport.h"
#include "formats/formatregistry.h"
#include "formats/mindspore/mindir.pb.h"
#include "ir/model.h"
#include "ir/modelsummary.h"
#include "util/error.h"

#include <onnx/checker.h>

#include <QProcess>
#include <QTemporaryDir>

#include <cmath>
#include <cstring>
#include <fstream>

using namespace nodus;
namespace fs = std::filesystem;

namespace {

using Dims = std::vector<std::int64_t>;

onnx::ModelProto readOnnx(const fs::path& p)
{
    onnx::ModelProto m;
    std::ifstream in(p, std::ios::binary);
    if (!m.ParseFromIstream(&in))
        throw std::runtime_error("cannot parse " + p.string());
    return m;
}

std::string floatBytes(const std::vector<float>& v)
{
    std::string s(v.size() * 4, '\0');
    std::memcpy(s.data(), v.data(), s.size());
    return s;
}

QString dimsText(const Dims& d)
{
    QStringList parts;
    for (auto x : d)
        parts << QString::number(x);
    return "[" + parts.join(",") + "]";
}

// What one corpus model converts to: output shapes, or the ops that block it.
struct Expectation {
    std::vector<Dims> outputs;
    QStringList blockers; // "OpType 'name'"
};

} // namespace

Q_DECLARE_METATYPE(Expectation)

class TestConvert : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

    fs::path out(const QString& name) const { return fs::path(dir_.filePath(name).toStdString()); }

    // Converts, then checks the file with libonnx again, runs it, compares shapes.
    void convertAndRun(const fs::path& file, const Expectation& expected)
    {
        const auto model = FormatRegistry::instance().open(file);
        const fs::path target = out(QString::fromStdString(file.filename().string()) + ".onnx");
        if (!expected.blockers.isEmpty()) {
            try {
                exportToOnnx(*model, target);
                QFAIL("conversion should have failed");
            } catch (const Error& e) {
                const QString message = QString::fromUtf8(e.what());
                QVERIFY2(message.contains(QString::fromStdString(file.string())), qPrintable(message));
                QVERIFY2(message.contains(QString("%1 op").arg(expected.blockers.size())), qPrintable(message));
                for (const auto& b : expected.blockers)
                    QVERIFY2(message.contains("\n  " + b + ":"), qPrintable(message));
            }
            QVERIFY(!fs::exists(target));
            return;
        }
        const auto report = exportToOnnx(*model, target);
        QVERIFY(report.complete());
        const auto proto = readOnnx(target);
        onnx::checker::check_model(proto);
        QCOMPARE(proto.opset_import(0).version(), std::int64_t { 17 });
        QCOMPARE(static_cast<std::size_t>(proto.graph().node_size()), report.nodesOut);
        // Nodus reads its own output back as ONNX.
        const auto back = FormatRegistry::instance().open(target);
        QCOMPARE(QString::fromStdString(back->format), QString("onnx"));
        QCOMPARE(back->graph->nodes().size(), report.nodesOut);

        if (const QString why = test::ortUnavailable(); !why.isEmpty())
            QSKIP(qPrintable("onnxruntime not available: " + why));
        const auto r = test::runOnnxRuntime(target, test::ortInputsOf(proto));
        QVERIFY2(r.ran, qPrintable(r.error));
        QCOMPARE(r.outputs.size(), expected.outputs.size());
        for (std::size_t k = 0; k < r.outputs.size(); ++k) {
            QVERIFY2(r.outputs[k].finite, r.outputs[k].name.c_str());
            QCOMPARE(dimsText(r.outputs[k].dims), dimsText(expected.outputs[k]));
        }
    }

private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void cntkCorpus_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<Expectation>("expected");
        NODUS_SKIP_IF_NO_CORPUS();
        const auto dir = test::corpusDir() / "cntk-v2";
        auto row = [&](const char* name, Expectation e) {
            QTest::newRow(name) << QString::fromStdString((dir / name).string()) << e;
        };
        row("MNISTConvolution.model", { { { 2, 10 } }, {} });
        row("ConvNet_CIFAR10_DataAug_0.dnn", { { { 2, 10 } }, {} });
        row("batch.norm.no.sample.count.v2.bin", { { { 2, 16, 5, 5 } }, {} });
        row("load_and_eval.dnn", { { { 2, 1, 2 } }, {} });
        row("ATIS_model.cmf", { {}, { "PastValue 'PastValue1998'" } });
    }

    void cntkCorpus()
    {
        QFETCH(QString, file);
        QFETCH(Expectation, expected);
        convertAndRun(file.toStdString(), expected);
    }

    void mindirCorpus_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<Expectation>("expected");
        NODUS_SKIP_IF_NO_CORPUS();
        const auto dir = test::corpusDir() / "mindir";
        auto row = [&](const char* name, Expectation e) {
            QTest::newRow(name) << QString::fromStdString((dir / name).string()) << e;
        };
        row("relu.mindir", { { { 1, 1, 2, 2 } }, {} });
        row("add_no_encrpty.mindir", { { { 2, 2 } }, {} });
        // bprop graphs: untyped inputs become 1-D, 16 elements here.
        row("ReLU_bprop.mindir", { { { 16 } }, {} });
        row("Identity_bprop.mindir", { { { 16 } }, {} });
        row("Depend_bprop_2023.mindir", { { { 16 }, { 16 } }, {} });
        row("OneHot_bprop.mindir", { { { 16 }, { 16 }, { 16 }, { 16 } }, {} });
        row("DropoutDoMask_bprop.mindir", { { { 16 }, { 16 }, { 16 } }, {} });
        row("Gather_bprop_2023.mindir", { {}, { "bprop.664 'Default/bprop.664-op511'" } });
    }

    void mindirCorpus()
    {
        QFETCH(QString, file);
        QFETCH(Expectation, expected);
        convertAndRun(file.toStdString(), expected);
    }

    // Every CNTK model and MindIR of the corpus has a row above.
    void everyCorpusModelHasARow()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QStringList rows = { "MNISTConvolution.model", "ConvNet_CIFAR10_DataAug_0.dnn",
            "batch.norm.no.sample.count.v2.bin", "load_and_eval.dnn", "ATIS_model.cmf" };
        int models = 0;
        for (const auto& f : test::corpusFiles("cntk-v2", { "" })) {
            try {
                FormatRegistry::instance().open(f);
            } catch (const Error&) {
                continue; // learner checkpoints and bare dictionaries are not models
            }
            ++models;
            QVERIFY2(rows.contains(QString::fromStdString(f.filename().string())), f.c_str());
        }
        QCOMPARE(models, 5);
        QCOMPARE(test::corpusFiles("mindir", { ".mindir" }).size(), std::size_t { 8 });
    }

    // Element-wise results checked number by number.
    void mindirNumbers()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        if (const QString why = test::ortUnavailable(); !why.isEmpty())
            QSKIP(qPrintable("onnxruntime not available: " + why));
        const auto dir = test::corpusDir() / "mindir";
        auto convert = [&](const char* name) {
            const auto target = out(QString(name) + ".numbers.onnx");
            exportToOnnx(*FormatRegistry::instance().open(dir / name), target);
            return target;
        };
        const std::vector<double> x = { -1.5, 0.25, 2, -0.125 };
        auto r = test::runOnnxRuntime(convert("relu.mindir"), { { "x", "float32", { 1, 1, 2, 2 }, x } });
        QVERIFY2(r.ran, qPrintable(r.error));
        QCOMPARE(r.outputs[0].data, (std::vector<double> { 0, 0.25, 2, 0 }));

        r = test::runOnnxRuntime(convert("add_no_encrpty.mindir"),
            { { "x_", "float32", { 2, 2 }, x }, { "y_", "float32", { 2, 2 }, { 1, 1, 1, 1 } } });
        QVERIFY2(r.ran, qPrintable(r.error));
        QCOMPARE(r.outputs[0].data, (std::vector<double> { -0.5, 1.25, 3, 0.875 }));

        // ReluGrad: dout where out > 0.
        r = test::runOnnxRuntime(convert("ReLU_bprop.mindir"),
            { { "x", "float32", { 4 }, x }, { "out", "float32", { 4 }, { 0, 1, 0, 3 } },
                { "dout", "float32", { 4 }, { 5, 6, 7, 8 } } });
        QVERIFY2(r.ran, qPrintable(r.error));
        QCOMPARE(r.outputs[0].data, (std::vector<double> { 0, 6, 0, 8 }));

        // DropoutDoMask: dout * bit(mask, i) / keep_prob, bits little-endian per byte.
        std::vector<double> dout(10);
        for (int k = 0; k < 10; ++k)
            dout[k] = k + 1;
        r = test::runOnnxRuntime(convert("DropoutDoMask_bprop.mindir"),
            { { "x", "float32", { 10 }, {} }, { "y", "uint8", { 2 }, { 0b10100101, 0b00000010 } },
                { "keep_prob", "float32", { 1 }, { 0.5 } }, { "out", "float32", { 10 }, {} },
                { "dout", "float32", { 10 }, dout } });
        QVERIFY2(r.ran, qPrintable(r.error));
        QCOMPARE(r.outputs[0].data, (std::vector<double> { 2, 0, 6, 0, 0, 12, 0, 16, 0, 20 }));
        QCOMPARE(r.outputs[1].data, (std::vector<double> { 0, 0 }));
        QCOMPARE(r.outputs[1].type, std::string("uint8"));
    }

    // A MindSpore CNN head (Conv2D with pad_list, BiasAdd, ReLU, MaxPool,
    // Reshape by a constant, MatMul with transpose_b, BatchNorm through
    // TupleGetItem, Softmax), as MindSpore 2.x writes its primitives,
    // computed here by hand and by onnxruntime.
    void syntheticMindsporeNetwork()
    {
        if (const QString why = test::ortUnavailable(); !why.isEmpty())
            QSKIP(qPrintable("onnxruntime not available: " + why));
        mindir::ModelProto m;
        m.set_ir_version("0.1.1");
        m.set_producer_name("MindSpore");
        m.set_model_version("2.2.0");
        m.set_little_endian(true);
        auto* g = m.mutable_graph();
        g->set_name("net");
        auto* in = g->add_input();
        in->set_name("net:x");
        auto* it = in->add_tensor();
        it->set_data_type(mindir::TensorProto::FLOAT);
        for (int d : { 1, 1, 4, 4 })
            it->add_dims(d);
        auto param = [&](const char* name, Dims dims, std::vector<float> v) {
            auto* t = g->add_parameter();
            t->set_name(name);
            t->set_data_type(mindir::TensorProto::FLOAT);
            for (auto d : dims)
                t->add_dims(d);
            t->set_raw_data(floatBytes(v));
        };
        // Conv: 2 filters 3x3, padding 1: filter 0 sums the window, filter 1 is the centre.
        std::vector<float> w(18, 1.0f);
        for (int k = 9; k < 18; ++k)
            w[k] = k == 13 ? 1.0f : 0.0f;
        param("net:conv.weight", { 2, 1, 3, 3 }, w);
        param("net:conv.bias", { 2 }, { -4.0f, 0.5f });
        param("net:fc.weight", { 3, 8 }, { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1 });
        param("net:bn.scale", { 3 }, { 1, 2, 1 });
        param("net:bn.bias", { 3 }, { 0, 0, 1 });
        param("net:bn.mean", { 3 }, { 0, 1, 0 });
        param("net:bn.var", { 3 }, { 1, 1, 4 });

        auto prim = [&](const char* name, const char* op) {
            auto* p = m.add_primitives();
            p->set_name(name);
            p->set_op_type(op);
            return p;
        };
        auto ints = [](mindir::PrimitiveProto* p, const char* name, std::vector<std::int64_t> v) {
            auto* a = p->add_attribute();
            a->set_name(name);
            a->set_type(mindir::AttributeProto::TUPLE);
            for (auto x : v) {
                auto* e = a->add_values();
                e->set_type(mindir::AttributeProto::INT64);
                e->set_i(x);
            }
        };
        auto scalarAttr
            = [](mindir::PrimitiveProto* p, const char* name, mindir::AttributeProto::AttributeType t, double v) {
                  auto* a = p->add_attribute();
                  a->set_name(name);
                  a->set_type(t);
                  if (t == mindir::AttributeProto::FLOAT)
                      a->set_f(static_cast<float>(v));
                  else
                      a->set_i(static_cast<std::int64_t>(v));
              };
        auto text = [](mindir::PrimitiveProto* p, const char* name, const char* v) {
            auto* a = p->add_attribute();
            a->set_name(name);
            a->set_type(mindir::AttributeProto::STRING);
            a->set_s(v);
        };
        auto* conv = prim("Conv2D:1", "S-Prim-Conv2D");
        ints(conv, "kernel_size", { 3, 3 });
        ints(conv, "stride", { 1, 1, 1, 1 });
        ints(conv, "dilation", { 1, 1, 1, 1 });
        ints(conv, "pad_list", { 1, 1, 1, 1 });
        scalarAttr(conv, "pad_mode", mindir::AttributeProto::INT64, 0); // PadMode::PAD
        scalarAttr(conv, "group", mindir::AttributeProto::INT64, 1);
        text(conv, "format", "NCHW");
        text(prim("BiasAdd:2", "S-Prim-BiasAdd"), "format", "NCHW");
        prim("ReLU:3", "S-Prim-ReLU");
        auto* pool = prim("MaxPool:4", "S-Prim-MaxPool");
        ints(pool, "kernel_size", { 1, 1, 2, 2 });
        ints(pool, "strides", { 1, 1, 2, 2 });
        text(pool, "pad_mode", "VALID");
        prim("Reshape:5", "S-Prim-Reshape");
        auto* mm = prim("MatMul:6", "S-Prim-MatMul");
        scalarAttr(mm, "transpose_b", mindir::AttributeProto::BOOL, 1);
        auto* bn = prim("BatchNorm:7", "S-Prim-BatchNorm");
        scalarAttr(bn, "epsilon", mindir::AttributeProto::FLOAT, 0.0);
        scalarAttr(bn, "is_training", mindir::AttributeProto::BOOL, 0);
        prim("TupleGetItem:8", "TupleGetItem");
        auto* sm = prim("Softmax:9", "S-Prim-Softmax");
        ints(sm, "axis", { -1 });

        auto node = [&](const char* op, std::vector<const char*> ins, const char* outName) {
            auto* n = g->add_node();
            n->set_op_type(std::string("REF::") + op);
            for (auto i : ins)
                n->add_input(i);
            n->add_output(outName);
            n->set_name(outName);
            n->set_domain(std::string("Default/") + op);
        };
        auto constant = [&](const char* outName, std::vector<std::int64_t> v) {
            auto* n = g->add_node();
            n->set_op_type("Constant");
            n->add_output(outName);
            n->set_name(outName);
            auto* a = n->add_attribute();
            a->set_name("value");
            a->set_type(mindir::AttributeProto::TUPLE);
            for (auto x : v) {
                auto* e = a->add_values();
                e->set_type(mindir::AttributeProto::INT64);
                e->set_i(x);
            }
        };
        node("Conv2D:1", { "net:x", "net:conv.weight" }, "net:c");
        node("BiasAdd:2", { "net:c", "net:conv.bias" }, "net:b");
        node("ReLU:3", { "net:b" }, "net:r");
        node("MaxPool:4", { "net:r" }, "net:p");
        constant("net:shape", { 1, 8 });
        node("Reshape:5", { "net:p", "net:shape" }, "net:f");
        node("MatMul:6", { "net:f", "net:fc.weight" }, "net:m");
        node("BatchNorm:7", { "net:m", "net:bn.scale", "net:bn.bias", "net:bn.mean", "net:bn.var" }, "net:bn");
        constant("net:zero", { 0 });
        node("TupleGetItem:8", { "net:bn", "net:zero" }, "net:n");
        node("Softmax:9", { "net:n" }, "net:y");
        g->add_output()->set_name("net:y");

        const auto source = out("cnn.mindir");
        {
            std::ofstream f(source, std::ios::binary);
            QVERIFY(m.SerializeToOstream(&f));
        }
        const auto target = out("cnn.onnx");
        const auto report = exportToOnnx(*FormatRegistry::instance().open(source), target);
        QVERIFY(report.complete());

        // By hand: x = 0..15 over 4x4.
        std::vector<double> x(16);
        for (int k = 0; k < 16; ++k)
            x[k] = k;
        auto at = [&](int r, int c) { return r < 0 || c < 0 || r > 3 || c > 3 ? 0.0 : x[r * 4 + c]; };
        double conv0[4][4], conv1[4][4];
        for (int r = 0; r < 4; ++r)
            for (int c = 0; c < 4; ++c) {
                double s = 0;
                for (int dr = -1; dr <= 1; ++dr)
                    for (int dc = -1; dc <= 1; ++dc)
                        s += at(r + dr, c + dc);
                conv0[r][c] = std::max(0.0, s - 4.0);
                conv1[r][c] = std::max(0.0, at(r, c) + 0.5);
            }
        std::vector<double> flat;
        for (auto* ch : { conv0, conv1 })
            for (int r = 0; r < 4; r += 2)
                for (int c = 0; c < 4; c += 2)
                    flat.push_back(std::max({ ch[r][c], ch[r][c + 1], ch[r + 1][c], ch[r + 1][c + 1] }));
        const double fc[3][8] = { { 1, 0, 0, 0, 0, 0, 0, 0 }, { 0, 0, 0, 0, 1, 0, 0, 0 }, { 0, 1, 0, 1, 0, 1, 0, 1 } };
        const double scale[3] = { 1, 2, 1 }, bias[3] = { 0, 0, 1 }, mean[3] = { 0, 1, 0 }, var[3] = { 1, 1, 4 };
        double logits[3], total = 0;
        for (int o = 0; o < 3; ++o) {
            double s = 0;
            for (int k = 0; k < 8; ++k)
                s += fc[o][k] * flat[k];
            logits[o] = (s - mean[o]) / std::sqrt(var[o]) * scale[o] + bias[o];
        }
        const double top = std::max({ logits[0], logits[1], logits[2] });
        for (double l : logits)
            total += std::exp(l - top);
        const auto r = test::runOnnxRuntime(target, { { "x", "float32", { 1, 1, 4, 4 }, x } });
        QVERIFY2(r.ran, qPrintable(r.error));
        QCOMPARE(dimsText(r.outputs[0].dims), QString("[1,3]"));
        for (int o = 0; o < 3; ++o)
            QVERIFY2(std::abs(r.outputs[0].data[o] - std::exp(logits[o] - top) / total) < 1e-5,
                qPrintable(QString("class %1: %2").arg(o).arg(r.outputs[0].data[o])));
    }

    void opsets()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto model = FormatRegistry::instance().open(test::corpusDir() / "cntk-v2" / "MNISTConvolution.model");
        OnnxExportOptions o;
        o.opset = 13;
        const auto target = out("mnist13.onnx");
        exportToOnnx(*model, target, o);
        const auto proto = readOnnx(target);
        QCOMPARE(proto.opset_import(0).version(), std::int64_t { 13 });
        QCOMPARE(proto.ir_version(), std::int64_t { 7 });
        onnx::checker::check_model(proto);
        for (int bad : { 12, maxOnnxExportOpset() + 1 }) {
            o.opset = bad;
            try {
                exportToOnnx(*model, out("bad.onnx"), o);
                QFAIL("opset accepted");
            } catch (const Error& e) {
                QVERIFY2(QString(e.what()).contains(QString("opset %1 is not offered").arg(bad)), e.what());
            }
        }
        QVERIFY(!fs::exists(out("bad.onnx")));
    }

    // --partial writes what converts and keeps the rest as CNTK-domain ops.
    void partialExport()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto model = FormatRegistry::instance().open(test::corpusDir() / "cntk-v2" / "ATIS_model.cmf");
        OnnxExportOptions o;
        o.partial = true;
        const auto target = out("atis.onnx");
        const auto report = exportToOnnx(*model, target, o);
        QCOMPARE(report.unsupported.size(), std::size_t { 1 });
        QCOMPARE(QString::fromStdString(report.unsupported[0].opType), QString("PastValue"));
        const auto proto = readOnnx(target);
        onnx::checker::check_model(proto);
        QStringList custom;
        for (const auto& n : proto.graph().node())
            if (n.domain() == "com.microsoft.cntk")
                custom << QString::fromStdString(n.op_type());
        QVERIFY2(custom.contains("PastValue"), qPrintable(custom.join(",")));
        // The embedding, projection and stabilizers around the LSTM did convert.
        QVERIFY(proto.graph().node_size() > custom.size() + 10);
    }

    // Through the registry and the CLI, as users reach it.
    void cli()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const QString cliPath = QString::fromStdString((test::binaryDir() / "app" / "nodus-cli").string());
        QProcess p;
        const QString target = dir_.filePath("cli.onnx");
        p.start(cliPath,
            { "convert", QString::fromStdString((test::corpusDir() / "cntk-v2" / "MNISTConvolution.model").string()),
                target, "--opset", "15" });
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        QVERIFY(QString(p.readAllStandardError()).contains("converted 10 nodes to 10 ONNX nodes"));
        QCOMPARE(readOnnx(target.toStdString()).opset_import(0).version(), std::int64_t { 15 });

        p.start(cliPath,
            { "convert", QString::fromStdString((test::corpusDir() / "cntk-v2" / "ATIS_model.cmf").string()),
                dir_.filePath("atis-cli.onnx") });
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 1);
        const QString err = p.readAllStandardError();
        QVERIFY2(err.contains("PastValue 'PastValue1998'") && err.contains("partial"), qPrintable(err));
        QVERIFY(!QFile::exists(dir_.filePath("atis-cli.onnx")));
    }
};

QTEST_GUILESS_MAIN(TestConvert)
#include "test_convert.moc"
