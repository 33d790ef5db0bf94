#include "valuetype.h"

namespace nodus {

std::string ValueType::toString() const
{
    auto inner = [this] { return element ? element->toString() : std::string("?"); };
    switch (kind) {
    case Kind::Unknown:
        return "?";
    case Kind::Tensor:
        return std::string(dataTypeName(elementType)) + shape.toString();
    case Kind::SparseTensor:
        return "sparse " + std::string(dataTypeName(elementType)) + shape.toString();
    case Kind::Sequence:
        return "seq(" + inner() + ")";
    case Kind::Optional:
        return "optional(" + inner() + ")";
    case Kind::Map:
        return "map(" + std::string(dataTypeName(elementType)) + "," + inner() + ")";
    case Kind::Opaque:
        return "opaque(" + opaqueName + ")";
    }
    return "?";
}

bool ValueType::operator==(const ValueType& other) const
{
    if (kind != other.kind || elementType != other.elementType || !(shape == other.shape)
        || opaqueName != other.opaqueName)
        return false;
    if (!element || !other.element)
        return !element && !other.element;
    return *element == *other.element;
}

} // namespace nodus
