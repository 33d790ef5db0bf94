# Keras models (.h5 / .hdf5 / .keras): our own bounds-checked HDF5 reader
# (no libhdf5: it crashes on malformed files), the Keras importer and writer;
# the op metadata embedded as data.
target_sources(nodus_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/hdf5file.cpp)
target_sources(nodus_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/kerasformat.cpp
  ${CMAKE_CURRENT_LIST_DIR}/kerasimporter.cpp
  ${CMAKE_CURRENT_LIST_DIR}/kerasopmetadata.cpp
  ${CMAKE_CURRENT_LIST_DIR}/keraswriter.cpp)
nodus_embed_file(TARGET nodus_core FILE ${CMAKE_CURRENT_LIST_DIR}/keras-ops.json SYMBOL kKerasOpMetadata)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/keras-ops.json DESTINATION share/nodus/ops RENAME keras.json)
