# PaddlePaddle: program files (__model__, .pdmodel) through our own
# paddle.proto, compiled by protoc at build time into the build folder
# (included as formats/paddle/paddle.pb.h); parameters from the LoDTensor
# streams beside the model; the op metadata embedded as data.
set(NODUS_PADDLE_PROTO_OUT ${CMAKE_CURRENT_BINARY_DIR}/formats/paddle)
add_custom_command(
  OUTPUT ${NODUS_PADDLE_PROTO_OUT}/paddle.pb.cc ${NODUS_PADDLE_PROTO_OUT}/paddle.pb.h
  COMMAND ${CMAKE_COMMAND} -E make_directory ${NODUS_PADDLE_PROTO_OUT}
  COMMAND protobuf::protoc --cpp_out=${CMAKE_CURRENT_BINARY_DIR} -I${CMAKE_CURRENT_SOURCE_DIR}
          ${CMAKE_CURRENT_LIST_DIR}/paddle.proto
  DEPENDS ${CMAKE_CURRENT_LIST_DIR}/paddle.proto protobuf::protoc
  COMMENT "Compiling paddle.proto"
  VERBATIM)
target_sources(nodus_core PRIVATE
  ${NODUS_PADDLE_PROTO_OUT}/paddle.pb.cc
  ${CMAKE_CURRENT_LIST_DIR}/paddleformat.cpp
  ${CMAKE_CURRENT_LIST_DIR}/paddleimporter.cpp
  ${CMAKE_CURRENT_LIST_DIR}/paddleopmetadata.cpp
  ${CMAKE_CURRENT_LIST_DIR}/paddleparams.cpp)
nodus_embed_file(TARGET nodus_core FILE ${CMAKE_CURRENT_LIST_DIR}/paddle-ops.json SYMBOL kPaddleOpMetadata)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/paddle-ops.json DESTINATION share/nodus/ops RENAME paddle.json)
