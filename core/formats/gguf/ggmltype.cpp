#include "ggmltype.h"

#include "ir/tensorvalues.h"
#include "util/error.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

namespace nodus {

namespace {

// ggml.h's enum ggml_type and the block sizes of ggml.c's type_traits
// (ggml-common.h's block structs). Numbers ggml retired are left out.
constexpr std::array kTypes {
    GgmlTypeInfo { 0, "F32", 1, 4, DataType::Float },
    GgmlTypeInfo { 1, "F16", 1, 2, DataType::Float16 },
    GgmlTypeInfo { 2, "Q4_0", 32, 18 },
    GgmlTypeInfo { 3, "Q4_1", 32, 20 },
    GgmlTypeInfo { 6, "Q5_0", 32, 22 },
    GgmlTypeInfo { 7, "Q5_1", 32, 24 },
    GgmlTypeInfo { 8, "Q8_0", 32, 34 },
    GgmlTypeInfo { 9, "Q8_1", 32, 36 },
    GgmlTypeInfo { 10, "Q2_K", 256, 84 },
    GgmlTypeInfo { 11, "Q3_K", 256, 110 },
    GgmlTypeInfo { 12, "Q4_K", 256, 144 },
    GgmlTypeInfo { 13, "Q5_K", 256, 176 },
    GgmlTypeInfo { 14, "Q6_K", 256, 210 },
    GgmlTypeInfo { 15, "Q8_K", 256, 292 },
    GgmlTypeInfo { 16, "IQ2_XXS", 256, 66 },
    GgmlTypeInfo { 17, "IQ2_XS", 256, 74 },
    GgmlTypeInfo { 18, "IQ3_XXS", 256, 98 },
    GgmlTypeInfo { 19, "IQ1_S", 256, 50 },
    GgmlTypeInfo { 20, "IQ4_NL", 32, 18 },
    GgmlTypeInfo { 21, "IQ3_S", 256, 110 },
    GgmlTypeInfo { 22, "IQ2_S", 256, 82 },
    GgmlTypeInfo { 23, "IQ4_XS", 256, 136 },
    GgmlTypeInfo { 24, "I8", 1, 1, DataType::Int8 },
    GgmlTypeInfo { 25, "I16", 1, 2, DataType::Int16 },
    GgmlTypeInfo { 26, "I32", 1, 4, DataType::Int32 },
    GgmlTypeInfo { 27, "I64", 1, 8, DataType::Int64 },
    GgmlTypeInfo { 28, "F64", 1, 8, DataType::Double },
    GgmlTypeInfo { 29, "IQ1_M", 256, 56 },
    GgmlTypeInfo { 30, "BF16", 1, 2, DataType::BFloat16 },
    GgmlTypeInfo { 34, "TQ1_0", 256, 54 },
    GgmlTypeInfo { 35, "TQ2_0", 256, 66 },
    GgmlTypeInfo { 39, "MXFP4", 32, 17 },
};

std::uint16_t u16(const std::byte* p)
{
    std::uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
}

float half(const std::byte* p)
{
    return float16ToFloat(u16(p));
}

std::uint8_t u8(const std::byte* p)
{
    return std::to_integer<std::uint8_t>(*p);
}

} // namespace

std::span<const GgmlTypeInfo> ggmlTypes()
{
    return kTypes;
}

std::optional<GgmlTypeInfo> ggmlType(std::uint32_t id)
{
    for (const auto& t : kTypes)
        if (t.id == id)
            return t;
    return std::nullopt;
}

std::optional<GgmlTypeInfo> ggmlTypeFor(DataType type)
{
    for (const auto& t : kTypes)
        if (!t.quantized() && t.dataType == type)
            return t;
    return std::nullopt;
}

std::optional<std::uint64_t> ggmlTensorBytes(const GgmlTypeInfo& type, std::uint64_t elements)
{
    if (elements % type.blockElements != 0)
        return std::nullopt;
    const std::uint64_t blocks = elements / type.blockElements;
    if (blocks > UINT64_MAX / type.blockBytes)
        return std::nullopt;
    return blocks * type.blockBytes;
}

bool ggmlCanDequantize(const GgmlTypeInfo& type)
{
    return !type.quantized() || type.id == 2 || type.id == 3 || type.id == 6 || type.id == 7 || type.id == 8;
}

std::vector<float> ggmlDequantize(const GgmlTypeInfo& type, std::span<const std::byte> bytes, std::uint64_t elements)
{
    if (!ggmlCanDequantize(type))
        throw Error("cannot decode ggml " + std::string(type.name)
            + " values (decoded: plain types, Q4_0, Q4_1, Q5_0, "
              "Q5_1, Q8_0)");
    const auto need = ggmlTensorBytes(type, elements);
    if (!need || *need > bytes.size())
        throw Error(std::to_string(elements) + " ggml " + std::string(type.name) + " values need "
            + (need ? std::to_string(*need) : std::string("an impossible number of")) + " bytes, but "
            + std::to_string(bytes.size()) + " are there");
    std::vector<float> out(elements);
    if (!type.quantized()) {
        for (std::uint64_t k = 0; k < elements; ++k)
            out[k] = static_cast<float>(elementAsDouble(type.dataType, bytes, k));
        return out;
    }
    const std::uint64_t blocks = elements / type.blockElements;
    for (std::uint64_t b = 0; b < blocks; ++b) {
        const std::byte* p = bytes.data() + b * type.blockBytes;
        float* y = out.data() + b * 32;
        switch (type.id) {
        case 2: { // Q4_0: d, 16 bytes of nibbles; low nibbles are elements 0..15
            const float d = half(p);
            for (int j = 0; j < 16; ++j) {
                const int q = u8(p + 2 + j);
                y[j] = float((q & 0x0F) - 8) * d;
                y[j + 16] = float((q >> 4) - 8) * d;
            }
            break;
        }
        case 3: { // Q4_1: d, m, nibbles
            const float d = half(p), m = half(p + 2);
            for (int j = 0; j < 16; ++j) {
                const int q = u8(p + 4 + j);
                y[j] = float(q & 0x0F) * d + m;
                y[j + 16] = float(q >> 4) * d + m;
            }
            break;
        }
        case 6: // Q5_0: d, 32 fifth bits, nibbles
        case 7: { // Q5_1: d, m, 32 fifth bits, nibbles
            const bool hasMin = type.id == 7;
            const float d = half(p), m = hasMin ? half(p + 2) : 0.0f;
            const std::byte* qh = p + (hasMin ? 4 : 2);
            std::uint32_t high;
            std::memcpy(&high, qh, 4);
            const std::byte* qs = qh + 4;
            for (int j = 0; j < 16; ++j) {
                const int q = u8(qs + j);
                const int x0 = (q & 0x0F) | int(((high >> j) & 1u) << 4);
                const int x1 = (q >> 4) | int(((high >> (j + 16)) & 1u) << 4);
                y[j] = hasMin ? float(x0) * d + m : float(x0 - 16) * d;
                y[j + 16] = hasMin ? float(x1) * d + m : float(x1 - 16) * d;
            }
            break;
        }
        case 8: { // Q8_0: d, 32 signed bytes
            const float d = half(p);
            for (int j = 0; j < 32; ++j)
                y[j] = float(static_cast<std::int8_t>(u8(p + 2 + j))) * d;
            break;
        }
        default:
            break;
        }
    }
    return out;
}

} // namespace nodus
