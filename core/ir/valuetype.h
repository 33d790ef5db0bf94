#pragma once

#include "datatype.h"
#include "shape.h"

#include <memory>
#include <string>

namespace nodus {

// The type of a value flowing along an edge: a tensor (element type and
// shape), or a container of other types (ONNX sequences, optionals, maps).
struct ValueType {
    enum class Kind { Unknown, Tensor, SparseTensor, Sequence, Optional, Map, Opaque };

    Kind kind = Kind::Unknown;
    DataType elementType = DataType::Undefined; // Tensor, SparseTensor; Map key type
    Shape shape;                                // Tensor, SparseTensor
    std::shared_ptr<const ValueType> element;   // Sequence, Optional, Map value
    std::string opaqueName;                     // Opaque: domain.name

    static ValueType tensor(DataType type, Shape shape)
    {
        ValueType t;
        t.kind = Kind::Tensor;
        t.elementType = type;
        t.shape = std::move(shape);
        return t;
    }
    bool isTensor() const { return kind == Kind::Tensor; }
    // "float32[1,3,224,224]", "seq(float32[?])", "map(int64,float32)"...
    std::string toString() const;
    bool operator==(const ValueType& other) const;
};

} // namespace nodus
