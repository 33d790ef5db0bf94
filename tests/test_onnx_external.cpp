// External data: the PyTorch export with a .data file opens and round-trips;
// locations that leave the model's folder are refused (CVE-2022-25882);
// large models are written with external data.
#include "testsupport.h"

#include "formats/formatregistry.h"
#include "formats/onnx/onnxwriter.h"
#include "ir/model.h"
#include "ir/modelcompare.h"
#include "util/error.h"

#include <onnx/onnx_pb.h>

#include <QTemporaryDir>

#include <fstream>

using namespace nodus;
namespace fs = std::filesystem;

namespace {

// A one-initializer model whose tensor lives at `location` in external data.
void writeExternalModel(const fs::path& path, const std::string& location, std::uint64_t offset = 0,
                        std::uint64_t length = 16)
{
    ::onnx::ModelProto m;
    m.set_ir_version(8);
    m.add_opset_import()->set_version(17);
    auto* g = m.mutable_graph();
    g->set_name("ext");
    auto* t = g->add_initializer();
    t->set_name("w");
    t->set_data_type(::onnx::TensorProto::FLOAT);
    t->add_dims(4);
    t->set_data_location(::onnx::TensorProto::EXTERNAL);
    auto add = [t](const std::string& k, const std::string& v) {
        auto* kv = t->add_external_data();
        kv->set_key(k);
        kv->set_value(v);
    };
    add("location", location);
    add("offset", std::to_string(offset));
    add("length", std::to_string(length));
    auto* node = g->add_node();
    node->set_op_type("Identity");
    node->add_input("w");
    node->add_output("y");
    auto* out = g->add_output();
    out->set_name("y");
    std::ofstream f(path, std::ios::binary);
    QVERIFY(m.SerializeToOstream(&f));
}

void writeBytes(const fs::path& path, std::size_t n)
{
    std::ofstream f(path, std::ios::binary);
    for (std::size_t k = 0; k < n; ++k)
        f.put(static_cast<char>(k));
}

} // namespace

class TestOnnxExternal : public QObject {
    Q_OBJECT

private slots:
    void corpusExternalModelOpensAndRoundTrips()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const fs::path ext = test::corpusDir() / "pytorch-export" / "squeezenet1_1_external.onnx";
        const fs::path inlined = test::corpusDir() / "pytorch-export" / "squeezenet1_1.onnx";
        const auto a = FormatRegistry::instance().open(ext);
        int external = 0;
        for (const auto& t : a->graph->initializers)
            external += !t->externalLocation.empty();
        QVERIFY2(external > 0, "no tensor was read from external data");

        QTemporaryDir dir;
        const fs::path out = fs::path(dir.path().toStdString()) / "copy.onnx";
        FormatRegistry::instance().save(*a, out);
        QVERIFY(fs::exists(fs::path(dir.path().toStdString()) / "copy.onnx.data"));
        const auto b = FormatRegistry::instance().open(out);
        const auto diffs = compareModels(*a, *b);
        QVERIFY2(diffs.empty(), diffs.empty() ? "" : diffs.front().c_str());

        // The same weights as the self-contained export, byte for byte.
        const auto c = FormatRegistry::instance().open(inlined);
        QCOMPARE(c->graph->initializers.size(), a->graph->initializers.size());
        for (std::size_t k = 0; k < a->graph->initializers.size(); ++k) {
            const auto x = a->graph->initializers[k]->data->bytes();
            const auto y = c->graph->initializers[k]->data->bytes();
            QVERIFY(std::equal(x.begin(), x.end(), y.begin(), y.end()));
        }
    }

    void inlineModelSavesWithExternalData()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto a = FormatRegistry::instance().open(test::corpusDir() / "pytorch-export" / "squeezenet1_1.onnx");
        QTemporaryDir dir;
        const fs::path out = fs::path(dir.path().toStdString()) / "big.onnx";
        // Stand in for "over 2 GB": lower the inline limit.
        OnnxWriteOptions options;
        options.inlineLimit = 1 << 20;
        OnnxWriter(*a, options).write(out);
        QVERIFY(fs::file_size(out) < 100000);
        QVERIFY(fs::file_size(fs::path(out).concat(".data")) > 4000000);
        const auto b = FormatRegistry::instance().open(out);
        const auto diffs = compareModels(*a, *b);
        QVERIFY2(diffs.empty(), diffs.empty() ? "" : diffs.front().c_str());
    }

    void safeLocationOpens()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        fs::create_directories(root / "weights");
        writeBytes(root / "weights" / "w.bin", 32);
        writeExternalModel(root / "m.onnx", "weights/w.bin", 16, 16);
        const auto m = FormatRegistry::instance().open(root / "m.onnx");
        const auto bytes = m->graph->initializers.at(0)->data->bytes();
        QCOMPARE(bytes.size(), std::size_t(16));
        QCOMPARE(static_cast<int>(bytes[0]), 16);
    }

    void escapingLocationsAreRefused_data()
    {
        QTest::addColumn<QString>("location");
        QTest::newRow("parent") << "../secret.bin";
        QTest::newRow("nested parent") << "weights/../../secret.bin";
        QTest::newRow("absolute") << "/etc/passwd";
        QTest::newRow("backslash parent") << "..\\secret.bin";
        QTest::newRow("symlink out") << "link.bin";
        QTest::newRow("missing") << "nowhere.bin";
    }

    void escapingLocationsAreRefused()
    {
        QFETCH(QString, location);
        QTemporaryDir dir;
        const fs::path outer = dir.path().toStdString();
        const fs::path root = outer / "model";
        fs::create_directories(root / "weights");
        writeBytes(outer / "secret.bin", 64);
        fs::create_symlink(outer / "secret.bin", root / "link.bin");
        writeExternalModel(root / "m.onnx", location.toStdString());
        try {
            FormatRegistry::instance().open(root / "m.onnx");
            QFAIL("a model reading outside its folder was opened");
        } catch (const Error& e) {
            const QString what = e.what();
            QVERIFY2(what.contains("m.onnx") && what.contains(location), e.what());
            QVERIFY2(what.contains("refused") || what.contains("not found"), e.what());
        }
    }

    void rangeOutsideTheDataFileIsRefused()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        writeBytes(root / "w.bin", 8);
        writeExternalModel(root / "m.onnx", "w.bin", 0, 16);
        QVERIFY_THROWS_EXCEPTION(Error, FormatRegistry::instance().open(root / "m.onnx"));
        writeExternalModel(root / "m.onnx", "w.bin", 1ull << 62, 16);
        QVERIFY_THROWS_EXCEPTION(Error, FormatRegistry::instance().open(root / "m.onnx"));
    }
};

QTEST_GUILESS_MAIN(TestOnnxExternal)
#include "test_onnx_external.moc"
