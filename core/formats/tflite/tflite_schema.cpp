#include "tflite_schema.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace nodus::tflite {

namespace {

// BuiltinOperator, by code (schema.fbs). Codes without a name are gaps.
constexpr std::array<std::string_view, 206> kOperators = {
    "ADD",
    "AVERAGE_POOL_2D",
    "CONCATENATION",
    "CONV_2D",
    "DEPTHWISE_CONV_2D",
    "DEPTH_TO_SPACE",
    "DEQUANTIZE",
    "EMBEDDING_LOOKUP",
    "FLOOR",
    "FULLY_CONNECTED",
    "HASHTABLE_LOOKUP",
    "L2_NORMALIZATION",
    "L2_POOL_2D",
    "LOCAL_RESPONSE_NORMALIZATION",
    "LOGISTIC",
    "LSH_PROJECTION",
    "LSTM",
    "MAX_POOL_2D",
    "MUL",
    "RELU",
    "RELU_N1_TO_1",
    "RELU6",
    "RESHAPE",
    "RESIZE_BILINEAR",
    "RNN",
    "SOFTMAX",
    "SPACE_TO_DEPTH",
    "SVDF",
    "TANH",
    "CONCAT_EMBEDDINGS",
    "SKIP_GRAM",
    "CALL",
    "CUSTOM",
    "EMBEDDING_LOOKUP_SPARSE",
    "PAD",
    "UNIDIRECTIONAL_SEQUENCE_RNN",
    "GATHER",
    "BATCH_TO_SPACE_ND",
    "SPACE_TO_BATCH_ND",
    "TRANSPOSE",
    "MEAN",
    "SUB",
    "DIV",
    "SQUEEZE",
    "UNIDIRECTIONAL_SEQUENCE_LSTM",
    "STRIDED_SLICE",
    "BIDIRECTIONAL_SEQUENCE_RNN",
    "EXP",
    "TOPK_V2",
    "SPLIT",
    "LOG_SOFTMAX",
    "DELEGATE",
    "BIDIRECTIONAL_SEQUENCE_LSTM",
    "CAST",
    "PRELU",
    "MAXIMUM",
    "ARG_MAX",
    "MINIMUM",
    "LESS",
    "NEG",
    "PADV2",
    "GREATER",
    "GREATER_EQUAL",
    "LESS_EQUAL",
    "SELECT",
    "SLICE",
    "SIN",
    "TRANSPOSE_CONV",
    "SPARSE_TO_DENSE",
    "TILE",
    "EXPAND_DIMS",
    "EQUAL",
    "NOT_EQUAL",
    "LOG",
    "SUM",
    "SQRT",
    "RSQRT",
    "SHAPE",
    "POW",
    "ARG_MIN",
    "FAKE_QUANT",
    "REDUCE_PROD",
    "REDUCE_MAX",
    "PACK",
    "LOGICAL_OR",
    "ONE_HOT",
    "LOGICAL_AND",
    "LOGICAL_NOT",
    "UNPACK",
    "REDUCE_MIN",
    "FLOOR_DIV",
    "REDUCE_ANY",
    "SQUARE",
    "ZEROS_LIKE",
    "FILL",
    "FLOOR_MOD",
    "RANGE",
    "RESIZE_NEAREST_NEIGHBOR",
    "LEAKY_RELU",
    "SQUARED_DIFFERENCE",
    "MIRROR_PAD",
    "ABS",
    "SPLIT_V",
    "UNIQUE",
    "CEIL",
    "REVERSE_V2",
    "ADD_N",
    "GATHER_ND",
    "COS",
    "WHERE",
    "RANK",
    "ELU",
    "REVERSE_SEQUENCE",
    "MATRIX_DIAG",
    "QUANTIZE",
    "MATRIX_SET_DIAG",
    "ROUND",
    "HARD_SWISH",
    "IF",
    "WHILE",
    "NON_MAX_SUPPRESSION_V4",
    "NON_MAX_SUPPRESSION_V5",
    "SCATTER_ND",
    "SELECT_V2",
    "DENSIFY",
    "SEGMENT_SUM",
    "BATCH_MATMUL",
    "PLACEHOLDER_FOR_GREATER_OP_CODES",
    "CUMSUM",
    "CALL_ONCE",
    "BROADCAST_TO",
    "RFFT2D",
    "CONV_3D",
    "IMAG",
    "REAL",
    "COMPLEX_ABS",
    "HASHTABLE",
    "HASHTABLE_FIND",
    "HASHTABLE_IMPORT",
    "HASHTABLE_SIZE",
    "REDUCE_ALL",
    "CONV_3D_TRANSPOSE",
    "VAR_HANDLE",
    "READ_VARIABLE",
    "ASSIGN_VARIABLE",
    "BROADCAST_ARGS",
    "RANDOM_STANDARD_NORMAL",
    "BUCKETIZE",
    "RANDOM_UNIFORM",
    "MULTINOMIAL",
    "GELU",
    "DYNAMIC_UPDATE_SLICE",
    "RELU_0_TO_1",
    "UNSORTED_SEGMENT_PROD",
    "UNSORTED_SEGMENT_MAX",
    "UNSORTED_SEGMENT_SUM",
    "ATAN2",
    "UNSORTED_SEGMENT_MIN",
    "SIGN",
    "BITCAST",
    "BITWISE_XOR",
    "RIGHT_SHIFT",
    "STABLEHLO_LOGISTIC",
    "STABLEHLO_ADD",
    "STABLEHLO_DIVIDE",
    "STABLEHLO_MULTIPLY",
    "STABLEHLO_MAXIMUM",
    "STABLEHLO_RESHAPE",
    "STABLEHLO_CLAMP",
    "STABLEHLO_CONCATENATE",
    "STABLEHLO_BROADCAST_IN_DIM",
    "STABLEHLO_CONVOLUTION",
    "STABLEHLO_SLICE",
    "STABLEHLO_CUSTOM_CALL",
    "STABLEHLO_REDUCE",
    "STABLEHLO_ABS",
    "STABLEHLO_AND",
    "STABLEHLO_COSINE",
    "STABLEHLO_EXPONENTIAL",
    "STABLEHLO_FLOOR",
    "STABLEHLO_LOG",
    "STABLEHLO_MINIMUM",
    "STABLEHLO_NEGATE",
    "STABLEHLO_OR",
    "STABLEHLO_POWER",
    "STABLEHLO_REMAINDER",
    "STABLEHLO_RSQRT",
    "STABLEHLO_SELECT",
    "STABLEHLO_SUBTRACT",
    "STABLEHLO_TANH",
    "STABLEHLO_SCATTER",
    "STABLEHLO_COMPARE",
    "STABLEHLO_CONVERT",
    "STABLEHLO_DYNAMIC_SLICE",
    "STABLEHLO_DYNAMIC_UPDATE_SLICE",
    "STABLEHLO_PAD",
    "STABLEHLO_IOTA",
    "STABLEHLO_DOT_GENERAL",
    "STABLEHLO_REDUCE_WINDOW",
    "STABLEHLO_SORT",
    "STABLEHLO_WHILE",
    "STABLEHLO_GATHER",
    "STABLEHLO_TRANSPOSE",
    "DILATE",
    "STABLEHLO_RNG_BIT_GENERATOR",
    "REDUCE_WINDOW",
};

constexpr std::array<std::string_view, 19> kTensorTypes = {
    "FLOAT32",
    "FLOAT16",
    "INT32",
    "UINT8",
    "INT64",
    "STRING",
    "BOOL",
    "INT16",
    "COMPLEX64",
    "INT8",
    "FLOAT64",
    "COMPLEX128",
    "UINT64",
    "RESOURCE",
    "VARIANT",
    "UINT32",
    "UINT16",
    "INT4",
    "BFLOAT16",
};

constexpr std::array<std::string_view, 6> kActivations
    = { "NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT" };
constexpr std::array<std::string_view, 2> kPaddings = { "SAME", "VALID" };

// Enums only one options table uses.
constexpr std::string_view kLshTypes[] = { "UNKNOWN", "SPARSE", "DENSE" };
constexpr std::string_view kWeightsFormats[] = { "DEFAULT", "SHUFFLED4x16INT8" };
constexpr std::string_view kLstmKernels[] = { "FULL", "BASIC" };
constexpr std::string_view kCombiners[] = { "SUM", "MEAN", "SQRTN" };
constexpr std::string_view kMirrorPadModes[] = { "REFLECT", "SYMMETRIC" };

using K = FieldKind;

constexpr OptionField field(std::string_view name, FieldKind kind, double defaultValue = 0)
{
    return OptionField { name, kind, defaultValue, false, nullptr, 0 };
}
constexpr OptionField newer(std::string_view name, FieldKind kind, double defaultValue = 0)
{
    return OptionField { name, kind, defaultValue, true, nullptr, 0 };
}
template <std::size_t N> constexpr OptionField enumField(std::string_view name, const std::string_view (&names)[N])
{
    return OptionField { name, K::Enum, 0, false, names, static_cast<int>(N) };
}

constexpr OptionField kConv2D[] = { field("padding", K::Padding), field("stride_w", K::Int), field("stride_h", K::Int),
    field("fused_activation_function", K::Activation), field("dilation_w_factor", K::Int, 1),
    field("dilation_h_factor", K::Int, 1), newer("quantized_bias_type", K::TensorType) };
constexpr OptionField kDepthwiseConv2D[] = { field("padding", K::Padding), field("stride_w", K::Int),
    field("stride_h", K::Int), field("depth_multiplier", K::Int), field("fused_activation_function", K::Activation),
    field("dilation_w_factor", K::Int, 1), field("dilation_h_factor", K::Int, 1) };
constexpr OptionField kConcatEmbeddings[] = { field("num_channels", K::Int), field("num_columns_per_channel", K::Ints),
    field("embedding_dim_per_channel", K::Ints) };
constexpr OptionField kLshProjection[] = { enumField("type", kLshTypes) };
constexpr OptionField kPool2D[] = { field("padding", K::Padding), field("stride_w", K::Int), field("stride_h", K::Int),
    field("filter_width", K::Int), field("filter_height", K::Int), field("fused_activation_function", K::Activation) };
constexpr OptionField kSvdf[] = { field("rank", K::Int), field("fused_activation_function", K::Activation),
    newer("asymmetric_quantize_inputs", K::Bool) };
constexpr OptionField kRnn[]
    = { field("fused_activation_function", K::Activation), newer("asymmetric_quantize_inputs", K::Bool) };
constexpr OptionField kFullyConnected[] = { field("fused_activation_function", K::Activation),
    enumField("weights_format", kWeightsFormats), field("keep_num_dims", K::Bool),
    newer("asymmetric_quantize_inputs", K::Bool), newer("quantized_bias_type", K::TensorType) };
constexpr OptionField kSoftmax[] = { field("beta", K::Float) };
constexpr OptionField kConcatenation[] = { field("axis", K::Int), field("fused_activation_function", K::Activation) };
constexpr OptionField kAddSub[]
    = { field("fused_activation_function", K::Activation), newer("pot_scale_int16", K::Bool, 1) };
constexpr OptionField kActivationOnly[] = { field("fused_activation_function", K::Activation) };
constexpr OptionField kLrn[]
    = { field("radius", K::Int), field("bias", K::Float), field("alpha", K::Float), field("beta", K::Float) };
constexpr OptionField kLstm[]
    = { field("fused_activation_function", K::Activation), field("cell_clip", K::Float), field("proj_clip", K::Float),
          enumField("kernel_type", kLstmKernels), newer("asymmetric_quantize_inputs", K::Bool) };
constexpr OptionField kResize[] = { field("new_height", K::Deprecated), field("new_width", K::Deprecated),
    field("align_corners", K::Bool), field("half_pixel_centers", K::Bool) };
constexpr OptionField kCall[] = { field("subgraph", K::Subgraph) };
constexpr OptionField kReshape[] = { field("new_shape", K::Ints) };
constexpr OptionField kSkipGram[]
    = { field("ngram_size", K::Int), field("max_skip_size", K::Int), field("include_all_ngrams", K::Bool) };
constexpr OptionField kBlockSize[] = { field("block_size", K::Int) };
constexpr OptionField kEmbeddingLookupSparse[] = { enumField("combiner", kCombiners) };
constexpr OptionField kGather[] = { field("axis", K::Int), field("batch_dims", K::Int) };
constexpr OptionField kReducer[] = { field("keep_dims", K::Bool) };
constexpr OptionField kSqueeze[] = { field("squeeze_dims", K::Ints) };
constexpr OptionField kSequenceRnn[] = { field("time_major", K::Bool),
    field("fused_activation_function", K::Activation), newer("asymmetric_quantize_inputs", K::Bool) };
constexpr OptionField kStridedSlice[]
    = { field("begin_mask", K::Int), field("end_mask", K::Int), field("ellipsis_mask", K::Int),
          field("new_axis_mask", K::Int), field("shrink_axis_mask", K::Int), newer("offset", K::Bool) };
constexpr OptionField kSplit[] = { field("num_splits", K::Int) };
constexpr OptionField kCast[] = { field("in_data_type", K::TensorType), field("out_data_type", K::TensorType) };
constexpr OptionField kArgMinMax[] = { field("output_type", K::TensorType) };
constexpr OptionField kTransposeConv[]
    = { field("padding", K::Padding), field("stride_w", K::Int), field("stride_h", K::Int),
          field("fused_activation_function", K::Activation), newer("quantized_bias_type", K::TensorType) };
constexpr OptionField kSparseToDense[] = { field("validate_indices", K::Bool) };
constexpr OptionField kShape[] = { field("out_type", K::TensorType) };
constexpr OptionField kFakeQuant[]
    = { field("min", K::Float), field("max", K::Float), field("num_bits", K::Int), field("narrow_range", K::Bool) };
constexpr OptionField kPack[] = { field("values_count", K::Int), field("axis", K::Int) };
constexpr OptionField kAxis[] = { field("axis", K::Int) };
constexpr OptionField kUnpack[] = { field("num", K::Int), field("axis", K::Int) };
constexpr OptionField kBidirectionalLstm[] = { field("fused_activation_function", K::Activation),
    field("cell_clip", K::Float), field("proj_clip", K::Float), field("merge_outputs", K::Bool),
    field("time_major", K::Bool, 1), newer("asymmetric_quantize_inputs", K::Bool) };
constexpr OptionField kBidirectionalRnn[]
    = { field("time_major", K::Bool), field("fused_activation_function", K::Activation),
          field("merge_outputs", K::Bool), newer("asymmetric_quantize_inputs", K::Bool) };
constexpr OptionField kUnidirectionalLstm[] = { field("fused_activation_function", K::Activation),
    field("cell_clip", K::Float), field("proj_clip", K::Float), field("time_major", K::Bool),
    newer("asymmetric_quantize_inputs", K::Bool), newer("diagonal_recurrent_tensors", K::Bool) };
constexpr OptionField kResizeNearest[] = { field("align_corners", K::Bool), field("half_pixel_centers", K::Bool) };
constexpr OptionField kLeakyRelu[] = { field("alpha", K::Float) };
constexpr OptionField kMirrorPad[] = { enumField("mode", kMirrorPadModes) };
constexpr OptionField kUnique[] = { field("idx_out_type", K::TensorType, 2) };
constexpr OptionField kReverseSequence[] = { field("seq_dim", K::Int), field("batch_dim", K::Int) };
constexpr OptionField kIf[] = { field("then_subgraph_index", K::Subgraph), field("else_subgraph_index", K::Subgraph) };
constexpr OptionField kWhile[]
    = { field("cond_subgraph_index", K::Subgraph), field("body_subgraph_index", K::Subgraph) };
constexpr OptionField kBatchMatMul[]
    = { field("adj_x", K::Bool), field("adj_y", K::Bool), newer("asymmetric_quantize_inputs", K::Bool) };
constexpr OptionField kCumsum[] = { field("exclusive", K::Bool), field("reverse", K::Bool) };
constexpr OptionField kCallOnce[] = { field("init_subgraph_index", K::Subgraph) };
constexpr OptionField kConv3D[] = { field("padding", K::Padding), field("stride_d", K::Int), field("stride_w", K::Int),
    field("stride_h", K::Int), field("fused_activation_function", K::Activation), field("dilation_d_factor", K::Int, 1),
    field("dilation_w_factor", K::Int, 1), field("dilation_h_factor", K::Int, 1) };
constexpr OptionField kHashtable[]
    = { field("table_id", K::Int), field("key_dtype", K::TensorType), field("value_dtype", K::TensorType) };
constexpr OptionField kVarHandle[] = { field("container", K::String), field("shared_name", K::String) };
constexpr OptionField kRandom[] = { field("seed", K::Long), field("seed2", K::Long) };
constexpr OptionField kBucketize[] = { field("boundaries", K::Floats) };
constexpr OptionField kGelu[] = { field("approximate", K::Bool) };

template <std::size_t N> constexpr OptionsTable table(std::string_view name, const OptionField (&fields)[N])
{
    return OptionsTable { name, fields, static_cast<int>(N) };
}
constexpr OptionsTable empty(std::string_view name)
{
    return OptionsTable { name, nullptr, 0 };
}

// The BuiltinOptions union, in declaration order (union type 1 is the first).
constexpr OptionsTable kOptions[] = {
    table("Conv2DOptions", kConv2D),
    table("DepthwiseConv2DOptions", kDepthwiseConv2D),
    table("ConcatEmbeddingsOptions", kConcatEmbeddings),
    table("LSHProjectionOptions", kLshProjection),
    table("Pool2DOptions", kPool2D),
    table("SVDFOptions", kSvdf),
    table("RNNOptions", kRnn),
    table("FullyConnectedOptions", kFullyConnected),
    table("SoftmaxOptions", kSoftmax),
    table("ConcatenationOptions", kConcatenation),
    table("AddOptions", kAddSub),
    table("L2NormOptions", kActivationOnly),
    table("LocalResponseNormalizationOptions", kLrn),
    table("LSTMOptions", kLstm),
    table("ResizeBilinearOptions", kResize),
    table("CallOptions", kCall),
    table("ReshapeOptions", kReshape),
    table("SkipGramOptions", kSkipGram),
    table("SpaceToDepthOptions", kBlockSize),
    table("EmbeddingLookupSparseOptions", kEmbeddingLookupSparse),
    table("MulOptions", kActivationOnly),
    empty("PadOptions"),
    table("GatherOptions", kGather),
    empty("BatchToSpaceNDOptions"),
    empty("SpaceToBatchNDOptions"),
    empty("TransposeOptions"),
    table("ReducerOptions", kReducer),
    table("SubOptions", kAddSub),
    table("DivOptions", kActivationOnly),
    table("SqueezeOptions", kSqueeze),
    table("SequenceRNNOptions", kSequenceRnn),
    table("StridedSliceOptions", kStridedSlice),
    empty("ExpOptions"),
    empty("TopKV2Options"),
    table("SplitOptions", kSplit),
    empty("LogSoftmaxOptions"),
    table("CastOptions", kCast),
    empty("DequantizeOptions"),
    empty("MaximumMinimumOptions"),
    table("ArgMaxOptions", kArgMinMax),
    empty("LessOptions"),
    empty("NegOptions"),
    empty("PadV2Options"),
    empty("GreaterOptions"),
    empty("GreaterEqualOptions"),
    empty("LessEqualOptions"),
    empty("SelectOptions"),
    empty("SliceOptions"),
    table("TransposeConvOptions", kTransposeConv),
    table("SparseToDenseOptions", kSparseToDense),
    empty("TileOptions"),
    empty("ExpandDimsOptions"),
    empty("EqualOptions"),
    empty("NotEqualOptions"),
    table("ShapeOptions", kShape),
    empty("PowOptions"),
    table("ArgMinOptions", kArgMinMax),
    table("FakeQuantOptions", kFakeQuant),
    table("PackOptions", kPack),
    empty("LogicalOrOptions"),
    table("OneHotOptions", kAxis),
    empty("LogicalAndOptions"),
    empty("LogicalNotOptions"),
    table("UnpackOptions", kUnpack),
    empty("FloorDivOptions"),
    empty("SquareOptions"),
    empty("ZerosLikeOptions"),
    empty("FillOptions"),
    table("BidirectionalSequenceLSTMOptions", kBidirectionalLstm),
    table("BidirectionalSequenceRNNOptions", kBidirectionalRnn),
    table("UnidirectionalSequenceLSTMOptions", kUnidirectionalLstm),
    empty("FloorModOptions"),
    empty("RangeOptions"),
    table("ResizeNearestNeighborOptions", kResizeNearest),
    table("LeakyReluOptions", kLeakyRelu),
    empty("SquaredDifferenceOptions"),
    table("MirrorPadOptions", kMirrorPad),
    empty("AbsOptions"),
    table("SplitVOptions", kSplit),
    table("UniqueOptions", kUnique),
    empty("ReverseV2Options"),
    empty("AddNOptions"),
    empty("GatherNdOptions"),
    empty("CosOptions"),
    empty("WhereOptions"),
    empty("RankOptions"),
    table("ReverseSequenceOptions", kReverseSequence),
    empty("MatrixDiagOptions"),
    empty("QuantizeOptions"),
    empty("MatrixSetDiagOptions"),
    empty("HardSwishOptions"),
    table("IfOptions", kIf),
    table("WhileOptions", kWhile),
    table("DepthToSpaceOptions", kBlockSize),
    empty("NonMaxSuppressionV4Options"),
    empty("NonMaxSuppressionV5Options"),
    empty("ScatterNdOptions"),
    empty("SelectV2Options"),
    empty("DensifyOptions"),
    empty("SegmentSumOptions"),
    table("BatchMatMulOptions", kBatchMatMul),
    table("CumsumOptions", kCumsum),
    table("CallOnceOptions", kCallOnce),
    empty("BroadcastToOptions"),
    empty("Rfft2dOptions"),
    table("Conv3DOptions", kConv3D),
    table("HashtableOptions", kHashtable),
    empty("HashtableFindOptions"),
    empty("HashtableImportOptions"),
    empty("HashtableSizeOptions"),
    table("VarHandleOptions", kVarHandle),
    empty("ReadVariableOptions"),
    empty("AssignVariableOptions"),
    table("RandomOptions", kRandom),
    table("BucketizeOptions", kBucketize),
    table("GeluOptions", kGelu),
    empty("DynamicUpdateSliceOptions"),
    empty("UnsortedSegmentProdOptions"),
    empty("UnsortedSegmentMaxOptions"),
    empty("UnsortedSegmentMinOptions"),
    empty("UnsortedSegmentSumOptions"),
    empty("ATan2Options"),
    empty("SignOptions"),
    empty("BitcastOptions"),
    empty("BitwiseXorOptions"),
    empty("RightShiftOptions"),
};

} // namespace

std::optional<DataType> dataType(int tensorType)
{
    switch (tensorType) {
    case 0:
        return DataType::Float;
    case 1:
        return DataType::Float16;
    case 2:
        return DataType::Int32;
    case 3:
        return DataType::UInt8;
    case 4:
        return DataType::Int64;
    case 5:
        return DataType::String;
    case 6:
        return DataType::Bool;
    case 7:
        return DataType::Int16;
    case 8:
        return DataType::Complex64;
    case 9:
        return DataType::Int8;
    case 10:
        return DataType::Double;
    case 11:
        return DataType::Complex128;
    case 12:
        return DataType::UInt64;
    case 15:
        return DataType::UInt32;
    case 16:
        return DataType::UInt16;
    case 17:
        return DataType::Int4;
    case 18:
        return DataType::BFloat16;
    default:
        return std::nullopt; // RESOURCE, VARIANT, unknown
    }
}

std::string_view tensorTypeName(int tensorType)
{
    return tensorType >= 0 && tensorType < static_cast<int>(kTensorTypes.size()) ? kTensorTypes[tensorType]
                                                                                 : std::string_view();
}

std::string_view builtinOperatorName(int code)
{
    if (code >= 0 && code < static_cast<int>(kOperators.size()))
        return kOperators[code];
    if (code == 225)
        return "TEMP_STREAMING_CONV_2D";
    return {};
}

std::string opTypeName(int code)
{
    // Names the word-by-word rule gets wrong.
    static constexpr std::pair<std::string_view, std::string_view> kSpecial[] = {
        { "TOPK_V2", "TopKV2" },
        { "BATCH_MATMUL", "BatchMatMul" },
        { "PADV2", "PadV2" },
        { "RFFT2D", "RFFT2D" },
        { "PRELU", "PRelu" },
    };
    // Acronyms kept in capitals wherever they appear.
    static constexpr std::string_view kAcronyms[] = { "LSTM", "RNN", "SVDF", "ND", "LSH" };
    const std::string_view schema = builtinOperatorName(code);
    if (schema.empty())
        return "BuiltinOperator" + std::to_string(code);
    for (const auto& [from, to] : kSpecial)
        if (schema == from)
            return std::string(to);
    // CONV_2D -> Conv2D, RELU_N1_TO_1 -> ReluN1To1: each word capitalised,
    // words that start with a digit ("2D", "3D") kept as they are.
    std::string out;
    std::size_t begin = 0;
    while (begin <= schema.size()) {
        std::size_t end = schema.find('_', begin);
        if (end == std::string_view::npos)
            end = schema.size();
        const std::string_view word = schema.substr(begin, end - begin);
        const bool keep = !word.empty()
            && (std::isdigit(static_cast<unsigned char>(word[0])) != 0
                || std::find(std::begin(kAcronyms), std::end(kAcronyms), word) != std::end(kAcronyms));
        for (std::size_t k = 0; k < word.size(); ++k)
            out += keep || k == 0 ? word[k] : static_cast<char>(std::tolower(static_cast<unsigned char>(word[k])));
        begin = end + 1;
    }
    return out;
}

std::string_view activationName(int value)
{
    return value >= 0 && value < static_cast<int>(kActivations.size()) ? kActivations[value] : std::string_view();
}

std::string_view paddingName(int value)
{
    return value >= 0 && value < static_cast<int>(kPaddings.size()) ? kPaddings[value] : std::string_view();
}

const OptionsTable* builtinOptions(int unionType)
{
    constexpr int count = static_cast<int>(std::size(kOptions));
    return unionType >= 1 && unionType <= count ? &kOptions[unionType - 1] : nullptr;
}

} // namespace nodus::tflite
