#pragma once

#include <memory>

namespace nodus {

class MappedFile;
class Model;

// Keras 2/3 HDF5 models (.h5: model_config + model_weights), weights-only
// HDF5 files (save_weights, or any HDF5 file of datasets) and Keras 3
// archives (.keras: config.json + model.weights.h5). Layers become nodes
// (their config as attributes), weights tensors attached to their layer.
std::unique_ptr<Model> importKerasH5(std::shared_ptr<const MappedFile> file);
std::unique_ptr<Model> importKerasArchive(std::shared_ptr<const MappedFile> file);

} // namespace nodus
