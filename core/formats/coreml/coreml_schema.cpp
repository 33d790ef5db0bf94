#include "coreml_schema.h"

#include <algorithm>
#include <iterator>

namespace nodus::coreml {

namespace {

struct Named {
    std::uint32_t field;
    std::string_view name;
};

constexpr Named kModelTypes[] = {
    { 200, "PipelineClassifier" },
    { 201, "PipelineRegressor" },
    { 202, "Pipeline" },
    { 300, "GLMRegressor" },
    { 301, "SupportVectorRegressor" },
    { 302, "TreeEnsembleRegressor" },
    { 303, "NeuralNetworkRegressor" },
    { 304, "BayesianProbitRegressor" },
    { 400, "GLMClassifier" },
    { 401, "SupportVectorClassifier" },
    { 402, "TreeEnsembleClassifier" },
    { 403, "NeuralNetworkClassifier" },
    { 404, "KNearestNeighborsClassifier" },
    { 500, "NeuralNetwork" },
    { 501, "ItemSimilarityRecommender" },
    { 502, "MLProgram" },
    { 555, "CustomModel" },
    { 556, "LinkedModel" },
    { 560, "ClassConfidenceThresholding" },
    { 600, "OneHotEncoder" },
    { 601, "Imputer" },
    { 602, "FeatureVectorizer" },
    { 603, "DictVectorizer" },
    { 604, "Scaler" },
    { 606, "CategoricalMapping" },
    { 607, "Normalizer" },
    { 609, "ArrayFeatureExtractor" },
    { 610, "NonMaximumSuppression" },
    { 900, "Identity" },
    { 2000, "TextClassifier" },
    { 2001, "WordTagger" },
    { 2002, "VisionFeaturePrint" },
    { 2003, "SoundAnalysisPreprocessing" },
    { 2004, "Gazetteer" },
    { 2005, "WordEmbedding" },
    { 2006, "AudioFeaturePrint" },
    { 3000, "SerializedModel" },
};

constexpr Named kLayerTypes[] = {
    { 100, "Convolution" },
    { 120, "Pooling" },
    { 130, "Activation" },
    { 140, "InnerProduct" },
    { 150, "Embedding" },
    { 160, "Batchnorm" },
    { 165, "Mvn" },
    { 170, "L2normalize" },
    { 175, "Softmax" },
    { 180, "Lrn" },
    { 190, "Crop" },
    { 200, "Padding" },
    { 210, "Upsample" },
    { 211, "ResizeBilinear" },
    { 212, "CropResize" },
    { 220, "Unary" },
    { 230, "Add" },
    { 231, "Multiply" },
    { 240, "Average" },
    { 245, "Scale" },
    { 250, "Bias" },
    { 260, "Max" },
    { 261, "Min" },
    { 270, "Dot" },
    { 280, "Reduce" },
    { 290, "LoadConstant" },
    { 300, "Reshape" },
    { 301, "Flatten" },
    { 310, "Permute" },
    { 320, "Concat" },
    { 330, "Split" },
    { 340, "SequenceRepeat" },
    { 345, "ReorganizeData" },
    { 350, "Slice" },
    { 400, "SimpleRecurrent" },
    { 410, "Gru" },
    { 420, "UniDirectionalLSTM" },
    { 430, "BiDirectionalLSTM" },
    { 500, "Custom" },
    { 600, "Copy" },
    { 605, "Branch" },
    { 615, "Loop" },
    { 620, "LoopBreak" },
    { 625, "LoopContinue" },
    { 635, "RangeStatic" },
    { 640, "RangeDynamic" },
    { 660, "Clip" },
    { 665, "Ceil" },
    { 670, "Floor" },
    { 680, "Sign" },
    { 685, "Round" },
    { 700, "Exp2" },
    { 710, "Sin" },
    { 715, "Cos" },
    { 720, "Tan" },
    { 730, "Asin" },
    { 735, "Acos" },
    { 740, "Atan" },
    { 750, "Sinh" },
    { 755, "Cosh" },
    { 760, "Tanh" },
    { 770, "Asinh" },
    { 775, "Acosh" },
    { 780, "Atanh" },
    { 790, "Erf" },
    { 795, "Gelu" },
    { 815, "Equal" },
    { 820, "NotEqual" },
    { 825, "LessThan" },
    { 827, "LessEqual" },
    { 830, "GreaterThan" },
    { 832, "GreaterEqual" },
    { 840, "LogicalOr" },
    { 845, "LogicalXor" },
    { 850, "LogicalNot" },
    { 855, "LogicalAnd" },
    { 865, "ModBroadcastable" },
    { 870, "MinBroadcastable" },
    { 875, "MaxBroadcastable" },
    { 880, "AddBroadcastable" },
    { 885, "PowBroadcastable" },
    { 890, "DivideBroadcastable" },
    { 895, "FloorDivBroadcastable" },
    { 900, "MultiplyBroadcastable" },
    { 905, "SubtractBroadcastable" },
    { 920, "Tile" },
    { 925, "Stack" },
    { 930, "Gather" },
    { 935, "Scatter" },
    { 940, "GatherND" },
    { 945, "ScatterND" },
    { 950, "SoftmaxND" },
    { 952, "GatherAlongAxis" },
    { 954, "ScatterAlongAxis" },
    { 960, "Reverse" },
    { 965, "ReverseSeq" },
    { 975, "SplitND" },
    { 980, "ConcatND" },
    { 985, "Transpose" },
    { 995, "SliceStatic" },
    { 1000, "SliceDynamic" },
    { 1005, "SlidingWindows" },
    { 1015, "TopK" },
    { 1020, "ArgMin" },
    { 1025, "ArgMax" },
    { 1040, "EmbeddingND" },
    { 1045, "BatchedMatmul" },
    { 1065, "GetShape" },
    { 1070, "LoadConstantND" },
    { 1080, "FillLike" },
    { 1085, "FillStatic" },
    { 1090, "FillDynamic" },
    { 1100, "BroadcastToLike" },
    { 1105, "BroadcastToStatic" },
    { 1110, "BroadcastToDynamic" },
    { 1120, "Squeeze" },
    { 1125, "ExpandDims" },
    { 1130, "FlattenTo2D" },
    { 1135, "ReshapeLike" },
    { 1140, "ReshapeStatic" },
    { 1145, "ReshapeDynamic" },
    { 1150, "RankPreservingReshape" },
    { 1155, "ConstantPad" },
    { 1170, "RandomNormalLike" },
    { 1175, "RandomNormalStatic" },
    { 1180, "RandomNormalDynamic" },
    { 1190, "RandomUniformLike" },
    { 1195, "RandomUniformStatic" },
    { 1200, "RandomUniformDynamic" },
    { 1210, "RandomBernoulliLike" },
    { 1215, "RandomBernoulliStatic" },
    { 1220, "RandomBernoulliDynamic" },
    { 1230, "CategoricalDistribution" },
    { 1250, "ReduceL1" },
    { 1255, "ReduceL2" },
    { 1260, "ReduceMax" },
    { 1265, "ReduceMin" },
    { 1270, "ReduceSum" },
    { 1275, "ReduceProd" },
    { 1280, "ReduceMean" },
    { 1285, "ReduceLogSum" },
    { 1290, "ReduceSumSquare" },
    { 1295, "ReduceLogSumExp" },
    { 1313, "WhereNonZero" },
    { 1315, "MatrixBandPart" },
    { 1320, "LowerTriangular" },
    { 1325, "UpperTriangular" },
    { 1330, "WhereBroadcastable" },
    { 1350, "LayerNormalization" },
    { 1400, "NonMaximumSuppression" },
    { 1450, "OneHot" },
    { 1455, "CumSum" },
    { 1460, "ClampedReLU" },
    { 1461, "ArgSort" },
    { 1465, "Pooling3d" },
    { 1466, "GlobalPooling3d" },
    { 1470, "SliceBySize" },
    { 1471, "Convolution3d" },
};

constexpr Named kActivations[] = { { 5, "linear" }, { 10, "ReLU" }, { 15, "leakyReLU" }, { 20, "thresholdedReLU" },
    { 25, "PReLU" }, { 30, "tanh" }, { 31, "scaledTanh" }, { 40, "sigmoid" }, { 41, "sigmoidHard" }, { 50, "ELU" },
    { 60, "softsign" }, { 70, "softplus" }, { 71, "parametricSoftplus" } };

std::string_view lookup(std::span<const Named> table, std::uint32_t field)
{
    const auto it = std::find_if(table.begin(), table.end(), [&](const Named& n) { return n.field == field; });
    return it == table.end() ? std::string_view() : it->name;
}

using K = FieldKind;

constexpr std::string_view kValid[] = { "valid" };
constexpr std::string_view kSame[] = { "same" };
constexpr std::string_view kIncludeLastPixel[] = { "includeLastPixel" };
constexpr std::string_view kPoolingType[] = { "MAX", "AVERAGE", "L2" };
constexpr std::string_view kUpsampleMode[] = { "NN", "BILINEAR" };
constexpr std::string_view kUnaryType[] = { "SQRT", "RSQRT", "INVERSE", "POWER", "EXP", "LOG", "ABS", "THRESHOLD" };
constexpr std::string_view kReduceMode[]
    = { "SUM", "AVG", "PROD", "LOGSUM", "SUMSQUARE", "L1", "L2", "MAX", "MIN", "ARGMAX" };
constexpr std::string_view kReduceAxis[] = { "CHW", "HW", "C", "H", "W" };
constexpr std::string_view kChannelOrder[] = { "CHANNEL_FIRST", "CHANNEL_LAST" };
constexpr std::string_view kSliceAxis[] = { "CHANNEL_AXIS", "HEIGHT_AXIS", "WIDTH_AXIS" };
constexpr std::string_view kConstant[] = { "constant" };
constexpr std::string_view kReflection[] = { "reflection" };
constexpr std::string_view kReplication[] = { "replication" };
constexpr std::string_view kHandleUnknown[] = { "ErrorOnUnknown", "IgnoreUnknown" };
constexpr std::string_view kNormType[] = { "LMax", "L1", "L2" };
constexpr std::string_view kGlmTransform[] = { "NoTransform", "Logit", "Probit" };

constexpr ParamField kConvolution[]
    = { { 1, "outputChannels" }, { 2, "kernelChannels" }, { 10, "nGroups" }, { 20, "kernelSize", K::UInts },
          { 30, "stride", K::UInts }, { 40, "dilationFactor", K::UInts }, { 50, "padding", K::Present, kValid },
          { 51, "padding", K::Present, kSame }, { 60, "isDeconvolution", K::Bool }, { 70, "hasBias", K::Bool },
          { 90, "weights", K::Weights }, { 91, "bias", K::Weights }, { 100, "outputShape", K::UInts } };
constexpr ParamField kPooling[] = { { 1, "type", K::Enum, kPoolingType }, { 10, "kernelSize", K::UInts },
    { 20, "stride", K::UInts }, { 30, "padding", K::Present, kValid }, { 31, "padding", K::Present, kSame },
    { 32, "padding", K::Present, kIncludeLastPixel }, { 50, "avgPoolExcludePadding", K::Bool },
    { 60, "globalPooling", K::Bool } };
constexpr ParamField kInnerProduct[] = { { 1, "inputChannels" }, { 2, "outputChannels" }, { 10, "hasBias", K::Bool },
    { 20, "weights", K::Weights }, { 21, "bias", K::Weights }, { 22, "int8DynamicQuantize", K::Bool } };
constexpr ParamField kEmbedding[] = { { 1, "inputDim" }, { 2, "outputChannels" }, { 10, "hasBias", K::Bool },
    { 20, "weights", K::Weights }, { 21, "bias", K::Weights } };
constexpr ParamField kBatchnorm[] = { { 1, "channels" }, { 5, "computeMeanVar", K::Bool },
    { 6, "instanceNormalization", K::Bool }, { 10, "epsilon", K::Float }, { 15, "gamma", K::Weights },
    { 16, "beta", K::Weights }, { 17, "mean", K::Weights }, { 18, "variance", K::Weights } };
constexpr ParamField kMvn[]
    = { { 1, "acrossChannels", K::Bool }, { 2, "normalizeVariance", K::Bool }, { 3, "epsilon", K::Float } };
constexpr ParamField kL2Normalize[] = { { 1, "epsilon", K::Float } };
constexpr ParamField kLrn[]
    = { { 1, "alpha", K::Float }, { 2, "beta", K::Float }, { 3, "localSize" }, { 4, "k", K::Float } };
constexpr ParamField kPadding[] = { { 1, "paddingType", K::Present, kConstant },
    { 2, "paddingType", K::Present, kReflection }, { 3, "paddingType", K::Present, kReplication } };
constexpr ParamField kUpsample[] = { { 1, "scalingFactor", K::UInts }, { 7, "fractionalScalingFactor", K::Floats },
    { 5, "mode", K::Enum, kUpsampleMode } };
constexpr ParamField kUnary[] = { { 1, "type", K::Enum, kUnaryType }, { 2, "alpha", K::Float },
    { 3, "epsilon", K::Float }, { 4, "shift", K::Float }, { 5, "scale", K::Float } };
constexpr ParamField kAlpha[] = { { 1, "alpha", K::Float } };
constexpr ParamField kScale[] = { { 1, "shapeScale", K::UInts }, { 2, "scale", K::Weights }, { 3, "hasBias", K::Bool },
    { 4, "shapeBias", K::UInts }, { 5, "bias", K::Weights } };
constexpr ParamField kBias[] = { { 1, "shape", K::UInts }, { 2, "bias", K::Weights } };
constexpr ParamField kReduce[]
    = { { 1, "mode", K::Enum, kReduceMode }, { 2, "epsilon", K::Float }, { 3, "axis", K::Enum, kReduceAxis } };
constexpr ParamField kLoadConstant[] = { { 1, "shape", K::UInts }, { 2, "data", K::Weights } };
constexpr ParamField kReshape[] = { { 1, "targetShape", K::Ints }, { 2, "mode", K::Enum, kChannelOrder } };
constexpr ParamField kFlatten[] = { { 1, "mode", K::Enum, kChannelOrder } };
constexpr ParamField kPermute[] = { { 1, "axis", K::UInts } };
constexpr ParamField kConcat[] = { { 100, "sequenceConcat", K::Bool } };
constexpr ParamField kSplit[] = { { 1, "nOutputs" } };
constexpr ParamField kSlice[]
    = { { 1, "startIndex", K::Int }, { 2, "endIndex", K::Int }, { 3, "stride" }, { 4, "axis", K::Enum, kSliceAxis } };
constexpr ParamField kCustom[]
    = { { 10, "className", K::String }, { 20, "weights", K::Weights }, { 40, "description", K::String } };
constexpr ParamField kClip[] = { { 1, "minVal", K::Float }, { 2, "maxVal", K::Float } };
constexpr ParamField kAxis[] = { { 1, "axis", K::Int } };
constexpr ParamField kAxes[] = { { 1, "axes", K::Ints } };
constexpr ParamField kSqueeze[] = { { 1, "axes", K::Ints }, { 2, "squeezeAll", K::Bool } };
constexpr ParamField kTransposeNd[] = { { 1, "axes", K::UInts } };
constexpr ParamField kBatchedMatmul[] = { { 1, "transposeA", K::Bool }, { 2, "transposeB", K::Bool },
    { 5, "weightMatrixFirstDimension" }, { 6, "weightMatrixSecondDimension" }, { 7, "hasBias", K::Bool },
    { 8, "weights", K::Weights }, { 9, "bias", K::Weights }, { 10, "int8DynamicQuantize", K::Bool } };
constexpr ParamField kEmbeddingNd[] = { { 1, "vocabSize" }, { 2, "embeddingSize" }, { 3, "hasBias", K::Bool },
    { 20, "weights", K::Weights }, { 21, "bias", K::Weights } };
constexpr ParamField kReshapeStatic[] = { { 1, "targetShape", K::Ints } };
constexpr ParamField kLayerNorm[] = { { 1, "normalizedShape", K::Ints }, { 2, "eps", K::Float },
    { 3, "gamma", K::Weights }, { 4, "beta", K::Weights } };

struct LayerTable {
    std::uint32_t field;
    std::span<const ParamField> params;
};
constexpr LayerTable kLayerTables[] = { { 100, kConvolution }, { 120, kPooling }, { 140, kInnerProduct },
    { 150, kEmbedding }, { 160, kBatchnorm }, { 165, kMvn }, { 170, kL2Normalize }, { 180, kLrn }, { 200, kPadding },
    { 210, kUpsample }, { 220, kUnary }, { 230, kAlpha }, { 231, kAlpha }, { 245, kScale }, { 250, kBias },
    { 280, kReduce }, { 290, kLoadConstant }, { 300, kReshape }, { 301, kFlatten }, { 310, kPermute }, { 320, kConcat },
    { 330, kSplit }, { 350, kSlice }, { 500, kCustom }, { 660, kClip }, { 930, kAxis }, { 950, kAxis }, { 980, kAxis },
    { 985, kTransposeNd }, { 1040, kEmbeddingNd }, { 1045, kBatchedMatmul }, { 1070, kLoadConstant },
    { 1120, kSqueeze }, { 1125, kAxes }, { 1140, kReshapeStatic }, { 1350, kLayerNorm } };

constexpr ParamField kOneHotEncoder[]
    = { { 1, "stringCategories", K::StringVector }, { 2, "int64Categories", K::Int64Vector },
          { 10, "outputSparse", K::Bool }, { 11, "handleUnknown", K::Enum, kHandleUnknown } };
constexpr ParamField kArrayFeatureExtractor[] = { { 1, "extractIndex", K::UInts } };
constexpr ParamField kNormalizer[] = { { 1, "normType", K::Enum, kNormType } };
constexpr ParamField kScaler[] = { { 1, "shiftValue", K::Doubles }, { 2, "scaleValue", K::Doubles } };
constexpr ParamField kDictVectorizer[]
    = { { 1, "stringToIndex", K::StringVector }, { 2, "int64ToIndex", K::Int64Vector } };
constexpr ParamField kGlmRegressor[] = { { 1, "weights", K::DoubleVector }, { 2, "offset", K::Doubles },
    { 3, "postEvaluationTransform", K::Enum, kGlmTransform } };

constexpr LayerTable kModelTables[] = { { 600, kOneHotEncoder }, { 609, kArrayFeatureExtractor }, { 607, kNormalizer },
    { 604, kScaler }, { 603, kDictVectorizer }, { 300, kGlmRegressor } };

} // namespace

std::optional<DataType> arrayDataType(std::uint64_t code)
{
    switch (code) {
    case 0x10000 | 32:
        return DataType::Float;
    case 0x10000 | 64:
        return DataType::Double;
    case 0x10000 | 16:
        return DataType::Float16;
    case 0x20000 | 32:
        return DataType::Int32;
    case 0x20000 | 8:
        return DataType::Int8;
    default:
        return std::nullopt;
    }
}

std::string_view modelTypeName(std::uint32_t field)
{
    return lookup(kModelTypes, field);
}

std::string_view layerTypeName(std::uint32_t field)
{
    return lookup(kLayerTypes, field);
}

std::string_view activationName(std::uint32_t field)
{
    return lookup(kActivations, field);
}

std::span<const ParamField> layerParams(std::uint32_t layerField)
{
    for (const LayerTable& t : kLayerTables)
        if (t.field == layerField)
            return t.params;
    return {};
}

std::span<const ParamField> modelParams(std::uint32_t modelField)
{
    for (const LayerTable& t : kModelTables)
        if (t.field == modelField)
            return t.params;
    return {};
}

} // namespace nodus::coreml
