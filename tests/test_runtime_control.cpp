// If, Loop, Scan, SequenceMap and the sequence and optional ops on the
// Vulkan backend, in models built here and compared with values worked out
// in the test. Values start on the host (graph inputs); the device paths
// (slicing and stacking on the GPU) are reached by first passing a tensor
// through an identity RNN, whose output lives on the device.
#include "ortrunner.h"
#include "runtimetest.h"

#include "formats/formatregistry.h"
#include "ir/graph.h"

#include <filesystem>
#include <numeric>

using namespace nodus;
using namespace nodus::test;

namespace {

Attribute graphAttr(std::string name, std::shared_ptr<Graph> g)
{
    Attribute a;
    a.name = std::move(name);
    a.type = AttributeType::Graph;
    a.graphs = { std::move(g) };
    return a;
}

Attribute stringsAttr(std::string name, std::vector<std::string> v)
{
    Attribute a;
    a.name = std::move(name);
    a.type = AttributeType::Strings;
    a.strings = std::move(v);
    return a;
}

// Builds a graph by value names.
struct Builder {
    Graph& g;

    Value* input(const std::string& name, DataType type, std::vector<std::int64_t> dims)
    {
        Value* v = g.value(name);
        v->type = ValueType::tensor(type, Shape::of(dims));
        g.inputs.push_back(v);
        return v;
    }
    void constant(const std::string& name, std::shared_ptr<Tensor> t)
    {
        t->name = name;
        g.addInitializer(std::move(t));
    }
    Node* op(const std::string& type, const std::vector<std::string>& ins, const std::vector<std::string>& outs,
        std::vector<Attribute> attrs = {})
    {
        Node* n = g.addNode(type, type + "_" + std::to_string(g.nodes().size()));
        n->attributes = std::move(attrs);
        for (auto& name : ins)
            g.addInput(n, name.empty() ? nullptr : g.value(name));
        for (auto& name : outs)
            g.addOutput(n, g.value(name));
        return n;
    }
    void output(const std::string& name, DataType type = DataType::Undefined, std::vector<std::int64_t> dims = {})
    {
        Value* v = g.value(name);
        if (type != DataType::Undefined)
            v->type = ValueType::tensor(type, Shape::of(dims));
        g.outputs.push_back(v);
    }
};

std::shared_ptr<Model> newModel(int opset)
{
    auto m = std::make_shared<Model>();
    m->opsets = { { "", opset } };
    return m;
}

std::vector<std::shared_ptr<Tensor>> run(
    const std::shared_ptr<Model>& model, std::vector<std::pair<std::string, std::shared_ptr<const Tensor>>> feeds)
{
    rt::Session session(model);
    return session.run(feeds).outputs;
}

// Runs the model into `outs`, failing the test (not aborting the suite)
// when the run throws.
#define RUN_MODEL(outs, model, ...)                                                                                    \
    std::vector<std::shared_ptr<Tensor>> outs;                                                                         \
    try {                                                                                                              \
        outs = run(model, __VA_ARGS__);                                                                                \
    } catch (const std::exception& e_) {                                                                               \
        QFAIL(e_.what());                                                                                              \
    }

// `out` = `in` ([S, B, I] float) as [S, 1, B, I] on the device: an RNN with
// W = identity, R = 0 and an identity activation.
void toDevice(Builder& b, const std::string& in, const std::string& out, std::int64_t size)
{
    std::vector<double> eye(std::size_t(size * size), 0.0), zero(std::size_t(size * size), 0.0);
    for (std::int64_t i = 0; i < size; ++i)
        eye[std::size_t(i * size + i)] = 1;
    b.constant(out + "_W", tensorOf(DataType::Float, { 1, size, size }, eye));
    b.constant(out + "_R", tensorOf(DataType::Float, { 1, size, size }, zero));
    b.op("RNN", { in, out + "_W", out + "_R" }, { out },
        { intAttr("hidden_size", size), stringsAttr("activations", { "Affine" }),
            floatsAttr("activation_alpha", { 1.0 }), floatsAttr("activation_beta", { 0.0 }) });
}

std::vector<std::int64_t> strides(const std::vector<std::int64_t>& dims)
{
    std::vector<std::int64_t> s(dims.size(), 1);
    for (int i = int(dims.size()) - 2; i >= 0; --i)
        s[std::size_t(i)] = s[std::size_t(i) + 1] * dims[std::size_t(i) + 1];
    return s;
}

std::vector<std::int64_t> unravel(std::int64_t flat, const std::vector<std::int64_t>& dims)
{
    std::vector<std::int64_t> idx(dims.size());
    for (int i = int(dims.size()) - 1; i >= 0; --i) {
        idx[std::size_t(i)] = flat % dims[std::size_t(i)];
        flat /= dims[std::size_t(i)];
    }
    return idx;
}

std::int64_t ravel(const std::vector<std::int64_t>& idx, const std::vector<std::int64_t>& dims)
{
    auto s = strides(dims);
    std::int64_t f = 0;
    for (std::size_t i = 0; i < idx.size(); ++i)
        f += idx[i] * s[i];
    return f;
}

std::shared_ptr<Tensor> scalarOf(DataType type, double v)
{
    return tensorOf(type, {}, { v });
}

} // namespace

class TestRuntimeControl : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { NODUS_REQUIRE_VULKAN(); }

    // Branches read the outer input and an outer initializer by name.
    void ifBranches()
    {
        auto model = newModel(17);
        Builder b { *model->graph };
        b.input("cond", DataType::Bool, {});
        b.input("x", DataType::Float, { 2, 3 });
        b.constant("k", tensorOf(DataType::Float, { 1 }, { 3.0 }));
        auto thenG = std::make_shared<Graph>("then", model->graph.get());
        Builder t { *thenG };
        t.constant("two", tensorOf(DataType::Float, { 1 }, { 2.0 }));
        t.op("Mul", { "x", "two" }, { "t_out" });
        t.output("t_out");
        auto elseG = std::make_shared<Graph>("else", model->graph.get());
        Builder e { *elseG };
        e.op("Sub", { "x", "k" }, { "e_out" });
        e.output("e_out");
        b.op("If", { "cond" }, { "y" }, { graphAttr("then_branch", thenG), graphAttr("else_branch", elseG) });
        b.output("y");
        auto x = randomValues(6, 3);
        for (bool cond : { true, false }) {
            RUN_MODEL(outs, model,
                { { "cond", scalarOf(DataType::Bool, cond) }, { "x", tensorOf(DataType::Float, { 2, 3 }, x) } })
            std::vector<double> expected = x;
            for (auto& v : expected)
                v = cond ? float(v) * 2 : float(float(v) - 3.0f);
            QCOMPARE(outs[0]->dims, (std::vector<std::int64_t> { 2, 3 }));
            NODUS_COMPARE_VALUES(valuesOf(*outs[0]), expected, 1e-6, 1e-6);
        }
    }

    // Loop with trip count and condition: carried value, scan output, body
    // condition from an outer initializer; with only M the body's condition
    // is ignored; a false start runs nothing.
    void loop_data()
    {
        QTest::addColumn<int>("trips");
        QTest::addColumn<int>("cond"); // -1: no cond input
        QTest::addColumn<int>("iterations");
        QTest::newRow("cond stops") << 6 << 1 << 4;
        QTest::newRow("M stops") << 2 << 1 << 2;
        QTest::newRow("cond ignored") << 6 << -1 << 6;
        QTest::newRow("never") << 6 << 0 << 0;
    }
    void loop()
    {
        QFETCH(int, trips);
        QFETCH(int, cond);
        QFETCH(int, iterations);
        auto model = newModel(16);
        Builder b { *model->graph };
        b.input("M", DataType::Int64, {});
        if (cond >= 0)
            b.input("cond", DataType::Bool, {});
        b.input("y0", DataType::Float, { 2 });
        b.constant("x", tensorOf(DataType::Float, { 2 }, { 1.5, -2.0 }));
        b.constant("limit", scalarOf(DataType::Int64, 3));
        auto body = std::make_shared<Graph>("body", model->graph.get());
        Builder lb { *body };
        lb.input("i", DataType::Int64, {});
        lb.input("c_in", DataType::Bool, {});
        lb.input("y_in", DataType::Float, { 2 });
        lb.op("Add", { "y_in", "x" }, { "y_out" });
        lb.op("Less", { "i", "limit" }, { "c_out" });
        lb.op("Identity", { "y_out" }, { "scan" });
        lb.output("c_out");
        lb.output("y_out");
        lb.output("scan", DataType::Float, { 2 });
        b.op("Loop", { "M", cond >= 0 ? "cond" : "", "y0" }, { "y", "scans" }, { graphAttr("body", body) });
        b.output("y");
        b.output("scans");
        std::vector<std::pair<std::string, std::shared_ptr<const Tensor>>> feeds {
            { "M", scalarOf(DataType::Int64, trips) }, { "y0", tensorOf(DataType::Float, { 2 }, { 0.25, 1.0 }) }
        };
        if (cond >= 0)
            feeds.push_back({ "cond", scalarOf(DataType::Bool, cond) });
        RUN_MODEL(outs, model, feeds)
        std::vector<double> y { 0.25, 1.0 }, scans;
        for (int i = 0; i < iterations; ++i) {
            y[0] += 1.5;
            y[1] -= 2.0;
            scans.insert(scans.end(), y.begin(), y.end());
        }
        NODUS_COMPARE_VALUES(valuesOf(*outs[0]), y, 1e-6, 1e-6);
        QCOMPARE(outs[1]->dims, (std::vector<std::int64_t> { iterations, 2 }));
        NODUS_COMPARE_VALUES(valuesOf(*outs[1]), scans, 1e-6, 1e-6);
    }

    // Loop whose carried value is a sequence (opset 13 style) and whose
    // scan output lives on the device.
    void loopSequenceAndDeviceScan()
    {
        auto model = newModel(17);
        Builder b { *model->graph };
        b.input("M", DataType::Int64, {});
        b.input("x", DataType::Float, { 3, 2, 4 });
        toDevice(b, "x", "xd", 4); // [3, 1, 2, 4] on the device
        b.op("SequenceEmpty", {}, { "empty" });
        auto body = std::make_shared<Graph>("body", model->graph.get());
        Builder lb { *body };
        lb.input("i", DataType::Int64, {});
        lb.input("c_in", DataType::Bool, {});
        Value* seqIn = body->value("s_in");
        body->inputs.push_back(seqIn);
        lb.op("SequenceInsert", { "s_in", "xd" }, { "s_out" });
        lb.op("SequenceLength", { "s_out" }, { "len" });
        lb.op("Identity", { "c_in" }, { "c_out" });
        lb.output("c_out");
        lb.output("s_out");
        lb.output("xd"); // the outer device value, stacked per iteration
        lb.output("len");
        b.op("Loop", { "M", "", "empty" }, { "seq", "stacked", "lens" }, { graphAttr("body", body) });
        b.op("ConcatFromSequence", { "seq" }, { "joined" }, { intAttr("axis", 1) });
        b.output("joined");
        b.output("stacked");
        b.output("lens");
        auto x = randomValues(24, 8);
        RUN_MODEL(
            outs, model, { { "M", scalarOf(DataType::Int64, 3) }, { "x", tensorOf(DataType::Float, { 3, 2, 4 }, x) } })
        // joined: [3, 3, 2, 4], x repeated along axis 1.
        QCOMPARE(outs[0]->dims, (std::vector<std::int64_t> { 3, 3, 2, 4 }));
        std::vector<double> joined, stacked;
        for (int s = 0; s < 3; ++s)
            for (int r = 0; r < 3; ++r)
                joined.insert(joined.end(), x.begin() + s * 8, x.begin() + s * 8 + 8);
        for (int r = 0; r < 3; ++r)
            stacked.insert(stacked.end(), x.begin(), x.end());
        NODUS_COMPARE_VALUES(valuesOf(*outs[0]), joined, 0, 0);
        QCOMPARE(outs[1]->dims, (std::vector<std::int64_t> { 3, 3, 1, 2, 4 }));
        NODUS_COMPARE_VALUES(valuesOf(*outs[1]), stacked, 0, 0);
        NODUS_COMPARE_VALUES(valuesOf(*outs[2]), (std::vector<double> { 1, 2, 3 }), 0, 0);
    }

    // Scan (opset 9+) over a host input: running sum along axis 1, read in
    // reverse, stacked along axis 1 in reverse.
    void scanSum()
    {
        auto model = newModel(12); // ReduceSum with axes as an attribute
        Builder b { *model->graph };
        b.input("init", DataType::Float, { 2 });
        b.input("x", DataType::Float, { 2, 4, 2 }); // scanned along axis 1: slices [2, 2]
        auto body = std::make_shared<Graph>("body", model->graph.get());
        Builder sb { *body };
        sb.input("sum_in", DataType::Float, { 2 });
        sb.input("next", DataType::Float, { 2, 2 });
        sb.op("ReduceSum", { "next" }, { "row" }, { intsAttr("axes", { 0 }), intAttr("keepdims", 0) });
        sb.op("Add", { "sum_in", "row" }, { "sum_out" });
        sb.op("Identity", { "sum_out" }, { "scan_out" });
        sb.output("sum_out");
        sb.output("scan_out");
        b.op("Scan", { "init", "x" }, { "final", "scanned" },
            { graphAttr("body", body), intAttr("num_scan_inputs", 1), intsAttr("scan_input_axes", { 1 }),
                intsAttr("scan_input_directions", { 1 }), intsAttr("scan_output_axes", { 1 }),
                intsAttr("scan_output_directions", { 1 }) });
        b.output("final");
        b.output("scanned");
        auto x = randomValues(16, 11);
        std::vector<double> init { 0.5, -0.5 };
        RUN_MODEL(outs, model,
            { { "init", tensorOf(DataType::Float, { 2 }, init) }, { "x", tensorOf(DataType::Float, { 2, 4, 2 }, x) } })
        // Steps t = 0..3 read position 3-t; step outputs placed at 3-t along axis 1.
        std::vector<double> sum = init;
        std::vector<double> scanned(8);
        for (int t = 0; t < 4; ++t) {
            int at = 3 - t;
            for (int c = 0; c < 2; ++c)
                sum[std::size_t(c)] = float(float(sum[std::size_t(c)])
                    + float(float(x[std::size_t((0 * 4 + at) * 2 + c)]) + float(x[std::size_t((1 * 4 + at) * 2 + c)])));
            for (int c = 0; c < 2; ++c)
                scanned[std::size_t(c * 4 + (3 - t))] = sum[std::size_t(c)];
        }
        NODUS_COMPARE_VALUES(valuesOf(*outs[0]), sum, 1e-5, 1e-5);
        QCOMPARE(outs[1]->dims, (std::vector<std::int64_t> { 2, 4 }));
        NODUS_COMPARE_VALUES(valuesOf(*outs[1]), scanned, 1e-5, 1e-5);
    }

    // Scan over a device tensor with a pass-through body: the output is the
    // input with its scan axis moved and possibly reversed, which checks the
    // device slicing and stacking for every axis pair.
    void scanDeviceAxes_data()
    {
        QTest::addColumn<int>("inAxis");
        QTest::addColumn<int>("outAxis");
        QTest::addColumn<int>("inDir");
        QTest::addColumn<int>("outDir");
        for (int a : { 0, 2, 3, -1 })
            for (int o : { 0, 1, 3 })
                QTest::addRow("in%d-out%d", a, o) << a << o << (a + o) % 2 << (a == 0 ? 1 : 0);
    }
    void scanDeviceAxes()
    {
        QFETCH(int, inAxis);
        QFETCH(int, outAxis);
        QFETCH(int, inDir);
        QFETCH(int, outDir);
        const std::vector<std::int64_t> xDims { 3, 2, 5 };
        const std::vector<std::int64_t> dDims { 3, 1, 2, 5 };
        auto model = newModel(17);
        Builder b { *model->graph };
        b.input("x", DataType::Float, xDims);
        toDevice(b, "x", "xd", 5);
        auto body = std::make_shared<Graph>("body", model->graph.get());
        body->inputs.push_back(body->value("slice"));
        body->outputs.push_back(body->value("slice"));
        b.op("Scan", { "xd" }, { "y" },
            { graphAttr("body", body), intAttr("num_scan_inputs", 1), intsAttr("scan_input_axes", { inAxis }),
                intsAttr("scan_input_directions", { inDir }), intsAttr("scan_output_axes", { outAxis }),
                intsAttr("scan_output_directions", { outDir }) });
        b.output("y");
        auto x = randomValues(30, 21);
        RUN_MODEL(outs, model, { { "x", tensorOf(DataType::Float, xDims, x) } })

        int a = inAxis < 0 ? inAxis + 4 : inAxis;
        std::int64_t L = dDims[std::size_t(a)];
        std::vector<std::int64_t> slice = dDims;
        slice.erase(slice.begin() + a);
        std::vector<std::int64_t> yDims = slice;
        yDims.insert(yDims.begin() + outAxis, L);
        QCOMPARE(outs[0]->dims, yDims);
        std::vector<double> expected(x.size());
        for (std::int64_t f = 0; f < std::int64_t(x.size()); ++f) {
            auto idx = unravel(f, yDims);
            std::int64_t k = idx[std::size_t(outAxis)];
            std::int64_t t = outDir ? L - 1 - k : k;
            std::int64_t at = inDir ? L - 1 - t : t;
            idx.erase(idx.begin() + outAxis);
            idx.insert(idx.begin() + a, at);
            expected[std::size_t(f)] = x[std::size_t(ravel(idx, dDims))];
        }
        NODUS_COMPARE_VALUES(valuesOf(*outs[0]), expected, 0, 0);
    }

    // Scan-8: batch axis first, sequence_lens shortening rows (their scan
    // outputs padded with zeros), one input read in reverse.
    void scan8()
    {
        auto model = newModel(8);
        Builder b { *model->graph };
        b.input("lens", DataType::Int32, { 3 });
        b.input("init", DataType::Float, { 3, 2 });
        b.input("x", DataType::Float, { 3, 4, 2 });
        auto body = std::make_shared<Graph>("body", model->graph.get());
        Builder sb { *body };
        sb.input("sum_in", DataType::Float, { 2 });
        sb.input("next", DataType::Float, { 2 });
        sb.op("Add", { "sum_in", "next" }, { "sum_out" });
        sb.op("Identity", { "sum_out" }, { "scan_out" });
        sb.output("sum_out");
        sb.output("scan_out", DataType::Float, { 2 });
        b.op("Scan", { "lens", "init", "x" }, { "final", "scanned" },
            { graphAttr("body", body), intAttr("num_scan_inputs", 1), intsAttr("directions", { 1 }) });
        b.output("final");
        b.output("scanned");
        auto x = randomValues(24, 5);
        auto init = randomValues(6, 6);
        std::vector<double> lens { 4, 2, 0 };
        RUN_MODEL(outs, model,
            { { "lens", tensorOf(DataType::Int32, { 3 }, lens) }, { "init", tensorOf(DataType::Float, { 3, 2 }, init) },
                { "x", tensorOf(DataType::Float, { 3, 4, 2 }, x) } })
        std::vector<double> final(6), scanned(24, 0.0);
        for (int bt = 0; bt < 3; ++bt) {
            float s[2] = { float(init[std::size_t(bt * 2)]), float(init[std::size_t(bt * 2 + 1)]) };
            int len = int(lens[std::size_t(bt)]);
            for (int t = 0; t < len; ++t) {
                int at = len - 1 - t;
                for (int c = 0; c < 2; ++c) {
                    s[c] += float(x[std::size_t((bt * 4 + at) * 2 + c)]);
                    scanned[std::size_t((bt * 4 + t) * 2 + c)] = s[c];
                }
            }
            final[std::size_t(bt * 2)] = s[0];
            final[std::size_t(bt * 2 + 1)] = s[1];
        }
        NODUS_COMPARE_VALUES(valuesOf(*outs[0]), final, 1e-6, 1e-6);
        QCOMPARE(outs[1]->dims, (std::vector<std::int64_t> { 3, 4, 2 }));
        NODUS_COMPARE_VALUES(valuesOf(*outs[1]), scanned, 1e-6, 1e-6);
    }

    // Sequence ops on host and on device values: split, insert, erase, at,
    // length, concat and stack.
    void sequences_data()
    {
        QTest::addColumn<bool>("device");
        QTest::newRow("host") << false;
        QTest::newRow("device") << true;
    }
    void sequences()
    {
        QFETCH(bool, device);
        auto model = newModel(17);
        Builder b { *model->graph };
        b.input("x", DataType::Float, { 2, 3, 4 });
        std::string src = "x";
        std::vector<std::int64_t> dims { 2, 3, 4 };
        if (device) {
            toDevice(b, "x", "xd", 4);
            src = "xd";
            dims = { 2, 1, 3, 4 };
        }
        const int last = int(dims.size()) - 1; // the axis of size 4
        const int mid = last - 1; // the axis of size 3
        b.constant("split", tensorOf(DataType::Int64, { 2 }, { 1, 2 }));
        b.constant("pos0", scalarOf(DataType::Int64, 0));
        b.constant("posNeg", scalarOf(DataType::Int64, -1));
        // [x[:, :1], x[:, 1:]] along the size-3 axis; insert x's first chunk
        // again at the front, erase the last: [c0, c0].
        b.op("SplitToSequence", { src, "split" }, { "parts" }, { intAttr("axis", mid) });
        b.op("SequenceAt", { "parts", "pos0" }, { "c0" });
        b.op("SequenceInsert", { "parts", "c0", "pos0" }, { "parts3" });
        b.op("SequenceErase", { "parts3", "posNeg" }, { "parts2" });
        b.op("SequenceLength", { "parts3" }, { "len3" });
        b.op("ConcatFromSequence", { "parts" }, { "rejoined" }, { intAttr("axis", mid) });
        b.op("ConcatFromSequence", { "parts2" }, { "doubled" }, { intAttr("axis", -1) });
        // Unit chunks along the last axis without keepdims, stacked in front.
        b.op("SplitToSequence", { src }, { "units" }, { intAttr("axis", last), intAttr("keepdims", 0) });
        b.op("ConcatFromSequence", { "units" }, { "moved" }, { intAttr("axis", 0), intAttr("new_axis", 1) });
        b.op("SequenceAt", { "units", "posNeg" }, { "lastUnit" });
        for (auto* name : { "rejoined", "doubled", "len3", "moved", "lastUnit" })
            b.output(name);
        auto x = randomValues(24, 9);
        RUN_MODEL(outs, model, { { "x", tensorOf(DataType::Float, { 2, 3, 4 }, x) } })

        QCOMPARE(outs[0]->dims, dims);
        NODUS_COMPARE_VALUES(valuesOf(*outs[0]), x, 0, 0);
        // doubled: c0 ([.., 1, 4]) twice along the last axis -> [.., 1, 8].
        std::vector<std::int64_t> dDims = dims;
        dDims[std::size_t(mid)] = 1;
        dDims[std::size_t(last)] = 8;
        QCOMPARE(outs[1]->dims, dDims);
        std::vector<double> doubled;
        for (int i = 0; i < 2; ++i)
            for (int r = 0; r < 2; ++r)
                for (int k = 0; k < 4; ++k)
                    doubled.push_back(x[std::size_t(i * 12 + k)]);
        NODUS_COMPARE_VALUES(valuesOf(*outs[1]), doubled, 0, 0);
        NODUS_COMPARE_VALUES(valuesOf(*outs[2]), (std::vector<double> { 3 }), 0, 0);
        // moved: [4, ...dims without last].
        std::vector<std::int64_t> mDims = dims;
        mDims.pop_back();
        mDims.insert(mDims.begin(), 4);
        QCOMPARE(outs[3]->dims, mDims);
        std::vector<double> moved;
        for (int k = 0; k < 4; ++k)
            for (int i = 0; i < 6; ++i)
                moved.push_back(x[std::size_t(i * 4 + k)]);
        NODUS_COMPARE_VALUES(valuesOf(*outs[3]), moved, 0, 0);
        std::vector<double> lastUnit;
        for (int i = 0; i < 6; ++i)
            lastUnit.push_back(x[std::size_t(i * 4 + 3)]);
        NODUS_COMPARE_VALUES(valuesOf(*outs[4]), lastUnit, 0, 0);
    }

    // SequenceMap with a sequence and a tensor input; a split with a scalar
    // chunk size leaves a shorter last chunk.
    void sequenceMap()
    {
        auto model = newModel(17);
        Builder b { *model->graph };
        b.input("x", DataType::Float, { 5, 2 });
        b.input("bias", DataType::Float, { 2 });
        b.constant("chunk", scalarOf(DataType::Int64, 2));
        b.op("SplitToSequence", { "x", "chunk" }, { "parts" });
        auto body = std::make_shared<Graph>("body", model->graph.get());
        Builder mb { *body };
        body->inputs.push_back(body->value("p"));
        mb.input("bb", DataType::Float, { 2 });
        mb.op("Add", { "p", "bb" }, { "q" });
        mb.op("Shape", { "p" }, { "shape" });
        mb.output("q");
        mb.output("shape");
        b.op("SequenceMap", { "parts", "bias" }, { "mapped", "shapes" }, { graphAttr("body", body) });
        b.op("ConcatFromSequence", { "mapped" }, { "y" }, { intAttr("axis", 0) });
        b.op("ConcatFromSequence", { "shapes" }, { "s" }, { intAttr("axis", 0) });
        b.output("y");
        b.output("s");
        auto x = randomValues(10, 4);
        std::vector<double> bias { 0.5, -1 };
        RUN_MODEL(outs, model,
            { { "x", tensorOf(DataType::Float, { 5, 2 }, x) }, { "bias", tensorOf(DataType::Float, { 2 }, bias) } })
        std::vector<double> y = x;
        for (std::size_t i = 0; i < y.size(); ++i)
            y[i] = float(float(x[i]) + float(bias[i % 2]));
        NODUS_COMPARE_VALUES(valuesOf(*outs[0]), y, 1e-6, 1e-6);
        NODUS_COMPARE_VALUES(valuesOf(*outs[1]), (std::vector<double> { 2, 2, 2, 2, 1, 2 }), 0, 0);
    }

    void optionals()
    {
        auto model = newModel(18);
        Builder b { *model->graph };
        b.input("x", DataType::Float, { 3 });
        b.op("Optional", { "x" }, { "some" });
        Node* none = b.op("Optional", {}, { "none" });
        Attribute type;
        type.name = "type";
        type.type = AttributeType::Type;
        type.types = { ValueType::tensor(DataType::Float, Shape::of({ 3 })) };
        none->attributes.push_back(type);
        b.op("OptionalHasElement", { "some" }, { "hasSome" });
        b.op("OptionalHasElement", { "none" }, { "hasNone" });
        b.op("OptionalGetElement", { "some" }, { "got" });
        for (auto* name : { "hasSome", "hasNone", "got" })
            b.output(name);
        std::vector<double> x { 1, 2, 3 };
        RUN_MODEL(outs, model, { { "x", tensorOf(DataType::Float, { 3 }, x) } })
        QCOMPARE(outs[0]->dataType, DataType::Bool);
        NODUS_COMPARE_VALUES(valuesOf(*outs[0]), (std::vector<double> { 1 }), 0, 0);
        NODUS_COMPARE_VALUES(valuesOf(*outs[1]), (std::vector<double> { 0 }), 0, 0);
        NODUS_COMPARE_VALUES(valuesOf(*outs[2]), x, 0, 0);
    }

    // Errors name the node and say what is wrong.
    void sequenceAtOutOfRange()
    {
        auto model = newModel(17);
        Builder b { *model->graph };
        b.input("x", DataType::Float, { 2 });
        b.constant("pos", scalarOf(DataType::Int64, 2));
        b.op("SequenceConstruct", { "x", "x" }, { "s" });
        b.op("SequenceAt", { "s", "pos" }, { "y" });
        b.output("y");
        try {
            run(model, { { "x", tensorOf(DataType::Float, { 2 }, { 1, 2 }) } });
            QFAIL("an out-of-range position was accepted");
        } catch (const rt::RuntimeError& e) {
            QVERIFY2(std::string(e.what()).find("out of range") != std::string::npos, e.what());
        }
    }

    // PyTorch's scripted If (a branch on the sign of the input's sum)
    // against onnxruntime, down both branches.
    void pytorchIf()
    {
        const auto file = corpusDir() / "pytorch-export" / "if_control_flow.onnx";
        if (corpusDir().empty() || !std::filesystem::exists(file))
            QSKIP("../shared/corpus/pytorch-export is absent");
        if (!ortUnavailable().isEmpty())
            QSKIP(qPrintable(ortUnavailable()));
        std::shared_ptr<Model> model = FormatRegistry::instance().open(file);
        rt::Session session(model);
        for (double sign : { 1.0, -1.0 }) {
            auto x = randomValues(6, 17, 0.1, 1.0);
            for (auto& v : x)
                v *= sign;
            auto outs = session.run({ { "x", tensorOf(DataType::Float, { 2, 3 }, x) } }).outputs;
            auto ort = runOnnxRuntime(file, { OrtInput { "x", "float32", { 2, 3 }, x } });
            QVERIFY2(ort.ran, qPrintable(ort.error));
            QCOMPARE(outs[0]->dims, ort.outputs[0].dims);
            NODUS_COMPARE_VALUES(valuesOf(*outs[0]), ort.outputs[0].data, 1e-5, 1e-5);
        }
    }
};

QTEST_GUILESS_MAIN(TestRuntimeControl)
#include "test_runtime_control.moc"
