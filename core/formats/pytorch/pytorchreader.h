#pragma once

#include "ir/model.h"

#include <memory>
#include <span>

namespace nodus {

class MappedFile;

// PyTorch's serializations: torch.save's zip archive (1.6 and later) and
// legacy pickle stream, and TorchScript archives (torch.jit.save). Each
// reads into a model with no nodes whose initializers are the stored
// tensors, named by their path in the saved object ("model.conv1.weight").
// Pickles are run by a small VM of our own (pickle.h) that knows only the
// globals tensors need and refuses every other one without running it.
namespace pytorch {

// The 10-byte pickle of torch's legacy magic number 0x1950a86a20f9469cfc6c,
// as protocol 2 writes it (PROTO 2, LONG1 10).
bool isLegacyCheckpoint(std::span<const std::byte> bytes);
// Zip archives: 0 = not PyTorch, 1 = a torch.save checkpoint, 2 = TorchScript.
int zipKind(const MappedFile& file);

std::unique_ptr<Model> read(std::shared_ptr<const MappedFile> file, bool torchScript);
void write(const Model& model, const std::filesystem::path& path);

// Element type of a storage class name ("FloatStorage"); Undefined if none.
DataType storageDataType(const std::string& storageType);

} // namespace pytorch

} // namespace nodus
