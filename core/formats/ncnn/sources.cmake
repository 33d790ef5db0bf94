# ncnn: text and binary .param files with .bin weights, parsed by our own code
# from the facts of ncnn's paramdict/modelbin; pnnx graphs; the op metadata
# (with each param's numeric id) embedded as data.
target_sources(nodus_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/ncnnformat.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ncnnimporter.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ncnnnet.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ncnnweights.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ncnnwriter.cpp)
nodus_embed_file(TARGET nodus_core FILE ${CMAKE_CURRENT_LIST_DIR}/ncnn-ops.json SYMBOL kNcnnOpMetadata)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/ncnn-ops.json DESTINATION share/nodus/ops RENAME ncnn.json)
