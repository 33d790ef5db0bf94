#pragma once

#include "ir/datatype.h"

#include <optional>
#include <string>
#include <string_view>

namespace nodus {

// MindIR TensorProto.data_type codes: ONNX's numbering up to 16, then
// FLOAT64 (17, a second name for DOUBLE) and QINT4X2 (18, packed int4).
std::optional<DataType> dataTypeFromMindir(int code);
// The code written back for `type`; nullopt where MindIR has none.
std::optional<int> mindirFromDataType(DataType type);

// Checkpoint TensorProto.tensor_type names ("Float32", "UInt8"/"Uint8",
// "BFloat16", "Int4", "str", ...), matched without regard to case since
// MindSpore's spelling changed between releases.
std::optional<DataType> dataTypeFromCheckpoint(std::string_view name);
// The name current MindSpore releases write for `type`.
std::optional<std::string> checkpointFromDataType(DataType type);

} // namespace nodus
