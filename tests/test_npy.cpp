// NumPy .npy and .npz: round trips of every dtype, files written by numpy
// read with exact values, files written by Nodus read by numpy, and
// truncated, corrupted and hostile files that must fail with nodus::Error.
#include "ir/ownedtensordata.h"
#include "ir/tensor.h"
#include "util/error.h"
#include "util/npy.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <array>
#include <complex>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <numeric>

using namespace nodus;
using namespace std::string_literals;

namespace {

const char* const kPython = "/usr/bin/python3";

std::shared_ptr<Tensor> tensorOf(DataType type, std::vector<std::int64_t> dims, std::vector<std::byte> bytes)
{
    auto t = std::make_shared<Tensor>();
    t->name = "t";
    t->dataType = type;
    t->dims = std::move(dims);
    t->data = std::make_shared<OwnedTensorData>(std::move(bytes));
    return t;
}

template <typename T> std::vector<std::byte> packed(const std::vector<T>& values)
{
    std::vector<std::byte> out(values.size() * sizeof(T));
    if (!out.empty())
        std::memcpy(out.data(), values.data(), out.size());
    return out;
}

template <typename T> std::vector<T> valuesOf(const Tensor& t)
{
    const auto b = t.data->bytes();
    std::vector<T> out(b.size() / sizeof(T));
    if (!out.empty())
        std::memcpy(out.data(), b.data(), out.size() * sizeof(T));
    return out;
}

std::vector<std::byte> bytesOf(std::string_view s)
{
    std::vector<std::byte> out(s.size());
    std::memcpy(out.data(), s.data(), s.size());
    return out;
}

std::vector<std::byte> fileBytes(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return bytesOf(s);
}

void writeBytes(const std::filesystem::path& path, std::span<const std::byte> bytes)
{
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// A version 1.0 .npy with the given header dictionary text and payload.
std::vector<std::byte> npyWith(const std::string& dict, std::span<const std::byte> payload = {})
{
    std::string header = dict + "\n";
    std::string out = std::string("\x93NUMPY\x01\x00", 8);
    out += static_cast<char>(header.size() & 0xff);
    out += static_cast<char>(header.size() >> 8);
    out += header;
    auto bytes = bytesOf(out);
    bytes.insert(bytes.end(), payload.begin(), payload.end());
    return bytes;
}

// The message of the nodus::Error reading `bytes` throws, or "" when it reads.
QString npyError(std::span<const std::byte> bytes)
{
    try {
        readNpyBytes(bytes, "test.npy");
    } catch (const Error& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

QString npzError(std::span<const std::byte> bytes)
{
    try {
        readNpzBytes(bytes, "test.npz");
    } catch (const Error& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

std::uint32_t crc32Of(std::span<const std::byte> bytes)
{
    std::uint32_t crc = 0xffffffffu;
    for (auto b : bytes) {
        crc ^= std::to_integer<std::uint32_t>(b);
        for (int k = 0; k < 8; ++k)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

void put16(std::vector<std::byte>& out, unsigned v)
{
    out.push_back(std::byte(v & 0xff));
    out.push_back(std::byte((v >> 8) & 0xff));
}

void put32(std::vector<std::byte>& out, std::uint32_t v)
{
    put16(out, v & 0xffff);
    put16(out, v >> 16);
}

void set16(std::vector<std::byte>& b, std::size_t at, unsigned v)
{
    b[at] = std::byte(v & 0xff);
    b[at + 1] = std::byte((v >> 8) & 0xff);
}

void set32(std::vector<std::byte>& b, std::size_t at, std::uint32_t v)
{
    set16(b, at, v & 0xffff);
    set16(b, at + 2, v >> 16);
}

struct ZipMember {
    std::string name;
    std::vector<std::byte> data;
};

// A zip of stored members, as Python's zipfile writes without compression.
// Offsets of the central directory entries are returned in `central`.
std::vector<std::byte> storedZip(const std::vector<ZipMember>& members, std::vector<std::size_t>* central = nullptr)
{
    std::vector<std::byte> out;
    std::vector<std::uint32_t> offsets;
    for (const auto& m : members) {
        offsets.push_back(static_cast<std::uint32_t>(out.size()));
        put32(out, 0x04034b50);
        put16(out, 20);
        put16(out, 0);
        put16(out, 0);
        put32(out, 0);
        put32(out, crc32Of(m.data));
        put32(out, static_cast<std::uint32_t>(m.data.size()));
        put32(out, static_cast<std::uint32_t>(m.data.size()));
        put16(out, static_cast<unsigned>(m.name.size()));
        put16(out, 0);
        const auto name = bytesOf(m.name);
        out.insert(out.end(), name.begin(), name.end());
        out.insert(out.end(), m.data.begin(), m.data.end());
    }
    const auto cdOffset = static_cast<std::uint32_t>(out.size());
    for (std::size_t i = 0; i < members.size(); ++i) {
        const auto& m = members[i];
        if (central)
            central->push_back(out.size());
        put32(out, 0x02014b50);
        put16(out, 20);
        put16(out, 20);
        put16(out, 0);
        put16(out, 0);
        put32(out, 0);
        put32(out, crc32Of(m.data));
        put32(out, static_cast<std::uint32_t>(m.data.size()));
        put32(out, static_cast<std::uint32_t>(m.data.size()));
        put16(out, static_cast<unsigned>(m.name.size()));
        put16(out, 0);
        put16(out, 0);
        put16(out, 0);
        put16(out, 0);
        put32(out, 0);
        put32(out, offsets[i]);
        const auto name = bytesOf(m.name);
        out.insert(out.end(), name.begin(), name.end());
    }
    const auto cdSize = static_cast<std::uint32_t>(out.size() - cdOffset);
    put32(out, 0x06054b50);
    put16(out, 0);
    put16(out, 0);
    put16(out, static_cast<unsigned>(members.size()));
    put16(out, static_cast<unsigned>(members.size()));
    put32(out, cdSize);
    put32(out, cdOffset);
    put16(out, 0);
    return out;
}

bool numpyAvailable()
{
    static const bool available = [] {
        if (!QFileInfo::exists(kPython))
            return false;
        QProcess p;
        p.start(kPython, { "-c", "import numpy" });
        return p.waitForFinished(60000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    }();
    return available;
}

// Runs a Python script with `arg` as sys.argv[1]; returns its exit code
// (-1 when it crashed or timed out) and prints its output on failure.
int runPython(const char* script, const QString& arg)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(kPython, { "-c", script, arg });
    if (!p.waitForFinished(120000) || p.exitStatus() != QProcess::NormalExit) {
        qWarning() << "python did not finish:" << p.readAll();
        return -1;
    }
    if (p.exitCode() != 0)
        qWarning().noquote() << "python failed:\n" << p.readAll();
    return p.exitCode();
}

#define REQUIRE_NUMPY()                                                                                                \
    do {                                                                                                               \
        if (!numpyAvailable())                                                                                         \
            QSKIP("/usr/bin/python3 with numpy is not available");                                                     \
    } while (0)

// Files numpy writes, read back by the C++ side with exact values.
const char* const kWriteNumpyFiles = R"PY(
import sys, numpy as np
d = sys.argv[1]
def save(name, a, **kw): np.save(f"{d}/{name}.npy", a, **kw)
save("c_f4", (np.arange(6, dtype="<f4") * 0.5 - 1).reshape(2, 3))
save("f_i4", np.asfortranarray(np.arange(24, dtype="<i4").reshape(2, 3, 4)))
save("f_f8_2d", np.asfortranarray(np.arange(6, dtype="<f8").reshape(3, 2) + 0.25))
save("be_f8", np.arange(5, dtype=">f8") / 4)
save("be_i2", np.array([-2, 300, 1], dtype=">i2"))
save("be_c8", np.array([1 + 2j, -3.5j], dtype=">c8"))
save("be_f_u4", np.asfortranarray(np.array([[1, 2], [3, 4], [70000, 4000000000]], dtype=">u4")))
save("scalar_f8", np.array(3.25, dtype="<f8"))
save("scalar_i8", np.int64(-7))
save("empty_f4", np.zeros((0, 3), dtype="<f4"))
save("empty_1d", np.zeros((0,), dtype="<i2"))
save("bool", np.array([True, False, True]))
save("f2", np.array([1.0, -2.0, 65504.0], dtype="<f2"))
save("u8", np.array([0, 2**64 - 1], dtype="<u8"))
save("i8", np.array([-2**63, 2**63 - 1], dtype="<i8"))
save("i1", np.array([-128, 127, 0], dtype="i1"))
save("u1", np.array([0, 255], dtype="u1"))
save("u2", np.array([65535, 1], dtype="<u2"))
save("c16", np.array([0.5 - 1j], dtype="<c16"))
save("bytes", np.array([b"ab", b"", b"xyz"]))
save("unicode", np.array(["a", "h\u00e9llo", "\u20ac", "\U0001f600"]))
save("be_unicode", np.array(["ok", "\u00fc"], dtype=">U2"))
save("object", np.array([1, "a"], dtype=object), allow_pickle=True)
save("structured", np.zeros(2, dtype=[("a", "<i4"), ("b", "<f4")]))
save("datetime", np.array(["2020-01-01"], dtype="M8[D]"))
save("longdouble", np.zeros(2, dtype=np.longdouble))
save("void", np.zeros(2, dtype="V2"))
np.savez(f"{d}/plain.npz", a=np.arange(4, dtype="<i4"), b=np.array([[1.5, -2.5]], dtype="<f8"))
np.savez(f"{d}/positional.npz", np.array([7], dtype="u1"), np.array(True))
big = np.arange(3000, dtype="<f4") % 7
np.savez_compressed(f"{d}/compressed.npz", big=big,
                    fortran=np.asfortranarray(np.arange(12, dtype=">i8").reshape(3, 4)),
                    empty=np.zeros((2, 0), dtype="<f2"), s=np.array(["x", "yz"]))
np.savez_compressed(f"{d}/small_compressed.npz", v=np.arange(6, dtype="<f4"))
)PY";

// Checks the files Nodus wrote (see numpyReadsNodusFiles) with numpy.
const char* const kCheckNodusFiles = R"PY(
import io, sys, numpy as np
d = sys.argv[1]
i = np.arange(6)
expected = {
    "bool": (i % 3 == 0),
    "int8": (i * 3 - 4).astype("i1"), "int16": (i * 3 - 4).astype("<i2"),
    "int32": (i * 3 - 4).astype("<i4"), "int64": (i * 3 - 4).astype("<i8"),
    "uint8": (i * 3).astype("u1"), "uint16": (i * 3).astype("<u2"),
    "uint32": (i * 3).astype("<u4"), "uint64": (i * 3).astype("<u8"),
    "float16": (i * 0.5 - 1).astype("<f2"), "float32": (i * 0.5 - 1).astype("<f4"),
    "float64": (i * 0.5 - 1).astype("<f8"),
    "complex64": (i * 0.5 - 1j * i).astype("<c8"), "complex128": (i * 0.5 - 1j * i).astype("<c16"),
}
compare_bytes = hasattr(np.lib.format, "GROWTH_AXIS_MAX_DIGITS")
def check(name, want):
    got = np.load(f"{d}/{name}.npy")
    assert got.dtype == want.dtype, (name, got.dtype, want.dtype)
    assert got.shape == want.shape, (name, got.shape, want.shape)
    assert np.array_equal(got, want), (name, got, want)
    if compare_bytes:
        b = io.BytesIO()
        np.save(b, want)
        with open(f"{d}/{name}.npy", "rb") as f:
            mine, theirs = f.read(), b.getvalue()
        at = next((k for k in range(min(len(mine), len(theirs))) if mine[k] != theirs[k]), None)
        assert mine == theirs, (name, "bytes differ from np.save at", at, mine[:at + 16], theirs[:at + 16])
for name, v in expected.items():
    check(name, v.reshape(2, 3))
check("scalar", np.array(-1.5, dtype="<f4"))
check("empty", np.zeros((0, 4), dtype="<f8"))
check("strings", np.array([b"ab", b"", b"x y"]))
print("ok")
)PY";

const std::vector<DataType> kNumpyTypes = {
    DataType::Bool,
    DataType::Int8,
    DataType::Int16,
    DataType::Int32,
    DataType::Int64,
    DataType::UInt8,
    DataType::UInt16,
    DataType::UInt32,
    DataType::UInt64,
    DataType::Float16,
    DataType::Float,
    DataType::Double,
    DataType::Complex64,
    DataType::Complex128,
};

// Six elements of `type`: i*3-4 (signed), i*3 (unsigned), i*0.5-1 (float),
// i*0.5 - i*1j (complex, +0 imaginary at 0), i%3==0 (bool); what kCheckNodusFiles expects.
std::vector<std::byte> sixValues(DataType type)
{
    std::vector<std::byte> out;
    for (int i = 0; i < 6; ++i) {
        std::vector<std::byte> one;
        switch (type) {
        case DataType::Bool:
            one = packed(std::vector<std::uint8_t> { i % 3 == 0 });
            break;
        case DataType::Int8:
            one = packed(std::vector<std::int8_t> { static_cast<std::int8_t>(i * 3 - 4) });
            break;
        case DataType::Int16:
            one = packed(std::vector<std::int16_t> { static_cast<std::int16_t>(i * 3 - 4) });
            break;
        case DataType::Int32:
            one = packed(std::vector<std::int32_t> { i * 3 - 4 });
            break;
        case DataType::Int64:
            one = packed(std::vector<std::int64_t> { i * 3 - 4 });
            break;
        case DataType::UInt8:
            one = packed(std::vector<std::uint8_t> { static_cast<std::uint8_t>(i * 3) });
            break;
        case DataType::UInt16:
            one = packed(std::vector<std::uint16_t> { static_cast<std::uint16_t>(i * 3) });
            break;
        case DataType::UInt32:
            one = packed(std::vector<std::uint32_t> { static_cast<std::uint32_t>(i * 3) });
            break;
        case DataType::UInt64:
            one = packed(std::vector<std::uint64_t> { static_cast<std::uint64_t>(i * 3) });
            break;
        case DataType::Float16: {
            // i*0.5-1 for i = 0..5: -1, -0.5, 0, 0.5, 1, 1.5 in IEEE half.
            static const std::uint16_t half[] = { 0xbc00, 0xb800, 0x0000, 0x3800, 0x3c00, 0x3e00 };
            one = packed(std::vector<std::uint16_t> { half[i] });
            break;
        }
        case DataType::Float:
            one = packed(std::vector<float> { i * 0.5f - 1 });
            break;
        case DataType::Double:
            one = packed(std::vector<double> { i * 0.5 - 1 });
            break;
        case DataType::Complex64:
            one = packed(std::vector<float> { i * 0.5f, float(-i) });
            break;
        case DataType::Complex128:
            one = packed(std::vector<double> { i * 0.5, double(-i) });
            break;
        default:
            qFatal("sixValues: unexpected type");
        }
        out.insert(out.end(), one.begin(), one.end());
    }
    return out;
}

} // namespace

class TestNpy : public QObject {
    Q_OBJECT

private slots:
    void roundTripEveryDtype()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::vector<std::vector<std::int64_t>> shapes = { { 2, 3 }, {}, { 0, 3 }, { 5 }, { 2, 1, 3, 1 } };
        for (auto type : kNumpyTypes) {
            for (const auto& dims : shapes) {
                auto t = tensorOf(type, dims, {});
                const std::uint64_t n = *t->expectedBytes();
                std::vector<std::byte> bytes(n);
                for (std::uint64_t i = 0; i < n; ++i)
                    bytes[i] = type == DataType::Bool ? std::byte(i % 2) : std::byte((i * 37 + 11) & 0xff);
                t->data = std::make_shared<OwnedTensorData>(bytes);
                const std::filesystem::path path = dir.filePath("w.npy").toStdString();
                writeNpy(*t, path);
                const auto back = readNpy(path);
                const QByteArray what
                    = QByteArray(dataTypeName(type).data()) + " rank " + QByteArray::number(qsizetype(dims.size()));
                QVERIFY2(back->dataType == type, what);
                QVERIFY2(back->dims == dims, what);
                QCOMPARE(back->name, std::string("w"));
                const auto got = back->data->bytes();
                QVERIFY2(std::equal(got.begin(), got.end(), bytes.begin(), bytes.end()), what);
                // npyBytes is what writeNpy puts in the file.
                QVERIFY2(npyBytes(*t) == fileBytes(path), what);
                const auto again = readNpyBytes(npyBytes(*t), "mem");
                QVERIFY(again->data->bytes().size() == n);
            }
        }
    }

    void roundTripStrings()
    {
        auto t = std::make_shared<Tensor>();
        t->dataType = DataType::String;
        t->dims = { 2, 2 };
        t->strings = { "ab", "", "h\xc3\xa9llo", "x\0y"s };
        const auto back = readNpyBytes(npyBytes(*t), "mem");
        QCOMPARE(back->dataType, DataType::String);
        QCOMPARE(back->dims, (std::vector<std::int64_t> { 2, 2 }));
        QCOMPARE(back->strings, t->strings);
        const auto b = npyBytes(*t);
        const std::string text(reinterpret_cast<const char*>(b.data()), b.size());
        QVERIFY(text.find("'descr': '|S6'") != std::string::npos);
        // No strings at all: numpy's smallest width, S1.
        t->dims = { 0 };
        t->strings.clear();
        const auto empty = readNpyBytes(npyBytes(*t), "mem");
        QCOMPARE(empty->dims, (std::vector<std::int64_t> { 0 }));
        QVERIFY(empty->strings.empty());
    }

    void headerLayoutIsNumpys()
    {
        const auto t = tensorOf(DataType::Double, { 2, 3 }, std::vector<std::byte>(48));
        const auto b = npyBytes(*t);
        // The bytes np.save(f, np.zeros((2, 3))) writes (numpy 1.24).
        const std::string expected = std::string("\x93NUMPY\x01\x00\x76\x00", 10)
            + "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }" + std::string(20 + 38, ' ') + "\n";
        QCOMPARE(b.size(), expected.size() + 48);
        QCOMPARE(std::string(reinterpret_cast<const char*>(b.data()), expected.size()), expected);
        QCOMPARE(expected.size() % 64, std::size_t(0));

        // A header over 64 KiB needs format 2.0 (a 32-bit header length). NumPy
        // itself stops at 32 (NumPy 2: 64) dimensions; the format does not.
        const auto wide
            = tensorOf(DataType::Int32, std::vector<std::int64_t>(25000, 1), packed(std::vector<int> { 9 }));
        const auto w = npyBytes(*wide);
        QCOMPARE(std::to_integer<int>(w[6]), 2);
        std::uint32_t headerLength = 0;
        std::memcpy(&headerLength, w.data() + 8, 4);
        QVERIFY(headerLength > 0xffff);
        QCOMPARE((12 + headerLength) % 64, 0u);
        const auto back = readNpyBytes(w, "wide");
        QCOMPARE(back->dims.size(), std::size_t(25000));
        QCOMPARE(valuesOf<int>(*back), std::vector<int> { 9 });
    }

    void refusesWhatNumpyCannotHold()
    {
        for (auto type : { DataType::BFloat16, DataType::Float8E4M3FN, DataType::Float8E5M2, DataType::Int4,
                 DataType::UInt4, DataType::Float4E2M1, DataType::Undefined }) {
            const auto t = tensorOf(type, { 2 }, std::vector<std::byte>(4));
            try {
                npyBytes(*t);
                QFAIL(qPrintable("no error for " + QString::fromLatin1(dataTypeName(type))));
            } catch (const Error& e) {
                const QString msg = e.what();
                QVERIFY2(msg.contains(QString::fromLatin1(dataTypeName(type))), qPrintable(msg));
                QVERIFY2(msg.contains("tensor 't'"), qPrintable(msg));
            }
        }
        // Wrong byte count for the shape, missing data, sparse, symbolic dims.
        QVERIFY_THROWS_EXCEPTION(Error, npyBytes(*tensorOf(DataType::Float, { 2, 3 }, std::vector<std::byte>(20))));
        auto noData = tensorOf(DataType::Float, { 2 }, {});
        noData->data.reset();
        QVERIFY_THROWS_EXCEPTION(Error, npyBytes(*noData));
        auto sparse = tensorOf(DataType::Float, { 4 }, std::vector<std::byte>(16));
        sparse->sparse = std::make_shared<Tensor::Sparse>();
        QVERIFY_THROWS_EXCEPTION(Error, npyBytes(*sparse));
        QVERIFY_THROWS_EXCEPTION(Error, npyBytes(*tensorOf(DataType::Float, { -1 }, {})));
        auto strings = std::make_shared<Tensor>();
        strings->dataType = DataType::String;
        strings->dims = { 3 };
        strings->strings = { "a" };
        QVERIFY_THROWS_EXCEPTION(Error, npyBytes(*strings));

        // A refused write leaves the target as it was; a bad folder names the path.
        QTemporaryDir dir;
        const std::filesystem::path path = dir.filePath("keep.npy").toStdString();
        const auto good = tensorOf(DataType::Float, { 1 }, packed(std::vector<float> { 4.5f }));
        writeNpy(*good, path);
        const auto before = fileBytes(path);
        try {
            writeNpy(*tensorOf(DataType::BFloat16, { 1 }, std::vector<std::byte>(2)), path);
            QFAIL("bfloat16 was written");
        } catch (const Error& e) {
            QVERIFY(QString(e.what()).startsWith(QString::fromStdString(path.string())));
        }
        QVERIFY(fileBytes(path) == before);
        // No temporary file is left beside it.
        QCOMPARE(std::distance(
                     std::filesystem::directory_iterator(path.parent_path()), std::filesystem::directory_iterator()),
            std::ptrdiff_t(1));
        const std::filesystem::path nowhere = dir.filePath("no/such/folder/x.npy").toStdString();
        try {
            writeNpy(*good, nowhere);
            QFAIL("wrote into a missing folder");
        } catch (const Error& e) {
            QVERIFY(QString(e.what()).contains(QString::fromStdString(nowhere.string())));
        }
    }

    void fortranOrderAndByteOrder()
    {
        // shape (2, 3) in Fortran order: memory holds column after column.
        const auto f = npyWith("{'descr': '<i2', 'fortran_order': True, 'shape': (2, 3), }",
            packed(std::vector<std::int16_t> { 1, 4, 2, 5, 3, 6 }));
        const auto t = readNpyBytes(f, "f.npy");
        QCOMPARE(t->dims, (std::vector<std::int64_t> { 2, 3 }));
        QCOMPARE(valuesOf<std::int16_t>(*t), (std::vector<std::int16_t> { 1, 2, 3, 4, 5, 6 }));

        // Big-endian int32 and complex64 (each half swapped on its own).
        const std::vector<std::byte> be = { std::byte(0x00), std::byte(0x01), std::byte(0x02), std::byte(0x03),
            std::byte(0xff), std::byte(0xff), std::byte(0xff), std::byte(0xfe) };
        const auto i4 = readNpyBytes(npyWith("{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", be), "b");
        QCOMPARE(valuesOf<std::int32_t>(*i4), (std::vector<std::int32_t> { 0x00010203, -2 }));
        const std::vector<std::byte> c8 = { std::byte(0x3f), std::byte(0x80), std::byte(0), std::byte(0),
            std::byte(0xc0), std::byte(0x00), std::byte(0), std::byte(0) };
        const auto c = readNpyBytes(npyWith("{'descr': '>c8', 'fortran_order': False, 'shape': (), }", c8), "c");
        QCOMPARE(c->dataType, DataType::Complex64);
        QCOMPARE(c->dims, std::vector<std::int64_t> {});
        QCOMPARE(valuesOf<float>(*c), (std::vector<float> { 1.0f, -2.0f }));

        // Python 2 long literals, '=' byte order, key order and spacing are free.
        const auto py2 = readNpyBytes(npyWith("{ \"shape\":(1L,2L),'fortran_order':False ,'descr':'=u2'}",
                                          packed(std::vector<std::uint16_t> { 7, 8 })),
            "py2");
        QCOMPARE(py2->dims, (std::vector<std::int64_t> { 1, 2 }));
        QCOMPARE(valuesOf<std::uint16_t>(*py2), (std::vector<std::uint16_t> { 7, 8 }));

        // Bool bytes other than 0 and 1 read as true.
        const auto b1 = readNpyBytes(npyWith("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }",
                                         packed(std::vector<std::uint8_t> { 0, 2, 1 })),
            "b1");
        QCOMPARE(valuesOf<std::uint8_t>(*b1), (std::vector<std::uint8_t> { 0, 1, 1 }));
    }

    void malformedHeaders_data()
    {
        QTest::addColumn<QByteArray>("file");
        QTest::addColumn<QString>("message");
        const auto add = [](const char* tag, const std::vector<std::byte>& bytes, const char* message) {
            QTest::newRow(tag) << QByteArray(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size()))
                               << QString(message);
        };
        const auto f4 = packed(std::vector<float> { 1, 2, 3, 4, 5, 6 });
        add("empty file", {}, "not a NumPy .npy file");
        add("bad magic", bytesOf("\x93NUMPZ\x01\x00\x10\x00{}"), "not a NumPy .npy file");
        add("zip given as npy", bytesOf("PK\x03\x04"), "not a NumPy .npy file");
        add("version 4", bytesOf(std::string("\x93NUMPY\x04\x00\x02\x00{}", 12)), "format version 4.0");
        add("no header length", bytesOf(std::string("\x93NUMPY\x01\x00\x05", 9)), "ends inside its header length");
        add("header past end", bytesOf(std::string("\x93NUMPY\x01\x00\xff\x00{'descr'", 18)),
            "the .npy header is 255 bytes long but the file has only 8");
        add("v2 header past end", bytesOf(std::string("\x93NUMPY\x02\x00\xff\xff\xff\xff{}", 14)),
            "4294967295 bytes long");
        add("unclosed dict", npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), ", f4),
            "malformed .npy header");
        add("not a dict", npyWith("[1, 2]", f4), "it is not a dictionary");
        add("text after dict", npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (6,)} x", f4),
            "unexpected text after the header dictionary");
        add("unclosed string", npyWith("{'descr: '<f4', 'fortran_order': False, 'shape': (6,)}", f4),
            "malformed .npy header");
        add("missing shape", npyWith("{'descr': '<f4', 'fortran_order': False}", f4), "the key 'shape' is missing");
        add("extra key", npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'x': 1}", f4),
            "unexpected key 'x'");
        add("twice", npyWith("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (6,)}", f4),
            "key 'descr' appears twice");
        add("shape int", npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': 6}", f4), "'shape' is not a tuple");
        add("shape (6)", npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (6)}", f4),
            "'shape' is not a tuple");
        add("shape str", npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': ('6',)}", f4),
            "other than integers");
        add("negative dim", npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (-6,)}", f4),
            "negative dimension -6");
        add("dim over 64 bits",
            npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", f4),
            "does not fit in 64 bits");
        add("count overflow",
            npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296)}", f4),
            "more elements than fit in 64 bits");
        add("bytes overflow", npyWith("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904,)}", f4),
            "needs more bytes than fit in 64 bits");
        add("huge shape", npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000,)}", f4),
            "needs 4000000000000 bytes of data but the file holds 24 (the file is truncated)");
        add("too much data", npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (5,)}", f4),
            "needs 20 bytes of data but the file holds 24");
        add("fortran int", npyWith("{'descr': '<f4', 'fortran_order': 0, 'shape': (6,)}", f4),
            "'fortran_order' is not True or False");
        add("descr int", npyWith("{'descr': 4, 'fortran_order': False, 'shape': (6,)}", f4), "'descr' is not a string");
        add("descr kind", npyWith("{'descr': '<x4', 'fortran_order': False, 'shape': (6,)}", f4),
            "dtype '<x4' is not supported");
        add("descr size", npyWith("{'descr': '<f3', 'fortran_order': False, 'shape': (6,)}", f4),
            "dtype '<f3' has a size NumPy does not use");
        add("descr no size", npyWith("{'descr': '<f', 'fortran_order': False, 'shape': (6,)}", f4), "has no size");
        add("descr bfloat16", npyWith("{'descr': '|V2', 'fortran_order': False, 'shape': (12,)}", f4), "bfloat16");
        add("descr object", npyWith("{'descr': '|O', 'fortran_order': False, 'shape': (3,)}", f4), "Python objects");
        add("descr long double", npyWith("{'descr': '<f16', 'fortran_order': False, 'shape': (1,)}", f4),
            "long double");
        add("descr datetime", npyWith("{'descr': '<M8[D]', 'fortran_order': False, 'shape': (3,)}", f4), "datetime64");
        add("descr S0", npyWith("{'descr': '|S0', 'fortran_order': False, 'shape': (1000000000000,)}"),
            "zero-width string type");
        add("structured", npyWith("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (6,)}", f4),
            "structured dtype");
        add("bad escape", npyWith("{'descr': '<f\\x34', 'fortran_order': False, 'shape': (6,)}", f4),
            "unsupported escape sequence");
        add("deep nesting",
            npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': " + std::string(200, '(') + ")}", f4),
            "nested too deeply");
        add("TrueX", npyWith("{'descr': '<f4', 'fortran_order': Falsey, 'shape': (6,)}", f4), "unexpected character");
        add("bad unicode",
            npyWith("{'descr': '<U1', 'fortran_order': False, 'shape': (1,)}",
                packed(std::vector<std::uint32_t> { 0x110000 })),
            "invalid code point");
    }

    void malformedHeaders()
    {
        QFETCH(QByteArray, file);
        QFETCH(QString, message);
        const auto bytes = std::as_bytes(std::span(file.constData(), std::size_t(file.size())));
        const QString msg = npyError(bytes);
        QVERIFY2(msg.startsWith("test.npy: "), qPrintable("no error or unnamed: '" + msg + "'"));
        QVERIFY2(msg.contains(message), qPrintable(msg));
    }

    void everyTruncationFails()
    {
        for (const auto& t : { tensorOf(DataType::Float, { 2, 3 }, packed(std::vector<float> { 1, 2, 3, 4, 5, 6 })),
                 tensorOf(DataType::Int64, {}, packed(std::vector<std::int64_t> { -3 })) }) {
            const auto full = npyBytes(*t);
            QVERIFY(npyError(full).isEmpty());
            for (std::size_t len = 0; len < full.size(); ++len) {
                const QString msg = npyError(std::span(full).first(len));
                QVERIFY2(msg.startsWith("test.npy: "), qPrintable(QString("length %1: '%2'").arg(len).arg(msg)));
            }
        }
        // An empty array has no data to lose: every cut is inside the header.
        const auto empty = npyBytes(*tensorOf(DataType::Float, { 0 }, {}));
        for (std::size_t len = 0; len < empty.size(); ++len)
            QVERIFY(!npyError(std::span(empty).first(len)).isEmpty());
    }

    void bitFlipsNeverCrash()
    {
        const auto t = tensorOf(DataType::Int16, { 2, 3 }, packed(std::vector<std::int16_t> { 1, -2, 3, 4, 5, 600 }));
        const auto full = npyBytes(*t);
        int failed = 0;
        for (std::size_t i = 0; i < full.size(); ++i) {
            for (int bit = 0; bit < 8; ++bit) {
                auto bytes = full;
                bytes[i] ^= std::byte(1u << bit);
                try {
                    const auto back = readNpyBytes(bytes, "flip.npy");
                    // What reads must be self-consistent.
                    if (back->dataType == DataType::String)
                        QCOMPARE(std::uint64_t(back->strings.size()), *back->elementCount());
                    else
                        QCOMPARE(back->data->bytes().size(), *back->expectedBytes());
                } catch (const Error& e) {
                    QVERIFY(QString(e.what()).startsWith("flip.npy: "));
                    ++failed;
                }
            }
        }
        // Flips in the magic, version and header length always fail.
        for (std::size_t i = 0; i < 10; ++i)
            for (int bit = 0; bit < 8; ++bit) {
                auto bytes = full;
                bytes[i] ^= std::byte(1u << bit);
                QVERIFY2(!npyError(bytes).isEmpty(), qPrintable(QString("byte %1 bit %2").arg(i).arg(bit)));
            }
        QVERIFY(failed > 80 * 8 / 2);
    }

    void npzStored()
    {
        const auto a = npyBytes(*tensorOf(DataType::Int32, { 3 }, packed(std::vector<std::int32_t> { 1, -2, 3 })));
        const auto b = npyBytes(*tensorOf(DataType::Double, {}, packed(std::vector<double> { 2.5 })));
        const auto zip = storedZip({ { "a.npy", a }, { "dir/", {} }, { "b.npy", b } });
        const auto arrays = readNpzBytes(zip, "test.npz");
        QCOMPARE(arrays.size(), std::size_t(2));
        QCOMPARE(arrays[0].first, std::string("a"));
        QCOMPARE(arrays[0].second->name, std::string("a"));
        QCOMPARE(valuesOf<std::int32_t>(*arrays[0].second), (std::vector<std::int32_t> { 1, -2, 3 }));
        QCOMPARE(arrays[1].first, std::string("b"));
        QCOMPARE(arrays[1].second->dims, std::vector<std::int64_t> {});
        QCOMPARE(valuesOf<double>(*arrays[1].second), std::vector<double> { 2.5 });

        // From a file, and an empty archive.
        QTemporaryDir dir;
        const std::filesystem::path path = dir.filePath("two.npz").toStdString();
        writeBytes(path, zip);
        QCOMPARE(readNpz(path).size(), std::size_t(2));
        QVERIFY(readNpzBytes(storedZip({}), "empty.npz").empty());

        // Every truncation fails; every bit flip fails or reads consistently.
        for (std::size_t len = 0; len < zip.size(); ++len)
            QVERIFY2(npzError(std::span(zip).first(len)).startsWith("test.npz"), qPrintable(QString::number(len)));
        int failed = 0;
        for (std::size_t i = 0; i < zip.size(); ++i)
            for (int bit = 0; bit < 8; ++bit) {
                auto bytes = zip;
                bytes[i] ^= std::byte(1u << bit);
                try {
                    for (const auto& [name, t] : readNpzBytes(bytes, "test.npz"))
                        QCOMPARE(t->data->bytes().size(), *t->expectedBytes());
                } catch (const Error& e) {
                    QVERIFY(QString(e.what()).startsWith("test.npz"));
                    ++failed;
                }
            }
        // The CRC-32 catches every flip in the member data.
        QVERIFY(failed > int(a.size() + b.size()) * 8);
    }

    void npzRefusals()
    {
        const auto a = npyBytes(*tensorOf(DataType::UInt8, { 2 }, packed(std::vector<std::uint8_t> { 1, 2 })));
        const auto message = [&](const std::function<void(std::vector<std::byte>&, std::size_t)>& patch,
                                 std::vector<ZipMember> members = {}) {
            if (members.empty())
                members = { { "a.npy", a } };
            std::vector<std::size_t> central;
            auto zip = storedZip(members, &central);
            patch(zip, central.front());
            return npzError(zip);
        };
        const std::size_t end = 22; // bytes of the end record, counted from the end
        QVERIFY(message([](auto&, auto) {}).isEmpty());
        QVERIFY(message([](auto& z, auto c) { set16(z, c + 8, 1); }).contains("is encrypted"));
        QVERIFY(message([](auto& z, auto c) { set16(z, c + 10, 12); }).contains("compression method 12"));
        QVERIFY(message([](auto& z, auto c) { set32(z, c + 20, 0xffffffffu); }).contains("zip64"));
        QVERIFY(message([&](auto& z, auto) { set32(z, z.size() - end + 16, 0xffffffffu); }).contains("zip64"));
        QVERIFY(message([&](auto& z, auto) { set16(z, z.size() - end + 10, 0xffff); }).contains("zip64"));
        QVERIFY(message([&](auto& z, auto) { set16(z, z.size() - end + 4, 1); }).contains("several disks"));
        QVERIFY(message([&](auto& z, auto) { set32(z, z.size() - end + 12, 5000); }).contains("outside the file"));
        QVERIFY(message([&](auto& z, auto c) { set32(z, c + 42, 7); }).contains("has no local header"));
        QVERIFY(message([&](auto& z, auto c) { set32(z, c + 20, 5000); }).contains("runs past"));
        QVERIFY(message([&](auto& z, auto c) { set32(z, c + 24, 5); }).contains("sizes differ"));
        QVERIFY(message([&](auto& z, auto c) { set32(z, c + 16, 1); }).contains("CRC-32"));
        QVERIFY(message([&](auto& z, auto c) { z[c + 46] = std::byte('b'); }).contains("names a different file"));
        QVERIFY(message([](auto&, auto) {}, { { "a.txt", a } }).contains("'a.txt' is not a .npy array"));
        QVERIFY(message([](auto&, auto) {}, { { "a.npy", a }, { "a.npy", a } }).contains("appears twice"));
        QVERIFY(message([](auto&, auto) {}, { { "a.npy", bytesOf("not numpy") } }).contains("member 'a.npy'"));
        QVERIFY(npzError(bytesOf("not a zip at all")).contains("not a .npz file"));
        // A zip64 end-of-directory locator before the end record.
        auto zip = storedZip({ { "a.npy", a } });
        std::vector<std::byte> locator;
        put32(locator, 0x07064b50);
        locator.resize(20);
        zip.insert(zip.end() - end, locator.begin(), locator.end());
        QVERIFY(npzError(zip).contains("zip64"));
    }

    void readsNumpyFiles()
    {
        REQUIRE_NUMPY();
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QCOMPARE(runPython(kWriteNumpyFiles, dir.path()), 0);
        const auto load = [&](const char* name) { return readNpy(dir.filePath(QString(name) + ".npy").toStdString()); };

        auto t = load("c_f4");
        QCOMPARE(t->name, std::string("c_f4"));
        QCOMPARE(t->dataType, DataType::Float);
        QCOMPARE(t->dims, (std::vector<std::int64_t> { 2, 3 }));
        QCOMPARE(valuesOf<float>(*t), (std::vector<float> { -1, -0.5, 0, 0.5, 1, 1.5 }));

        t = load("f_i4");
        QCOMPARE(t->dims, (std::vector<std::int64_t> { 2, 3, 4 }));
        std::vector<std::int32_t> iota(24);
        std::iota(iota.begin(), iota.end(), 0);
        QCOMPARE(valuesOf<std::int32_t>(*t), iota);

        t = load("f_f8_2d");
        QCOMPARE(t->dims, (std::vector<std::int64_t> { 3, 2 }));
        QCOMPARE(valuesOf<double>(*t), (std::vector<double> { 0.25, 1.25, 2.25, 3.25, 4.25, 5.25 }));

        t = load("be_f8");
        QCOMPARE(t->dataType, DataType::Double);
        QCOMPARE(valuesOf<double>(*t), (std::vector<double> { 0, 0.25, 0.5, 0.75, 1 }));
        t = load("be_i2");
        QCOMPARE(valuesOf<std::int16_t>(*t), (std::vector<std::int16_t> { -2, 300, 1 }));
        t = load("be_c8");
        QCOMPARE(t->dataType, DataType::Complex64);
        QCOMPARE(valuesOf<float>(*t), (std::vector<float> { 1, 2, 0, -3.5 }));
        t = load("be_f_u4");
        QCOMPARE(t->dataType, DataType::UInt32);
        QCOMPARE(t->dims, (std::vector<std::int64_t> { 3, 2 }));
        QCOMPARE(valuesOf<std::uint32_t>(*t), (std::vector<std::uint32_t> { 1, 2, 3, 4, 70000, 4000000000u }));

        t = load("scalar_f8");
        QCOMPARE(t->dims, std::vector<std::int64_t> {});
        QCOMPARE(valuesOf<double>(*t), std::vector<double> { 3.25 });
        t = load("scalar_i8");
        QCOMPARE(t->dataType, DataType::Int64);
        QCOMPARE(valuesOf<std::int64_t>(*t), std::vector<std::int64_t> { -7 });
        t = load("empty_f4");
        QCOMPARE(t->dims, (std::vector<std::int64_t> { 0, 3 }));
        QCOMPARE(t->data->size(), std::uint64_t(0));
        t = load("empty_1d");
        QCOMPARE(t->dataType, DataType::Int16);
        QCOMPARE(t->dims, std::vector<std::int64_t> { 0 });

        t = load("bool");
        QCOMPARE(t->dataType, DataType::Bool);
        QCOMPARE(valuesOf<std::uint8_t>(*t), (std::vector<std::uint8_t> { 1, 0, 1 }));
        t = load("f2");
        QCOMPARE(t->dataType, DataType::Float16);
        QCOMPARE(valuesOf<std::uint16_t>(*t), (std::vector<std::uint16_t> { 0x3c00, 0xc000, 0x7bff }));
        t = load("u8");
        QCOMPARE(
            valuesOf<std::uint64_t>(*t), (std::vector<std::uint64_t> { 0, std::numeric_limits<std::uint64_t>::max() }));
        t = load("i8");
        QCOMPARE(valuesOf<std::int64_t>(*t),
            (std::vector<std::int64_t> {
                std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max() }));
        t = load("i1");
        QCOMPARE(t->dataType, DataType::Int8);
        QCOMPARE(valuesOf<std::int8_t>(*t), (std::vector<std::int8_t> { -128, 127, 0 }));
        t = load("u1");
        QCOMPARE(t->dataType, DataType::UInt8);
        QCOMPARE(valuesOf<std::uint8_t>(*t), (std::vector<std::uint8_t> { 0, 255 }));
        t = load("u2");
        QCOMPARE(valuesOf<std::uint16_t>(*t), (std::vector<std::uint16_t> { 65535, 1 }));
        t = load("c16");
        QCOMPARE(t->dataType, DataType::Complex128);
        QCOMPARE(valuesOf<double>(*t), (std::vector<double> { 0.5, -1 }));

        t = load("bytes");
        QCOMPARE(t->dataType, DataType::String);
        QCOMPARE(t->strings, (std::vector<std::string> { "ab", "", "xyz" }));
        t = load("unicode");
        QCOMPARE(t->strings, (std::vector<std::string> { "a", "h\xc3\xa9llo", "\xe2\x82\xac", "\xf0\x9f\x98\x80" }));
        t = load("be_unicode");
        QCOMPARE(t->strings, (std::vector<std::string> { "ok", "\xc3\xbc" }));

        const auto refused = [&](const char* name) {
            try {
                load(name);
            } catch (const Error& e) {
                return QString(e.what());
            }
            return QString();
        };
        const QString prefix = dir.path() + "/";
        QVERIFY(refused("object").startsWith(prefix + "object.npy: "));
        QVERIFY2(refused("object").contains("'|O'"), qPrintable(refused("object")));
        QVERIFY(refused("structured").contains("structured dtype"));
        QVERIFY2(refused("datetime").contains("'<M8[D]' (datetime64)"), qPrintable(refused("datetime")));
        QVERIFY2(refused("longdouble").contains("long double"), qPrintable(refused("longdouble")));
        QVERIFY2(refused("void").contains("'|V2'"), qPrintable(refused("void")));

        auto arrays = readNpz(dir.filePath("plain.npz").toStdString());
        QCOMPARE(arrays.size(), std::size_t(2));
        QCOMPARE(arrays[0].first, std::string("a"));
        QCOMPARE(valuesOf<std::int32_t>(*arrays[0].second), (std::vector<std::int32_t> { 0, 1, 2, 3 }));
        QCOMPARE(arrays[1].first, std::string("b"));
        QCOMPARE(arrays[1].second->dims, (std::vector<std::int64_t> { 1, 2 }));
        QCOMPARE(valuesOf<double>(*arrays[1].second), (std::vector<double> { 1.5, -2.5 }));

        arrays = readNpz(dir.filePath("positional.npz").toStdString());
        QCOMPARE(arrays.size(), std::size_t(2));
        QCOMPARE(arrays[0].first, std::string("arr_0"));
        QCOMPARE(valuesOf<std::uint8_t>(*arrays[0].second), std::vector<std::uint8_t> { 7 });
        QCOMPARE(arrays[1].first, std::string("arr_1"));
        QCOMPARE(arrays[1].second->dataType, DataType::Bool);
        QCOMPARE(arrays[1].second->dims, std::vector<std::int64_t> {});

        arrays = readNpz(dir.filePath("compressed.npz").toStdString());
        QCOMPARE(arrays.size(), std::size_t(4));
        QCOMPARE(arrays[0].first, std::string("big"));
        const auto big = valuesOf<float>(*arrays[0].second);
        QCOMPARE(big.size(), std::size_t(3000));
        for (std::size_t i = 0; i < big.size(); ++i)
            QCOMPARE(big[i], float(i % 7));
        QCOMPARE(arrays[1].first, std::string("fortran"));
        QCOMPARE(arrays[1].second->dims, (std::vector<std::int64_t> { 3, 4 }));
        std::vector<std::int64_t> iota12(12);
        std::iota(iota12.begin(), iota12.end(), 0);
        QCOMPARE(valuesOf<std::int64_t>(*arrays[1].second), iota12);
        QCOMPARE(arrays[2].first, std::string("empty"));
        QCOMPARE(arrays[2].second->dims, (std::vector<std::int64_t> { 2, 0 }));
        QCOMPARE(arrays[2].second->dataType, DataType::Float16);
        QCOMPARE(arrays[3].second->strings, (std::vector<std::string> { "x", "yz" }));
    }

    void compressedNpzCorruption()
    {
        REQUIRE_NUMPY();
        QTemporaryDir dir;
        QCOMPARE(runPython(kWriteNumpyFiles, dir.path()), 0);
        const auto zip = fileBytes(dir.filePath("small_compressed.npz").toStdString());
        const auto ok = readNpzBytes(zip, "test.npz");
        QCOMPARE(ok.size(), std::size_t(1));
        QCOMPARE(valuesOf<float>(*ok[0].second), (std::vector<float> { 0, 1, 2, 3, 4, 5 }));

        for (std::size_t len = 0; len < zip.size(); ++len)
            QVERIFY2(npzError(std::span(zip).first(len)).startsWith("test.npz"), qPrintable(QString::number(len)));
        int failed = 0;
        for (std::size_t i = 0; i < zip.size(); ++i)
            for (int bit = 0; bit < 8; ++bit) {
                auto bytes = zip;
                bytes[i] ^= std::byte(1u << bit);
                try {
                    for (const auto& [name, t] : readNpzBytes(bytes, "test.npz"))
                        QCOMPARE(t->data->bytes().size(), *t->expectedBytes());
                } catch (const Error& e) {
                    QVERIFY(QString(e.what()).startsWith("test.npz"));
                    ++failed;
                }
            }
        QVERIFY(failed > 0);

        // Declared sizes are caps, checked against what inflates.
        const std::size_t cd = [&] {
            for (std::size_t i = 0; i + 4 <= zip.size(); ++i)
                if (std::memcmp(zip.data() + i, "PK\x01\x02", 4) == 0)
                    return i;
            return std::size_t(0);
        }();
        QVERIFY(cd > 0);
        auto patched = zip;
        std::uint32_t declared = 0;
        std::memcpy(&declared, zip.data() + cd + 24, 4);
        set32(patched, cd + 24, declared - 1);
        QVERIFY2(npzError(patched).contains("more than the declared"), qPrintable(npzError(patched)));
        set32(patched, cd + 24, declared + 1);
        QVERIFY2(npzError(patched).contains("not the declared"), qPrintable(npzError(patched)));
        set32(patched, cd + 24, 0xfffffff0u);
        QVERIFY2(npzError(patched).contains("more than deflate can produce"), qPrintable(npzError(patched)));
    }

    void numpyReadsNodusFiles()
    {
        REQUIRE_NUMPY();
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const auto path = [&](std::string_view name) {
            return std::filesystem::path(dir.path().toStdString()) / (std::string(name) + ".npy");
        };
        for (auto type : kNumpyTypes)
            writeNpy(*tensorOf(type, { 2, 3 }, sixValues(type)), path(dataTypeName(type)));
        writeNpy(*tensorOf(DataType::Float, {}, packed(std::vector<float> { -1.5f })), path("scalar"));
        writeNpy(*tensorOf(DataType::Double, { 0, 4 }, {}), path("empty"));
        auto strings = std::make_shared<Tensor>();
        strings->dataType = DataType::String;
        strings->dims = { 3 };
        strings->strings = { "ab", "", "x y" };
        writeNpy(*strings, path("strings"));
        QCOMPARE(runPython(kCheckNodusFiles, dir.path()), 0);
    }
};

QTEST_GUILESS_MAIN(TestNpy)
#include "test_npy.moc"
