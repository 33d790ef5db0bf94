# TensorFlow: our own tensorflow.proto (compiled by protoc at build time into
# the build folder, included as formats/tensorflow/tensorflow.pb.h), the
# tensor-bundle reader for variables, and the op metadata embedded as data.
set(NODUS_TF_PROTO_DIR ${CMAKE_CURRENT_SOURCE_DIR}/formats/tensorflow)
nodus_core_proto(tensorflow tensorflow)
target_sources(nodus_core PRIVATE
  formats/tensorflow/tensorbundle.cpp
  formats/tensorflow/tensorflowformat.cpp
  formats/tensorflow/tensorflowimporter.cpp
  formats/tensorflow/tensorflowopmetadata.cpp
  formats/tensorflow/tensorflowsniffer.cpp
  formats/tensorflow/tensorflowtypes.cpp
  formats/tensorflow/tensorflowwriter.cpp)
nodus_embed_file(TARGET nodus_core FILE ${NODUS_TF_PROTO_DIR}/tensorflow-ops.json SYMBOL kTensorflowOpMetadata)
install(FILES ${NODUS_TF_PROTO_DIR}/tensorflow-ops.json DESTINATION share/nodus/ops RENAME tensorflow.json)
