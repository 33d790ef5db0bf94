# Core ML (.mlmodel): a protobuf walked with util/protowire so each weight is
# known by its byte range; schema facts in coreml_schema.h, op metadata embedded.
target_sources(nodus_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/coreml_schema.cpp
  ${CMAKE_CURRENT_LIST_DIR}/coremlformat.cpp
  ${CMAKE_CURRENT_LIST_DIR}/coremlimporter.cpp
  ${CMAKE_CURRENT_LIST_DIR}/coremlopmetadata.cpp)
nodus_embed_file(TARGET nodus_core FILE ${CMAKE_CURRENT_LIST_DIR}/coreml-ops.json SYMBOL kCoremlOpMetadata)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/coreml-ops.json DESTINATION share/nodus/ops RENAME coreml.json)
