#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nodus {

class Model;

// File > Export > Weights and `nodus-cli export-weights`: a model's stored
// tensors as a weight set other tools load by name (safetensors for
// PyTorch/Hugging Face, .npz for NumPy).
enum class WeightsFormat { Safetensors, Npz };

// By extension: ".safetensors" or ".npz"; nullopt for anything else.
std::optional<WeightsFormat> weightsFormatFor(const std::filesystem::path& path);

struct WeightsExportReport {
    std::vector<std::string> written;
    // Tensors left out, with the reason (a type the format has no code for,
    // a sparse tensor, a name already taken).
    std::vector<std::pair<std::string, std::string>> skipped;
};

// Writes every stored tensor of the model (main graph first, then the
// subgraphs', in file order) to `path`, atomically. Tensors the format cannot
// hold are skipped and reported; a model with no tensor it can write is an
// error. Throws nodus::Error naming the file.
WeightsExportReport exportWeights(
    const Model& model, const std::filesystem::path& path, std::optional<WeightsFormat> format = {});

} // namespace nodus
