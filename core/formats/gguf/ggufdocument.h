#pragma once

#include "ggmltype.h"

#include "ir/nativedocument.h"
#include "ir/tensor.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nodus {

class MappedFile;

// GGUF's metadata value types (gguf.h's enum gguf_type).
enum class GgufType : std::uint32_t {
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
};

std::string_view ggufTypeName(GgufType type);

// One metadata value. Scalars are held decoded; an array keeps its element
// type, its count and its payload exactly as the file encodes it (the bytes
// after the count), so a 100,000-token vocabulary costs one copy of its
// bytes, not 100,000 objects, and is written back byte for byte.
struct GgufValue {
    GgufType type = GgufType::UInt8;
    std::uint64_t u = 0; // unsigned integers and Bool
    std::int64_t i = 0; // signed integers
    double f = 0; // Float32, Float64
    std::string s; // String
    GgufType elementType = GgufType::UInt8; // Array
    std::uint64_t count = 0; // Array
    std::string payload; // Array: the encoded elements

    static GgufValue string(std::string text);
    static GgufValue uint32(std::uint32_t v);
};

struct GgufKeyValue {
    std::string key;
    GgufValue value;
};

// A GGUF file as read (or as a writer is asked to lay one out): metadata in
// file order and, per tensor, its ggml type, dims (ggml order: ne[0] is the
// fastest-varying) and where its bytes are.
class GgufDocument final : public NativeDocument {
public:
    std::string_view formatName() const override { return "gguf"; }

    std::shared_ptr<const MappedFile> file;
    std::uint32_t version = 3;
    std::uint64_t alignment = 32;
    std::uint64_t dataStart = 0; // file offset of the data section
    std::vector<GgufKeyValue> metadata;

    struct TensorInfo {
        std::string name;
        GgmlTypeInfo type;
        std::vector<std::uint64_t> ne; // ggml order
        std::uint64_t offset = 0; // within the data section
        std::uint64_t bytes = 0;
        std::shared_ptr<Tensor> tensor; // what the reader made of it
        std::shared_ptr<const TensorData> data; // its bytes as read
    };
    std::vector<TensorInfo> tensors;

    const GgufValue* find(std::string_view key) const;
};

// The text a metadata value is shown as: scalars as they read, strings as
// themselves, arrays of up to kGgufFullArrayItems elements as a JSON array,
// longer ones as their first items, then "…" and the count.
inline constexpr std::uint64_t kGgufFullArrayItems = 64;
std::string ggufValueText(const GgufValue& value);

// Decodes the elements of an array value (strings as themselves, numbers as
// their JSON text, nested arrays as ggufValueText), at most `maxItems`.
// Throws nodus::Error when the payload does not hold `count` elements.
std::vector<std::string> ggufArrayItems(const GgufValue& value, std::uint64_t maxItems);

} // namespace nodus
