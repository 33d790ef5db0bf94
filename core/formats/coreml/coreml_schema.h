#pragma once

#include "ir/datatype.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

// Facts of the Core ML specification (coremltools mlmodel/format/*.proto:
// Model, FeatureTypes, NeuralNetwork, DataStructures, OneHotEncoder, ...)
// that Nodus reads: field numbers, the names of the Model.Type and
// NeuralNetworkLayer.layer oneof members, parameter fields of the common
// layers and model types, and enum values. Written from those facts.
// CoremlImporter walks the protobuf wire format itself so that each weight
// is known by the byte range it occupies (zero-copy reads, in-place saves).
namespace nodus::coreml {

namespace model {
enum : std::uint32_t { SpecificationVersion = 1, Description = 2, IsUpdatable = 10 };
// Model.Type oneof members
enum : std::uint32_t {
    PipelineClassifier = 200,
    PipelineRegressor = 201,
    Pipeline = 202,
    NeuralNetworkRegressor = 303,
    NeuralNetworkClassifier = 403,
    NeuralNetwork = 500,
    MlProgram = 502,
};
} // namespace model
namespace pipeline {
enum : std::uint32_t { Models = 1, Names = 2 }; // PipelineClassifier/Regressor wrap a Pipeline in field 1
}
namespace description {
enum : std::uint32_t {
    Input = 1,
    Output = 10,
    PredictedFeatureName = 11,
    PredictedProbabilitiesName = 12,
    TrainingInput = 50,
    Metadata = 100
};
}
namespace metadata {
enum : std::uint32_t { ShortDescription = 1, VersionString = 2, Author = 3, License = 4, UserDefined = 100 };
}
namespace feature {
enum : std::uint32_t { Name = 1, ShortDescription = 2, Type = 3 };
}
namespace featuretype {
enum : std::uint32_t {
    Int64 = 1,
    Double = 2,
    String = 3,
    Image = 4,
    MultiArray = 5,
    Dictionary = 6,
    Sequence = 7,
    State = 8,
    IsOptional = 1000
};
}
namespace arraytype {
enum : std::uint32_t { Shape = 1, DataType = 2 };
}
namespace imagetype {
enum : std::uint32_t { Width = 1, Height = 2, ColorSpace = 3 };
}
namespace network {
// NeuralNetwork, NeuralNetworkClassifier and NeuralNetworkRegressor alike
enum : std::uint32_t { Layers = 1, Preprocessing = 2, StringClassLabels = 100, Int64ClassLabels = 101 };
} // namespace network
namespace layer {
enum : std::uint32_t {
    Name = 1,
    Input = 2,
    Output = 3,
    InputTensor = 4,
    OutputTensor = 5,
    IsUpdatable = 10,
    FirstParams = 100
};
}
namespace weights {
enum : std::uint32_t {
    FloatValue = 1,
    Float16Value = 2,
    RawValue = 30,
    Int8RawValue = 31,
    Quantization = 40,
    IsUpdatable = 50
};
}

// ArrayFeatureType.ArrayDataType (a type code | bit width)
std::optional<DataType> arrayDataType(std::uint64_t code);

// Name of a Model.Type member ("OneHotEncoder"); empty when unknown.
std::string_view modelTypeName(std::uint32_t field);
// Name of a NeuralNetworkLayer.layer member ("InnerProduct"); empty when unknown.
std::string_view layerTypeName(std::uint32_t field);

enum class FieldKind {
    UInt, // (u)int32/64, varint
    Int, // int32/64 as two's complement varint
    Bool,
    Float, // fixed32
    Double, // fixed64
    UInts, // repeated uint64 (packed or not)
    Ints, // repeated int64
    Floats, // repeated float
    Doubles, // repeated double
    String,
    Strings, // repeated string
    StringVector, // StringVector { repeated string vector = 1 }
    Int64Vector, // Int64Vector { repeated int64 vector = 1 }
    DoubleVector, // DoubleVector { repeated double vector = 1 }
    Enum, // varint shown by `names`
    Present, // a message whose presence is the fact ("valid" / "same" padding)
    Weights, // WeightParams: becomes a stored tensor input
};

struct ParamField {
    std::uint32_t number = 0;
    std::string_view name;
    FieldKind kind = FieldKind::UInt;
    std::span<const std::string_view> names = {}; // Enum names from 0; Present: the attribute's value
};

// Parameter fields of a layer (by its NeuralNetworkLayer field) or of a model
// type (by its Model field); empty when Nodus shows the fields generically.
std::span<const ParamField> layerParams(std::uint32_t layerField);
std::span<const ParamField> modelParams(std::uint32_t modelField);

// ActivationParams.NonlinearityType oneof member names ("ReLU", "leakyReLU").
std::string_view activationName(std::uint32_t field);

} // namespace nodus::coreml
