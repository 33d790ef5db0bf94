// Real models exported by PyTorch (../shared/corpus/pytorch-export) run on
// the Vulkan backend and compared element by element with onnxruntime on
// the same inputs: max |diff| <= 1e-4 on fp32. With float16 weights
// (SessionOptions::halfWeights) every output stays within 0.5 % of its
// scale.
#include "formats/formatregistry.h"
#include "ortrunner.h"
#include "runtimetest.h"

#include <onnx/onnx_pb.h>

#include <fstream>

using namespace nodus;
using namespace nodus::test;

class TestRuntimeModels : public QObject {
    Q_OBJECT
private slots:
    void matchesOnnxRuntime_data();
    void matchesOnnxRuntime();
    void keepsIntermediatesAndTimes();
};

void TestRuntimeModels::matchesOnnxRuntime_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<bool>("half");
    for (const char* f : { "squeezenet1_1.onnx", "squeezenet1_1_external.onnx", "shufflenet_v2_x0_5.onnx",
             "mobilenet_v2.onnx", "tiny_transformer.onnx", "lstm.onnx", "if_control_flow.onnx" })
        QTest::newRow(f) << QString(f) << false;
    for (const char* f :
        { "squeezenet1_1.onnx", "shufflenet_v2_x0_5.onnx", "mobilenet_v2.onnx", "tiny_transformer.onnx" })
        QTest::newRow(qPrintable(QString(f) + " float16 weights")) << QString(f) << true;
}

void TestRuntimeModels::matchesOnnxRuntime()
{
    NODUS_REQUIRE_VULKAN();
    QFETCH(QString, file);
    QFETCH(bool, half);
    auto path = corpusDir() / "pytorch-export" / file.toStdString();
    if (!std::filesystem::exists(path))
        QSKIP("../shared/corpus/pytorch-export is not here");
    if (auto why = ortUnavailable(); !why.isEmpty())
        QSKIP(qPrintable("onnxruntime: " + why));

    std::shared_ptr<Model> model = FormatRegistry::instance().open(path);
    auto bad = rt::unsupportedOps(*model);
    QVERIFY2(bad.empty(), bad.empty() ? "" : bad.front().c_str());

    rt::SessionOptions options;
    options.halfWeights = half;
    rt::Session session(model, options);
    std::vector<std::pair<std::string, std::shared_ptr<const Tensor>>> feeds;
    std::vector<OrtInput> ortInputs;
    std::uint64_t seed = 7;
    for (Value* v : model->graph->realInputs()) {
        std::vector<std::int64_t> dims;
        for (auto& d : v->type.shape.dims)
            dims.push_back(d.isKnown() ? *d.value : 2);
        auto t = rt::makeInput(v->name(), v->type.elementType, dims, rt::InputFill::Random, seed++);
        feeds.push_back({ v->name(), t });
        OrtInput oi;
        oi.name = v->name();
        oi.type = std::string(dataTypeName(t->dataType));
        oi.dims = dims;
        oi.data = valuesOf(*t);
        if (t->dataType == DataType::Bool)
            oi.type = "bool";
        ortInputs.push_back(oi);
    }
    auto result = session.run(feeds);
    auto ort = runOnnxRuntime(path, ortInputs, true);
    QVERIFY2(ort.ran, qPrintable(ort.error));
    QCOMPARE(result.outputs.size(), ort.outputs.size());
    double worst = 0, worstRelative = 0;
    for (std::size_t i = 0; i < ort.outputs.size(); ++i) {
        const Tensor& got = *result.outputs[i];
        QCOMPARE(got.dims, ort.outputs[i].dims);
        auto a = valuesOf(got);
        const auto& b = ort.outputs[i].data;
        QCOMPARE(a.size(), b.size());
        // Some corpus models have outputs of 1e-9 (untrained weights): the
        // difference must also be small against the output's own scale.
        double scale = 0;
        for (double v : b)
            scale = std::max(scale, std::abs(v));
        for (std::size_t k = 0; k < a.size(); ++k) {
            double rel = std::abs(a[k] - b[k]) / std::max(scale, 1e-30);
            worstRelative = std::max(worstRelative, rel);
            if (!(rel <= (half ? 5e-3 : 1e-3)))
                QFAIL(qPrintable(QString("output %1 element %2: %3 vs onnxruntime %4, %5 of the output's scale %6")
                                     .arg(i)
                                     .arg(k)
                                     .arg(a[k], 0, 'g', 9)
                                     .arg(b[k], 0, 'g', 9)
                                     .arg(rel)
                                     .arg(scale)));
            double d = std::abs(a[k] - b[k]);
            worst = std::max(worst, d);
            if (!half && !(d <= 1e-4))
                QFAIL(qPrintable(QString("output %1 element %2: %3 vs onnxruntime %4")
                                     .arg(i)
                                     .arg(k)
                                     .arg(a[k], 0, 'g', 9)
                                     .arg(b[k], 0, 'g', 9)));
        }
    }
    qInfo("%s%s: max |diff| vs onnxruntime %.3g (%.3g of the output's scale) over %zu outputs on %s", qPrintable(file),
        half ? " (float16 weights)" : "", worst, worstRelative, result.outputs.size(), session.device().name.c_str());
}

void TestRuntimeModels::keepsIntermediatesAndTimes()
{
    NODUS_REQUIRE_VULKAN();
    auto path = corpusDir() / "pytorch-export" / "squeezenet1_1.onnx";
    if (!std::filesystem::exists(path))
        QSKIP("../shared/corpus/pytorch-export is not here");
    std::shared_ptr<Model> model = FormatRegistry::instance().open(path);
    rt::SessionOptions so;
    so.keepIntermediates = true;
    so.profile = true;
    rt::Session session(model, so);
    Value* in = model->graph->realInputs().front();
    auto t = rt::makeInput(in->name(), DataType::Float, { 1, 3, 224, 224 }, rt::InputFill::Random, 1);
    int lastProgress = 0;
    rt::RunOptions ro;
    ro.progress = [&](int done, int total) {
        QVERIFY(done > lastProgress && done <= total);
        lastProgress = done;
    };
    auto r = session.run({ { in->name(), t } }, ro);
    QCOMPARE(lastProgress, int(model->graph->nodes().size()));
    // Every node output is kept, and the graph output equals its own copy.
    for (auto& n : model->graph->nodes())
        for (auto* v : n->outputs())
            QVERIFY2(r.intermediates.count(v->name()), v->name().c_str());
    auto& out = *r.intermediates.at(model->graph->outputs.front()->name());
    QCOMPARE(valuesOf(out), valuesOf(*r.outputs.front()));
    if (session.device().timestamps) {
        QVERIFY(!r.timings.empty());
        double total = 0;
        for (auto& t : r.timings) {
            QVERIFY(t.ms >= 0);
            total += t.ms;
        }
        QVERIFY(total > 0);
    }
    // Cancelling stops the run with RunCancelled.
    std::atomic<bool> cancel { true };
    rt::RunOptions co;
    co.cancel = &cancel;
    QVERIFY_THROWS_EXCEPTION(rt::RunCancelled, session.run({ { in->name(), t } }, co));
}

QTEST_GUILESS_MAIN(TestRuntimeModels)
#include "test_runtime_models.moc"
