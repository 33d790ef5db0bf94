#include "mslite_schema.h"

#include <array>

namespace nodus::mslite {

namespace {

// The PrimitiveType unions, in declaration order (union value = index + 1).
constexpr std::string_view kOpNames[] = {
    "Abs",
    "Activation",
    "ActivationGrad",
    "Adam",
    "AddFusion",
    "AdderFusion",
    "AddGrad",
    "AddN",
    "All",
    "ApplyMomentum",
    "ArgMaxFusion",
    "ArgMinFusion",
    "Assert",
    "Assign",
    "AssignAdd",
    "AudioSpectrogram",
    "AvgPoolFusion",
    "AvgPoolGrad",
    "BatchNorm",
    "BatchNormGrad",
    "BatchToSpace",
    "BatchToSpaceND",
    "BiasAdd",
    "BinaryCrossEntropy",
    "BinaryCrossEntropyGrad",
    "BiasAddGrad",
    "BroadcastTo",
    "Cast",
    "Ceil",
    "Clip",
    "Concat",
    "Attention",
    "Conv2DBackpropFilterFusion",
    "Conv2DBackpropInputFusion",
    "Conv2DFusion",
    "Conv2dTransposeFusion",
    "Cos",
    "ConstantOfShape",
    "Crop",
    "CustomExtractFeatures",
    "CustomNormalize",
    "CustomPredict",
    "DeConv2DGradFilter",
    "Depend",
    "DepthToSpace",
    "DetectionPostProcess",
    "DivFusion",
    "DivGrad",
    "Dropout",
    "DropoutGrad",
    "Elu",
    "Eltwise",
    "Equal",
    "EmbeddingLookupFusion",
    "ExpFusion",
    "ExpandDims",
    "FakeQuantWithMinMaxVars",
    "FakeQuantWithMinMaxVarsPerChannel",
    "FftReal",
    "FftImag",
    "Flatten",
    "FlattenGrad",
    "Floor",
    "FloorDiv",
    "FloorMod",
    "Fill",
    "FullConnection",
    "FusedBatchNorm",
    "Gather",
    "GatherNd",
    "Greater",
    "GreaterEqual",
    "HashtableLookup",
    "InstanceNorm",
    "LayerNormFusion",
    "LeakyRelu",
    "Less",
    "LessEqual",
    "Log",
    "LogGrad",
    "LogicalAnd",
    "LogicalNot",
    "LogicalOr",
    "LpNormalization",
    "LRN",
    "LshProjection",
    "LSTM",
    "L2NormalizeFusion",
    "MatMulFusion",
    "Maximum",
    "MaximumGrad",
    "MaxPoolFusion",
    "MaxPoolGrad",
    "SwitchLayer",
    "Mfcc",
    "Minimum",
    "MinimumGrad",
    "Mod",
    "MulFusion",
    "MulGrad",
    "Neg",
    "NegGrad",
    "NotEqual",
    "NonMaxSuppression",
    "OneHot",
    "OnesLike",
    "PadFusion",
    "PartialFusion",
    "PowerGrad",
    "PowFusion",
    "PriorBox",
    "PReLUFusion",
    "QuantDTypeCast",
    "Rank",
    "Range",
    "Reciprocal",
    "RealDiv",
    "ReduceFusion",
    "Reshape",
    "Resize",
    "ReverseSequence",
    "ReverseV2",
    "Rfft",
    "ROIPooling",
    "Round",
    "Rsqrt",
    "ScaleFusion",
    "ScatterNd",
    "SGD",
    "Shape",
    "SigmoidCrossEntropyWithLogits",
    "SigmoidCrossEntropyWithLogitsGrad",
    "Sin",
    "SkipGram",
    "SliceFusion",
    "SmoothL1Loss",
    "SmoothL1LossGrad",
    "Softmax",
    "SoftmaxCrossEntropyWithLogits",
    "SpaceToBatch",
    "SpaceToBatchND",
    "SpaceToDepth",
    "SparseSoftmaxCrossEntropyWithLogits",
    "SparseToDense",
    "Split",
    "Sqrt",
    "Squeeze",
    "Square",
    "SquaredDifference",
    "Stack",
    "StridedSlice",
    "SubFusion",
    "SubGrad",
    "Switch",
    "TensorListFromTensor",
    "TensorListGetItem",
    "TensorListReserve",
    "TensorListSetItem",
    "TensorListStack",
    "TileFusion",
    "TopKFusion",
    "Transpose",
    "Unique",
    "UnsortedSegmentSum",
    "Unsqueeze",
    "Unstack",
    "LSTMGrad",
    "Where",
    "ZerosLike",
    "Select",
    "ScatterNdUpdate",
    "GRU",
    "NonZero",
    "InvertPermutation",
    "Size",
    "RandomStandardNormal",
    "CropAndResize",
    "Erf",
    "StridedSliceGrad",
    "IsFinite",
    "LinSpace",
    "UniformReal",
    "AbsGrad",
    "RsqrtGrad",
    "SqrtGrad",
    "LayerNormGrad",
    "ResizeGrad",
    "Splice",
    "LogSoftmax",
    "Call",
    "Custom",
    "CumSum",
    "SplitWithOverlap",
    "GenOP",
    "RaggedRange",
    "GLU",
    "TensorArray",
    "TensorArrayRead",
    "TensorArrayWrite",
    "Affine",
    "AllGather",
    "ReduceScatter",
    "DynamicQuant",
    "LSTMGradData",
    "LSTMGradWeight",
    "RandomNormal",
    "NLLLoss",
    "NLLLossGrad",
    "FormatTranspose",
    "GatherD",
    "GroupNormFusion",
    "Log1p",
    "TensorScatterAdd",
    "ScatterElements",
    "Triu",
    "Tril",
};

constexpr std::string_view kOpNamesV0[] = {
    "Concat",
    "SoftMax",
    "Activation",
    "Conv2D",
    "FusedBatchNorm",
    "BatchNorm",
    "BiasAdd",
    "Pooling",
    "ROIPooling",
    "DepthwiseConv2D",
    "DeDepthwiseConv2D",
    "Resize",
    "DetectionPostProcess",
    "FullConnection",
    "Mean",
    "DeConv2D",
    "Scale",
    "Reshape",
    "Eltwise",
    "NetOutput",
    "Add",
    "Sub",
    "MatMul",
    "StridedSlice",
    "Power",
    "Slice",
    "Stack",
    "Mul",
    "RealDiv",
    "Pad",
    "Maximum",
    "Minimum",
    "PReLU",
    "LeakyReLU",
    "ArgMax",
    "ArgMin",
    "Exp",
    "Crop",
    "Range",
    "Rsqrt",
    "ExpandDims",
    "Tile",
    "Cast",
    "Shape",
    "Nchw2Nhwc",
    "Nhwc2Nchw",
    "QuantDTypeCast",
    "Split",
    "Permute",
    "FakeQuantWithMinMaxVars",
    "Equal",
    "Less",
    "Greater",
    "NotEqual",
    "LessEqual",
    "GreaterEqual",
    "Min",
    "Floor",
    "Abs",
    "Neg",
    "Cos",
    "Sin",
    "Sqrt",
    "Square",
    "Constant",
    "Log",
    "Tan",
    "Atan",
    "Asin",
    "Clip",
    "Transpose",
    "Squeeze",
    "Unsqueeze",
    "Upsample",
    "Dropout",
    "Broadcast",
    "BroadcastTo",
    "Lrn",
    "ZerosLike",
    "TopK",
    "SpaceToDepth",
    "SpaceToBatch",
    "SparseToDense",
    "ReverseSequence",
    "Rank",
    "Gather",
    "GatherNd",
    "Fill",
    "Elu",
    "DepthToSpace",
    "BatchToSpace",
    "AddN",
    "Ceil",
    "EmbeddingLookup",
    "EmbeddingLookupSparse",
    "FloorDiv",
    "FloorMod",
    "L2Norm",
    "LocalResponseNormalization",
    "MatrixDiag",
    "Reduce",
    "Reverse",
    "Round",
    "Select",
    "Scatter",
    "ScatterND",
    "ConstantOfShape",
    "Unique",
    "Unstack",
    "LogicalAnd",
    "LogicalOr",
    "LogicalXor",
    "LogicalNot",
    "OnnxInt8Quantize",
    "OnnxInt8Dequantize",
    "FakeQuantWithMinMax",
    "FakeQuantWithMinMaxPerChannel",
    "BatchNormFold",
    "MulFold",
    "AddFold",
    "SquaredDifference",
    "Flatten",
    "FlattenGrad",
    "TupleGetItem",
    "Div",
    "Where",
    "OneHot",
    "Lstm",
    "Conv2DGradFilter",
    "Conv2DGradInput",
    "PoolingGrad",
    "BNGrad",
    "Assign",
    "ApplyMomentum",
    "BiasGrad",
    "SoftmaxCrossEntropy",
    "AddGrad",
    "SubGrad",
    "MulGrad",
    "DivGrad",
    "PowerGrad",
    "ActivationGrad",
    "PriorBox",
    "SpaceToBatchND",
    "Depend",
    "Return",
    "MakeTuple",
    "ToFormat",
    "Proposal",
    "Custom",
    "BlackBox",
    "NegGrad",
    "LogGrad",
    "BatchToSpaceND",
    "LshProjection",
    "HashtableLookup",
    "SkipGram",
    "DeConv2DGradFilter",
    "CustomPredict",
    "CustomNormalize",
    "CustomExtractFeatures",
    "AudioSpectrogram",
    "Mfcc",
    "Rfft",
    "FftReal",
    "FftImag",
    "Sgd",
    "Adam",
    "GroupConv2DGradInput",
    "Loop",
    "NonMaxSuppression",
    "InstanceNorm",
    "Identity",
    "LayerNorm",
    "While",
    "ControlDepend",
    "UnsortedSegmentSum",
    "AssignAdd",
    "OnesLike",
    "BinaryCrossEntropyGrad",
    "BinaryCrossEntropy",
    "LpNormalization",
    "DropoutGrad",
    "MaximumGrad",
    "MinimumGrad",
    "Switch",
    "Partial",
    "TensorListFromTensor",
    "TensorListStack",
    "TensorListGetItem",
    "TensorListSetItem",
    "TensorListReserve",
    "All",
    "Assert",
    "Adder",
    "SparseSoftmaxCrossEntropy",
    "SmoothL1Loss",
    "SmoothL1LossGrad",
    "SigmoidCrossEntropyWithLogits",
    "SigmoidCrossEntropyWithLogitsGrad",
    "Reciprocal",
    "Merge",
    "Mod",
    "GeLU",
};

constexpr std::string_view kActivation[] = { "NO_ACTIVATION", "RELU", "SIGMOID", "RELU6", "ELU", "LEAKY_RELU", "ABS",
    "RELU1", "SOFTSIGN", "SOFTPLUS", "TANH", "SELU", "HSWISH", "HSIGMOID", "THRESHOLDRELU", "LINEAR", "HARD_TANH",
    "SIGN", "SWISH", "GELU", "UNKNOWN" };
constexpr std::string_view kPadMode[] = { "PAD", "SAME", "VALID" };
constexpr std::string_view kRoundMode[] = { "FLOOR", "CEIL" };
constexpr std::string_view kReduceMode[] = { "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceSum",
    "ReduceSumSquare", "ReduceASum", "ReduceAll" };
constexpr std::string_view kEltwiseMode[] = { "PROD", "SUM", "MAXIMUM", "UNKNOWN" };
constexpr std::string_view kResizeMethod[] = { "UNKNOWN", "LINEAR", "NEAREST", "CUBIC" }; // from -1
constexpr std::string_view kCoordinateMode[] = { "ASYMMETRIC", "ALIGN_CORNERS", "HALF_PIXEL" };
constexpr std::string_view kNearestMode[] = { "NORMAL", "ROUND_HALF_DOWN", "ROUND_HALF_UP", "FLOOR", "CEIL" };
constexpr std::string_view kPaddingMode[] = { "CONSTANT", "REFLECT", "SYMMETRIC", "MODE_RESERVED" };
constexpr std::string_view kReduction[] = { "REDUCTION_SUM", "MEAN", "NONE" };
constexpr std::string_view kFormats[] = { "NCHW", "NHWC", "NHWC4", "HWKC", "HWCK", "KCHW", "CKHW", "KHWC", "CHWK", "HW",
    "HW4", "NC", "NC4", "NC4HW4", "NUM_OF_FORMAT", "NCDHW" };

using K = FieldKind;

constexpr OptionField act(double def = 0)
{
    return { "activation_type", K::ByteEnum, def, kActivation };
}
constexpr OptionField padMode { "pad_mode", K::ByteEnum, 0, kPadMode };
constexpr OptionField format { "format", K::Format };

constexpr OptionField fActivation[]
    = { act(), { "alpha", K::Float }, { "min_val", K::Float }, { "max_val", K::Float }, { "approximate", K::Bool } };
constexpr OptionField fActivationOnly[] = { act() };
constexpr OptionField fArgMax[]
    = { { "axis", K::Long }, { "top_k", K::Long, 1 }, { "keep_dims", K::Bool }, { "out_max_value", K::Bool } };
constexpr OptionField fArgMin[]
    = { { "axis", K::Long }, { "top_k", K::Long }, { "keep_dims", K::Bool }, { "out_max_value", K::Bool } };
constexpr OptionField fPool[] = { { "kernel_size", K::Longs }, { "strides", K::Longs }, { "pad", K::Longs }, padMode,
    { "round_mode", K::ByteEnum, 0, kRoundMode }, format, { "global", K::Bool }, act() };
constexpr OptionField fPoolGrad[] = { { "kernel_size", K::Longs }, { "strides", K::Longs }, padMode, format };
constexpr OptionField fBatchNorm[] = { { "epsilon", K::Float }, format, { "is_training", K::Bool } };
constexpr OptionField fBatchNormGrad[] = { { "epsilon", K::Float }, { "is_training", K::Bool } };
constexpr OptionField fFormat[] = { format };
constexpr OptionField fClip[] = { { "max", K::Float }, { "min", K::Float } };
constexpr OptionField fAxis[] = { { "axis", K::Long } };
constexpr OptionField fAxes[] = { { "axis", K::Longs } };
constexpr OptionField fConv[] = { format, { "kernel_size", K::Longs }, { "stride", K::Longs }, { "dilation", K::Longs },
    padMode, { "pad_list", K::Longs }, { "mode", K::Long }, { "group", K::Long }, { "in_channel", K::Long },
    { "out_channel", K::Long }, act() };
constexpr OptionField fConvBackpropInput[] = { format, { "kernel_size", K::Longs }, { "stride", K::Longs },
    { "dilation", K::Longs }, padMode, { "pad", K::Longs }, { "pad_list", K::Longs }, { "mode", K::Long },
    { "group", K::Long }, { "in_channel", K::Long }, { "out_channel", K::Long }, act() };
constexpr OptionField fConvTranspose[]
    = { format, { "kernel_size", K::Longs }, { "stride", K::Longs }, { "dilation", K::Longs }, padMode,
          { "pad", K::Longs }, { "pad_list", K::Longs }, { "mode", K::Long }, { "group", K::Long },
          { "in_channel", K::Long }, { "out_channel", K::Long }, act(), { "output_paddings", K::Longs } };
constexpr OptionField fDropout[] = { { "keep_prob", K::Float, 0.5 } };
constexpr OptionField fDropoutGrad[] = { { "keep_prob", K::Float } };
constexpr OptionField fAlpha[] = { { "alpha", K::Float } };
constexpr OptionField fEltwise[] = { { "mode", K::ByteEnum, 0, kEltwiseMode } };
constexpr OptionField fExp[] = { { "base", K::Float, -1 }, { "scale", K::Float, 1 }, { "shift", K::Float } };
constexpr OptionField fFlatten[] = { { "axis", K::Long, 1 } };
constexpr OptionField fFullConnection[]
    = { { "has_bias", K::Bool }, { "use_axis", K::Bool }, { "axis", K::Long }, act() };
constexpr OptionField fFusedBatchNorm[]
    = { { "epsilon", K::Float, 0.0001 }, { "momentum", K::Float, 0.9 }, { "mode", K::Long } };
constexpr OptionField fEpsilon[] = { { "epsilon", K::Float } };
constexpr OptionField fLayerNorm[] = { { "begin_norm_axis", K::Long }, { "epsilon", K::Float, 0.00001 },
    { "elementwise_affine", K::Bool }, { "begin_params_axis", K::Long } };
constexpr OptionField fLeakyRelu[] = { { "negative_slope", K::Float } };
constexpr OptionField fLrn[] = { { "depth_radius", K::Long }, { "bias", K::Float }, { "alpha", K::Float },
    { "beta", K::Float }, { "norm_region", K::String } };
constexpr OptionField fLstm[] = { { "bidirectional", K::Bool }, { "has_bias", K::Bool }, { "input_size", K::Long },
    { "hidden_size", K::Long }, { "num_layers", K::Long }, { "num_directions", K::Long }, { "dropout", K::Float },
    { "zoneout_cell", K::Float }, { "zoneout_hidden", K::Float } };
constexpr OptionField fL2Normalize[] = { { "axis", K::Longs }, { "epsilon", K::Float }, act() };
constexpr OptionField fMatMul[] = { { "transpose_a", K::Bool }, { "transpose_b", K::Bool }, act() };
constexpr OptionField fPad[]
    = { { "paddings", K::Vec2D }, { "padding_mode", K::ByteEnum, 0, kPaddingMode }, { "constant_value", K::Float } };
constexpr OptionField fPartial[] = { { "sub_graph_index", K::Long } };
constexpr OptionField fPow[] = { { "scale", K::Float, 1 }, { "shift", K::Float } };
constexpr OptionField fPRelu[] = { { "channel_shared", K::Bool } };
constexpr OptionField fQuantCast[] = { { "src_t", K::Long }, { "dst_t", K::Long }, { "axis", K::Long } };
constexpr OptionField fReduce[] = { { "keep_dims", K::Bool }, { "mode", K::ByteEnum, 0, kReduceMode },
    { "reduce_to_end", K::Bool }, { "coeff", K::Float } };
constexpr OptionField fResize[]
    = { format, { "method", K::ByteEnum, 0, kResizeMethod, -1 }, { "new_height", K::Long }, { "new_width", K::Long },
          { "preserve_aspect_ratio", K::Bool }, { "coordinate_transform_mode", K::ByteEnum, 0, kCoordinateMode },
          { "cubic_coeff", K::Float }, { "exclude_outside", K::Long }, { "extrapolation_value", K::Float },
          { "nearest_mode", K::ByteEnum, 0, kNearestMode } };
constexpr OptionField fScale[] = { { "axis", K::Long }, act() };
constexpr OptionField fSlice[] = { { "axes", K::Longs } };
constexpr OptionField fSplit[] = { { "output_num", K::Long }, { "size_splits", K::Longs }, { "axis", K::Long } };
constexpr OptionField fStridedSlice[] = { { "begin_mask", K::Long }, { "end_mask", K::Long },
    { "ellipsis_mask", K::Long }, { "new_axis_mask", K::Long }, { "shrink_axis_mask", K::Long } };
constexpr OptionField fTile[] = { { "dims", K::Longs } };
constexpr OptionField fTopK[] = { { "sorted", K::Bool, 1 }, { "axis", K::Long }, { "largest", K::Long } };
constexpr OptionField fCrop[] = { { "axis", K::Long }, { "offsets", K::Longs } };
constexpr OptionField fDepthToSpace[] = { { "block_size", K::Long }, format, { "mode", K::String } };
constexpr OptionField fSpaceToDepth[] = { { "block_size", K::Long }, format };
constexpr OptionField fRange[]
    = { { "d_type", K::Long }, { "start", K::Long }, { "limit", K::Long }, { "delta", K::Long, 1 } };
constexpr OptionField fConstantOfShape[] = { { "data_type", K::Long }, { "value", K::Floats } };
constexpr OptionField fCall[] = { { "is_tail_call", K::Bool, 1 } };
constexpr OptionField fCumSum[] = { { "exclusive", K::Bool }, { "reverse", K::Bool } };
constexpr OptionField fGlu[] = { { "axis", K::Long, -1 } };
constexpr OptionField fBroadcastTo[] = { { "shape", K::Longs } };
constexpr OptionField fBeta[] = { { "beta", K::Float } };
constexpr OptionField fSgd[] = { { "nesterov", K::Bool }, { "dampening", K::Float }, { "weight_decay", K::Float } };
constexpr OptionField fAdam[] = { { "use_locking", K::Bool }, { "use_nesterov", K::Bool } };
constexpr OptionField fMomentum[]
    = { { "use_nesterov", K::Bool }, { "use_locking", K::Bool }, { "gradient_scale", K::Float } };
constexpr OptionField fActivationGrad[] = { act(), { "alpha", K::Float } };
constexpr OptionField fReduction[] = { { "reduction", K::ByteEnum, 0, kReduction } };
constexpr OptionField fReductionMean[] = { { "reduction", K::ByteEnum, 1, kReduction } };
constexpr OptionField fIsGrad[] = { { "is_grad", K::Bool } };
constexpr OptionField fFormatTranspose[] = { { "src_format", K::Format, 1 }, { "dst_format", K::Format, 1 } };
constexpr OptionField fGroupNorm[]
    = { { "num_groups", K::Long }, { "epsilon", K::Float, 0.00001 }, { "affine", K::Bool, 1 } };
constexpr OptionField fAttention[] = { { "head_num", K::Long }, { "head_size", K::Long }, { "cross", K::Bool } };
constexpr OptionField fDynamicQuant[] = { { "symmetric", K::Bool }, { "dst_type", K::Long, 32 } };
constexpr OptionField fSpaceToBatch[] = { { "block_size", K::Longs }, { "paddings", K::Vec2D } };
constexpr OptionField fSpaceToBatchNd[] = { { "block_shape", K::Longs }, { "paddings", K::Vec2D } };
constexpr OptionField fBatchToSpace[] = { { "block_size", K::Longs }, { "crops", K::Vec2D } };
constexpr OptionField fBatchToSpaceNd[] = { { "block_shape", K::Longs }, { "crops", K::Vec2D } };
constexpr OptionField fGru[] = { { "bidirectional", K::Bool } };
constexpr OptionField fLogSoftmax[] = { { "axis", K::Long } };
constexpr OptionField fUnstack[] = { { "axis", K::Long } };
constexpr OptionField fAll[] = { { "keep_dims", K::Long } };

constexpr OptionTable kTables[] = {
    { "Activation", fActivation },
    { "ActivationGrad", fActivationGrad },
    { "Adam", fAdam },
    { "AddFusion", fActivationOnly },
    { "All", fAll },
    { "ApplyMomentum", fMomentum },
    { "ArgMaxFusion", fArgMax },
    { "ArgMinFusion", fArgMin },
    { "Attention", fAttention },
    { "AvgPoolFusion", fPool },
    { "AvgPoolGrad", fPoolGrad },
    { "BatchNorm", fBatchNorm },
    { "BatchNormGrad", fBatchNormGrad },
    { "BatchToSpace", fBatchToSpace },
    { "BatchToSpaceND", fBatchToSpaceNd },
    { "BiasAdd", fFormat },
    { "BinaryCrossEntropy", fReduction },
    { "BinaryCrossEntropyGrad", fReductionMean },
    { "BroadcastTo", fBroadcastTo },
    { "Call", fCall },
    { "Clip", fClip },
    { "Concat", fAxis },
    { "ConstantOfShape", fConstantOfShape },
    { "Conv2DBackpropFilterFusion", fConv },
    { "Conv2DBackpropInputFusion", fConvBackpropInput },
    { "Conv2DFusion", fConv },
    { "Conv2dTransposeFusion", fConvTranspose },
    { "Crop", fCrop },
    { "CumSum", fCumSum },
    { "DepthToSpace", fDepthToSpace },
    { "DivFusion", fActivationOnly },
    { "Dropout", fDropout },
    { "DropoutGrad", fDropoutGrad },
    { "DynamicQuant", fDynamicQuant },
    { "Elu", fAlpha },
    { "Eltwise", fEltwise },
    { "ExpFusion", fExp },
    { "Flatten", fFlatten },
    { "FormatTranspose", fFormatTranspose },
    { "FullConnection", fFullConnection },
    { "FusedBatchNorm", fFusedBatchNorm },
    { "GLU", fGlu },
    { "GroupNormFusion", fGroupNorm },
    { "GRU", fGru },
    { "InstanceNorm", fEpsilon },
    { "L2NormalizeFusion", fL2Normalize },
    { "LayerNormFusion", fLayerNorm },
    { "LeakyRelu", fLeakyRelu },
    { "LogSoftmax", fLogSoftmax },
    { "LRN", fLrn },
    { "LSTM", fLstm },
    { "LSTMGrad", fLstm },
    { "MatMulFusion", fMatMul },
    { "MaxPoolFusion", fPool },
    { "MaxPoolGrad", fPoolGrad },
    { "MulFusion", fActivationOnly },
    { "OneHot", fAxis },
    { "PadFusion", fPad },
    { "PartialFusion", fPartial },
    { "PowFusion", fPow },
    { "PReLUFusion", fPRelu },
    { "QuantDTypeCast", fQuantCast },
    { "Range", fRange },
    { "ReduceFusion", fReduce },
    { "Resize", fResize },
    { "ScaleFusion", fScale },
    { "SGD", fSgd },
    { "SliceFusion", fSlice },
    { "SmoothL1Loss", fBeta },
    { "SmoothL1LossGrad", fBeta },
    { "Softmax", fAxes },
    { "SpaceToBatch", fSpaceToBatch },
    { "SpaceToBatchND", fSpaceToBatchNd },
    { "SpaceToDepth", fSpaceToDepth },
    { "SparseSoftmaxCrossEntropyWithLogits", fIsGrad },
    { "Split", fSplit },
    { "Squeeze", fAxes },
    { "Stack", fAxis },
    { "StridedSlice", fStridedSlice },
    { "SubFusion", fActivationOnly },
    { "TileFusion", fTile },
    { "TopKFusion", fTopK },
    { "Unsqueeze", fAxes },
    { "Unstack", fUnstack },
};

} // namespace

std::string_view opName(int unionType, bool v0)
{
    const std::span<const std::string_view> names
        = v0 ? std::span<const std::string_view>(kOpNamesV0) : std::span<const std::string_view>(kOpNames);
    if (unionType < 1 || static_cast<std::size_t>(unionType) > names.size())
        return {};
    return names[static_cast<std::size_t>(unionType) - 1];
}

std::optional<DataType> dataType(int typeId)
{
    switch (typeId) {
    case 30:
        return DataType::Bool;
    case 31:
        return DataType::Int32; // kNumberTypeInt: Lite stores it as 32-bit
    case 32:
        return DataType::Int8;
    case 33:
        return DataType::Int16;
    case 34:
        return DataType::Int32;
    case 35:
        return DataType::Int64;
    case 36:
        return DataType::UInt32; // kNumberTypeUInt
    case 37:
        return DataType::UInt8;
    case 38:
        return DataType::UInt16;
    case 39:
        return DataType::UInt32;
    case 40:
        return DataType::UInt64;
    case 41:
        return DataType::Float; // kNumberTypeFloat
    case 42:
        return DataType::Float16;
    case 43:
        return DataType::Float;
    case 44:
        return DataType::Double;
    default:
        return std::nullopt;
    }
}

std::string_view typeIdName(int typeId)
{
    switch (typeId) {
    case 0:
        return "kTypeUnknown";
    case 12:
        return "kObjectTypeString";
    case 13:
        return "kObjectTypeList";
    case 14:
        return "kObjectTypeTuple";
    case 17:
        return "kObjectTypeTensorType";
    case 30:
        return "kNumberTypeBool";
    case 31:
        return "kNumberTypeInt";
    case 32:
        return "kNumberTypeInt8";
    case 33:
        return "kNumberTypeInt16";
    case 34:
        return "kNumberTypeInt32";
    case 35:
        return "kNumberTypeInt64";
    case 36:
        return "kNumberTypeUInt";
    case 37:
        return "kNumberTypeUInt8";
    case 38:
        return "kNumberTypeUInt16";
    case 39:
        return "kNumberTypeUInt32";
    case 40:
        return "kNumberTypeUInt64";
    case 41:
        return "kNumberTypeFloat";
    case 42:
        return "kNumberTypeFloat16";
    case 43:
        return "kNumberTypeFloat32";
    case 44:
        return "kNumberTypeFloat64";
    default:
        return {};
    }
}

std::string_view formatName(int format)
{
    if (format >= 0 && static_cast<std::size_t>(format) < std::size(kFormats))
        return kFormats[format];
    return {};
}

std::string_view fmkTypeName(int fmkType)
{
    static constexpr std::string_view names[] = { "TF", "CAFFE", "ONNX", "MS", "TFLITE", "PYTORCH" };
    if (fmkType >= 0 && static_cast<std::size_t>(fmkType) < std::size(names))
        return names[fmkType];
    return {};
}

std::string_view quantTypeName(int quantType)
{
    static constexpr std::string_view names[] = { "QUANT_NONE", "AwareTraining", "WeightQuant", "PostTraining",
        "QUANT_WEIGHT", "QUANT_ALL", "QUANT_DYNAMIC" };
    if (quantType >= 0 && static_cast<std::size_t>(quantType) < std::size(names))
        return names[quantType];
    return {};
}

const OptionTable* optionTable(std::string_view op)
{
    for (const OptionTable& t : kTables)
        if (t.op == op)
            return &t;
    return nullptr;
}

namespace predict {

std::string_view opName(int unionType)
{
    static constexpr std::string_view names[] = { "Concat", "SoftMax", "Activation", "Conv2D", "FusedBatchNorm",
        "CaffeBatchNorm", "Squeeze", "BiasAdd", "Pooling", "DepthwiseConv2D", "DeDepthwiseConv2D", "Resize",
        "DetectionPostProcess", "FullConnection", "Mean", "DeConv2D", "Scale", "Reshape", "Eltwise", "NetOutput", "Add",
        "MatMul", "StridedSlice", "Power", "Slice", "Stack", "Mul", "Pad", "Maximum", "CaffePReLU", "ArgMax", "Exp",
        "CaffeCrop", "Range", "ExpandDims", "Tile", "Cast" };
    if (unionType < 1 || static_cast<std::size_t>(unionType) > std::size(names))
        return {};
    return names[unionType - 1];
}

std::optional<DataType> dataType(int code)
{
    switch (code) {
    case 0:
        return DataType::Float;
    case 1:
        return DataType::Float16;
    case 2:
        return DataType::Int8;
    case 3:
        return DataType::Int32;
    case 4:
        return DataType::UInt8;
    case 8:
        return DataType::UInt32;
    default:
        return std::nullopt;
    }
}

} // namespace predict

} // namespace nodus::mslite
