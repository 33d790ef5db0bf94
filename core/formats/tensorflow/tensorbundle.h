#pragma once

#include "formats/tensorflow/tensorflow.pb.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace nodus {

class MappedFile;
class Tensor;

// A TensorFlow tensor bundle (a SavedModel's variables/, a checkpoint): the
// index, a LevelDB-style table file ("<prefix>.index") whose keys are
// variable names and whose values are BundleEntryProto, and the data shards
// ("<prefix>.data-0000K-of-0000N") the entries point into.
class TensorBundle {
public:
    struct Entry {
        std::string key;
        tf::BundleEntryProto proto;
    };

    // Reads "<prefix>.index". Throws nodus::Error naming the file.
    static TensorBundle read(const std::filesystem::path& prefix);
    // The table entries of an index file's bytes, in key order; `name` is
    // used in messages. Exposed for the fuzz target.
    static std::vector<std::pair<std::string, std::string>> readTable(
        std::span<const std::byte> bytes, const std::string& name);

    const std::filesystem::path& prefix() const { return prefix_; }
    const tf::BundleHeaderProto& header() const { return header_; }
    const std::vector<Entry>& entries() const { return entries_; }
    std::filesystem::path shardPath(int shard) const;

    // Each variable as a tensor whose bytes stay in its mapped shard. Entries
    // whose bytes are not plain little-endian elements (strings, sliced
    // variables) come without data, saying why in docString.
    std::vector<std::shared_ptr<Tensor>> tensors() const;

private:
    std::filesystem::path prefix_;
    tf::BundleHeaderProto header_;
    std::vector<Entry> entries_;
};

// CRC-32C (Castagnoli), and LevelDB's masking of stored CRCs.
std::uint32_t crc32c(std::span<const std::byte> bytes, std::uint32_t crc = 0);
inline std::uint32_t maskCrc(std::uint32_t crc)
{
    return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

} // namespace nodus
