// The device probe (core/runtime/probe.h) and the multiply-add count behind
// `nodus-cli bench run MODEL --ceiling`: the count is checked exactly on one
// node of each kind it knows, the rates for being measured at all, and the
// CLI for printing both with the floor they give.
#include "runtimetest.h"
#include "testsupport.h"

#include "runtime/probe.h"

#include <onnx/onnx_pb.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <fstream>

using namespace nodus;
using namespace nodus::test;

namespace {

using Dims = std::vector<std::int64_t>;

std::shared_ptr<Tensor> randomTensor(Dims dims, std::uint32_t seed)
{
    return tensorOf(DataType::Float, dims, randomValues(countOf(dims), seed));
}

// The count for one node whose input 1 (Conv/ConvTranspose/Gemm weights) is
// an initializer when `weight`, from a profiled run that keeps its values.
rt::MultiplyAdds countOne(const OpRun& run, bool weight, bool* winograd = nullptr)
{
    std::vector<bool> weights { false, weight };
    auto model = weightModel(run, weights);
    rt::SessionOptions options = profiledOptions();
    options.keepIntermediates = true;
    const rt::RunResult result = runWeightModelResult(model, run, weights, options);
    if (winograd) {
        *winograd = false;
        for (const auto& t : result.timings)
            for (const auto& k : t.kernels)
                *winograd = *winograd || k == "conv_wino_gemm";
    }
    return rt::countMultiplyAdds(*model->graph, result, weightModelFeeds(run, weights));
}

// An ONNX file of one node: Conv (pads 1) with weights `w`, or Add of x
// to itself when `w` is null; input x of `dims`.
void writeOneNodeModel(const std::string& path, const Tensor* w, const Dims& dims)
{
    onnx::ModelProto m;
    m.set_ir_version(8);
    m.add_opset_import()->set_version(17);
    onnx::GraphProto* g = m.mutable_graph();
    g->set_name("one");
    onnx::NodeProto* n = g->add_node();
    n->add_input("x");
    n->add_output("y");
    Dims out = dims;
    if (w) {
        n->set_op_type("Conv");
        n->add_input("w");
        onnx::AttributeProto* pads = n->add_attribute();
        pads->set_name("pads");
        pads->set_type(onnx::AttributeProto::INTS);
        for (int i = 0; i < 4; ++i)
            pads->add_ints(1);
        onnx::TensorProto* t = g->add_initializer();
        t->set_name("w");
        t->set_data_type(onnx::TensorProto::FLOAT);
        for (auto d : w->dims)
            t->add_dims(d);
        for (double v : valuesOf(*w))
            t->add_float_data(float(v));
        out[1] = w->dims[0];
    } else {
        n->set_op_type("Add");
        n->add_input("x");
    }
    auto io = [&](onnx::ValueInfoProto* v, const char* name, const Dims& shape) {
        v->set_name(name);
        v->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
        for (auto d : shape)
            v->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(d);
    };
    io(g->add_input(), "x", dims);
    io(g->add_output(), "y", out);
    std::ofstream file(path, std::ios::binary);
    QVERIFY(m.SerializeToOstream(&file));
}

// nodus-cli bench run FILE --runs 2 --no-ort --ceiling: its "ceiling" object.
QJsonObject ceilingOf(const std::string& file, double* medianMs)
{
    const CliRun cli = runCli({ "bench", "run", QString::fromStdString(file), "--runs", "2", "--no-ort", "--ceiling" });
    if (cli.code != 0)
        qWarning("%s", qPrintable(cli.err));
    const QJsonObject o = QJsonDocument::fromJson(cli.out).object();
    *medianMs = o.value("median_ms").toDouble(-1);
    return o.value("ceiling").toObject();
}

} // namespace

class TestRuntimeProbe : public QObject {
    Q_OBJECT

private slots:
    void init() { NODUS_REQUIRE_VULKAN(); }

    void countsConvOutputsTimesTheirProducts()
    {
        // 6 outputs of 5x5, each 4 channels (8 / group 2) x 3x3 products.
        OpRun run("Conv", { intAttr("group", 2), intsAttr("strides", { 2, 2 }), intsAttr("pads", { 1, 1, 1, 1 }) },
            { randomTensor({ 1, 8, 9, 9 }, 1), randomTensor({ 6, 4, 3, 3 }, 2) });
        bool winograd = true;
        const rt::MultiplyAdds m = countOne(run, true, &winograd);
        QVERIFY(!winograd);
        QCOMPARE(m.nodes, 1);
        QCOMPARE(m.direct, 6.0 * 25 * 4 * 9);
        QCOMPARE(m.executed, m.direct);
    }

    void countsWinogradConvsAtAQuarter()
    {
        OpRun run("Conv", { intsAttr("pads", { 1, 1, 1, 1 }) },
            { randomTensor({ 1, 64, 16, 16 }, 3), randomTensor({ 64, 64, 3, 3 }, 4) });
        bool winograd = false;
        const rt::MultiplyAdds m = countOne(run, true, &winograd);
        QVERIFY2(winograd, "a 64-channel 16x16 3x3 conv with session weights takes the Winograd path");
        QCOMPARE(m.direct, 64.0 * 16 * 16 * 64 * 9);
        QCOMPARE(m.executed, m.direct / 4);
    }

    void countsConvTransposeInputsTimesTheirProducts()
    {
        // Every input element meets 4 output channels x 3x3 kernel taps.
        OpRun run("ConvTranspose", {}, { randomTensor({ 1, 2, 3, 3 }, 5), randomTensor({ 2, 4, 3, 3 }, 6) });
        const rt::MultiplyAdds m = countOne(run, true);
        QCOMPARE(m.direct, 18.0 * 4 * 9);
    }

    void countsGemmAndMatMul()
    {
        // transA: A is [K=5, M=3]; the output is [3, 7].
        OpRun gemm("Gemm", { intAttr("transA", 1) }, { randomTensor({ 5, 3 }, 7), randomTensor({ 5, 7 }, 8) });
        QCOMPARE(countOne(gemm, true).direct, 3.0 * 7 * 5);
        // Batched, broadcast B: 2 x 4 x 3 outputs of 6 products each.
        OpRun matmul("MatMul", {}, { randomTensor({ 2, 4, 6 }, 9), randomTensor({ 6, 3 }, 10) });
        const rt::MultiplyAdds m = countOne(matmul, false);
        QCOMPARE(m.nodes, 1);
        QCOMPARE(m.direct, 24.0 * 6);
    }

    void skipsOtherOps()
    {
        OpRun add("Add", {}, { randomTensor({ 4, 4 }, 11), randomTensor({ 4, 4 }, 12) });
        const rt::MultiplyAdds m = countOne(add, false);
        QCOMPARE(m.nodes, 0);
        QCOMPARE(m.direct, 0.0);
    }

    void probeMeasuresTheDevice()
    {
        // probeDevice checks each probe's results on the host and throws
        // when one is wrong, so a dispatch that did no work fails here.
        rt::DeviceRates r;
        try {
            r = rt::probeDevice({}, 3);
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
        QVERIFY(!r.device.empty());
        // Bounds far outside any real device.
        QVERIFY2(r.fmaPerSecond > 1e8 && r.fmaPerSecond < 1e15, std::to_string(r.fmaPerSecond).c_str());
        QVERIFY2(r.fetchesPerSecond > 1e6 && r.fetchesPerSecond < 1e14, std::to_string(r.fetchesPerSecond).c_str());
        QVERIFY2(r.streamBytesPerSecond > 1e7 && r.streamBytesPerSecond < 1e14,
            std::to_string(r.streamBytesPerSecond).c_str());
    }

    void benchRunPrintsTheCeiling()
    {
        // One 3x3 conv, 16 -> 8 channels at 12x12 (pads 1): 8 * 144 outputs
        // of 16 * 9 products.
        const auto w = randomTensor({ 8, 16, 3, 3 }, 14);
        QTemporaryDir dir;
        const std::string file = dir.filePath("conv.onnx").toStdString();
        writeOneNodeModel(file, w.get(), { 1, 16, 12, 12 });
        double median = 0;
        const QJsonObject c = ceilingOf(file, &median);
        QVERIFY(median > 0);
        QCOMPARE(c.value("multiply_adds").toDouble(), 8.0 * 144 * 16 * 9);
        QCOMPARE(c.value("multiply_adds_executed").toDouble(), 8.0 * 144 * 16 * 9);
        QCOMPARE(c.value("nodes_counted").toInt(), 1);
        const double fma = c.value("fma_per_s").toDouble();
        QVERIFY(fma > 1e8);
        QCOMPARE(c.value("floor_ms").toDouble(), 8.0 * 144 * 16 * 9 / fma * 1e3);
        QCOMPARE(c.value("median_vs_floor").toDouble(), median / c.value("floor_ms").toDouble());
        QVERIFY(!c.contains("speed_vs_onnxruntime_at_floor")); // --no-ort
    }

    void benchRunGivesNoFloorWithoutMultiplyAdds()
    {
        QTemporaryDir dir;
        const std::string file = dir.filePath("add.onnx").toStdString();
        writeOneNodeModel(file, nullptr, { 2, 3 });
        double median = 0;
        const QJsonObject c = ceilingOf(file, &median);
        QVERIFY(median > 0);
        QVERIFY(c.value("fma_per_s").toDouble() > 1e8); // the device is still probed
        QCOMPARE(c.value("nodes_counted").toInt(), 0);
        QCOMPARE(c.value("multiply_adds").toDouble(-1), 0.0);
        QVERIFY(!c.contains("floor_ms"));
        QVERIFY(!c.contains("median_vs_floor"));
    }
};

QTEST_GUILESS_MAIN(TestRuntimeProbe)
#include "test_runtime_probe.moc"
