// GGUF (core/formats/gguf): the corpus vocabulary files, fixtures written by
// our writer with metadata of every type and tensors of plain and quantized
// ggml types, read back and cross-checked by an independent Python reading,
// edits written back, refusals and damaged copies.
#include "testsupport.h"

#include "formats/formatregistry.h"
#include "formats/gguf/ggmltype.h"
#include "formats/gguf/ggufdocument.h"
#include "formats/gguf/ggufwriter.h"
#include "ir/model.h"
#include "ir/ownedtensordata.h"
#include "ir/tensorvalues.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <cmath>
#include <cstring>
#include <fstream>

using namespace nodus;
namespace fs = std::filesystem;

namespace {

using test::readAll;

std::shared_ptr<Tensor> find(const Model& m, const std::string& name)
{
    for (const auto& t : m.graph->initializers)
        if (t->name == name)
            return t;
    return nullptr;
}

std::string meta(const Model& m, const std::string& key)
{
    for (const auto& [k, v] : m.metadata)
        if (k == key)
            return v;
    return "<missing>";
}

std::vector<double> values(const Tensor& t)
{
    std::vector<double> out;
    const auto bytes = t.data->bytes();
    for (std::uint64_t k = 0; k < *t.elementCount(); ++k)
        out.push_back(elementAsDouble(t.dataType, bytes, k));
    return out;
}

std::unique_ptr<Model> openBytes(const std::string& bytes, const std::string& name = "x.gguf")
{
    auto file = MappedFile::fromBytes(std::as_bytes(std::span(bytes)), name);
    return FormatRegistry::instance().open(FormatRegistry::probe(file));
}

template <typename T> std::vector<std::byte> bytesOf(const std::vector<T>& v)
{
    std::vector<std::byte> out(v.size() * sizeof(T));
    std::memcpy(out.data(), v.data(), out.size());
    return out;
}

std::shared_ptr<const TensorData> owned(std::vector<std::byte> b)
{
    return std::make_shared<OwnedTensorData>(std::move(b));
}

template <typename T> GgufValue scalar(GgufType type, T v)
{
    GgufValue g;
    g.type = type;
    if constexpr (std::is_floating_point_v<T>)
        g.f = v;
    else if constexpr (std::is_signed_v<T>)
        g.i = v;
    else
        g.u = v;
    return g;
}

GgufValue stringArray(const std::vector<std::string>& items)
{
    GgufValue g;
    g.type = GgufType::Array;
    g.elementType = GgufType::String;
    g.count = items.size();
    for (const auto& s : items) {
        const std::uint64_t n = s.size();
        g.payload.append(reinterpret_cast<const char*>(&n), 8);
        g.payload += s;
    }
    return g;
}

GgufValue int32Array(const std::vector<std::int32_t>& items)
{
    GgufValue g;
    g.type = GgufType::Array;
    g.elementType = GgufType::Int32;
    g.count = items.size();
    g.payload.assign(reinterpret_cast<const char*>(items.data()), items.size() * 4);
    return g;
}

// An array of two int32 arrays: [[1, 2], [3]].
GgufValue nestedArray()
{
    GgufValue g;
    g.type = GgufType::Array;
    g.elementType = GgufType::Array;
    g.count = 2;
    for (const auto& inner : { std::vector<std::int32_t> { 1, 2 }, std::vector<std::int32_t> { 3 } }) {
        const std::uint32_t type = 5;
        const std::uint64_t n = inner.size();
        g.payload.append(reinterpret_cast<const char*>(&type), 4);
        g.payload.append(reinterpret_cast<const char*>(&n), 8);
        g.payload.append(reinterpret_cast<const char*>(inner.data()), inner.size() * 4);
    }
    return g;
}

std::uint16_t halfBits(float f)
{
    // Exact for the values used here (small integers and halves).
    if (f == 0)
        return 0;
    std::uint32_t x;
    std::memcpy(&x, &f, 4);
    const std::uint32_t sign = (x >> 16) & 0x8000;
    const int exp = int((x >> 23) & 0xFF) - 127 + 15;
    const std::uint32_t mant = (x >> 13) & 0x3FF;
    return std::uint16_t(sign | (std::uint32_t(exp) << 10) | mant);
}

std::vector<std::string> tokens(int n)
{
    std::vector<std::string> out;
    for (int k = 0; k < n; ++k)
        out.push_back("tok" + std::to_string(k));
    return out;
}

// Q8_0 blocks of 32: scale 0.5 and quants (k % 64) - 32; Q4_0 blocks of 32:
// scale 2 and nibbles k % 16 (value (q - 8) * 2). The values are worked out
// in expectedQ8/expectedQ4 from the definition of the blocks.
std::vector<std::byte> q8Blocks(int blocks)
{
    std::vector<std::byte> out;
    for (int b = 0; b < blocks; ++b) {
        const std::uint16_t d = halfBits(0.5f);
        out.push_back(std::byte(d & 0xFF));
        out.push_back(std::byte(d >> 8));
        for (int j = 0; j < 32; ++j)
            out.push_back(std::byte(std::uint8_t(std::int8_t(((b * 32 + j) % 64) - 32))));
    }
    return out;
}

std::vector<float> expectedQ8(int blocks)
{
    std::vector<float> out;
    for (int k = 0; k < blocks * 32; ++k)
        out.push_back(float((k % 64) - 32) * 0.5f);
    return out;
}

std::vector<std::byte> q4Blocks(int blocks)
{
    std::vector<std::byte> out;
    for (int b = 0; b < blocks; ++b) {
        const std::uint16_t d = halfBits(2.0f);
        out.push_back(std::byte(d & 0xFF));
        out.push_back(std::byte(d >> 8));
        // Byte j holds element j (low nibble) and element j + 16 (high).
        for (int j = 0; j < 16; ++j)
            out.push_back(std::byte(std::uint8_t((j % 16) | (((j + 3) % 16) << 4))));
    }
    return out;
}

std::vector<float> expectedQ4(int blocks)
{
    std::vector<float> out;
    for (int b = 0; b < blocks; ++b) {
        for (int j = 0; j < 16; ++j)
            out.push_back(float((j % 16) - 8) * 2);
        for (int j = 0; j < 16; ++j)
            out.push_back(float(((j + 3) % 16) - 8) * 2);
    }
    return out;
}

struct Fixture {
    std::vector<GgufKeyValue> metadata;
    std::vector<std::shared_ptr<const TensorData>> keep;
    std::vector<GgufWriteTensor> tensors;

    void add(const std::string& name, std::uint32_t type, std::vector<std::uint64_t> ne, std::vector<std::byte> b)
    {
        keep.push_back(owned(std::move(b)));
        tensors.push_back({ name, *ggmlType(type), std::move(ne), keep.back().get() });
    }
};

Fixture fixture()
{
    Fixture f;
    f.metadata = {
        { "general.architecture", GgufValue::string("llama") },
        { "general.name", GgufValue::string("nodus-fixture") },
        { "general.alignment", GgufValue::uint32(64) },
        { "test.u8", scalar(GgufType::UInt8, std::uint64_t(200)) },
        { "test.i8", scalar(GgufType::Int8, std::int64_t(-7)) },
        { "test.u16", scalar(GgufType::UInt16, std::uint64_t(65535)) },
        { "test.i16", scalar(GgufType::Int16, std::int64_t(-300)) },
        { "llama.block_count", GgufValue::uint32(2) },
        { "test.i32", scalar(GgufType::Int32, std::int64_t(-123456)) },
        { "llama.attention.layer_norm_rms_epsilon", scalar(GgufType::Float32, 1e-5) },
        { "test.bool", scalar(GgufType::Bool, std::uint64_t(1)) },
        { "test.u64", scalar(GgufType::UInt64, std::uint64_t(1) << 40) },
        { "test.i64", scalar(GgufType::Int64, -(std::int64_t(1) << 40)) },
        { "test.f64", scalar(GgufType::Float64, 0.125) },
        { "tokenizer.ggml.tokens", stringArray(tokens(100)) },
        { "test.ints", int32Array({ 3, -1, 4 }) },
        { "test.nested", nestedArray() },
    };
    f.add("token_embd.weight", 0, { 3, 2 }, bytesOf(std::vector<float> { 1, 2, 3, 4, 5, 6.5f }));
    f.add("blk.0.attn_norm.weight", 1, { 4 },
        bytesOf(std::vector<std::uint16_t> { halfBits(1), halfBits(-2), halfBits(0.5f), halfBits(3) }));
    f.add("blk.0.bf16", 30, { 2 }, bytesOf(std::vector<std::uint16_t> { 0x3F80, 0xC040 })); // 1, -3
    f.add("blk.0.i8", 24, { 3 }, bytesOf(std::vector<std::int8_t> { -1, 0, 127 }));
    f.add("blk.0.i16", 25, { 2 }, bytesOf(std::vector<std::int16_t> { -1000, 1000 }));
    f.add("blk.0.i32", 26, { 2 }, bytesOf(std::vector<std::int32_t> { -70000, 70000 }));
    f.add("blk.1.i64", 27, { 1 }, bytesOf(std::vector<std::int64_t> { std::int64_t(1) << 40 }));
    f.add("blk.1.f64", 28, { 2, 1 }, bytesOf(std::vector<double> { 0.25, -8 }));
    f.add("blk.1.ffn_up.weight", 8, { 64, 2 }, q8Blocks(4));
    f.add("blk.1.ffn_down.weight", 2, { 32, 3 }, q4Blocks(3));
    f.add("output.weight", 12, { 256 }, std::vector<std::byte>(144, std::byte(0x5A)));
    return f;
}

fs::path writeFixture(const QTemporaryDir& dir, const std::string& name = "fixture.gguf")
{
    const Fixture f = fixture();
    const fs::path path = fs::path(dir.path().toStdString()) / name;
    writeGgufFile(f.metadata, f.tensors, 64, path);
    return path;
}

// Python's own reading of a GGUF file, written from the format's definition
// (no llama.cpp): "version tensors kvs", a line per key with its type, a
// line per tensor with type, ne, offset and the data section's start.
QString pythonView(const fs::path& file)
{
    const QString script = QStringLiteral(
        "import sys, struct\n"
        "b = open(sys.argv[1], 'rb').read(); o = 4\n"
        "def rd(f):\n"
        "    global o; v = struct.unpack_from('<' + f, b, o); o += struct.calcsize('<' + f); return v[0]\n"
        "def rs():\n"
        "    global o; n = rd('Q'); s = b[o:o + n]; o += n; return s.decode()\n"
        "sc = {0:'B',1:'b',2:'H',3:'h',4:'I',5:'i',6:'f',7:'?',10:'Q',11:'q',12:'d'}\n"
        "def rv(t):\n"
        "    if t in sc: return rd(sc[t])\n"
        "    if t == 8: return rs()\n"
        "    at = rd('I'); n = rd('Q'); return [rv(at) for _ in range(n)]\n"
        "ver = rd('I'); nt = rd('Q'); nkv = rd('Q'); print(ver, nt, nkv)\n"
        "align = 32\n"
        "for _ in range(nkv):\n"
        "    k = rs(); t = rd('I'); v = rv(t)\n"
        "    if k == 'general.alignment': align = v\n"
        "    print(k, t, len(v) if t == 9 else v)\n"
        "infos = []\n"
        "for _ in range(nt):\n"
        "    n = rs(); nd = rd('I'); ne = [rd('Q') for _ in range(nd)]; t = rd('I'); off = rd('Q')\n"
        "    infos.append((n, t, ne, off))\n"
        "start = (o + align - 1) // align * align\n"
        "for n, t, ne, off in infos:\n"
        "    extra = ''\n"
        "    if t == 0:\n"
        "        cnt = 1\n"
        "        for d in ne: cnt *= d\n"
        "        extra = ' sum=%g' % sum(struct.unpack_from('<%df' % cnt, b, start + off))\n"
        "    print(n, t, ne, start + off, extra)\n");
    QProcess p;
    p.start(
        QStringLiteral("/usr/bin/python3"), { QStringLiteral("-c"), script, QString::fromStdString(file.string()) });
    if (!p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
        return {};
    return QString::fromUtf8(p.readAllStandardOutput()).trimmed();
}

} // namespace

class TestGguf : public QObject {
    Q_OBJECT

private slots:
    void typeTable();
    void corpusVocabFilesAreDamaged();
    void fixtureOpens();
    void fixtureAgreesWithPython();
    void dequantize();
    void cliInfo();
    void roundTripUntouched();
    void editsSurviveReopen();
    void writesOtherModels();
    void refusals();
    void damagedCopies();
};

void TestGguf::typeTable()
{
    // Block layouts from ggml's type traits.
    QCOMPARE(ggmlType(2)->name, std::string_view("Q4_0"));
    QCOMPARE(ggmlType(2)->blockBytes, 18u);
    QCOMPARE(ggmlType(14)->name, std::string_view("Q6_K"));
    QCOMPARE(ggmlType(14)->blockElements, 256u);
    QCOMPARE(ggmlType(14)->blockBytes, 210u);
    QCOMPARE(ggmlType(23)->blockBytes, 136u); // IQ4_XS
    QCOMPARE(ggmlType(35)->name, std::string_view("TQ2_0"));
    QVERIFY(!ggmlType(4)); // Q4_2, retired
    QVERIFY(!ggmlType(31)); // Q4_0_4_4, gone from GGUF
    QCOMPARE(ggmlType(30)->dataType, DataType::BFloat16);
    QCOMPARE(ggmlTypeFor(DataType::Int64)->id, 27u);
    QVERIFY(!ggmlTypeFor(DataType::UInt8));
    QCOMPARE(*ggmlTensorBytes(*ggmlType(12), 512), std::uint64_t(288));
    QVERIFY(!ggmlTensorBytes(*ggmlType(12), 100));
}

void TestGguf::corpusVocabFilesAreDamaged()
{
    NODUS_SKIP_IF_NO_CORPUS();
    // Both corpus files went through a UTF-8 text conversion: every byte
    // >= 0x80 became EF BF BD, so a length field breaks after the first
    // value holding such a byte. Checked with Python's struct: the BERT
    // file reads 5 entries (general.architecture 'bert', general.name,
    // bert.block_count 12, bert.context_length 512, a mangled
    // bert.embedding_length), the llama one 9 (llama.block_count 32,
    // llama.context_length 4096, ..., a mangled rms epsilon).
    const std::vector<std::pair<std::string, std::string>> cases {
        { "ggml-vocab-bert-bge.gguf", "metadata entry 5 (after 'bert.embedding_length')" },
        { "ggml-vocab-llama-spm.gguf", "metadata entry 9 (after 'llama.attention.layer_norm_rms_epsilon')" },
    };
    int seen = 0;
    for (const auto& [name, where] : cases) {
        const fs::path path = nodus::test::corpusDir() / "gguf" / name;
        if (!fs::exists(path))
            continue;
        ++seen;
        auto probe = FormatRegistry::probe(path);
        const auto detection = FormatRegistry::instance().detect(probe);
        QCOMPARE(detection.format->name(), std::string_view("gguf"));
        try {
            (void)FormatRegistry::instance().open(path);
            QFAIL(("opened the damaged " + name).c_str());
        } catch (const Error& e) {
            const std::string what = e.what();
            QVERIFY2(what.starts_with(path.string()), what.c_str());
            QVERIFY2(what.find(where) != std::string::npos, what.c_str());
            QVERIFY2(what.find("U+FFFD replacement characters") != std::string::npos, what.c_str());
        }
    }
    if (seen == 0)
        QSKIP("no GGUF files in the corpus");
}

void TestGguf::fixtureOpens()
{
    QTemporaryDir dir;
    const auto path = writeFixture(dir);
    const auto m = FormatRegistry::instance().open(path);
    QCOMPARE(m->format, std::string("gguf"));
    QCOMPARE(m->irVersion.value_or(0), std::int64_t(3));
    QCOMPARE(m->graph->name, std::string("nodus-fixture"));
    QCOMPARE(m->graph->nodes().size(), std::size_t(0));
    QCOMPARE(m->graph->initializers.size(), std::size_t(11));
    QCOMPARE(m->metadata.size(), std::size_t(17));
    QCOMPARE(meta(*m, "general.architecture"), std::string("llama"));
    QCOMPARE(meta(*m, "test.u8"), std::string("200"));
    QCOMPARE(meta(*m, "test.i8"), std::string("-7"));
    QCOMPARE(meta(*m, "test.u16"), std::string("65535"));
    QCOMPARE(meta(*m, "test.i16"), std::string("-300"));
    QCOMPARE(meta(*m, "test.i32"), std::string("-123456"));
    QCOMPARE(meta(*m, "llama.attention.layer_norm_rms_epsilon"), std::string("1e-05"));
    QCOMPARE(meta(*m, "test.bool"), std::string("true"));
    QCOMPARE(meta(*m, "test.u64"), std::string("1099511627776"));
    QCOMPARE(meta(*m, "test.i64"), std::string("-1099511627776"));
    QCOMPARE(meta(*m, "test.f64"), std::string("0.125"));
    QCOMPARE(meta(*m, "test.ints"), std::string("[3, -1, 4]"));
    QCOMPARE(meta(*m, "test.nested"), std::string("[[1, 2], [3]]"));
    QCOMPARE(meta(*m, "tokenizer.ggml.tokens"),
        std::string(R"(["tok0", "tok1", "tok2", "tok3", "tok4", "tok5", "tok6", "tok7", …] (100 string items))"));
    // The whole vocabulary stays in the document.
    const auto& doc = static_cast<const GgufDocument&>(*m->native);
    const auto all = ggufArrayItems(*doc.find("tokenizer.ggml.tokens"), 1000);
    QCOMPARE(all.size(), std::size_t(100));
    QCOMPARE(all[99], std::string("\"tok99\""));

    // ggml's ne[] reversed: ne {3, 2} is 2 rows of 3.
    const auto emb = find(*m, "token_embd.weight");
    QCOMPARE(emb->dataType, DataType::Float);
    QCOMPARE(emb->dims, (std::vector<std::int64_t> { 2, 3 }));
    QCOMPARE(values(*emb), (std::vector<double> { 1, 2, 3, 4, 5, 6.5 }));
    QVERIFY(emb->isMapped());
    QCOMPARE(values(*find(*m, "blk.0.attn_norm.weight")), (std::vector<double> { 1, -2, 0.5, 3 }));
    QCOMPARE(values(*find(*m, "blk.0.bf16")), (std::vector<double> { 1, -3 }));
    QCOMPARE(values(*find(*m, "blk.0.i8")), (std::vector<double> { -1, 0, 127 }));
    QCOMPARE(values(*find(*m, "blk.0.i16")), (std::vector<double> { -1000, 1000 }));
    QCOMPARE(values(*find(*m, "blk.0.i32")), (std::vector<double> { -70000, 70000 }));
    QCOMPARE(values(*find(*m, "blk.1.i64")), (std::vector<double> { double(std::int64_t(1) << 40) }));
    QCOMPARE(find(*m, "blk.1.f64")->dims, (std::vector<std::int64_t> { 1, 2 }));
    QCOMPARE(values(*find(*m, "blk.1.f64")), (std::vector<double> { 0.25, -8 }));

    const auto q8 = find(*m, "blk.1.ffn_up.weight");
    QCOMPARE(q8->dataType, DataType::Undefined);
    QCOMPARE(q8->dims, (std::vector<std::int64_t> { 2, 64 }));
    QCOMPARE(q8->data->size(), std::uint64_t(4 * 34));
    QVERIFY2(q8->docString.find("Q8_0") != std::string::npos, q8->docString.c_str());
    QCOMPARE(q8->elementCount().value_or(0), std::uint64_t(128));
    const auto k4 = find(*m, "output.weight");
    QCOMPARE(k4->docString, std::string("ggml Q4_K: blocks of 256 elements in 144 bytes, shown as stored"));
    // Every tensor's bytes start at a multiple of general.alignment (64).
    for (const auto& t : m->graph->initializers)
        QCOMPARE(t->data->region()->offset % 64, std::uint64_t(0));
    QCOMPARE(m->parameterCount(), std::uint64_t(6 + 4 + 2 + 3 + 2 + 2 + 1 + 2 + 128 + 96 + 256));
}

void TestGguf::fixtureAgreesWithPython()
{
    QTemporaryDir dir;
    const auto path = writeFixture(dir);
    const QString view = pythonView(path);
    if (view.isEmpty())
        QSKIP("python3 is not available");
    const QStringList lines = view.split('\n');
    QCOMPARE(lines.size(), 1 + 17 + 11);
    QCOMPARE(lines[0], QStringLiteral("3 11 17"));
    QVERIFY(lines.contains(QStringLiteral("tokenizer.ggml.tokens 9 100")));
    QVERIFY(lines.contains(QStringLiteral("general.alignment 4 64")));
    QVERIFY(lines.contains(QStringLiteral("test.i64 11 -1099511627776")));
    const auto m = FormatRegistry::instance().open(path);
    // Python's data offsets are the reader's mapped regions; the F32 sum is 21.5.
    for (const auto& t : m->graph->initializers) {
        bool found = false;
        for (const auto& line : lines)
            if (line.startsWith(QString::fromStdString(t->name) + ' ')) {
                found = true;
                QVERIFY2(line.contains(QStringLiteral("] %1").arg(t->data->region()->offset)), qPrintable(line));
            }
        QVERIFY2(found, t->name.c_str());
    }
    QVERIFY(lines.contains(QStringLiteral("token_embd.weight 0 [3, 2] %1  sum=21.5")
                               .arg(find(*m, "token_embd.weight")->data->region()->offset)));
}

void TestGguf::dequantize()
{
    QTemporaryDir dir;
    const auto m = FormatRegistry::instance().open(writeFixture(dir));
    const auto q8 = find(*m, "blk.1.ffn_up.weight");
    const auto v8 = ggmlDequantize(*ggmlType(8), q8->data->bytes(), 128);
    QCOMPARE(v8, expectedQ8(4));
    const auto q4 = find(*m, "blk.1.ffn_down.weight");
    const auto v4 = ggmlDequantize(*ggmlType(2), q4->data->bytes(), 96);
    QCOMPARE(v4, expectedQ4(3));
    QVERIFY(!ggmlCanDequantize(*ggmlType(12)));
    QVERIFY_THROWS_EXCEPTION(Error, ggmlDequantize(*ggmlType(12), find(*m, "output.weight")->data->bytes(), 256));
    // Too few bytes for the count.
    QVERIFY_THROWS_EXCEPTION(Error, ggmlDequantize(*ggmlType(8), q8->data->bytes(), 160));
}

void TestGguf::cliInfo()
{
    QTemporaryDir dir;
    const auto path = writeFixture(dir);
    const auto run = nodus::test::runCli({ "info", "--json", QString::fromStdString(path.string()) });
    QCOMPARE(run.code, 0);
    const auto j = QJsonDocument::fromJson(run.out).object();
    QCOMPARE(j["format"].toString(), QStringLiteral("gguf"));
    QCOMPARE(j["tensors"].toInt(), 11);
    QCOMPARE(j["ir_version"].toInt(), 3);
    QCOMPARE(j["graph"].toObject()["nodes"].toInt(), 0);
}

void TestGguf::roundTripUntouched()
{
    QTemporaryDir dir;
    const auto path = writeFixture(dir);
    const auto m = FormatRegistry::instance().open(path);
    const fs::path out = fs::path(dir.path().toStdString()) / "again.gguf";
    FormatRegistry::instance().save(*m, out);
    // Our writer lays out what it read exactly as it wrote it first.
    QCOMPARE(readAll(out), readAll(path));
}

void TestGguf::editsSurviveReopen()
{
    QTemporaryDir dir;
    const auto path = writeFixture(dir);
    auto m = FormatRegistry::instance().open(path);
    for (auto& [k, v] : m->metadata) {
        if (k == "test.i16")
            v = "-301";
        else if (k == "general.name")
            v = "renamed";
        else if (k == "test.ints")
            v = "[7, 8]";
        else if (k == "test.f64")
            v = "2.5";
    }
    m->metadata.emplace_back("nodus.note", "added");
    find(*m, "token_embd.weight")->data = owned(bytesOf(std::vector<float> { -1, -2, -3, -4, -5, -6 }));
    // float32 -> float16: the tensor changes type with its bytes.
    auto norm = find(*m, "blk.0.attn_norm.weight");
    norm->dataType = DataType::Float;
    norm->data = owned(bytesOf(std::vector<float> { 9, 8, 7, 6 }));
    const fs::path out = fs::path(dir.path().toStdString()) / "edited.gguf";
    FormatRegistry::instance().save(*m, out);

    const auto r = FormatRegistry::instance().open(out);
    QCOMPARE(meta(*r, "test.i16"), std::string("-301"));
    QCOMPARE(meta(*r, "general.name"), std::string("renamed"));
    QCOMPARE(meta(*r, "test.ints"), std::string("[7, 8]"));
    QCOMPARE(meta(*r, "test.f64"), std::string("2.5"));
    QCOMPARE(meta(*r, "nodus.note"), std::string("added"));
    const auto& doc = static_cast<const GgufDocument&>(*r->native);
    QCOMPARE(doc.find("test.i16")->type, GgufType::Int16);
    QCOMPARE(doc.find("test.ints")->type, GgufType::Array);
    QCOMPARE(doc.find("nodus.note")->type, GgufType::String);
    QCOMPARE(meta(*r, "tokenizer.ggml.tokens"), meta(*m, "tokenizer.ggml.tokens"));
    QCOMPARE(values(*find(*r, "token_embd.weight")), (std::vector<double> { -1, -2, -3, -4, -5, -6 }));
    QCOMPARE(find(*r, "blk.0.attn_norm.weight")->dataType, DataType::Float);
    QCOMPARE(values(*find(*r, "blk.0.attn_norm.weight")), (std::vector<double> { 9, 8, 7, 6 }));
    // Quantized bytes are carried as they were.
    const auto a = find(*m, "blk.1.ffn_down.weight")->data->bytes();
    const auto b = find(*r, "blk.1.ffn_down.weight")->data->bytes();
    QVERIFY(std::equal(a.begin(), a.end(), b.begin(), b.end()));
    QCOMPARE(ggmlDequantize(*ggmlType(2), b, 96), expectedQ4(3));
}

void TestGguf::writesOtherModels()
{
    Model m;
    m.metadata.emplace_back("source", "built in a test");
    auto t = std::make_shared<Tensor>();
    t->name = "w";
    t->dataType = DataType::Int32;
    t->dims = { 2, 2 };
    t->data = owned(bytesOf(std::vector<std::int32_t> { 1, 2, 3, 4 }));
    m.graph->addInitializer(t);
    QTemporaryDir dir;
    const fs::path out = fs::path(dir.path().toStdString()) / "other.gguf";
    FormatRegistry::instance().save(m, out, "gguf");
    const auto r = FormatRegistry::instance().open(out);
    QCOMPARE(meta(*r, "source"), std::string("built in a test"));
    QCOMPARE(find(*r, "w")->dims, (std::vector<std::int64_t> { 2, 2 }));
    QCOMPARE(values(*find(*r, "w")), (std::vector<double> { 1, 2, 3, 4 }));

    auto u8 = std::make_shared<Tensor>();
    u8->name = "bytes";
    u8->dataType = DataType::UInt8;
    u8->dims = { 2 };
    u8->data = owned({ std::byte(1), std::byte(2) });
    m.graph->addInitializer(u8);
    try {
        FormatRegistry::instance().save(m, out, "gguf");
        QFAIL("saved a uint8 tensor");
    } catch (const Error& e) {
        QVERIFY2(std::string(e.what()).find("'bytes' is uint8") != std::string::npos, e.what());
    }
}

void TestGguf::refusals()
{
    QTemporaryDir dir;
    const std::string good = readAll(writeFixture(dir));
    auto expectError = [](const std::string& bytes, const std::string& part) {
        try {
            (void)openBytes(bytes);
            QFAIL(("opened; expected: " + part).c_str());
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find(part) != std::string::npos, e.what());
        }
    };
    auto patched = [&](std::size_t at, const void* p, std::size_t n) {
        std::string s = good;
        std::memcpy(s.data() + at, p, n);
        return s;
    };
    const std::uint32_t v1 = 1, v7 = 7, bigEndian3 = 0x03000000;
    expectError(patched(4, &v1, 4), "GGUF version 1");
    expectError(patched(4, &v7, 4), "unknown GGUF version 7");
    expectError(patched(4, &bigEndian3, 4), "big-endian");
    const std::uint64_t huge = std::uint64_t(1) << 60;
    expectError(patched(16, &huge, 8), "metadata entries, more than");
    expectError(patched(8, &huge, 8), "tensors, more than");
    // The first key's length.
    expectError(patched(24, &huge, 8), "metadata entry 0: its key: a string of");
    // An unknown value type for general.architecture (key at 32..52).
    const std::uint32_t badType = 13;
    expectError(patched(32 + 20, &badType, 4), "unknown value type 13");

    // Edited arrays must be whole JSON arrays.
    auto m = FormatRegistry::instance().open(writeFixture(dir, "r.gguf"));
    for (auto& [k, v] : m->metadata)
        if (k == "tokenizer.ggml.tokens")
            v = "[\"a\", …] (100 string items)";
    const fs::path out = fs::path(dir.path().toStdString()) / "bad.gguf";
    QVERIFY_THROWS_EXCEPTION(Error, FormatRegistry::instance().save(*m, out));
    QVERIFY(!fs::exists(out));
    m = FormatRegistry::instance().open(writeFixture(dir, "r.gguf"));
    for (auto& [k, v] : m->metadata)
        if (k == "test.u8")
            v = "300";
    QVERIFY_THROWS_EXCEPTION(Error, FormatRegistry::instance().save(*m, out));
    m = FormatRegistry::instance().open(writeFixture(dir, "r.gguf"));
    find(*m, "output.weight")->dims = { 2, 128 };
    QVERIFY_THROWS_EXCEPTION(Error, FormatRegistry::instance().save(*m, out));
}

void TestGguf::damagedCopies()
{
    QTemporaryDir dir;
    const std::string good = readAll(writeFixture(dir));
    int errors = 0, opened = 0;
    auto attempt = [&](const std::string& bytes) {
        try {
            const auto m = openBytes(bytes);
            for (const auto& t : m->graph->initializers)
                if (t->data)
                    (void)t->data->bytes();
            ++opened;
        } catch (const Error&) {
            ++errors;
        }
    };
    // Every cut through the header and tensor infos, then coarser.
    for (std::size_t cut = 0; cut < good.size(); cut += cut < 1200 ? 1 : 97)
        attempt(good.substr(0, cut));
    // Bit flips spread over the whole file.
    for (std::size_t k = 0; k < 4000; ++k) {
        std::string s = good;
        const std::size_t at = (k * 7919) % s.size();
        s[at] = char(s[at] ^ (1 << (k % 8)));
        attempt(s);
    }
    QVERIFY(errors > 1000);
    QVERIFY(opened > 0);
}

QTEST_GUILESS_MAIN(TestGguf)
#include "test_gguf.moc"
