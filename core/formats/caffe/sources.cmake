# Caffe: our own caffe.proto subset (field numbers of BVLC Caffe's), compiled
# by protoc at build time into the build folder (formats/caffe/caffe.pb.h);
# the op metadata embedded as data.
set(NODUS_CAFFE_PROTO_OUT ${CMAKE_CURRENT_BINARY_DIR}/formats/caffe)
add_custom_command(
  OUTPUT ${NODUS_CAFFE_PROTO_OUT}/caffe.pb.cc ${NODUS_CAFFE_PROTO_OUT}/caffe.pb.h
  COMMAND ${CMAKE_COMMAND} -E make_directory ${NODUS_CAFFE_PROTO_OUT}
  COMMAND protobuf::protoc --cpp_out=${CMAKE_CURRENT_BINARY_DIR} -I${CMAKE_CURRENT_SOURCE_DIR}
          ${CMAKE_CURRENT_LIST_DIR}/caffe.proto
  DEPENDS ${CMAKE_CURRENT_LIST_DIR}/caffe.proto protobuf::protoc
  COMMENT "Compiling caffe.proto"
  VERBATIM)
target_sources(nodus_core PRIVATE
  ${NODUS_CAFFE_PROTO_OUT}/caffe.pb.cc
  ${CMAKE_CURRENT_LIST_DIR}/caffeformat.cpp
  ${CMAKE_CURRENT_LIST_DIR}/caffeimporter.cpp
  ${CMAKE_CURRENT_LIST_DIR}/caffewriter.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/convert/caffetoonnx.cpp)
nodus_embed_file(TARGET nodus_core FILE ${CMAKE_CURRENT_LIST_DIR}/caffe-ops.json SYMBOL kCaffeOpMetadata)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/caffe-ops.json DESTINATION share/nodus/ops RENAME caffe.json)
