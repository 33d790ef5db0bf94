# TorchScript archives: the graph built from the archive's code/ files (our
# own parser for the Python subset torch.jit.save writes) and the aten op
# metadata, embedded as data. The reader itself is listed in core/CMakeLists.txt.
target_sources(nodus_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/torchscriptcode.cpp
  ${CMAKE_CURRENT_LIST_DIR}/torchscriptgraph.cpp)
nodus_embed_file(TARGET nodus_core FILE ${CMAKE_CURRENT_LIST_DIR}/torchscript-ops.json SYMBOL kTorchScriptOpMetadata)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/torchscript-ops.json DESTINATION share/nodus/ops RENAME torchscript.json)
