#pragma once

#include "formats/tensorflow/tensorflow.pb.h"

#include "ir/datatype.h"
#include "ir/shape.h"
#include "ir/tensor.h"

#include <memory>
#include <string>

namespace nodus {

// TensorFlow's DataType codes against the IR's element types. Reference
// types (code + 100, TF1 variables) read as their element type; quantized
// types as their storage type. Returns Undefined for what has no IR type
// (resource handles, variants).
DataType fromTfDataType(int code);
// The TF code of an IR type, or nullopt for types TF has no code for.
std::optional<int> toTfDataType(DataType type);
// "DT_FLOAT", "DT_RESOURCE_REF", or the number for an unknown code.
std::string tfDataTypeName(int code);

Shape shapeFromProto(const tf::TensorShapeProto& shape);

// The IR tensor of a TensorProto. `keepAlive` owns `proto` (the parsed
// document): tensor_content is viewed in place, typed value lists decode on
// first use. Throws nodus::Error with `what` (e.g. "node 'W' attribute
// 'value'") when the tensor is inconsistent.
std::shared_ptr<Tensor> tensorFromProto(const tf::TensorProto& proto, const std::string& name,
    const std::shared_ptr<const void>& keepAlive, const std::string& what);

// Stores `tensor`'s elements into `proto` as tensor_content (strings as
// string_val), clearing the typed value lists; dtype and shape are set from
// the tensor. Throws nodus::Error for types TF cannot hold.
void tensorToProto(const Tensor& tensor, tf::TensorProto& proto);

} // namespace nodus
