// Converting sets of files (core/convert/batchconvert), exporting weights
// (core/convert/weightsexport) and the ONNX export's options.
#include "testsupport.h"

#include "convert/batchconvert.h"
#include "convert/onnxexport.h"
#include "convert/weightsexport.h"
#include "formats/formatregistry.h"
#include "ir/model.h"
#include "util/error.h"
#include "util/npy.h"

#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <fstream>

using namespace nodus;
namespace fs = std::filesystem;

namespace {

fs::path samplePath()
{
    return test::sourceDir() / "resources" / "samples" / "sample.onnx";
}

fs::path tempPath(const QTemporaryDir& dir, const std::string& name)
{
    return fs::path(dir.path().toStdString()) / name;
}

void writeText(const fs::path& path, const std::string& text)
{
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

onnx::ModelProto loadProto(const fs::path& path)
{
    onnx::ModelProto proto;
    std::ifstream in(path, std::ios::binary);
    if (!proto.ParseFromIstream(&in))
        throw std::runtime_error("cannot parse " + path.string());
    return proto;
}

} // namespace

class TestBatchConvert : public QObject {
    Q_OBJECT
private slots:
    void safetensorsHoldEveryTensor()
    {
        QTemporaryDir dir;
        const auto model = FormatRegistry::instance().open(samplePath());
        QVERIFY(!model->graph->initializers.empty());
        const fs::path out = tempPath(dir, "w.safetensors");
        const auto report = exportWeights(*model, out);
        QCOMPARE(report.written.size(), model->graph->initializers.size());
        QVERIFY(report.skipped.empty());

        const QByteArray bytes = test::fileBytes(out);
        QVERIFY(bytes.size() > 8);
        std::uint64_t headerSize = 0;
        for (int i = 7; i >= 0; --i)
            headerSize = (headerSize << 8) | static_cast<unsigned char>(bytes[i]);
        QCOMPARE(headerSize % 8, std::uint64_t(0)); // data starts aligned
        const auto header = nlohmann::json::parse(bytes.mid(8, int(headerSize)).toStdString());
        QCOMPARE(header["__metadata__"]["source_format"].get<std::string>(), std::string("onnx"));
        const char* data = bytes.constData() + 8 + headerSize;
        std::uint64_t end = 0;
        for (const auto& t : model->graph->initializers) {
            const auto& h = header.at(t->name);
            QCOMPARE(h["dtype"].get<std::string>(), std::string(t->dataType == DataType::Float ? "F32" : "I64"));
            QCOMPARE(h["shape"].get<std::vector<std::int64_t>>(), t->dims);
            const auto offsets = h["data_offsets"].get<std::vector<std::uint64_t>>();
            QCOMPARE(offsets[1] - offsets[0], t->data->size());
            const auto expected = t->data->bytes();
            QVERIFY(std::memcmp(data + offsets[0], expected.data(), expected.size()) == 0);
            end = std::max(end, offsets[1]);
        }
        QCOMPARE(std::uint64_t(bytes.size()), 8 + headerSize + end);
    }

    void npzRoundTrips()
    {
        QTemporaryDir dir;
        const auto model = FormatRegistry::instance().open(samplePath());
        const fs::path out = tempPath(dir, "w.npz");
        const auto report = exportWeights(*model, out);
        QCOMPARE(report.written.size(), model->graph->initializers.size());
        const auto arrays = readNpz(out);
        QCOMPARE(arrays.size(), model->graph->initializers.size());
        for (std::size_t i = 0; i < arrays.size(); ++i) {
            const auto& t = model->graph->initializers[i];
            QCOMPARE(arrays[i].first, t->name);
            QCOMPARE(arrays[i].second->dims, t->dims);
            QCOMPARE(arrays[i].second->dataType, t->dataType);
            const auto a = arrays[i].second->data->bytes();
            const auto b = t->data->bytes();
            QVERIFY(a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0);
        }
    }

    void weightsExportRefusesWhatItCannotWrite()
    {
        QTemporaryDir dir;
        const auto model = FormatRegistry::instance().open(samplePath());
        QVERIFY_THROWS_EXCEPTION(Error, exportWeights(*model, tempPath(dir, "w.bin")));
        Model empty;
        empty.graph = std::make_shared<Graph>("g");
        try {
            exportWeights(empty, tempPath(dir, "e.npz"));
            QFAIL("a model without tensors was exported");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("no stored tensors") != std::string::npos, e.what());
        }
        QVERIFY(!fs::exists(tempPath(dir, "e.npz")));
        // bfloat16 has no NumPy dtype: left out of a .npz, kept in safetensors.
        auto t = std::make_shared<Tensor>();
        t->name = "bf";
        t->dataType = DataType::BFloat16;
        t->dims = { 2 };
        auto f = std::make_shared<Tensor>(*model->graph->initializers.front());
        empty.graph->addInitializer(t);
        t->data = f->data; // any bytes of the right size
        t->dims = { std::int64_t(f->data->size() / 2) };
        empty.graph->addInitializer(f);
        const auto npz = exportWeights(empty, tempPath(dir, "m.npz"));
        QCOMPARE(npz.written, std::vector<std::string> { f->name });
        QCOMPARE(npz.skipped.size(), std::size_t(1));
        QCOMPARE(npz.skipped[0].first, std::string("bf"));
        const auto st = exportWeights(empty, tempPath(dir, "m.safetensors"));
        QCOMPARE(st.written.size(), std::size_t(2));
    }

    void foldersAreSearchedForModels()
    {
        QTemporaryDir dir;
        const fs::path root = tempPath(dir, "models");
        fs::create_directories(root / "sub");
        fs::create_directories(root / ".hidden");
        fs::copy_file(samplePath(), root / "a.onnx");
        fs::copy_file(samplePath(), root / "sub" / "b.onnx");
        fs::copy_file(samplePath(), root / ".hidden" / "c.onnx");
        writeText(root / "notes.txt", "not a model");
        const auto found = collectBatchSources({ root, tempPath(dir, "missing.onnx") });
        QCOMPARE(found.ignored, std::size_t(1));
        QCOMPARE(found.sources.size(), std::size_t(3));
        QCOMPARE(found.sources[0].file, root / "a.onnx");
        QCOMPARE(found.sources[0].relativeDir.lexically_normal(), fs::path("models/"));
        QCOMPARE(found.sources[1].file, root / "sub" / "b.onnx");
        QCOMPARE(found.sources[1].relativeDir, fs::path("models") / "sub");
        QCOMPARE(found.sources[2].file, tempPath(dir, "missing.onnx"));

        BatchConvertOptions options;
        options.outputDir = tempPath(dir, "out");
        const auto results = BatchConverter(options).convertAll(found.sources);
        QCOMPARE(results.size(), std::size_t(3));
        QVERIFY2(results[0].ok, results[0].message.c_str());
        QCOMPARE(results[0].output, options.outputDir / "models" / "a.onnx");
        QVERIFY(results[1].ok);
        QCOMPARE(results[1].output, options.outputDir / "models" / "sub" / "b.onnx");
        QVERIFY(!results[2].ok);
        QVERIFY2(results[2].message.find("no such file") != std::string::npos, results[2].message.c_str());
        for (int i = 0; i < 2; ++i) {
            const auto reopened = FormatRegistry::instance().open(results[i].output);
            QCOMPARE(reopened->graph->nodes().size(), FormatRegistry::instance().open(samplePath())->graph->nodes().size());
        }
    }

    void outputsNeverOverwriteSourcesOrEachOther()
    {
        QTemporaryDir dir;
        const fs::path a = tempPath(dir, "one/m.onnx"), b = tempPath(dir, "two/m.onnx");
        fs::create_directories(a.parent_path());
        fs::create_directories(b.parent_path());
        fs::copy_file(samplePath(), a);
        fs::copy_file(samplePath(), b);
        const QByteArray before = test::fileBytes(a);
        BatchConvertOptions options;
        options.outputDir = a.parent_path(); // beside the first source
        const auto results = BatchConverter(options).convertAll({ { a, {} }, { b, {} } });
        QVERIFY(results[0].ok && results[1].ok);
        QCOMPARE(results[0].output, a.parent_path() / "m.onnx.onnx");
        QCOMPARE(results[1].output, a.parent_path() / "m.onnx.2.onnx");
        QCOMPARE(test::fileBytes(a), before);
    }

    void failuresNameTheReason()
    {
        QTemporaryDir dir;
        const fs::path junk = tempPath(dir, "junk.onnx");
        writeText(junk, std::string("\x01\x02 definitely not protobuf \xff\xff", 30));
        BatchConvertOptions options;
        options.outputDir = tempPath(dir, "out");
        const auto r = BatchConverter(options).convert({ junk, {} });
        QVERIFY(!r.ok);
        QVERIFY(r.output.empty());
        QVERIFY2(r.message.find("not a model file") != std::string::npos, r.message.c_str());
        QVERIFY(!fs::exists(options.outputDir / "junk.onnx"));

        std::atomic<bool> cancel { true };
        const auto none = BatchConverter(options).convertAll({ { samplePath(), {} } }, {}, &cancel);
        QVERIFY(none.empty());
    }

    void unmappedOpsAreNamed()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QTemporaryDir dir;
        BatchConvertOptions options;
        options.outputDir = tempPath(dir, "out");
        const auto r = BatchConverter(options).convert({ test::corpusDir() / "cntk-v2" / "ATIS_model.cmf", {} });
        QVERIFY(!r.ok);
        QCOMPARE(r.unsupportedOps, std::vector<std::string> { "PastValue" });
        options.partial = true;
        const auto partial = BatchConverter(options).convert({ test::corpusDir() / "cntk-v2" / "ATIS_model.cmf", {} });
        QVERIFY2(partial.ok, partial.message.c_str());
        QCOMPARE(partial.unsupportedOps, std::vector<std::string> { "PastValue" });
    }

    void exportOptionsShapeTheFile()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QTemporaryDir dir;
        const auto model = FormatRegistry::instance().open(test::corpusDir() / "cntk-v2" / "MNISTConvolution.model");
        OnnxExportOptions options;
        options.externalData = true;
        const fs::path out = tempPath(dir, "mnist.onnx");
        exportToOnnx(*model, out, options);
        QVERIFY(fs::exists(tempPath(dir, "mnist.onnx.data")));
        onnx::checker::check_model(out.string()); // throws when invalid
        const auto withData = loadProto(out);
        int external = 0;
        for (const auto& init : withData.graph().initializer())
            external += init.data_location() == onnx::TensorProto::EXTERNAL;
        QVERIFY(external > 0);
        QVERIFY(withData.graph().value_info_size() > 0);
        // The external tensors read back to the same values as the source's.
        const auto reopened = FormatRegistry::instance().open(out);
        QCOMPARE(reopened->tensorCount(), std::size_t(withData.graph().initializer_size()));

        options.externalData = false;
        options.inferShapes = false;
        const fs::path plain = tempPath(dir, "plain.onnx");
        exportToOnnx(*model, plain, options);
        const auto noShapes = loadProto(plain);
        QCOMPARE(noShapes.graph().value_info_size(), 0);
        QVERIFY(!fs::exists(tempPath(dir, "plain.onnx.data")));
        onnx::checker::check_model(plain.string());
    }
};

QTEST_GUILESS_MAIN(TestBatchConvert)
#include "test_batchconvert.moc"
