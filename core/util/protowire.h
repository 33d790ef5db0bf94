#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

namespace nodus {

// A raw protobuf field as found on the wire, for content sniffing of
// protobuf-based formats (which have no magic bytes: ONNX, CNTK, MindIR, ...
// are told apart by their top-level field structure).
struct WireField {
    std::uint32_t number = 0;
    int wireType = 0;             // 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32
    std::uint64_t varint = 0;     // wire types 0, 1, 5
    std::span<const std::byte> bytes; // wire type 2
    std::uint64_t offset = 0;     // of the tag, within the scanned span
};

// Calls `visit` for each field of the message encoded in `data` until
// `visit` returns false. Returns false if the bytes are not a well-formed
// message (bad varint, bad wire type, length past the end). Groups are
// treated as malformed: no format we read uses them.
bool scanProtoFields(std::span<const std::byte> data, const std::function<bool(const WireField&)>& visit);

} // namespace nodus
