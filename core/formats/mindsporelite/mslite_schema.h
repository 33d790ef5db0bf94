#pragma once

#include "ir/datatype.h"

#include <optional>
#include <span>
#include <string_view>

// Facts of the MindSpore Lite FlatBuffer schema (mindspore/lite/schema/
// model.fbs, ops.fbs, ops_types.fbs and the older model_v0.fbs) that Nodus
// reads: field slots, the op names of the PrimitiveType unions, option
// tables of common ops and the names of their enums. Written from the
// schema's facts; no generated code.
namespace nodus::mslite {

// "MSL2": model.fbs with ops.fbs (MindSpore Lite 1.2 and later). Files with
// "MSL1" or no identifier use model_v0.fbs, whose PrimitiveType union is a
// different list of ops.
inline constexpr std::string_view kFileIdentifier = "MSL2";
inline constexpr std::string_view kFileIdentifierV0 = "MSL1";

namespace metagraph {
enum : int {
    Name = 0,
    Version = 1,
    FmkType = 2,
    InputIndex = 3,
    OutputIndex = 4,
    MempoolSize = 5,
    Nodes = 6,
    AllTensors = 7,
    SubGraph = 8,
    Obfuscate = 9,
    ObfMetaData = 10,
};
}
namespace cnode {
enum : int { Name = 0, NodeType = 1, Primitive = 2, InputIndex = 3, OutputIndex = 4, QuantType = 5, DeviceType = 6 };
}
namespace primitive {
enum : int { ValueType = 0, Value = 1 }; // a union: type byte, then the table
}
namespace subgraph {
enum : int { Name = 0, InputIndices = 1, OutputIndices = 2, NodeIndices = 3, TensorIndices = 4 };
}
namespace tensor {
enum : int {
    NodeType = 0,
    DataType = 1,
    Dims = 2,
    Format = 3,
    RefCount = 4,
    Offset = 5,
    Data = 6,
    QuantParams = 7,
    QuantClusters = 8,
    Name = 9,
    EnableHuffmanCode = 10,
    WeightQuantCompressType = 11,
    ExternalData = 12,
};
}
namespace quantparam {
enum : int { Scale = 0, ZeroPoint = 1, Min = 2, Max = 3, NarrowRange = 4, NumBits = 5, Inited = 6 };
}
namespace externaldata {
enum : int { CheckSum = 0, Location = 1, Offset = 2, Length = 3 };
}
namespace customattr {
enum : int { Name = 0, Data = 1 }; // Custom.attr: [Attribute{name, data:[ubyte]}]
}

// Op name of a PrimitiveType union member (1-based; 0 is NONE); empty when
// the index is past the list this version of Nodus knows.
std::string_view opName(int unionType, bool v0);

// The 2019 "predict" module's schema (predict/schema/ms.fbs, no file
// identifier): GraphDef { name, mempoolCfg, subgraphs: [SubGraphDef] }, each
// subgraph with its own nodes and tensors.
namespace predict {
namespace graphdef {
enum : int { Name = 0, MempoolCfg = 1, Subgraphs = 2 };
}
namespace subgraphdef {
enum : int { Name = 0, InputIndex = 1, OutputIndex = 2, MempoolSize = 3, Nodes = 4, AllTensors = 5 };
}
namespace nodedef {
enum : int { FmkType = 0, OpDef = 1 };
}
namespace opdef {
enum : int { Name = 0, AttrType = 1, Attr = 2, InputIndex = 3, OutputIndex = 4, IsLastConv = 5, QuantType = 6 };
}
namespace tensordef {
enum : int { DataType = 0, Dims = 1, Format = 2, RefCount = 3, Offset = 4, Data = 5, Quantization = 6 };
}
namespace quantizationdef {
enum : int { Min = 0, Max = 1, Scale = 2, ZeroPoint = 3, Dimension = 4 };
}
std::string_view opName(int unionType);
std::optional<DataType> dataType(int code); // DT_FLOAT = 0, DT_FLOAT16, DT_INT8, DT_INT32, DT_UINT8, DT_UINT32 = 8
} // namespace predict

// MindSpore TypeId codes (kNumberTypeFloat32 = 43, ...) as Nodus types.
std::optional<DataType> dataType(int typeId);
std::string_view typeIdName(int typeId);

std::string_view formatName(int format); // Tensor.format, the Format enum
std::string_view fmkTypeName(int fmkType); // MetaGraph.fmkType
std::string_view quantTypeName(int quantType);

// How an option field is stored and shown.
enum class FieldKind {
    Long, // long (int64)
    Int, // int
    Float, // float
    Bool, // bool
    Longs, // [long]
    Ints, // [int]
    Floats, // [float]
    String, // string
    Vec2D, // table Vec2D { data: [Vec { data: [long] }] }, shown flattened
    Format, // enum Format : int
    ByteEnum, // an enum : byte, named by `names`
};

struct OptionField {
    std::string_view name;
    FieldKind kind = FieldKind::Long;
    double defaultValue = 0;
    std::span<const std::string_view> names = {}; // ByteEnum names from 0
    int namesBase = 0; // the value of names[0] (ResizeMethod starts at -1)
};

struct OptionTable {
    std::string_view op;
    std::span<const OptionField> fields; // in slot order
};

// The option table of an MSL2 op (by the name opName gives); null when Nodus
// does not decode that op's options.
const OptionTable* optionTable(std::string_view op);

} // namespace nodus::mslite
