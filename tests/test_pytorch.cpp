// PyTorch checkpoints and TorchScript archives: every corpus file opens with
// the right format and the tensors an independent Python walk of the same
// pickles found (names, counts, shapes; first elements read from the file
// offsets directly); a strided tensor is materialized in C order; pickles
// that call anything but the tensor-building globals are refused without
// being run; truncated and bit-flipped copies give errors, never a crash;
// an edited tensor survives a save and reopen with every other tensor kept.
#include "testsupport.h"

#include "edit/commands.h"
#include "formats/formatregistry.h"
#include "formats/pytorch/pickle.h"
#include "ir/model.h"
#include "ir/ownedtensordata.h"
#include "util/error.h"
#include "util/mappedfile.h"

#include <QTemporaryDir>

#include <cstring>
#include <fstream>
#include <iterator>
#include <map>

using namespace nodus;
using namespace std::string_literals;
using nodus::test::corpusDir;
using nodus::test::corpusFiles;

namespace {

std::vector<std::byte> readAll(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::string s { std::istreambuf_iterator<char>(in), {} };
    std::vector<std::byte> out(s.size());
    std::memcpy(out.data(), s.data(), s.size());
    return out;
}

std::vector<std::byte> bytesOf(std::string_view s)
{
    std::vector<std::byte> out(s.size());
    std::memcpy(out.data(), s.data(), s.size());
    return out;
}

void put16(std::vector<std::byte>& out, std::uint32_t v)
{
    out.push_back(std::byte(v & 0xff));
    out.push_back(std::byte((v >> 8) & 0xff));
}
void put32(std::vector<std::byte>& out, std::uint32_t v)
{
    put16(out, v & 0xffff);
    put16(out, v >> 16);
}

std::uint32_t crc32Of(const std::vector<std::byte>& data)
{
    std::uint32_t crc = 0xffffffffu;
    for (std::byte b : data) {
        crc ^= std::to_integer<std::uint32_t>(b);
        for (int k = 0; k < 8; ++k)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

void put64(std::vector<std::byte>& out, std::uint64_t v)
{
    put32(out, static_cast<std::uint32_t>(v));
    put32(out, static_cast<std::uint32_t>(v >> 32));
}

// A zip of stored members, as a test writes it: no alignment; with `zip64`,
// every size and offset is in zip64 extra fields and records, as writers do
// for archives over 4 GiB.
std::vector<std::byte> storedZip(
    const std::vector<std::pair<std::string, std::vector<std::byte>>>& members, bool zip64 = false)
{
    const std::uint32_t wide = 0xffffffffu;
    std::vector<std::byte> zip, central;
    for (const auto& [name, data] : members) {
        const std::uint32_t offset = static_cast<std::uint32_t>(zip.size());
        const std::uint32_t crc = crc32Of(data);
        put32(zip, 0x04034b50);
        put16(zip, 20);
        put16(zip, 0);
        put16(zip, 0);
        put32(zip, 0);
        put32(zip, crc);
        put32(zip, zip64 ? wide : static_cast<std::uint32_t>(data.size()));
        put32(zip, zip64 ? wide : static_cast<std::uint32_t>(data.size()));
        put16(zip, static_cast<std::uint32_t>(name.size()));
        put16(zip, zip64 ? 20 : 0);
        for (char c : name)
            zip.push_back(std::byte(c));
        if (zip64) {
            put16(zip, 1);
            put16(zip, 16);
            put64(zip, data.size());
            put64(zip, data.size());
        }
        zip.insert(zip.end(), data.begin(), data.end());
        put32(central, 0x02014b50);
        put16(central, 20);
        put16(central, 20);
        put16(central, 0);
        put16(central, 0);
        put32(central, 0);
        put32(central, crc);
        put32(central, zip64 ? wide : static_cast<std::uint32_t>(data.size()));
        put32(central, zip64 ? wide : static_cast<std::uint32_t>(data.size()));
        put16(central, static_cast<std::uint32_t>(name.size()));
        put16(central, zip64 ? 28 : 0);
        for (int k = 0; k < 3; ++k)
            put16(central, 0);
        put32(central, 0);
        put32(central, zip64 ? wide : offset);
        for (char c : name)
            central.push_back(std::byte(c));
        if (zip64) {
            put16(central, 1);
            put16(central, 24);
            put64(central, data.size());
            put64(central, data.size());
            put64(central, offset);
        }
    }
    const std::uint32_t at = static_cast<std::uint32_t>(zip.size());
    zip.insert(zip.end(), central.begin(), central.end());
    if (zip64) {
        const std::uint64_t endAt = zip.size();
        put32(zip, 0x06064b50);
        put64(zip, 44);
        put16(zip, 45);
        put16(zip, 45);
        put32(zip, 0);
        put32(zip, 0);
        put64(zip, members.size());
        put64(zip, members.size());
        put64(zip, central.size());
        put64(zip, at);
        put32(zip, 0x07064b50);
        put32(zip, 0);
        put64(zip, endAt);
        put32(zip, 1);
    }
    put32(zip, 0x06054b50);
    put16(zip, 0);
    put16(zip, 0);
    put16(zip, zip64 ? 0xffff : static_cast<std::uint32_t>(members.size()));
    put16(zip, zip64 ? 0xffff : static_cast<std::uint32_t>(members.size()));
    put32(zip, zip64 ? wide : static_cast<std::uint32_t>(central.size()));
    put32(zip, zip64 ? wide : at);
    put16(zip, 0);
    return zip;
}

std::unique_ptr<Model> openBytes(const std::vector<std::byte>& bytes, const std::string& name)
{
    return FormatRegistry::instance().open(FormatRegistry::probe(MappedFile::fromBytes(bytes, name)));
}

QString openError(const std::vector<std::byte>& bytes, const std::string& name)
{
    try {
        (void)openBytes(bytes, name);
    } catch (const Error& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

std::shared_ptr<Tensor> tensorNamed(const Model& m, const std::string& name)
{
    for (const auto& t : m.graph->initializers)
        if (t->name == name)
            return t;
    return nullptr;
}

template <typename T> std::vector<T> valuesOf(const Tensor& t)
{
    const auto b = t.data->bytes();
    std::vector<T> out(b.size() / sizeof(T));
    std::memcpy(out.data(), b.data(), out.size() * sizeof(T));
    return out;
}

// A state_dict pickle (protocol 2) as torch.save writes it, with a strided
// tensor: {"model": OrderedDict(w=<2x3 view, strides (1, 2)>), "epoch": 3}.
std::vector<std::byte> synthesizedPickle()
{
    // Adjacent literals keep a hex escape from swallowing the next letter.
    std::string p;
    p += "\x80\x02}q\x00(X\x05\x00\x00\x00"
         "model"
         "q\x01"s;
    p += "ccollections\nOrderedDict\nq\x02)Rq\x03"s;
    p += "X\x01\x00\x00\x00"
         "w"
         "q\x04"s;
    p += "ctorch._utils\n_rebuild_tensor_v2\nq\x05("s;
    p += "(X\x07\x00\x00\x00"
         "storage"
         "q\x06"
         "ctorch\nFloatStorage\nq\x07"s;
    p += "X\x01\x00\x00\x00"
         "0"
         "q\x08"
         "X\x03\x00\x00\x00"
         "cpu"
         "q\x09"
         "K\x06tq\nQ"s;
    p += "K\x00K\x02K\x03\x86K\x01K\x02\x86\x89h\x02)Rtq\x0bRq\x0c"s;
    p += "sX\x05\x00\x00\x00"
         "epoch"
         "q\x0d"
         "K\x03u."s;
    return bytesOf(p);
}

std::vector<std::byte> floats(std::initializer_list<float> v)
{
    std::vector<std::byte> out(v.size() * 4);
    std::memcpy(out.data(), std::data(v), out.size());
    return out;
}

std::vector<std::byte> synthesizedCheckpoint(const std::vector<std::byte>& pickle, bool zip64 = false)
{
    return storedZip({ { "archive/data.pkl", pickle }, { "archive/byteorder", bytesOf("little") },
                         { "archive/data/0", floats({ 1, 2, 3, 4, 5, 6 }) }, { "archive/version", bytesOf("3\n") } },
        zip64);
}

struct Expected {
    std::size_t tensors;
    std::uint64_t parameters;
    std::string format;
    std::string first;
    std::vector<std::int64_t> firstDims;
    std::uint64_t firstOffset; // file offset of its element 0
    std::string last;
};

// From /tmp/ptexpect.py-style walk: Python's own pickle module with a
// find_class that maps torch's reducers to stubs, zip offsets from zipfile.
const std::map<std::string, Expected>& expectations()
{
    static const std::map<std::string, Expected> table = {
        { "lstm.pth", { 10, 58693, "pytorch", "lstm.weight_ih_l0", { 256, 32 }, 1088, "fc.bias" } },
        { "squeezenet1_1.pth",
            { 52, 1235496, "pytorch", "features.0.weight", { 64, 3, 3, 3 }, 8576, "classifier.1.bias" } },
        { "tiny_transformer.pth", { 27, 131594, "pytorch", "emb.weight", { 1000, 64 }, 3456, "head.bias" } },
        { "tiny_transformer.torchscript.pt",
            { 27, 131594, "torchscript", "emb.weight", { 1000, 64 }, 128, "head.bias" } },
        { "mtcnn.pt", { 50, 495850, "pytorch", "pnet.conv1.weight", { 10, 3, 3, 3 }, 1440678, "onet.dense6_3.bias" } },
    };
    return table;
}

} // namespace

class TestPytorch : public QObject {
    Q_OBJECT

private slots:
    void corpusFilesOpen()
    {
        auto files = corpusFiles("pytorch-export", { ".pth", ".pt" });
        for (auto& f : corpusFiles("pytorch-legacy", { ".pt" }))
            files.push_back(f);
        if (files.empty())
            QSKIP("no PyTorch files in ../shared/corpus");
        for (const auto& path : files) {
            const std::string file = path.filename().string();
            const auto it = expectations().find(file);
            QVERIFY2(it != expectations().end(), file.c_str());
            const Expected& x = it->second;
            const auto model = FormatRegistry::instance().open(path);
            QCOMPARE(model->format, x.format);
            QCOMPARE(model->graph->nodes().empty(), x.format != "torchscript"); // TorchScript: graph from code/
            // torchscript adds its constants (two scalars) to the module's tensors
            const std::size_t constants = x.format == "torchscript" ? 2 : 0;
            QCOMPARE(model->graph->initializers.size(), x.tensors + constants);
            QCOMPARE(model->parameterCount(), x.parameters + constants);
            const auto first = tensorNamed(*model, x.first);
            QVERIFY2(first, x.first.c_str());
            QCOMPARE(first->dataType, DataType::Float);
            QCOMPARE(first->dims, x.firstDims);
            QCOMPARE(model->graph->initializers.at(x.tensors - 1)->name, x.last);
            const auto raw = readAll(path);
            const auto bytes = first->data->bytes();
            QVERIFY(std::memcmp(bytes.data(), raw.data() + x.firstOffset, 4) == 0);
            if (x.format != "torchscript" && file != "mtcnn.pt")
                QVERIFY(first->isMapped()); // zero-copy view of the mapped file
            for (const auto& t : model->graph->initializers)
                QCOMPARE(t->data->size(), *t->expectedBytes());
        }
    }

    void stridedLegacyTensorIsMaterialized()
    {
        const auto path = corpusDir() / "pytorch-legacy/mtcnn.pt";
        if (corpusDir().empty() || !std::filesystem::exists(path))
            QSKIP("no ../shared/corpus/pytorch-legacy/mtcnn.pt");
        const auto model = FormatRegistry::instance().open(path);
        const auto t = tensorNamed(*model, "pnet.conv1.weight");
        QVERIFY(t);
        QVERIFY(!t->isMapped());
        // Size (10, 3, 3, 3), strides (1, 10, 30, 90) from the file's pickle.
        const auto raw = readAll(path);
        const auto got = valuesOf<float>(*t);
        QCOMPARE(got.size(), std::size_t(270));
        std::size_t n = 0;
        for (int a = 0; a < 10; ++a)
            for (int b = 0; b < 3; ++b)
                for (int c = 0; c < 3; ++c)
                    for (int d = 0; d < 3; ++d, ++n) {
                        float want;
                        std::memcpy(&want, raw.data() + 1440678 + 4 * (a + 10 * b + 30 * c + 90 * d), 4);
                        QCOMPARE(got[n], want);
                    }
        // A contiguous tensor of the same file is a view of it.
        QVERIFY(tensorNamed(*model, "pnet.conv1.bias")->isMapped());
    }

    void torchScriptConstants()
    {
        const auto path = corpusDir() / "pytorch-export/tiny_transformer.torchscript.pt";
        if (corpusDir().empty() || !std::filesystem::exists(path))
            QSKIP("no TorchScript archive in ../shared/corpus");
        const auto model = FormatRegistry::instance().open(path);
        const auto c = tensorNamed(*model, "constants.1");
        QVERIFY(c);
        QCOMPARE(c->dataType, DataType::Double);
        QVERIFY(c->dims.empty());
        // Module attributes nest: layers of the encoder by index.
        QVERIFY(tensorNamed(*model, "enc.layers.1.linear2.weight"));
    }

    void synthesizedStateDict()
    {
        const auto model = openBytes(synthesizedCheckpoint(synthesizedPickle()), "made.bin");
        QCOMPARE(model->format, std::string("pytorch"));
        QCOMPARE(model->graph->initializers.size(), std::size_t(1));
        const auto w = tensorNamed(*model, "model.w");
        QVERIFY(w);
        QCOMPARE(w->dims, (std::vector<std::int64_t> { 2, 3 }));
        // Storage 1..6 seen with strides (1, 2): rows [1 3 5], [2 4 6].
        QCOMPARE(valuesOf<float>(*w), (std::vector<float> { 1, 3, 5, 2, 4, 6 }));
        bool epoch = false;
        for (const auto& [k, v] : model->metadata)
            epoch = epoch || (k == "epoch" && v == "3");
        QVERIFY(epoch);
    }

    void zip64Archive()
    {
        // What torch writes for checkpoints over 4 GiB, in miniature.
        const auto model = openBytes(synthesizedCheckpoint(synthesizedPickle(), true), "big.pth");
        QCOMPARE(model->format, std::string("pytorch"));
        const auto w = tensorNamed(*model, "model.w");
        QVERIFY(w);
        QCOMPARE(valuesOf<float>(*w), (std::vector<float> { 1, 3, 5, 2, 4, 6 }));
        // A zip64 extra field that is too short is refused, not over-read.
        auto bad = synthesizedCheckpoint(synthesizedPickle(), true);
        for (std::size_t k = 0; k + 4 <= bad.size(); ++k)
            if (std::to_integer<int>(bad[k]) == 1 && std::to_integer<int>(bad[k + 1]) == 0
                && std::to_integer<int>(bad[k + 2]) == 24 && std::to_integer<int>(bad[k + 3]) == 0) {
                bad[k + 2] = std::byte(8); // the central extra claims 8 bytes: offset and size missing
                break;
            }
        const QString error = openError(bad, "big.pth");
        QVERIFY2(error.contains("big.pth"), qPrintable(error));
    }

    void maliciousPicklesAreRefused()
    {
        QTemporaryDir dir;
        const std::string marker = (std::filesystem::path(dir.path().toStdString()) / "pwned").string();
        const std::string command = "touch " + marker;
        // os.system("touch ...") by GLOBAL/REDUCE, protocol 0.
        std::string viaGlobal = "cos\nsystem\n(S'" + command + "'\ntR.";
        // builtins.eval by STACK_GLOBAL, protocol 4.
        std::string viaStack = "\x80\x04\x8c\x08"
                               "builtins"
                               "\x8c\x04"
                               "eval"
                               "\x93";
        viaStack += "(\x8c";
        const std::string expr = "__import__('os').system('" + command + "')";
        viaStack += char(expr.size());
        viaStack += expr + "tR.";
        // A state_dict whose tensor is followed by a call to subprocess.
        std::string inDict = "\x80\x02}(X\x01\x00\x00\x00x"s
                             "csubprocess\ncall\n(S'"
            + command + "'\ntRu.";

        struct Case {
            std::string pickle, global;
        };
        const std::vector<Case> cases
            = { { viaGlobal, "os.system" }, { viaStack, "builtins.eval" }, { inDict, "subprocess.call" } };
        for (const auto& c : cases) {
            const QString zipError = openError(synthesizedCheckpoint(bytesOf(c.pickle)), "evil.pth");
            QVERIFY2(zipError.contains("evil.pth"), qPrintable(zipError));
            QVERIFY2(zipError.contains(QString("refuses to load: the pickle calls ") + c.global.c_str()),
                qPrintable(zipError));
            // The legacy stream: magic, protocol, system info, then the payload.
            std::string legacy("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19\x2e", 15);
            legacy += "\x80\x02M\xe9\x03.";
            legacy += "\x80\x02}.";
            legacy += c.pickle;
            const QString legacyError = openError(bytesOf(legacy), "evil.pt");
            QVERIFY2(legacyError.contains("refuses to load: the pickle calls " + QString(c.global.c_str())),
                qPrintable(legacyError));
        }
        QVERIFY(!std::filesystem::exists(marker));
        // Python's __reduce__ of a class from a module the VM never heard of.
        QVERIFY(!pickle::isAllowedGlobal("posix", "system", true));
        QVERIFY(!pickle::isAllowedGlobal("__builtin__", "eval", true));
        QVERIFY(!pickle::isAllowedGlobal("torch", "load", true));
        QVERIFY(!pickle::isAllowedGlobal("__torch__.Tiny", "Tiny", false));
        QVERIFY(pickle::isAllowedGlobal("torch._utils", "_rebuild_tensor_v2", false));
        QVERIFY(pickle::isAllowedGlobal("torch", "float16", false));
        // A dtype is a name: calling it is refused, not run.
        pickle::Arena arena;
        try {
            (void)pickle::load(bytesOf("ctorch\nfloat16\n)R."), "dtype.pkl", {}, arena);
            QFAIL("a dtype was called");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("cannot be called"), e.what());
        }
    }

    void hostilePicklesAreBounded()
    {
        pickle::Options options;
        auto error = [&](const std::string& p) {
            try {
                pickle::Arena arena;
                (void)pickle::load(bytesOf(p), "x.pkl", options, arena);
            } catch (const Error& e) {
                return QString(e.what());
            }
            return QString();
        };
        // A string longer than the input, a memo read never written, a stack
        // popped empty, an unknown opcode, a pickle without STOP.
        QVERIFY(error("X\xff\xff\xff\x7f"
                      "abc.")
                    .contains("truncated"));
        QVERIFY(error("h\x05.").contains("memo entry 5"));
        QVERIFY(error("0.").contains("empty stack"));
        QVERIFY(error("\xfe.").contains("opcode 0xfe"));
        QVERIFY(error("K\x01").contains("truncated"));
        // Many MARKs cannot grow without bound.
        QVERIFY(error(std::string(100000, '(') + ".").contains("MARK"));
        // Deeply nested lists: loading is iterative, flattening is bounded.
        std::string deep = "\x80\x02";
        for (int k = 0; k < 5000; ++k)
            deep += "]";
        for (int k = 0; k < 4999; ++k)
            deep += "a";
        deep += ".";
        QVERIFY(error(deep).isEmpty());
        const QString nested = openError(synthesizedCheckpoint(bytesOf(deep)), "deep.pth");
        QVERIFY2(nested.contains("nests deeper"), qPrintable(nested));
    }

    void damagedCopiesNeverCrash()
    {
        std::vector<std::filesystem::path> files;
        for (const auto& f : corpusFiles("pytorch-export", { ".pth" }))
            if (f.filename() == "lstm.pth")
                files.push_back(f);
        for (const auto& f : corpusFiles("pytorch-legacy", { ".pt" }))
            files.push_back(f);
        std::vector<std::pair<std::string, std::vector<std::byte>>> inputs;
        inputs.emplace_back("made.pth", synthesizedCheckpoint(synthesizedPickle()));
        for (const auto& f : files)
            inputs.emplace_back(f.filename().string(), readAll(f));
        int failed = 0, opened = 0;
        for (const auto& input : inputs) {
            // Named, not bound: clang 14 cannot capture a structured binding.
            const std::string& name = input.first;
            const std::vector<std::byte>& original = input.second;
            auto attempt = [&](const std::vector<std::byte>& bytes) {
                try {
                    const auto m = openBytes(bytes, name);
                    for (const auto& t : m->graph->initializers)
                        (void)t->data->bytes();
                    ++opened;
                } catch (const Error& e) {
                    QVERIFY2(QString(e.what()).contains(name.c_str()), e.what());
                    ++failed;
                }
            };
            for (std::size_t cut : { std::size_t(1), std::size_t(15), std::size_t(100), original.size() / 3,
                     original.size() / 2, original.size() - 30, original.size() - 1 })
                attempt(std::vector<std::byte>(original.begin(), original.begin() + std::min(cut, original.size())));
            // Flip bytes through the first 8 KiB (headers and the pickle)
            // and a few in the tail (the central directory or storages).
            const std::size_t head = std::min<std::size_t>(original.size(), 8192);
            for (std::size_t at = 0; at < head; at += 7) {
                auto copy = original;
                copy[at] ^= std::byte(0x5a);
                attempt(copy);
            }
            for (std::size_t back = 1; back < std::min<std::size_t>(original.size(), 600); back += 5) {
                auto copy = original;
                copy[copy.size() - back] ^= std::byte(0xff);
                attempt(copy);
            }
        }
        QVERIFY(failed > 100);
        QVERIFY(opened > 0);
    }

    void editedTensorSurvivesSave()
    {
        QTemporaryDir dir;
        std::vector<std::pair<std::filesystem::path, std::string>> inputs;
        const auto made = std::filesystem::path(dir.path().toStdString()) / "made.pth";
        {
            const auto bytes = synthesizedCheckpoint(synthesizedPickle());
            std::ofstream(made, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        }
        inputs.emplace_back(made, "model.w");
        for (const auto& f : corpusFiles("pytorch-export", { ".pth", ".pt" }))
            if (f.filename() == "lstm.pth" || f.filename() == "tiny_transformer.torchscript.pt")
                inputs.emplace_back(f, f.filename() == "lstm.pth" ? "lstm.bias_hh_l1" : "head.weight");
        for (const auto& f : corpusFiles("pytorch-legacy", { ".pt" }))
            inputs.emplace_back(f, "pnet.conv1.weight"); // strided
        for (const auto& [path, name] : inputs) {
            auto model = FormatRegistry::instance().open(path);
            QVERIFY(canSaveEdit(*model, EditKind::TensorValues));
            QVERIFY(!canSaveEdit(*model, EditKind::Names));
            const auto t = tensorNamed(*model, name);
            QVERIFY2(t, name.c_str());
            auto values = valuesOf<float>(*t);
            for (std::size_t k = 0; k < values.size(); ++k)
                values[k] = float(k) * 0.5f - 3.0f;
            std::vector<std::byte> edited(values.size() * 4);
            std::memcpy(edited.data(), values.data(), edited.size());
            auto command = setTensorData(name, std::make_shared<OwnedTensorData>(edited));
            command->apply(*model);
            const auto out = std::filesystem::path(dir.path().toStdString()) / ("out-" + path.filename().string());
            FormatRegistry::instance().save(*model, out, model->format);
            const auto back = FormatRegistry::instance().open(out);
            QCOMPARE(back->format, model->format);
            QCOMPARE(back->graph->initializers.size(), model->graph->initializers.size());
            for (std::size_t k = 0; k < back->graph->initializers.size(); ++k) {
                const auto& a = *model->graph->initializers[k];
                const auto& b = *back->graph->initializers[k];
                QCOMPARE(b.name, a.name);
                QCOMPARE(b.dims, a.dims);
                const auto x = a.data->bytes();
                const auto y = b.data->bytes();
                QVERIFY2(x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size()) == 0, b.name.c_str());
            }
            QCOMPARE(valuesOf<float>(*tensorNamed(*back, name)), values);
            // Storages of a rewritten zip start on 64-byte boundaries.
            if (path.filename() != "mtcnn.pt") {
                for (const auto& t : back->graph->initializers)
                    if (const auto* r = t->data->region())
                        QCOMPARE(r->offset % 64, std::uint64_t(0));
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestPytorch)
#include "test_pytorch.moc"
