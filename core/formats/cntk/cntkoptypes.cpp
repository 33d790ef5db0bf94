#include "cntkoptypes.h"

#include <array>
#include <utility>

namespace nodus {

namespace {

// From CNTK's PrimitiveOpType enum (API/Internals/PrimitiveOpType.h). The
// numbers are part of the file format: CNTK only ever appended to the enum.
constexpr std::array<std::string_view, 98> kOps = {
    "Negate", "Sigmoid", "Tanh", "ReLU", "Exp", "Log", "Sqrt", "Floor", "Abs", "Reciprocal",            // 0-9
    "Softmax", "Hardmax", "TransposeAxes", "Where", "Slice", "Dropout", "Reshape", "Pooling", "SumAll", // 10-18
    "Plus", "Minus", "ElementTimes", "Equal", "NotEqual", "Less", "LessEqual", "Greater",              // 19-26
    "GreaterEqual", "PackedIndex", "GatherPacked", "ScatterPacked", "Times", "TransposeTimes",         // 27-32
    "Convolution", "SquaredError", "CrossEntropyWithSoftmax", "ClassificationError", "PastValue",      // 33-37
    "FutureValue", "ReduceElements", "BatchNormalization", "Clip", "Select", "Splice", "Combine",      // 38-44
    "RandomSample", "RandomSampleInclusionFrequency", "ROIPooling", "Logistic", "OptimizedRNNStack",   // 45-49
    "ReconcileDynamicAxis", "LogSoftmax", "LogPlus", "CosDistance", "Sin", "Cos", "Pass", "Block",     // 50-57
    "Unpooling", "LambdaRank", "NDCG", "EditDistanceError", "NoOp", "LabelsToGraph", "StopGradient",   // 58-64
    "ELU", "ForwardBackward", "CosDistanceWithNegativeSamples", "OneHot", "Pow", "ToSequence",         // 65-70
    "ToSequenceLike", "UnpackSequence", "Assign", "Gather", "StableSigmoid", "RandomDistribution",     // 71-76
    "Sinh", "Cosh", "UnpackBatch", "ToBatch", "Asin", "Acos", "Pad", "Crop", "Atanh", "Asinh", "TopK", // 77-87
    "Squeeze", "ConstantOp", "LatticeSequenceWithSoftmax", "Cast", "EyeLikeOp", "CustomProxyOp",       // 88-93
    "StraightThrough", "Tan", "Atan", "ConvolutionSequenceShape",                                      // 94-97
};

// Numbers a CNTK fork added far past the end of the main enum.
constexpr std::array<std::pair<std::uint64_t, std::string_view>, 12> kExtendedOps = {{
    {197, "MarginInnerProduct"},
    {198, "FeatureNormalize"},
    {199, "AdditiveFullConnection"},
    {200, "CenterLoss"},
    {201, "ChannelMultiply"},
    {202, "GlobalConcat"},
    {203, "DistributedLabelsGather"},
    {204, "DistributedFullyConnected"},
    {205, "DistributedFullyConnected_v2"},
    {206, "DistributedCrossEntropyWithSoftmax"},
    {207, "DistributedClassificationError"},
    {208, "DistributedAdditiveFullConnection"},
}};

} // namespace

std::string_view cntkPrimitiveOpName(std::uint64_t op)
{
    if (op < kOps.size())
        return kOps[op];
    for (const auto& [number, name] : kExtendedOps)
        if (number == op)
            return name;
    return {};
}

} // namespace nodus
