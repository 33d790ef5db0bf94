#pragma once

#include "ir/tensor.h"

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace nodus {

// NumPy's .npy and .npz files, for importing and exporting one tensor
// (the tensor editor, nodus-cli edit --set-tensor NAME=FILE.npy).
//
// Reading gives an owned Tensor in the IR's canonical layout (packed
// little-endian, C order): big-endian files are byte-swapped, Fortran-order
// files transposed. Supported dtypes: float16/32/64, int8..int64,
// uint8..uint64, bool, complex64/128, and byte ('|S') and unicode ('<U')
// strings, which become String tensors (unicode as UTF-8, trailing NULs
// stripped as NumPy does). Object, structured, void, datetime and
// long-double arrays are refused. Every problem throws nodus::Error naming
// the file and what is wrong; sizes in the header are checked against the
// bytes present before anything is allocated from them.

// The tensor is named after the file's stem.
std::shared_ptr<Tensor> readNpy(const std::filesystem::path& path);
// `nameForErrors` starts every error message; the tensor is left unnamed.
std::shared_ptr<Tensor> readNpyBytes(std::span<const std::byte> bytes, const std::string& nameForErrors);

// Writes a .npy (format 1.0, or 2.0 when the header needs it) that
// numpy.load reads back to the same dtype, shape and values. String tensors
// are written as byte strings ('|S<longest>'). Types NumPy has no dtype for
// (bfloat16, float8, int4, ...) and sparse tensors are refused with an Error.
// The file is replaced atomically.
void writeNpy(const Tensor& tensor, const std::filesystem::path& path);
// Whether NumPy has a dtype for `type` (strings included).
bool npyCanHold(DataType type);
std::vector<std::byte> npyBytes(const Tensor& tensor);

// The arrays of a .npz (numpy.savez, stored, or numpy.savez_compressed,
// deflated), in archive order, named without the ".npy" suffix; folder
// entries are skipped. Zip64 archives and encrypted members are refused.
std::vector<std::pair<std::string, std::shared_ptr<Tensor>>> readNpz(const std::filesystem::path& path);
// Writes a .npz as numpy.savez does: one stored (uncompressed) "<name>.npy"
// member per array, in order. Every array must be one writeNpy accepts and
// names must be unique; the archive must fit in 4 GiB (no Zip64, which
// readNpz refuses too). The file is replaced atomically.
void writeNpz(const std::vector<std::pair<std::string, const Tensor*>>& arrays, const std::filesystem::path& path);

std::vector<std::pair<std::string, std::shared_ptr<Tensor>>> readNpzBytes(
    std::span<const std::byte> bytes, const std::string& nameForErrors);

} // namespace nodus
