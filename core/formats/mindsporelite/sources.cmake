# MindSpore Lite (.ms): FlatBuffers read with the bounds-checked reader of
# formats/tflite; schema facts in mslite_schema.h, op metadata embedded.
target_sources(nodus_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/mslite_schema.cpp
  ${CMAKE_CURRENT_LIST_DIR}/msliteformat.cpp
  ${CMAKE_CURRENT_LIST_DIR}/msliteimporter.cpp
  ${CMAKE_CURRENT_LIST_DIR}/msliteopmetadata.cpp)
nodus_embed_file(TARGET nodus_core FILE ${CMAKE_CURRENT_LIST_DIR}/mindspore-lite-ops.json SYMBOL kMsliteOpMetadata)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/mindspore-lite-ops.json DESTINATION share/nodus/ops RENAME mindspore-lite.json)
