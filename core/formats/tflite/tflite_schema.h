#pragma once

// The parts of TensorFlow Lite's FlatBuffers schema (tensorflow/lite/schema/
// schema.fbs, file identifier "TFL3") that Nodus reads, written down from
// the schema's facts. A FlatBuffers table field is addressed by its slot:
// the field's position in the table's declaration, counting a union as two
// (its type byte, then its value). New schema versions only append fields,
// so older files simply lack the later slots.

#include "ir/datatype.h"

#include <cstdint>
#include <optional>
#include <string_view>

namespace nodus::tflite {

inline constexpr std::string_view kFileIdentifier = "TFL3";

namespace model {
inline constexpr int Version = 0; // uint
inline constexpr int OperatorCodes = 1; // [OperatorCode]
inline constexpr int Subgraphs = 2; // [SubGraph], the first is the main graph
inline constexpr int Description = 3; // string
inline constexpr int Buffers = 4; // [Buffer], buffer 0 is the empty sentinel
inline constexpr int MetadataBuffer = 5; // [int], deprecated
inline constexpr int Metadata = 6; // [Metadata]
inline constexpr int SignatureDefs = 7; // [SignatureDef]
} // namespace model

namespace subgraph {
inline constexpr int Tensors = 0; // [Tensor]
inline constexpr int Inputs = 1; // [int] tensor indices
inline constexpr int Outputs = 2; // [int]
inline constexpr int Operators = 3; // [Operator], in execution order
inline constexpr int Name = 4; // string
} // namespace subgraph

namespace tensor {
inline constexpr int Shape = 0; // [int]
inline constexpr int Type = 1; // TensorType (byte)
inline constexpr int Buffer = 2; // uint, 0: no data
inline constexpr int Name = 3; // string
inline constexpr int Quantization = 4; // QuantizationParameters
inline constexpr int IsVariable = 5; // bool
inline constexpr int Sparsity = 6; // SparsityParameters
inline constexpr int ShapeSignature = 7; // [int], -1 for a dynamic dimension
inline constexpr int HasRank = 8; // bool
} // namespace tensor

namespace quantization {
inline constexpr int Min = 0; // [float]
inline constexpr int Max = 1; // [float]
inline constexpr int Scale = 2; // [float]
inline constexpr int ZeroPoint = 3; // [long]
inline constexpr int DetailsType = 4; // QuantizationDetails union type
inline constexpr int Details = 5;
inline constexpr int QuantizedDimension = 6; // int
} // namespace quantization

namespace sparsity {
inline constexpr int TraversalOrder = 0; // [int]
inline constexpr int BlockMap = 1; // [int]
inline constexpr int DimMetadata = 2; // [DimensionMetadata]
} // namespace sparsity

namespace op {
inline constexpr int OpcodeIndex = 0; // uint
inline constexpr int Inputs = 1; // [int], -1 for a left-out optional input
inline constexpr int Outputs = 2; // [int]
inline constexpr int BuiltinOptionsType = 3; // BuiltinOptions union type (ubyte)
inline constexpr int BuiltinOptions = 4;
inline constexpr int CustomOptions = 5; // [ubyte], usually FlexBuffers
inline constexpr int CustomOptionsFormat = 6;
inline constexpr int MutatingVariableInputs = 7; // [bool]
inline constexpr int Intermediates = 8; // [int]
inline constexpr int LargeCustomOptionsOffset = 9; // ulong, from the start of the file
inline constexpr int LargeCustomOptionsSize = 10; // ulong
inline constexpr int BuiltinOptions2Type = 11;
inline constexpr int BuiltinOptions2 = 12;
} // namespace op

namespace opcode {
inline constexpr int DeprecatedBuiltinCode = 0; // byte (codes below 127)
inline constexpr int CustomCode = 1; // string
inline constexpr int Version = 2; // int, default 1
inline constexpr int BuiltinCode = 3; // int; the larger of the two is the op
} // namespace opcode

namespace buffer {
inline constexpr int Data = 0; // [ubyte]
// Models over 2 GB keep buffers after the FlatBuffer: an absolute file
// offset (valid when > 1) and a size.
inline constexpr int Offset = 1; // ulong
inline constexpr int Size = 2; // ulong
} // namespace buffer

namespace metadata {
inline constexpr int Name = 0; // string
inline constexpr int Buffer = 1; // uint
} // namespace metadata

namespace signature {
inline constexpr int Inputs = 0; // [TensorMap]
inline constexpr int Outputs = 1; // [TensorMap]
inline constexpr int Key = 2; // string
inline constexpr int SubgraphIndex = 4; // uint (slot 3 is deprecated_tag)
} // namespace signature

namespace tensormap {
inline constexpr int Name = 0; // string
inline constexpr int TensorIndex = 1; // uint
} // namespace tensormap

// BuiltinOperator codes Nodus treats specially.
enum BuiltinOperator : int {
    Add = 0,
    AveragePool2D = 1,
    Concatenation = 2,
    Conv2D = 3,
    DepthwiseConv2D = 4,
    FullyConnected = 9,
    Logistic = 14,
    MaxPool2D = 17,
    Mul = 18,
    Relu = 19,
    ReluN1To1 = 20,
    Relu6 = 21,
    Reshape = 22,
    Softmax = 25,
    Tanh = 28,
    Call = 31,
    Custom = 32,
    If = 118,
    While = 119,
    CallOnce = 129,
};

// TensorType: the IR's element type, or nullopt for RESOURCE, VARIANT and
// codes newer than this table.
std::optional<DataType> dataType(int tensorType);
// The schema's spelling ("FLOAT32"); empty for an unknown code.
std::string_view tensorTypeName(int tensorType);

// The schema's name of a BuiltinOperator ("CONV_2D"); empty for an unknown code.
std::string_view builtinOperatorName(int code);
// The name Nodus shows as the op type: the schema name in CamelCase
// ("Conv2D", "DepthwiseConv2D", "FullyConnected"), as Netron shows them.
std::string opTypeName(int code);

// ActivationFunctionType and Padding spellings; empty for unknown values.
std::string_view activationName(int value);
std::string_view paddingName(int value);

// How one field of a builtin options table is stored and shown.
enum class FieldKind {
    Int, // int32
    UInt, // uint32
    Long, // int64
    Float,
    Bool,
    Padding, // byte enum: SAME, VALID
    Activation, // byte enum: ActivationFunctionType
    TensorType, // byte enum
    Enum, // byte enum with its own names (OptionField::names)
    Ints, // [int]
    Longs, // [long]
    Floats, // [float]
    String,
    Deprecated, // occupies a slot, not shown
    Subgraph, // int subgraph index (control flow)
};

struct OptionField {
    std::string_view name;
    FieldKind kind = FieldKind::Int;
    double defaultValue = 0; // for scalar kinds
    // Shown only when the file sets it (refinements newer versions added,
    // which would be noise on every node otherwise).
    bool onlyWhenSet = false;
    const std::string_view* names = nullptr; // Enum: value -> name
    int nameCount = 0;
};

struct OptionsTable {
    std::string_view name; // "Conv2DOptions"
    const OptionField* fields = nullptr;
    int fieldCount = 0;
};

// The BuiltinOptions union member of type `unionType` (1-based, as stored);
// null for NONE and for members newer than this table.
const OptionsTable* builtinOptions(int unionType);

} // namespace nodus::tflite
