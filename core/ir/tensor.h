#pragma once

#include "datatype.h"
#include "id.h"
#include "tensordata.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nodus {

// A stored tensor (weight, constant, attribute value). Element bytes stay
// wherever the file put them until someone asks; see TensorData.
class Tensor {
public:
    Id id = newId();
    std::string name;
    DataType dataType = DataType::Undefined;
    std::vector<std::int64_t> dims;
    std::string docString;
    // Element bytes for every type but String.
    std::shared_ptr<const TensorData> data;
    // Elements of String tensors.
    std::vector<std::string> strings;
    // Where the format kept the bytes outside the model file (ONNX external
    // data: the location relative to the model's folder).
    std::string externalLocation;

    // Sparse tensors (ONNX SparseTensorProto): `dims` is the dense shape and
    // the stored parts are these two tensors.
    struct Sparse {
        std::shared_ptr<Tensor> values;
        std::shared_ptr<Tensor> indices;
    };
    std::shared_ptr<Sparse> sparse;

    std::optional<std::uint64_t> elementCount() const;
    // Expected byte size of `data` from dtype and dims; nullopt if unknowable.
    std::optional<std::uint64_t> expectedBytes() const;
    bool isSparse() const { return sparse != nullptr; }
    // True when the bytes are still the untouched range of the opened file.
    bool isMapped() const { return data && data->region(); }
};

} // namespace nodus
