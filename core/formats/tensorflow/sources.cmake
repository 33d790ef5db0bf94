# TensorFlow: our own tensorflow.proto (compiled by protoc at build time into
# the build folder, included as formats/tensorflow/tensorflow.pb.h), the
# tensor-bundle reader for variables, and the op metadata embedded as data.
set(NODUS_TF_PROTO_DIR ${CMAKE_CURRENT_SOURCE_DIR}/formats/tensorflow)
set(NODUS_TF_PROTO_OUT ${CMAKE_CURRENT_BINARY_DIR}/formats/tensorflow)
add_custom_command(
  OUTPUT ${NODUS_TF_PROTO_OUT}/tensorflow.pb.cc ${NODUS_TF_PROTO_OUT}/tensorflow.pb.h
  COMMAND ${CMAKE_COMMAND} -E make_directory ${NODUS_TF_PROTO_OUT}
  COMMAND protobuf::protoc --cpp_out=${CMAKE_CURRENT_BINARY_DIR} -I${CMAKE_CURRENT_SOURCE_DIR}
          ${NODUS_TF_PROTO_DIR}/tensorflow.proto
  DEPENDS ${NODUS_TF_PROTO_DIR}/tensorflow.proto protobuf::protoc
  COMMENT "Compiling tensorflow.proto"
  VERBATIM)
target_sources(nodus_core PRIVATE
  ${NODUS_TF_PROTO_OUT}/tensorflow.pb.cc
  formats/tensorflow/tensorbundle.cpp
  formats/tensorflow/tensorflowformat.cpp
  formats/tensorflow/tensorflowimporter.cpp
  formats/tensorflow/tensorflowopmetadata.cpp
  formats/tensorflow/tensorflowsniffer.cpp
  formats/tensorflow/tensorflowtypes.cpp
  formats/tensorflow/tensorflowwriter.cpp)
nodus_embed_file(TARGET nodus_core FILE ${NODUS_TF_PROTO_DIR}/tensorflow-ops.json SYMBOL kTensorflowOpMetadata)
install(FILES ${NODUS_TF_PROTO_DIR}/tensorflow-ops.json DESTINATION share/nodus/ops RENAME tensorflow.json)
