#include "ir/ownedtensordata.h"
#include "ir/tensor.h"
#include "ir/tensorstatistics.h"
#include "ir/tensorvalues.h"
#include "util/error.h"

#include <QtTest>

#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

using namespace nodus;

namespace {

std::vector<std::byte> bytesOf(std::initializer_list<unsigned> values)
{
    std::vector<std::byte> out;
    for (unsigned v : values)
        out.push_back(std::byte(v));
    return out;
}

template <typename T> std::vector<std::byte> packed(const std::vector<T>& values)
{
    std::vector<std::byte> out(values.size() * sizeof(T));
    std::memcpy(out.data(), values.data(), out.size());
    return out;
}

double decode(DataType type, std::initializer_list<unsigned> raw, std::uint64_t index = 0)
{
    const auto b = bytesOf(raw);
    return elementAsDouble(type, b, index);
}

QString text(DataType type, std::initializer_list<unsigned> raw, std::uint64_t index = 0)
{
    const auto b = bytesOf(raw);
    return QString::fromStdString(elementText(type, b, index));
}

std::shared_ptr<Tensor> tensorOf(DataType type, std::vector<std::int64_t> dims, std::vector<std::byte> bytes)
{
    auto t = std::make_shared<Tensor>();
    t->name = "t";
    t->dataType = type;
    t->dims = std::move(dims);
    t->data = std::make_shared<OwnedTensorData>(std::move(bytes));
    return t;
}

std::uint64_t histogramTotal(const TensorStatistics& s)
{
    return std::accumulate(s.histogram.begin(), s.histogram.end(), std::uint64_t(0));
}

} // namespace

class TestTensorValues : public QObject {
    Q_OBJECT

private slots:
    void float16()
    {
        QCOMPARE(decode(DataType::Float16, { 0x00, 0x3c }), 1.0);
        QCOMPARE(decode(DataType::Float16, { 0x00, 0xc0 }), -2.0);
        QCOMPARE(decode(DataType::Float16, { 0x00, 0x7c }), std::numeric_limits<double>::infinity());
        QCOMPARE(decode(DataType::Float16, { 0x00, 0xfc }), -std::numeric_limits<double>::infinity());
        QVERIFY(std::isnan(decode(DataType::Float16, { 0x01, 0x7c })));
        // Smallest subnormal, 2^-24, and the largest finite value.
        QCOMPARE(decode(DataType::Float16, { 0x01, 0x00 }), std::ldexp(1.0, -24));
        QVERIFY(std::fabs(decode(DataType::Float16, { 0x01, 0x00 }) - 5.96e-8) < 1e-10);
        QCOMPARE(decode(DataType::Float16, { 0xff, 0x7b }), 65504.0);
        QCOMPARE(decode(DataType::Float16, { 0x55, 0x35 }), 0.333251953125);
        QVERIFY(std::signbit(decode(DataType::Float16, { 0x00, 0x80 })));
        // Shortest text in float16's own precision (numpy's float16 repr),
        // but whole numbers exactly.
        QCOMPARE(text(DataType::Float16, { 0x66, 0x2e }), QString("0.1"));
        QCOMPARE(text(DataType::Float16, { 0x00, 0x3c }), QString("1"));
        QCOMPARE(text(DataType::Float16, { 0x00, 0x68 }), QString("2048"));
        QCOMPARE(text(DataType::Float16, { 0xff, 0x7b }), QString("65504"));
        QCOMPARE(text(DataType::Float16, { 0x01, 0x00 }), QString("6e-08"));
        QCOMPARE(text(DataType::Float16, { 0x00, 0x80 }), QString("-0"));
        QCOMPARE(text(DataType::Float16, { 0x00, 0x7c }), QString("inf"));
        QCOMPARE(text(DataType::Float16, { 0x00, 0xfc }), QString("-inf"));
        QCOMPARE(text(DataType::Float16, { 0x00, 0x7e }), QString("NaN"));
        // The second element of a two-element buffer.
        QCOMPARE(decode(DataType::Float16, { 0x00, 0x3c, 0x00, 0x40 }, 1), 2.0);
    }

    void bfloat16()
    {
        QCOMPARE(decode(DataType::BFloat16, { 0x80, 0x3f }), 1.0);
        QCOMPARE(decode(DataType::BFloat16, { 0x00, 0xc0 }), -2.0);
        QCOMPARE(decode(DataType::BFloat16, { 0x80, 0x7f }), std::numeric_limits<double>::infinity());
        QVERIFY(std::isnan(decode(DataType::BFloat16, { 0xc0, 0x7f })));
        QCOMPARE(text(DataType::BFloat16, { 0xcd, 0x3d }), QString("0.1"));
        QCOMPARE(text(DataType::BFloat16, { 0x80, 0x3f }), QString("1"));
    }

    void float8e4m3fn()
    {
        const auto t = DataType::Float8E4M3FN;
        QCOMPARE(decode(t, { 0x38 }), 1.0);
        QCOMPARE(decode(t, { 0xc0 }), -2.0);
        QCOMPARE(decode(t, { 0x7e }), 448.0);
        QCOMPARE(decode(t, { 0xfe }), -448.0);
        QVERIFY(std::isnan(decode(t, { 0x7f })));
        QVERIFY(std::isnan(decode(t, { 0xff })));
        // No infinities: the all-ones exponent still holds finite values.
        QCOMPARE(decode(t, { 0x78 }), 256.0);
        QCOMPARE(decode(t, { 0x01 }), std::ldexp(1.0, -9));
        QVERIFY(std::signbit(decode(t, { 0x80 })));
        QCOMPARE(text(t, { 0x7e }), QString("448"));
        QCOMPARE(text(t, { 0x34 }), QString("0.75"));
        QCOMPARE(text(t, { 0x7f }), QString("NaN"));
    }

    void float8e4m3fnuz()
    {
        const auto t = DataType::Float8E4M3FNUZ;
        QVERIFY(std::isnan(decode(t, { 0x80 })));
        QCOMPARE(decode(t, { 0x40 }), 1.0);
        QCOMPARE(decode(t, { 0x7f }), 240.0);
        QCOMPARE(decode(t, { 0xff }), -240.0);
        QCOMPARE(decode(t, { 0x01 }), std::ldexp(1.0, -10));
        QCOMPARE(decode(t, { 0x00 }), 0.0);
    }

    void float8e5m2()
    {
        const auto t = DataType::Float8E5M2;
        QCOMPARE(decode(t, { 0x3c }), 1.0);
        QCOMPARE(decode(t, { 0xc0 }), -2.0);
        QCOMPARE(decode(t, { 0x7b }), 57344.0);
        QCOMPARE(decode(t, { 0x7c }), std::numeric_limits<double>::infinity());
        QCOMPARE(decode(t, { 0xfc }), -std::numeric_limits<double>::infinity());
        QVERIFY(std::isnan(decode(t, { 0x7d })));
        QCOMPARE(decode(t, { 0x01 }), std::ldexp(1.0, -16));
        QCOMPARE(text(t, { 0x7c }), QString("inf"));
    }

    void float8e5m2fnuz()
    {
        const auto t = DataType::Float8E5M2FNUZ;
        QVERIFY(std::isnan(decode(t, { 0x80 })));
        QCOMPARE(decode(t, { 0x40 }), 1.0);
        QCOMPARE(decode(t, { 0x7f }), 57344.0);
        QCOMPARE(decode(t, { 0x01 }), std::ldexp(1.0, -17));
    }

    void float8e8m0()
    {
        const auto t = DataType::Float8E8M0;
        QCOMPARE(decode(t, { 0x7f }), 1.0);
        QCOMPARE(decode(t, { 0x80 }), 2.0);
        QCOMPARE(decode(t, { 0x00 }), std::ldexp(1.0, -127));
        QVERIFY(std::isnan(decode(t, { 0xff })));
        QCOMPARE(text(t, { 0x81 }), QString("4"));
    }

    void float4e2m1()
    {
        const auto t = DataType::Float4E2M1;
        // Low nibble first: 0x1F holds -6 then 0.5.
        QCOMPARE(decode(t, { 0x1f }, 0), -6.0);
        QCOMPARE(decode(t, { 0x1f }, 1), 0.5);
        const double positives[] = { 0, 0.5, 1, 1.5, 2, 3, 4, 6 };
        for (unsigned n = 0; n < 8; ++n) {
            QCOMPARE(double(float4e2m1ToFloat(std::uint8_t(n))), positives[n]);
            QCOMPARE(double(float4e2m1ToFloat(std::uint8_t(n | 8))), -positives[n]);
        }
        QCOMPARE(text(t, { 0x1f }, 0), QString("-6"));
        QCOMPARE(text(t, { 0x1f }, 1), QString("0.5"));
        QCOMPARE(text(t, { 0x03 }, 0), QString("1.5"));
    }

    void int4AndUInt4()
    {
        QCOMPARE(decode(DataType::Int4, { 0xf7 }, 0), 7.0);
        QCOMPARE(decode(DataType::Int4, { 0xf7 }, 1), -1.0);
        QCOMPARE(decode(DataType::Int4, { 0x08 }, 0), -8.0);
        QCOMPARE(decode(DataType::UInt4, { 0xf7 }, 1), 15.0);
        QCOMPARE(text(DataType::Int4, { 0xf7 }, 1), QString("-1"));
        QCOMPARE(text(DataType::UInt4, { 0xf7 }, 1), QString("15"));
        // Three int4 elements need two bytes; the fourth nibble is padding
        // but still addressable, the fifth is not.
        QVERIFY_THROWS_EXCEPTION(Error, decode(DataType::Int4, { 0x12, 0x34 }, 4));
    }

    void wideTypes()
    {
        const auto f = packed<float>({ 0.1f, -3.5f });
        QCOMPARE(QString::fromStdString(elementText(DataType::Float, f, 0)), QString("0.1"));
        QCOMPARE(elementAsDouble(DataType::Float, f, 1), -3.5);
        const auto d = packed<double>({ 0.1 });
        QCOMPARE(QString::fromStdString(elementText(DataType::Double, d, 0)), QString("0.1"));
        const auto i64 = packed<std::int64_t>({ -9007199254740993LL });
        QCOMPARE(QString::fromStdString(elementText(DataType::Int64, i64, 0)), QString("-9007199254740993"));
        const auto u8 = bytesOf({ 200 });
        QCOMPARE(elementAsDouble(DataType::UInt8, u8, 0), 200.0);
        QCOMPARE(elementAsDouble(DataType::Int8, u8, 0), -56.0);
        const auto b = bytesOf({ 0, 1, 7 });
        QCOMPARE(QString::fromStdString(elementText(DataType::Bool, b, 0)), QString("false"));
        QCOMPARE(QString::fromStdString(elementText(DataType::Bool, b, 2)), QString("true"));
        const auto c = packed<float>({ 1.5f, -2.0f, 0.f, 0.25f });
        QCOMPARE(QString::fromStdString(elementText(DataType::Complex64, c, 0)), QString("1.5-2i"));
        QCOMPARE(QString::fromStdString(elementText(DataType::Complex64, c, 1)), QString("0+0.25i"));
        QCOMPARE(elementAsDouble(DataType::Complex64, c, 0), 1.5);
        const auto z = packed<double>({ 3, 4 });
        QCOMPARE(QString::fromStdString(elementText(DataType::Complex128, z, 0)), QString("3+4i"));
        double magnitude = 0;
        decodeElements(DataType::Complex128, z, 0, 1, &magnitude);
        QCOMPARE(magnitude, 5.0);
        QVERIFY_THROWS_EXCEPTION(Error, elementAsDouble(DataType::Float, f, 2));
        QVERIFY_THROWS_EXCEPTION(Error, elementAsDouble(DataType::String, f, 0));
    }

    void decodeElementsAgreesWithElementAsDouble()
    {
        std::vector<std::byte> all(256);
        for (int k = 0; k < 256; ++k)
            all[k] = std::byte(k);
        for (auto type : { DataType::UInt8, DataType::Int8, DataType::Float8E4M3FN, DataType::Float8E4M3FNUZ,
                 DataType::Float8E5M2, DataType::Float8E5M2FNUZ, DataType::Float8E8M0, DataType::Int4, DataType::UInt4,
                 DataType::Float4E2M1, DataType::Float16, DataType::BFloat16 }) {
            const std::uint64_t n = all.size() * 8 / std::uint64_t(dataTypeBits(type));
            std::vector<double> out(n);
            decodeElements(type, all, 0, n, out.data());
            for (std::uint64_t k = 0; k < n; ++k) {
                const double one = elementAsDouble(type, all, k);
                QVERIFY2((std::isnan(one) && std::isnan(out[k])) || one == out[k],
                    qPrintable(QString("%1 element %2").arg(dataTypeName(type).data()).arg(k)));
            }
        }
    }

    void statistics()
    {
        const float nan = std::numeric_limits<float>::quiet_NaN();
        const float inf = std::numeric_limits<float>::infinity();
        // Finite values 0, 0, 1, 2, 3, 4, 6 (mean 16/7) plus NaN, inf, -inf.
        auto t = tensorOf(DataType::Float, { 2, 5 }, packed<float>({ 0, 1, nan, 2, inf, 3, 0, -inf, 4, 6 }));
        const TensorStatistics s = computeStatistics(*t);
        QVERIFY(!s.cancelled);
        QCOMPARE(s.count, std::uint64_t(10));
        QCOMPARE(s.finite, std::uint64_t(7));
        QCOMPARE(s.nans, std::uint64_t(1));
        QCOMPARE(s.infs, std::uint64_t(2));
        QCOMPARE(s.zeros, std::uint64_t(2));
        QCOMPARE(s.min, 0.0);
        QCOMPARE(s.max, 6.0);
        const double mean = 16.0 / 7.0;
        double m2 = 0;
        for (double v : { 0, 0, 1, 2, 3, 4, 6 })
            m2 += (v - mean) * (v - mean);
        QVERIFY(std::fabs(s.mean - mean) < 1e-12);
        QVERIFY(std::fabs(s.std - std::sqrt(m2 / 7)) < 1e-12);
        QCOMPARE(int(s.histogram.size()), TensorStatistics::kHistogramBins);
        QCOMPARE(histogramTotal(s), s.finite);
        QCOMPARE(s.histogram.front(), std::uint64_t(2)); // the zeros
        QCOMPARE(s.histogram.back(), std::uint64_t(1)); // max falls in the last bin
        QCOMPARE(s.histogram[32], std::uint64_t(1)); // 3 is the middle of [0, 6]
    }

    void statisticsOfNarrowTypes()
    {
        // int4 [7, -1, -8, 0, 3]: the fifth element's byte has padding.
        auto t = tensorOf(DataType::Int4, { 5 }, bytesOf({ 0xf7, 0x08, 0x03 }));
        const auto s = computeStatistics(*t);
        QCOMPARE(s.count, std::uint64_t(5));
        QCOMPARE(s.min, -8.0);
        QCOMPARE(s.max, 7.0);
        QCOMPARE(s.mean, 0.2);
        QCOMPARE(s.zeros, std::uint64_t(1));
        QCOMPARE(histogramTotal(s), std::uint64_t(5));

        // A constant tensor has one bar.
        auto c = tensorOf(DataType::Float16, { 3 }, bytesOf({ 0x00, 0x3c, 0x00, 0x3c, 0x00, 0x3c }));
        const auto cs = computeStatistics(*c);
        QCOMPARE(cs.min, 1.0);
        QCOMPARE(cs.max, 1.0);
        QCOMPARE(cs.std, 0.0);
        QCOMPARE(histogramTotal(cs), std::uint64_t(3));

        // All NaN: counts only, no histogram.
        auto n = tensorOf(DataType::Float8E4M3FN, { 2 }, bytesOf({ 0x7f, 0xff }));
        const auto ns = computeStatistics(*n);
        QCOMPARE(ns.nans, std::uint64_t(2));
        QCOMPARE(ns.finite, std::uint64_t(0));
        QVERIFY(ns.histogram.empty());
    }

    void statisticsOfLargeTensorAndCancel()
    {
        const std::int64_t n = 3 << 20;
        std::vector<float> values(static_cast<std::size_t>(n));
        for (std::int64_t k = 0; k < n; ++k)
            values[std::size_t(k)] = float(k % 1000);
        auto t = tensorOf(DataType::Float, { n }, packed(values));
        const auto s = computeStatistics(*t);
        QCOMPARE(s.count, std::uint64_t(n));
        QCOMPARE(s.min, 0.0);
        QCOMPARE(s.max, 999.0);
        QVERIFY(std::fabs(s.mean - 499.5) < 0.5);
        QCOMPARE(histogramTotal(s), std::uint64_t(n));

        std::atomic<bool> cancel { true };
        QVERIFY(computeStatistics(*t, &cancel).cancelled);
        cancel = false;
        QVERIFY(!computeStatistics(*t, &cancel).cancelled);
    }

    void statisticsErrors()
    {
        auto strings = std::make_shared<Tensor>();
        strings->name = "labels";
        strings->dataType = DataType::String;
        strings->dims = { 2 };
        strings->strings = { "a", "b" };
        try {
            computeStatistics(*strings);
            QFAIL("string statistics should throw");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("statistics need numeric elements"), e.what());
        }
        auto shortData = tensorOf(DataType::Float, { 4 }, packed<float>({ 1, 2 }));
        QVERIFY_THROWS_EXCEPTION(Error, computeStatistics(*shortData));
        auto empty = tensorOf(DataType::Float, { 0 }, {});
        const auto es = computeStatistics(*empty);
        QCOMPARE(es.count, std::uint64_t(0));
        QVERIFY(es.histogram.empty());
    }

    void statisticsOfSparse()
    {
        // Dense [4] with one stored value 2 at index 1: [0, 2, 0, 0].
        auto t = std::make_shared<Tensor>();
        t->dataType = DataType::Float;
        t->dims = { 4 };
        t->sparse = std::make_shared<Tensor::Sparse>();
        t->sparse->values = tensorOf(DataType::Float, { 1 }, packed<float>({ 2 }));
        t->sparse->indices = tensorOf(DataType::Int64, { 1 }, packed<std::int64_t>({ 1 }));
        const auto s = computeStatistics(*t);
        QCOMPARE(s.count, std::uint64_t(4));
        QCOMPARE(s.zeros, std::uint64_t(3));
        QCOMPARE(s.min, 0.0);
        QCOMPARE(s.max, 2.0);
        QCOMPARE(s.mean, 0.5);
        QCOMPARE(histogramTotal(s), std::uint64_t(4));
        QCOMPARE(s.histogram.front(), std::uint64_t(3));
    }
};

QTEST_GUILESS_MAIN(TestTensorValues)
#include "test_tensorvalues.moc"
