# GGUF (llama.cpp / ggml): read and written by our own code from the facts
# of gguf.h and ggml's type traits; no schema compiler, no op metadata (GGUF
# files hold weights, not a graph).
target_sources(nodus_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/ggmltype.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ggufdocument.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ggufformat.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ggufreader.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ggufwriter.cpp)
