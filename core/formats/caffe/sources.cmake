# Caffe: our own caffe.proto subset (field numbers of BVLC Caffe's), compiled
# by protoc at build time into the build folder (formats/caffe/caffe.pb.h);
# the op metadata embedded as data.
nodus_core_proto(caffe caffe)
target_sources(nodus_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/caffeformat.cpp
  ${CMAKE_CURRENT_LIST_DIR}/caffeimporter.cpp
  ${CMAKE_CURRENT_LIST_DIR}/caffewriter.cpp)
nodus_embed_file(TARGET nodus_core FILE ${CMAKE_CURRENT_LIST_DIR}/caffe-ops.json SYMBOL kCaffeOpMetadata)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/caffe-ops.json DESTINATION share/nodus/ops RENAME caffe.json)
