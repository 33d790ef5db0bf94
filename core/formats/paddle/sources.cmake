# PaddlePaddle: program files (__model__, .pdmodel) through our own
# paddle.proto, compiled by protoc at build time into the build folder
# (included as formats/paddle/paddle.pb.h); parameters from the LoDTensor
# streams beside the model, written back with edited weight values by
# paddlewriter.cpp; the op metadata embedded as data.
nodus_core_proto(paddle paddle)
target_sources(nodus_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/paddleformat.cpp
  ${CMAKE_CURRENT_LIST_DIR}/paddleimporter.cpp
  ${CMAKE_CURRENT_LIST_DIR}/paddleopmetadata.cpp
  ${CMAKE_CURRENT_LIST_DIR}/paddleparams.cpp
  ${CMAKE_CURRENT_LIST_DIR}/paddlewriter.cpp)
nodus_embed_file(TARGET nodus_core FILE ${CMAKE_CURRENT_LIST_DIR}/paddle-ops.json SYMBOL kPaddleOpMetadata)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/paddle-ops.json DESTINATION share/nodus/ops RENAME paddle.json)
