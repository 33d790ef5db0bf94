#pragma once

#include <string_view>

namespace nodus {

// What a format keeps from the file for a lossless write-back (the parsed
// protobuf skeleton, byte ranges, ...). Each format subclasses it; writers
// check formatName() before down-casting.
class NativeDocument {
public:
    virtual ~NativeDocument() = default;
    virtual std::string_view formatName() const = 0;
};

} // namespace nodus
