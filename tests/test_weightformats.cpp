// Weight-set formats: safetensors (core/formats/safetensors) and NumPy
// .npy/.npz (core/formats/numpy): the corpus files, the refusals of a
// malformed header, damaged copies, write-back and apply-weights.
#include "testsupport.h"

#include "convert/weightsexport.h"
#include "edit/commands.h"
#include "edit/weighttransplant.h"
#include "formats/formatregistry.h"
#include "formats/safetensors/safetensorsreader.h"
#include "ir/model.h"
#include "ir/ownedtensordata.h"
#include "ir/tensorvalues.h"
#include "util/error.h"
#include "util/mappedfile.h"
#include "util/npy.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <cstring>
#include <fstream>

using namespace nodus;
namespace fs = std::filesystem;

namespace {

using test::readAll;

const Tensor* find(const Model& m, const std::string& name)
{
    for (const auto& t : m.graph->initializers)
        if (t->name == name)
            return t.get();
    return nullptr;
}

std::vector<double> values(const Tensor& t)
{
    std::vector<double> out;
    const auto bytes = t.data->bytes();
    for (std::uint64_t k = 0; k < *t.elementCount(); ++k)
        out.push_back(elementAsDouble(t.dataType, bytes, k));
    return out;
}

double sum(const Tensor& t)
{
    double s = 0;
    for (double v : values(t))
        s += v;
    return s;
}

// A safetensors file: the size, the header as given, `data` zero bytes.
std::string safetensors(const std::string& header, std::size_t data)
{
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i)
        out[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
    return out + header + std::string(data, '\0');
}

std::string withHeaderSize(std::uint64_t n, const std::string& rest)
{
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i)
        out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    return out + rest;
}

std::unique_ptr<Model> openBytes(const std::string& bytes, const std::string& name)
{
    auto file = MappedFile::fromBytes(std::as_bytes(std::span(bytes)), name);
    return FormatRegistry::instance().open(FormatRegistry::probe(file));
}

void apply(Model& m, EditCommandPtr c)
{
    c->apply(m);
}

using Run = nodus::test::CliRun;
constexpr auto cli = &nodus::test::runCli;

// NumPy's own reading of a file (python3 with numpy, when there is one):
// "name dtype shape sum" per array, sorted by name; empty when unavailable.
QString numpyView(const fs::path& file)
{
    const QString script = QStringLiteral(
        "import sys, json, struct\n"
        "import numpy as np\n"
        "p = sys.argv[1]\n"
        "if p.endswith('.safetensors'):\n"
        "    b = open(p, 'rb').read(); n = struct.unpack('<Q', b[:8])[0]; h = json.loads(b[8:8 + n])\n"
        "    m = {'F64':'<f8','F32':'<f4','F16':'<f2','I64':'<i8','I32':'<i4','I16':'<i2','I8':'i1',\n"
        "         'U64':'<u8','U32':'<u4','U16':'<u2','U8':'u1','BOOL':'?'}\n"
        "    a = {k: np.frombuffer(b[8 + n + v['data_offsets'][0]:8 + n + v['data_offsets'][1]],\n"
        "         dtype=m[v['dtype']]).reshape(v['shape']) for k, v in h.items() if k != '__metadata__'}\n"
        "    print('meta', json.dumps(h.get('__metadata__', {}), sort_keys=True))\n"
        "elif p.endswith('.npz'):\n"
        "    z = np.load(p); a = {k: z[k] for k in z.files}\n"
        "else:\n"
        "    a = {'npy': np.load(p)}\n"
        "for k in sorted(a):\n"
        "    print(k, a[k].dtype.name, list(a[k].shape), repr(float(a[k].astype('f8').sum())))\n");
    QProcess p;
    p.start(
        QStringLiteral("/usr/bin/python3"), { QStringLiteral("-c"), script, QString::fromStdString(file.string()) });
    if (!p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
        return {};
    return QString::fromUtf8(p.readAllStandardOutput()).trimmed();
}

bool haveNumpy()
{
    QProcess p;
    p.start(QStringLiteral("/usr/bin/python3"), { QStringLiteral("-c"), QStringLiteral("import numpy") });
    return p.waitForFinished(60000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

// Opens every damaged variant; only nodus::Error may come out, and what opens
// must be readable through.
void openDamaged(const std::string& bytes, const std::string& name)
{
    try {
        const auto m = openBytes(bytes, name);
        for (const auto& t : m->graph->initializers)
            if (t->data)
                (void)t->data->bytes();
    } catch (const Error&) {
    }
}

} // namespace

class TestWeightFormats : public QObject {
    Q_OBJECT

private slots:
    void safetensorsCorpus_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("tensor");
        QTest::addColumn<QString>("dtype");
        QTest::addColumn<QString>("shape");
        QTest::addColumn<int>("tensors");
        QTest::addColumn<double>("first");
        QTest::addColumn<double>("total");
        // Values as NumPy reads them at the header's byte offsets.
        QTest::newRow("B") << "B.safetensors"
                           << "B"
                           << "uint8"
                           << "6" << 1 << 253.0 << 765.0;
        QTest::newRow("H") << "H.safetensors"
                           << "H"
                           << "uint16"
                           << "6" << 1 << 65533.0 << 196605.0;
        QTest::newRow("b") << "b.safetensors"
                           << "b"
                           << "int8"
                           << "6" << 1 << -3.0 << -3.0;
        QTest::newRow("d") << "d.safetensors"
                           << "d"
                           << "float64"
                           << "6" << 1 << -3.0 << -3.0;
        QTest::newRow("e") << "e.safetensors"
                           << "e"
                           << "float16"
                           << "6" << 1 << -3.0 << -3.0;
        QTest::newRow("overall I") << "overall.safetensors"
                                   << "I"
                                   << "uint32"
                                   << "6" << 9 << 4294967293.0 << 12884901885.0;
        QTest::newRow("overall f") << "overall.safetensors"
                                   << "f"
                                   << "float32"
                                   << "6" << 9 << -3.0 << -3.0;
        QTest::newRow("overall h") << "overall.safetensors"
                                   << "h"
                                   << "int16"
                                   << "6" << 9 << -3.0 << -3.0;
        QTest::newRow("syoyo weight1") << "syoyo_model.safetensors"
                                       << "weight1"
                                       << "float64"
                                       << "8x8" << 2 << 0.08001627472781947 << 31.741862223954197;
        QTest::newRow("syoyo weight2") << "syoyo_model.safetensors"
                                       << "weight2"
                                       << "float64"
                                       << "16x16" << 2 << 0.16715496979848254 << 126.67609970765007;
    }

    void safetensorsCorpus()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QFETCH(QString, file);
        QFETCH(QString, tensor);
        QFETCH(QString, dtype);
        QFETCH(QString, shape);
        QFETCH(int, tensors);
        QFETCH(double, first);
        QFETCH(double, total);
        const auto path = test::corpusDir() / "safetensors" / file.toStdString();
        const auto m = FormatRegistry::instance().open(path);
        QCOMPARE(m->format, std::string("safetensors"));
        QCOMPARE(int(m->graph->initializers.size()), tensors);
        QVERIFY(m->graph->nodes().empty());
        const Tensor* t = find(*m, tensor.toStdString());
        QVERIFY(t);
        QCOMPARE(QString::fromStdString(std::string(dataTypeName(t->dataType))), dtype);
        QStringList dims;
        for (auto d : t->dims)
            dims << QString::number(d);
        QCOMPARE(dims.join('x'), shape);
        QVERIFY(t->isMapped()); // zero-copy
        QCOMPARE(values(*t).front(), first);
        QCOMPARE(sum(*t), total);
        if (file != "syoyo_model.safetensors")
            QCOMPARE(m->metadata, (std::vector<std::pair<std::string, std::string>> { { "test", "a" } }));
        else
            QVERIFY(m->metadata.empty());
    }

    void everyCorpusFileOpens()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto files = test::corpusFiles("safetensors", { ".safetensors" });
        QCOMPARE(int(files.size()), 7);
        for (const auto& f : files)
            QCOMPARE(FormatRegistry::instance().open(f)->format, std::string("safetensors"));
    }

    void malformedCorpus()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto files = test::corpusFiles("safetensors-malformed", { ".safetensors" });
        QCOMPARE(int(files.size()), 1);
        // Its header size (1000) points past the end of its 88 bytes.
        try {
            (void)FormatRegistry::instance().open(files.front());
            QFAIL("the malformed file opened");
        } catch (const Error& e) {
            const std::string what = e.what();
            QVERIFY2(what.starts_with(files.front().string() + ": "), e.what());
            QVERIFY2(
                what.find("header size 1000 bytes is larger than the file (88 bytes") != std::string::npos, e.what());
        }
    }

    void malformedHeaders_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("reason");
        const auto row = [](const char* name, const std::string& bytes, const char* reason) {
            QTest::newRow(name) << QByteArray(bytes.data(), qsizetype(bytes.size())) << QString(reason);
        };
        const std::string ok = R"("dtype":"F32","shape":[2],"data_offsets":[0,8])";
        row("too short", std::string("\x08\0\0", 3), "too short for the 8-byte header size");
        row("absurd header size", withHeaderSize(std::uint64_t(1) << 40, "{\"a\":{}}"), "is absurd (more than 100 MB)");
        row("header past the end", withHeaderSize(64, "{\"a\":{}}"), "header size 64 bytes is larger than the file");
        row("not JSON", safetensors("{\"a\":{\"dtype\":", 0), "not valid JSON");
        row("not an object", safetensors("[1,2]", 0), "not a JSON object");
        row("no dtype", safetensors(R"({"w":{"shape":[2],"data_offsets":[0,8]}})", 8), "tensor 'w': no dtype");
        row("no shape", safetensors(R"({"w":{"dtype":"F32","data_offsets":[0,8]}})", 8), "tensor 'w': no shape");
        row("no data_offsets", safetensors(R"({"w":{"dtype":"F32","shape":[2]}})", 8), "tensor 'w': no data_offsets");
        row("entry not an object", safetensors(R"({"w":[1]})", 0), "tensor 'w': its entry is not an object");
        row("unknown dtype", safetensors(R"({"w":{"dtype":"F128","shape":[2],"data_offsets":[0,8]}})", 8),
            "tensor 'w': unknown dtype 'F128'");
        row("negative dimension", safetensors(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8),
            "has -2, not a non-negative integer");
        row("overflowing shape",
            safetensors(R"({"w":{"dtype":"F32","shape":[4611686018427387904,8],"data_offsets":[0,8]}})", 8),
            "overflows a 64-bit byte count");
        row("one offset", safetensors(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8]}})", 8),
            "data_offsets [8] is not [begin, end]");
        row("begin after end", safetensors(R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", 8),
            "begins after it ends");
        row("wrong length", safetensors(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8),
            "hold 8 bytes but shape [3] x F32 needs 12");
        row("outside the data area", safetensors("{\"w\":{" + ok + "}}", 4), "lie outside the data area (4 bytes)");
        row("overlap",
            safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                        R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                12),
            "tensor 'b': data_offsets [4, 12] overlap tensor 'a'");
        row("gap",
            safetensors(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                        R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                12),
            "leave a gap of 4 bytes before it");
        row("trailing bytes", safetensors("{\"w\":{" + ok + "}}", 12), "(4 trailing bytes)");
        row("listed twice", safetensors("{\"w\":{" + ok + "},\"w\":{" + ok + "}}", 8), "lists 'w' twice");
        row("metadata not strings", safetensors(R"({"__metadata__":{"epoch":3}})", 0),
            "__metadata__ entry 'epoch' is 3, not a string");
        row("nested too deep", safetensors(R"({"w":{"dtype":"F32","shape":[[[2]]],"data_offsets":[0,8]}})", 8),
            "nested deeper than a safetensors header");
    }

    void malformedHeaders()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, reason);
        auto file = MappedFile::fromBytes(
            std::as_bytes(std::span(bytes.constData(), std::size_t(bytes.size()))), "bad.safetensors");
        try {
            (void)readSafetensors(file);
            QFAIL("a malformed header was accepted");
        } catch (const Error& e) {
            const QString what = QString::fromUtf8(e.what());
            QVERIFY2(what.startsWith("bad.safetensors: "), e.what());
            QVERIFY2(what.contains(reason), e.what());
        }
    }

    void validEdgeCases()
    {
        // No tensors at all, and a zero-sized tensor, are valid files.
        const auto empty = openBytes(safetensors("{}      ", 0), "e.safetensors");
        QCOMPARE(empty->format, std::string("safetensors"));
        QVERIFY(empty->graph->initializers.empty());
        const auto zero = openBytes(safetensors(R"({"z":{"dtype":"BF16","shape":[0,3],"data_offsets":[0,0]},)"
                                                R"("w":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}})",
                                        2),
            "z.safetensors");
        QCOMPARE(int(zero->graph->initializers.size()), 2);
        QCOMPARE(find(*zero, "z")->dataType, DataType::BFloat16);
        QCOMPARE(find(*zero, "z")->data->size(), std::uint64_t(0));
        QCOMPARE(find(*zero, "w")->dataType, DataType::Float8E4M3FN);
    }

    void damagedCopiesNeverCrash()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        for (const auto& f : test::corpusFiles("safetensors", { ".safetensors" })) {
            const std::string bytes = readAll(f);
            for (std::size_t n = 0; n < bytes.size(); ++n)
                openDamaged(bytes.substr(0, n), "cut.safetensors");
            for (std::size_t k = 0; k < std::min<std::size_t>(bytes.size(), 800); ++k)
                for (int bit : { 0, 3, 7 }) {
                    std::string flipped = bytes;
                    flipped[k] = static_cast<char>(flipped[k] ^ (1 << bit));
                    openDamaged(flipped, "flip.safetensors");
                }
        }
        for (const auto& f : test::corpusFiles("npz", { ".npz" })) {
            const std::string bytes = readAll(f);
            for (std::size_t n = 0; n < bytes.size(); n += 1 + n / 8)
                openDamaged(bytes.substr(0, n), "cut.npz");
            for (std::size_t k = 0; k < bytes.size(); k += 1 + k / 4) {
                std::string flipped = bytes;
                flipped[k] = static_cast<char>(flipped[k] ^ 0x10);
                openDamaged(flipped, "flip.npz");
            }
        }
    }

    void safetensorsRoundTrip()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QTemporaryDir dir;
        for (const auto& f : test::corpusFiles("safetensors", { ".safetensors" })) {
            const auto m = FormatRegistry::instance().open(f);
            const fs::path out = fs::path(dir.path().toStdString()) / f.filename();
            FormatRegistry::instance().save(*m, out);
            QCOMPARE(test::fileBytes(out), test::fileBytes(f));
        }
    }

    void safetensorsEditedValues()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QTemporaryDir dir;
        const auto source = test::corpusDir() / "safetensors" / "overall.safetensors";
        auto m = FormatRegistry::instance().open(source);
        QVERIFY(canSaveEdit(*m, EditKind::TensorValues));
        QVERIFY(canSaveEdit(*m, EditKind::TensorType));
        QVERIFY(canSaveEdit(*m, EditKind::Names));
        QVERIFY(!canSaveEdit(*m, EditKind::Structure));
        apply(*m, tensorArithmetic("f", TensorOp::Scale, 2.0));
        apply(*m, tensorArithmetic("b", TensorOp::Add, 1.0));
        const fs::path out = fs::path(dir.path().toStdString()) / "values.safetensors";
        FormatRegistry::instance().save(*m, out);
        const std::string before = readAll(source), after = readAll(out);
        QCOMPARE(after.size(), before.size());
        // The header is kept byte for byte; only the edited ranges differ.
        QCOMPARE(after.substr(0, 8 + 526), before.substr(0, 8 + 526));
        const auto back = FormatRegistry::instance().open(out);
        QCOMPARE(values(*find(*back, "f")), (std::vector<double> { -6, -4, -2, 0, 2, 4 }));
        QCOMPARE(values(*find(*back, "b")), (std::vector<double> { -2, -1, 0, 1, 2, 3 }));
        QCOMPARE(values(*find(*back, "d")), (std::vector<double> { -3, -2, -1, 0, 1, 2 }));
        if (haveNumpy())
            QVERIFY(numpyView(out).contains("f float32 [6] -6.0"));
    }

    void safetensorsRenameAndCast()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QTemporaryDir dir;
        auto m = FormatRegistry::instance().open(test::corpusDir() / "safetensors" / "overall.safetensors");
        apply(*m, renameValue("d", "double.weight"));
        apply(*m, castTensor("h", DataType::Float));
        const fs::path out = fs::path(dir.path().toStdString()) / "renamed.safetensors";
        FormatRegistry::instance().save(*m, out);
        const auto back = FormatRegistry::instance().open(out);
        QCOMPARE(back->format, std::string("safetensors"));
        QCOMPARE(int(back->graph->initializers.size()), 9);
        QVERIFY(!find(*back, "d"));
        QCOMPARE(values(*find(*back, "double.weight")), (std::vector<double> { -3, -2, -1, 0, 1, 2 }));
        QCOMPARE(find(*back, "h")->dataType, DataType::Float);
        QCOMPARE(values(*find(*back, "h")), (std::vector<double> { -3, -2, -1, 0, 1, 2 }));
        QCOMPARE(back->metadata, (std::vector<std::pair<std::string, std::string>> { { "test", "a" } }));
        // The header is padded so the data starts 8-aligned, as safetensors writes it.
        const std::string bytes = readAll(out);
        std::uint64_t n = 0;
        for (int i = 0; i < 8; ++i)
            n |= std::uint64_t(static_cast<unsigned char>(bytes[i])) << (8 * i);
        QCOMPARE(n % 8, std::uint64_t(0));
        if (haveNumpy()) {
            const QString view = numpyView(out);
            QVERIFY2(view.contains("meta {\"test\": \"a\"}"), qPrintable(view));
            QVERIFY2(view.contains("double.weight float64 [6] -3.0"), qPrintable(view));
            QVERIFY2(view.contains("h float32 [6] -3.0"), qPrintable(view));
        }
        // A type safetensors lacks is refused at save, naming the tensor.
        apply(*m, castTensor("f", DataType::Int4));
        QVERIFY_THROWS_EXCEPTION(Error, FormatRegistry::instance().save(*m, out));
        QCOMPARE(values(*find(*FormatRegistry::instance().open(out), "h")).size(), std::size_t(6));
    }

    void otherModelsAreNotSavedAsWeights()
    {
        QTemporaryDir dir;
        const auto onnx = FormatRegistry::instance().open(test::sourceDir() / "resources" / "samples" / "sample.onnx");
        const fs::path out = fs::path(dir.path().toStdString()) / "sample.safetensors";
        QVERIFY_THROWS_EXCEPTION(Error, FormatRegistry::instance().save(*onnx, out));
        QVERIFY(!fs::exists(out));
        QVERIFY_THROWS_EXCEPTION(
            Error, FormatRegistry::instance().save(*onnx, fs::path(dir.path().toStdString()) / "sample.npz"));
    }

    void npzCorpus()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        const auto files = test::corpusFiles("npz", { ".npz" });
        QCOMPARE(int(files.size()), 1);
        const auto m = FormatRegistry::instance().open(files.front());
        QCOMPARE(m->format, std::string("numpy"));
        QCOMPARE(int(m->graph->initializers.size()), 2);
        const Tensor* sample = find(*m, "sample");
        QVERIFY(sample);
        QCOMPARE(sample->dataType, DataType::Float);
        QCOMPARE(sample->dims, (std::vector<std::int64_t> { 1, 1, 160, 192 }));
        QCOMPARE(sum(*sample), 8717.0); // numpy: np.load(...)["sample"].sum()
        const Tensor* n = find(*m, "n");
        QVERIFY(n);
        QVERIFY(n->dims.empty());
        QCOMPARE(float(values(*n).front()), 1.53f);
        QVERIFY(canSaveEdit(*m, EditKind::Names));

        // Unedited: the same bytes.
        QTemporaryDir dir;
        const fs::path same = fs::path(dir.path().toStdString()) / "same.npz";
        FormatRegistry::instance().save(*m, same);
        QCOMPARE(test::fileBytes(same), test::fileBytes(files.front()));
    }

    void npzEdited()
    {
        NODUS_SKIP_IF_NO_CORPUS();
        QTemporaryDir dir;
        auto m = FormatRegistry::instance().open(test::corpusDir() / "npz" / "MaxwellNet_spheric_te_sample.npz");
        apply(*m, tensorArithmetic("sample", TensorOp::Scale, 2.0));
        apply(*m, renameValue("n", "index"));
        const fs::path out = fs::path(dir.path().toStdString()) / "edited.npz";
        FormatRegistry::instance().save(*m, out);
        const auto back = FormatRegistry::instance().open(out);
        QCOMPARE(back->format, std::string("numpy"));
        QCOMPARE(sum(*find(*back, "sample")), 17434.0);
        QVERIFY(find(*back, "index"));
        QVERIFY(!find(*back, "n"));
        if (haveNumpy()) {
            const QString view = numpyView(out);
            QVERIFY2(view.contains("sample float32 [1, 1, 160, 192] 17434.0"), qPrintable(view));
            QVERIFY2(view.contains("index float32 []"), qPrintable(view));
        }
        // A .npy holds one array.
        QVERIFY_THROWS_EXCEPTION(
            Error, FormatRegistry::instance().save(*m, fs::path(dir.path().toStdString()) / "x.npy"));
    }

    void npyOpensAsOneTensor()
    {
        QTemporaryDir dir;
        Tensor t;
        t.name = "ignored";
        t.dataType = DataType::Int32;
        t.dims = { 2, 3 };
        std::vector<std::int32_t> v { 1, 2, 3, 4, 5, 6 };
        std::vector<std::byte> bytes(sizeof(std::int32_t) * v.size());
        std::memcpy(bytes.data(), v.data(), bytes.size());
        t.data = std::make_shared<OwnedTensorData>(bytes);
        const fs::path file = fs::path(dir.path().toStdString()) / "weights.npy";
        writeNpy(t, file);
        auto m = FormatRegistry::instance().open(file);
        QCOMPARE(m->format, std::string("numpy"));
        QCOMPARE(int(m->graph->initializers.size()), 1);
        QCOMPARE(m->graph->initializers.front()->name, std::string("weights"));
        QCOMPARE(values(*m->graph->initializers.front()), (std::vector<double> { 1, 2, 3, 4, 5, 6 }));
        QVERIFY(canSaveEdit(*m, EditKind::TensorValues));
        QVERIFY(!canSaveEdit(*m, EditKind::Names)); // its name is its file's
        const fs::path same = fs::path(dir.path().toStdString()) / "same.npy";
        FormatRegistry::instance().save(*m, same);
        QCOMPARE(test::fileBytes(same), test::fileBytes(file));
        apply(*m, tensorArithmetic("weights", TensorOp::Add, 10.0));
        FormatRegistry::instance().save(*m, file);
        const auto back = FormatRegistry::instance().open(file);
        QCOMPARE(values(*back->graph->initializers.front()), (std::vector<double> { 11, 12, 13, 14, 15, 16 }));
        if (haveNumpy())
            QVERIFY(numpyView(file).contains("npy int32 [2, 3] 81.0"));
        // The magic decides, not the name.
        const auto renamed = openBytes(readAll(file), "weights.bin");
        QCOMPARE(renamed->format, std::string("numpy"));
    }

    void applyWeightsFromSafetensors()
    {
        QTemporaryDir dir;
        const fs::path base(dir.path().toStdString());
        const fs::path sample = test::sourceDir() / "resources" / "samples" / "sample.onnx";
        const auto original = FormatRegistry::instance().open(sample);
        const fs::path weights = base / "sample.safetensors";
        const auto report = exportWeights(*original, weights);
        QVERIFY(report.written.size() > 2);
        const std::string edited = report.written.front();
        const std::vector<double> before = values(*find(*original, edited));

        // Edit the weight file as a model of its own, then load it back.
        auto w = FormatRegistry::instance().open(weights);
        QCOMPARE(w->format, std::string("safetensors"));
        QCOMPARE(w->graph->initializers.size(), report.written.size());
        apply(*w, tensorArithmetic(edited, TensorOp::Scale, 2.0));
        FormatRegistry::instance().save(*w, weights);

        const fs::path out = base / "out.onnx";
        const Run run = cli({ "apply-weights", QString::fromStdString(sample.string()),
            QString::fromStdString(weights.string()), "-o", QString::fromStdString(out.string()), "--json" });
        QVERIFY2(run.code == 0, qPrintable(run.err));
        const QJsonObject o = QJsonDocument::fromJson(run.out).object();
        QCOMPARE(o.value("applied").toBool(), true);
        QCOMPARE(o.value("loaded").toArray().size(), qsizetype(report.written.size()));
        QCOMPARE(o.value("unused").toArray().size(), qsizetype(0));
        const auto result = FormatRegistry::instance().open(out);
        const std::vector<double> after = values(*find(*result, edited));
        QCOMPARE(after.size(), before.size());
        for (std::size_t k = 0; k < after.size(); ++k)
            QCOMPARE(after[k], before[k] * 2);

        // The same through .npz, in the library.
        const fs::path npz = base / "sample.npz";
        exportWeights(*original, npz);
        auto target = FormatRegistry::instance().open(sample);
        const auto npzWeights = FormatRegistry::instance().open(npz);
        QCOMPARE(npzWeights->format, std::string("numpy"));
        const TransplantReport r = applyWeights(*target, *npzWeights);
        QVERIFY(r.applied);
        QCOMPARE(r.loaded.size(), report.written.size());
        QCOMPARE(values(*find(*target, edited)), before);
    }
};

QTEST_GUILESS_MAIN(TestWeightFormats)
#include "test_weightformats.moc"
