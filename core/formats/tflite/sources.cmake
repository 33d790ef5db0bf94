# The TFLite -> ONNX converter (core/convert), listed here so the shared
# core/CMakeLists.txt stays as it is.
target_sources(nodus_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../../convert/tflitetoonnx.cpp)
