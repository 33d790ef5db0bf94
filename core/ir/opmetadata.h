#pragma once

#include "opinfo.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace nodus {

// The op metadata of one op set: docs, attributes with defaults, ports and the
// category that colours a node. Loaded from a JSON data file (the schema
// tools/opmetagen writes for ONNX; other formats hand-write theirs), never
// coded per op.
class OpMetadata {
public:
    // ONNX's metadata, generated from libonnx's schema registry at build time
    // and embedded in the binary. Parsed on first use.
    static const OpMetadata& onnx();

    // Parses a metadata file: a JSON array of ops. Throws Error naming
    // `sourceName` when the text is not JSON or an op is malformed.
    static OpMetadata fromJson(std::string_view json, std::string sourceName);

    // The op version a model with `opsetVersion` of `domain` uses: the newest
    // with since_version <= opsetVersion, else the oldest (a model that claims
    // an opset older than the op still deserves its docs). "ai.onnx" and ""
    // name the same domain. Null for an unknown op.
    const OpInfo* find(std::string_view domain, std::string_view opType,
        std::int64_t opsetVersion = std::numeric_limits<std::int64_t>::max()) const;

    // The op's category in its newest version; empty for an unknown op.
    std::string_view category(std::string_view domain, std::string_view opType) const;

    // Distinct op names of a domain, sorted.
    std::vector<std::string> opNames(std::string_view domain) const;

    // Domains with at least one op, sorted ("" for the default domain).
    std::vector<std::string> domains() const;

    // Every op version, grouped by (domain, name), oldest version first.
    const std::vector<OpInfo>& ops() const { return ops_; }

    const std::string& sourceName() const { return sourceName_; }

private:
    // Heterogeneous lookup so find() with string_views allocates nothing.
    struct StringHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view> {}(s); }
    };
    struct Range {
        std::size_t begin = 0; // into ops_
        std::size_t end = 0;
    };
    using NameIndex = std::unordered_map<std::string, Range, StringHash, std::equal_to<>>;

    const Range* range(std::string_view domain, std::string_view opType) const;

    std::string sourceName_;
    std::vector<OpInfo> ops_;
    std::unordered_map<std::string, NameIndex, StringHash, std::equal_to<>> index_; // domain -> name -> versions
};

} // namespace nodus
